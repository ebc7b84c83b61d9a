"""Batch mode: SIMD lanes with their own steps, bitwise equal to scalar solves."""

import numpy as np
import pytest

import odekit
from odekit.integrate import IntegrationError
from odekit.integrate.taylor import solve_taylor, solve_taylor_ensemble


def mathieu2(t, y, p, dydt):
    # both fundamental solutions of y'' + (a - 2 q cos 2t) y = 0
    c = p[0] - 2.0 * p[1] * np.cos(2.0 * t)
    dydt[0] = y[1]
    dydt[1] = -c * y[0]
    dydt[2] = y[3]
    dydt[3] = -c * y[2]


A, Q = np.meshgrid(np.linspace(-5, 20, 7), np.linspace(0, 15, 5))
PARS = np.stack([A.ravel(), Q.ravel()], 1)  # 35 members: the last batch is padded
Y0 = np.array([1.0, 0.0, 0.0, 1.0])
SPAN = (0.0, np.pi / 2)


@pytest.fixture(scope="module")
def ens():
    return solve_taylor_ensemble(mathieu2, SPAN, Y0, params=PARS, tol=1e-12)


def test_batch_equals_scalar_bitwise(ens):
    assert ens.success and ens.y.shape == (35, 4, 1)
    for i in range(0, 35, 3):
        s = solve_taylor(mathieu2, SPAN, Y0, params=PARS[i], tol=1e-12)
        np.testing.assert_array_equal(ens.y[i, :, -1], s.y[:, -1])
        assert ens.nfev[i] == s.nfev


def test_width_and_threads_do_not_change_results(ens):
    import numba

    for w in (1, 8):
        r = solve_taylor_ensemble(mathieu2, SPAN, Y0, params=PARS, tol=1e-12, width=w)
        np.testing.assert_array_equal(r.y, ens.y)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        r = solve_taylor_ensemble(mathieu2, SPAN, Y0, params=PARS, tol=1e-12)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(r.y, ens.y)


def test_batch_t_eval_and_wronskian():
    te = np.linspace(0.0, np.pi / 2, 9)
    r = odekit.solve_ensemble(mathieu2, SPAN, Y0, params=PARS, t_eval=te, method="taylor",
                              rtol=1e-12, atol=1e-12)
    assert r.y.shape == (35, 4, 9)
    # Liouville: the Wronskian y1 y2' - y1' y2 stays 1 (the system is trace-free)
    w = r.y[:, 0] * r.y[:, 3] - r.y[:, 1] * r.y[:, 2]
    np.testing.assert_allclose(w, 1.0, atol=1e-9)
    s = solve_taylor(mathieu2, SPAN, Y0, params=PARS[17], tol=1e-12, t_eval=te)
    np.testing.assert_array_equal(r.y[17], s.y)
    # q = 0: closed form cos(sqrt(a) t) for a > 0
    a = PARS[6, 0]
    assert PARS[6, 1] == 0 and a > 0
    np.testing.assert_allclose(r.y[6, 0], np.cos(np.sqrt(a) * te), atol=1e-10)


def test_batch_failures_reported():
    with pytest.raises(IntegrationError) as ei:
        solve_taylor_ensemble(mathieu2, SPAN, Y0, params=PARS, tol=1e-12, max_steps=3)
    assert ei.value.indices.size > 0
    r = solve_taylor_ensemble(mathieu2, SPAN, Y0, params=PARS, tol=1e-12, max_steps=3,
                              raise_on_failure=False)
    assert np.all((r.status == 0) | (r.status == -3)) and np.any(r.status == -3)
    assert np.all(np.isnan(r.y[r.status != 0]))
