"""odekit on Dask: scaling from 1 to 2 worker processes, overhead against local threads at
equal cores, and a model of a 64-worker run built from the measured task times.

Workloads (the issue-16 sizes):

* ``chart``  -- a 1000 x 1000 Mathieu stability chart by integration
  (``stability_chart(method="integrate")``): 10^6 trajectories of a 6-state system;
* ``basins`` -- a 1000 x 1000 competition basin map (10^6 starts, the undecided ones integrated);
* ``mc``     -- 10^10 samples of the four-ducks sector problem (n = 4 points, disk sampler).

Contenders, alternated within each repetition (median and range over ``--reps``): local
with 1 Numba thread, Dask with 1 worker process x 1 thread, local with 2 threads, Dask with 2
worker processes x 1 thread. Every Dask result is checked bitwise against the local one.
Besides wall time, the CPU time of every process involved (this one, which holds the
LocalCluster's scheduler, plus the workers) is compared with the local run's: on a shared
machine wall times swing with the load, CPU time much less.
Compile (and kernel-load) time on the workers is paid in a warm-up and reported apart.

The 64-worker model: the work is cut as ``odekit.distributed.plan`` cuts it for 64 threads;
each task costs its items times the per-item compute time measured on the workers, plus
the per-task overhead measured in the 2-worker run; tasks go in order to the first free
worker, and the scheduler's serial cost per task (measured with no-op tasks, on 2 and on 16
worker processes) bounds the throughput. Reported as time and parallel efficiency.

Run:  PYTHONPATH=. python benchmarks/bench_distributed.py [--quick] [--reps 3]
"""

from __future__ import annotations

import argparse
import heapq
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np


def _median_range(xs):
    return statistics.median(xs), min(xs), max(xs)


def workloads(quick):
    from odekit.competition import TwoSpecies, basins
    from odekit.geoprob import sector_probability_mc
    from odekit.mathieu import stability_chart

    n_chart = 120 if quick else 1000
    n_basin = 150 if quick else 1000
    samples = 10**8 if quick else 10**10
    a = np.linspace(-2.0, 12.0, n_chart)
    q = np.linspace(0.0, 9.0, n_chart)
    model = TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.3)

    def chart(client):
        return stability_chart(a, q, method="integrate", client=client, progress=False)

    def basin(client):
        return basins(model, (0.0, 1.2), (0.0, 1.2), n_basin, client=client, progress=False)

    def mc(client):
        return sector_probability_mc(4, 2.0, samples, seed=2026, client=client,
                                     progress=False)

    def warm(client):
        stability_chart(a[:4], q[:4], method="integrate", client=client, progress=False)
        basins(model, (0.0, 1.2), (0.0, 1.2), 12, client=client, progress=False)
        sector_probability_mc(4, 2.0, 10**6, seed=1, client=client, progress=False)

    def equal(x, y):
        if hasattr(x, "trace"):
            return all(np.array_equal(getattr(x, f), getattr(y, f))
                       for f in ("trace", "growth_rate", "stable"))
        if hasattr(x, "labels"):
            return np.array_equal(x.labels, y.labels)
        return x == y

    return {"chart": (chart, n_chart * n_chart, "trajectory"),
            "basins": (basin, n_basin * n_basin, "start"),
            "mc": (mc, samples, "sample")}, warm, equal


def sched_overhead(client, n=2000):
    """Wall seconds per no-op task (submit, schedule, run, gather) on this cluster."""
    def noop(i):
        return i

    client.gather(client.map(noop, range(50), pure=False))
    t = time.perf_counter()
    futs = client.map(noop, range(n), pure=False)
    client.gather(futs)
    return (time.perf_counter() - t) / n


