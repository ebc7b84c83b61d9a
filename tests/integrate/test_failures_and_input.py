"""Failure is loud: IntegrationError for failed integrations, ValueError/TypeError for input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import odekit

from .problems import blowup, decay, oscillator, sqrt_rhs, wrong_length


def test_step_size_underflow_names_time():
    with pytest.raises(odekit.IntegrationError, match="step size underflow") as info:
        odekit.solve_ivp(blowup, (0.0, 2.0), [1.0])
    assert 0.99 < info.value.t < 1.001  # y = 1/(1 - t) blows up at t = 1
    assert f"t = {info.value.t!r}" in str(info.value)


def test_non_finite_derivative():
    # f = -1/sqrt(1 - t) is NaN for t > 1: the solver cannot step past t = 1
    with pytest.raises(odekit.IntegrationError) as info:
        odekit.solve_ivp(sqrt_rhs, (0.0, 2.0), [0.0])
    assert info.value.t <= 1.0
    assert info.value.reason in ("non-finite state or derivative", "step size underflow")


def test_non_finite_at_start():
    with pytest.raises(odekit.IntegrationError, match="not finite|non-finite"):
        odekit.solve_ivp(sqrt_rhs, (2.0, 3.0), [0.0])


def test_max_steps():
    with pytest.raises(odekit.IntegrationError, match="max_steps"):
        odekit.solve_ivp(oscillator, (0.0, 100.0), [1.0, 0.0], params=[1.0], max_steps=10)


def test_no_nan_returned_silently():
    # problems whose exact solutions become inf or NaN inside the interval: either an
    # IntegrationError, or (never) a result holding non-finite values
    for fun, span, y0 in ((blowup, (0.0, 2.0), [1.0]), (sqrt_rhs, (0.0, 2.0), [0.0])):
        for method, kw in (("DOP853", {}), ("RK45", {}), ("RK4", {"step": 0.01})):
            with pytest.raises(odekit.IntegrationError):
                res = odekit.solve_ivp(fun, span, y0, method=method, **kw)
                assert np.all(np.isfinite(res.y)), "a non-finite value was returned"
    # an ensemble that keeps failures marks them: NaN rows exactly where status < 0
    res = odekit.solve_ensemble(blowup, (0.0, 2.0), [[1.0], [0.1], [0.8]],
                                raise_on_failure=False)
    bad = np.isnan(res.y).any(axis=(1, 2))
    assert bad.tolist() == [True, False, True]
    assert np.array_equal(bad, res.status < 0) and not res.success
    assert np.all(np.isfinite(res.y[~bad]))


@pytest.mark.parametrize("y0,match", [
    ([np.nan, 1.0], "finite"), ([np.inf], "finite"), ([[1.0, 2.0]], "dimension"),
    (["a"], "numbers"),
])
def test_bad_y0(y0, match):
    with pytest.raises((ValueError, TypeError), match=match):
        odekit.solve_ivp(decay, (0.0, 1.0), y0, params=[1.0])


@pytest.mark.parametrize("kw,exc,match", [
    ({"rtol": 0.0}, ValueError, "rtol"),
    ({"rtol": -1e-6}, ValueError, "rtol"),
    ({"atol": -1.0}, ValueError, "atol"),
    ({"atol": [1e-9, 1e-9, 1e-9]}, ValueError, "atol"),
    ({"method": "Euler"}, ValueError, "method"),
    ({"t_eval": [0.5, 2.0]}, ValueError, "t_eval"),
    ({"t_eval": [0.5, 0.2]}, ValueError, "monotone"),
    ({"method": "RK4"}, ValueError, "step"),
    ({"step": 0.1}, ValueError, "step"),
    ({"first_step": -1.0}, ValueError, "first_step"),
    ({"first_step": 5.0}, ValueError, "first_step"),
    ({"max_step": 0.0}, ValueError, "max_step"),
    ({"max_steps": 0}, ValueError, "max_steps"),
    ({"max_steps": 1.5}, TypeError, "max_steps"),
    ({"params": [np.nan]}, ValueError, "params"),
    ({"params": [[1.0]]}, ValueError, "params"),
])
def test_bad_arguments(kw, exc, match):
    args = {"params": [1.0]}
    args.update(kw)
    with pytest.raises(exc, match=match):
        odekit.solve_ivp(decay, (0.0, 1.0), [1.0], **args)


@pytest.mark.parametrize("t_span", [(0.0, np.inf), (np.inf, 1.0), (np.nan, 1.0), (1.0,), "ab"])
def test_bad_t_span(t_span):
    with pytest.raises(ValueError, match="t_span"):
        odekit.solve_ivp(decay, t_span, [1.0], params=[1.0])


def test_backward_t_eval_must_decrease():
    with pytest.raises(ValueError, match="decreasing"):
        odekit.solve_ivp(decay, (1.0, 0.0), [1.0], params=[1.0], t_eval=[0.2, 0.5])


def test_wrong_output_length():
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        odekit.solve_ivp(wrong_length, (0.0, 1.0), [1.0, 2.0])


def _not_numba(t, y, p):
    return {"a": y}  # a dict of arrays: not a float64 array


def _two_args(t, y):
    return y


def test_uncompilable_function_shows_expected_form():
    with pytest.raises(TypeError, match="fun\\(t, y, p\\)"):
        odekit.solve_ivp(_two_args, (0.0, 1.0), [1.0])
    with pytest.raises(TypeError, match="expected a function"):
        odekit.solve_ivp(_not_numba, (0.0, 1.0), [1.0])
    with pytest.raises(TypeError, match="callable"):
        odekit.solve_ivp(3.0, (0.0, 1.0), [1.0])


def test_event_validation():
    with pytest.raises(TypeError, match="callable"):
        odekit.Event(1.0)
    with pytest.raises(ValueError, match="direction"):
        odekit.Event(_two_args, direction=np.nan)
    with pytest.raises(TypeError, match="events\\[0\\]"):
        odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[1.0], events=[_two_args])


@settings(max_examples=40, deadline=None)
@given(rtol=st.floats(allow_nan=True, allow_infinity=True))
def test_rtol_property(rtol):
    ok = np.isfinite(rtol) and rtol >= 100 * np.finfo(float).eps
    if ok:
        res = odekit.solve_ivp(decay, (0.0, 0.1), [1.0], params=[1.0], rtol=min(rtol, 1.0))
        assert res.success
    elif np.isfinite(rtol) and rtol > 0:  # SciPy's rule: raised to the floor, with a warning
        with pytest.warns(UserWarning, match="rtol"):
            res = odekit.solve_ivp(decay, (0.0, 0.1), [1.0], params=[1.0], rtol=rtol)
        assert res.success
    else:
        with pytest.raises(ValueError, match="rtol"):
            odekit.solve_ivp(decay, (0.0, 0.1), [1.0], params=[1.0], rtol=rtol)


@settings(max_examples=40, deadline=None)
@given(y0=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=2,
                   max_size=2))
def test_y0_property(y0):
    if all(np.isfinite(y0)):  # huge and subnormal values too: linear, so exact
        try:
            res = odekit.solve_ivp(decay, (0.0, 0.1), y0, params=[1.0], rtol=1e-8, atol=1e-10)
        except odekit.IntegrationError:
            # near the top of the float range the stage sums (weights up to ~100) overflow:
            # a loud failure is allowed there, a wrong answer never
            assert max(map(abs, y0)) > 1e300
            return
        assert np.all(np.isfinite(res.y))
        np.testing.assert_allclose(res.y[:, -1], np.array(y0) * np.exp(-0.1), rtol=1e-6,
                                   atol=1e-9)
    else:
        with pytest.raises(ValueError, match="y0"):
            odekit.solve_ivp(decay, (0.0, 0.1), y0, params=[1.0])


@settings(max_examples=30, deadline=None)
@given(t_eval=st.lists(st.floats(-2, 3), min_size=1, max_size=6))
def test_t_eval_property(t_eval):
    te = np.array(t_eval)
    valid = np.all(te >= 0) and np.all(te <= 1) and np.all(np.diff(te) > 0)
    if valid:
        res = odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[1.0], t_eval=te,
                               rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.y[0], np.exp(-te), rtol=1e-9)
    else:
        with pytest.raises(ValueError, match="t_eval"):
            odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[1.0], t_eval=te)
