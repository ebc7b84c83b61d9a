"""``solve_ensemble``: many trajectories of one system, in parallel."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from .. import _jit
from .._progress import progress_bar
from . import _driver
from . import _validate as V
from ._kernels import EVENT_SUBSTEPS as _EVENT_SUBSTEPS
from ._results import EnsembleResult, Event, IntegrationError
from ._status import Status
from ._tableaux import ADAPTIVE_METHODS, fill_method_doc, get_tableau
from .ivp import events_addresses, kernel_arrays, rhs_addresses

__all__ = ["solve_ensemble", "BACKENDS"]

#: Ensemble solvers of methods that are not explicit Runge–Kutta pairs (see
#: :data:`odekit.integrate.ivp.BACKENDS`): ``BACKENDS[name] = solve`` with
#: ``solve(fun, t_span, y0, **options)`` taking every keyword of :func:`solve_ensemble`
#: and returning an :class:`EnsembleResult`.
BACKENDS: dict = {}

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0
_POOL_LOCK = threading.Lock()


def _after_fork_in_child():
    """A forked child has none of the parent's threads: drop the pool (and any lock a
    parent thread held at the fork), so the first ensemble in the child makes its own."""
    global _POOL, _POOL_SIZE, _POOL_LOCK
    _POOL = None
    _POOL_SIZE = 0
    _POOL_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def run_chunks(kernel, n_chunks, args, progress=None, sizes=None, desc="solve_ensemble"):
    """Run ``kernel(ch, *args)`` for every chunk, on as many threads as Numba uses.

    The compiled kernels release the GIL, so the chunks run truly in parallel;
    ``numba.set_num_threads`` (or ``NUMBA_NUM_THREADS``) sets how many. This does the job
    of a ``prange`` loop without compiling a parallel region for every right-hand side
    (which costs 9-13 s of compile time per function, against ~3 s). ``sizes[ch]`` (work in
    chunk ch) drives the progress bar (see :mod:`odekit._progress`).
    """
    global _POOL, _POOL_SIZE
    sizes = [1] * n_chunks if sizes is None else sizes
    threads = min(_jit.num_threads(), n_chunks)
    with progress_bar(sum(sizes), progress=progress, desc=desc) as bar:
        if threads <= 1:
            for ch in range(n_chunks):
                kernel(ch, *args)
                bar.update(sizes[ch])
            return
        with _POOL_LOCK:
            if _POOL is None or _POOL_SIZE != threads:
                if _POOL is not None:
                    _POOL.shutdown(wait=False)
                _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="odekit")
                _POOL_SIZE = threads
            pool = _POOL
        futures = {pool.submit(kernel, ch, *args): ch for ch in range(n_chunks)}
        for fut in as_completed(futures):
            fut.result()
            bar.update(sizes[futures[fut]])


def ensemble_size(y0, p) -> int:
    """Number of trajectories k of validated y0 ((n,) or (k, n)) and p ((m,) or (k, m))."""
    ky = y0.shape[0] if y0.ndim == 2 else None
    kp = p.shape[0] if p.ndim == 2 else None
    if ky is not None and kp is not None and ky != kp:
        raise ValueError(f"y0 has {ky} rows and params has {kp}: they must agree "
                         "(or one of them be 1-D, shared by all trajectories)")
    k = ky if ky is not None else (kp if kp is not None else 1)
    if k == 0:
        raise ValueError("the ensemble is empty (y0 or params has 0 rows)")
    return k


def ensemble_error(k, failed, codes) -> IntegrationError:
    """The error for the failed trajectories (indices ``failed``, statuses ``codes``) of k."""
    shown = ", ".join(map(str, failed[:10])) + (" ..." if failed.size > 10 else "")
    reasons = sorted({Status(int(c)).message for c in codes})
    return IntegrationError(f"{failed.size} of {k} trajectories failed ({'; '.join(reasons)})"
                            f": indices {shown}. Pass raise_on_failure=False to keep the "
                            "others (failed rows are NaN).", reason="; ".join(reasons),
                            indices=failed, status=Status(int(codes[0])))


def _broadcast(y0, p):
    k = ensemble_size(y0, p)
    Y0 = np.ascontiguousarray(np.broadcast_to(y0, (k, y0.shape[-1])))
    P = np.ascontiguousarray(np.broadcast_to(p, (k, p.shape[-1])))
    return Y0.copy(), P.copy()


def solve_ensemble(fun, t_span, y0, *, params=None, t_eval=None, method="DOP853",
                   rtol=1e-6, atol=1e-9, events=(), max_step=np.inf, max_steps=100_000,
                   raise_on_failure=True, progress=None, client=None,
                   out=None) -> EnsembleResult:
    """Integrate many trajectories of y' = fun(t, y, p) in parallel.

    ``y0`` of shape (n,) or (k, n) and ``params`` of shape (m,) or (k, m) broadcast to k
    trajectories. Each trajectory has its own adaptive step size and is integrated by the
    same compiled driver as :func:`solve_ivp` (so each equals its one-by-one solve, bit for
    bit); they run in parallel on all of Numba's threads, with no memory allocated per
    trajectory. Results are bitwise identical whatever the number of threads.

    Parameters
    ----------
    fun : callable
        As in :func:`solve_ivp`; prefer the in-place form ``fun(t, y, p, dydt)`` for speed.
    t_span : (float, float)
        Interval (t0, t1), possibly backwards.
    y0 : array_like, shape (n,) or (k, n)
    params : array_like, shape (m,) or (k, m), optional
    t_eval : array_like, optional
        Output times; without it only the final state (at t1, or where a terminal event
        stopped the trajectory) is kept.
    method : str
        An adaptive method (default ``"DOP853"``; the list comes from the method registry):

