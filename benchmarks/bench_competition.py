"""Benchmarks for the competing-species family: basins of attraction and the Gause fit.

1. Basins on a 500 x 500 grid (a bistable model, window (0, 150)^2): odekit's
   :func:`odekit.competition.basins` (parallel ensembles between checkpoints) against SciPy
   ``solve_ivp`` looping over a random subsample of the same starts with the same rule
   (labels at t = 0 and at the same checkpoints), the same polynomial right-hand side (in
   NumPy) and horizon, extrapolated to the grid: SciPy's DOP853 at odekit's tolerances and
   its LSODA and RK45 at about the same achieved error; also the previous odekit (log
   coordinates, a replica) against the previous SciPy baseline, for the before/after.
   Labels are checked on the whole grid against the side of the separatrix. Targets:
   >= 300x SciPy, grid <= 5 s on 2 cores.
2. The Gause (1934) mixture fit end to end (8 starts): :func:`odekit.competition.fit`
   against the same multi-start least_squares (same residuals, bounds, starts, tolerances)
   whose integrations are SciPy's ``solve_ivp``. Target: >= 20x at the same fitted
   parameters to 1e-6 relative.

Compile time is measured apart: the script points ``ODEKIT_CACHE_DIR`` and
``NUMBA_CACHE_DIR`` at fresh empty folders before importing odekit, so the first calls
compile (they include the core's shared kernels, compiled once per installation). Timed
runs alternate the contenders; medians and ranges are printed, with the error each achieved.

    PYTHONPATH=. python benchmarks/bench_competition.py [--quick] [--warm-cache]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time

import numpy as np


def rss_mib():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def log_rhs_numpy(t, z, r, A):
    return r - A @ np.exp(z)


def med(v):
    return statistics.median(v)


def rng_str(v):
    return f"{min(v):.3g}..{max(v):.3g}"


def _dist_to_polyline(pts, line, chunk=2000):
    """Distance of each point to the polyline ``line`` (segments, exact; chunked)."""
    a, b = line[:-1], line[1:]
    ab = b - a
    L2 = np.maximum((ab ** 2).sum(1), 1e-300)
    out = np.empty(len(pts))
    for k in range(0, len(pts), chunk):
        p = pts[k:k + chunk, None, :]
        s = np.clip(((p - a) * ab).sum(2) / L2, 0.0, 1.0)
        d = a + s[..., None] * ab - p
        out[k:k + chunk] = np.sqrt((d ** 2).sum(2).min(1))
    return out


def poly_rhs_numpy(t, x, r, A):
    return x * (r - A @ x)


def poly_rhs_scalar(t, x, r, A):  # the same in Python scalars (cheaper for SciPy at n = 2)
    x0, x1 = x
    return np.array([x0 * (r[0] - A[0, 0] * x0 - A[0, 1] * x1),
                     x1 * (r[1] - A[1, 0] * x0 - A[1, 1] * x1)])


def bench_basins(quick, repeat, fresh):
    from scipy.integrate import solve_ivp as scipy_ivp

    import odekit
    from odekit.competition import TwoSpecies, basins, separatrix
    from odekit.competition._rhs import lv_log_rhs, lv_rhs
    from odekit.competition.phaseplane import _label, basin_horizon

    m = TwoSpecies(0.8, 120.0, 0.012, 1.1, 90.0, 0.015)  # bistable
    xlim = ylim = (0.0, 150.0)
    res = 500
    rtol = 1e-6
    cell = 150.0 / res
    atol = rtol * 0.5 * cell  # as basins: rtol x half a cell (x coordinates)
    t = time.perf_counter()
    basins(m, xlim, ylim, 4)
    first = time.perf_counter() - t
    t = time.perf_counter()
    basins(m, xlim, ylim, 4)
    warm_small = time.perf_counter() - t
    T1, T = basin_horizon(m, xlim, ylim, 1e-3)
    diag = np.hypot(150.0, 150.0)
    att = [e for e in m.equilibria() if e.stable]
    stops = sorted({T1 / 16, T1 / 8, T1 / 4, T1 / 2, T1, T})  # as basins
    stops_old = sorted({T1 / 32, T1 / 8, T1 / 2, T1, T})  # as basins at 188d843
    r, A = m.r.copy(), m.A.copy()
    centres = (np.arange(res) + 0.5) * cell
    X, Y = np.meshgrid(centres, centres)
    grid = np.column_stack([X.ravel(), Y.ravel()])

    def lab(x):  # the same rule as basins: arrival, or a trapping region
        return _label(m, x, att, 1e-3 * diag, 1e-6 * diag)

    def odekit_before():  # basins as at 188d843: log x, no t = 0 labels (replica)
        t = time.perf_counter()
        solve = odekit.solve_ensemble
        labels = np.full(res * res, -1)
        rest, z, t0 = np.arange(res * res), np.log(grid), 0.0
        for t1 in stops_old:
            if rest.size == 0:
                break
            ens = solve(lv_log_rhs, (t0, t1), z, params=m.params, rtol=rtol,
                        atol=rtol * 1e-2, progress=False)
            ze = ens.y[:, :, -1]
            lb = lab(np.exp(ze))
            labels[rest] = lb
            keep = lb < 0
            rest, z, t0 = rest[keep], np.ascontiguousarray(ze[keep]), t1
        return labels

    odekit_before()  # compile the log-coordinate kernel (not timed)

    def odekit_nfev():  # evaluations per start of basins' own loop (a replica, not timed)
        labels = lab(grid)
        rest = np.flatnonzero(labels < 0)
        x, t0, nfev = np.ascontiguousarray(grid[rest]), 0.0, 0
        for t1 in stops:
            if rest.size == 0:
                break
            ens = odekit.solve_ensemble(lv_rhs, (t0, t1), x, params=m.params, rtol=rtol,
                                        atol=atol, progress=False)
            nfev += int(ens.nfev.sum())
            lb = lab(ens.y[:, :, -1])
            labels[rest] = lb
            keep = lb < 0
            rest, x, t0 = rest[keep], np.ascontiguousarray(ens.y[keep, :, -1]), t1
        assert np.array_equal(labels.reshape(res, res), b.labels)
        return nfev / (res * res)
    n_sub = 100 if quick else 500
    g = np.random.default_rng(7)
    idx = g.choice(res * res, n_sub, replace=False)
    sub = grid[idx]

    sp_nfev = {}

    def scipy_run(method, rt, coords):  # the same checkpoints and rule as basins
        out = np.empty((n_sub, 2))
        nfev = 0
        if coords == "log":
            fun, at, to, back, early = log_rhs_numpy, rt * 1e-2, np.log, np.exp, False
            st = stops_old
        else:
            fun = poly_rhs_numpy if coords == "x" else poly_rhs_scalar
            at, to, back, early = rt * 0.5 * cell, None, None, True
            st = stops
        for k in range(n_sub):
            x = sub[k]
            out[k] = x
            if early and lab(x[None])[0] >= 0:
                continue  # decided at t = 0, as in basins
            y, t0 = (to(x) if to else x), 0.0
            for t1 in st:
                sol = scipy_ivp(fun, (t0, t1), y, method=method, rtol=rt, atol=at,
                                args=(r, A))
                y, t0 = sol.y[:, -1], t1
                nfev += sol.nfev
                out[k] = back(y) if back else y
                if lab(out[k][None])[0] >= 0:
                    break
        sp_nfev[(method, rt, coords)] = nfev / n_sub
        return out

    from odekit.competition.phaseplane import _TRAP_MARGIN

    M1, M2 = _TRAP_MARGIN * m.r1, _TRAP_MARGIN * m.r2

    def trap(t, x, r, A):  # > 0 inside a trapping region (twice basins' margin, so that
        g = r - A @ x    # the state where the event stops passes basins' test)
        return max(min(g[0] - 2 * M1, -g[1] - 2 * M2), min(-g[0] - 2 * M1, g[1] - 2 * M2))
    trap.terminal, trap.direction = True, 1.0
    arrive = []
    for a in att:
        def near(t, x, r, A, a=a.x):
            return np.hypot(x[0] - a[0], x[1] - a[1]) - 0.999e-3 * diag
        near.terminal, near.direction = True, -1.0
        arrive.append(near)

    def scipy_events(method, rt):  # SciPy's own way: one call per start, terminal events
        out = np.empty((n_sub, 2))
        for k in range(n_sub):
            x = sub[k]
            if lab(x[None])[0] < 0:  # else decided at t = 0, as in basins
                sol = scipy_ivp(poly_rhs_numpy, (0.0, T), x, method=method, rtol=rt,
                                atol=rt * 0.5 * cell, args=(r, A), events=[trap] + arrive)
                x = sol.y[:, -1]
            out[k] = x
        return out

    # SciPy variants: the same method and tolerances as odekit, and its other methods at
    # a tolerance giving about the same achieved error (chosen beforehand from a scan)
    sp_variants = [("DOP853", rtol, "x"), ("LSODA", 1e-8, "x"), ("RK45", 1e-7, "x"),
                   ("DOP853", rtol, "x, scalar rhs"), ("DOP853", rtol, "log")]
    t_ok, c_ok, t_old, c_old = [], [], [], []
    t_sp = {v: [] for v in sp_variants}
    c_sp = {v: [] for v in sp_variants}
    sp_end = {}
    b = None
    t_ev, c_ev = [], []
    for _ in range(repeat):  # alternate the contenders
        t, c = time.perf_counter(), time.process_time()
        b = basins(m, xlim, ylim, res, rtol=rtol, progress=False)
        t_ok.append(time.perf_counter() - t)
        c_ok.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        old_labels = odekit_before()
        t_old.append(time.perf_counter() - t)
        c_old.append(time.process_time() - c)
        for v in sp_variants:
            t, c = time.perf_counter(), time.process_time()
            sp_end[v] = scipy_run(*v)
            t_sp[v].append((time.perf_counter() - t) / n_sub * res * res)
            c_sp[v].append((time.process_time() - c) / n_sub * res * res)
        t, c = time.perf_counter(), time.process_time()
        ev_end = scipy_events("DOP853", rtol)
        t_ev.append((time.perf_counter() - t) / n_sub * res * res)
        c_ev.append((time.process_time() - c) / n_sub * res * res)
    # accuracy: states at t_first against a tight SciPy run (log x, rtol 1e-12)
    ref = np.empty((n_sub, 2))
    for k in range(n_sub):
        sol = scipy_ivp(log_rhs_numpy, (0.0, T1), np.log(sub[k]), method="DOP853",
                        rtol=1e-12, atol=1e-14, args=(r, A))
        ref[k] = np.exp(sol.y[:, -1])
    ens = odekit.solve_ensemble(lv_rhs, (0.0, T1), sub, params=m.params, rtol=rtol,
                                atol=atol)
    err_ok = np.max(np.abs(ens.y[:, :, -1] - ref)) / 150.0
    ens = odekit.solve_ensemble(lv_log_rhs, (0.0, T1), np.log(sub), params=m.params,
                                rtol=rtol, atol=rtol * 1e-2)
    err_old = np.max(np.abs(np.exp(ens.y[:, :, -1]) - ref)) / 150.0
    err_sp = {}
    for v in sp_variants:
        method, rt, coords = v
        e = np.empty((n_sub, 2))
        for k in range(n_sub):
            if coords == "log":
                sol = scipy_ivp(log_rhs_numpy, (0.0, T1), np.log(sub[k]), method=method,
                                rtol=rt, atol=rt * 1e-2, args=(r, A))
                e[k] = np.exp(sol.y[:, -1])
            else:
                fun = poly_rhs_numpy if coords == "x" else poly_rhs_scalar
                sol = scipy_ivp(fun, (0.0, T1), sub[k], method=method, rtol=rt,
                                atol=rt * 0.5 * cell, args=(r, A))
                e[k] = sol.y[:, -1]
        err_sp[v] = np.max(np.abs(e - ref)) / 150.0
    # labels: the whole grid against the side of the separatrix (an independent oracle)
    curve = np.vstack([br[::-1] if i == 0 else br
                       for i, br in enumerate(separatrix(m, xlim, ylim, num=20_000))])
    above = grid[:, 1] > np.interp(grid[:, 0], curve[:, 0], curve[:, 1])
    k2 = [k for k, a in enumerate(b.attractors) if a.x[0] == 0.0][0]
    truth = np.where(above, k2, 1 - k2)

    def wrong(labels):
        bad = np.flatnonzero((labels >= 0) & (labels != truth))
        d = _dist_to_polyline(grid[bad], curve).max() / 150.0 if bad.size else 0.0
        return f"{bad.size} wrong (farthest {d:.1e} of the window from the separatrix)"
    ok_lab = b.labels.ravel()
    print(f"basins {res} x {res}, bistable TwoSpecies(0.8, 120, 0.012, 1.1, 90, 0.015), "
          f"window (0, 150)^2, checkpoints t = 0, {', '.join(f'{v:.3g}' for v in stops)},"
          f" {odekit._jit.num_threads()} threads; odekit DOP853 rtol {rtol:g} on x "
          f"(polynomial rhs, atol = rtol x half a cell = {atol:.2g})")
    what = "compile" if fresh else "compile or cache load"
    print(f"  first call ({what}): {first:.2f} s; a warm 4x4 call: "
          f"{warm_small * 1e3:.1f} ms")
    print(f"  odekit: {med(t_ok):.2f} s median of {repeat} ({rng_str(t_ok)} s) wall, CPU "
          f"{med(c_ok):.2f} s ({rng_str(c_ok)} s) = {med(c_ok) / res**2 * 1e6:.2f} us CPU "
          f"per start; fractions {np.round(b.fractions, 4).tolist()}, undecided "
          f"{b.undecided:.5f}; labels vs separatrix side: {wrong(ok_lab)}; state error at "
          f"t = {T1:.1f} (max over {n_sub} starts, relative to the window, vs rtol 1e-12) "
          f"{err_ok:.1e}")
    print(f"  odekit before (188d843: log x, atol rtol/100, no t = 0 labels, checkpoints "
          f"{', '.join(f'{v:.3g}' for v in stops_old)}): "
          f"{med(t_old):.2f} s ({rng_str(t_old)} s) wall, CPU {med(c_old):.2f} s "
          f"({rng_str(c_old)} s) = {med(c_old) / res**2 * 1e6:.2f} us per start; "
          f"labels: {wrong(old_labels)}; state error {err_old:.1e}")
    print(f"  scipy solve_ivp, {n_sub} random starts of the grid, extrapolated to "
          f"{res}x{res} (same rule, checkpoints and t = 0 labels; x variants: the same "
          "polynomial rhs, NumPy or Python scalars):")
    best = None
    for v in sp_variants:
        method, rt, coords = v
        agree = np.mean(lab(sp_end[v]) == ok_lab[idx]) * 100
        cr = med(c_sp[v]) / med(c_ok)
        tag = (f"{method} rtol {rt:g} on {coords}" if coords != "log" else
               f"{method} rtol {rt:g} on log x (the 188d843 baseline: its checkpoints, no "
               "t = 0 labels)")
        print(f"    {tag}: wall {med(t_sp[v]):.0f} s ({rng_str(t_sp[v])} s), CPU "
              f"{med(c_sp[v]):.0f} s = {med(c_sp[v]) / res**2 * 1e3:.2f} ms per start; "
              f"state error {err_sp[v]:.1e}; labels agree with odekit on {agree:.1f} %; "
              f"CPU ratio vs odekit {cr:.0f}, vs odekit before "
              f"{med(c_sp[v]) / med(c_old):.0f}")
        if coords != "log" and err_sp[v] <= 3 * max(err_ok, 1e-300) and (
                best is None or med(c_sp[v]) < med(c_sp[best])):
            best = v
    agree = np.mean(lab(ev_end) == ok_lab[idx]) * 100
    print(f"    DOP853 rtol {rtol:g} on x, one call per start with terminal events (entering a "
          f"trapping region, arriving; SciPy's own way, no checkpoints): wall "
          f"{med(t_ev):.0f} s ({rng_str(t_ev)} s), CPU {med(c_ev):.0f} s = "
          f"{med(c_ev) / res**2 * 1e3:.2f} ms per start; state error as DOP853 above; labels "
          f"agree with odekit on {agree:.1f} %; CPU ratio vs odekit "
          f"{med(c_ev) / med(c_ok):.0f}")
    if best is None:
        best = sp_variants[0]
    base = sp_variants[-1]
    ratio = med(t_sp[best]) / med(t_ok)
    print(f"  ratio scipy/odekit (scipy's fastest variant with state error <= 3x odekit's: "
          f"{best[0]} rtol {best[1]:g}) wall {ratio:.0f}, CPU {med(c_sp[best]) / med(c_ok):.0f}"
          f"  (target >= 300; grid <= 5 s: {'met' if med(t_ok) <= 5 else 'NOT met'})")
    print(f"  before (188d843 baseline: odekit and scipy both DOP853 on log x, no t = 0 labels):"
          f" wall {med(t_sp[base]) / med(t_old):.0f}, CPU "
          f"{med(c_sp[base]) / med(c_old):.0f}; CPU per start odekit "
          f"{med(c_old) / res**2 * 1e6:.2f} -> {med(c_ok) / res**2 * 1e6:.2f} us")
    nf_ok = odekit_nfev()
    v0 = sp_variants[0]
    print(f"  why: evaluations per start (same rule and checkpoints) odekit {nf_ok:.1f}, scipy "
          f"{v0[0]} {sp_nfev[v0]:.1f}; CPU per evaluation odekit "
          f"{med(c_ok) / res**2 / nf_ok * 1e9:.0f} ns, scipy "
          f"{med(c_sp[v0]) / res**2 / sp_nfev[v0] * 1e6:.1f} us (its Python step machinery "
          "around a NumPy rhs); the ratio is about their quotient")
    print(f"  peak RSS so far {rss_mib():.0f} MiB")
    return ratio


def bench_fit(quick, repeat, fresh):
    from scipy.integrate import solve_ivp as scipy_ivp

    from odekit.competition import fit
    from odekit.competition.datasets import gause_1934
    from odekit.competition.fit import _multistart, _Problem

    mix = gause_1934().subset("Mixture")
    starts = 2 if quick else 8

    class ScipyProblem(_Problem):
        def predict(self, q, t_eval=None):
            p, x0 = self.lv_params(q)
            r = p[:2]
            A = p[2:].reshape(2, 2)
            te = self.t if t_eval is None else t_eval
            sol = scipy_ivp(log_rhs_numpy, (self.span[0], float(te[-1])), np.log(x0),
                            method="DOP853", t_eval=te, rtol=self.rtol,
                            atol=self.rtol * 1e-2, args=(r, A))
            if sol.status < 0:
                from odekit import IntegrationError

                raise IntegrationError(sol.message)
            return np.exp(sol.y).T

    obs = mix.observations
    w = np.ones_like(obs)

    def scipy_fit():
        prob = ScipyProblem("two-species", mix.day.astype(float), obs, w, True, None, 1e-10)
        sol, costs, nfev = _multistart(prob, starts, np.random.default_rng(0), 1e-10)
        return np.exp(sol.x), sol.cost

    t = time.perf_counter()
    fit(mix.day, obs, starts=1)
    first = time.perf_counter() - t
    t_ok, t_sp, c_ok, c_sp = [], [], [], []
    q_ok = q_sp = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        f = fit(mix.day, obs, starts=starts, seed=0)
        t_ok.append(time.perf_counter() - t)
        c_ok.append(time.process_time() - c)
        q_ok = np.array(list(f.params.values()))
        t, c = time.perf_counter(), time.process_time()
        q_sp, cost_sp = scipy_fit()
        t_sp.append(time.perf_counter() - t)
        c_sp.append(time.process_time() - c)
    rel = np.max(np.abs(q_ok - q_sp) / np.abs(q_sp))
    ratio = med(t_sp) / med(t_ok)
    print(f"Gause (1934) mixture fit, {starts} starts, least_squares trf, integrations "
          "DOP853 rtol 1e-10 (atol 1e-12 on log x), tol 1e-10")
    print(f"  first call (compile{'' if fresh else ' or cache load'}; 1 start): {first:.2f} s")
    print(f"  odekit: {med(t_ok):.3f} s median of {repeat} ({rng_str(t_ok)} s); "
          f"nfev {f.nfev}, RSE {f.residual_standard_error:.4f}")
    print(f"  least_squares + scipy solve_ivp: {med(t_sp):.2f} s ({rng_str(t_sp)} s); "
          f"RSE {np.sqrt(2 * cost_sp / f.dof):.4f}")
    print(f"  CPU ratio {med(c_sp) / med(c_ok):.1f} (odekit {med(c_ok):.3f} s, scipy "
          f"{med(c_sp):.2f} s; both single-threaded here)")
    print(f"  ratio scipy/odekit = {ratio:.1f}  (target >= 20); fitted parameters agree to "
          f"{rel:.1e} relative (target 1e-6)")
    print("  odekit params: " + ", ".join(f"{k}={v:.6g}" for k, v in f.params.items()))
    return ratio


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--warm-cache", action="store_true",
                    help="keep the usual caches (compile times then show cache loads)")
    args = ap.parse_args(argv)
    if not args.warm_cache:
        tmp = tempfile.mkdtemp(prefix="odk-bench-comp-")
        os.environ["ODEKIT_CACHE_DIR"] = os.path.join(tmp, "kernels")
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(tmp, "numba")
    assert "odekit" not in sys.modules
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}  (a shared, noisy machine)")
    repeat = 3
    bench_basins(args.quick, repeat, not args.warm_cache)
    bench_fit(args.quick, repeat, not args.warm_cache)
    print(f"peak RSS {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
