"""SciPy's rules at odekit's surface: degenerate spans and states, tolerances, event
attributes and shapes, extrapolation, complex states (docs/scipy_compat.rst).

References are closed forms; the right-hand sides are shared with the other core tests
(tests/integrate/problems.py) so no extra kernels are compiled, except for the complex
ones defined here.
"""

import math

import numpy as np
import pytest

import odekit
from odekit.integrate._results import check_terminal

from .problems import decay, falling, height, oscillator


# ------------------------------------------------------------------ nothing to integrate
def test_zero_length_span_returns_y0():
    res = odekit.solve_ivp(decay, (2.0, 2.0), [1.0, 3.0], params=[1.0], dense_output=True)
    assert res.success and res.status == 0 and res.nfev == 0
    np.testing.assert_array_equal(res.t, [2.0])
    np.testing.assert_array_equal(res.y, [[1.0], [3.0]])
    np.testing.assert_array_equal(res.sol(2.0), [1.0, 3.0])
    with pytest.raises(ValueError, match="extrapolate"):
        res.sol(3.0)
    res.sol.extrapolate = True
    np.testing.assert_array_equal(res.sol([2.0, 3.0]), [[1.0, 1.0], [3.0, 3.0]])
    res = odekit.solve_ivp(decay, (2.0, 2.0), [1.0], params=[1.0], t_eval=[2.0])
    np.testing.assert_array_equal(res.y, [[1.0]])


def _no_state(t, y, p):
    return np.zeros(0)


def test_empty_state():
    for t1 in (10.0, np.inf):
        res = odekit.solve_ivp(_no_state, (0.0, t1), np.zeros(0), dense_output=True)
        assert res.success and res.y.shape == (0, 2)
        np.testing.assert_array_equal(res.t, [0.0, t1])
        assert res.sol(5.0).shape == (0,) and res.sol([1.0, 2.0, 3.0]).shape == (0, 3)
    with pytest.raises(ValueError, match="events"):
        odekit.solve_ivp(_no_state, (0.0, 1.0), np.zeros(0), events=lambda t, y, p: t)


# ------------------------------------------------------------------ tolerances
def test_rtol_floor_warns_and_is_applied():
    with pytest.warns(UserWarning, match="At least one element of `rtol` is too small") as rec:
        res = odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[1.0], rtol=1e-20,
                               atol=1e-30)
    assert rec[0].filename == __file__  # stacklevel: the warning names the caller's line
    assert abs(res.y[0, -1] - math.exp(-1.0)) < 1e-13  # it ran at the floor 2.2e-14
    for bad in (0.0, -1e-3, np.nan, np.inf):
        with pytest.raises(ValueError, match="rtol"):
            odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[1.0], rtol=bad)


def test_array_rtol_uses_its_smallest_element():
    y0, kw = [1.0, 1.0], {"params": [1.0], "atol": 1e-12}
    loose = odekit.solve_ivp(decay, (0.0, 1.0), y0, rtol=1e-3, **kw)
    mixed = odekit.solve_ivp(decay, (0.0, 1.0), y0, rtol=[1e-3, 1e-9], **kw)
    tight = odekit.solve_ivp(decay, (0.0, 1.0), y0, rtol=1e-9, **kw)
    np.testing.assert_array_equal(mixed.y, tight.y)
    assert mixed.nfev == tight.nfev > loose.nfev
    with pytest.raises(ValueError, match=r"rtol must be a scalar or an array of shape \(2,\)"):
        odekit.solve_ivp(decay, (0.0, 1.0), y0, rtol=[1e-3, 1e-3, 1e-3], **kw)
    with pytest.raises(TypeError, match="rtol"):
        odekit.solve_ivp(decay, (0.0, 1.0), y0, rtol="tight", **kw)


# ------------------------------------------------------------------ events
@pytest.mark.parametrize("value,expected", [
    (None, False), (False, False), (0, False), (0.0, False), (True, True), (1, True),
    (np.int64(1), True), (3, 3), (np.int32(4), 4), (1.0, True), (2.0, 2),
])
def test_terminal_accepted(value, expected):
    out = check_terminal(value)
    assert out == expected and type(out) is type(expected)


@pytest.mark.parametrize("value,exc", [(-1, ValueError), (3.5, ValueError), (-2.0, ValueError),
                                       ("yes", TypeError), ([1], TypeError)])
