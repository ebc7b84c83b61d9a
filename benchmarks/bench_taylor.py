"""Benchmark: odekit's Taylor method head to head with heyoka.

Sections (``--only NAME`` runs one):

* ``arenstorf``: one period of the Arenstorf orbit, tolerances 1e-6 ... 1e-16 for both
  contenders, odekit through ``odekit.solve_ivp(method="taylor")``; the error achieved is
  the distance of the final state from y0 (the orbit is periodic; y0 and the period are
  known to 30 digits). Times per solve are medians of alternating calls, in each of three
  fresh processes (the median over those is printed, with the range); the table
  interpolates each contender's time at the achieved error levels 1e-6 ... 1e-12
  (log-log) and prints the ratio heyoka / odekit.
* ``overhead``: the per-call cost of the Python wrapper (a span of one step), through
  solve_taylor (y0 a list, an ndarray) and odekit.solve_ivp(method="taylor").
* ``compile``: compile time of a new right-hand side at the orders tolerances 1e-6 ...
  1e-12 need (fresh cache directory, in a subprocess), and the same from the disk cache.
* ``mathieu``: the Floquet trajectories of the Mathieu equation y'' + (a - 2q cos 2t) y = 0
  (both fundamental solutions over half a period, t in [0, pi/2]... see ``_mathieu``) on
  a grid a in [-5, 20], q in [0, 15]: odekit's batch mode against heyoka's batch mode on
  the same number of threads, error of the trace of the half-period matrix against a
  tol-1e-16 reference.

* ``pleiades_compile``: compile time of the Pleiades right-hand side (28 states, 343
  elementary operations) per order (tol 1e-6 ... 1e-12), unrolled and compact kernel,
  new and from the disk cache, and the mode the size rule picks.
* ``pleiades``: Pleiades per solve, compact against unrolled kernel against heyoka.

Run: ``python benchmarks/bench_taylor.py [--only arenstorf] [--quick]``. heyoka is
optional (``pip install heyoka``); without it only odekit's figures are printed.
"""

# ruff: noqa: B023 (the timed closures run within their loop iteration)
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from odekit.integrate.taylor import solve_taylor  # noqa: E402

try:
    import heyoka as hy
except ImportError as exc:  # pragma: no cover
    hy = None
    HY_WHY = f"heyoka not importable ({exc}); pip install heyoka"

MU = 0.012277471
Y0 = np.array([0.994, 0.0, 0.0, -2.00158510637908252240537862224])
T_AR = 17.0652165601579625588917206249


def arenstorf(t, y, p, dydt):
    mu = p[0]
    mup = 1.0 - mu
    x, yy, vx, vy = y[0], y[1], y[2], y[3]
    d1 = ((x + mu) ** 2 + yy ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + yy ** 2) ** 1.5
    dydt[0] = vx
    dydt[1] = vy
    dydt[2] = x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2
    dydt[3] = yy - 2 * vx - mup * yy / d1 - mu * yy / d2


def _hy_arenstorf(tol):
    x, y, vx, vy = hy.make_vars("x", "y", "vx", "vy")
    mu = hy.par[0]
    mup = 1.0 - mu
    d1 = ((x + mu) ** 2 + y ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + y ** 2) ** 1.5
    sys_ = [(x, vx), (y, vy),
            (vx, x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2),
            (vy, y - 2 * vx - mup * y / d1 - mu * y / d2)]
    return hy.taylor_adaptive(sys_, Y0.copy(), pars=[MU], tol=tol)


def _median_pair(f_a, f_b, reps):
    ta, tb = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        f_a()
        ta.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        f_b()
        tb.append(time.perf_counter() - t0)
    return np.array(ta), np.array(tb)


def _interp(errs, times, level):
    le, lt = np.log10(errs), np.log10(times)
    order = np.argsort(le)
    le, lt = le[order], lt[order]
    if level < 10 ** le[0] or level > 10 ** le[-1]:
        return math.nan
    return 10 ** np.interp(math.log10(level), le, lt)


