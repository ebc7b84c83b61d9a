#!/usr/bin/env python
"""Work-precision benchmark: time per solve against the error achieved, odekit and its peers.

For each problem (Arenstorf, Pleiades, Lorenz, Van der Pol, rigid body, and the Floquet
workload of the Mathieu equation as an ensemble), each contender and each rtol in
1e-3 ... 1e-13 (atol = rtol * 1e-2), the median time of one solve and the error it actually
achieved against a reference computed independently at far tighter precision; one
work-precision plot per problem, and a table of odekit's best time over the fastest peer's
at error levels 1e-3 ... 1e-11 (interpolated on log-log, never extrapolated).

Run from the repository root (odekit need not be installed)::

    PYTHONPATH=. python benchmarks/bench_work_precision.py            # full (<= 15 min)
    PYTHONPATH=. python benchmarks/bench_work_precision.py --quick    # ~2 min
    PYTHONPATH=. python benchmarks/bench_work_precision.py --only arenstorf --contenders odekit,CyRK

Contenders: every method in odekit's registry (``odekit.integrate._tableaux.METHODS`` or
wherever this version keeps it) plus ``"auto"`` and ``"taylor"`` when ``solve_ivp`` accepts
them; SciPy ``solve_ivp`` RK45/DOP853/LSODA; numbalsoda dop853/lsoda; CyRK (its C++
CySolver DOP853 and Vern7 through ``nbsolve2_ivp``, and its pure-Numba ``nbsolve_ivp``
DOP853); heyoka ``taylor_adaptive`` (``tol = rtol``). Peers are optional: a missing one is
skipped with a printed reason.

How it measures
---------------
* Every contender is called the way a user calls it: a Python-level call that does one
  complete solve (argument checks, result packaging and per-call overhead included) and
  hands back the final state. odekit, numbalsoda and CyRK get the same in-place right-hand
  side ``f(t, y, p, dydt)`` (Numba-compiled; numbalsoda and CyRK through a Numba ``cfunc``
  C-callback, their fastest API, called from a small ``numba.njit`` wrapper), SciPy a plain
  Python function returning a list, heyoka the same formulas as an expression system with
  the parameters as runtime parameters (``hy.par``).
* Contenders alternate inside one process: for each rtol every contender is called once
  (that call gives the achieved error and, at the first rtol, the compile time), once more
  to size a timing unit (enough calls for ~20 ms), then ``rounds`` rounds in which each
  contender runs one unit, in a rotating order. The time per solve is the median over the
  rounds; the range is printed. A contender whose single solve exceeds the per-point budget
  gets fewer rounds; one whose solve exceeds the stop limit is not run at tighter rtols
  (printed).
* Compile time = first call - median call, at the first rtol (for heyoka: building the
  integrator, which it does per tolerance); reported apart, never in the times. It depends on
  the state of the disk caches (Numba's and odekit's): run twice to see the cached figure.
* Achieved error: the relative 2-norm of the final-state error,
  ``||y(t1) - y_ref(t1)|| / ||y_ref(t1)||``; for the ensemble, the largest over the members.
* The Floquet ensemble: odekit through ``solve_ensemble``; numbalsoda and CyRK through a
  Numba ``prange`` loop (their only batch route); heyoka through ``taylor_adaptive_batch``
  (SIMD lanes, one thread, a Python loop over batches); SciPy through a Python loop over a
  fixed subsample of the grid (its time and error are per trajectory of that subsample).
  Numba threads: ``--threads`` (default 1, so every contender runs on one thread). Times are
  per trajectory.

References: see ``benchmarks/_wp_problems.py`` (mpmath ``odefun`` at 32 digits, checked at
24, cached in ``benchmarks/results/wp_references.json``; a long-double Taylor-series solve
for the Mathieu ensemble, checked against half the step and against mpmath).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback


HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
if ROOT not in sys.path:
    sys.path.insert(1, ROOT)

import _wp_contenders as C  # noqa: E402
import _wp_problems as P  # noqa: E402

RTOLS_FULL = [10.0 ** -k for k in range(3, 14)]
RTOLS_QUICK = [1e-3, 1e-6, 1e-9, 1e-12]
LEVELS = [10.0 ** -k for k in range(3, 12)]


class Tee(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, s):
        for st in self.streams:
            st.write(s)
        return len(s)

    def flush(self):
        for st in self.streams:
            st.flush()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def fmt_t(t):
    if t is None or not math.isfinite(t):
        return "-"
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if t >= f:
            return f"{t / f:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_e(e):
    return "-" if e is None or not math.isfinite(e) else f"{e:.1e}"


def git_commit():
    try:
        out = subprocess.run(["git", "rev-parse", "--short=7", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=20)
        c = out.stdout.strip() or "nogit"
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "odekit"], cwd=ROOT,
                               capture_output=True, text=True, timeout=20).stdout.strip()
        return c, bool(dirty)
    except (OSError, subprocess.SubprocessError):
        return "nogit", False


# ---------------------------------------------------------------------------------------
# measuring
# ---------------------------------------------------------------------------------------
class Point:
    def __init__(self, rtol):
        self.rtol = rtol
        self.err = None
        self.time = None  # median seconds per call
        self.tmin = self.tmax = None
        self.rounds = 0
        self.first = None
        self.build = 0.0  # time of make() (heyoka: builds and compiles an integrator)
        self.fail = ""
        self.per = 1  # trajectories per call
        self.setup = 0.0  # the contender's set-up time for this problem (on the first point)
        self.setup_calls = 0


def measure_problem(pb, contenders, rtols, cfg):
    """{contender name: [Point]} for one problem, contenders alternating."""
    per = pb.k if pb.ensemble else 1
    active = []
    pb.probe_rtol = rtols[0]
    for c in contenders:
        t0 = time.perf_counter()
        try:
            c.setup(pb)
        except C.Skip as exc:
            print(f"  skipped {c.name}: {exc}")
            continue
        except Exception as exc:  # a peer that breaks is reported, never fatal
            print(f"  skipped {c.name}: setup failed: {type(exc).__name__}: {exc}")
            if cfg.debug:
                traceback.print_exc()
            continue
        c.setup_time = time.perf_counter() - t0
        c.per = len(pb._sub_idx) if (pb.ensemble and isinstance(c, C.Scipy)) else per
        active.append(c)
    data = {c.name: [] for c in active}
    stopped = {}
    for ir, rtol in enumerate(rtols):
        atol = pb.atol(rtol)
        log(f"[{pb.name}] rtol {rtol:.0e} ...")
        runs, units = {}, {}
        for c in active:
            if c.name in stopped:
                continue
            pt = Point(rtol)
            pt.per = c.per
            if not data[c.name]:
                pt.setup, pt.setup_calls = c.setup_time, c.setup_calls
            data[c.name].append(pt)
            try:
                t0 = time.perf_counter()
                run = c.make(pb, rtol, atol)
                pt.build = time.perf_counter() - t0
                t0 = time.perf_counter()
                y = run()
                pt.first = time.perf_counter() - t0
                pt.err = pb.error(y)
                if not math.isfinite(pt.err):
                    raise RuntimeError("non-finite final state")
                t0 = time.perf_counter()
                run()
                t2 = time.perf_counter() - t0
            except Exception as exc:
                msg = str(exc).splitlines()[0][:100] if str(exc) else ""
                pt.fail = f"{type(exc).__name__}: {msg}"
                pt.err = None
                if cfg.debug:
                    traceback.print_exc()
                continue
            runs[c.name] = run
            number = max(1, int(math.ceil(cfg.unit / max(t2, 1e-9))))
            rounds = max(1, min(cfg.rounds, int(cfg.budget / max(t2 * number, 1e-9))))
            units[c.name] = (number, rounds, [t2])
            if t2 > cfg.stop:
                stopped[c.name] = (rtol, t2)
        for r in range(max((u[1] for u in units.values()), default=0)):
            names = list(runs)
            shift = r % max(1, len(names))
            for name in names[shift:] + names[:shift]:
                number, rounds, times = units[name]
                if r >= rounds or (r == 0 and rounds == 1 and number == 1 and times[0] > cfg.unit):
                    continue  # a slow solve: its calibration call is its measurement
                run = runs[name]
                t0 = time.perf_counter()
                for _ in range(number):
                    run()
                times.append((time.perf_counter() - t0) / number)
        for c in active:
            if c.name not in units:
                continue
            number, rounds, times = units[c.name]
            if len(times) > 1:
                times = times[1:]  # the calibration call is not a round
            pt = data[c.name][-1]
            pt.time = statistics.median(times) / pt.per
            pt.tmin, pt.tmax = min(times) / pt.per, max(times) / pt.per
            pt.rounds = len(times)
    if pb.name == "vanderpol":
        overhead(pb, active, cfg)
    for name, (rtol, t2) in stopped.items():
        if rtol != rtols[-1]:
            print(f"  {name}: not run below rtol {rtol:.0e} (one solve took {t2:.2f} s > "
                  f"{cfg.stop:g} s)")
    return active, data


def overhead(pb, active, cfg):
    """Per-call overhead: the same contenders over [0, 1e-6] (one or two steps)."""
    t1 = pb.t1
    pb.t1 = 1e-6
    rows = []
    try:
        for c in active:
            try:
                run = c.make(pb, 1e-6, 1e-8)
                run()
                number = max(1, int(cfg.unit / max(1e-7, _once(run))))
                ts = []
                for _ in range(cfg.rounds):
                    t0 = time.perf_counter()
                    for _ in range(number):
                        run()
                    ts.append((time.perf_counter() - t0) / number)
                rows.append([c.name, fmt_t(statistics.median(ts)),
                             f"{fmt_t(min(ts))}-{fmt_t(max(ts))}"])
            except Exception as exc:
                rows.append([c.name, "failed", f"{type(exc).__name__}"])
    finally:
        pb.t1 = t1
    print("per-call overhead: one solve of Van der Pol over [0, 1e-6] (a step or two), "
          "rtol 1e-6:")
    table(["contender", "time per call", "range"], rows)


def _once(run):
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def compile_time(c, pts):
    """Compile time: set-up + first call - median call(s) at the first rtol; and the largest
    excess of a first call (plus building, heyoka) at a later rtol."""
    ok = [p for p in pts if p.time is not None]
    if not ok or pts[0] is not ok[0]:
        return None, None
    p0 = ok[0]
    first = p0.setup + p0.build + p0.first - (1 + p0.setup_calls) * p0.time * p0.per
    later = max((p.build + p.first - p.time * p.per for p in ok[1:]), default=None)
    return max(first, 0.0), later


# ---------------------------------------------------------------------------------------
# interpolation on log-log
# ---------------------------------------------------------------------------------------
def curve(pts):
    return [(max(p.err, 1e-17), p.time) for p in pts if p.time is not None and p.err is not None]


def time_at(cv, level):
    """Time to reach error ``level`` by log-log interpolation between consecutive measured
    points (in rtol order) that bracket it; the cheapest crossing; None if none does."""
    best = None
    L = math.log(level)
    for (e1, t1), (e2, t2) in zip(cv, cv[1:]):
        a, b = math.log(e1), math.log(e2)
        if min(a, b) <= L <= max(a, b):
            if a == b:
                t = min(t1, t2)
            else:
                w = (L - a) / (b - a)
                t = math.exp(math.log(t1) + w * (math.log(t2) - math.log(t1)))
            best = t if best is None else min(best, t)
    if best is None:
        for e, t in cv:
            if e == level:
                best = t if best is None else min(best, t)
    return best


def time_at_most(cv, level):
    """Time to reach error ``level`` *or better*: the least of :func:`time_at` and the
    times of the measured points whose error is at most ``level`` (the cost of meeting an
    accuracy target, as a user who tunes the tolerance would find it). None if no
    measured point reaches the level."""
    best = time_at(cv, level)
    for e, t in cv:
        if e <= level and (best is None or t < best):
            best = t
    return best


def envelope(curves, names, level, frontier=False):
    """The fastest of ``names`` at ``level``: at equal achieved error (:func:`time_at`), or
    with ``frontier`` at equal or better achieved error (:func:`time_at_most`)."""
    at = time_at_most if frontier else time_at
    best = (None, None)
    for n in names:
        t = at(curves[n], level)
        if t is not None and (best[0] is None or t < best[0]):
            best = (t, n)
    return best


# ---------------------------------------------------------------------------------------
# plotting
# ---------------------------------------------------------------------------------------
def plot_problem(pb, active, data, path):
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.8, 5.0), layout="constrained")
    od = [c for c in active if c.group == "odekit"]
    peers = [c for c in active if c.group == "peer"]
    cmap_o = plt.get_cmap("viridis")
    markers = "osD^v<>phX*"
    for i, c in enumerate(od):
        cv = curve(data[c.name])
        if cv:
            col = cmap_o(0.05 + 0.75 * i / max(1, len(od) - 1))
            ax.loglog([e for e, _ in cv], [t for _, t in cv], "-", marker=markers[i % 11],
                      color=col, lw=2, ms=5, label=c.name)
    peer_colors = ["#d62728", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
                   "#17becf", "#9467bd"]
    for i, c in enumerate(peers):
        cv = curve(data[c.name])
        if cv:
            ax.loglog([e for e, _ in cv], [t for _, t in cv], "--", marker=markers[i % 11],
                      color=peer_colors[i % len(peer_colors)], lw=1.3, ms=4, mfc="none",
                      label=c.name)
    for c in active:
        if c.group == "heyoka":
            cv = curve(data[c.name])
            if cv:
                ax.loglog([e for e, _ in cv], [t for _, t in cv], ":", marker="*",
                          color="black", lw=1.6, ms=7, label=c.name)
    ax.set_xlabel("achieved error  ||y - y_ref|| / ||y_ref||" +
                  ("  (largest over the members)" if pb.ensemble else ""))
    ax.set_ylabel("time per trajectory (s)" if pb.ensemble else "time per solve (s)")
    ax.invert_xaxis()
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.1)
    ax.set_title(pb.title, fontsize="medium")
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, path)
    return os.path.getsize(path)


# ---------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------
def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="rtols 1e-3,1e-6,1e-9,1e-12, fewer repeats, 20x20 Floquet grid")
    ap.add_argument("--only", action="append", default=[],
                    help="problem(s) to run (repeatable or comma-separated): arenstorf, "
                         "pleiades, lorenz, vanderpol, rigidbody, floquet")
    ap.add_argument("--contenders", default="",
                    help="comma-separated substrings; a contender runs if its name contains "
                         "one of them (case-insensitive), e.g. 'odekit,numbalsoda,heyoka'")
    ap.add_argument("--out", default=None,
                    help="folder for the PNGs (default benchmarks/results/work_precision, or "
                         "a temporary folder with --quick)")
    ap.add_argument("--results", default=None,
                    help="results file (default benchmarks/results/bench_work_precision"
                         "[-quick]-<commit>.txt); 'none' to not save")
    ap.add_argument("--threads", type=int, default=1,
                    help="Numba threads for the ensemble (odekit, numbalsoda, CyRK); default 1")
    ap.add_argument("--floquet-n", type=int, default=None, help="Floquet grid side (100; quick 20)")
    ap.add_argument("--rtols", default=None, help="comma-separated rtols (override)")
    ap.add_argument("--note", default="", help="a line for the header (machine state, ...)")
    ap.add_argument("--debug", action="store_true", help="print tracebacks of failures")
    a = ap.parse_args(argv)
    a.rounds = 3 if a.quick else 5
    a.unit = 0.01 if a.quick else 0.02
    a.budget = 0.25 if a.quick else 1.5
    a.stop = 0.4 if a.quick else 2.5
    a.nsub = 8 if a.quick else 32
    if a.floquet_n is None:
        a.floquet_n = 20 if a.quick else 100
    a.rtol_list = ([float(x) for x in a.rtols.split(",")] if a.rtols
                   else (RTOLS_QUICK if a.quick else RTOLS_FULL))
    a.only = [x.strip() for o in a.only for x in o.split(",") if x.strip()]
    return a


def main(argv=None):
    cfg = parse(argv)
    buf = io.StringIO()
    real_stdout = sys.stdout
    sys.stdout = Tee(real_stdout, buf)
    try:
        return _main(cfg, buf)
    finally:
        sys.stdout = real_stdout


def _main(cfg, buf):
    import numba

    t_start = time.perf_counter()
    commit, dirty = git_commit()
    numba.set_num_threads(min(cfg.threads, numba.config.NUMBA_NUM_THREADS))
    problems = P.make_problems(cfg.floquet_n)
    P.check_forms(problems)
    if cfg.only:
        unknown = set(cfg.only) - {p.name for p in problems}
        if unknown:
            raise SystemExit(f"--only: unknown problem(s) {sorted(unknown)}; choose from "
                             f"{[p.name for p in problems]}")
        problems = [p for p in problems if p.name in cfg.only]
    od, od_reason = C.odekit_contenders()
    contenders = od + C.peer_contenders()
    quick_skip = []
    if cfg.contenders:
        keys = [k.strip().lower() for k in cfg.contenders.split(",") if k.strip()]
        contenders = [c for c in contenders if any(k in c.name.lower() for k in keys)]
    elif cfg.quick:  # its Numba solver compiles anew for every problem (~5-20 s each)
        quick_skip = [c.name for c in contenders if "nbrk" in c.name]
        contenders = [c for c in contenders if c.name not in quick_skip]

    try:
        import odekit

        od_version = getattr(odekit, "__version__", "?")
    except Exception:
        od_version = "absent"
    print("bench_work_precision" + (" --quick" if cfg.quick else ""))
    print("=" * 20)
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}   "
          f"odekit {od_version} at commit {commit}"
          f"{' (+ uncommitted changes in odekit/)' if dirty else ''}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, load average at start "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("peers: " + ", ".join(f"{k} {v}" for k, v in C.peer_versions().items()))
    print(f"numba threads for the ensemble: {numba.get_num_threads()}; "
          f"rtols {', '.join(f'{r:.0e}' for r in cfg.rtol_list)}, atol = rtol * 1e-2; "
          f"rounds {cfg.rounds}, unit {cfg.unit * 1e3:.0f} ms")
    if od_reason:
        print(f"odekit: {od_reason}")
    print("odekit methods found: " + ", ".join(c.method for c in od))
    if quick_skip:
        print(f"--quick leaves out {', '.join(quick_skip)} (a compile per problem; name it in "
              "--contenders to include it)")
    if cfg.note:
        print(f"note: {cfg.note}")
    print("Times: median per solve (per trajectory for the ensemble), contenders alternating "
          "in one process, Python-level call included; compile time apart.")
    print("Error: ||y(t1) - y_ref|| / ||y_ref|| (2-norm; ensemble: largest over the members).")
    print()

    results = {}
    for pb in problems:
        print(pb.title)
        print("=" * len(pb.title))
        if pb.ensemble:
            pb.subsample(cfg.nsub)
        t0 = time.perf_counter()
        P.reference(pb, log=log)
        print(f"reference: {pb.ref_note}")
        if pb.ensemble:
            print(f"{pb.k} trajectories; SciPy on a subsample of {len(pb._sub_idx)}")
        active, data = measure_problem(pb, contenders, cfg.rtol_list, cfg)
        results[pb.name] = (pb, active, data)
        print_raw(pb, active, data)
        print_levels(pb, active, data)
        print(f"({time.perf_counter() - t0:.0f} s for this problem)")
        print()

    out_dir = cfg.out or (os.path.join(HERE, "results", "work_precision") if not cfg.quick
                          else os.path.join("/tmp", "odekit-wp-quick"))
    os.makedirs(out_dir, exist_ok=True)
    sizes = []
    for name, (pb, active, data) in results.items():
        path = os.path.join(out_dir, f"{name}.png")
        try:
            sizes.append((path, plot_problem(pb, active, data, path)))
        except Exception as exc:
            print(f"plot of {name} failed: {type(exc).__name__}: {exc}")
    summary(results)
    print()
    print("plots: " + ", ".join(f"{os.path.relpath(p, ROOT)} ({s / 1024:.0f} KB)"
                                for p, s in sizes))
    print(f"total wall time {time.perf_counter() - t_start:.0f} s; load average at end "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    raw = {name: dict(title=pb.title, ensemble=pb.ensemble, per_call=pb.k,
                      ref_note=pb.ref_note,
                      contenders={c.name: dict(group=c.group, points=[
                          dict(rtol=p.rtol, err=p.err, time=p.time, tmin=p.tmin, tmax=p.tmax,
                               rounds=p.rounds, fail=p.fail) for p in data[c.name]])
                          for c in active})
           for name, (pb, active, data) in results.items()}
    if cfg.results != "none":
        jpath = os.path.join(out_dir, f"bench_work_precision{'-quick' if cfg.quick else ''}"
                                      f"-{commit}.json")
        with open(jpath, "w", encoding="utf-8") as fh:
            json.dump(raw, fh, indent=0)
        print(f"raw points: {os.path.relpath(jpath, ROOT)}")
        path = cfg.results or os.path.join(
            HERE, "results", f"bench_work_precision{'-quick' if cfg.quick else ''}-{commit}.txt")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(buf.getvalue())
        log(f"saved {path}")
    return results


def print_raw(pb, active, data):
    unit = "per trajectory" if pb.ensemble else "per solve"
    print(f"measured ({unit}; range over the rounds; n = rounds):")
    rows = []
    for c in active:
        comp, later = compile_time(c, data[c.name])
        for i, p in enumerate(data[c.name]):
            if p.time is None:
                rows.append([c.name if i == 0 else "", f"{p.rtol:.0e}", "failed", "", "", "",
                             p.fail[:60]])
                continue
            extra = ""
            if i == 0 and comp is not None:
                extra = f"compile {comp:.2f} s"
                if later is not None and later > 0.05:
                    extra += f" (later rtols up to {later:.2f} s)"
            rows.append([c.name if i == 0 else "", f"{p.rtol:.0e}", fmt_t(p.time),
                         f"{fmt_t(p.tmin)}-{fmt_t(p.tmax)}", str(p.rounds), fmt_e(p.err), extra])
    table(["contender", "rtol", "time", "range", "n", "error", "notes"], rows)


def table(header, rows, indent="  "):
    w = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h)
         for i, h in enumerate(header)]
    print(indent + "  ".join(str(h).ljust(w[i]) for i, h in enumerate(header)).rstrip())
    print(indent + "  ".join("-" * w[i] for i in range(len(header))))
    for r in rows:
        print(indent + "  ".join(str(c).ljust(w[i]) for i, c in enumerate(r)).rstrip())


def print_compile(results):
    """Compile times (s) per contender and problem: set-up + first call - median call."""
    names = []
    for _, (pb, active, data) in results.items():
        for c in active:
            if c.name not in names:
                names.append(c.name)
    rows = []
    for n in names:
        row = [n]
        for _, (pb, active, data) in results.items():
            c = next((c for c in active if c.name == n), None)
            comp, later = compile_time(c, data[n]) if c is not None else (None, None)
            cell = "-" if comp is None else f"{comp:.2f}"
            if later is not None and later > 0.05:
                cell += f" (+{later:.2f})"
            row.append(cell)
        rows.append(row)
    print("compile times (s): set-up + first call - median call at the first rtol; shared "
          "pieces (one kernel for several methods, a driver shared by problems) are charged to "
          "the first contender or problem that needs them; (+x): the largest first-call excess "
          "at a later rtol (heyoka builds an integrator per tolerance):")
    table(["contender"] + list(results), rows)


def groups(active):
    od = [c.name for c in active if c.group == "odekit"]
    peers = [c.name for c in active if c.group == "peer"]
    hy = [c.name for c in active if c.group == "heyoka"]
    return od, peers, hy


def print_levels(pb, active, data):
    curves = {c.name: curve(data[c.name]) for c in active}
    od, peers, hy = groups(active)
    print("at equal achieved error (log-log interpolation between measured points; '-' where "
          "a contender's measured errors do not bracket the level):")
    rows = []
    for L in LEVELS:
        to, no = envelope(curves, od, L)
        tp, npr = envelope(curves, peers, L)
        th, _ = envelope(curves, hy, L)
        ratio = f"{tp / to:.2f}" if (to and tp) else "-"
        hratio = f"{th / to:.2f}" if (to and th) else "-"
        fo, fno = envelope(curves, od, L, frontier=True)
        fp, fnp = envelope(curves, peers, L, frontier=True)
        fratio = f"{fp / fo:.2f}" if (fo and fp) else "-"
        rows.append([f"{L:.0e}", fmt_t(to), (no or "-").replace("odekit ", ""), fmt_t(tp),
                     npr or "-", ratio, fmt_t(th), hratio,
                     f"{fmt_t(fo)} {(fno or '-').replace('odekit ', '')}",
                     f"{fmt_t(fp)} {fnp or '-'}", fratio])
    table(["error", "odekit best", "method", "fastest peer", "peer", "peer/odekit",
           "heyoka", "heyoka/odekit", "odekit <= error", "peer <= error", "peer/odekit <="],
          rows)
    print("(the last three columns: the least time that reaches the error level or better, "
          "for odekit and for the peers alike: a run whose achieved error is smaller than "
          "the level counts at its own time)")
    med = median_level(curves, od, peers)
    if med:
        L, to, no, tp, npr = med
        print(f"ratio at the median error level {L:.1e}: {tp / to:.2f}x "
              f"({no} {fmt_t(to)} vs {npr} {fmt_t(tp)}); peer/odekit > 1: odekit faster")
        rows = []
        for c in active:
            t = time_at(curves[c.name], L)
            near = min((p for p in data[c.name] if p.time is not None and p.err),
                       key=lambda p: abs(math.log(max(p.err, 1e-17) / L)), default=None)
            rows.append([c.name, fmt_t(t), f"{t / to:.2f}" if t else "-",
                         f"rtol {near.rtol:.0e}: {fmt_e(near.err)} in {fmt_t(near.time)}"
                         if near else "-"])
        print(f"every contender at error {L:.1e} (time / odekit's best; and its measured point "
              "nearest to that error):")
        table(["contender", "time", "/ odekit", "nearest measured point"], rows)
    else:
        print("ratio at the median error level: - (no common error range)")


def median_level(curves, od, peers, lo=1e-11, hi=1e-3):
    """The median of the error levels (10 per decade, within [lo, hi]) at which both
    odekit's best and the fastest peer are defined: (L, t_od, name, t_peer, name)."""
    grid = [10.0 ** (-3 - k / 10) for k in range(0, 81)]
    both = []
    for L in grid:
        to, no = envelope(curves, od, L)
        tp, npr = envelope(curves, peers, L)
        if to and tp:
            both.append((L, to, no, tp, npr))
    if not both:
        return None
    return both[len(both) // 2]


def level_ratios(curves, od, peers, frontier=False):
    """The fastest peer's time over odekit's best at each level of LEVELS where both are
    defined (see :func:`envelope`)."""
    ratios = []
    for L in LEVELS:
        to, _ = envelope(curves, od, L, frontier)
        tp, _ = envelope(curves, peers, L, frontier)
        if to and tp:
            ratios.append(tp / to)
    return ratios


def summary(results):
    title = "Summary: odekit's best method against the fastest peer at equal achieved error"
    print(title)
    print("=" * len(title))
    print("(ratio = peer time / odekit time, > 1: odekit faster; at the median error level of "
          "each problem (see above);")
    print(" 'min/median over levels' = the smallest/median ratio over the levels 1e-3 ... 1e-11 "
          "of the table, a steadier figure than one level; heyoka beside: its time / odekit's)")
    rows = []
    targets = []
    for name, (pb, active, data) in results.items():
        curves = {c.name: curve(data[c.name]) for c in active}
        od, peers, hy = groups(active)
        med = median_level(curves, od, peers)
        ratios = level_ratios(curves, od, peers)
        if med:
            L, to, no, tp, npr = med
            th, _ = envelope(curves, hy, L)
            hcell = f"{th / to:.2f}x" if th else "-"
            rows.append([name, f"{L:.1e}", no.replace("odekit ", ""), fmt_t(to), npr, fmt_t(tp),
                         f"{tp / to:.2f}x", f"{min(ratios):.2f}" if ratios else "-",
                         f"{statistics.median(ratios):.2f}" if ratios else "-", hcell])
            targets.append((name, tp / to, min(ratios) if ratios else None))
        else:
            rows.append([name, "-", "-", "-", "-", "-", "-", "-", "-", "-"])
    table(["problem", "error level", "odekit", "time", "fastest peer", "time",
           "vs fastest peer", "min over levels", "median over levels", "vs heyoka"], rows)
    print()
    print_compile(results)
    print()
    print("issue 11 targets (peers except heyoka): >= 1.5x at the median error level, never "
          "slower (>= 1.0x) at any level 1e-3 ... 1e-11:")
    for name, r, mn in targets:
        ok = r >= 1.5 and (mn is None or mn >= 1.0)
        print(f"  {name:10s} median {r:.2f}x, min {mn if mn is None else round(mn, 2)}x: "
              f"{'MET' if ok else 'NOT MET'}")
    print("the same at equal or better achieved error (each side's least time reaching the "
          "level or better; median level as above):")
    for name, (pb, active, data) in results.items():
        curves = {c.name: curve(data[c.name]) for c in active}
        od, peers, hy = groups(active)
        med = median_level(curves, od, peers)
        ratios = level_ratios(curves, od, peers, frontier=True)
        if not med or not ratios:
            continue
        to, _ = envelope(curves, od, med[0], frontier=True)
        tp, _ = envelope(curves, peers, med[0], frontier=True)
        r, mn = tp / to, min(ratios)
        ok = r >= 1.5 and mn >= 1.0
        print(f"  {name:10s} median {r:.2f}x, min {mn:.2f}x over {len(ratios)} levels: "
              f"{'MET' if ok else 'NOT MET'}")
    # issue 12: odekit taylor vs heyoka
    for name, (pb, active, data) in results.items():
        names = [c.name for c in active]
        if "odekit taylor" not in names or "heyoka" not in names:
            continue
        curves = {c.name: curve(data[c.name]) for c in active}
        lv = [1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12]
        rr = []
        for L in lv:
            t_t = time_at(curves["odekit taylor"], L)
            t_h = time_at(curves["heyoka"], L)
            if t_t and t_h:
                rr.append(t_h / t_t)
        if rr:
            print(f"  issue 12, {name}: heyoka / odekit taylor at levels 1e-6 ... 1e-12: median "
                  f"{statistics.median(rr):.2f}x, min {min(rr):.2f}x over {len(rr)} levels")


if __name__ == "__main__":
    main()
