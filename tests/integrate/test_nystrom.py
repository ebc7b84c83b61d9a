"""Runge–Kutta–Nyström pairs (DPRKN6, DPRKN8, DPRKN12) for special second-order systems.

References are independent of the code under test: exact rationals / Q(sqrt 8581) at 50
digits (mpmath) for the coefficients, the closed form of Kepler's equation for the orbit,
SciPy's DOP853 at rtol 1e-13 for Pleiades.
"""

import contextlib
import math

import mpmath as mp
import numpy as np
import pytest

import odekit
from odekit import _jit
from odekit.integrate._tableaux import (
    AUTO_RULE,
    NYSTROM,
    NYSTROM_METHODS,
    TableauError,
    auto_method,
    method_table,
)

from .problems import PLEIADES_Y0, pleiades

METHODS = list(NYSTROM_METHODS)
ECC = 0.5


# --- right-hand sides (module level: compiled once, cached on disk) ---------------------
def kepler(t, y, p, dydt):
    """y = (x, y, vx, vy): q'' = -q / |q|^3."""
    r2 = y[0] * y[0] + y[1] * y[1]
    r3 = r2 * math.sqrt(r2)
    dydt[0] = y[2]
    dydt[1] = y[3]
    dydt[2] = -y[0] / r3
    dydt[3] = -y[1] / r3


def damped(t, y, p, dydt):
    """q'' = -q - p0 q': the acceleration depends on the velocity."""
    dydt[0] = y[1]
    dydt[1] = -y[0] - p[0] * y[1]


def interleaved(t, y, p, dydt):
    """The oscillator with the state ordered (x, vx, y, vy): not (q, v)."""
    dydt[0] = y[1]
    dydt[1] = -y[0]
    dydt[2] = y[3]
    dydt[3] = -y[2]


def kepler_y0(e=ECC):
    return np.array([1.0 - e, 0.0, 0.0, math.sqrt((1.0 + e) / (1.0 - e))])


def kepler_exact(t, e=ECC):
    """(x, y, vx, vy) at time t (period 2 pi), from Kepler's equation, in double."""
    with mp.workdps(30):
        E = mp.findroot(lambda E: E - e * mp.sin(E) - t, t)
        Ed = 1 / (1 - e * mp.cos(E))
        se = mp.sqrt(1 - e * e)
        return np.array([float(mp.cos(E) - e), float(se * mp.sin(E)),
                         float(-mp.sin(E) * Ed), float(se * mp.cos(E) * Ed)])


# --- coefficients at 50 digits -----------------------------------------------------------
def _mp(text):
    s = text.replace(" ", "")
    if "sqrt(" in s:
        body, _, tail = s.partition("*sqrt(")
        k = max(body.rfind("+", 1), body.rfind("-", 1))
        return _mp(body[:k]) + _mp(body[k:].lstrip("+")) * mp.sqrt(int(tail.rstrip(")")))
    num, _, den = s.partition("/")
    return mp.mpf(int(num)) / (mp.mpf(int(den)) if den else 1)


def _exact(name):
    """(c, Abar, bbar, b, bbar_hat, b_hat, s, RBAR, RB) at the working precision."""
    mod = NYSTROM[name].source
    s = mod.N_STAGES
    c = [mp.mpf(0)] * s
    A = [[mp.mpf(0)] * s for _ in range(s)]
    vec = {k: [mp.mpf(0)] * s for k in ("BBAR", "B", "EBAR", "EB")}
    for i, v in mod.C.items():
        c[i - 1] = _mp(v)
    for (i, j), v in mod.A.items():
        A[i - 1][j - 1] = _mp(v)
    for k in vec:
        for i, v in getattr(mod, k).items():
            vec[k][i - 1] = _mp(v)
    bbh = [vec["BBAR"][i] + vec["EBAR"][i] for i in range(s)]
    bh = [vec["B"][i] + vec["EB"][i] for i in range(s)]
    R1 = R2 = None
    if hasattr(mod, "RBAR"):
        R1 = {k: _mp(v) for k, v in mod.RBAR.items()}
        R2 = {k: _mp(v) for k, v in mod.RB.items()}
    return c, A, vec["BBAR"], vec["B"], bbh, bh, s, R1, R2


