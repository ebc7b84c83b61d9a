"""Benchmarks for the Mathieu family: characteristic values and the stability chart.

Prints medians of several runs (compile time measured separately on the first call),
ratios measured in this run, and peak memory (tracemalloc for NumPy buffers + ru_maxrss).

    PYTHONPATH=. python benchmarks/bench_mathieu.py [--quick] [--only hill]

The Hill section times the chart from Hill's determinant against the integration path and
heyoka's batch mode (optional: ``pip install heyoka``; skipped with a printed reason), all on
one thread, alternating the contenders, and reports the error each achieves against a
quadruple-precision heyoka reference (tol 1e-32) on a subsample of the grid (or, without
heyoka, against odekit's integration at rtol 1e-13).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
import tracemalloc

import numpy as np


def timed(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    timed.last = times
    return statistics.median(times), out


def peak_of(fn):
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def bench_values(npairs, repeat):
    import scipy.special as sp

    from odekit.mathieu import characteristic_a, characteristic_b

    rng = np.random.default_rng(2024)
    n = rng.integers(0, 41, npairs)
    q = rng.uniform(0.0, 2000.0, npairs)
    t = time.perf_counter()
    characteristic_a(n[:10], q[:10])
    characteristic_b(n[:10] + 1, q[:10])
    compile_s = time.perf_counter() - t
    t_ok, a_ok = timed(lambda: characteristic_a(n, q), repeat)
    t_sp, a_sp = timed(lambda: sp.mathieu_a(n.astype(float), q), repeat)
    tb_ok, b_ok = timed(lambda: characteristic_b(n + 1, q), repeat)
    tb_sp, b_sp = timed(lambda: sp.mathieu_b((n + 1).astype(float), q), repeat)
    wrong_a = np.mean(np.abs(a_sp - a_ok) > 1e-6 * np.maximum(1, np.abs(a_ok)))
    wrong_b = np.mean(np.abs(b_sp - b_ok) > 1e-6 * np.maximum(1, np.abs(b_ok)))
    print(f"characteristic values, {npairs} random pairs n in [0, 40], q in [0, 2000]")
    print(f"  compile/cache-load: {compile_s:.2f} s")
    print(f"  odekit a_n: {t_ok:.3f} s   scipy mathieu_a: {t_sp:.3f} s   "
          f"ratio scipy/odekit = {t_sp / t_ok:.2f}")
    print(f"  odekit b_n: {tb_ok:.3f} s   scipy mathieu_b: {tb_sp:.3f} s   "
          f"ratio scipy/odekit = {tb_sp / tb_ok:.2f}")
    print(f"  scipy values differing from odekit by > 1e-6 rel: a {100 * wrong_a:.2f} %, "
          f"b {100 * wrong_b:.2f} %  (odekit is checked against 40-digit mpmath in tests)")
    print(f"  peak traced memory (a_n call): {peak_of(lambda: characteristic_a(n, q)):.1f} MiB")


def bench_chart(size, repeat):
    from odekit.integrate import solve_ensemble
    from odekit.mathieu import stability_chart
    from odekit.mathieu.chart import CHART_ATOL, CHART_RTOL, mathieu_trig_rhs

    a = np.linspace(-5.0, 20.0, size)
    q = np.linspace(0.0, 20.0, size)
    t = time.perf_counter()
    stability_chart(a[:3], q[:3])
    compile_s = time.perf_counter() - t
    t_chart, ch = timed(lambda: stability_chart(a, q), repeat)
    chart_runs = list(timed.last)
    # accuracy on a 60 x 60 subgrid against a tight-tolerance run
    sub_a, sub_q = a[:: max(1, size // 60)], q[:: max(1, size // 60)]
    ref = stability_chart(sub_a, sub_q, rtol=1e-13, atol=1e-15).trace
    got = stability_chart(sub_a, sub_q).trace
    err = np.abs(got - ref)
    small = np.abs(ref) < 10
    # per-trajectory statistics from the core
    A, Q = np.meshgrid(sub_a, sub_q)
    P = np.stack([A.ravel(), Q.ravel()], 1)
    r = solve_ensemble(mathieu_trig_rhs, (0.0, np.pi / 2),
                       np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0]), params=P, rtol=CHART_RTOL,
                       atol=np.array([CHART_ATOL] * 4 + [1.0, 1.0]))
    import numba

    print(f"stability chart {size} x {size} (a in [-5, 20], q in [0, 20]), "
          f"{numba.get_num_threads()} threads")
    print(f"  compile/cache-load: {compile_s:.2f} s")
    runs = ", ".join(f"{x:.2f}" for x in chart_runs)
    print(f"  time: {t_chart:.2f} s median of {len(chart_runs)} runs ({runs} s) "
          f"= {1e6 * t_chart / size**2:.2f} us per point (wall)")
    print(f"  core nfev per point: mean {r.nfev.mean():.0f}, max {r.nfev.max()}  "
          f"(DOP853: 12 fevals per step -> ~{r.nfev.mean() / 12:.0f} steps)")
    print(f"  |trace| error vs rtol=1e-13 run: max {err.max():.2e} "
          f"(max where |trace| < 10: {err[small].max():.2e}; "
          f"max relative {np.max(err / np.maximum(1, np.abs(ref))):.2e})")
    print(f"  stable fraction {ch.stable.mean():.3f}")
    print(f"  peak traced memory: {peak_of(lambda: stability_chart(a, q)):.1f} MiB, "
          f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    # SciPy per-point reference cost
    from scipy.integrate import solve_ivp

    def one(ai, qi):
        return solve_ivp(lambda t, y: [y[1], -(ai - 2 * qi * np.cos(2 * t)) * y[0],
                                       y[3], -(ai - 2 * qi * np.cos(2 * t)) * y[2]],
                         (0, np.pi / 2), [1, 0, 0, 1], method="DOP853", rtol=1e-10,
                         atol=1e-12)
    t_sp, _ = timed(lambda: [one(ai, 5.0) for ai in np.linspace(-5, 20, 20)], 3)
    per = t_sp / 20
    print(f"  scipy solve_ivp (same half-period trick): {1e3 * per:.2f} ms per point -> "
          f"{per * size**2 / 3600:.2f} h for the chart; ratio scipy/odekit = "
          f"{per * size**2 / t_chart:.0f}")


# ----------------------------------------------------------------------------- Hill
PI_HALF_128 = "1.57079632679489661923132169163975144"


def _heyoka_setup(batch):
    import heyoka as hy

    x0, v0, x1, v1 = hy.make_vars("x0", "v0", "x1", "v1")
    k = hy.par[0] - 2.0 * hy.par[1] * hy.cos(2.0 * hy.time)
    sys_ = [(x0, v0), (v0, -k * x0), (x1, v1), (v1, -k * x1)]
    t = time.perf_counter()
    ta = hy.taylor_adaptive_batch(sys_, np.zeros((4, batch)), pars=np.zeros((2, batch)))
    compile_s = time.perf_counter() - t
    return hy, sys_, ta, compile_s


def _heyoka_trace(ta, A, Q):
    """Trace with heyoka's batch integrator (default tol = machine epsilon), one thread."""
    batch = ta.batch_size
    n = A.size
    out = np.empty(n)
    a = np.concatenate([A.ravel(), np.zeros((-n) % batch)])
    q = np.concatenate([Q.ravel(), np.zeros((-n) % batch)])
    y0 = np.array([[1.0], [0.0], [0.0], [1.0]])
    for s in range(0, a.size, batch):
        ta.set_time(0.0)
        ta.state[:] = y0
        ta.pars[0] = a[s:s + batch]
        ta.pars[1] = q[s:s + batch]
        ta.propagate_until(np.pi / 2)
        y = ta.state
        tr = 2.0 * (y[0] * y[3] + y[1] * y[2])
        m = min(batch, n - s)
        out[s:s + m] = tr[:m]
    return out.reshape(A.shape)


