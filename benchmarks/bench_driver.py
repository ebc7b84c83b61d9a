#!/usr/bin/env python
"""The one compiled driver against the per-right-hand-side generated kernels it replaced.

Run from the repository root::

    PYTHONPATH=. python benchmarks/bench_driver.py --old PATH [--quick]

``PATH`` holds a copy of the previous core as a package named ``odekit_old`` (made from a
commit before the driver, e.g. ``git archive 7ebf730 odekit | tar -x -C PATH`` then the
package renamed and its absolute ``odekit`` imports rewritten to ``odekit_old``). Without
``--old`` only the new core is measured.

What is measured:

1. **Compile time of a new right-hand side** in a process where odekit itself is cached:
   a fresh subprocess writes a module with a never-seen right-hand side (a unique
   constant in its body), imports odekit, and times the first ``solve_ivp`` minus the
   second (the compile), for each core, several times.
2. **Arenstorf, DOP853, one solve** (rtol 1e-10, atol 1e-12, one period) in one process,
   old and new alternating round by round; median time per solve and the range over
   rounds; the achieved error |y(T) - y0|. Both the returning form and the in-place form.
3. **Events**: a harmonic oscillator over 50 time units (16 zero crossings located),
   DOP853 at rtol 1e-10, old and new alternating.
4. **Floquet workload**: ``odekit.mathieu.stability_chart(a, q, method="integrate")`` on a
   200 x 200 grid (40 000 ensemble members of a 6-state system), alternating; and the
   largest difference of the traces between the two cores.

5. **The driver per step, against CyRK** (skipped with a reason if CyRK is absent): the
   same algorithm (DOP853, Vern7) and the same steps on the linear problem
   ``dy[i] = -p[0] y[i]``, i < n, t in [0, 200], rtol 1e-8, atol 1e-10, for n = 2 ... 28:
   odekit's compiled driver called from a compiled loop (``solve_one``, no Python in the
   way) against CyRK's ``nbsolve2_ivp`` with a ``cfunc`` called from a compiled loop (its
   C++ driver; the solution object is made and freed each time, as it must be).
   Alternating, thread CPU time, medians; ``solve_ivp`` (Python-level call) beside.

Times are medians; compile time is never inside a per-solve time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

MU = 0.012277471
Y0 = np.array([0.994, 0.0, 0.0, -2.00158510637908252240537862224])
T1 = 17.0652165601579625588917206249
P = np.array([MU])


def arenstorf(t, y, p):
    mu = p[0]
    mup = 1.0 - mu
    x, vx, yy, vy = y[0], y[1], y[2], y[3]
    d1 = ((x + mu) ** 2 + yy ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + yy ** 2) ** 1.5
    return np.array([vx, x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2, vy,
                     yy - 2 * vx - mup * yy / d1 - mu * yy / d2])


def oscillator(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = -p[0] * p[0] * y[0]


def position(t, y, p):
    return y[0]


def arenstorf_inplace(t, y, p, dydt):
    mu = p[0]
    mup = 1.0 - mu
    x, vx, yy, vy = y[0], y[1], y[2], y[3]
    d1 = ((x + mu) ** 2 + yy ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + yy ** 2) ** 1.5
    dydt[0] = vx
    dydt[1] = x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2
    dydt[2] = vy
    dydt[3] = yy - 2 * vx - mup * yy / d1 - mu * yy / d2


def linear_decay(t, y, p, dydt):
    for i in range(y.shape[0]):
        dydt[i] = -p[0] * y[i]


def driver_vs_cyrk(rounds, dims=(2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 20, 24, 28),
                   methods=("DOP853", "Vern7")):
    """Part 5: odekit's compiled driver against CyRK's, per solve and per step."""
    try:
        import CyRK
    except ImportError as exc:
        print(f"\n5. driver against CyRK: skipped (CyRK not importable: {exc})")
        return
    import numba
    from numba import carray

    import odekit
    from odekit.integrate import _driver
    from odekit.integrate import _validate as V
    from odekit.integrate import ivp as I
    from odekit.integrate._tableaux import get_tableau

    nb2 = CyRK.nbsolve2_ivp
    f = numba.njit(linear_decay)

    @numba.njit
    def cy_loop(R, addr, span, y0, p, method, rtol, atol):
        acc = 0.0
        for _ in range(R):
            sol = nb2(addr, span, y0, method=method, args=p, rtol=rtol, atol=atol)
            acc += sol.y[0, -1]
            sol.free()
        return acc

    @numba.njit
    def ok_loop(R, args, y0):
        W = args[28]
        ist = args[31]
        acc = 0.0
        for _ in range(R):
            for j in range(ist.shape[0]):
                ist[j] = 0
            for j in range(y0.shape[0]):
                W[0, j] = y0[j]
            _driver.solve_one(*args)
            acc += W[0, 0]
        return acc

    span = (0.0, 200.0)
    rtol, atol = 1e-8, 1e-10
    R = 100
    clock = time.thread_time
    print("\n5. the driver per step against CyRK's (same algorithm, same steps): linear "
          "decay, n states,\n   t in [0, 200], rtol 1e-8, atol 1e-10; thread CPU time per "
          "solve, median [min, max];\n   odekit's solve_one and CyRK's nbsolve2_ivp each from "
          "a compiled loop; odekit's solve_ivp beside")
    print(f"   {'n':>3s} {'method':7s} {'steps':>7s}  {'odekit driver':>24s}  "
          f"{'CyRK':>24s}  {'ratio':>6s}  {'ns/step odekit, CyRK':>20s}  {'solve_ivp':>9s}"
          f"  |dy|")
    for n in dims:
        @numba.cfunc(CyRK.nb.numba_solver.cyjit_sig)
        def rhs_c(dy, t, y, a):
            f(t, carray(y, (n,)), carray(a, (1,)), carray(dy, (n,)))

        y0 = np.linspace(1.0, 2.0, n)
        p = np.array([1.0])
        for m in methods:
            disp, inplace = V.prepare_rhs(linear_decay, span[0], y0, p)
            fa, fj = I.rhs_addresses(disp, inplace)
            ga, gj = I.no_events_addresses()
            tab = get_tableau(m, rtol=rtol)
            A, c, b, E, E3, P, ints, err_exp = I.kernel_arrays(tab)
            rt, at = V.check_tolerances(rtol, atol, n)
            S, D = tab.n_total, tab.dense_degree
            NF, NI = np.empty(0), np.empty(0, dtype=np.int64)
            W = np.zeros((5, n))
            args = (fa, fj, ga, gj, span[0], span[1], p, A, c, b, E, E3, P, ints, err_exp,
                    rt, at, 0.0, np.inf, 10 ** 9, NF, True, False, NF, NI, NI,
                    np.zeros((S, n)), np.zeros((D, n)), W, np.zeros((69, 1)), np.zeros(2),
                    np.zeros(8, dtype=np.int64), np.empty(1024), np.empty((1024, n)), NI,
                    NF, np.empty((0, n)), NF, NF, np.empty((0, n)), np.empty((0, D, n)))
            r = odekit.solve_ivp(linear_decay, span, y0, params=p, method=m, rtol=rtol,
                                 atol=atol)
            ok_loop(1, args, y0)
            assert np.array_equal(W[0], r.y[:, -1])
            cy_loop(1, rhs_c.address, span, y0, p, m, rtol, atol)
            sol = nb2(rhs_c.address, span, y0, method=m, args=p, rtol=rtol, atol=atol)
            dy = float(np.max(np.abs(sol.y[:, -1] - r.y[:, -1])))
            ta, tb, tc = [], [], []
            for _ in range(rounds):
                t = clock()
                ok_loop(R, args, y0)
                ta.append((clock() - t) / R)
                t = clock()
                cy_loop(R, rhs_c.address, span, y0, p, m, rtol, atol)
                tb.append((clock() - t) / R)
                t = clock()
                for _ in range(R // 4):
                    odekit.solve_ivp(linear_decay, span, y0, params=p, method=m, rtol=rtol,
                                     atol=atol)
                tc.append((clock() - t) / (R // 4))
            st = r.nsteps + r.nrejected
            ma, mb = statistics.median(ta), statistics.median(tb)
            print(f"   {n:3d} {m:7s} {r.nsteps:3d}+{r.nrejected:<3d}  {fmt_range(ta)}  "
                  f"{fmt_range(tb)}  {ma / mb:6.3f}  {ma / st * 1e9:8.0f} {mb / st * 1e9:8.0f}"
                  f"     {statistics.median(tc) * 1e6:6.1f} us  {dy:.0e}")


COMPILE_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path[:0] = {paths!r}
    import numpy as np
    import {pkg} as ok
    import user_rhs_{tag} as u
    import user_rhs_{tag}b as v
    out = []
    for mod in (u, v):
        t = time.perf_counter()
        ok.solve_ivp(mod.f, (0.0, 1.0), [1.0, 0.0], params=[2.0])
        first = time.perf_counter() - t
        t = time.perf_counter()
        ok.solve_ivp(mod.f, (0.0, 1.0), [1.0, 0.0], params=[2.0])
        out.append(first - (time.perf_counter() - t))
    print("RESULT", *out)
""")

