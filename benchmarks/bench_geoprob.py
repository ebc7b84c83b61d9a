"""Benchmark of the geometric-probability family.

1. Monte-Carlo throughput (samples/s) of the sector problem (n = 4, theta = pi), each
   contender using all the cores it can: odekit with ``sampler="disk"`` and
   ``sampler="angles"`` (Numba threads over fixed chunks) against vectorised NumPy with
   honest disk points (polar: r = sqrt(U), phi = 2 pi V, then sort and largest gap).
   Two NumPy baselines: (a) plain vectorised NumPy in one process, as it runs (its
   generator and sort are single-threaded) -- the issue's baseline, against which the
   targets (>= 20x disk, >= 40x angles) are judged; (b) the same code on one thread per
   core, each with its own Generator (NumPy releases the GIL in these calls), shown beside
   it. Medians of several runs; compile time reported apart.
2. QMC against MC: rms error over independent seeds at equal sample counts.
3. Accuracy and time of ``sector_probability`` against mpmath up to n = 10^4.

Peak memory is the process's peak resident set (``ru_maxrss``) after each part.
Run: ``PYTHONPATH=. python benchmarks/bench_geoprob.py [--quick]``.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def numpy_sector(n, theta, samples, seed, cartesian=False, threads=1, batch=1 << 18):
    """Vectorised NumPy estimate with honest uniform disk points (threads=1: plain NumPy
    in this thread; threads > 1: the samples split over a thread pool)."""
    x = 2 * np.pi - theta

    def work(args):
        child, count = args
        rng = np.random.default_rng(child)
        hits = 0
        done = 0
        while done < count:
            b = min(batch, count - done)
            r = np.sqrt(rng.random((b, n)))
            phi = 2 * np.pi * rng.random((b, n))
            if cartesian:
                phi = np.arctan2(r * np.sin(phi), r * np.cos(phi))
            phi.sort(axis=1)
            gap = np.maximum(np.diff(phi, axis=1).max(axis=1), 2 * np.pi - phi[:, -1] + phi[:, 0])
            hits += int(np.count_nonzero(gap >= x))
            done += b
        return hits

    children = np.random.SeedSequence(seed).spawn(threads)
    counts = [samples // threads + (i < samples % threads) for i in range(threads)]
    if threads == 1:
        return work((children[0], samples)) / samples
    with ThreadPoolExecutor(threads) as ex:
        return sum(ex.map(work, zip(children, counts))) / samples


def timed(fn, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


TARGETS = {"disk": 20.0, "angles": 40.0}


def part_throughput(samples, repeats):
    from odekit.geoprob import sector_probability_mc

    cores = os.cpu_count()
    print(f"cores: {cores} (os.cpu_count), numba threads: {numba.get_num_threads()}")
    t = time.perf_counter()
    for sampler in ("disk", "angles"):  # compile (or load from the disk cache)
        sector_probability_mc(4, math.pi, 1000, seed=0, sampler=sampler)
    print(f"compile / cache load (first calls, not in the rates): "
          f"{time.perf_counter() - t:.2f} s")
    res = {}
    for sampler in ("disk", "angles"):
        dt = timed(lambda s=sampler: sector_probability_mc(4, math.pi, samples, seed=1,
                                                           sampler=s), repeats)
        res[sampler] = samples / dt
    print(f"peak RSS after odekit: {peak_mb():.0f} MB")
    nsamp = max(samples // 16, 1 << 18)
    numpy_sector(4, math.pi, 1 << 16, 0)  # warm-up
    dt1 = timed(lambda: numpy_sector(4, math.pi, nsamp, 1, threads=1), repeats)
    dtc = timed(lambda: numpy_sector(4, math.pi, nsamp, 1, threads=cores), repeats)
    base_a, base_b = nsamp / dt1, nsamp / dtc
    print(f"peak RSS after NumPy (batches of 2**18 samples): {peak_mb():.0f} MB")
    print(f"  {'odekit disk':44s} {res['disk'] / 1e6:9.2f} M samples/s")
    print(f"  {'odekit angles':44s} {res['angles'] / 1e6:9.2f} M samples/s")
    print(f"  {'(a) NumPy vectorised, as it runs (1 process)':44s} {base_a / 1e6:9.2f} M samples/s")
    print(f"  {f'(b) NumPy on {cores} threads':44s} {base_b / 1e6:9.2f} M samples/s")
    print(f"summary on {cores} cores (targets judged against (a); (b) shown beside):")
    for s in ("disk", "angles"):
        ra, rb = res[s] / base_a, res[s] / base_b
        verdict = "MET" if ra >= TARGETS[s] else "NOT MET"
        print(f"  sampler={s:6s}: {ra:6.1f}x vs (a)  target >= {TARGETS[s]:.0f}x  {verdict:7s}"
              f" | {rb:6.1f}x vs (b) NumPy on threads")
    print(f"peak RSS so far: {peak_mb():.0f} MB")


def part_qmc(max_log2, seeds):
    from odekit.geoprob import sector_probability_mc

    print(f"\nQMC vs MC, sector n=4 theta=pi, rms error over {seeds} seeds (angles sampler)")
    print(f"{'N':>9s} {'MC rms':>10s} {'QMC rms':>10s} {'ratio':>7s}")
    for m in range(10, max_log2 + 1, 2):
        N = 1 << m
        e_mc = [sector_probability_mc(4, math.pi, N, seed=s, sampler="angles").value - 0.5
                for s in range(seeds)]
        e_q = [sector_probability_mc(4, math.pi, N, seed=s, sampler="angles", method="qmc",
                                     scrambles=4).value - 0.5 for s in range(seeds)]
        a = math.sqrt(np.mean(np.square(e_mc)))
        b = math.sqrt(np.mean(np.square(e_q)))
        print(f"{N:9d} {a:10.2e} {b:10.2e} {a / b:7.1f}")
    print(f"peak RSS so far: {peak_mb():.0f} MB")


def part_accuracy(nmax):
    import mpmath

    from odekit.geoprob import sector_probability

    print("\nsector_probability vs mpmath (digits set from the largest term + 40)")
    worst = 0.0
    for n in [10, 100, 1000, 3000, nmax]:
        tmax = 0.0
        for c in (1.05, 1.6, 2.5, 4.0, 8.0):
            th = 2 * math.pi * (1 - c / n)
            if th < math.pi:
                continue
            t = time.perf_counter()
            v = sector_probability(n, th)
            tmax = max(tmax, time.perf_counter() - t)
            x0 = c / n
            lmax = max((math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                        + (n - 1) * math.log(1 - k * x0)) / math.log(10)
                       for k in range(1, n + 1) if k * x0 < 1)
            with mpmath.workdps(int(max(lmax, 0)) + 40):
                x = 1 - mpmath.mpf(th) / (2 * mpmath.pi)
                s = mpmath.mpf(0)
                k = 1
                while k <= n and k * x < 1:
                    s += (-1) ** (k - 1) * mpmath.binomial(n, k) * (1 - k * x) ** (n - 1)
                    k += 1
            err = abs(v - float(s))
            worst = max(worst, err)
        print(f"  n = {n:6d}: max |error| so far {worst:.2e}, slowest evaluation {tmax:.3f} s")
    print(f"max |error| up to n = {nmax}: {worst:.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        part_throughput(1 << 22, 3)
        part_qmc(16, 8)
        part_accuracy(1000)
    else:
        part_throughput(1 << 25, 5)
        part_qmc(20, 16)
        part_accuracy(10_000)


if __name__ == "__main__":
    main()
