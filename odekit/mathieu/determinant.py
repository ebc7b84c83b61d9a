"""The Floquet trace of Mathieu's equation from Hill's determinant (no integration).

For y'' + (a - 2q cos 2z) y = 0 let w_I, w_II be the fundamental solutions (DLMF 28.2(ii)).
With x = a/4, d_n = 1 - x/n^2 and P_n = q^2 / (16 n^2 (n+1)^2), let T_n be the determinant of
the semi-infinite tridiagonal matrix of rows m >= n (diagonal d_m, products of the
off-diagonal pairs P_m; only those products enter).  Then (see docs/mathieu.rst, "Hill's
determinant")::

    F_o = T_1 = (2/pi) w_II(pi/2),
    F_e = -a T_1 - (q^2/2) T_2 = (2/pi) w_I'(pi/2),
    trace = 2 w_I(pi) = 2 + pi^2 F_e F_o.

The kernels run the backward recurrence T_n = d_n T_{n+1} - P_n T_{n+2} over n = M-1 .. 1 and
take log T_M, log T_{M+1} from tabulated polynomials in x and q^2
(:mod:`odekit.mathieu._hill_tables`, made with mpmath by ``tools/make_hill_tables.py``).
A table M is valid for |a| <= 4 XI_MAX M^2 and |q| <= 4 sqrt(ETA_MAX) M^2; the truncation
order M is the smallest tabulated one that covers the point (or the whole grid), so it grows
like max(sqrt|a|, sqrt|q|).  Points beyond the largest table raise ValueError (use the
integration path there).

Nothing here is singular: a = 4n^2 (the poles of W&W's form) and negative a need no care.
"""

from __future__ import annotations

import math

import numpy as np

from odekit._jit import jit, prange

from . import _hill_tables as _tab

__all__ = ["hill_factors", "hill_trace", "hill_trace_grid", "truncation_order", "A_MAX", "Q_MAX"]

_M = np.array(_tab.M_LIST, dtype=np.int64)
# _C[i, s, j, k]: coefficient of x^k Q^j in log T_{M_i + s}, s = 0, 1
_C = np.empty((_M.size, 2, _tab.J + 1, _tab.K + 1))
for _i, _m in enumerate(_tab.M_LIST):
    for _s in (0, 1):
        _C[_i, _s] = np.array(_tab.C[_m + _s], dtype=np.float64).T
_C = np.ascontiguousarray(_C)
#: |a| and |q| covered by a table M (the validity region of the tails)
_A_LIM = 4.0 * _tab.XI_MAX * _M.astype(np.float64) ** 2
_Q_LIM = 4.0 * math.sqrt(_tab.ETA_MAX) * _M.astype(np.float64) ** 2
#: the largest |a| and |q| the Hill kernels accept
A_MAX = float(_A_LIM[-1])
Q_MAX = float(_Q_LIM[-1])
# per-row constants of the recurrence: U[n] = 1 / (4 n^2) (d_n = 1 - a U[n]) and
# PN[n] = 1 / (16 n^2 (n+1)^2) (P_n = q^2 PN[n]); index 0 unused
_n = np.arange(int(_M[-1]) + 2, dtype=np.float64)
_n[0] = 1.0
_U = 0.25 / (_n * _n)
_PN = 1.0 / (16.0 * _n * _n * (_n + 1.0) ** 2)


def truncation_order(a_abs_max, q_abs_max):
    """Index into the tables (and M) of the smallest table covering |a|, |q| (or (-1, 0))."""
    ok = (_A_LIM >= a_abs_max) & (_Q_LIM >= q_abs_max)
    if not ok.any():
        return -1, 0
    i = int(np.argmax(ok))
    return i, int(_M[i])


def _range_error(a_abs_max, q_abs_max):
    return ValueError(
        f"Hill's determinant is tabulated for |a| <= {A_MAX:g} and |q| <= {Q_MAX:g} "
        f"(got max |a| = {a_abs_max:g}, max |q| = {q_abs_max:g}); use method='integrate'")