@pytest.mark.parametrize("name", METHODS)
def test_simplifying_and_quadrature_conditions(name):
    """Σ_j abar_ij = c_i^2/2; Σ b_i c_i^k = 1/(k+1) (k < p), Σ bbar_i c_i^k =
    1/((k+1)(k+2)) (k < p - 1) for the main pair and to the embedded order; bbar =
    b (1 - c) (all three pairs are built on it)."""
    tab = NYSTROM[name]
    with mp.workdps(50):
        c, A, bb, b, bbh, bh, s, _, _ = _exact(name)
        tol = mp.mpf(10) ** -45
        for i in range(s):
            assert abs(sum(A[i]) - c[i] ** 2 / 2) < tol
            assert abs(bb[i] - b[i] * (1 - c[i])) < tol
        for w, wb, p in ((b, bb, tab.order), (bh, bbh, tab.error_order)):
            for k in range(p):
                assert abs(sum(w[i] * c[i] ** k for i in range(s)) - mp.mpf(1) / (k + 1)) < tol
            for k in range(p - 1):
                q = sum(wb[i] * c[i] ** k for i in range(s))
                assert abs(q - mp.mpf(1) / ((k + 1) * (k + 2))) < tol
        # the embedded pair is not of the main order (else the estimate would vanish)
        p = tab.order
        assert abs(sum(bh[i] * c[i] ** p for i in range(s)) - mp.mpf(1) / (p + 1)) > tol \
            or abs(sum(bbh[i] * c[i] ** (p - 1) for i in range(s))
                   - mp.mpf(1) / (p * (p + 1))) > tol


def _one_step_errors(name, h_list):
    """Local errors of one step from Kepler's pericentre at 50 digits (exact reference)."""
    e = mp.mpf(ECC)
    c, A, bb, b, bbh, bh, s, R1, R2 = _exact(name)
    q0 = [1 - e, mp.mpf(0)]
    v0 = [mp.mpf(0), mp.sqrt((1 + e) / (1 - e))]

    def g(q):
        r3 = (q[0] ** 2 + q[1] ** 2) ** mp.mpf(1.5)
        return [-q[0] / r3, -q[1] / r3]

    def exact(t):
        E = mp.findroot(lambda E: E - e * mp.sin(E) - t, t)
        Ed = 1 / (1 - e * mp.cos(E))
        se = mp.sqrt(1 - e * e)
        return [mp.cos(E) - e, se * mp.sin(E)], [-mp.sin(E) * Ed, se * mp.cos(E) * Ed]

    out = []
    for h in h_list:
        h = mp.mpf(h)
        G = []
        for i in range(s):
            q = [q0[d] + c[i] * h * v0[d] + h * h * sum(A[i][j] * G[j][d] for j in range(i))
                 for d in range(2)]
            G.append(g(q))
        qe, ve = exact(h)
        row = []
        for wb, w in ((bb, b), (bbh, bh)):
            q1 = [q0[d] + h * v0[d] + h * h * sum(wb[i] * G[i][d] for i in range(s))
                  for d in range(2)]
            v1 = [v0[d] + h * sum(w[i] * G[i][d] for i in range(s)) for d in range(2)]
            row += [max(abs(q1[d] - qe[d]) for d in range(2)),
                    max(abs(v1[d] - ve[d]) for d in range(2))]
        if R1 is not None:  # the continuous extension at θ = 1/2
            th = mp.mpf(1) / 2
            qe, ve = exact(th * h)
            w1 = [sum(R1.get((i + 1, d), 0) * th ** d for d in range(5)) for i in range(s)]
            w2 = [sum(R2.get((i + 1, d), 0) * th ** d for d in range(5)) for i in range(s)]
            qh = [q0[d] + th * h * v0[d] + (th * h) ** 2 * sum(w1[i] * G[i][d]
                                                               for i in range(s))
                  for d in range(2)]
            vh = [v0[d] + th * h * sum(w2[i] * G[i][d] for i in range(s)) for d in range(2)]
            row += [max(abs(qh[d] - qe[d]) for d in range(2)),
                    max(abs(vh[d] - ve[d]) for d in range(2))]
        out.append([float(x) for x in row])
    return np.array(out)


@pytest.mark.parametrize("name", METHODS)
def test_local_error_order_on_kepler(name):
    """One step of a nonlinear special second-order problem at 50 digits: the local error
    falls as h^(p+1) (main pair, position and velocity) and h^(p_hat+1) (embedded); the
    continuous extension (DPRKN6) as h^7 in the position and h^6 in the velocity (orders
    6 and 5). Slopes of a log-log fit."""
    tab = NYSTROM[name]
    hs = [0.2 / 2 ** k for k in range(5)]
    with mp.workdps(50):
        E = _one_step_errors(name, hs)
    slopes = [np.polyfit(np.log(hs), np.log(E[:, k]), 1)[0] for k in range(E.shape[1])]
    for k, expect in enumerate([tab.order + 1] * 2 + [tab.error_order + 1] * 2
                               + [tab.dense_order + 1, tab.dense_order]):
        if k < len(slopes):
            assert slopes[k] > expect - 0.35, (name, k, slopes)
    # the embedded formula is really of lower order (its estimate dominates the error)
    assert slopes[2] < tab.order + 0.5