def _reference_trace(A, Q):
    """Quadruple-precision heyoka (tol 1e-32) if available, else odekit at rtol 1e-13."""
    try:
        import heyoka as hy
    except ImportError:
        from odekit.mathieu.chart import _half_period_trace

        return _half_period_trace(A, Q, 1e-13, 1e-15), "odekit integration, rtol 1e-13"
    x0, v0, x1, v1 = hy.make_vars("x0", "v0", "x1", "v1")
    k = hy.par[0] - 2.0 * hy.par[1] * hy.cos(2.0 * hy.time)
    sys_ = [(x0, v0), (v0, -k * x0), (x1, v1), (v1, -k * x1)]
    r = hy.real128
    ta = hy.taylor_adaptive(sys_, [r(1), r(0), r(0), r(1)], fp_type=r, pars=[r(0), r(0)],
                            tol=r("1e-32"), compact_mode=True)
    out = np.empty(A.size)
    half = r(PI_HALF_128)
    for i, (a, q) in enumerate(zip(A.ravel(), Q.ravel())):
        ta.time = r(0)
        ta.state[:] = [r(1), r(0), r(0), r(1)]
        ta.pars[:] = [r(float(a)), r(float(q))]
        ta.propagate_until(half)
        y = ta.state
        out[i] = float(2 * (y[0] * y[3] + y[1] * y[2]))
    return out.reshape(A.shape), "heyoka real128, tol 1e-32"