def test_terminal_refused(value, exc):
    with pytest.raises(exc, match="Event: terminal must be a bool or a positive integer"):
        odekit.Event(height, terminal=value)

    def g(t, y, p):
        return y[0]

    g.terminal = value
    with pytest.raises(exc, match="The `terminal` attribute"):
        odekit.solve_ivp(falling, (0.0, 1.0), [10.0, 0.0], params=[9.81], events=g)


def _never(t, y, p):
    return 1.0 + 0.0 * y[0]


@pytest.mark.parametrize("method", ["DOP853", "taylor"])
def test_event_shapes_follow_scipy(method):
    never = odekit.Event(_never)
    res = odekit.solve_ivp(falling, (0.0, 2.0), [10.0, 0.0], params=[9.81],
                           events=[odekit.Event(height), never], method=method)
    assert res.t_events[0].shape == (1,) and res.y_events[0].shape == (1, 2)
    assert res.t_events[1].shape == (0,) and res.y_events[1].shape == (0,)
    for _ in range(2):  # the first call and the repeat call (a fast path for taylor)
        plain = odekit.solve_ivp(falling, (0.0, 1.0), [10.0, 0.0], params=[9.81],
                                 method=method)
        assert plain.t_events is None and plain.y_events is None
    assert plain.njev == 0 and plain.nlu == 0
    empty = odekit.solve_ivp(falling, (0.0, 1.0), [10.0, 0.0], params=[9.81], events=[],
                             method=method)
    assert empty.t_events == [] and empty.y_events == []


def test_infinite_end_needs_a_terminal_event():
    t_hit = math.sqrt(2 * 10 / 9.81)
    res = odekit.solve_ivp(falling, (0.0, np.inf), [10.0, 0.0], params=[9.81],
                           events=odekit.Event(height, terminal=True), rtol=1e-10,
                           atol=1e-12)
    assert res.status == 1 and res.t_events[0][0] == pytest.approx(t_hit, rel=1e-10)
    with pytest.raises(ValueError, match="t_span .* is infinite"):
        odekit.solve_ivp(falling, (0.0, np.inf), [10.0, 0.0], params=[9.81],
                         events=odekit.Event(height))


# ------------------------------------------------------------------ dense output
def test_extrapolation_is_opt_in():
    res = odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], rtol=1e-10,
                           atol=1e-12, dense_output=True)
    with pytest.raises(ValueError, match="integrated interval"):
        res.sol(1.01)
    res.sol.extrapolate = True
    # the last step's polynomial, a little beyond the end: close to cos, not exact
    assert res.sol(1.01)[0] == pytest.approx(math.cos(1.01), abs=1e-6)
    assert res.sol(-0.01)[0] == pytest.approx(math.cos(0.01), abs=1e-6)


# ------------------------------------------------------------------ complex states
def cdecay(t, y, p):
    return -p[0] * y


def crotate_inplace(t, y, p, dydt):
    for i in range(y.shape[0]):
        dydt[i] = 1j * y[i]


def cimag_event(t, y, p):
    return y[0].imag - 0.5


def test_complex_state():
    y0 = np.array([0.5 + 1.0j, -2.0j])
    res = odekit.solve_ivp(cdecay, (0.0, 1.0), y0, params=[1.0], rtol=1e-10, atol=1e-12,
                           dense_output=True, events=cimag_event)
    assert res.y.dtype == np.complex128 and res.y.shape == (2, res.t.size)
    np.testing.assert_allclose(res.y[:, -1], y0 * math.exp(-1.0), rtol=1e-9)
    np.testing.assert_allclose(res.sol(0.3), y0 * math.exp(-0.3), rtol=1e-9)
    assert res.sol([0.1, 0.2]).shape == (2, 2)
    np.testing.assert_allclose(res.t_events[0], [math.log(2.0)], rtol=1e-10)
    np.testing.assert_allclose(res.y_events[0], [y0 / 2], rtol=1e-9)
    rot = odekit.solve_ivp(crotate_inplace, (0.0, math.pi), [1.0 + 0j], rtol=1e-10,
                           atol=1e-12)
    np.testing.assert_allclose(rot.y[:, -1], [-1.0], atol=1e-9)
    with pytest.raises(ValueError, match="finite"):
        odekit.solve_ivp(cdecay, (0.0, 1.0), [complex(np.nan, 1.0)], params=[1.0])