def test_tableau_checks_refuse_broken_data():
    tab = NYSTROM["DPRKN8"]
    kw = dict(name="broken", order=tab.order, error_order=tab.error_order,
              n_stages=tab.n_stages, fsal=tab.fsal, c=tab.c, bbar=tab.bbar, b=tab.b,
              Ebar=tab.Ebar, Eb=tab.Eb, RBAR=tab.RBAR, RB=tab.RB)
    A = tab.A.copy()
    A[4, 1] += 1e-6
    with pytest.raises(TableauError, match="row sums"):
        type(tab)(A=A, **kw)
    b = tab.b.copy()
    b[0] += 1e-6
    with pytest.raises(TableauError, match="sum to"):
        type(tab)(A=tab.A, **{**kw, "b": b})
    A = tab.A.copy()
    A[-1, 2] += 1e-9
    A[-1, 3] -= 1e-9
    with pytest.raises(TableauError, match="FSAL"):
        type(tab)(A=A, **kw)


# --- the solver -----------------------------------------------------------------------
@pytest.mark.parametrize("name", METHODS)
def test_kepler_period_against_closed_form(name):
    """One period and a half of the e = 0.5 orbit at rtol 1e-10 against Kepler's equation;
    nfev counts every evaluation."""
    t1 = 3 * math.pi
    r = odekit.solve_ivp(kepler, (0.0, t1), kepler_y0(), method=name, rtol=1e-10,
                         atol=1e-12)
    err = np.abs(r.y[:, -1] - kepler_exact(t1)).max()
    assert err < 1e-7, err
    tab = NYSTROM[name]
    # 3 at the start (f(t0), the structure check, Hairer's trial step), s - 1 per attempt,
    # and without FSAL g at each accepted step's end (the next step's first stage)
    s = tab.n_stages
    expect = 3 + (s - 1) * (r.nsteps + r.nrejected) + (0 if tab.fsal else r.nsteps)
    assert r.nfev == expect
    # energy (a check on both halves of the state)
    en = 0.5 * (r.y[2] ** 2 + r.y[3] ** 2) - 1 / np.hypot(r.y[0], r.y[1])
    assert np.abs(en - en[0]).max() < 1e-8


@pytest.mark.parametrize("name", ["DPRKN8", "DPRKN12"])
def test_global_error_falls_with_the_order(name):
    """Tolerance sweep on Kepler: log(error) against log(steps) has a slope near -p
    (the implementation reaches the method's order, not a lower one)."""
    tab = NYSTROM[name]
    errs, steps = [], []
    t1 = 2 * math.pi
    ex = kepler_exact(t1)
    for rtol in (1e-6, 1e-8, 1e-10, 1e-12):
        r = odekit.solve_ivp(kepler, (0.0, t1), kepler_y0(), method=name, rtol=rtol,
                             atol=rtol * 1e-2)
        errs.append(np.abs(r.y[:, -1] - ex).max())
        steps.append(r.nsteps)
    slope = np.polyfit(np.log(steps), np.log(errs), 1)[0]
    assert -tab.order - 3 < slope < -tab.order + 2, (slope, errs, steps)


def test_pleiades_against_scipy_tight():
    from scipy.integrate import solve_ivp as sp_solve

    def f(t, y):
        out = np.empty(28)
        pleiades(t, y, None, out)
        return out

    ref = sp_solve(f, (0.0, 3.0), PLEIADES_Y0, method="DOP853", rtol=1e-13,
                   atol=1e-15).y[:, -1]
    for name in METHODS:
        r = odekit.solve_ivp(pleiades, (0.0, 3.0), PLEIADES_Y0, method=name, rtol=1e-10,
                             atol=1e-12)
        err = np.linalg.norm(r.y[:, -1] - ref) / np.linalg.norm(ref)
        assert err < 2e-9, (name, err)


def _dense(name):
    """The warning that dense output with a Hermite-interpolant method gives (or none)."""
    if NYSTROM[name].dense_order:
        return contextlib.nullcontext()
    return pytest.warns(UserWarning, match="Hermite")


