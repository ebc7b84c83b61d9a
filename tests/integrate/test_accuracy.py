"""Layers 2-4: closed forms, convergence orders, agreement with SciPy at tight tolerance."""

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg

import odekit
from odekit.integrate._tableaux import TABLEAUX

from .problems import (
    ARENSTORF_MU,
    ARENSTORF_T,
    ARENSTORF_Y0,
    arenstorf,
    decay,
    jacobi,
    linear,
    logistic,
    lorenz,
    oscillator,
    vanderpol,
)

# A non-normal 3x3 system with rotation and decay: y' = M y, exact solution expm(M t) y0.
M = np.array([[-0.3, 2.0, 0.1], [-2.0, -0.1, 0.5], [0.2, -0.4, -0.5]])
Y0 = np.array([1.0, 0.5, -0.25])
T = 2.0
EXACT = scipy.linalg.expm(M * T) @ Y0


def _fixed_step_error(method, nsteps):
    h = T / nsteps
    if method == "RK4":
        res = odekit.solve_ivp(linear, (0.0, T), Y0, params=M.ravel(), method="RK4", step=h)
    else:  # force fixed steps: huge tolerance, first_step = max_step = h
        res = odekit.solve_ivp(linear, (0.0, T), Y0, params=M.ravel(), method=method,
                               rtol=1e6, atol=1e6, first_step=h, max_step=h)
        assert res.nrejected == 0
    assert res.t[-1] == T
    return np.max(np.abs(res.y[:, -1] - EXACT))


@pytest.mark.parametrize("method,order,steps", [
    ("RK4", 4, [10, 14, 20, 28, 40, 56, 80]),
    ("RK45", 5, [8, 11, 16, 22, 32, 45, 64]),
    ("DOP853", 8, [4, 5, 6, 8, 10, 12]),  # stays well above round-off (errors > 1e-13)
])
def test_convergence_order(method, order, steps):
    errs = np.array([_fixed_step_error(method, n) for n in steps])
    assert np.all(errs > 1e-13), errs
    slope = -np.polyfit(np.log(steps), np.log(errs), 1)[0]
    assert abs(slope - order) < 0.3, (slope, errs)


# A nonlinear system (Euler's rigid body): y = (sn, cn, dn)(t | m) exactly, so the order
# conditions of the nonlinear (non-tall) trees are exercised too, unlike y' = M y.
JAC_M = 0.5
JAC_T = 4.0


def _jacobi_error(method, nsteps):
    import scipy.special

    h = JAC_T / nsteps
    if method == "RK4":
        res = odekit.solve_ivp(jacobi, (0.0, JAC_T), [0.0, 1.0, 1.0], params=[JAC_M],
                               method="RK4", step=h)
    else:
        res = odekit.solve_ivp(jacobi, (0.0, JAC_T), [0.0, 1.0, 1.0], params=[JAC_M],
                               method=method, rtol=1e6, atol=1e6, first_step=h, max_step=h)
        assert res.nrejected == 0
    sn, cn, dn, _ = scipy.special.ellipj(JAC_T, JAC_M)
    return np.max(np.abs(res.y[:, -1] - np.array([sn, cn, dn])))


# the step lists are tuned for these three; every registered method's order is measured in
# test_methods.py::test_fixed_step_convergence_order
@pytest.mark.parametrize("method", ["RK4", "RK45", "DOP853"])
def test_convergence_order_nonlinear(method):
    order = TABLEAUX[method].order
    steps = {4: [10, 14, 20, 28, 40, 56, 80], 5: [8, 11, 16, 22, 32, 45, 64],
             8: [5, 6, 8, 10, 12, 14]}[order]
    errs = np.array([_jacobi_error(method, n) for n in steps])
    assert np.all(errs > 1e-13), errs
    slope = -np.polyfit(np.log(steps), np.log(errs), 1)[0]
    assert abs(slope - order) < 0.3, (slope, errs)


@pytest.mark.parametrize("method", ["RK45", "DOP853"])
@pytest.mark.parametrize("rtol", [1e-6, 1e-9, 1e-12])
def test_decay_tolerance_scaled(method, rtol):
    res = odekit.solve_ivp(decay, (0.0, 5.0), [2.0, -1.0], params=[0.7], method=method,
                           rtol=rtol, atol=rtol * 1e-3)
    exact = np.array([[2.0], [-1.0]]) * np.exp(-0.7 * res.t)
    err = np.max(np.abs(res.y - exact) / (np.abs(exact) + 1e-3))
    assert err < 50 * rtol


