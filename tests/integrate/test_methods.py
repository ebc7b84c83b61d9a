"""Layers 2/3: every registered method through solve_ivp and solve_ensemble.

References are closed forms: the harmonic oscillator (linear) and the Kepler orbit from
periapsis (nonlinear; the solution from Kepler's equation E - e sin E = t, solved by
Newton to machine precision). Orders are measured through odekit's own stepper with a
fixed step (the error test switched off by a huge atol, first_step = max_step = h).
"""

import math

import numpy as np
import pytest

import odekit
from odekit.integrate._tableaux import ADAPTIVE_METHODS, AUTO_RULE, TABLEAUX

from .problems import oscillator


def kepler(t, y, p, dydt):
    r2 = y[0] * y[0] + y[1] * y[1]
    r3 = r2 * np.sqrt(r2)
    dydt[0] = y[2]
    dydt[1] = y[3]
    dydt[2] = -y[0] / r3
    dydt[3] = -y[1] / r3


def kepler_exact(t, e):
    """(x, y, vx, vy) at time t of the unit-period-2π orbit of eccentricity e."""
    t = np.asarray(t, dtype=float)
    E = t.copy()
    for _ in range(50):
        E = E - (E - e * np.sin(E) - t) / (1.0 - e * np.cos(E))
    d = 1.0 - e * np.cos(E)
    s = math.sqrt(1.0 - e * e)
    return np.array([np.cos(E) - e, s * np.sin(E), -np.sin(E) / d, s * np.cos(E) / d])


def _fixed(method, fun, y0, t1, n, params=(), **kw):
    h = t1 / n
    if TABLEAUX[method].adaptive:
        kw.update(rtol=0.1, atol=1e6, first_step=h, max_step=h * (1 + 1e-12))
    else:
        kw.update(step=h)
    return odekit.solve_ivp(fun, (0.0, t1), y0, params=params, method=method,
                            max_steps=10**6, **kw)


PROBLEMS = {
    "oscillator": (oscillator, np.array([1.0, 0.0]), 20.0, [1.0],
                   lambda t: np.array([np.cos(t), -np.sin(t)])),
    "kepler": (kepler, kepler_exact(0.0, 0.1), 2 * math.pi, (),
               lambda t: kepler_exact(t, 0.1)),
}


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("method", list(TABLEAUX))
def test_fixed_step_convergence_order(method, problem):
    """Global error ∝ h^order: a log-log fit over the last four errors in [3e-11, 1e-3].

    The high orders approach their slope slowly on the Kepler orbit (Vern7 in 50-digit
    arithmetic: 6.25, 6.81, 6.94 between 40, 80, 160, 320 steps), below the float64
    floor; hence the margin of one order below."""
    fun, y0, t1, params, exact = PROBLEMS[problem]
    order = TABLEAUX[method].order
    ns, errs = [], []
    n = 4
    while n < 40000:
        res = _fixed(method, fun, y0, t1, n, params)
        assert res.nsteps == n
        err = np.max(np.abs(res.y[:, -1] - exact(t1)))
        if err < 3e-11:
            break
        if err < 1e-3:
            ns.append(n)
            errs.append(err)
        n = int(math.ceil(n * 1.25))
    assert len(ns) >= 4, (ns, errs)
    slope = -np.polyfit(np.log(ns[-4:]), np.log(errs[-4:]), 1)[0]
    print(f"{method} {problem}: slope {slope:.2f} (order {order})")
    # linear problems may converge faster (the stability polynomial can match exp(z) to
    # one order more than the method has)
    lo, hi = (order - 0.5, order + 2.0) if problem == "oscillator" else (order - 1.0, order + 1.5)
    assert lo <= slope <= hi, slope


