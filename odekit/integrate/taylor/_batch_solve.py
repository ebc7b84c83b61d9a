"""``solve_taylor_ensemble``: many trajectories by the Taylor method."""

from __future__ import annotations

import numpy as np

from ... import _jit
from .._results import EnsembleResult, IntegrationError
from ._batch import DEFAULT_WIDTH, run_ensemble, run_members
from ._codegen import order_from_tol
from ._solve import (check_common, check_events, check_t_eval, check_tol, prepare,
                     tol_from_rtol_atol)

__all__ = ["solve_taylor_ensemble"]


def solve_taylor_ensemble(fun, t_span, y0, *, params=None, tol=1e-12, t_eval=None,
                          events=(), max_steps=100_000, raise_on_failure=True,
                          width=None) -> EnsembleResult:
    """Integrate k trajectories of y' = fun(t, y, p) by the Taylor method.

    ``y0`` (n,) or (k, n) and ``params`` (m,) or (k, m) broadcast to k trajectories.
    Returns an :class:`odekit.integrate.EnsembleResult` as
    :func:`odekit.solve_ensemble` does (``nfev``: Taylor steps per trajectory).

    Trajectories run in batches of ``width`` SIMD lanes (default 8) with their own step
    sizes, batches in parallel on Numba's threads. Each member is bitwise equal to
    :func:`solve_taylor` of the same problem at the same ``tol`` (with ``t_eval``, or
    the final state), whatever the width and the number of threads.

    With ``events`` (as for :func:`solve_taylor`) every member has its own ``t_events[i]``
    and ``y_events[i]`` (event j: times (q,) and states (q, n), or (0,) without zeros), a
    terminal event stops that member only (``status`` 1; its ``t_eval`` outputs after the
    stop are NaN; without ``t_eval`` ``y`` holds the state where it stopped) and
    ``t_final`` says where each member ended. The members then run one after the other
    through the compiled scalar driver (no SIMD lanes, one thread), so each is exactly its
    :func:`solve_taylor` solve.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.integrate.taylor import solve_taylor_ensemble
    >>> def decay(t, y, p):
    ...     return np.array([-p[0] * y[0]])
    >>> rates = np.linspace(0.1, 1.0, 5)[:, None]
    >>> res = solve_taylor_ensemble(decay, (0.0, 1.0), [1.0], params=rates, tol=1e-14)
    >>> bool(np.allclose(res.y[:, 0, -1], np.exp(-rates[:, 0]), rtol=1e-13))
    True
    """
    t0, t1, y, p, max_steps = check_common(t_span, y0, params, max_steps, ydim=(1, 2))
    tol = check_tol(tol)
    te = check_t_eval(t_eval, t0, t1)
    n = y.shape[-1]
    m = p.shape[-1] if p.size else 0
    k = max(y.shape[0] if y.ndim == 2 else 1, p.shape[0] if p.ndim == 2 else 1)
    Y = np.broadcast_to(y, (k, n)) if y.ndim == 1 or y.shape[0] == k else None
    Pm = np.broadcast_to(p if p.size else np.empty((0,)), (k, m)) \
        if p.ndim == 1 or p.shape[0] == k else None
    if Y is None or Pm is None:
        raise ValueError(f"y0 and params do not broadcast to one number of trajectories "
                         f"(shapes {y.shape} and {p.shape})")
    P = order_from_tol(tol)
    m_out = 1 if te is None else te.size
    out = np.full((k, n, m_out), np.nan)
    status = np.zeros(k, dtype=np.int64)
    nfev = np.zeros(k, dtype=np.int64)
    W = DEFAULT_WIDTH if width is None else int(width)
    if W not in (1, 2, 4, 8):
        raise ValueError(f"width must be 1, 2, 4 or 8, got {width!r}")
    evs = check_events(events)
    t_final = t_events = y_events = None
    if evs or _jit.DISABLED:  # one member at a time through the scalar driver
        t_final, t_events, y_events = _one_by_one(fun, t0, t1, Y, Pm, te, evs, P,
                                                  max_steps, out, status, nfev)
        if not evs:
            t_final = t_events = y_events = None
    else:
        prep = prepare(fun, n, m, P, W=W)
        nb = (k + W - 1) // W
        nchunks = max(1, min(nb, _jit.num_threads()))
        run_ensemble(prep.addr, prep.addr_init, prep.cfg, W, prep.nbuf,
                     np.ascontiguousarray(Y, dtype=float),
                     np.ascontiguousarray(Pm, dtype=float).reshape(k, m), t0, t1, np.inf,
                     max_steps, te if te is not None else np.empty(0), out, status, nfev,
                     nchunks)
    ok = bool(np.all(status >= 0))
    if not ok and raise_on_failure:
        bad = np.flatnonzero(status < 0)
        raise IntegrationError(f"{bad.size} of {k} trajectories failed (indices "
                               f"{bad[:10].tolist()}...)", indices=bad)
    return EnsembleResult(t=te.copy() if te is not None else np.array([t1]), y=out,
                          status=status, nfev=nfev, success=ok, t_final=t_final,
                          t_events=t_events, y_events=y_events)


def _one_by_one(fun, t0, t1, Y, Pm, te, evs, P, max_steps, out, status, nfev):
    """Each member through the scalar driver (with events, or without compilation):
    fills ``out``, ``status``, ``nfev``; returns (t_final, t_events, y_events)."""
    k, n = Y.shape
    m = Pm.shape[1]
    prep = prepare(fun, n, m, P, [e.g for e in evs])
    nev = len(evs)
    t_final = np.full(k, np.nan)
    tt, yy, jj, ii = run_members(
        prep.addr, prep.addr_init, prep.cfg, prep.nbuf, prep.p0,
        np.ascontiguousarray(Y, dtype=float), np.ascontiguousarray(Pm, dtype=float),
        t0, t1, max_steps, _EMPTY if te is None else te,
        np.array([e.direction for e in evs], dtype=np.float64),
        np.array([e.terminal for e in evs], dtype=np.bool_), out, status, nfev, t_final)
    # stored member by member, event by event, in time order: the groups are contiguous
    bounds = np.searchsorted(ii * nev + jj, np.arange(k * nev + 1))
    t_events, y_events = [], []
    for i in range(k):
        rows = [slice(bounds[i * nev + j], bounds[i * nev + j + 1]) for j in range(nev)]
        t_events.append([tt[r].copy() for r in rows])
        # SciPy's shapes, as solve_ensemble's other methods: (q, n), or (0,) without zeros
        y_events.append([yy[r].copy() if r.stop > r.start else np.empty(0) for r in rows])
    return t_final, t_events, y_events


_EMPTY = np.empty(0)


def _solve_ensemble_hook(fun, t_span, y0, params, t_eval, rtol, atol, max_steps,
                         raise_on_failure, events=()):
    """``odekit.solve_ensemble(..., method="taylor")``."""
    return solve_taylor_ensemble(fun, t_span, y0, params=params,
                                 tol=tol_from_rtol_atol(rtol, atol), t_eval=t_eval,
                                 events=events, max_steps=max_steps,
                                 raise_on_failure=raise_on_failure)