def idle_cpu_rate(client, seconds=3.0):
    """CPU seconds per wall second that this process and the workers burn while idle."""
    w0 = client.run(time.process_time)
    c0 = time.process_time()
    t0 = time.perf_counter()
    time.sleep(seconds)
    w1 = client.run(time.process_time)
    cpu = time.process_time() - c0 + sum(w1[w] - w0[w] for w in w1 if w in w0)
    return cpu / (time.perf_counter() - t0)


def model_run(n_items, item_s, task_s, latency_s, sched_s, workers, item_seconds_hint):
    """Predicted wall time of ``n_items`` on ``workers`` single-thread workers: a fixed
    latency per run, plus the makespan of the planned tasks (each its items' compute time
    plus ``task_s``) handed in order to the first free worker, and never less than the
    scheduler's serial cost ``sched_s`` per task."""
    from odekit.distributed import plan

    blocks = plan(n_items, item_seconds_hint, workers)
    free = [0.0] * workers
    heapq.heapify(free)
    for a, b in blocks:
        t0 = heapq.heappop(free)
        heapq.heappush(free, t0 + (b - a) * item_s + task_s)
    makespan = max(free)
    return latency_s + max(makespan, len(blocks) * sched_s), len(blocks), n_items * item_s / workers


def summary_lines(meds):
    """A fixed-width summary (the docs chart it): ``meds[name][contender]`` = median wall s."""
    out = ["", "summary (median wall times)", "===========================",
           f"{'workload':10s} {'local 2 threads':>16s} {'Dask 2 workers':>15s}   "
           f"{'vs local 2 threads':18s}   {'vs Dask 1 worker':16s}",
           f"{'-' * 10} {'-' * 16} {'-' * 15}   {'-' * 18}   {'-' * 16}"]
    for name, m in meds.items():
        r_eq = f"{m['local2'] / m['dask2']:.2f}x"
        r_sc = f"{m['dask1'] / m['dask2']:.2f}x"
        out.append(f"{name:10s} {m['local2']:14.2f} s {m['dask2']:13.2f} s   "
                   f"{r_eq:18s}   {r_sc}")
    out.append("")
    out.append("(vs local 2 threads: Dask's speed against local threads at equal cores, 1.00x "
               "= no overhead; vs Dask 1 worker: the scaling from 1 to 2 workers)")
    return out