{ADAPTIVE_METHODS}
    rtol, atol : float
        Tolerances (``atol`` may be an array of shape (n,)).
    events : Event or sequence of Event or callables
        As in :func:`solve_ivp`, for every trajectory: each has its own ``t_events`` and
        ``y_events``, and a terminal event stops that trajectory only (its ``t_eval``
        outputs after the stop are NaN, its ``status`` is 1).
    max_step : float
        Largest allowed step size.
    max_steps : int
        Most accepted steps per trajectory.
    raise_on_failure : bool
        Raise :class:`IntegrationError` listing the failing indices (default). With False,
        failed trajectories keep NaN rows and a negative ``status``.
    progress : bool or None
        Progress bar on stderr: None (default) shows it only on a terminal and for runs
        expected to last more than a few seconds; True whenever stderr is a terminal;
        False never.
    client : dask.distributed.Client, optional
        Run the trajectories on a Dask cluster, by blocks (:doc:`/distributed`): bitwise
        the same result as locally. None (default): this machine's threads.
    out : str or os.PathLike, optional
        Write the result block by block to this new Zarr store (on a file system the
        workers share) instead of memory, and return it as an ``xarray.Dataset``.

    Returns
    -------
    EnsembleResult
        ``t`` (m,), ``y`` (k, n, m), ``status`` (k,), ``nfev`` (k,), ``t_final`` (k,),
        ``t_events`` and ``y_events`` (with events: for trajectory i and event j,
        ``t_events[i][j]`` of shape (q,) and ``y_events[i][j]`` of shape (q, n), or (0,)
        when it has no zeros), ``success`` (an ``xarray.Dataset`` of the same variables
        when ``out`` is given).

    Examples
    --------
    >>> import numpy as np, odekit
    >>> def decay(t, y, p, dydt):
    ...     dydt[0] = -p[0] * y[0]
    >>> rates = np.linspace(0.1, 1.0, 5)[:, None]
    >>> res = odekit.solve_ensemble(decay, (0.0, 1.0), [1.0], params=rates, rtol=1e-10,
    ...                             atol=1e-12)
    >>> res.y.shape
    (5, 1, 1)
    >>> bool(np.allclose(res.y[:, 0, -1], np.exp(-rates[:, 0]), rtol=1e-9))
    True
    """
    if client is not None or out is not None:
        from ..distributed import _entry

        return _entry.solve_ensemble(fun, t_span, y0, params=params, client=client, out=out,
                                     raise_on_failure=raise_on_failure, progress=progress,
                                     t_eval=t_eval, method=method, rtol=rtol, atol=atol,
                                     events=events, max_step=max_step, max_steps=max_steps)
    if type(method) is str and method in BACKENDS:
        return BACKENDS[method](fun, t_span, y0, params=params, t_eval=t_eval, rtol=rtol,
                                atol=atol, events=events, max_step=max_step,
                                max_steps=max_steps, raise_on_failure=raise_on_failure,
                                progress=progress)
    t0, t1 = V.check_t_span(t_span)
    y0 = V.check_y0(y0, ndim_allowed=(1, 2))
    n = y0.shape[-1]
    p = V.check_params(params, ndim_allowed=(1, 2))
    tab = get_tableau(method, rtol=rtol)
    if tab.err_mode == 0:
        raise ValueError(f"solve_ensemble needs an adaptive method, one of {ADAPTIVE_METHODS}"
                         f" or 'auto'; got {method!r}")
    rtol, atol = V.check_tolerances(rtol, atol, n)
    V.check_pure_relative(atol, y0)
    te = V.check_t_eval(t_eval, t0, t1, allow_empty=False)
    max_steps = V.check_max_steps(max_steps)
    max_step = V.check_max_step(max_step)
    Y0, P = _broadcast(y0, p)
    k = Y0.shape[0]
    if isinstance(events, Event) or callable(events):
        events = [events]
    evs = [e if isinstance(e, Event) else Event.from_function(e) for e in (events or ())]
    n_ev = len(evs)

    disp, inplace = V.prepare_rhs(fun, t0, Y0[0], P[0])
    ev_disps = tuple(V.prepare_event(e.g, t0, Y0[0], P[0], j) for j, e in enumerate(evs))
    fa, fj = rhs_addresses(disp, inplace)
    ga, gj = events_addresses(ev_disps)
    ev_dir = np.array([e.direction for e in evs], dtype=np.float64)
    ev_term = np.array([int(e.terminal) for e in evs], dtype=np.int64)

    t_out = te if te is not None else np.array([t1])
    m = t_out.size
    out = np.empty((k, n, m))
    status = np.zeros(k, dtype=np.int64)
    t_final = np.zeros(k)
    counts = np.zeros((k, 4), dtype=np.int64)
    # many small chunks: load balance between threads, and a live progress bar
    n_chunks = int(min(k, max(1, 32 * _jit.num_threads())))
    A, c, b, E, E3, Pd, ints, err_exp = kernel_arrays(tab)
    # Work arrays, one block per chunk. Blocks get spare rows at their end (at least a
    # cache line) so that two threads never write to the same cache line (false sharing
    # made two threads barely faster than one). The driver uses only the leading rows.
    pad = -(-8 // n)
    NS = _EVENT_SUBSTEPS
    ne = 2 * NS * n_ev
    cap = 64 * n_ev
    work = dict(
        Kw=np.zeros((n_chunks, tab.n_total + pad, n)),
        Qw=np.zeros((n_chunks, tab.dense_degree, n)),
        Ww=np.zeros((n_chunks, 5 + pad, n)),
        Gw=np.zeros((n_chunks, 5 + NS, max(1, n_ev))),
        Iw=np.zeros((n_chunks, 16 + n_ev), dtype=np.int64),
        Fw=np.zeros((n_chunks, 8)),
        TSw=np.zeros((n_chunks, m + 8 if te is not None else 0)),
        Yw=np.zeros((n_chunks, m + 1 if te is not None else 0, n)),
        Ew=np.zeros((n_chunks, ne)), EIw=np.zeros((n_chunks, ne), dtype=np.int64),
        EYw=np.zeros((n_chunks, ne, n)))
    store = dict(ev_store_t=np.zeros((n_chunks, cap)), ev_store_y=np.zeros((n_chunks, cap, n)),
                 ev_store_k=np.zeros((n_chunks, cap), dtype=np.int64),
                 ev_store_m=np.zeros((n_chunks, cap), dtype=np.int64))
    ev_used = np.zeros(n_chunks, dtype=np.int64)
    first = np.arange(n_chunks, dtype=np.int64)  # the next member of each chunk
    no = (np.empty(0), np.empty((0, n)), np.empty((0, tab.dense_degree, n)))
    sizes = [len(range(ch, k, n_chunks)) for ch in range(n_chunks)]
    t_eval_arr = te if te is not None else np.empty(0)
    for _ in range(64):  # each pass doubles the event stores: bounded
        args = (fa, fj, ga, gj, t0, t1, Y0, P, A, c, b, E, E3, Pd, ints, err_exp, rtol, atol,
                max_step, max_steps, t_eval_arr, ev_dir, ev_term, first, out, t_final,
                status, counts, work["Kw"], work["Qw"], work["Ww"], work["Gw"], work["Iw"],
                work["Fw"], work["TSw"], work["Yw"], work["Ew"], work["EIw"], work["EYw"],
                store["ev_store_t"], store["ev_store_y"], store["ev_store_k"],
                store["ev_store_m"], ev_used, *no)
        run_chunks(_driver.run_chunk, n_chunks, args, progress=progress, sizes=sizes)
        if np.all(first >= k):
            break
        # an event store is full: double them all and finish the chunks that stopped
        progress = False
        for key, arr in store.items():
            new = np.zeros((n_chunks, 2 * arr.shape[1] + 1) + arr.shape[2:], dtype=arr.dtype)
            new[:, :arr.shape[1]] = arr
            store[key] = new
    failed = np.flatnonzero(status < 0)
    if failed.size and raise_on_failure:
        raise ensemble_error(k, failed, status[failed])
    t_events = y_events = None
    if n_ev:
        t_events, y_events = _gather_events(k, n, n_ev, ev_used, store)
    return EnsembleResult(t=t_out.copy(), y=out, status=status, nfev=counts[:, 0].copy(),
                          success=bool(failed.size == 0), t_final=t_final,
                          t_events=t_events, y_events=y_events)



solve_ensemble.__doc__ = fill_method_doc(solve_ensemble.__doc__)


def _taylor_backend(fun, t_span, y0, *, params, t_eval, rtol, atol, events, max_step,
                    max_steps, raise_on_failure, progress):
    """``method="taylor"``: SIMD batches of the Taylor method (tol = min(rtol, atol))."""
    if not np.isinf(max_step):
        raise ValueError("solve_ensemble(method='taylor') chooses its own steps; max_step "
                         "is not supported with it")
    from .taylor import _solve_ensemble_hook

    return _solve_ensemble_hook(fun, t_span, y0, params, t_eval, rtol, atol, max_steps,
                                raise_on_failure, events=events)


BACKENDS["taylor"] = _taylor_backend


def _gather_events(k, n, n_ev, ev_used, store):
    """Per-trajectory, per-event lists from the chunks' event stores."""
    sel = [slice(0, int(u)) for u in ev_used]
    tt = np.concatenate([store["ev_store_t"][ch, s] for ch, s in enumerate(sel)])
    yy = np.concatenate([store["ev_store_y"][ch, s] for ch, s in enumerate(sel)])
    kk = np.concatenate([store["ev_store_k"][ch, s] for ch, s in enumerate(sel)])
    mm = np.concatenate([store["ev_store_m"][ch, s] for ch, s in enumerate(sel)])
    order = np.lexsort((kk, mm))  # by member, then event; time order kept within (stable)
    tt, yy, kk, mm = tt[order], yy[order], kk[order], mm[order]
    key = mm * n_ev + kk
    bounds = np.searchsorted(key, np.arange(k * n_ev + 1))
    t_events = []
    y_events = []
    for i in range(k):
        ti = []
        yi = []
        for j in range(n_ev):
            lo, hi = bounds[i * n_ev + j], bounds[i * n_ev + j + 1]
            ti.append(tt[lo:hi].copy())
            # SciPy's shapes, as solve_ivp: (q, n), or (0,) for an event without zeros
            yi.append(yy[lo:hi].reshape(-1, n).copy() if hi > lo else np.empty(0))
        t_events.append(ti)
        y_events.append(yi)
    return t_events, y_events