def bench_hill(size, repeat, big):
    import numba

    from odekit.mathieu import stability_chart
    from odekit.mathieu.chart import _half_period_trace
    from odekit.mathieu.determinant import hill_trace, hill_trace_grid, truncation_order

    a = np.linspace(-5.0, 20.0, size)
    q = np.linspace(0.0, 20.0, size)
    threads = numba.get_num_threads()
    print(f"\nHill's determinant vs integration: {size} x {size} chart, a in [-5, 20], "
          f"q in [0, 20] (truncation M = {truncation_order(20.0, 20.0)[1]}), "
          f"{threads} cores available")
    t = time.perf_counter()
    hill_trace_grid(a[:3], q[:3])
    hill_trace(a[:3], q[:3])
    print(f"  Hill kernels compile/cache-load: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    _half_period_trace(a[:2, None] + 0 * q[None, :2], q[None, :2] + 0 * a[:2, None], 1e-11,
                       1e-12)
    print(f"  integration kernel compile/cache-load: {time.perf_counter() - t:.2f} s")

    # accuracy on a subsample of the grid
    step = max(1, size // 50)
    sa, sq = a[::step], q[::step]
    SA, SQ = np.meshgrid(sa, sq)
    t = time.perf_counter()
    ref, ref_name = _reference_trace(SA, SQ)
    print(f"  reference: {ref_name} on {SA.size} grid points ({time.perf_counter() - t:.0f} s)")

    def rel_err(x):
        return float(np.max(np.abs(x - ref) / np.maximum(1.0, np.abs(ref))))

    errs = {"hill": rel_err(hill_trace_grid(sa, sq)),
            "integrate": rel_err(stability_chart(sa, sq, method="integrate").trace)}
    hy_ta = None
    try:
        import heyoka  # noqa: F401

        _, _, hy_ta, c_s = _heyoka_setup(16)
        _heyoka_trace(hy_ta, SA[:2, :8], SQ[:2, :8])
        errs["heyoka"] = rel_err(_heyoka_trace(hy_ta, SA, SQ))
        print(f"  heyoka {heyoka.__version__}: taylor_adaptive_batch, batch size 16 (a multiple of "
              f"the SIMD width {heyoka.recommended_simd_size()}; fewer Python calls), "
              f"tol = machine epsilon (its default); compile {c_s:.2f} s")
    except ImportError:
        print("  heyoka: not installed (pip install heyoka) -- skipped")

    # timings, one thread, contenders alternated
    numba.set_num_threads(1)
    sub = max(100, size // 5)             # the integration path on a sub-grid (it is slow)
    ia, iq = np.linspace(-5, 20, sub), np.linspace(0, 20, sub)
    IA, IQ = np.meshgrid(ia, iq)
    A, Q = np.meshgrid(a, q)
    times = {"hill": [], "hill points": [], "integrate": [], "heyoka": []}
    for _ in range(repeat):
        t = time.perf_counter()
        hill_trace_grid(a, q)
        times["hill"].append((time.perf_counter() - t) / size**2)
        t = time.perf_counter()
        hill_trace(A, Q)
        times["hill points"].append((time.perf_counter() - t) / size**2)
        t = time.perf_counter()
        stability_chart(ia, iq, method="integrate")
        times["integrate"].append((time.perf_counter() - t) / sub**2)
        if hy_ta is not None:
            t = time.perf_counter()
            _heyoka_trace(hy_ta, IA, IQ)
            times["heyoka"].append((time.perf_counter() - t) / sub**2)
    print(f"  one thread, ns per point: median (range) of {repeat} runs")
    med = {}
    for k_, v in times.items():
        if not v:
            continue
        med[k_] = statistics.median(v)
        grid = "" if k_.startswith("hill") else f" [{sub} x {sub} sub-grid]"
        print(f"    {k_:12s} {1e9 * med[k_]:9.1f} ns  ({1e9 * min(v):.1f} .. "
              f"{1e9 * max(v):.1f}){grid}"
              + (f"   max error {errs[k_]:.1e}" if k_ in errs else ""))
    best = {k_: min(v) for k_, v in times.items() if v}
    print(f"  Hill chart {size} x {size} on one thread: {1e3 * med['hill'] * size**2:.0f} ms "
          f"median, {1e3 * best['hill'] * size**2:.0f} ms best")
    for k_ in ("integrate", "heyoka"):
        if k_ in med:
            print(f"  ratio {k_}/hill per point, one thread (= per core): "
                  f"{med[k_] / med['hill']:.0f} (medians), {best[k_] / best['hill']:.0f} (bests)")
    numba.set_num_threads(threads)

    # accuracy at large q (scattered points, the point kernel)
    rng = np.random.default_rng(14)
    for lo, hi in ((20.0, 200.0), (200.0, 1000.0), (1000.0, 2000.0)):
        pa = rng.uniform(-50.0, 600.0, 150)
        pq = rng.uniform(lo, hi, 150)
        r_, _ = _reference_trace(pa, pq)
        e_ = np.abs(hill_trace(pa, pq) - r_) / np.maximum(1.0, np.abs(r_))
        print(f"  Hill accuracy, 150 random points a in [-50, 600], q in [{lo:g}, {hi:g}]: "
              f"max {e_.max():.1e}, median {np.median(e_):.1e} (vs {ref_name.split(',')[0]})")

    # the big chart on all cores (2 here), through the public function
    ba, bq = np.linspace(-5.0, 20.0, big), np.linspace(0.0, 20.0, big)
    stability_chart(ba[:4], bq[:4])
    tb = []
    for _ in range(repeat):
        t = time.perf_counter()
        ch = stability_chart(ba, bq, progress=False)
        tb.append(time.perf_counter() - t)
        del ch
    tg = []
    for _ in range(repeat):
        t = time.perf_counter()
        hill_trace_grid(ba, bq)
        tg.append(time.perf_counter() - t)
    print(f"  {big} x {big} chart on {threads} threads: stability_chart "
          f"{statistics.median(tb):.2f} s "
          f"({min(tb):.2f} .. {max(tb):.2f}); trace kernel alone {statistics.median(tg):.2f} s "
          f"({min(tg):.2f} .. {max(tg):.2f})")
    print(f"  peak traced memory, {size} x {size} stability_chart: "
          f"{peak_of(lambda: stability_chart(a, q)):.1f} MiB (trace, growth rate: 8 MB each, "
          f"stable: 1 MB); {big} x {big}: {peak_of(lambda: stability_chart(ba, bq)):.0f} MiB; "
          f"ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["values", "chart", "hill"], default=None)
    args = ap.parse_args()
    npairs = 100_000 if args.quick else 1_000_000
    size = 300 if args.quick else 1000
    if args.only in (None, "values"):
        bench_values(npairs, 3)
    if args.only in (None, "chart"):
        bench_chart(size, 3)
    if args.only in (None, "hill"):
        bench_hill(size, 3 if args.quick else 7, 1000 if args.quick else 4000)


if __name__ == "__main__":
    main()
