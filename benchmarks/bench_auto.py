#!/usr/bin/env python
"""Work-precision of odekit's explicit methods, and the rule behind ``method="auto"``.

Run from the repository root (odekit need not be installed)::

    PYTHONPATH=. python benchmarks/bench_auto.py            # full (a few minutes)
    PYTHONPATH=. python benchmarks/bench_auto.py --quick    # fewer tolerances and repeats

What is measured
----------------
Four problems: Arenstorf (one period), Lorenz (t in [0, 10]), Van der Pol mu = 1 (t in
[0, 20]) and Pleiades (28 states, t in [0, 3]). For every adaptive method of the registry
and rtol = 1e-2 ... 1e-13 (atol = rtol * 1e-2), one ``odekit.solve_ivp`` call with
``t_eval=[t1]`` (the integrator itself, without the per-step recording): the time per
solve, the number of right-hand-side evaluations (nfev) and the error actually achieved at
t1 (max-norm) against a reference: SciPy DOP853 at rtol 1e-13, atol 1e-15, cross-checked
against odekit Vern9 at rtol 3e-14 (their difference is printed as the reference's
uncertainty; errors below 10x it are not trusted). Arenstorf's reference is its initial
state (the orbit is periodic).

Method
------
One process; every right-hand side is compiled once before timing (the compile time is
reported apart: all methods share one compiled kernel per right-hand side, a method being
data). Timed rounds alternate the methods (every method once per round, in a rotated order),
each measurement repeats the solve until 20 ms have passed and takes the per-solve mean;
the reported time is the median over rounds, with its range. "At equal error": for each
method, log(time) and log(nfev) are interpolated linearly in log(error) along the
method's work-precision front (the measured points no other point of the same method beats
on both error and cost); an error level above a method's loosest measured error costs that
loosest (cheapest) solve, at error levels 1e-3 ... 1e-11; ratios are against DOP853 at the same
error.

The auto rule: for each rtol, the error level it asks for is taken as the geometric mean
of the errors the methods achieve at that rtol on that problem; the fastest method at that
error (interpolated) wins; the table shows, per rtol, the winner on each problem and the
time of each candidate relative to the best.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import odekit  # noqa: E402
from odekit.integrate._tableaux import ADAPTIVE_METHODS, AUTO_RULE, auto_method  # noqa: E402


# ----------------------------------------------------------------------------------------
# problems (in-place right-hand sides, module level so their kernels cache)

def arenstorf(t, y, p, dydt):
    mu = p[0]
    mup = 1.0 - mu
    x, vx, yy, vy = y[0], y[1], y[2], y[3]
    d1 = ((x + mu) ** 2 + yy ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + yy ** 2) ** 1.5
    dydt[0] = vx
    dydt[1] = x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2
    dydt[2] = vy
    dydt[3] = yy - 2 * vx - mup * yy / d1 - mu * yy / d2


def lorenz(t, y, p, dydt):
    dydt[0] = p[0] * (y[1] - y[0])
    dydt[1] = y[0] * (p[1] - y[2]) - y[1]
    dydt[2] = y[0] * y[1] - p[2] * y[2]


def vanderpol(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]


def pleiades(t, y, p, dydt):
    # y = (x1..x7, y1..y7, vx1..vx7, vy1..vy7), masses m_j = j (Hairer, Norsett & Wanner I)
    for i in range(7):
        dydt[i] = y[14 + i]
        dydt[7 + i] = y[21 + i]
        ax = 0.0
        ay = 0.0
        for j in range(7):
            if j != i:
                dx = y[j] - y[i]
                dy = y[7 + j] - y[7 + i]
                r2 = dx * dx + dy * dy
                r3 = r2 * math.sqrt(r2)
                ax += (j + 1) * dx / r3
                ay += (j + 1) * dy / r3
        dydt[14 + i] = ax
        dydt[21 + i] = ay


def _scipy_form(f, p):
    def g(t, y):
        out = np.empty_like(y)
        f(t, y, p, out)
        return out
    return g


PLEIADES_Y0 = np.array([
    3.0, 3.0, -1.0, -3.0, 2.0, -2.0, 2.0,
    3.0, -3.0, 2.0, 0.0, 0.0, -4.0, 4.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 1.75, -1.5,
    0.0, 0.0, 0.0, -1.25, 1.0, 0.0, 0.0])

PROBLEMS = {
    "Arenstorf": (arenstorf, np.array([0.994, 0.0, 0.0, -2.00158510637908252240537862224]),
                  17.0652165601579625588917206249, np.array([0.012277471])),
    "Lorenz": (lorenz, np.array([1.0, 0.0, 0.0]), 10.0, np.array([10.0, 28.0, 8.0 / 3.0])),
    "VanderPol": (vanderpol, np.array([2.0, 0.0]), 20.0, np.array([1.0])),
    "Pleiades": (pleiades, PLEIADES_Y0, 3.0, np.empty(0)),
}


def reference(name):
    """(reference state at t1, its uncertainty). Arenstorf: the orbit is periodic, so y0
    (given to 30 digits; every solver's rounding floor, ~1e-11 here, is far above that)."""
    from scipy.integrate import solve_ivp as sp_solve

    f, y0, t1, p = PROBLEMS[name]
    if name == "Arenstorf":
        return y0.copy(), 1e-13
    ref = sp_solve(_scipy_form(f, p), (0.0, t1), y0, method="DOP853", rtol=1e-13,
                   atol=1e-15).y[:, -1]
    check = odekit.solve_ivp(f, (0.0, t1), y0, params=p, method="Vern9", rtol=3e-14,
                             atol=3e-16, t_eval=[t1], max_steps=10**7).y[:, -1]
    return ref, float(np.max(np.abs(ref - check)))


def solve(name, method, rtol):
    f, y0, t1, p = PROBLEMS[name]
    return odekit.solve_ivp(f, (0.0, t1), y0, params=p, method=method, rtol=rtol,
                            atol=rtol * 1e-2, t_eval=[t1], max_steps=10**7)


def timed(name, method, rtol, budget):
    n = 0
    t0 = time.perf_counter()
    while True:
        solve(name, method, rtol)
        n += 1
        el = time.perf_counter() - t0
        if el >= budget:
            return el / n


def interp(x_err, y, target):
    """y at error ``target`` by linear interpolation in log-log (None outside the range)."""
    le = np.log10(np.asarray(x_err))
    ly = np.log10(np.asarray(y))
    order = np.argsort(le)
    le, ly = le[order], ly[order]
    lt = math.log10(target)
    if lt < le[0] or lt > le[-1]:
        return None
    return 10 ** float(np.interp(lt, le, ly))


def skip(method, rtol):
    """Combinations that would take minutes for nothing (BS3 at tight tolerances)."""
    return method == "BS3" and rtol < 1e-9


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rtols = [10.0 ** -k for k in (range(2, 14, 2) if args.quick else range(2, 14))]
    rounds = 3 if args.quick else 5
    budget = 0.01 if args.quick else 0.02
    methods = list(ADAPTIVE_METHODS)

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    print(f"bench_auto at {commit}; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs; odekit threads {odekit._jit.num_threads()}")
    print(f"methods {methods}; rtol {rtols[0]:g} .. {rtols[-1]:g}; atol = rtol * 1e-2; "
          f"{rounds} alternating rounds, {budget * 1e3:.0f} ms per measurement\n")

    print("compile (first solve - later solve), one kernel per right-hand side:")
    for name in PROBLEMS:
        t0 = time.perf_counter()
        solve(name, "DOP853", 1e-6)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        solve(name, "DOP853", 1e-6)
        print(f"  {name:10s} {first - (time.perf_counter() - t0):6.2f} s")

    results = {}  # (problem, method, rtol) -> dict
    failed = []
    for name in PROBLEMS:
        ref, unc = reference(name)
        print(f"\n=== {name}: reference uncertainty (SciPy DOP853 1e-13 vs odekit Vern9 "
              f"3e-14) {unc:.1e}")
        for m in methods:
            for r in rtols:
                if skip(m, r):
                    continue
                try:
                    res = solve(name, m, r)
                except odekit.IntegrationError as exc:
                    failed.append(f"{name} {m} rtol={r:.0e}: {exc}")
                    continue
                err = float(np.max(np.abs(res.y[:, -1] - ref)))
                results[(name, m, r)] = dict(err=err, nfev=res.nfev, nsteps=res.nsteps,
                                             times=[], trusted=err > 10 * unc)
        for k in range(rounds):
            order = methods[k % len(methods):] + methods[:k % len(methods)]
            for r in rtols:
                for m in order:
                    if (name, m, r) in results:
                        results[(name, m, r)]["times"].append(timed(name, m, r, budget))
        print(f"{'method':7s} {'rtol':>7s} {'error':>9s} {'nfev':>8s} {'steps':>7s} "
              f"{'time/solve':>11s}  (range)")
        for m in methods:
            for r in rtols:
                d = results.get((name, m, r))
                if d is None:
                    continue
                ts = d["times"]
                med = statistics.median(ts)
                flag = "" if d["trusted"] else " (below ref)"
                print(f"{m:7s} {r:7.0e} {d['err']:9.2e} {d['nfev']:8d} {d['nsteps']:7d} "
                      f"{med * 1e6:9.1f} us  ({min(ts) * 1e6:.1f}-{max(ts) * 1e6:.1f}){flag}")

    if failed:
        print("\nfailed solves (left out):")
        for f in failed:
            print("  " + f)

    # ---- work-precision at equal error, against DOP853
    levels = [10.0 ** -k for k in range(3, 12)]
    print("\n=== at equal achieved error: time and nfev relative to DOP853 "
          "(< 1: fewer / faster)")
    summary = {m: [] for m in methods}
    for name in PROBLEMS:
        print(f"\n{name}")
        print("error   " + " ".join(f"{m:>13s}" for m in methods))
        curves = {}
        for m in methods:
            pts = [(d["err"], statistics.median(d["times"]), d["nfev"])
                   for (pn, mm, r), d in results.items()
                   if pn == name and mm == m and d["trusted"]]
            curves[m] = pts
        for lev in levels:
            base_t = _at(curves["DOP853"], lev, 1)
            base_f = _at(curves["DOP853"], lev, 2)
            cells = []
            for m in methods:
                t = _at(curves[m], lev, 1)
                f = _at(curves[m], lev, 2)
                if t is None or base_t is None:
                    cells.append(f"{'-':>13s}")
                else:
                    cells.append(f"{t / base_t:6.2f}t {f / base_f:5.2f}f")
                    summary[m].append((name, lev, t / base_t, f / base_f))
            print(f"{lev:6.0e}  " + " ".join(cells))
    print("\nmedian over problems and error levels 1e-3..1e-11 (time ratio, nfev ratio vs "
          "DOP853):")
    for m in methods:
        if summary[m]:
            tr = [x[2] for x in summary[m]]
            fr = [x[3] for x in summary[m]]
            print(f"  {m:7s} time {statistics.median(tr):5.2f} (range {min(tr):.2f}-"
                  f"{max(tr):.2f}), nfev {statistics.median(fr):5.2f} (range {min(fr):.2f}-"
                  f"{max(fr):.2f}), over {len(tr)} points")

    # ---- the auto rule
    print("\n=== the fastest method at the error each rtol asks for (geometric mean of the "
          "errors the methods achieve at that rtol); time / best time of each candidate")
    cands = [m for m in methods if m not in ("RK45", "DOP853")] + ["DOP853", "RK45"]
    print(f"{'rtol':>7s} {'problem':10s} {'error':>9s} " + " ".join(f"{m:>7s}" for m in cands)
          + "  best   auto")
    votes = {}
    ratios = {}
    seen = set()
    for r in rtols:
        for name in PROBLEMS:
            errs = [results[(name, m, r)]["err"] for m in methods
                    if (name, m, r) in results and results[(name, m, r)]["trusted"]]
            if len(errs) < 3:
                continue
            lev = math.exp(statistics.fmean(math.log(e) for e in errs))
            times = {}
            for m in cands:
                pts = [(d["err"], statistics.median(d["times"]), d["nfev"])
                       for (pn, mm, rr), d in results.items()
                       if pn == name and mm == m and d["trusted"]]
                t = _at(pts, lev, 1)
                if t is not None:
                    times[m] = t
            if not times:
                continue
            best = min(times, key=times.get)
            votes.setdefault(r, []).append(best)
            seen.add((r, name))
            for m, t in times.items():
                ratios[(r, m)] = ratios.get((r, m), [])
                ratios[(r, m)].append(t / times[best])
            row = " ".join(f"{times[m] / times[best]:7.2f}" if m in times else f"{'-':>7s}"
                           for m in cands)
            print(f"{r:7.0e} {name:10s} {lev:9.1e} {row}  {best:6s} {auto_method(r)}")
    print("\nper rtol, geometric mean over the problems of time / best time (the measured "
          "rule takes the smallest):")
    print(f"{'rtol':>7s} " + " ".join(f"{m:>7s}" for m in cands) + "  measured  auto")
    for r in rtols:
        gm = {}
        for m in cands:
            vals = ratios.get((r, m), [])
            n_probs = len({pn for (rr, pn) in seen if rr == r})
            if vals and len(vals) == n_probs:
                gm[m] = math.exp(statistics.fmean(math.log(v) for v in vals))
        if gm:
            win = min(gm, key=gm.get)
            am = auto_method(r)
            tail = f" ({gm[am]:.2f})" if am in gm else ""
            print(f"{r:7.0e} " + " ".join(f"{gm[m]:7.2f}" if m in gm else f"{'-':>7s}"
                                          for m in cands) + f"  {win:8s}  {am}{tail}")
    print("\nrule now in odekit: " + ", ".join(f"rtol >= {b:g}: {m}" for b, m in AUTO_RULE))
    return results


def _at(pts, level, k):
    """Cost k (1: time, 2: nfev) of reaching error ``level`` on the work-precision front of
    pts (the points that no other point beats on both error and cost: errors need not fall
    monotonically with rtol), interpolated in log-log; above the front's largest error, the
    cost of its cheapest point (the method is more accurate than asked even there)."""
    front = []
    for p in sorted(pts, key=lambda q: q[0]):  # by error, smallest first
        if not front or p[k] < front[-1][k]:
            front.append(p)
    if not front or level < front[0][0]:
        return None  # never that accurate in the measured range
    if level >= front[-1][0]:
        return front[-1][k]  # more accurate than asked even at its loosest: its cheapest
    return interp([p[0] for p in front], [p[k] for p in front], level)


if __name__ == "__main__":
    main()