@pytest.mark.parametrize("name", METHODS)
def test_t_eval_and_dense_output(name):
    """t_eval points and the dense output against the closed form; they agree with each
    other, and the dense output meets the steps' end points."""
    t1 = 2 * math.pi
    te = np.linspace(0.0, t1, 23)
    with _dense(name):
        r = odekit.solve_ivp(kepler, (0.0, t1), kepler_y0(), method=name, rtol=1e-10,
                             atol=1e-12, t_eval=te, dense_output=True)
    assert r.y.shape == (4, te.size)
    np.testing.assert_array_equal(r.t, te)
    ex = np.array([kepler_exact(t) for t in te]).T
    tab = NYSTROM[name]
    # t_eval values at the steps' accuracy, for every method (the Hermite ones end their
    # steps on the t_eval points); dense output between steps: Hermite (order 5 / 4)
    # between steps of up to ~0.4 (DPRKN12: 21 steps a period)
    assert np.abs(r.y - ex).max() < 1e-8
    np.testing.assert_allclose(r.sol(te), r.y, rtol=0, atol=1e-15)
    mid = np.linspace(0.1, t1 - 0.1, 37)
    ex_mid = np.array([kepler_exact(t) for t in mid]).T
    assert np.abs(r.sol(mid) - ex_mid).max() < (1e-7 if tab.dense_order else 1e-4)
    with _dense(name):
        steps = odekit.solve_ivp(kepler, (0.0, t1), kepler_y0(), method=name, rtol=1e-10,
                                 atol=1e-12, dense_output=True)
    np.testing.assert_allclose(steps.sol(steps.t), steps.y, rtol=0, atol=4e-16 * 4)
    # without t_eval the steps are the method's own (t_eval adds steps only for Hermite)
    plain = odekit.solve_ivp(kepler, (0.0, t1), kepler_y0(), method=name, rtol=1e-10,
                             atol=1e-12)
    assert plain.nsteps == steps.nsteps
    if not tab.dense_order:
        assert r.nfev > plain.nfev


@pytest.mark.parametrize("name", METHODS)
def test_dense_output_order(name):
    """One step of size h (forced by first_step = max_step = h) at θ = 1/2: the error of the
    interpolant falls as h^(k+1), k = 6 (position) and 5 (velocity) for DPRKN6's own
    extension, 5 and 4 for the quintic Hermite interpolant."""
    tab = NYSTROM[name]
    hs = np.array([0.4, 0.28, 0.2, 0.14])
    eq, ev = [], []
    for h in hs:
        with _dense(name):
            r = odekit.solve_ivp(kepler, (0.0, h), kepler_y0(), method=name, rtol=1e-2,
                                 atol=1e-2, first_step=h, max_step=h, dense_output=True)
        assert r.nsteps == 1
        y = r.sol(0.5 * h)
        ex = kepler_exact(0.5 * h)
        eq.append(np.abs(y[:2] - ex[:2]).max())
        ev.append(np.abs(y[2:] - ex[2:]).max())
    sq = np.polyfit(np.log(hs), np.log(eq), 1)[0]
    sv = np.polyfit(np.log(hs), np.log(ev), 1)[0]
    kq, kv = (6, 5) if tab.dense_order else (5, 4)
    assert sq > kq + 1 - 0.6 and sv > kv + 1 - 0.6, (sq, sv)


def test_backward_integration_returns():
    y1 = odekit.solve_ivp(kepler, (0.0, 2.0), kepler_y0(), method="DPRKN8", rtol=1e-11,
                          atol=1e-13).y[:, -1]
    y0 = odekit.solve_ivp(kepler, (2.0, 0.0), y1, method="DPRKN8", rtol=1e-11,
                          atol=1e-13).y[:, -1]
    assert np.abs(y0 - kepler_y0()).max() < 1e-9


@pytest.mark.skipif(_jit.DISABLED, reason="needs compilation")
def test_compile_solver_matches_solve_ivp():
    s = odekit.compile_solver(kepler, kepler_y0(), method="DPRKN12")
    y = s.solve(0.0, 5.0, kepler_y0(), np.empty(0), 1e-9, 1e-11)
    r = odekit.solve_ivp(kepler, (0.0, 5.0), kepler_y0(), method="DPRKN12", rtol=1e-9,
                         atol=1e-11)
    np.testing.assert_array_equal(y, r.y[:, -1])
    te = np.linspace(0.5, 5.0, 10)
    Y = s.solve_at(0.0, te, kepler_y0(), np.empty(0), 1e-9, 1e-11)
    r = odekit.solve_ivp(kepler, (0.0, 5.0), kepler_y0(), method="DPRKN12", rtol=1e-9,
                         atol=1e-11, t_eval=te)
    np.testing.assert_array_equal(Y, r.y)


