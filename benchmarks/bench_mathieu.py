"""Benchmarks for the Mathieu family: characteristic values and the stability chart.

Prints medians of several runs (compile time measured separately on the first call),
ratios measured in this run, and peak memory (tracemalloc for NumPy buffers + ru_maxrss).

    PYTHONPATH=. python benchmarks/bench_mathieu.py [--quick]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    npairs = 100_000 if args.quick else 1_000_000
    size = 300 if args.quick else 1000
    bench_values(npairs, 3)
    bench_chart(size, 3)


if __name__ == "__main__":
    main()