def _arenstorf_rows(quick, tols):
    """One process's rows: (tol, odekit median, odekit error, heyoka median, heyoka
    error, odekit compile, steps), odekit through ``odekit.solve_ivp(method="taylor",
    rtol=tol, atol=tol)``, the two alternating call by call."""
    import odekit

    reps = 7 if quick else 151
    rows = []
    p = np.array([MU])
    span = (0.0, T_AR)
    for tol in tols:
        t0 = time.perf_counter()
        r = odekit.solve_ivp(arenstorf, span, Y0, params=p, method="taylor", rtol=tol,
                             atol=tol)
        c_o = time.perf_counter() - t0
        e_o = float(np.max(np.abs(r.y[:, -1] - Y0)))

        def run_o():
            odekit.solve_ivp(arenstorf, span, Y0, params=p, method="taylor", rtol=tol,
                             atol=tol)

        if hy is not None:
            ta = _hy_arenstorf(tol)

            def run_h():
                ta.time = 0.0
                ta.state[:] = Y0
                ta.propagate_until(T_AR)

            run_h()
            e_h = float(np.max(np.abs(ta.state - Y0)))
            to, th = _median_pair(run_o, run_h, reps)
            rows.append((tol, float(np.median(to)), e_o, float(np.median(th)), e_h, c_o,
                         r.nsteps))
        else:
            to = np.array([_time(run_o) for _ in range(reps)])
            rows.append((tol, float(np.median(to)), e_o, math.nan, math.nan, c_o,
                         r.nsteps))
    return rows


def bench_arenstorf(quick, processes=3):
    print("== Arenstorf orbit, one period (error = |y(T) - y0|_max), odekit through "
          "odekit.solve_ivp(method='taylor', rtol=tol, atol=tol) ==")
    tols = [1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-16]
    if quick:
        processes = 1
    # every process times every row: where JIT code lands in memory changes its speed
    # (the same machine code is 1.0x or 1.3-3x slower by its address, for heyoka's
    # kernels as for odekit's; see benchmarks/results/bench_taylor-*.txt), so a row of
    # one process can be an outlier: the median over processes is the figure
    src = ("import sys, json; sys.path.insert(0, {here!r}); import bench_taylor as B; "
           "print(json.dumps(B._arenstorf_rows({quick}, {tols!r})))")
    here = os.path.dirname(os.path.abspath(__file__))
    per = []
    for _ in range(processes):
        out = subprocess.run([sys.executable, "-c", src.format(here=here, quick=quick,
                                                                 tols=tols)],
                             capture_output=True, text=True, check=True).stdout
        per.append(np.array(json.loads(out.strip().splitlines()[-1]), dtype=float))
    P = np.array(per)  # (process, tol, field)
    rows = np.median(P, axis=0)
    for i, tol in enumerate(tols):
        to, th = P[:, i, 1], P[:, i, 3]
        print(f"tol {tol:7.0e}  odekit {rows[i, 1] * 1e6:7.1f} us "
              f"[{to.min() * 1e6:.1f}-{to.max() * 1e6:.1f}] err {rows[i, 2]:.2e} "
              f"steps {int(rows[i, 6])} (first call {P[0, i, 5]:.2f} s) | heyoka "
              f"{rows[i, 3] * 1e6:7.1f} us [{th.min() * 1e6:.1f}-{th.max() * 1e6:.1f}] "
              f"err {rows[i, 4]:.2e} | ratio {rows[i, 3] / rows[i, 1]:.2f} "
              f"(per process: {', '.join(f'{x:.2f}' for x in th / to)})")
    print(f"(medians over {processes} fresh processes of each process's median of the "
          f"alternating calls; [ranges over the processes])")
    if hy is None:
        print("heyoka:", HY_WHY)
        return
    print("achieved-error level: time odekit, heyoka (interpolated log-log), heyoka/odekit")
    ratios = []
    for level in [1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12]:
        a = _interp(rows[:, 2], rows[:, 1], level)
        b = _interp(rows[:, 4], rows[:, 3], level)
        ratios.append(b / a)
        print(f"  {level:7.0e}: {a * 1e6:7.1f} us  {b * 1e6:7.1f} us  ratio {b / a:.2f}")
    ok = [r for r in ratios if r == r]
    print(f"  median ratio {np.median(ok):.2f}, min {np.min(ok):.2f} over {len(ok)} levels "
          f"(levels outside either contender's achieved errors are nan)")


