"""The adaptive Taylor integrator against closed forms, SciPy and known roots."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_ivp

import odekit
from odekit import _jit
from odekit.integrate import Event, IntegrationError
from odekit.integrate.taylor import TraceError, order_from_tol, solve_taylor


def osc(t, y, p):
    return np.array([y[1], -p[0] * y[0]])


def kepler(t, y, p, dydt):
    r3 = (y[0] * y[0] + y[1] * y[1]) ** 1.5
    dydt[0] = y[2]
    dydt[1] = y[3]
    dydt[2] = -y[0] / r3
    dydt[3] = -y[1] / r3


def forced(t, y, p):
    # a driven, damped pendulum: t, parameters, sin/cos of state and time
    return np.array([y[1], -p[0] * y[1] - np.sin(y[0]) + p[1] * np.cos(p[2] * t)])


def y0_zero(t, y, p):
    return y[0]


def test_order_rule():
    # heyoka's rule p = ceil(-ln(tol)/2 + 1)
    assert order_from_tol(1e-10) == 13
    assert order_from_tol(1e-16) == 20
    assert order_from_tol(1e-6) == 8


def test_harmonic_oscillator_10k_periods():
    T = 2 * np.pi * 1e4
    res = solve_taylor(osc, (0.0, T), [1.0, 0.0], params=[1.0], tol=1e-15)
    err = np.max(np.abs(res.y[:, -1] - [math.cos(T), -math.sin(T)]))
    assert res.success and res.status == 0 and res.t[-1] == T
    assert err < 1e-9, err
    assert res.nfev == res.nsteps and res.nrejected == 0


def test_kepler_e09_invariants():
    e = 0.9  # periapsis start: r = 1 - e, v = sqrt((1 + e) / (1 - e)), a = 1, period 2 pi
    y0 = [1 - e, 0.0, 0.0, math.sqrt((1 + e) / (1 - e))]
    res = solve_taylor(kepler, (0.0, 20 * np.pi), y0, tol=1e-15, dense_output=True)
    x, y, vx, vy = res.y
    energy = 0.5 * (vx ** 2 + vy ** 2) - 1 / np.hypot(x, y)
    ang = x * vy - y * vx
    assert np.max(np.abs(energy + 0.5)) < 1e-11
    assert np.max(np.abs(ang - ang[0])) < 1e-11
    # back at periapsis after 10 periods (closed form)
    assert np.max(np.abs(res.y[:, -1] - y0)) < 1e-8
    # dense output: the apoapsis at t = pi of each orbit, x = -(1 + e)
    assert abs(res.sol(np.pi)[0] + (1 + e)) < 1e-11


def test_against_scipy_dop853():
    args = (0.3, 1.2, 0.9)
    ref = scipy_ivp(lambda t, y: forced(t, y, args), (0.0, 20.0), [0.3, 0.0],
                    method="DOP853", rtol=1e-13, atol=1e-13)
    res = solve_taylor(forced, (0.0, 20.0), [0.3, 0.0], params=args, tol=1e-15)
    np.testing.assert_allclose(res.y[:, -1], ref.y[:, -1], rtol=0, atol=1e-10)
    # new parameters and initial values never recompile
    n0 = _jit.compile_count()
    res2 = solve_taylor(forced, (0.0, 5.0), [0.1, 0.2], params=(0.1, 0.5, 2.0), tol=1.5e-15)
    assert _jit.compile_count() == n0
    ref2 = scipy_ivp(lambda t, y: forced(t, y, (0.1, 0.5, 2.0)), (0.0, 5.0), [0.1, 0.2],
                     method="DOP853", rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(res2.y[:, -1], ref2.y[:, -1], rtol=0, atol=1e-10)


def test_backward_and_t_eval():
    te = np.linspace(3.0, 0.0, 31)
    res = solve_taylor(osc, (3.0, 0.0), [math.cos(3.0), -math.sin(3.0)], params=[1.0],
                       tol=1e-15, t_eval=te)
    np.testing.assert_array_equal(res.t, te)
    np.testing.assert_allclose(res.y[0], np.cos(te), atol=1e-13)
    np.testing.assert_allclose(res.y[1], -np.sin(te), atol=1e-13)


def test_convergence_in_tolerance():
    T = 2 * np.pi * 50
    errs = []
    for tol in [1e-6, 1e-9, 1e-12]:
        res = solve_taylor(kepler, (0.0, T), [0.5, 0.0, 0.0, math.sqrt(3.0)], tol=tol)
        errs.append(np.max(np.abs(res.y[:, -1] - [0.5, 0.0, 0.0, math.sqrt(3.0)])))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 1e-8 and errs[0] < 1e-2


def test_events_roots_direction_terminal():
    evs = [Event(y0_zero), Event(y0_zero, direction=1.0)]
    res = solve_taylor(osc, (0.0, 10.0), [1.0, 0.0], params=[1.0], tol=1e-15, events=evs)
    np.testing.assert_allclose(res.t_events[0], np.pi / 2 + np.pi * np.arange(3), atol=1e-13)
    np.testing.assert_allclose(res.t_events[1], 1.5 * np.pi + 2 * np.pi * np.arange(2)[:1],
                               atol=1e-13)
    np.testing.assert_allclose(res.y_events[0][:, 0], 0.0, atol=1e-13)
    np.testing.assert_allclose(res.y_events[0][:, 1], [-1, 1, -1], atol=1e-13)
    term = solve_taylor(osc, (0.0, 10.0), [1.0, 0.0], params=[1.0], tol=1e-15,
                        events=[Event(y0_zero, terminal=True, direction=1.0)])
    assert term.status == 1 and abs(term.t[-1] - 1.5 * np.pi) < 1e-13
    assert abs(term.y[0, -1]) < 1e-13


def test_failure_is_loud():
    def blowup(t, y, p):
        return np.array([y[0] * y[0]])

    with pytest.raises(IntegrationError, match="max_steps|non-finite"):
        solve_taylor(blowup, (0.0, 2.0), [1.0], tol=1e-8, max_steps=50)
    with pytest.raises(IntegrationError, match="max_steps"):
        solve_taylor(osc, (0.0, 100.0), [1.0, 0.0], params=[1.0], tol=1e-15, max_steps=5)


def test_public_hook_in_solve_ivp():
    res = odekit.solve_ivp(osc, (0.0, 1.0), [1.0, 0.0], params=[1.0], method="taylor",
                           rtol=1e-13, atol=1e-13)
    assert abs(res.y[0, -1] - math.cos(1.0)) < 1e-12


def test_tracer_refusals():
    def branch(t, y, p):
        return np.array([y[0] if y[0] > 0 else -y[0]])

    def absval(t, y, p):
        return np.array([abs(y[0])])

    def unknown(t, y, p):
        return np.array([np.floor(y[0])])

    def helper(x):
        return math.sin(x)

    def via_helper(t, y, p):
        return np.array([helper(y[0])])

    for f, what in [(branch, "comparison"), (absval, "abs"), (unknown, "floor"),
                    (via_helper, "float")]:
        with pytest.raises(TraceError, match=what) as ei:
            solve_taylor(f, (0.0, 1.0), [1.0])
        assert "DOP853" in str(ei.value)
        assert isinstance(ei.value, TypeError)


def test_math_module_functions_traced():
    def f(t, y, p):
        return np.array([math.cos(y[1]), -math.sin(y[0])])

    g = solve_taylor(f, (0.0, 1.0), [0.1, 0.2], tol=1e-14)
    ref = scipy_ivp(lambda t, y: [math.cos(y[1]), -math.sin(y[0])], (0.0, 1.0), [0.1, 0.2],
                    method="DOP853", rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(g.y[:, -1], ref.y[:, -1], atol=1e-11)


K_GLOBAL = 1.0


def scaled(t, y, p):
    return np.array([-K_GLOBAL * y[0]])


def test_changed_global_is_retraced():
    global K_GLOBAL
    try:
        K_GLOBAL = 1.0
        a = solve_taylor(scaled, (0.0, 1.0), [1.0], tol=1e-14)
        K_GLOBAL = 2.0
        b = solve_taylor(scaled, (0.0, 1.0), [1.0], tol=1e-14)
    finally:
        K_GLOBAL = 1.0
    assert abs(a.y[0, -1] - math.exp(-1.0)) < 1e-13
    assert abs(b.y[0, -1] - math.exp(-2.0)) < 1e-13


def test_time_harmonics_as_extra_states_are_hidden():
    # cos(p2 t) is carried as two extra states: outputs keep the user's n = 2
    args = (0.3, 1.2, 0.9)
    res = solve_taylor(forced, (0.0, 20.0), [0.3, 0.0], params=args, tol=1.5e-15,
                       dense_output=True, events=[Event(y0_zero)])
    assert res.y.shape[0] == 2 and res.sol(5.0).shape == (2,)
    assert res.y_events[0].shape[1] == 2
    ref = scipy_ivp(lambda t, y: forced(t, y, args), (0.0, 20.0), [0.3, 0.0],
                    method="DOP853", rtol=1e-13, atol=1e-13, dense_output=True,
                    events=lambda t, y: y[0])
    np.testing.assert_allclose(res.sol(5.0), ref.sol(5.0), atol=1e-10)
    np.testing.assert_allclose(res.t_events[0], ref.t_events[0], atol=1e-10)