def table_from(path):
    """The summary table of an earlier run's printed output (its median lines)."""
    import re

    meds, name = {}, None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^== (\w+):", line)
        if m:
            name = m.group(1)
        m = re.match(r"^\s+(local[12]|dask[12])\s+median\s+([0-9.]+) s", line)
        if m and name:
            meds.setdefault(name, {})[m.group(1)] = float(m.group(2))
    return summary_lines(meds)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", choices=["chart", "basins", "mc"], action="append")
    ap.add_argument("--no-16", action="store_true", help="skip the 16-worker check")
    ap.add_argument("--table-from", metavar="FILE",
                    help="print only the summary table of an earlier run's output")
    args = ap.parse_args(argv)
    if args.table_from:
        print("\n".join(table_from(args.table_from)))
        return

    import distributed
    import numba

    import odekit
    from odekit.distributed import _entry, worker_status

    print(f"odekit {odekit.__version__}, dask.distributed {distributed.__version__}, numba "
          f"{numba.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"command: PYTHONPATH=. {sys.executable} benchmarks/bench_distributed.py "
          + " ".join(sys.argv[1:] if argv is None else argv))
    print("NOTE: shared machine (other jobs running): times are noisy; medians of "
          f"{args.reps} alternated repetitions, [min, max] ranges.")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    work, warm, equal = workloads(args.quick)
    names = args.only or list(work)

    clusters = {}
    for w in (1, 2):
        cl = distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=40)
        clusters[w] = (cl, distributed.Client(cl, set_as_default=False))
    # warm-up: local compile, then the workers compile or load from the disk cache
    t = time.perf_counter()
    warm(None)
    print(f"\nlocal warm-up (compile or disk-cache load): {time.perf_counter() - t:.1f} s")
    for w, (_, c) in clusters.items():
        t = time.perf_counter()
        warm(c)
        st = worker_status(c)
        print(f"{w}-worker warm-up: {time.perf_counter() - t:.1f} s (compiles per worker: "
              f"{[v['compiles'] for v in st.values()]})")
    sched = {w: sched_overhead(c) for w, (_, c) in clusters.items()}
    idle = {w: idle_cpu_rate(c) for w, (_, c) in clusters.items()}
    print("idle CPU of the cluster processes (event loops, heartbeats): "
          + ", ".join(f"{w} worker(s) {1e3 * r:.1f} ms per s" for w, r in idle.items()))
    print("scheduling cost of a no-op task (submit + run + gather, wall): "
          + ", ".join(f"{w} worker(s) {1e3 * s:.2f} ms" for w, s in sched.items()))

    results = {}
    for name in names:
        fun, n_items, unit = work[name]
        times = {k: [] for k in ("local1", "dask1", "local2", "dask2")}
        cpus = {k: [] for k in times}
        streams = []
        ok = True
        ref = None
        print(f"\n== {name}: {n_items:.3g} items (one item: a {unit})")
        for rep in range(args.reps):
            for key in ("local1", "dask1", "local2", "dask2"):
                threads = int(key[-1])
                client = clusters[threads][1] if key.startswith("dask") else None
                numba.set_num_threads(threads)
                if client is not None:
                    w0 = client.run(time.process_time)
                    c0 = time.process_time()
                    with distributed.get_task_stream(client) as ts:
                        t = time.perf_counter()
                        res = fun(client)
                        dt = time.perf_counter() - t
                    cpu = time.process_time() - c0
                    w1 = client.run(time.process_time)
                    cpu += sum(w1[w] - w0[w] for w in w1 if w in w0)
                    if threads == 2:
                        streams.append((dt, ts.data))
                else:
                    c0 = time.process_time()
                    t = time.perf_counter()
                    res = fun(None)
                    dt = time.perf_counter() - t
                    cpu = time.process_time() - c0
                times[key].append(dt)
                cpus[key].append(cpu)
                if ref is None:
                    ref = res
                elif not equal(ref, res):
                    ok = False
                print(f"  rep {rep} {key:7s} {dt:8.2f} s wall {cpu:8.2f} s CPU", flush=True)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        med = {k: _median_range(v) for k, v in times.items()}
        for k, (m, lo, hi) in med.items():
            print(f"  {k:7s} median {m:8.2f} s  [{lo:.2f}, {hi:.2f}]  "
                  f"{1e9 * m / n_items:10.2f} ns per {unit}")
        eff = med["dask1"][0] / (2.0 * med["dask2"][0])
        print(f"  bitwise equal to the local result in every run: {ok}")
        print(f"  Dask scaling 1 -> 2 workers: {med['dask1'][0] / med['dask2'][0]:.2f}x "
              f"(efficiency {100 * eff:.0f} %); local 1 -> 2 threads: "
              f"{med['local1'][0] / med['local2'][0]:.2f}x")
        for c in (1, 2):
            over = med[f"dask{c}"][0] / med[f"local{c}"][0] - 1.0
            cpu_over = (statistics.median(cpus[f"dask{c}"])
                        / statistics.median(cpus[f"local{c}"]) - 1.0)
            net = [cpu - idle[c] * wall for cpu, wall in zip(cpus[f"dask{c}"],
                                                             times[f"dask{c}"])]
            net_over = statistics.median(net) / statistics.median(cpus[f"local{c}"]) - 1.0
            print(f"  overhead of Dask against local threads at {c} core(s): wall "
                  f"{100 * over:+.1f} %, CPU time {100 * cpu_over:+.1f} % (medians; CPU: "
                  "client + scheduler + workers against the local process); CPU time "
                  f"less the idle baseline x wall: {100 * net_over:+.1f} %")
        # task accounting from the 2-worker runs: compute time inside tasks vs wall
        wall, data = min(streams, key=lambda s: s[0])
        per_worker = {}
        comp = []
        for d in data:
            if "odekit-" not in str(d.get("key", "")):
                continue
            c = sum(ss["stop"] - ss["start"] for ss in d["startstops"]
                    if ss.get("action") == "compute")
            comp.append(c)
            w = per_worker.setdefault(d.get("worker"), [0.0, 0])
            w[0] += c
            w[1] += 1
        n_tasks = len(comp)
        busy = sum(comp)
        # per-task cost: the no-op round trip; the rest of the wall time is latency per run
        task_s = sched[2]
        latency = max(0.0, wall - max(b + k * task_s for b, k in per_worker.values()))
        print(f"  2-worker run: {n_tasks} tasks, task compute {np.median(comp):.3f} s median "
              f"[{min(comp):.3f}, {max(comp):.3f}], workers busy {busy:.2f} s of 2 x "
              f"{wall:.2f} s wall ({100 * busy / (2 * wall):.0f} %); latency per run "
              f"{1e3 * latency:.0f} ms (submission, first dispatch, last gather, assembly)")
        item_s = busy / n_items
        hint = {"chart": _entry._COST["integrate"], "basins": _entry._COST["basins"],
                "mc": _entry._COST["sector"] * 4}[name]
        results[name] = (n_items, item_s, task_s, latency, hint, med)

    # a 16-worker LocalCluster on this 2-core machine: not for speed; it checks that many
    # workers give the same bits and measures the scheduler's cost per task with 16 workers
    if not args.no_16:
        with distributed.LocalCluster(n_workers=16, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=40) as cl16, \
                distributed.Client(cl16, set_as_default=False) as c16:
            from odekit.geoprob import sector_probability_mc

            n16 = 10**8 if args.quick else 10**9
            e_loc = sector_probability_mc(4, 2.0, n16, seed=7, progress=False)
            sector_probability_mc(4, 2.0, 10**6, seed=1, client=c16, progress=False)
            t = time.perf_counter()
            e16 = sector_probability_mc(4, 2.0, n16, seed=7, client=c16, progress=False)
            dt = time.perf_counter() - t
            sched[16] = sched_overhead(c16)
            print(f"\n16 workers x 1 thread on {os.cpu_count()} cores: {n16:.0e}-sample MC in "
                  f"{dt:.1f} s, bitwise equal to local: {e16 == e_loc}; no-op task "
                  f"{1e3 * sched[16]:.2f} ms")

    print("\n== model of 64 single-thread workers (measured per-item compute, per-task "
          "overhead, scheduler cost per task)")
    s_sched = max(sched.values())
    for scale in (1, 1000):
        if scale > 1:
            print(f"  the same per-item costs at {scale}x the sizes (10^9 trajectories or "
                  "starts, 10^13 samples: the issue's scale):")
        for name, (n_items, item_s, task_s, latency, hint, _med) in results.items():
            t64, n_tasks, ideal = model_run(scale * n_items, item_s, task_s, latency, s_sched,
                                            64, hint)
            one = scale * n_items * item_s + task_s + latency
            print(f"  {name:7s} {n_tasks:6d} tasks, predicted {t64:9.3f} s vs ideal "
                  f"{ideal:9.3f} s (efficiency {100 * ideal / t64:3.0f} %; one worker "
                  f"{one:9.1f} s: speed-up {one / t64:5.1f}x)")
    print("  (basins: the model spreads all starts; the real run plans only the undecided ones,"
          " in fewer, longer tasks)")
    for _, (cl, c) in clusters.items():
        c.close()
        cl.close()
    print("\n".join(summary_lines({n: {k: v[0] for k, v in r[-1].items()}
                                    for n, r in results.items()})))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nclient process peak RSS: {peak:.0f} MiB; load average at end: "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