def _time(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def osc(t, y, p):
    return np.array([y[1], -y[0]])


def bench_overhead(quick):
    print("== per-call overhead of the Python wrapper (one step of a 2-state system) ==")
    import odekit

    reps = 2001 if not quick else 201
    y0 = np.array([1.0, 0.0])
    calls = [("solve_taylor, y0 a list", lambda: solve_taylor(osc, (0.0, 1e-3), [1.0, 0.0],
                                                              tol=1e-10)),
             ("solve_taylor, y0 an ndarray", lambda: solve_taylor(osc, (0.0, 1e-3), y0,
                                                                  tol=1e-10)),
             ("odekit.solve_ivp(method='taylor')",
              lambda: odekit.solve_ivp(osc, (0.0, 1e-3), y0, method="taylor", rtol=1e-10,
                                       atol=1e-10))]
    for name, f in calls:
        f()
        ts = [_time(f) for _ in range(reps)]
        print(f"{name}: median {np.median(ts) * 1e6:.1f} us "
              f"[{np.min(ts) * 1e6:.1f}-{np.percentile(ts, 90) * 1e6:.1f}] (min-p90)")
    if hy is not None:
        x, v = hy.make_vars("x", "v")
        ta = hy.taylor_adaptive([(x, v), (v, -x)], [1.0, 0.0], tol=1e-10)

        def h():
            ta.time = 0.0
            ta.state[:] = [1.0, 0.0]
            ta.propagate_until(1e-3)
        ts = [_time(h) for _ in range(reps)]
        print(f"heyoka propagate_until, the same: median {np.median(ts) * 1e6:.1f} us")


_COMPILE_SNIPPET = r"""
import sys, time, numpy as np
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from odekit.integrate.taylor import solve_taylor
t_imp = time.perf_counter() - t0
def warm(t, y, p):
    return np.array([y[1], -y[0]])
t0 = time.perf_counter()
solve_taylor(warm, (0.0, 1.0), [1.0, 0.0], tol=1e-10)  # the driver, Numba's first use
t_first = time.perf_counter() - t0
def f(t, y, p, dydt):
    mu = p[0]; mup = 1.0 - mu
    x, yy, vx, vy = y[0], y[1], y[2], y[3]
    d1 = ((x + mu) ** 2 + yy ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + yy ** 2) ** 1.5
    dydt[0] = vx; dydt[1] = vy
    dydt[2] = x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2
    dydt[3] = yy - 2 * vx - mup * yy / d1 - mu * yy / d2
t0 = time.perf_counter()
solve_taylor(f, (0.0, 1.0), [0.994, 0, 0, -2.0], params=[0.012277471], tol={tol})
print(f"{{time.perf_counter() - t0:.3f}} {{t_first:.3f}} {{t_imp:.3f}}")
"""


def bench_compile(quick):
    print("== compile time of a new right-hand side (Arenstorf), in fresh processes; "
          "'warm' = after a first solve of another function (driver loaded, Numba "
          "started) ==")
    root = os.path.join(os.path.dirname(__file__), "..")
    tols = [1e-6, 1e-9, 1e-12] if not quick else [1e-6]
    from odekit.integrate.taylor import order_from_tol
    for tol in tols:
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, ODEKIT_CACHE_DIR=d)
            src = _COMPILE_SNIPPET.format(root=root, tol=tol)
            runs = [subprocess.run([sys.executable, "-c", src], env=env,
                                   capture_output=True, text=True, check=True
                                   ).stdout.split() for _ in range(3)]
        new, cached = float(runs[0][0]), min(float(r[0]) for r in runs[1:])
        first = min(float(r[1]) for r in runs[1:])
        print(f"tol {tol:.0e} (order {order_from_tol(tol)}): new RHS {new:.2f} s (trace, "
              f"decompose, LLVM), the same RHS from the disk cache {cached:.3f} s; a "
              f"fresh process's first solve (driver from Numba's cache) {first:.2f} s; "
              f"import odekit.integrate.taylor {float(runs[1][2]):.2f} s")