@pytest.mark.parametrize("method", ["RK45", "DOP853"])
@pytest.mark.parametrize("rtol", [1e-6, 1e-10])
def test_harmonic_oscillator(method, rtol):
    w = 1.7
    t = np.linspace(0, 20, 41)
    res = odekit.solve_ivp(oscillator, (0.0, 20.0), [1.0, 0.0], params=[w], method=method,
                           rtol=rtol, atol=rtol * 1e-2, t_eval=t)
    np.testing.assert_array_equal(res.t, t)
    err = np.max(np.abs(res.y[0] - np.cos(w * t)))
    assert err < 200 * rtol  # global error over ~5 periods


@pytest.mark.parametrize("method", ["RK45", "DOP853"])
def test_logistic(method):
    r, K, y0 = 1.3, 10.0, 0.1
    res = odekit.solve_ivp(logistic, (0.0, 12.0), [y0], params=[r, K], method=method,
                           rtol=1e-10, atol=1e-12)
    exact = K / (1 + (K / y0 - 1) * np.exp(-r * res.t))
    assert np.max(np.abs(res.y[0] - exact) / exact) < 1e-8


def _scipy(fun, t_span, y0, p, **kw):
    def f(t, y):
        return fun(t, y, np.asarray(p, float))
    return scipy.integrate.solve_ivp(f, t_span, y0, method="DOP853", rtol=1e-13, atol=1e-14,
                                     **kw)


def test_lorenz_matches_scipy():
    p = [10.0, 28.0, 8.0 / 3.0]
    t = np.linspace(0, 5, 11)
    ref = _scipy(lorenz, (0, 5), [1.0, 1.0, 1.0], p, t_eval=t)
    res = odekit.solve_ivp(lorenz, (0, 5), [1.0, 1.0, 1.0], params=p, rtol=1e-12,
                           atol=1e-12, t_eval=t)
    # chaotic: errors grow like e^{0.9 t}; at t = 5 this is still ~1e-8 of a size-20 state
    np.testing.assert_allclose(res.y, ref.y, atol=1e-7, rtol=0)


def test_vanderpol_matches_scipy():
    t = np.linspace(0, 20, 21)
    ref = _scipy(vanderpol, (0, 20), [2.0, 0.0], [1.0], t_eval=t)
    res = odekit.solve_ivp(vanderpol, (0, 20), [2.0, 0.0], params=[1.0], rtol=1e-12,
                           atol=1e-12, t_eval=t)
    np.testing.assert_allclose(res.y, ref.y, atol=1e-9, rtol=0)


@pytest.mark.parametrize("method,rtol,tol", [("DOP853", 1e-10, 1e-6), ("DOP853", 1e-13, 1e-9),
                                             ("RK45", 1e-10, 1e-5)])
def test_arenstorf_orbit_closes(method, rtol, tol):
    res = odekit.solve_ivp(arenstorf, (0.0, ARENSTORF_T), ARENSTORF_Y0,
                           params=[ARENSTORF_MU], method=method, rtol=rtol, atol=rtol * 1e-2)
    err = np.linalg.norm(res.y[:, -1] - ARENSTORF_Y0)
    assert err < tol


def test_same_steps_as_scipy():
    """The controller is Hairer's/SciPy's: the same number of steps on a smooth problem."""
    def f(t, y):
        return [y[1], -y[0]]
    for method in ["RK45", "DOP853"]:
        ref = scipy.integrate.solve_ivp(f, (0, 10), [0.0, 1.0], method=method, rtol=1e-8,
                                        atol=1e-10)
        res = odekit.solve_ivp(oscillator, (0, 10), [0.0, 1.0], params=[1.0], method=method,
                               rtol=1e-8, atol=1e-10)
        assert res.nsteps == len(ref.t) - 1
        assert res.nfev == ref.nfev
        np.testing.assert_allclose(res.y[:, -1], ref.y[:, -1], rtol=0, atol=1e-13)


@pytest.mark.parametrize("method", ["RK45", "DOP853", "RK4"])
def test_backward_round_trip(method):
    kw = {"step": 0.01} if method == "RK4" else {"rtol": 1e-12, "atol": 1e-14}
    y0 = np.array([0.3, -1.2])
    fwd = odekit.solve_ivp(vanderpol, (0.0, 3.0), y0, params=[1.0], method=method, **kw)
    back = odekit.solve_ivp(vanderpol, (3.0, 0.0), fwd.y[:, -1], params=[1.0], method=method,
                            **kw)
    assert back.t[-1] == 0.0
    assert np.all(np.diff(back.t) < 0)
    np.testing.assert_allclose(back.y[:, -1], y0, atol=1e-8 if method == "RK4" else 1e-10)
