"""Dense output and event location."""

import numpy as np
import pytest

import odekit

from .problems import falling, height, oscillator, position, vanderpol


@pytest.mark.parametrize("method", ["RK45", "DOP853", "RK4"])
def test_dense_output_matches_direct_solutions(method):
    kw = {"step": 0.05} if method == "RK4" else {"rtol": 1e-10, "atol": 1e-12}
    res = odekit.solve_ivp(vanderpol, (0.0, 10.0), [2.0, 0.0], params=[1.0], method=method,
                           dense_output=True, **kw)
    t = np.linspace(0.0, 10.0, 57)
    direct = odekit.solve_ivp(vanderpol, (0.0, 10.0), [2.0, 0.0], params=[1.0],
                              method=method, t_eval=t, **kw)
    np.testing.assert_allclose(res.sol(t), direct.y, rtol=0, atol=1e-13)
    # and against an independent reference (SciPy at tight tolerance): the interpolant
    # carries the method's accuracy between the steps
    import scipy.integrate

    ref = scipy.integrate.solve_ivp(lambda s, y: vanderpol(s, y, np.array([1.0])),
                                    (0.0, 10.0), [2.0, 0.0], method="DOP853", rtol=1e-13,
                                    atol=1e-14, t_eval=t).y
    bound = 3e-4 if method == "RK4" else 1e-8  # RK4 h = 0.05: 3.1e-5 seen; adaptive ~1e-9
    assert np.max(np.abs(res.sol(t) - ref)) < bound
    # at the step points the interpolant reproduces the steps
    np.testing.assert_allclose(res.sol(res.t), res.y, rtol=0, atol=1e-12)
    assert res.sol(3.0).shape == (2,)
    with pytest.raises(ValueError, match="t must lie"):
        res.sol(10.5)


@pytest.mark.parametrize("method,order", [("RK45", 4), ("DOP853", 7)])
def test_dense_output_order(method, order):
    """Interpolation error between steps shrinks like h^(order+1) for fixed steps."""
    errs = []
    hs = [0.4, 0.2, 0.1] if method == "DOP853" else [0.2, 0.1, 0.05]
    t = np.linspace(0, 4, 400)
    for h in hs:
        res = odekit.solve_ivp(oscillator, (0.0, 4.0), [1.0, 0.0], params=[1.0],
                               method=method, rtol=1e6, atol=1e6, first_step=h, max_step=h,
                               dense_output=True)
        errs.append(np.max(np.abs(res.sol(t)[0] - np.cos(t))))
    slope = np.polyfit(np.log(hs), np.log(errs), 1)[0]
    assert slope > order - 0.5, (slope, errs)


def test_oscillator_zeros_at_multiples_of_pi():
    res = odekit.solve_ivp(oscillator, (0.0, 10.0), [0.0, 1.0], params=[1.0], rtol=1e-13,
                           atol=1e-14, events=[odekit.Event(position)], dense_output=True)
    te = res.t_events[0]
    np.testing.assert_allclose(te, np.pi * np.arange(1, 4), rtol=1e-11)
    assert res.y_events[0].shape == (3, 2)
    np.testing.assert_allclose(res.y_events[0][:, 1], [-1.0, 1.0, -1.0], atol=1e-11)
    # located on the interpolant to ~1e-12 relative in t: g changes sign within that
    for t in te:
        dt = 1e-12 * t
        g_lo, g_hi = res.sol(t - dt)[0], res.sol(t + dt)[0]
        assert g_lo * g_hi <= 0.0
    assert res.status == 0


def test_event_direction():
    up = odekit.Event(position, direction=1.0)
    down = odekit.Event(position, direction=-1.0)
    res = odekit.solve_ivp(oscillator, (0.0, 10.0), [0.0, 1.0], params=[1.0], rtol=1e-12,
                           atol=1e-14, events=[up, down])
    np.testing.assert_allclose(res.t_events[0], [2 * np.pi], rtol=1e-10)
    np.testing.assert_allclose(res.t_events[1], [np.pi, 3 * np.pi], rtol=1e-10)


@pytest.mark.parametrize("method", ["RK45", "DOP853"])
def test_terminal_event_stops_falling_ball(method):
    g, h0 = 9.81, 10.0
    res = odekit.solve_ivp(falling, (0.0, 10.0), [h0, 0.0], params=[g], method=method,
                           events=[odekit.Event(height, terminal=True, direction=-1)])
    t_hit = np.sqrt(2 * h0 / g)
    assert res.status == 1
    assert res.t[-1] == pytest.approx(t_hit, rel=1e-12)
    assert res.t_events[0][0] == pytest.approx(t_hit, rel=1e-12)
    assert abs(res.y[0, -1]) < 1e-10
    assert res.y[1, -1] == pytest.approx(-g * t_hit, rel=1e-12)
    assert res.message == "A termination event occurred."


def test_terminal_event_backward_and_with_t_eval():
    t_eval = np.linspace(0, 3, 31)
    res = odekit.solve_ivp(falling, (0.0, 3.0), [10.0, 0.0], params=[9.81], t_eval=t_eval,
                           events=odekit.Event(height, terminal=True))
    t_hit = np.sqrt(20 / 9.81)
    assert res.t[-1] <= t_hit and res.t.size == np.sum(t_eval <= t_hit)
    back = odekit.solve_ivp(falling, (0.0, -3.0), [10.0, 0.0], params=[9.81],
                            events=[odekit.Event(height, terminal=True)])
    assert back.t[-1] == pytest.approx(-t_hit, rel=1e-12)


def test_many_events_buffers_grow():
    res = odekit.solve_ivp(oscillator, (0.0, 400.0), [0.0, 1.0], params=[1.0],
                           rtol=1e-10, atol=1e-12, events=[position], dense_output=True)
    assert res.t_events[0].size == int(400 / np.pi)
    np.testing.assert_allclose(res.t_events[0], np.pi * np.arange(1, 128), rtol=1e-8)


def test_t_eval_dense_output_and_terminal_event_together():
    """Every output path of one step at once: t_eval points, stored interpolants, a
    terminal event inside the step; the pieces agree with each other and the closed form."""
    g = 9.81
    t_hit = np.sqrt(20 / g)
    t_eval = np.linspace(0.0, 3.0, 301)
    res = odekit.solve_ivp(falling, (0.0, 3.0), [10.0, 0.0], params=[g], t_eval=t_eval,
                           dense_output=True, rtol=1e-12, atol=1e-12,
                           events=[odekit.Event(height, terminal=True)])
    assert res.status == 1
    assert res.t_events[0][0] == pytest.approx(t_hit, rel=1e-12)
    np.testing.assert_array_equal(res.t, t_eval[t_eval <= t_hit])
    np.testing.assert_allclose(res.y[0], 10.0 - 0.5 * g * res.t**2, rtol=0, atol=1e-11)
    np.testing.assert_allclose(res.sol(res.t), res.y, rtol=0, atol=1e-13)
    assert res.sol.t_max == pytest.approx(t_hit, rel=1e-12)


def test_repeated_function_is_rechecked_for_a_new_size():
    """The fast path for a repeated right-hand side must not skip the output-length check
    when the state size changes."""
    def two(t, y, p):
        return np.array([y[1], -y[0]])

    odekit.solve_ivp(two, (0.0, 1.0), [1.0, 0.0])
    odekit.solve_ivp(two, (0.0, 1.0), [1.0, 0.0])
    with pytest.raises(ValueError, match="shape"):
        odekit.solve_ivp(two, (0.0, 1.0), [1.0, 0.0, 0.0])
