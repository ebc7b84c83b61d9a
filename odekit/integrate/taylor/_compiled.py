"""``compile_solver(..., method="taylor")``: Taylor solves callable from Numba code.

The Taylor order depends on the tolerance (:func:`._codegen.order_from_tol`) and every
order has its own coefficient kernel, so the compiled solver holds a table of kernels,
one per order it was asked for (``tols``), and picks the row of the table at run time
from ``rtol`` and ``atol`` exactly as :func:`odekit.solve_ivp` does (``tol = min(rtol,
atol)`` clipped to [1e-16, 0.5]). The driver is the cached scalar driver
(:func:`._driver.run`, called as :func:`._driver.run_plain` calls it) that
``solve_ivp(..., method="taylor")`` runs, so the results are the same bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from ... import _jit
from .._driver import _unref
from .._results import IntegrationError
from ..compiled import check_state, entry_points
from ._codegen import order_from_tol
from ._driver import call_kernel, run

__all__ = ["compile_taylor", "check_tols"]

P_MIN, P_MAX = 2, 20  # the orders of tol in [1e-16, 0.5]
_NCFG = 11  # the length of Prepared.cfg


def check_tols(tols) -> list[int]:
    """The Taylor orders that the tolerances ``tols`` need (None: every order)."""
    if tols is None:
        return list(range(P_MIN, P_MAX + 1))
    try:
        arr = np.asarray(tols, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"tols must be a float or a sequence of floats, got {tols!r}") \
            from None
    if arr.size == 0 or not np.all(np.isfinite(arr)) or not np.all(arr > 0):
        raise ValueError(f"tols must be positive finite tolerances (min(rtol, atol) of "
                         f"the calls to come), got {tols!r}")
    return sorted({order_from_tol(max(min(float(t), 0.5), 1e-16)) for t in arr})


def compile_taylor(fun, y0, p, tols, max_steps):
    """The :class:`odekit.CompiledSolver` of ``compile_solver(..., method="taylor")``
    (arguments already checked there, ``y0`` and ``p`` as float arrays)."""
    from ..compiled import CompiledSolver
    from ._solve import prepare

    n, m = y0.shape[0], p.shape[0]
    orders = check_tols(tols)
    if _jit.DISABLED:
        from ..compiled import _python_twins

        solve, solve_at = _python_twins(fun, n, m, "taylor", max_steps)
        return CompiledSolver(solve, solve_at, n, m, "taylor", max_steps, orders)
    CFG = np.zeros((P_MAX + 1, _NCFG), dtype=np.int64)  # row P: cfg of order P, or zeros
    INIT = np.zeros(P_MAX + 1, dtype=np.int64)  # row P: the address of the init kernel
    keep = []
    for P in orders:
        prep = prepare(fun, n, m, P)
        CFG[P] = prep.cfg
        INIT[P] = prep.addr_init
        keep.append(prep)
    solve, solve_at = _build(CFG, INIT, n, m, max_steps)
    _KEEP.append(keep)  # the kernels whose addresses the table holds: kept for the process
    return CompiledSolver(solve, solve_at, n, m, "taylor", max_steps, orders)


_KEEP: list = []


def _build(CFG, INIT, N, M, max_steps):
    jit = _jit.jit
    p_min, p_max = P_MIN, P_MAX

    @jit(cache=False)
    def _check(t0, y0, p, rtol, atol):
        check_state(t0, y0, p, N, M)
        if not (rtol > 0.0 and rtol < np.inf):
            raise ValueError("compiled solver: rtol must be positive and finite")
        if not (atol > 0.0 and atol < np.inf):
            raise ValueError("compiled solver: atol must be positive and finite (the "
                             "Taylor tolerance is min(rtol, atol))")

    @jit(cache=False)
    def _order(rtol, atol):
        tol = min(rtol, atol, 0.5)
        tol = max(tol, 1e-16)
        P = max(2, int(math.ceil(-math.log(tol) / 2.0 + 1.0)))
        if P < p_min or P > p_max or CFG[P, 0] == 0:
            raise ValueError("compiled solver: no Taylor kernel for this tolerance "
                             "(min(rtol, atol)): include it in compile_solver's tols")
        return P

    @jit(cache=False)
    def _run(t0, t1, y0, p, rtol, atol, te, out_y):
        P = _order(rtol, atol)
        cfg = CFG[P].copy()
        TS, nbuf, p0 = cfg[4], cfg[9], cfg[10]
        b = np.zeros(nbuf)
        for i in range(N):
            b[i] = y0[i]
        for i in range(M):
            b[p0 + i] = p[i]
        if cfg[6] > 0:  # the extra sin/cos states' values at t0
            b[TS] = t0
            call_kernel(INIT[P], b, np.zeros(1))
        ic = np.zeros(8, dtype=np.int64)
        fc = np.zeros(2)
        fc[0] = t0
        # run_plain's call of the driver, with views that carry no reference count
        # (see compiled.py: the arrays live here until the driver returns)
        u = _unref
        e1 = u(np.empty(0))
        e3 = u(np.empty((0, 0, 0)))
        run(cfg[8], u(cfg), u(b), e1, u(ic), u(fc), t1, np.inf, max_steps, u(te), e1,
            u(out_y), e1, e1, e3, e1, u(np.empty(0, dtype=np.bool_)), u(np.empty((0, 0))),
            e3, u(np.empty(0, dtype=np.int64)))
        st = ic[0]
        if st == -2:
            raise IntegrationError("compiled solver: Taylor integration failed: non-finite "
                                   "state or Taylor coefficients")
        if st == -3:
            raise IntegrationError("compiled solver: Taylor integration failed: max_steps "
                                   "reached")
        if st != 0:
            raise IntegrationError("compiled solver: Taylor integration failed")
        return b, ic[3]

    @jit(cache=False)
    def _n_state(rtol, atol):
        return CFG[_order(rtol, atol), 2]

    @jit(cache=False)
    def final_state(t0, t1, y0, p, rtol, atol, out):
        b, _ = _run(t0, t1, y0, p, rtol, atol, np.empty(0), np.empty((0, 0)))
        for j in range(N):
            out[j] = b[j]

    @jit(cache=False)
    def states_at(t0, te, y0, p, rtol, atol, out):
        m = te.shape[0]
        ys = np.empty((_n_state(rtol, atol), m))
        _, n_out = _run(t0, te[m - 1], y0, p, rtol, atol, te, ys)
        if n_out != m:  # (cannot happen without events; never return unset values)
            raise IntegrationError("compiled solver: not every t_eval point was reached")
        for i in range(m):
            for j in range(N):
                out[j, i] = ys[j, i]

    return entry_points(_check, final_state, states_at, N)