@pytest.mark.parametrize("method", list(TABLEAUX))
def test_dense_output_local_order(method):
    """One step of size h from the exact state; the interpolant at θ = 0.3 has error
    O(h^(dense_order + 1))."""
    tab = TABLEAUX[method]
    e, t0, theta = 0.1, 0.3, 0.3
    y0 = kepler_exact(t0, e)
    # steps long enough that the errors stay well above rounding (1e-12)
    hs = np.array([0.4, 0.2, 0.1, 0.05]) * {True: 1.0, False: 2.0}[tab.dense_order < 6]
    if tab.dense_order >= 8:
        hs = hs * 1.5
    errs = []
    for h in hs:
        kw = dict(step=h) if not tab.adaptive else dict(rtol=0.1, atol=1e6, first_step=h,
                                                        max_step=h)
        # autonomous: start the clock at 0 from the state at t0
        res = odekit.solve_ivp(kepler, (0.0, h), y0, method=method, t_eval=[theta * h],
                               **kw)
        assert res.nsteps == 1
        errs.append(np.max(np.abs(res.y[:, 0] - kepler_exact(t0 + theta * h, e))))
    errs = np.array(errs)
    keep = errs > 1e-12
    assert keep.sum() >= 3, errs
    slope = np.polyfit(np.log(hs[keep]), np.log(errs[keep]), 1)[0]
    print(f"{method}: dense slope {slope:.2f} (order {tab.dense_order})")
    assert slope >= tab.dense_order + 1 - 0.5, (slope, errs)


TOLS = (1e-8, 1e-10, 1e-12)


@pytest.mark.parametrize("rtol", TOLS)
@pytest.mark.parametrize("method", list(ADAPTIVE_METHODS) + ["auto"])
def test_solve_ivp_on_the_kepler_orbit(method, rtol):
    """One orbit of eccentricity 0.5: the end state and 41 dense-output points within a
    small multiple of the tolerance (rtol = atol)."""
    e = 0.5
    t1 = 2 * math.pi
    te = np.linspace(0.0, t1, 41)
    res = odekit.solve_ivp(kepler, (0.0, t1), kepler_exact(0.0, e), method=method,
                           rtol=rtol, atol=rtol, t_eval=te, max_steps=10**6)
    err = np.max(np.abs(res.y - kepler_exact(te, e)))
    assert err < 1e3 * rtol, err
    assert err > 1e-16  # a real comparison


@pytest.mark.parametrize("rtol", TOLS)
@pytest.mark.parametrize("method", list(ADAPTIVE_METHODS) + ["auto"])
def test_solve_ensemble_on_kepler_orbits(method, rtol):
    """Five members started at different phases of the same orbit; each against the closed
    form, and each close to its one-by-one solve_ivp."""
    e = 0.5
    phases = np.linspace(0.0, 2.0, 5)
    Y0 = kepler_exact(phases, e).T
    te = np.linspace(0.0, 3.0, 7)
    res = odekit.solve_ensemble(kepler, (0.0, 3.0), Y0, t_eval=te, method=method,
                                rtol=rtol, atol=rtol, max_steps=10**6)
    assert res.success
    for k, ph in enumerate(phases):
        err = np.max(np.abs(res.y[k] - kepler_exact(ph + te, e)))
        assert err < 1e3 * rtol, (k, err)
        one = odekit.solve_ivp(kepler, (0.0, 3.0), Y0[k], method=method, rtol=rtol,
                               atol=rtol, t_eval=te, max_steps=10**6)
        np.testing.assert_allclose(res.y[k], one.y, rtol=0, atol=1e-3 * rtol)


@pytest.mark.parametrize("rtol", [1e-2, 1e-5, 1e-8, 1e-11, 1e-13])
def test_auto_runs_the_method_its_rule_names(rtol):
    """method="auto" makes the same steps as the method the rule names for this rtol."""
    name = next(n for bound, n in AUTO_RULE if rtol >= bound)
    kw = dict(rtol=rtol, atol=rtol * 1e-2, max_steps=10**6)
    y0 = kepler_exact(0.0, 0.5)
    a = odekit.solve_ivp(kepler, (0.0, 2.0), y0, method="auto", **kw)
    b = odekit.solve_ivp(kepler, (0.0, 2.0), y0, method=name, **kw)
    assert a.nfev == b.nfev and np.array_equal(a.y, b.y)


def test_ensemble_refuses_the_fixed_step_method_naming_the_others():
    with pytest.raises(ValueError) as info:
        odekit.solve_ensemble(kepler, (0.0, 1.0), kepler_exact(0.0, 0.5)[None],
                              method="RK4")
    for name in ADAPTIVE_METHODS:
        assert repr(name) in str(info.value)
