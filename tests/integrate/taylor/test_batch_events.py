"""Events in Taylor ensembles: per member, against closed forms and scalar solves."""

import numpy as np
import pytest

import odekit
from odekit.integrate import Event, IntegrationError
from odekit.integrate.taylor import solve_taylor, solve_taylor_ensemble


def ball(t, y, p):
    # height and velocity under gravity p[0]
    return np.array([y[1], -p[0] + 0.0 * y[0]])


def ground(t, y, p):
    return y[0]


def osc(t, y, p):
    w = p[0]
    return np.array([y[1], -w * w * y[0]])


def x_zero(t, y, p):
    return y[0]


G = np.array([[9.81], [3.7], [1.62], [24.8]])  # Earth, Mars, Moon, Jupiter
Y0 = np.array([10.0, 2.0])
T_HIT = (Y0[1] + np.sqrt(Y0[1] ** 2 + 2 * G[:, 0] * Y0[0])) / G[:, 0]
W = np.array([[1.0], [1.7], [2.3]])


def test_terminal_event_per_member_closed_form():
    ev = Event(ground, terminal=True, direction=-1.0)
    r = odekit.solve_ensemble(ball, (0.0, 10.0), Y0, params=G, method="taylor",
                              rtol=1e-13, atol=1e-13, events=ev)
    assert r.success and np.all(r.status == 1)
    np.testing.assert_allclose(r.t_final, T_HIT, rtol=1e-12)
    for i in range(4):
        np.testing.assert_allclose(r.t_events[i][0], [T_HIT[i]], rtol=1e-12)
        np.testing.assert_allclose(r.y_events[i][0][0], [0.0, Y0[1] - G[i, 0] * T_HIT[i]],
                                   atol=1e-10)
    # without t_eval, y holds the state where each member stopped
    np.testing.assert_allclose(r.y[:, 0, 0], 0.0, atol=1e-10)
    np.testing.assert_allclose(r.y[:, 1, 0], Y0[1] - G[:, 0] * T_HIT, rtol=1e-12)


def test_terminal_event_t_eval_nan_after_stop():
    te = np.linspace(0.0, 5.0, 11)
    r = solve_taylor_ensemble(ball, (0.0, 5.0), Y0, params=G, tol=1e-14, t_eval=te,
                              events=[Event(ground, terminal=True, direction=-1.0)])
    for i in range(4):
        before = te <= T_HIT[i]
        exact = Y0[0] + Y0[1] * te - 0.5 * G[i, 0] * te ** 2
        np.testing.assert_allclose(r.y[i, 0, before], exact[before], atol=1e-11)
        assert np.all(np.isnan(r.y[i, :, ~before]))
    assert np.all(r.status == 1)


def test_non_terminal_events_direction_and_scalar_equality():
    evs = [Event(x_zero), Event(x_zero, direction=1.0)]
    r = solve_taylor_ensemble(osc, (0.0, 10.0), [1.0, 0.0], params=W, tol=1e-15,
                              events=evs)
    assert np.all(r.status == 0) and np.all(r.t_final == 10.0)
    for i, w in enumerate(W[:, 0]):
        zeros = (np.pi / 2 + np.pi * np.arange(20)) / w
        zeros = zeros[zeros <= 10.0]
        np.testing.assert_allclose(r.t_events[i][0], zeros, atol=1e-12)
        np.testing.assert_allclose(r.t_events[i][1], zeros[1::2], atol=1e-12)
        assert r.y_events[i][1].shape == (zeros[1::2].size, 2)
        s = solve_taylor(osc, (0.0, 10.0), [1.0, 0.0], params=W[i], tol=1e-15, events=evs)
        for j in range(2):  # exactly the scalar solve
            np.testing.assert_array_equal(r.t_events[i][j], s.t_events[j])
            np.testing.assert_array_equal(r.y_events[i][j], s.y_events[j])
        np.testing.assert_array_equal(r.y[i, :, -1], s.y[:, -1])
        assert r.nfev[i] == s.nfev
    import numba

    old = numba.get_num_threads()
    try:  # the members run in chunks on threads: one thread gives the same
        numba.set_num_threads(1)
        r1 = solve_taylor_ensemble(osc, (0.0, 10.0), [1.0, 0.0], params=W, tol=1e-15,
                                   events=evs)
    finally:
        numba.set_num_threads(old)
    for i in range(3):
        for j in range(2):
            np.testing.assert_array_equal(r1.t_events[i][j], r.t_events[i][j])
            np.testing.assert_array_equal(r1.y_events[i][j], r.y_events[i][j])
    np.testing.assert_array_equal(r1.y, r.y)


def test_event_without_zeros_and_matches_dop853():
    far = Event(lambda t, y, p: y[0] - 100.0)
    r = odekit.solve_ensemble(osc, (0.0, 3.0), [1.0, 0.0], params=W, method="taylor",
                              rtol=1e-12, atol=1e-12, events=[Event(x_zero), far])
    d = odekit.solve_ensemble(osc, (0.0, 3.0), [1.0, 0.0], params=W, method="DOP853",
                              rtol=1e-12, atol=1e-12, events=[Event(x_zero), far])
    for i in range(3):
        assert r.t_events[i][1].shape == (0,) and r.y_events[i][1].shape == (0,)
        np.testing.assert_allclose(r.t_events[i][0], d.t_events[i][0], atol=1e-9)
        np.testing.assert_allclose(r.y_events[i][0], d.y_events[i][0], atol=1e-9)


def test_failures_with_events():
    ev = Event(x_zero, terminal=True, direction=1.0)  # first at 3 pi / (2 w) > 2
    with pytest.raises(IntegrationError) as ei:
        solve_taylor_ensemble(osc, (0.0, 10.0), [1.0, 0.0], params=W, tol=1e-12, events=ev,
                              max_steps=3)
    assert ei.value.indices.size > 0
    r = solve_taylor_ensemble(osc, (0.0, 10.0), [1.0, 0.0], params=W, tol=1e-12,
                              events=ev, max_steps=3, raise_on_failure=False)
    bad = r.status < 0
    assert np.all(r.status[bad] == -3) and np.any(bad) and not r.success
    assert np.all(np.isnan(r.y[bad]))
    assert all(r.t_events[i][0].shape == (0,) for i in np.flatnonzero(bad))
