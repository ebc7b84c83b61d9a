"""Benchmark: sampling from a 1000-point 2-D data set by the exact marginal field.

Workload (issue 10): 10^4 prior samples carried from t = T down to the data end by the exact
marginal field of a 1000-point 2-D point set (two moons, seeded), for the straight path
(LinearPath, Gaussian prior) and the variance-preserving path, at rtol = 1e-6, atol = 1e-9.
Every contender integrates the same ODE over the same interval [T, t_end], t_end where the
noise-to-signal ratio sigma/alpha is 1e-3 (``sample`` would go on to where the posterior is
a single point -- for 1000 random points, whose closest pair is very close, that is far
smaller -- and finish analytically; the benchmark stops at one common, practical level).

Contenders, alternated round by round:

* odekit: ``MarginalField.flow`` (one parallel ensemble, per-trajectory step control;
  the methods of ``--methods``, default DOP853, RK45 and Vern7, each at rtol, rtol/10 and
  rtol/100 (``--factors``), so that the comparison at equal achieved error can pick odekit's
  best setting;
  the field is a compiled loop over the data points).
* SciPy ``solve_ivp`` (RK45 and DOP853) on the whole sample as one vectorised system of
  2 x 10^4 unknowns, with the same closed-form field written in NumPy (distances by a
  matrix product, a stable softmax, the posterior mean by a second matrix product).
* torchdiffeq ``odeint`` dopri5 on the CPU with the same field in torch (float64), if
  torch and torchdiffeq import; skipped with a printed reason otherwise.

Error: each contender's end points on a fixed subset of the samples against a reference
computed by SciPy DOP853 at rtol = 1e-12, atol = 1e-14 on that subset alone (independent
of odekit); max and median Euclidean error are printed.

Peak memory: the growth of the resident set during a contender's run (sampled every 5 ms
from /proc/self/statm), beside the process's peak. Times are medians over the rounds with
their ranges; compile/first-call time of odekit is reported apart.

Run: ``PYTHONPATH=. python benchmarks/bench_characteristics.py [--quick] [--n N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

import numpy as np
from scipy.integrate import solve_ivp as scipy_solve_ivp
from scipy.special import logsumexp

from odekit import _jit
from odekit.characteristics import EmpiricalData, GaussianPath, LinearPath, MarginalField

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb():
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * PAGE / 2 ** 20
    except OSError:
        return float("nan")


class PeakRSS:
    """Largest resident set seen while the block runs, minus the resident set before it."""

    def __enter__(self):
        self.base = rss_mb()
        self.peak = self.base
        self._stop = threading.Event()

        def watch():
            while not self._stop.is_set():
                self.peak = max(self.peak, rss_mb())
                time.sleep(0.005)

        self._t = threading.Thread(target=watch, daemon=True)
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_mb())
        self.growth = self.peak - self.base


def two_moons(n, seed):
    rng = np.random.default_rng(seed)
    k = n // 2
    a = rng.uniform(0, np.pi, k)
    b = rng.uniform(0, np.pi, n - k)
    upper = np.column_stack([np.cos(a), np.sin(a)])
    lower = np.column_stack([1 - np.cos(b), 0.5 - np.sin(b)])
    pts = np.concatenate([upper, lower]) + 0.06 * rng.standard_normal((n, 2))
    return (pts - pts.mean(0)) / pts.std(0).mean()


def schedule_np(kind, t):
    """(alpha, alpha', sigma, sigma sigma') written out from the definitions."""
    if kind == "linear":
        return 1.0 - t, -1.0, t, t
    big = 0.1 * t + 0.5 * 19.9 * t * t
    beta = 0.1 + 19.9 * t
    a = np.exp(-0.5 * big)
    return a, -0.5 * beta * a, np.sqrt(-np.expm1(-big)), 0.5 * beta * a * a


def numpy_field(kind, pts, logw):
    """The closed-form marginal field for an (n, d) batch, NumPy (as a peer would write it)."""
    sq = np.sum(pts * pts, axis=1)

    def v(t, x):
        a, da, s, ssd = schedule_np(kind, t)
        # |x - a y|^2 = |x|^2 - 2 a x.y + a^2 |y|^2, one (n, N) matrix
        lg = (2 * a * (x @ pts.T) - a * a * sq[None, :]) / (2 * s * s) + logw[None, :]
        lg -= lg.max(axis=1, keepdims=True)
        np.exp(lg, out=lg)
        lg /= lg.sum(axis=1, keepdims=True)
        ybar = lg @ pts
        return da * ybar + (ssd / (s * s)) * (x - a * ybar)

    return v


def run_scipy(kind, pts, logw, xT, T, t_end, method, rtol, atol):
    v = numpy_field(kind, pts, logw)
    n, d = xT.shape

    def fun(t, y):
        return v(t, y.reshape(n, d)).ravel()

    res = scipy_solve_ivp(fun, (T, t_end), xT.ravel(), method=method, rtol=rtol, atol=atol)
    if not res.success:
        raise RuntimeError(res.message)
    return res.y[:, -1].reshape(n, d), res.nfev


def torch_runner():
    try:
        import torch
        import torchdiffeq
    except Exception as exc:  # ImportError, or a broken install
        return None, f"torch/torchdiffeq not importable ({type(exc).__name__}: {exc})"

    def run(kind, pts, logw, xT, T, t_end, rtol, atol):
        P = torch.tensor(pts, dtype=torch.float64)
        LW = torch.tensor(logw, dtype=torch.float64)
        sq = (P * P).sum(1)

        class Field(torch.nn.Module):
            nfev = 0

            def forward(self, t, x):
                Field.nfev += 1
                tt = float(t)
                a, da, s, ssd = schedule_np(kind, tt)
                lg = (2 * a * (x @ P.T) - a * a * sq[None, :]) / (2 * s * s) + LW[None, :]
                r = torch.softmax(lg, dim=1)
                ybar = r @ P
                return da * ybar + (ssd / (s * s)) * (x - a * ybar)

        f = Field()
        with torch.no_grad():
            out = torchdiffeq.odeint(f, torch.tensor(xT, dtype=torch.float64),
                                     torch.tensor([T, t_end], dtype=torch.float64),
                                     method="dopri5", rtol=rtol, atol=atol)
        return out[-1].numpy(), Field.nfev

    return run, f"torch {torch.__version__} ({torch.get_num_threads()} threads), " \
                f"torchdiffeq {getattr(torchdiffeq, '__version__', '?')}"


def reference(kind, pts, logw, x_sub, T, t_end):
    out, _ = run_scipy(kind, pts, logw, x_sub, T, t_end, "DOP853", 1e-12, 1e-14)
    return out


def errors(x, ref):
    e = np.linalg.norm(x - ref, axis=1)
    return float(e.max()), float(np.median(e))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2000 samples, 2 rounds")
    ap.add_argument("--n", type=int, default=None, help="number of samples (default 10^4)")
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=None, help="rounds for odekit")
    ap.add_argument("--peer-rounds", type=int, default=None, help="rounds for the peers")
    ap.add_argument("--skip", action="append", default=[],
                    help="leave out a contender by name (repeatable), e.g. 'scipy DOP853'")
    ap.add_argument("--methods", default="DOP853,RK45,Vern7",
                    help="odekit methods to run, comma-separated (any adaptive method of the "
                         "registry, or auto), each at rtol, rtol/10, rtol/100")
    ap.add_argument("--factors", default="1,0.1,0.01",
                    help="odekit's tolerances as multiples of --rtol (atol scaled alike), "
                         "comma-separated; the equal-error comparison picks among them")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-9)
    args = ap.parse_args(argv)
    n = args.n or (2000 if args.quick else 10_000)
    rounds = args.rounds or (2 if args.quick else 3)
    peer_rounds = args.peer_rounds or rounds
    rtol, atol = args.rtol, args.atol
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    factors = np.array([float(v) for v in args.factors.split(",") if v.strip()])
    print(__doc__.splitlines()[0])
    print(f"n = {n} samples, N = {args.points} data points (2-D two moons), rtol = {rtol:g}, "
          f"atol = {atol:g}, {rounds} rounds (peers {peer_rounds}); "
          f"numba threads = {_jit.num_threads()}, "
          f"cores = {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} "
          f"(shared machine: timings are noisy)")
    torch_run, torch_note = torch_runner()
    print("torchdiffeq:", torch_note if torch_run else f"skipped: {torch_note}")
    pts = two_moons(args.points, 0)
    data = EmpiricalData(pts)
    logw = np.log(data.weights)
    rng = np.random.default_rng(1)
    sub = rng.choice(n, size=min(100, n), replace=False)
    for kind, path in [("linear", LinearPath()), ("vp", GaussianPath.variance_preserving())]:
        f = MarginalField(path, data)
        T = f.T
        t_end = 1e-3 / (1 + 1e-3) if kind == "linear" else path.time_at_snr(1e3)
        xT = f.prior.sample(n, np.random.default_rng(2))
        print(f"\n== {kind} path: integrate t = {T:g} -> t_end = {t_end:.3e} "
              f"(sigma/alpha = 1e-3) ==")
        t0 = time.perf_counter()
        for meth in methods:
            f.flow(xT[:4], T, t_end, rtol=rtol, atol=atol, method=meth)
        print(f"odekit first calls (compile or disk-cache load of {', '.join(methods)}): "
              f"{time.perf_counter() - t0:.2f} s (excluded below)")
        t0 = time.perf_counter()
        ref = reference(kind, pts, logw, xT[sub], T, t_end)
        print(f"reference (SciPy DOP853 rtol 1e-12 on {sub.size} samples): "
              f"{time.perf_counter() - t0:.1f} s")
        contenders = {}
        for meth in methods:
            for rt in factors * rtol:
                contenders[f"odekit {meth} rtol={rt:.0e}"] = (
                    lambda meth=meth, rt=rt: (f.flow(xT, T, t_end, rtol=rt, atol=atol * rt / rtol,
                                                     method=meth), None))
        contenders["scipy RK45"] = lambda: run_scipy(kind, pts, logw, xT, T, t_end, "RK45",
                                                     rtol, atol)
        contenders["scipy DOP853"] = lambda: run_scipy(kind, pts, logw, xT, T, t_end, "DOP853",
                                                       rtol, atol)
        if torch_run:
            contenders["torchdiffeq dopri5"] = lambda: torch_run(kind, pts, logw, xT, T, t_end,
                                                                 rtol, atol)
        for name in args.skip:
            if contenders.pop(name, None) is not None:
                print(f"(left out: {name})")
        times = {k: [] for k in contenders}
        mem = {k: 0.0 for k in contenders}
        err = {}
        nfev = {}
        for r in range(max(rounds, peer_rounds)):
            order = list(contenders) if r % 2 == 0 else list(contenders)[::-1]
            for name in order:
                limit = rounds if name.startswith("odekit") else peer_rounds
                if r >= limit:
                    continue
                with PeakRSS() as pk:
                    t0 = time.perf_counter()
                    x, nf = contenders[name]()
                    times[name].append(time.perf_counter() - t0)
                mem[name] = max(mem[name], pk.growth)
                err[name] = errors(x[sub], ref)
                nfev[name] = nf
        med = {k: statistics.median(v) for k, v in times.items()}
        peers = [k for k in contenders if not k.startswith("odekit")]
        mine = [k for k in contenders if k.startswith("odekit")]
        print(f"{'contender':26s} {'median s':>9s} {'range s':>17s} {'max err':>9s} "
              f"{'median err':>10s} {'RSS +MB':>8s} {'nfev':>8s}")
        for k in contenders:
            nf = "" if nfev[k] is None else str(nfev[k])
            print(f"{k:26s} {med[k]:9.3f} {min(times[k]):8.3f}-{max(times[k]):<8.3f} "
                  f"{err[k][0]:9.2e} {err[k][1]:10.2e} {mem[k]:8.1f} {nf:>8s}")
        if not peers:
            continue
        best_peer = min(peers, key=lambda k: med[k])
        for col, label in ((0, "max"), (1, "median")):
            ok = [k for k in mine if err[k][col] <= err[best_peer][col]]
            if not ok:
                print(f"no odekit setting reached the {label} error of {best_peer} "
                      f"({err[best_peer][col]:.1e})")
                continue
            pick = min(ok, key=lambda k: med[k])
            print(f"equal-or-better {label} error: {pick} ({err[pick][col]:.1e}, {med[pick]:.3f} s)"
                  f" vs fastest peer {best_peer} ({err[best_peer][col]:.1e}, "
                  f"{med[best_peer]:.3f} s): {med[best_peer] / med[pick]:.1f}x faster")
        same = [k for k in mine if k.endswith(f"rtol={rtol:.0e}")]
        if same:
            same = min(same, key=lambda k: med[k])
            print(f"same rtol: {same} {med[best_peer] / med[same]:.1f}x faster than {best_peer}")
        # the most accurate peer as well, for the equal-error reading
        acc_peer = min(peers, key=lambda k: err[k][0])
        print(f"most accurate peer: {acc_peer} ({err[acc_peer][0]:.1e}, {med[acc_peer]:.2f} s)")
    print(f"\nprocess peak RSS {rss_mb():.0f} MB now; odekit's field loops over the data "
          "points inside the kernel (O(d) memory per sample), the NumPy/torch fields hold "
          "(n, N) matrices")


if __name__ == "__main__":
    main()
