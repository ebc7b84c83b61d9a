"""Benchmarks for the competing-species family: basins of attraction and the Gause fit.

1. Basins on a 500 x 500 grid (a bistable model, window (0, 150)^2): odekit's
   :func:`odekit.competition.basins` (one parallel ensemble, every start integrated to the
   documented horizon) against SciPy ``solve_ivp`` looping over a random subsample of the
   same starts with the same right-hand side (log coordinates), method, tolerances and
   horizon, extrapolated to the grid. Targets: >= 300x SciPy, grid <= 5 s on 2 cores.
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


def bench_basins(quick, repeat, fresh):
    from scipy.integrate import solve_ivp as scipy_ivp

    import odekit
    from odekit.competition import TwoSpecies, basins
    from odekit.competition._rhs import lv_log_rhs
    from odekit.competition.phaseplane import basin_horizon

    m = TwoSpecies(0.8, 120.0, 0.012, 1.1, 90.0, 0.015)  # bistable
    xlim = ylim = (0.0, 150.0)
    res = 500
    rtol = 1e-6
    t = time.perf_counter()
    basins(m, xlim, ylim, 4)
    first = time.perf_counter() - t
    t = time.perf_counter()
    basins(m, xlim, ylim, 4)
    warm_small = time.perf_counter() - t
    T1, T = basin_horizon(m, xlim, ylim, 1e-3)
    diag = np.hypot(150.0, 150.0)
    att = [e for e in m.equilibria() if e.stable]

    from odekit.competition.phaseplane import _label

    def decided(x):  # the same rule as basins: arrival, or a trapping region
        return _label(m, x[None], att, 1e-3 * diag, 1e-6 * diag)[0] >= 0
    n_sub = 60 if quick else 300
    g = np.random.default_rng(7)
    idx = g.choice(res * res, n_sub, replace=False)
    dx = 150.0 / res
    centres = (np.arange(res) + 0.5) * dx
    xs = centres[idx % res]
    ys = centres[idx // res]
    r, A = m.r.copy(), m.A.copy()

    stops = sorted({T1 / 32, T1 / 8, T1 / 2, T1, T})

    def scipy_run():  # the same checkpoints as odekit's basins
        out = np.empty((n_sub, 2))
        for k in range(n_sub):
            z, t0 = np.log([xs[k], ys[k]]), 0.0
            for t1 in stops:
                sol = scipy_ivp(log_rhs_numpy, (t0, t1), z, method="DOP853", rtol=rtol,
                                atol=rtol * 1e-2, args=(r, A))
                z, t0 = sol.y[:, -1], t1
                out[k] = np.exp(z)
                if decided(out[k]):
                    break
        return out

    t_ok, t_sp, c_ok, c_sp = [], [], [], []
    b = None
    sp_end = None
    for _ in range(repeat):  # alternate the contenders
        t, c = time.perf_counter(), time.process_time()
        b = basins(m, xlim, ylim, res, rtol=rtol, progress=False)
        t_ok.append(time.perf_counter() - t)
        c_ok.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        sp_end = scipy_run()
        t_sp.append((time.perf_counter() - t) / n_sub * res * res)
        c_sp.append((time.process_time() - c) / n_sub * res * res)
    # labels from SciPy's end states, same rule
    sp_lab = _label(m, sp_end, b.attractors, 1e-3 * diag, 1e-6 * diag)
    ok_lab = b.labels.ravel()[idx]
    # accuracy: end states against a tight SciPy run on the subsample
    ref = np.empty((n_sub, 2))
    for k in range(n_sub):
        sol = scipy_ivp(log_rhs_numpy, (0.0, T1), np.log([xs[k], ys[k]]), method="DOP853",
                        rtol=1e-12, atol=1e-14, args=(r, A))
        ref[k] = np.exp(sol.y[:, -1])
    ens = odekit.solve_ensemble(lv_log_rhs, (0.0, T1), np.log(np.column_stack([xs, ys])),
                                params=m.params, rtol=rtol, atol=rtol * 1e-2)
    ok_end = np.exp(ens.y[:, :, -1])
    sp_first = np.empty((n_sub, 2))
    for k in range(n_sub):
        sol = scipy_ivp(log_rhs_numpy, (0.0, T1), np.log([xs[k], ys[k]]), method="DOP853",
                        rtol=rtol, atol=rtol * 1e-2, args=(r, A))
        sp_first[k] = np.exp(sol.y[:, -1])
    err_ok = np.max(np.abs(ok_end - ref)) / 150.0
    err_sp = np.max(np.abs(sp_first - ref)) / 150.0
    ratio = med(t_sp) / med(t_ok)
    print(f"basins {res} x {res}, bistable TwoSpecies(0.8, 120, 0.012, 1.1, 90, 0.015), "
          f"window (0, 150)^2, checkpoints t = {', '.join(f'{v:.3g}' for v in stops)},"
          f" DOP853 rtol {rtol:g} (atol rtol/100 on log x), "
          f"{odekit._jit.num_threads()} threads")
    what = "compile" if fresh else "compile or cache load"
    print(f"  first call ({what}): {first:.2f} s; a warm 4x4 call: "
          f"{warm_small * 1e3:.1f} ms")
    print(f"  odekit: {med(t_ok):.2f} s median of {repeat} ({rng_str(t_ok)} s) = "
          f"{med(t_ok) / res**2 * 1e6:.2f} us per start; fractions "
          f"{np.round(b.fractions, 4).tolist()}, undecided {b.undecided:.5f}")
    print(f"  scipy solve_ivp ({n_sub} random starts, extrapolated): {med(t_sp):.0f} s "
          f"({rng_str(t_sp)} s) = {med(t_sp) / res**2 * 1e3:.2f} ms per start")
    print(f"  ratio scipy/odekit = {ratio:.0f}  (target >= 300; grid <= 5 s: "
          f"{'met' if med(t_ok) <= 5 else 'NOT met'})")
    print(f"  CPU time (all threads): odekit {med(c_ok):.2f} s ({rng_str(c_ok)} s), scipy "
          f"{med(c_sp):.0f} s extrapolated; CPU ratio {med(c_sp) / med(c_ok):.0f} "
          f"(per core; on an idle machine the wall ratio is this times the threads' "
          f"parallel speed-up)")
    print(f"  labels agree on {np.mean(sp_lab == ok_lab) * 100:.1f} % of the subsample; "
          f"state error at t = {T1:.1f} vs rtol=1e-12 (max, relative to the window): odekit "
          f"{err_ok:.2e}, scipy {err_sp:.2e}")
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