# --- loud errors -----------------------------------------------------------------------
@pytest.mark.parametrize("name", METHODS)
def test_velocity_dependent_problem_is_refused(name):
    with pytest.raises(ValueError, match=rf"method='{name}'.*depends on the velocity"):
        odekit.solve_ivp(damped, (0.0, 1.0), [1.0, 0.0], params=[0.1], method=name)
    with pytest.raises(ValueError, match="depends on the velocity"):
        odekit.compile_solver(damped, [1.0, 0.0], [0.1], method=name)


def test_other_shapes_are_refused():
    with pytest.raises(ValueError, match=r"method='DPRKN8'.*not y0\[2:\]"):
        odekit.solve_ivp(interleaved, (0.0, 1.0), [1.0, 0.0, 0.0, 1.0], method="DPRKN8")
    with pytest.raises(ValueError, match="odd number"):
        odekit.solve_ivp(lambda t, y, p: -y, (0.0, 1.0), [1.0, 2.0, 3.0], method="DPRKN6")
    # a velocity-free damped problem (p0 = 0) passes the check and is solved
    r = odekit.solve_ivp(damped, (0.0, 1.0), [1.0, 0.0], params=[0.0], method="DPRKN6",
                         rtol=1e-10, atol=1e-12)
    assert abs(r.y[0, -1] - math.cos(1.0)) < 1e-9


def test_unsupported_options_and_entry_points():
    y0 = kepler_y0()
    with pytest.raises(ValueError, match="events are not supported"):
        odekit.solve_ivp(kepler, (0.0, 1.0), y0, method="DPRKN8",
                         events=lambda t, y, p: y[1])
    with pytest.raises(ValueError, match="step is only for"):
        odekit.solve_ivp(kepler, (0.0, 1.0), y0, method="DPRKN8", step=0.1)
    with pytest.raises(ValueError, match="Runge-Kutta-Nystrom"):
        odekit.solve_ensemble(kepler, (0.0, 1.0), np.tile(y0, (2, 1)), method="DPRKN8")
    with pytest.raises(ValueError, match="complex"):
        odekit.solve_ivp(kepler, (0.0, 1.0), y0 + 0j, method="DPRKN8")


def test_auto_never_picks_a_nystrom_method_and_docs_list_them():
    for rtol in (1e-1, 1e-3, 1e-6, 1e-9, 1e-13):
        assert auto_method(rtol) not in NYSTROM
    assert not {m for _, m in AUTO_RULE} & set(NYSTROM)
    doc = odekit.solve_ivp.__doc__
    table = method_table()
    for name in METHODS:
        assert f'``"{name}"``' in doc
        assert f"``{name}``" in table
    assert "special second-order" in doc


def test_t0_equal_t1_and_repeat_calls():
    r = odekit.solve_ivp(kepler, (1.0, 1.0), kepler_y0(), method="DPRKN8")
    np.testing.assert_array_equal(r.y[:, -1], kepler_y0())
    a = odekit.solve_ivp(kepler, (0.0, 1.0), kepler_y0(), method="DPRKN8", rtol=1e-8)
    b = odekit.solve_ivp(kepler, (0.0, 1.0), kepler_y0(), method="DPRKN8", rtol=1e-8)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.nfev == b.nfev


def test_backward_t_eval_dense_and_max_step():
    """Backward in time with t_eval and dense output (DPRKN6's own extension), and
    max_step honoured; against the closed form."""
    t1 = 2.5
    y1 = kepler_exact(t1)
    te = np.linspace(t1, 0.0, 11)
    r = odekit.solve_ivp(kepler, (t1, 0.0), y1, method="DPRKN6", rtol=1e-11, atol=1e-13,
                         t_eval=te, dense_output=True, max_step=0.05)
    ex = np.array([kepler_exact(t) for t in te]).T
    assert np.abs(r.y - ex).max() < 1e-8
    assert r.nsteps >= 50  # 2.5 / 0.05
    mid = np.linspace(2.4, 0.1, 9)
    assert np.abs(r.sol(mid) - np.array([kepler_exact(t) for t in mid]).T).max() < 1e-8
    steps = odekit.solve_ivp(kepler, (t1, 0.0), y1, method="DPRKN6", rtol=1e-11,
                             atol=1e-13, max_step=0.05)
    assert np.all(np.abs(np.diff(steps.t)) <= 0.05 * (1 + 1e-12))


def test_tiny_rtol_warns_at_the_caller():
    with pytest.warns(UserWarning, match="too small") as rec:
        odekit.solve_ivp(kepler, (0.0, 0.5), kepler_y0(), method="DPRKN8", rtol=1e-17,
                         atol=1e-20)
    assert rec[0].filename == __file__