# ----------------------------------------------------------------------------- kernels
@jit
def _tail_logs(x, Q, C, i):
    """log T_M, log T_{M+1} of table i at (x, Q).

    Per power of Q, the polynomial in x is split into its even and odd parts (two Horner
    chains in x^2 each), so four independent chains run side by side; then Horner in Q.
    """
    J1 = C.shape[2]
    K1 = C.shape[3]
    x2 = x * x
    ke = (K1 - 1) - (K1 - 1) % 2          # highest even power
    ko = K1 - 1 if (K1 - 1) % 2 == 1 else K1 - 2
    l0 = 0.0
    l1 = 0.0
    for jj in range(J1):
        j = J1 - 1 - jj
        e0 = C[i, 0, j, ke]
        e1 = C[i, 1, j, ke]
        o0 = C[i, 0, j, ko]
        o1 = C[i, 1, j, ko]
        for k in range(ke - 2, -1, -2):
            e0 = e0 * x2 + C[i, 0, j, k]
            e1 = e1 * x2 + C[i, 1, j, k]
        for k in range(ko - 2, 0, -2):
            o0 = o0 * x2 + C[i, 0, j, k]
            o1 = o1 * x2 + C[i, 1, j, k]
        l0 = l0 * Q + (e0 + x * o0)
        l1 = l1 * Q + (e1 + x * o1)
    return l0, l1


@jit
def _factors_one(a, q, C, Ms, a_lim, q_lim, U, PN):
    """(F_e, F_o) at one point; NaN pair when no table covers it (the caller checks)."""
    aa = abs(a)
    qa = abs(q)
    i = -1
    for t in range(Ms.size):
        if a_lim[t] >= aa and q_lim[t] >= qa:
            i = t
            break
    if i < 0:
        return math.nan, math.nan
    M = Ms[i]
    x = 0.25 * a
    Q = q * q
    l0, l1 = _tail_logs(x, Q, C, i)
    A = 1.0                      # T_M / T_M
    B = math.exp(l1 - l0)        # T_{M+1} / T_M
    for nn in range(1, M):
        n = M - nn
        t = (1.0 - a * U[n]) * A - (Q * PN[n]) * B
        B = A
        A = t
    s = math.exp(l0)
    fo = A * s
    fe = (-a * A - 0.5 * Q * B) * s
    return fe, fo


@jit(parallel=True)
def _factors_points(a, q, C, Ms, a_lim, q_lim, U, PN, fe, fo):
    for p in prange(a.size):
        e, o = _factors_one(a[p], q[p], C, Ms, a_lim, q_lim, U, PN)
        fe[p] = e
        fo[p] = o


@jit(parallel=True)
def _trace_points(a, q, C, Ms, a_lim, q_lim, U, PN, out):
    pi2 = math.pi * math.pi
    for p in prange(a.size):
        e, o = _factors_one(a[p], q[p], C, Ms, a_lim, q_lim, U, PN)
        out[p] = 2.0 + pi2 * e * o


@jit
def _column_tails(a, C, i, E):
    """E[s, j, col] = sum_k C[i, s, j, k] x^k: the x-part of the tail polynomials per column."""
    J1 = C.shape[2]
    K1 = C.shape[3]
    for col in range(a.size):
        x = 0.25 * a[col]
        for s in range(2):
            for j in range(J1):
                c = C[i, s, j, K1 - 1]
                for kk in range(1, K1):
                    c = c * x + C[i, s, j, K1 - 1 - kk]
                E[s, j, col] = c


@jit(parallel=True)
def _trace_grid(a, q, E, M, row0, row1, nchunk, out):
    """out[r, :] = trace at (a[:], q[r]) for rows row0 <= r < row1 (table columns in E).

    Rows are split into ``nchunk`` chunks run in parallel; each chunk owns two scratch rows
    (allocated once per chunk) and runs the recurrence for all columns of a row at once, so
    that the inner loop is over columns (vectorisable) and d_n = 1 - x u_n is one FMA.
    """
    na = a.size
    J1 = E.shape[1]
    pi2 = math.pi * math.pi
    nrows = row1 - row0
    for c in prange(nchunk):
        r_lo = row0 + (c * nrows) // nchunk
        r_hi = row0 + ((c + 1) * nrows) // nchunk
        if r_hi <= r_lo:
            continue
        A = np.empty(na)
        B = np.empty(na)
        S = np.empty(na)
        for r in range(r_lo, r_hi):
            Q = q[r] * q[r]
            for col in range(na):
                l0 = E[0, J1 - 1, col]
                l1 = E[1, J1 - 1, col]
                for jj in range(1, J1):
                    l0 = l0 * Q + E[0, J1 - 1 - jj, col]
                    l1 = l1 * Q + E[1, J1 - 1 - jj, col]
                A[col] = 1.0
                B[col] = math.exp(l1 - l0)
                S[col] = math.exp(2.0 * l0)
            for nn in range(1, M):
                n = float(M - nn)
                u = 0.25 / (n * n)
                P = Q / (16.0 * n * n * (n + 1.0) * (n + 1.0))
                for col in range(na):
                    t = (1.0 - a[col] * u) * A[col] - P * B[col]
                    B[col] = A[col]
                    A[col] = t
            hq = 0.5 * Q
            for col in range(na):
                out[r, col] = 2.0 + pi2 * S[col] * A[col] * (-a[col] * A[col] - hq * B[col])


