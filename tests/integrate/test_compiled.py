"""compile_solver: compiled solve/solve_at, callable from Python and from Numba code, equal
bit for bit to solve_ivp (the same driver), loud on bad input and failed integrations."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import odekit
from odekit import _jit
from odekit.integrate import _driver


def vdp(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]


def lorenz_ret(t, y, p):
    return np.array([p[0] * (y[1] - y[0]), y[0] * (p[1] - y[2]) - y[1],
                     y[0] * y[1] - p[2] * y[2]])


def blow_up(t, y, p, dydt):
    dydt[0] = y[0] * y[0]


Y0 = np.array([2.0, 0.0])
P = np.array([1.0])


@pytest.fixture(scope="module")
def dop():
    return odekit.compile_solver(vdp, Y0, P, method="DOP853")


@pytest.mark.parametrize("method", ["DOP853", "Vern7", "Tsit5"])
def test_solve_equals_solve_ivp_bitwise(method):
    s = odekit.compile_solver(vdp, Y0, P, method=method)
    for t1, rtol in [(20.0, 1e-6), (-7.5, 1e-10)]:
        ref = odekit.solve_ivp(vdp, (0.0, t1), Y0, params=P, method=method, rtol=rtol,
                               atol=rtol * 1e-2)
        got = s.solve(0.0, t1, Y0, P, rtol, rtol * 1e-2)
        assert np.array_equal(got, ref.y[:, -1])


def test_solve_at_equals_solve_ivp_t_eval(dop):
    te = np.linspace(0.0, 12.0, 25)
    ref = odekit.solve_ivp(vdp, (0.0, 12.0), Y0, params=P, rtol=1e-9, atol=1e-11, t_eval=te)
    got = dop.solve_at(0.0, te, Y0, P, 1e-9, 1e-11)
    assert got.shape == (2, 25)
    assert np.array_equal(got, ref.y)
    back = dop.solve_at(3.0, te[::-1][1:-1] * 0.25, Y0, P, 1e-9, 1e-11)  # backwards
    ref = odekit.solve_ivp(vdp, (3.0, te[1] * 0.25), Y0, params=P, rtol=1e-9, atol=1e-11,
                           t_eval=te[::-1][1:-1] * 0.25)
    assert np.array_equal(back, ref.y)


def test_returning_form_and_closed_form():
    s = odekit.compile_solver(lorenz_ret, [1.0, 0.0, 0.0], [10.0, 28.0, 8.0 / 3.0],
                              method="Vern9")
    p = np.array([10.0, 28.0, 8.0 / 3.0])
    ref = odekit.solve_ivp(lorenz_ret, (0.0, 1.0), [1.0, 0.0, 0.0], params=p,
                           method="Vern9", rtol=1e-12, atol=1e-14)
    assert np.array_equal(s.solve(0.0, 1.0, np.array([1.0, 0.0, 0.0]), p, 1e-12, 1e-14),
                          ref.y[:, -1])

    def osc(t, y, p, dydt):
        dydt[0] = y[1]
        dydt[1] = -y[0]

    so = odekit.compile_solver(osc, [1.0, 0.0])
    y = so.solve(0.0, 10.0, np.array([1.0, 0.0]), np.empty(0), 1e-12, 1e-14)
    assert np.allclose(y, [np.cos(10.0), -np.sin(10.0)], atol=1e-10)


@pytest.mark.skipif(_jit.DISABLED, reason="needs compilation")
def test_callable_from_njit_and_prange(dop):
    solve = dop.solve

    @numba.njit(parallel=True)
    def sweep(mus):
        out = np.empty((mus.shape[0], 2))
        for i in numba.prange(mus.shape[0]):
            p = np.empty(1)
            p[0] = mus[i]
            y0 = np.empty(2)
            y0[0] = 2.0
            y0[1] = 0.0
            out[i] = solve(0.0, 5.0, y0, p, 1e-8, 1e-10)
        return out

    mus = np.linspace(0.2, 3.0, 16)
    got = sweep(mus)
    for i, mu in enumerate(mus):
        ref = odekit.solve_ivp(vdp, (0.0, 5.0), Y0, params=[mu], rtol=1e-8, atol=1e-10)
        assert np.array_equal(got[i], ref.y[:, -1])


@pytest.mark.skipif(_jit.DISABLED, reason="needs compilation")
def test_the_driver_is_not_recompiled():
    odekit.solve_ivp(vdp, (0.0, 1.0), Y0, params=P)  # the driver's signature is loaded
    before = len(_driver.solve_one.signatures)
    s = odekit.compile_solver(vdp, Y0, P, method="RK45")
    s.solve(0.0, 1.0, Y0, P, 1e-6, 1e-9)
    assert len(_driver.solve_one.signatures) == before


def test_bad_input_is_loud(dop):
    with pytest.raises(ValueError, match="y0"):
        dop.solve(0.0, 1.0, np.zeros(3), P, 1e-6, 1e-9)
    with pytest.raises(ValueError, match="p has"):
        dop.solve(0.0, 1.0, Y0, np.zeros(2), 1e-6, 1e-9)
    with pytest.raises(ValueError, match="rtol"):
        dop.solve(0.0, 1.0, Y0, P, 1e-17, 1e-9)
    with pytest.raises(ValueError, match="atol"):
        dop.solve(0.0, 1.0, Y0, P, 1e-6, -1.0)
    with pytest.raises(ValueError, match="y0 must be finite"):
        dop.solve(0.0, 1.0, np.array([np.nan, 0.0]), P, 1e-6, 1e-9)
    with pytest.raises(ValueError, match="t1"):
        dop.solve(0.0, np.inf, Y0, P, 1e-6, 1e-9)
    with pytest.raises(ValueError, match="t_eval"):
        dop.solve_at(0.0, np.array([1.0, 0.5]), Y0, P, 1e-6, 1e-9)
    with pytest.raises(ValueError, match="t_eval"):
        dop.solve_at(0.0, np.empty(0), Y0, P, 1e-6, 1e-9)
    y = dop.solve(1.0, 1.0, Y0, P, 1e-6, 1e-9)  # nothing to integrate: a copy of y0
    assert np.array_equal(y, Y0) and y is not Y0


def test_failures_raise_integration_error():
    s = odekit.compile_solver(blow_up, [1.0], max_steps=50)
    with pytest.raises(odekit.IntegrationError):  # y' = y^2 from 1 blows up at t = 1
        s.solve(0.0, 2.0, np.array([1.0]), np.empty(0), 1e-8, 1e-10)
    with pytest.raises(odekit.IntegrationError, match="max_steps"):
        s.solve(0.0, 0.999, np.array([1.0]), np.empty(0), 1e-12, 1e-14)


def test_compile_solver_refuses_what_it_cannot_do():
    for m in ("auto", "RK4", "nope"):
        with pytest.raises(ValueError, match="method"):
            odekit.compile_solver(vdp, Y0, P, method=m)
    with pytest.raises(TypeError):
        odekit.compile_solver(lambda t: t, Y0, P)
    assert "DOP853" in repr(odekit.compile_solver(vdp, Y0, P))