def mathieu2(t, y, p, dydt):
    c = p[0] - 2.0 * p[1] * np.cos(2.0 * t)
    dydt[0] = y[1]
    dydt[1] = -c * y[0]
    dydt[2] = y[3]
    dydt[3] = -c * y[2]


def _trace(yT):
    # tr M(pi) = 2 (2 y1(pi/2) y2'(pi/2) - 1) for the even potential (y1 even, y2 odd)
    return 2.0 * (2.0 * yT[..., 0] * yT[..., 3] - 1.0)


def _hy_mathieu(tol, B):
    x, v, u, w = hy.make_vars("x", "v", "u", "w")
    tt = hy.time
    c = hy.par[0] - 2.0 * hy.par[1] * hy.cos(2.0 * tt)
    sys_ = [(x, v), (v, -c * x), (u, w), (w, -c * u)]
    st = np.tile(np.array([1.0, 0.0, 0.0, 1.0])[:, None], (1, B))
    return hy.taylor_adaptive_batch(sys_, st, pars=np.zeros((2, B)), tol=tol)


def bench_mathieu(quick):
    import numba
    from scipy.integrate import solve_ivp as sp_ivp

    from odekit.integrate.taylor import solve_taylor_ensemble
    from odekit.integrate.taylor._batch import DEFAULT_WIDTH

    na = 40 if quick else 100
    A, Q = np.meshgrid(np.linspace(-5, 20, na), np.linspace(0, 15, na))
    pars = np.stack([A.ravel(), Q.ravel()], 1)
    npts = pars.shape[0]
    y0 = np.array([1.0, 0.0, 0.0, 1.0])
    T = np.pi / 2
    # reference traces on a subgrid: SciPy DOP853 at rtol = atol = 1e-13
    sub = np.arange(0, npts, max(1, npts // 300))
    ref = np.array([_trace(sp_ivp(lambda t, y, a=pars[i, 0], q=pars[i, 1]: [
        y[1], -(a - 2 * q * np.cos(2 * t)) * y[0], y[3], -(a - 2 * q * np.cos(2 * t)) * y[2]],
        (0.0, T), y0, method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]) for i in sub])
    scale = np.maximum(1.0, np.abs(ref))
    print(f"== Mathieu Floquet trajectories: {na}x{na} grid a in [-5, 20], q in [0, 15], "
          f"t in [0, pi/2], both solutions; error = max |d trace| / max(1, |trace|) on "
          f"{sub.size} points against SciPy DOP853 at 1e-13 ==")
    B = hy.recommended_simd_size() if hy is not None else 4
    nthreads = numba.get_num_threads()
    for tol in [1e-9, 1e-11, 1e-13]:
        def run_o():
            return solve_taylor_ensemble(mathieu2, (0.0, T), y0, params=pars, tol=tol)
        r = run_o()
        e_o = float(np.max(np.abs(_trace(r.y[sub, :, -1]) - ref) / scale))
        if hy is not None:
            ta = _hy_mathieu(tol, B)
            out = np.empty((npts, 4))

            def run_h():
                for j in range(0, npts, B):
                    pj = pars[j:j + B]
                    m = pj.shape[0]
                    pp = np.empty((2, B))
                    pp[:, :m] = pj.T
                    pp[:, m:] = pj[-1][:, None]
                    ta.pars[:] = pp
                    ta.state[:] = y0[:, None]
                    ta.set_time(0.0)
                    ta.propagate_until(T)
                    out[j:j + m] = ta.state[:, :m].T

            run_h()
            e_h = float(np.max(np.abs(_trace(out[sub]) - ref) / scale))
        else:
            run_h, e_h = (lambda: None), math.nan
        numba.set_num_threads(1)
        t1, th = _median_pair(run_o, run_h, 5 if quick else 11)
        numba.set_num_threads(nthreads)
        t2 = [_time(run_o) for _ in range(5)]
        print(f"tol {tol:.0e}: odekit batch (W={DEFAULT_WIDTH}) "
              f"{np.median(t1) / npts * 1e6:.2f} us/point "
              f"[min {t1.min() / npts * 1e6:.2f}] on 1 thread, "
              f"{np.median(t2) / npts * 1e6:.2f} on {nthreads}; err {e_o:.1e} | heyoka batch "
              f"(B={B}) {np.median(th) / npts * 1e6:.2f} [min {th.min() / npts * 1e6:.2f}] "
              f"us/point on 1 thread; err {e_h:.1e} | per-core ratio (medians) "
              f"{np.median(th) / np.median(t1):.2f}, (minima) {th.min() / t1.min():.2f}")


def competition(t, y, p, dydt):
    # Lotka-Volterra competition (odekit.competition's model): p = r1, r2, K1, K2, a12, a21
    dydt[0] = p[0] * y[0] * (1.0 - (y[0] + p[4] * y[1]) / p[2])
    dydt[1] = p[1] * y[1] * (1.0 - (y[1] + p[5] * y[0]) / p[3])


def _hy_competition(tol, B):
    x, y = hy.make_vars("x", "y")
    p = [hy.par[i] for i in range(6)]
    sys_ = [(x, p[0] * x * (1.0 - (x + p[4] * y) / p[2])),
            (y, p[1] * y * (1.0 - (y + p[5] * x) / p[3]))]
    return hy.taylor_adaptive_batch(sys_, np.full((2, B), 0.5), pars=np.ones((6, B)), tol=tol)


def bench_competition(quick):
    """Basins-like workload: a grid of starts of a bistable competition model, each
    integrated to t = 40 (the basins of odekit.competition label a start by where it
    ends); odekit's batch mode against heyoka's on one thread."""
    import numba
    from scipy.integrate import solve_ivp as sp_ivp

    from odekit.integrate.taylor import solve_taylor_ensemble
    from odekit.integrate.taylor._batch import DEFAULT_WIDTH

    na = 40 if quick else 100
    pars = np.array([1.0, 0.8, 1.0, 1.0, 1.6, 1.4])  # bistable: a12 > K1/K2, a21 > K2/K1
    X, Y = np.meshgrid(np.linspace(0.01, 1.5, na), np.linspace(0.01, 1.5, na))
    starts = np.stack([X.ravel(), Y.ravel()], 1)
    npts = starts.shape[0]
    T = 40.0
    sub = np.arange(0, npts, max(1, npts // 200))
    ref = np.array([sp_ivp(lambda t, y: [
        pars[0] * y[0] * (1 - (y[0] + pars[4] * y[1]) / pars[2]),
        pars[1] * y[1] * (1 - (y[1] + pars[5] * y[0]) / pars[3])], (0.0, T), starts[i],
        method="DOP853", rtol=1e-13, atol=1e-15).y[:, -1] for i in sub])
    print(f"== competition basins workload: {na}x{na} starts in [0.01, 1.5]^2, t in [0, 40], "
          f"params {pars.tolist()}; error = max |y(40) - ref| on {sub.size} starts against "
          f"SciPy DOP853 at 1e-13 ==")
    B = hy.recommended_simd_size() if hy is not None else 4
    nthreads = numba.get_num_threads()
    for tol in [1e-6, 1e-9, 1e-12]:
        def run_o():
            return solve_taylor_ensemble(competition, (0.0, T), starts, params=pars, tol=tol)
        r = run_o()
        e_o = float(np.max(np.abs(r.y[sub, :, -1] - ref)))
        if hy is not None:
            ta = _hy_competition(tol, B)
            ta.pars[:] = pars[:, None]
            out = np.empty((npts, 2))

            def run_h():
                for j in range(0, npts, B):
                    sj = starts[j:j + B]
                    m = sj.shape[0]
                    st = np.empty((2, B))
                    st[:, :m] = sj.T
                    st[:, m:] = sj[-1][:, None]
                    ta.state[:] = st
                    ta.set_time(0.0)
                    ta.propagate_until(T)
                    out[j:j + m] = ta.state[:, :m].T

            run_h()
            e_h = float(np.max(np.abs(out[sub] - ref)))
        else:
            run_h, e_h = (lambda: None), math.nan
        numba.set_num_threads(1)
        t1, th = _median_pair(run_o, run_h, 5 if quick else 11)
        numba.set_num_threads(nthreads)
        print(f"tol {tol:.0e}: odekit batch (W={DEFAULT_WIDTH}) "
              f"{np.median(t1) / npts * 1e6:.2f} us/start "
              f"[min {t1.min() / npts * 1e6:.2f}] on 1 thread; err {e_o:.1e}, steps "
              f"{r.nfev.mean():.1f} | heyoka batch (B={B}) {np.median(th) / npts * 1e6:.2f} "
              f"[min {th.min() / npts * 1e6:.2f}] us/start; err {e_h:.1e} | per-core ratio "
              f"(medians) {np.median(th) / np.median(t1):.2f}, (minima) "
              f"{th.min() / t1.min():.2f}")


_PL_COMPILE = r"""
import sys, time, numpy as np
sys.path.insert(0, {root!r}); sys.path.insert(0, {here!r})
from odekit.integrate.taylor import solve_taylor, _solve, _codegen
def warm(t, y, p):
    return np.array([y[1], -y[0]])
solve_taylor(warm, (0.0, 1.0), [1.0, 0.0], tol=1e-10)  # odekit and its driver loaded
from _wp_problems import pleiades_inplace
t0 = time.perf_counter()
pr = _solve.prepare(pleiades_inplace, 28, 1, {P}, mode={mode!r})
dt = time.perf_counter() - t0
print(dt, pr.mode, _codegen.unrolled_terms(pr.D, {P}))
"""


def bench_pleiades_compile(quick):
    """Compile time of the Pleiades right-hand side (28 states, 343 elementary operations)
    per order, unrolled and compact kernel, in fresh processes where odekit is loaded (a
    first solve of another function done): new (empty cache directory) and from the disk
    cache (a second process on the same directory)."""
    print("== Pleiades: compile time of a new right-hand side per order and kernel mode "
          "(fresh process, odekit loaded; 'cached' = a second process, same cache "
          "directory); 'auto' is the mode the size rule picks ==")
    root = os.path.join(os.path.dirname(__file__), "..")
    here = os.path.dirname(os.path.abspath(__file__))
    from odekit.integrate.taylor import order_from_tol
    orders = sorted({order_from_tol(t) for t in (1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11,
                                                 1e-12)})
    if quick:
        orders = orders[:1]
    print(f"  order  estimate  auto      unrolled new  cached   compact new  cached   "
          f"(load {os.getloadavg()[0]:.1f})")
    for P in orders:
        row = {}
        for mode in ("unrolled", "compact"):
            with tempfile.TemporaryDirectory() as d:
                env = dict(os.environ, ODEKIT_CACHE_DIR=d)
                src = _PL_COMPILE.format(root=root, here=here, P=P, mode=mode)
                runs = [subprocess.run([sys.executable, "-c", src], env=env,
                                       capture_output=True, text=True, check=True
                                       ).stdout.split() for _ in range(2)]
            row[mode] = (float(runs[0][0]), float(runs[1][0]))
            est = float(runs[0][2])
        from odekit.integrate.taylor._codegen import COMPACT_ABOVE
        auto = "compact" if est > COMPACT_ABOVE else "unrolled"
        print(f"  {P:5d}  {est:8.0f}  {auto:8s}  {row['unrolled'][0]:8.2f} s "
              f"{row['unrolled'][1]:6.3f} s  {row['compact'][0]:8.2f} s  "
              f"{row['compact'][1]:6.3f} s", flush=True)
    print(f"  (auto: compact above an estimate of {COMPACT_ABOVE:.0f} products, "
          f"odekit.integrate.taylor._codegen.unrolled_terms)")


def _hy_pleiades(y0, tol):
    xs = hy.make_vars(*[f"x{i}" for i in range(7)])
    ys = hy.make_vars(*[f"y{i}" for i in range(7)])
    vx = hy.make_vars(*[f"vx{i}" for i in range(7)])
    vy = hy.make_vars(*[f"vy{i}" for i in range(7)])
    ax, ay = [0.0] * 7, [0.0] * 7
    for i in range(7):
        for j in range(i + 1, 7):
            dx, dy = xs[j] - xs[i], ys[j] - ys[i]
            r2 = dx * dx + dy * dy
            r3 = r2 * hy.sqrt(r2)
            fx, fy = dx / r3, dy / r3
            ax[i] = ax[i] + (j + 1.0) * fx
            ay[i] = ay[i] + (j + 1.0) * fy
            ax[j] = ax[j] - (i + 1.0) * fx
            ay[j] = ay[j] - (i + 1.0) * fy
    sys_ = ([(xs[i], vx[i]) for i in range(7)] + [(ys[i], vy[i]) for i in range(7)]
            + [(vx[i], ax[i]) for i in range(7)] + [(vy[i], ay[i]) for i in range(7)])
    return hy.taylor_adaptive(sys_, y0.copy(), tol=tol)


def bench_pleiades(quick):
    """Pleiades over [0, 3] per solve: odekit's compact and unrolled kernels (forced,
    through the internal entry point) and heyoka, alternating; error = relative 2-norm
    distance of y(3) from the mpmath reference of bench_work_precision."""
    import math

    from _wp_problems import PLEIADES_Y0, make_problems, pleiades_inplace, reference

    from odekit.integrate.taylor import _solve, order_from_tol

    pb = make_problems(floquet_n=2)[1]
    try:
        reference(pb, allow_compute=False)
        ref = np.asarray(pb.ref, dtype=float).ravel()
    except RuntimeError as exc:
        print(f"(no reference: {exc}; errors are nan)")
        ref = None
    print("== Pleiades (28 states), t in [0, 3], per solve: odekit compact and unrolled "
          "kernels, heyoka; alternating calls, medians [min-p90] ==")
    y0 = np.array(PLEIADES_Y0)
    p = np.zeros(1)
    reps = 5 if quick else 31

    def err(y):
        return math.nan if ref is None else float(np.linalg.norm(y - ref) /
                                                   np.linalg.norm(ref))
    for tol in ([1e-8] if quick else [1e-6, 1e-8, 1e-10, 1e-12]):
        P = order_from_tol(tol)
        preps = {m: _solve.prepare(pleiades_inplace, 28, 1, P, mode=m)
                 for m in ("compact", "unrolled")}
        fs = {m: (lambda m=m: _solve._run(preps[m], 0.0, 3.0, y0, p, None, [], False,
                                          100_000, math.inf)) for m in preps}
        errs = {m: err(fs[m]().y[:, -1]) for m in fs}
        if hy is not None:
            ta = _hy_pleiades(y0, tol)

            def run_h():
                ta.time = 0.0
                ta.state[:] = y0
                ta.propagate_until(3.0)
            run_h()
            fs["heyoka"] = run_h
            errs["heyoka"] = err(ta.state.copy())
        ts = {m: [] for m in fs}
        for _ in range(reps):
            for m, f in fs.items():
                ts[m].append(_time(f))
        med = {m: float(np.median(v)) for m, v in ts.items()}
        line = "  ".join(f"{m} {med[m] * 1e3:.3f} ms [{np.min(ts[m]) * 1e3:.3f}-"
                         f"{np.percentile(ts[m], 90) * 1e3:.3f}] err {errs[m]:.1e}"
                         for m in fs)
        ratio = f"; compact/unrolled {med['compact'] / med['unrolled']:.2f}"
        if "heyoka" in med:
            ratio += (f", heyoka/compact {med['heyoka'] / med['compact']:.2f}, "
                      f"heyoka/unrolled {med['heyoka'] / med['unrolled']:.2f}")
        print(f"tol {tol:.0e} (order {P}): {line}{ratio}", flush=True)


SECTIONS = {"arenstorf": bench_arenstorf, "overhead": bench_overhead,
            "compile": bench_compile, "mathieu": bench_mathieu,
            "competition": bench_competition, "pleiades_compile": bench_pleiades_compile,
            "pleiades": bench_pleiades}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=sorted(SECTIONS))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    import numba
    print(f"odekit Taylor vs heyoka {getattr(hy, '__version__', 'absent')}; numba "
          f"{numba.__version__}; {os.cpu_count()} CPUs, shared and noisy (other jobs "
          f"running: load {os.getloadavg()[0]:.1f}); medians of alternating runs")
    for name, f in SECTIONS.items():
        if args.only in (None, name):
            f(args.quick)


if __name__ == "__main__":
    main()