USER_RHS = textwrap.dedent("""
    import numpy as np
    def f(t, y, p, dydt):
        dydt[0] = y[1]
        dydt[1] = -p[0] * y[0] + {c!r} * y[1]
""")


def compile_time(pkg, old_path, workdir, env):
    tag = uuid.uuid4().hex[:12]
    for suffix, c in (("", 1e-12), ("b", 2e-12)):
        with open(os.path.join(workdir, f"user_rhs_{tag}{suffix}.py"), "w") as fh:
            fh.write(USER_RHS.format(c=float(int(tag[:6], 16)) * c))
    code = COMPILE_SCRIPT.format(paths=[workdir, ROOT] + ([old_path] if old_path else []),
                                 pkg=pkg, tag=tag)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=900, check=True, cwd=workdir).stdout
    return tuple(float(v) for v in out.split("RESULT")[1].split())


CLOCK = time.perf_counter  # --cpu: time.process_time (CPU time of the process, all threads)


def per_call(fn, min_time=0.3):
    number = 1
    while True:
        t = CLOCK()
        for _ in range(number):
            fn()
        dt = CLOCK() - t
        if dt >= min_time or number >= 100_000:
            return dt / number
        number *= 2


def fmt_range(v, scale=1e6, unit="us"):
    return (f"{statistics.median(v) * scale:8.1f} {unit} "
            f"[{min(v) * scale:.1f}, {max(v) * scale:.1f}]")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", help="folder holding the previous core as package odekit_old")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--grid", type=int, default=200)
    ap.add_argument("--only-cyrk", action="store_true",
                    help="run part 5 only (the driver per step against CyRK)")
    ap.add_argument("--cpu", action="store_true",
                    help="time parts 2-4 in CPU time (less sensitive to a loaded machine)")
    args = ap.parse_args(argv)
    if args.only_cyrk:
        driver_vs_cyrk(3 if args.quick else 7)
        return
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    if args.old:
        sys.path.insert(0, args.old)
    import numba

    import odekit
    import odekit.mathieu  # noqa: F401
    cores = {"new": odekit}
    if args.old:
        import odekit_old
        import odekit_old.mathieu  # noqa: F401
        cores = {"old": odekit_old, "new": odekit}
    rounds = 3 if args.quick else 7
    print(f"numba {numba.__version__}, {numba.get_num_threads()} threads; "
          f"{'CPU time (process_time)' if args.cpu else 'wall time'}; "
          f"machine shared with other jobs (noisy): medians and [min, max] over rounds")

    # 1. compile time of a new right-hand side, odekit's own kernels cached
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as wd:
        for name, mod in cores.items():  # warm each core's own cache first
            compile_time(mod.__name__, args.old, wd, env)
        ct = {name: [] for name in cores}
        for _ in range(2 if args.quick else 3):
            for name, mod in cores.items():
                ct[name].append(compile_time(mod.__name__, args.old, wd, env))
    print("\n1. compile time of a new right-hand side, odekit cached: first solve minus second")
    print("   (a) the first solve of a fresh process (includes Numba's own start-up, loading")
    print("       the cached driver, compiling the function); (b) a second new function in")
    print("       the same process (the notebook case: an edited function)")
    for name in cores:
        print(f"   {name:4s} (a) {fmt_range([v[0] for v in ct[name]], 1.0, 's')}   "
              f"(b) {fmt_range([v[1] for v in ct[name]], 1.0, 's')}")

    # 2. Arenstorf
    print("\n2. Arenstorf, DOP853, rtol 1e-10, atol 1e-12, one period: time per solve")
    for label, fun in (("returning", arenstorf), ("in-place", arenstorf_inplace)):
        times = {name: [] for name in cores}
        errs = {}
        for name, mod in cores.items():
            r = mod.solve_ivp(fun, (0.0, T1), Y0, params=P, rtol=1e-10, atol=1e-12)
            errs[name] = (float(np.linalg.norm(r.y[:, -1] - Y0)), r.nfev)
        for _ in range(rounds):
            for name, mod in cores.items():
                times[name].append(per_call(lambda: mod.solve_ivp(
                    fun, (0.0, T1), Y0, params=P, rtol=1e-10, atol=1e-12)))
        for name in cores:
            print(f"   {label:9s} {name:4s} {fmt_range(times[name])}   error "
                  f"{errs[name][0]:.3e}  nfev {errs[name][1]}")
        if "old" in cores:
            ratios = [a / b for a, b in zip(times["new"], times["old"])]
            print(f"   {label:9s} new/old per round: median {statistics.median(ratios):.3f} "
                  f"[{min(ratios):.3f}, {max(ratios):.3f}]")

    # 3. events
    print("\n3. events: oscillator over [0, 50], every zero of y[0] located, DOP853 rtol 1e-10")
    times = {name: [] for name in cores}
    nev = {}
    for name, mod in cores.items():
        r = mod.solve_ivp(oscillator, (0.0, 50.0), [1.0, 0.0], params=[1.0], rtol=1e-10,
                          atol=1e-12, events=[mod.Event(position)])
        te = r.t_events[0]
        nev[name] = (te.size, float(np.max(np.abs(te - (np.arange(te.size) + 0.5) * np.pi))))
    for _ in range(rounds):
        for name, mod in cores.items():
            ev = [mod.Event(position)]
            times[name].append(per_call(lambda: mod.solve_ivp(
                oscillator, (0.0, 50.0), [1.0, 0.0], params=[1.0], rtol=1e-10, atol=1e-12,
                events=ev)))
    for name in cores:
        print(f"   {name:4s} {fmt_range(times[name])}   {nev[name][0]} events, largest "
              f"error {nev[name][1]:.2e}")
    if "old" in cores:
        ratios = [a_ / b_ for a_, b_ in zip(times["new"], times["old"])]
        print(f"   new/old per round: median {statistics.median(ratios):.3f} "
              f"[{min(ratios):.3f}, {max(ratios):.3f}]")

    # 4. Floquet workload
    n = 60 if args.quick else args.grid
    a = np.linspace(-5.0, 20.0, n)
    q = np.linspace(0.0, 15.0, n)
    print(f"\n4. Floquet workload: stability_chart({n}x{n}, method='integrate')")
    charts = {}
    times = {name: [] for name in cores}
    for name, mod in cores.items():
        charts[name] = mod.mathieu.stability_chart(a, q, method="integrate")
    for _ in range(max(3, rounds // 2)):
        for name, mod in cores.items():
            t = CLOCK()
            mod.mathieu.stability_chart(a, q, method="integrate")
            times[name].append(CLOCK() - t)
    for name in cores:
        print(f"   {name:4s} {fmt_range(times[name], 1e3, 'ms')}   "
              f"{statistics.median(times[name]) / n / n * 1e6:.2f} us/point")
    if "old" in cores:
        ratios = [a_ / b_ for a_, b_ in zip(times["new"], times["old"])]
        print(f"   new/old per round: median {statistics.median(ratios):.3f} "
              f"[{min(ratios):.3f}, {max(ratios):.3f}]")
        ta = np.asarray(charts["old"].trace)
        tb = np.asarray(charts["new"].trace)
        print(f"   largest |trace difference| old vs new: {np.max(np.abs(ta - tb)):.3e}")

    # 5. the driver against CyRK's
    driver_vs_cyrk(3 if args.quick else 7)


if __name__ == "__main__":
    main()
