"""The one driver: ensembles with events and t_eval equal one-by-one solves bit for bit
and do not depend on the thread count; terminal=n; dense output continuous at the steps;
status codes in one enum."""

import numba
import numpy as np
import pytest

import odekit
from odekit.integrate import Status

from .problems import height, oscillator, position, vanderpol

SPAN = (0.0, 12.0)
T_EVAL = np.linspace(0.0, 12.0, 9)


def _members():
    mus = np.linspace(0.5, 2.5, 11)[:, None]
    y0 = np.column_stack([np.linspace(-2.0, 2.0, 11), np.linspace(0.5, -0.5, 11)])
    return mus, y0


def _ens_events(terminal, **kw):
    mus, y0 = _members()
    evs = [odekit.Event(position, terminal=terminal, direction=1.0), odekit.Event(height)]
    return mus, y0, evs, odekit.solve_ensemble(vanderpol, SPAN, y0, params=mus, rtol=1e-9,
                                                atol=1e-11, events=evs, **kw)


@pytest.mark.parametrize("terminal", [False, True, 2])
def test_ensemble_events_equal_one_by_one(terminal):
    mus, y0, evs, ens = _ens_events(terminal, t_eval=T_EVAL)
    assert ens.y.shape == (11, 2, T_EVAL.size)
    for i in range(11):
        one = odekit.solve_ivp(vanderpol, SPAN, y0[i], params=mus[i], rtol=1e-9, atol=1e-11,
                               t_eval=T_EVAL, events=evs)
        assert ens.status[i] == one.status
        m = one.t.size
        np.testing.assert_array_equal(ens.y[i][:, :m], one.y)
        assert np.all(np.isnan(ens.y[i][:, m:]))
        for j in range(2):
            np.testing.assert_array_equal(ens.t_events[i][j], one.t_events[j])
            np.testing.assert_array_equal(ens.y_events[i][j], one.y_events[j])
        if one.status == 1:
            assert ens.t_final[i] == one.t_events[0][-1]
    if terminal:
        assert np.sum(ens.status == 1) >= 6
        assert all(len(ens.t_events[i][0]) == int(terminal) for i in range(11)
                   if ens.status[i] == 1)


def test_ensemble_terminal_final_state_without_t_eval():
    mus, y0, evs, ens = _ens_events(True)
    for i in (0, 5, 10):
        one = odekit.solve_ivp(vanderpol, SPAN, y0[i], params=mus[i], rtol=1e-9, atol=1e-11,
                               events=evs)
        np.testing.assert_array_equal(ens.y[i, :, 0], one.y[:, -1])
        assert ens.t_final[i] == one.t[-1]


def test_ensemble_events_thread_independent():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        *_, one = _ens_events(2, t_eval=T_EVAL)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        *_, many = _ens_events(2, t_eval=T_EVAL)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.y, many.y)
    np.testing.assert_array_equal(one.nfev, many.nfev)
    for a, b in zip(one.t_events, many.t_events):
        for x, z in zip(a, b):
            np.testing.assert_array_equal(x, z)


def test_ensemble_event_store_grows():
    """Many events per member: the chunks' stores fill and are grown; nothing is lost."""
    y0 = np.array([1.0, 0.0])
    w = np.array([[3.0], [5.0], [7.0]])
    res = odekit.solve_ensemble(oscillator, (0.0, 60.0), y0, params=w, rtol=1e-10,
                                atol=1e-12, events=[odekit.Event(position)])
    for i, wi in enumerate(w[:, 0]):
        te = res.t_events[i][0]
        zeros = (np.arange(te.size) + 0.5) * np.pi / wi  # cos(w t) = 0
        assert te.size == int(60.0 * wi / np.pi + 0.5)
        np.testing.assert_allclose(te, zeros, rtol=1e-8)


def test_terminal_n_stops_at_the_nth_zero():
    res = odekit.solve_ivp(oscillator, (0.0, 20.0), [1.0, 0.0], params=[1.0], rtol=1e-11,
                           atol=1e-13, events=[odekit.Event(position, terminal=3)])
    assert res.status == 1
    np.testing.assert_allclose(res.t_events[0], (np.arange(3) + 0.5) * np.pi, rtol=1e-9)
    assert res.t[-1] == res.t_events[0][-1]


@pytest.mark.parametrize("bad", [-1, 3.5, "yes"])
def test_terminal_is_validated(bad):
    # SciPy's rule: a bad number is a ValueError, a non-number a TypeError
    with pytest.raises((ValueError, TypeError), match="terminal"):
        odekit.Event(position, terminal=bad)


def test_terminal_event_before_first_t_eval_point():
    """SciPy's shapes: no output point reached, y has shape (n, 0)."""
    res = odekit.solve_ivp(oscillator, (0.0, 10.0), [1.0, 0.0], params=[1.0],
                           t_eval=[5.0, 6.0], events=[odekit.Event(position, terminal=True)])
    assert res.t.shape == (0,) and res.y.shape == (2, 0) and res.status == 1


@pytest.mark.parametrize("method", ["DOP853", "RK45"])
@pytest.mark.parametrize("span", [(0.0, 7.0), (7.0, 0.0)])
def test_dense_output_continuous_and_exact_at_steps(method, span):
    """sol reproduces y at every step end (the end of the span included) and its pieces
    meet at the step boundaries to a few ulp (SciPy's are continuous; the monomial form
    jumped by up to ~1900 ulp)."""
    res = odekit.solve_ivp(vanderpol, span, [2.0, 0.0], params=[1.0], method=method,
                           rtol=1e-10, atol=1e-12, dense_output=True)
    ulp = np.spacing(np.abs(res.y))
    np.testing.assert_array_less(np.abs(res.sol(res.t) - res.y), 2.0 * ulp + 1e-300)
    inner = res.t[1:-1]
    left = res.sol(np.nextafter(inner, span[0]))  # the previous step's piece, at θ -> 1
    right = res.y[:, 1:-1]
    slope = np.abs(np.diff(res.y, axis=1)[:, 1:] / np.diff(res.t)[1:])  # |y'| roughly
    drift = slope * np.spacing(np.abs(inner)) * 4
    np.testing.assert_array_less(np.abs(left - right), 4.0 * np.spacing(np.abs(right))
                                 + drift + 1e-300)


def test_status_enum_and_messages():
    assert Status(0).message.startswith("The solver successfully")
    res = odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0])
    assert res.message == Status.SUCCESS.message and res.status == Status.SUCCESS
    with pytest.raises(odekit.IntegrationError) as info:
        odekit.solve_ivp(oscillator, (0.0, 100.0), [1.0, 0.0], params=[1.0], max_steps=3)
    assert info.value.status is Status.MAX_STEPS
    assert Status.MAX_STEPS.message in str(info.value)


def test_backend_seam():
    """A method that is not a Runge–Kutta pair plugs in by name, for both entry points."""
    from odekit.integrate import ensemble, ivp

    seen = {}

    def fake(fun, t_span, y0, **options):
        seen.update(options)
        return "fake result"

    ivp.BACKENDS["Fake"] = ensemble.BACKENDS["Fake"] = fake
    try:
        assert odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], method="Fake",
                                rtol=1e-7) == "fake result"
        assert seen["rtol"] == 1e-7 and "events" in seen and "step" in seen
        assert odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0],
                                     method="Fake") == "fake result"
    finally:
        del ivp.BACKENDS["Fake"], ensemble.BACKENDS["Fake"]
    with pytest.raises(ValueError, match="method"):
        odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], method="Fake")
