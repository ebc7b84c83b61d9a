"""``solve_ensemble``: many trajectories of one system, in parallel."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np

from .. import _jit
from .._progress import progress_bar
from . import _validate as V
from ._codegen import get_kernels
from ._results import EnsembleResult, IntegrationError
from ._tableaux import ADAPTIVE_METHODS, fill_method_doc, get_tableau

__all__ = ["solve_ensemble"]

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


def _broadcast(y0, p):
    ky = y0.shape[0] if y0.ndim == 2 else None
    kp = p.shape[0] if p.ndim == 2 else None
    if ky is not None and kp is not None and ky != kp:
        raise ValueError(f"y0 has {ky} rows and params has {kp}: they must agree "
                         "(or one of them be 1-D, shared by all trajectories)")
    k = ky if ky is not None else (kp if kp is not None else 1)
    if k == 0:
        raise ValueError("the ensemble is empty (y0 or params has 0 rows)")
    Y0 = np.ascontiguousarray(np.broadcast_to(y0, (k, y0.shape[-1])))
    P = np.ascontiguousarray(np.broadcast_to(p, (k, p.shape[-1])))
    return Y0.copy(), P.copy()


def solve_ensemble(fun, t_span, y0, *, params=None, t_eval=None, method="DOP853",
                   rtol=1e-6, atol=1e-9, max_steps=100_000, raise_on_failure=True,
                   progress=None, client=None, out=None) -> EnsembleResult:
    """Integrate many trajectories of y' = fun(t, y, p) in parallel.

    ``y0`` of shape (n,) or (k, n) and ``params`` of shape (m,) or (k, m) broadcast to k
    trajectories. Each trajectory has its own adaptive step size; they run in parallel
    with Numba's ``prange`` on all of Numba's threads, with no memory allocated per
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
        Output times; without it only the final state (at t1) is kept.
    method : str
        An adaptive method (default ``"DOP853"``; the list comes from the method registry):

{ADAPTIVE_METHODS}
    rtol, atol : float
        Tolerances (``atol`` may be an array of shape (n,)).
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
        ``t`` (m,), ``y`` (k, n, m), ``status`` (k,), ``nfev`` (k,), ``success`` (an
        ``xarray.Dataset`` of the same variables when ``out`` is given).

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
                                     max_steps=max_steps)
    if method == "taylor":  # issue 12: SIMD batches of the Taylor method
        from .taylor import _solve_ensemble_hook
        return _solve_ensemble_hook(fun, t_span, y0, params, t_eval, rtol, atol,
                                    max_steps, raise_on_failure)
    t0, t1 = V.check_t_span(t_span)
    y0 = V.check_y0(y0, ndim_allowed=(1, 2))
    n = y0.shape[-1]
    p = V.check_params(params, ndim_allowed=(1, 2))
    tab = get_tableau(method, rtol)
    if tab.err_mode == 0:
        raise ValueError(f"solve_ensemble needs an adaptive method, one of {ADAPTIVE_METHODS}"
                         f" or 'auto'; got {method!r}")
    rtol, atol = V.check_tolerances(rtol, atol, n)
    V.check_pure_relative(atol, y0)
    te = V.check_t_eval(t_eval, t0, t1, allow_empty=False)
    max_steps = V.check_max_steps(max_steps)
    Y0, P = _broadcast(y0, p)
    k = Y0.shape[0]

    disp, inplace = V.prepare_rhs(fun, t0, Y0[0], P[0])
    kern = get_kernels(disp, inplace, (), n)
    t_out = te if te is not None else np.array([t1])
    out = np.empty((k, n, t_out.size))
    status = np.zeros(k, dtype=np.int64)
    nfev = np.zeros(k, dtype=np.int64)
    # many small chunks: load balance between threads, and a live progress bar
    n_chunks = int(min(k, max(1, 32 * _jit.num_threads())))
    A, c, b, E, E3, Pd, ints, err_exp = tab.kernel_arrays()
    # Work arrays, one block per chunk. Each block gets spare rows at its end (at least a
    # cache line) so that two threads never write to the same cache line (false sharing
    # made two threads barely faster than one). The kernels use only the leading rows.
    pad = -(-8 // n)
    Kw = np.zeros((n_chunks, tab.n_total + pad, n))
    Qw = np.zeros((n_chunks, tab.dense_degree, n))
    Vw = np.zeros((n_chunks, 4 + pad, n))
    args = (t0, t1, Y0, P, A, c, b, E, E3, Pd, ints, err_exp, rtol, atol, np.inf, max_steps,
            te if te is not None else np.empty(0), out, status, nfev, Kw, Qw, Vw)
    sizes = [len(range(ch, k, n_chunks)) for ch in range(n_chunks)]
    run_chunks(kern._run_chunk, n_chunks, args, progress=progress, sizes=sizes)
    failed = np.flatnonzero(status < 0)
    if failed.size and raise_on_failure:
        shown = ", ".join(map(str, failed[:10])) + (" ..." if failed.size > 10 else "")
        reasons = sorted({V.STATUS_MESSAGES[int(s)] for s in status[failed]})
        raise IntegrationError(f"{failed.size} of {k} trajectories failed ({'; '.join(reasons)})"
                               f": indices {shown}. Pass raise_on_failure=False to keep the "
                               "others (failed rows are NaN).", reason="; ".join(reasons),
                               indices=failed)
    return EnsembleResult(t=t_out.copy(), y=out, status=status, nfev=nfev,
                          success=bool(failed.size == 0))


solve_ensemble.__doc__ = fill_method_doc(solve_ensemble.__doc__)
