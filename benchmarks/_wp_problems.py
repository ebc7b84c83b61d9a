"""Problems of ``bench_work_precision.py``: right-hand sides, initial values, references.

Every problem gives its right-hand side twice:

* ``inplace(t, y, p, dydt)`` -- plain Python on scalars (``math`` only) that Numba compiles:
  what odekit, numbalsoda and CyRK are given (the latter two through a C-callback wrapper);
* ``generic(t, y, p, M)`` -- the same formulas written once over a math namespace ``M``
  (``math`` for SciPy, ``mpmath`` for the references, ``heyoka`` for heyoka's expression
  system), returning a list.

:func:`check_forms` compares the two forms at random states (run at start-up).

References (see :func:`reference`) never come from a contender:

* Arenstorf, Pleiades, Lorenz, Van der Pol, rigid body: ``mpmath.odefun`` (Taylor series in
  multiprecision) at ``REF_DPS`` digits, checked against a second solve at
  ``REF_DPS_CHECK`` digits; both cached in ``benchmarks/results/wp_references.json``. The
  multiprecision solve starts from exactly the double-precision data the contenders get
  (8/3, mu, T and y0 rounded to double). Arenstorf's orbit is periodic (y(T) = y0 for the
  30-digit T and y0'): the reference is checked against that closed form.
* Floquet (Mathieu) ensemble: a vectorised fixed-step Taylor-series integrator of the linear
  equation in ``numpy.longdouble`` (x87 80-bit, 64-bit mantissa on x86-64 Linux), order 20
  with 48 equal steps (the truncation term is below 1e-25 for |a| + 2|q| <= 50), checked
  against 32 steps and against ``mpmath.odefun`` at three grid points; recomputed in a few
  seconds (cached per grid under /tmp).
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REF_FILE = os.path.join(HERE, "results", "wp_references.json")
REF_DPS = 32
REF_DPS_CHECK = 24


# ---------------------------------------------------------------------------------------
# Arenstorf orbit (restricted three-body problem), one period
# ---------------------------------------------------------------------------------------
ARENSTORF_MU = 0.012277471
ARENSTORF_T_STR = "17.0652165601579625588917206249"
ARENSTORF_VY0_STR = "-2.00158510637908252240537862224"


def arenstorf_inplace(t, y, p, dydt):
    mu = p[0]
    mu1 = 1.0 - mu
    x = y[0]
    yy = y[1]
    vx = y[2]
    vy = y[3]
    r1 = (x + mu) * (x + mu) + yy * yy
    r2 = (x - mu1) * (x - mu1) + yy * yy
    d1 = r1 * math.sqrt(r1)
    d2 = r2 * math.sqrt(r2)
    dydt[0] = vx
    dydt[1] = vy
    dydt[2] = x + 2.0 * vy - mu1 * (x + mu) / d1 - mu * (x - mu1) / d2
    dydt[3] = yy - 2.0 * vx - mu1 * yy / d1 - mu * yy / d2


def arenstorf_generic(t, y, p, M):
    mu = p[0]
    mu1 = 1.0 - mu
    x, yy, vx, vy = y[0], y[1], y[2], y[3]
    r1 = (x + mu) * (x + mu) + yy * yy
    r2 = (x - mu1) * (x - mu1) + yy * yy
    d1 = r1 * M.sqrt(r1)
    d2 = r2 * M.sqrt(r2)
    return [vx, vy, x + 2.0 * vy - mu1 * (x + mu) / d1 - mu * (x - mu1) / d2,
            yy - 2.0 * vx - mu1 * yy / d1 - mu * yy / d2]


# ---------------------------------------------------------------------------------------
# Pleiades (Hairer, Norsett & Wanner I, II.10): 7 bodies in the plane, masses 1..7
# y = (x1..x7, y1..y7, x1'..x7', y1'..y7'), t in [0, 3]
# ---------------------------------------------------------------------------------------
PLEIADES_Y0 = [3.0, 3.0, -1.0, -3.0, 2.0, -2.0, 2.0,
               3.0, -3.0, 2.0, 0.0, 0.0, -4.0, 4.0,
               0.0, 0.0, 0.0, 0.0, 0.0, 1.75, -1.5,
               0.0, 0.0, 0.0, -1.25, 1.0, 0.0, 0.0]


def pleiades_inplace(t, y, p, dydt):
    for i in range(7):
        dydt[i] = y[14 + i]
        dydt[7 + i] = y[21 + i]
        dydt[14 + i] = 0.0
        dydt[21 + i] = 0.0
    for i in range(7):
        for j in range(i + 1, 7):
            dx = y[j] - y[i]
            dy = y[7 + j] - y[7 + i]
            r2 = dx * dx + dy * dy
            r3 = r2 * math.sqrt(r2)
            fx = dx / r3
            fy = dy / r3
            dydt[14 + i] += (j + 1.0) * fx
            dydt[21 + i] += (j + 1.0) * fy
            dydt[14 + j] -= (i + 1.0) * fx
            dydt[21 + j] -= (i + 1.0) * fy


def pleiades_generic(t, y, p, M):
    ax = [0.0] * 7
    ay = [0.0] * 7
    for i in range(7):
        for j in range(i + 1, 7):
            dx = y[j] - y[i]
            dy = y[7 + j] - y[7 + i]
            r2 = dx * dx + dy * dy
            r3 = r2 * M.sqrt(r2)
            fx = dx / r3
            fy = dy / r3
            ax[i] = ax[i] + (j + 1.0) * fx
            ay[i] = ay[i] + (j + 1.0) * fy
            ax[j] = ax[j] - (i + 1.0) * fx
            ay[j] = ay[j] - (i + 1.0) * fy
    return [y[14 + i] for i in range(7)] + [y[21 + i] for i in range(7)] + ax + ay


# ---------------------------------------------------------------------------------------
# Lorenz (sigma, rho, beta) = (10, 28, 8/3), y0 = (1, 0, 0), t in [0, 10]
# ---------------------------------------------------------------------------------------
def lorenz_inplace(t, y, p, dydt):
    dydt[0] = p[0] * (y[1] - y[0])
    dydt[1] = y[0] * (p[1] - y[2]) - y[1]
    dydt[2] = y[0] * y[1] - p[2] * y[2]


def lorenz_generic(t, y, p, M):
    return [p[0] * (y[1] - y[0]), y[0] * (p[1] - y[2]) - y[1], y[0] * y[1] - p[2] * y[2]]


# ---------------------------------------------------------------------------------------
# Van der Pol, mu = 1: x'' - mu (1 - x^2) x' + x = 0, y0 = (2, 0), t in [0, 20]
# ---------------------------------------------------------------------------------------
def vdp_inplace(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]


def vdp_generic(t, y, p, M):
    return [y[1], p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]]


# ---------------------------------------------------------------------------------------
# Rigid body (Euler's equations; Hairer, Norsett & Wanner I, II.10 "Euler"; I = (0.5, 2, 3)):
# y1' = -2 y2 y3, y2' = 1.25 y1 y3, y3' = -0.5 y1 y2, y0 = (0, 1, 0.9), t in [0, 20]
# (coefficients (I2-I3)/I1, (I3-I1)/I2, (I1-I2)/I3 passed as parameters)
# ---------------------------------------------------------------------------------------
def rigid_inplace(t, y, p, dydt):
    dydt[0] = p[0] * y[1] * y[2]
    dydt[1] = p[1] * y[0] * y[2]
    dydt[2] = p[2] * y[0] * y[1]


def rigid_generic(t, y, p, M):
    return [p[0] * y[1] * y[2], p[1] * y[0] * y[2], p[2] * y[0] * y[1]]


# ---------------------------------------------------------------------------------------
# Floquet workload: y'' + (a - 2 q cos 2t) y = 0, both fundamental solutions (4 states,
# y0 = (1, 0, 0, 1)) over half the period, [0, pi/2]; p = (a, q) on a grid
# ---------------------------------------------------------------------------------------
def mathieu_inplace(t, y, p, dydt):
    c = p[0] - 2.0 * p[1] * math.cos(2.0 * t)
    dydt[0] = y[1]
    dydt[1] = -c * y[0]
    dydt[2] = y[3]
    dydt[3] = -c * y[2]


def mathieu_generic(t, y, p, M):
    c = p[0] - 2.0 * p[1] * M.cos(2.0 * t)
    return [y[1], -c * y[0], y[3], -c * y[2]]


def floquet_grid(n):
    """(n*n, 2) array of (a, q): a in [-5, 20] (slow index), q in [0, 15] (fast index)."""
    a, q = np.meshgrid(np.linspace(-5.0, 20.0, n), np.linspace(0.0, 15.0, n), indexing="ij")
    return np.ascontiguousarray(np.column_stack([a.ravel(), q.ravel()]))


class Problem:
    """One work-precision problem."""

    def __init__(self, name, title, inplace, generic, y0, t1, params, *, ensemble=False,
                 atol_factor=1e-2, note="", special_second_order=False):
        self.name = name
        self.title = title
        self.inplace = inplace
        self.generic = generic
        self.y0 = np.ascontiguousarray(y0, dtype=np.float64)
        self.n = self.y0.size
        self.t0 = 0.0
        self.t1 = float(t1)
        self.params = np.ascontiguousarray(params, dtype=np.float64)  # (m,) or (k, m)
        self.ensemble = ensemble
        self.atol_factor = atol_factor
        self.note = note
        # y = (q, v) with y' = (v, g(t, q)): Runge-Kutta-Nystrom pairs apply
        self.special_second_order = special_second_order
        self.ref = None  # (n,) or (k, n), set by reference()
        self.ref_note = ""

    @property
    def k(self):
        return self.params.shape[0] if self.ensemble else 1

    def atol(self, rtol):
        return rtol * self.atol_factor

    def error(self, y):
        """Achieved error: relative 2-norm of the final-state error, ||y - y_ref|| / ||y_ref||;
        for an ensemble the largest over the members it was computed for."""
        y = np.asarray(y, dtype=np.float64)
        if not self.ensemble:
            return float(np.linalg.norm(y - self.ref) / np.linalg.norm(self.ref))
        ref = self.ref if y.shape[0] == self.ref.shape[0] else self.ref[self._sub_idx]
        e = np.linalg.norm(y - ref, axis=1) / np.linalg.norm(ref, axis=1)
        if not np.all(np.isfinite(e)):
            return math.inf
        return float(e.max())

    def subsample(self, m):
        """A deterministic subsample of m ensemble members (for slow contenders)."""
        m = min(m, self.k)
        self._sub_idx = np.unique(np.linspace(0, self.k - 1, m).round().astype(np.int64))
        return self._sub_idx


def make_problems(floquet_n=100):
    arenstorf_y0 = [0.994, 0.0, 0.0, float(ARENSTORF_VY0_STR)]
    return [
        Problem("arenstorf", "Arenstorf orbit, one period (4 states)", arenstorf_inplace,
                arenstorf_generic, arenstorf_y0, float(ARENSTORF_T_STR), [ARENSTORF_MU],
                note="periodic: the reference is checked against y(T) = y0"),
        Problem("pleiades", "Pleiades, 7 bodies (28 states), t in [0, 3]", pleiades_inplace,
                pleiades_generic, PLEIADES_Y0, 3.0, [0.0], special_second_order=True,
                note="special second-order system (y = (q, v), q'' = g(q)): the "
                     "Runge-Kutta-Nystrom pairs run here"),
        Problem("lorenz", "Lorenz (10, 28, 8/3), t in [0, 10]", lorenz_inplace, lorenz_generic,
                [1.0, 0.0, 0.0], 10.0, [10.0, 28.0, 8.0 / 3.0]),
        Problem("vanderpol", "Van der Pol, mu = 1, y0 = (2, 0), t in [0, 20]", vdp_inplace,
                vdp_generic, [2.0, 0.0], 20.0, [1.0]),
        Problem("rigidbody", "Rigid body (Euler), y0 = (0, 1, 0.9), t in [0, 20]",
                rigid_inplace, rigid_generic, [0.0, 1.0, 0.9], 20.0, [-2.0, 1.25, -0.5]),
        Problem("floquet", f"Floquet ensemble: Mathieu, {floquet_n}x{floquet_n} grid "
                "a in [-5, 20], q in [0, 15], [0, pi/2]", mathieu_inplace, mathieu_generic,
                [1.0, 0.0, 0.0, 1.0], math.pi / 2, floquet_grid(floquet_n), ensemble=True),
    ]


def check_forms(problems, seed=0):
    """The in-place and generic forms agree at random states (plain Python, no compile)."""
    rng = np.random.default_rng(seed)
    for pb in problems:
        p = pb.params[0] if pb.ensemble else pb.params
        for _ in range(3):
            y = pb.y0 + rng.normal(size=pb.n) * 0.3
            t = rng.uniform(0, 1)
            a = np.empty(pb.n)
            pb.inplace(t, y, p, a)
            b = np.array(pb.generic(t, y, p, math))
            if not np.allclose(a, b, rtol=1e-13, atol=1e-13):
                raise AssertionError(f"{pb.name}: in-place and generic right-hand sides differ")


# ---------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------
def _mp_solve(pb, dps):
    import mpmath as mp

    with mp.workdps(dps):
        # exactly the double-precision problem the contenders solve (8/3, mu, T, y0 rounded)
        p = [mp.mpf(float(v)) for v in pb.params]
        y0 = [mp.mpf(float(v)) for v in pb.y0]
        t1 = mp.mpf(pb.t1)
        sol = mp.odefun(lambda t, y: pb.generic(t, y, p, mp), 0, y0)
        return [float(v) for v in sol(t1)], [mp.nstr(v, dps - 2) for v in sol(t1)]


def _mathieu_taylor_ld(P, t1, nsteps, order=20):
    """Vectorised Taylor-series integrator of y'' = -(a - 2q cos 2t) y in long double.

    Both fundamental solutions of every (a, q) row of P over [0, t1] with ``nsteps`` equal
    steps. cos 2t and sin 2t are carried as series (C' = -2S, S' = 2C); the recurrence of
    the product is the Cauchy product. Returns (k, 4) float64: (y1, y1', y2, y2') at t1.
    """
    ld = np.longdouble
    a = P[:, 0].astype(ld)
    q = P[:, 1].astype(ld)
    k = len(a)
    Y = np.zeros((2, k), ld)  # value of y1, y2
    D = np.zeros((2, k), ld)  # derivative
    Y[0] = 1
    D[1] = 1
    T1 = ld(t1)  # the double-precision end point the contenders integrate to
    h = T1 / nsteps
    K = order
    fact = np.ones(K + 1, ld)
    for i in range(1, K + 1):
        fact[i] = fact[i - 1] * i
    for s in range(nsteps):
        t = s * h
        # series of C = cos 2(t+x), S = sin 2(t+x) in x: coefficients c_k = C^(k)/k!
        c0 = np.cos(2 * t)
        s0 = np.sin(2 * t)
        cc = np.empty(K + 1, ld)
        for i in range(K + 1):  # d^i/dx^i cos(2t+2x) = 2^i cos(2t + 2x + i pi/2)
            r = i % 4
            val = (c0, -s0, -c0, s0)[r]
            cc[i] = ld(2) ** i * val / fact[i]
        # y coefficients: y_0 = Y, y_1 = D, (k+2)(k+1) y_{k+2} = -(a y_k - 2q (c*y)_k)
        coef = np.zeros((K + 1, 2, k), ld)
        coef[0] = Y
        coef[1] = D
        for m in range(K - 1):
            conv = np.zeros((2, k), ld)
            for j in range(m + 1):
                conv += cc[j] * coef[m - j]
            coef[m + 2] = -(a * coef[m] - 2 * q * conv) / ((m + 2) * (m + 1))
        # Horner for value and derivative at x = h
        Yn = coef[K].copy()
        Dn = coef[K] * K
        for m in range(K - 1, -1, -1):
            Yn = Yn * h + coef[m]
            if m >= 1:
                Dn = Dn * h + coef[m] * m
        Y, D = Yn, Dn
    return np.column_stack([Y[0], D[0], Y[1], D[1]]).astype(np.float64)


def _load_refs():
    try:
        with open(REF_FILE, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def _key(pb):
    return json.dumps([pb.name, pb.y0.tolist(), pb.t1, np.asarray(pb.params).tolist()])


def reference(pb, log=print, allow_compute=True):
    """Set ``pb.ref`` (and ``pb.ref_note``); compute and cache it if needed."""
    if pb.ensemble:
        cache = f"/tmp/odekit-wp-floquet-ref-{pb.k}.npz"
        if os.path.exists(cache):
            d = np.load(cache)
            if d["P"].shape == pb.params.shape and np.array_equal(d["P"], pb.params):
                pb.ref = d["ref"]
                pb.ref_note = str(d["note"])
                return
        t0 = time.perf_counter()
        n_steps = 32
        ref = _mathieu_taylor_ld(pb.params, pb.t1, n_steps)
        ref2 = _mathieu_taylor_ld(pb.params, pb.t1, n_steps + n_steps // 2)
        d = np.linalg.norm(ref - ref2, axis=1) / np.linalg.norm(ref2, axis=1)
        note = (f"long-double Taylor series, order 20, {n_steps + n_steps // 2} steps; against "
                f"{n_steps} steps (after rounding to double): max rel. difference {d.max():.1e}")
        idx = [0, pb.k // 2 + pb.k // 7, pb.k - 1]
        if allow_compute:
            import mpmath as mp

            worst = 0.0
            for i in idx:
                a, q = pb.params[i]
                with mp.workdps(25):
                    sol = mp.odefun(lambda t, y: mathieu_generic(t, y, [mp.mpf(a), mp.mpf(q)],
                                                                 mp), 0, [1, 0, 0, 1])
                    v = np.array([float(x) for x in sol(mp.mpf(pb.t1))])
                worst = max(worst, np.linalg.norm(v - ref2[i]) / np.linalg.norm(v))
            note += f"; against mpmath odefun at 3 grid points: {worst:.1e}"
        note += f" ({time.perf_counter() - t0:.1f} s)"
        pb.ref, pb.ref_note = ref2, note
        np.savez(cache, P=pb.params, ref=ref2, note=note)
        return
    refs = _load_refs()
    ent = refs.get(_key(pb))
    if ent is None:
        if not allow_compute:
            raise RuntimeError(f"no cached reference for {pb.name}")
        log(f"  computing the mpmath reference of {pb.name} (once; cached in "
            f"{os.path.relpath(REF_FILE)}) ...")
        t0 = time.perf_counter()
        y, ystr = _mp_solve(pb, REF_DPS)
        t_a = time.perf_counter() - t0
        y2, _ = _mp_solve(pb, REF_DPS_CHECK)
        diff = float(np.linalg.norm(np.subtract(y, y2)) / np.linalg.norm(y))
        ent = dict(name=pb.name, y=y, digits=ystr, dps=REF_DPS, dps_check=REF_DPS_CHECK,
                   check_rel_diff=diff, seconds=round(time.perf_counter() - t0, 1),
                   seconds_main=round(t_a, 1))
        refs = _load_refs()
        refs[_key(pb)] = ent
        os.makedirs(os.path.dirname(REF_FILE), exist_ok=True)
        with open(REF_FILE, "w", encoding="utf-8") as fh:
            json.dump(refs, fh, indent=1)
    y = np.array(ent["y"])
    note = (f"mpmath odefun at {ent['dps']} digits; vs {ent['dps_check']} digits: rel. "
            f"difference {ent['check_rel_diff']:.1e} (computed once, {ent['seconds']:.0f} s; "
            "cached)")
    pb.ref = y
    if pb.name == "rigidbody":  # two quadratic invariants (I = (0.5, 2, 3); y = angular velocity)
        import mpmath as mp

        with mp.workdps(40):
            z = [mp.mpf(v) for v in ent["digits"]]
            z0 = [mp.mpf(float(v)) for v in pb.y0]
            drift = []
            for w in ((0.5, 2, 3), (0.25, 4, 9)):
                e0 = sum(wi * v * v for wi, v in zip(w, z0))
                drift.append(abs(sum(wi * v * v for wi, v in zip(w, z)) - e0) / e0)
        note += (f"; energy and angular momentum of the reference conserved to "
                 f"{float(max(drift)):.0e}")
    if pb.name == "arenstorf":
        note += (f"; periodicity check |y_ref(T) - y0| / |y0| = "
                 f"{np.linalg.norm(y - pb.y0) / np.linalg.norm(pb.y0):.1e} (T, mu, y0 rounded "
                 "to double)")
    pb.ref_note = note
