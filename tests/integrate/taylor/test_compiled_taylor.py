"""compile_solver(method="taylor"): a table of Taylor kernels, one per order, picked at
run time from rtol and atol as solve_ivp does; results equal bit for bit to
solve_ivp(method="taylor"); callable from Numba code; loud on what it was not compiled
for."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

import odekit
from odekit.integrate.taylor import order_from_tol


def vdp(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]


def mathieu(t, y, p):  # cos 2t becomes two extra states (an init kernel sets them)
    return np.array([y[1], -(p[0] - 2.0 * p[1] * math.cos(2.0 * t)) * y[0]])


def blow_up(t, y, p, dydt):
    dydt[0] = y[0] * y[0]


Y0 = np.array([2.0, 0.0])
P = np.array([1.0])
TOLS = (1e-6, 1e-9, 1e-12)


@pytest.fixture(scope="module")
def vdp_solver():
    return odekit.compile_solver(vdp, Y0, P, method="taylor", tols=TOLS)


def test_orders_are_those_the_tolerances_need(vdp_solver):
    assert vdp_solver.orders == tuple(sorted({order_from_tol(t) for t in TOLS}))
    assert vdp_solver.method == "taylor" and "taylor" in repr(vdp_solver)


@pytest.mark.parametrize("rtol, atol", [(1e-4, 1e-6), (1e-9, 1e-7), (1e-12, 1e-12)])
@pytest.mark.parametrize("t1", [20.0, -7.5])
def test_solve_equals_solve_ivp_bitwise(vdp_solver, rtol, atol, t1):
    ref = odekit.solve_ivp(vdp, (0.0, t1), Y0, params=P, method="taylor", rtol=rtol,
                           atol=atol)
    got = vdp_solver.solve(0.0, t1, Y0, P, rtol, atol)
    assert np.array_equal(got, ref.y[:, -1])


def test_solve_at_equals_solve_ivp_t_eval(vdp_solver):
    te = np.linspace(0.0, 12.0, 25)
    ref = odekit.solve_ivp(vdp, (0.0, 12.0), Y0, params=P, method="taylor", rtol=1e-9,
                           atol=1e-9, t_eval=te)
    got = vdp_solver.solve_at(0.0, te, Y0, P, 1e-9, 1e-9)
    assert got.shape == (2, 25) and np.array_equal(got, ref.y)
    back = te[::-1][1:-1] * 0.25
    ref = odekit.solve_ivp(vdp, (3.0, back[-1]), Y0, params=P, method="taylor", rtol=1e-6,
                           atol=1e-6, t_eval=back)
    assert np.array_equal(vdp_solver.solve_at(3.0, back, Y0, P, 1e-6, 1e-6), ref.y)


def test_extra_states_of_cos_2t_and_the_closed_form_at_q_0():
    s = odekit.compile_solver(mathieu, [1.0, 0.0], [2.0, 0.3], method="taylor", tols=1e-12)
    p = np.array([2.0, 0.3])
    ref = odekit.solve_ivp(mathieu, (0.0, 5.0), [1.0, 0.0], params=p, method="taylor",
                           rtol=1e-12, atol=1e-12)
    assert np.array_equal(s.solve(0.0, 5.0, np.array([1.0, 0.0]), p, 1e-12, 1e-12),
                          ref.y[:, -1])
    ref = odekit.solve_ivp(mathieu, (0.0, 5.0), [1.0, 0.0], params=p, method="taylor",
                           rtol=1e-12, atol=1e-12, t_eval=[1.0, 5.0])
    assert np.array_equal(s.solve_at(0.0, np.array([1.0, 5.0]), np.array([1.0, 0.0]), p,
                                     1e-12, 1e-12), ref.y)
    # q = 0: y'' = -a y, y = cos(sqrt(a) t), independently of the code under test
    y = s.solve(0.0, 5.0, np.array([1.0, 0.0]), np.array([2.0, 0.0]), 1e-12, 1e-12)
    w = math.sqrt(2.0)
    assert abs(y[0] - math.cos(5.0 * w)) < 1e-11
    assert abs(y[1] + w * math.sin(5.0 * w)) < 1e-11


def test_callable_from_a_prange_loop(vdp_solver):
    solve = vdp_solver.solve

    @numba.njit(parallel=True)
    def final_states(mus):
        out = np.empty((mus.shape[0], 2))
        y0 = np.array([2.0, 0.0])
        for i in numba.prange(mus.shape[0]):
            p = np.empty(1)
            p[0] = mus[i]
            out[i] = solve(0.0, 10.0, y0, p, 1e-9, 1e-9)
        return out

    mus = np.linspace(0.5, 2.0, 7)
    got = final_states(mus)
    for i, mu in enumerate(mus):
        ref = odekit.solve_ivp(vdp, (0.0, 10.0), Y0, params=[mu], method="taylor",
                               rtol=1e-9, atol=1e-9)
        assert np.array_equal(got[i], ref.y[:, -1])


def test_default_compiles_every_order():
    s = odekit.compile_solver(blow_up, [1.0], method="taylor")
    assert s.orders == tuple(range(2, 21))
    y = s.solve(0.0, 0.5, np.array([1.0]), np.empty(0), 1e-3, 1e-3)  # y = 1 / (1 - t)
    assert abs(y[0] - 2.0) < 1e-4


def test_bad_input_and_failures_are_loud(vdp_solver):
    s = vdp_solver
    with pytest.raises(ValueError, match="no Taylor kernel"):
        s.solve(0.0, 1.0, Y0, P, 1e-3, 1e-3)  # order 5 was not compiled
    with pytest.raises(ValueError, match="atol"):
        s.solve(0.0, 1.0, Y0, P, 1e-6, 0.0)
    with pytest.raises(ValueError, match="rtol"):
        s.solve(0.0, 1.0, Y0, P, np.nan, 1e-6)
    with pytest.raises(ValueError, match="y0"):
        s.solve(0.0, 1.0, np.zeros(3), P, 1e-6, 1e-6)
    with pytest.raises(ValueError, match="p has"):
        s.solve(0.0, 1.0, Y0, np.zeros(2), 1e-6, 1e-6)
    with pytest.raises(ValueError, match="y0 must be finite"):
        s.solve(0.0, 1.0, np.array([np.inf, 0.0]), P, 1e-6, 1e-6)
    with pytest.raises(ValueError, match="t1"):
        s.solve(0.0, np.nan, Y0, P, 1e-6, 1e-6)
    with pytest.raises(ValueError, match="t_eval"):
        s.solve_at(0.0, np.array([1.0, 1.0]), Y0, P, 1e-6, 1e-6)
    y = s.solve(1.0, 1.0, Y0, P, 1e-6, 1e-6)
    assert np.array_equal(y, Y0) and y is not Y0
    b = odekit.compile_solver(blow_up, [1.0], method="taylor", tols=1e-8, max_steps=50)
    with pytest.raises(odekit.IntegrationError, match="max_steps"):
        b.solve(0.0, 0.999999, np.array([1.0]), np.empty(0), 1e-8, 1e-8)
    with pytest.raises(ValueError, match="tols"):
        odekit.compile_solver(vdp, Y0, P, method="taylor", tols=[1e-6, -1.0])
    with pytest.raises(TypeError, match="tols"):
        odekit.compile_solver(vdp, Y0, P, method="taylor", tols="tight")
    with pytest.raises(ValueError, match="tols"):
        odekit.compile_solver(vdp, Y0, P, method="DOP853", tols=1e-6)