# ----------------------------------------------------------------------------- wrappers
def _flat(a, q):
    A, Q = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(q, dtype=np.float64))
    return A.shape, np.ascontiguousarray(A.ravel()), np.ascontiguousarray(Q.ravel())


def _check_range(af, qf):
    amax = float(np.max(np.abs(af))) if af.size else 0.0
    qmax = float(np.max(np.abs(qf))) if qf.size else 0.0
    if amax > A_MAX or qmax > Q_MAX:
        raise _range_error(amax, qmax)


def hill_trace(a, q):
    """Undamped Floquet trace 2 w_I(pi) at scattered points (a, q), broadcast together.

    Parameters
    ----------
    a, q : float or array_like
        Finite reals with |a| <= :data:`A_MAX`, |q| <= :data:`Q_MAX`.

    Returns
    -------
    ndarray
        The trace, shape of the broadcast.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu.determinant import hill_trace
    >>> bool(abs(hill_trace(2.0, 0.0) - 2 * np.cos(np.pi * np.sqrt(2.0))) < 1e-14)
    True
    """
    shape, af, qf = _flat(a, q)
    _check_range(af, qf)
    out = np.empty(af.size)
    _trace_points(af, qf, _C, _M, _A_LIM, _Q_LIM, _U, _PN, out)
    return out.reshape(shape)


def hill_factors(a, q):
    """The even and odd Hill determinants F_e = (2/pi) w_I'(pi/2), F_o = (2/pi) w_II(pi/2).

    Parameters
    ----------
    a, q : float or array_like
        As for :func:`hill_trace`.

    Returns
    -------
    (ndarray, ndarray)
        F_e, F_o; the trace is 2 + pi^2 F_e F_o.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu.determinant import hill_factors
    >>> fe, fo = hill_factors(1.0, 0.0)      # w_I = cos z, w_II = sin z
    >>> bool(abs(fe + 2 / np.pi) < 1e-15 and abs(fo - 2 / np.pi) < 1e-15)
    True
    """
    shape, af, qf = _flat(a, q)
    _check_range(af, qf)
    fe = np.empty(af.size)
    fo = np.empty(af.size)
    _factors_points(af, qf, _C, _M, _A_LIM, _Q_LIM, _U, _PN, fe, fo)
    return fe.reshape(shape), fo.reshape(shape)


#: rows x columns x M above which a chart is run in blocks (for the progress bar)
_BLOCK_WORK = 3e8


def hill_trace_grid(a, q, progress=None):
    """Undamped trace on the grid (a[j], q[i]) -> out[i, j] (1-D ``a``, ``q``).

    One truncation order for the whole grid (the one the grid's max |a|, |q| need); the
    x-parts of the tails are computed once per column, the rest per point.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu.determinant import hill_trace_grid
    >>> hill_trace_grid(np.array([0.25, 1.0]), np.array([0.0])).round(12).tolist()
    [[0.0, -2.0]]
    """
    from odekit._jit import num_threads
    from odekit._progress import progress_bar

    a = np.ascontiguousarray(a, dtype=np.float64)
    q = np.ascontiguousarray(q, dtype=np.float64)
    amax = float(np.max(np.abs(a)))
    qmax = float(np.max(np.abs(q)))
    i, M = truncation_order(amax, qmax)
    if i < 0:
        raise _range_error(amax, qmax)
    E = np.empty((2, _C.shape[2], a.size))
    _column_tails(a, _C, i, E)
    out = np.empty((q.size, a.size))
    nth = num_threads()
    work = float(q.size) * a.size * M
    if work <= _BLOCK_WORK:
        _trace_grid(a, q, E, M, 0, q.size, min(q.size, 4 * nth), out)
        return out
    nblocks = int(min(q.size, math.ceil(work / (_BLOCK_WORK / 10))))
    edges = np.linspace(0, q.size, nblocks + 1).astype(np.int64)
    with progress_bar(q.size, progress=progress, desc="stability_chart") as bar:
        for r0, r1 in zip(edges[:-1], edges[1:]):
            if r1 > r0:
                _trace_grid(a, q, E, M, int(r0), int(r1), int(min(r1 - r0, 4 * nth)), out)
                bar.update(int(r1 - r0))
    return out
