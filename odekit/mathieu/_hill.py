"""Hill matrices of the Mathieu equation and an index-safe eigen-solver.

Substituting the Fourier series of DLMF 28.4 into y'' + (a - 2q cos 2z) y = 0 splits the
periodic problem into four three-term recurrences, one per parity/period class.  After the
symmetrising change of variable u_0 = sqrt(2) A_0 (the ``ce_{2m}`` class only) each becomes
an eigenproblem ``a u = T u`` for a symmetric tridiagonal matrix

=====  ===========  =====================  ==========================  =================
kind   functions    harmonic of row k      diagonal d_k                off-diagonal e_k
=====  ===========  =====================  ==========================  =================
0      ce_{2m}      2k                     (2k)^2                      q (sqrt(2) q, k=1)
1      ce_{2m+1}    2k+1                   (2k+1)^2, d_0 = 1 + q       q
2      se_{2m+1}    2k+1                   (2k+1)^2, d_0 = 1 - q       q
3      se_{2m+2}    2k+2                   (2k+2)^2                    q
=====  ===========  =====================  ==========================  =================

(e_k couples rows k-1 and k.)  Within one class the eigenvalues are simple (an unreduced
symmetric tridiagonal matrix has distinct eigenvalues), so the j-th smallest eigenvalue is
*the* characteristic value of order 2j + (class offset) for every q: picking it by its index
with a Sturm count can never slip to a neighbouring order.

The kernels never build the matrices: the entries are cheap closed forms evaluated on the fly,
so the parallel loops allocate nothing.

Algorithm (per eigenvalue): Gershgorin/Weyl bracket; Sturm-count bisection until the bracket
isolates eigenvalue j; safeguarded Newton steps on det(T - x) whose logarithmic derivative
comes from the same LDL^T pivot recurrence as the count; then an a-posteriori truncation check
(a bound on the decay of the eigenvector tail beyond the last row), enlarging the matrix until
the neglected tail is below 1e-20.
"""

from __future__ import annotations

import math

import numpy as np

from odekit._jit import jit, prange

__all__ = ["kind_and_index", "truncation", "eigenvalues", "eigenvector", "hill_matrix"]

_SQRT2 = math.sqrt(2.0)
_TAIL_TOL = 1e-20
GUESS_DEEP = 1.0
GUESS_PERT = 0.8


@jit
def _diag(kind, q, k):
    if kind == 0:
        m = 2.0 * k
        return m * m
    if kind == 3:
        m = 2.0 * k + 2.0
        return m * m
    if k == 0:
        return 1.0 + q if kind == 1 else 1.0 - q
    m = 2.0 * k + 1.0
    return m * m


@jit
def _offdiag2(kind, q, k):
    """Square of the off-diagonal coupling rows k-1 and k (k >= 1)."""
    if kind == 0 and k == 1:
        return 2.0 * q * q
    return q * q


@jit
def truncation(kind, j, q):
    """First guess of the matrix size for eigenvalue index j (checked a posteriori).

    The coefficients of a mode decay like a Gaussian of width ~ |q|^(1/4) in the harmonic
    number beyond its classical turning point; 1e-20 is reached about 7 |q|^(1/4) rows out.
    """
    aq = abs(q)
    return j + 10 + int(7.5 * aq ** 0.25) + int(0.05 * math.sqrt(aq))


@jit
def _order_s(kind, j, q):
    """s = 2r + 1 of the large-q expansion a ~ -2|q| + 2 s sqrt|q| - (s^2 + 1)/8."""
    if kind == 0:
        return 4.0 * j + 1.0
    if kind == 3:
        return 4.0 * j + 3.0
    if kind == 1:
        return 4.0 * j + 3.0 if q >= 0.0 else 4.0 * j + 1.0
    return 4.0 * j + 1.0 if q >= 0.0 else 4.0 * j + 3.0


@jit
def _guess(kind, j, q):
    """(first guess, trusted) for eigenvalue j: the q -> infinity or q -> 0 expansion."""
    aq = abs(q)
    s = _order_s(kind, j, q)
    rq = math.sqrt(aq)
    if s < GUESS_DEEP * rq:  # deep in the potential well: DLMF 28.8.1
        g = -2.0 * aq + 2.0 * s * rq - (s * s + 1.0) / 8.0 - (s ** 3 + 3.0 * s) / (128.0 * rq)
        return g, True
    m = _diag(kind, 0.0, j)  # (harmonic)^2 of the q = 0 limit
    if m > 1.0:
        return m + q * q / (2.0 * (m - 1.0)), aq < GUESS_PERT * m
    return _diag(kind, q, j), aq < 0.25


@jit
def _sturm(kind, q, n, x, pivmin):
    """Sturm count and Newton data for T - x, without divisions in the loop.

    Runs the three-term recurrence of the leading principal minors P_k of T - x (and of their
    x-derivatives Q_k), rescaling by powers of two to stay in range.  Returns
    (#sign changes of 1, P_0, ..., P_{n-1} = #eigenvalues below x, Q_{n-1} / P_{n-1} =
    d/dx log|det(T - x)|).  An exact zero minor counts as negative (as a -0 pivot would).
    """
    big = 1.157920892373162e77   # 2**256
    small = 8.636168555094445e-78  # 2**-256
    off = 0.0 if kind == 0 else (2.0 if kind == 3 else 1.0)
    e2 = q * q
    pm = 1.0
    qm = 0.0
    p = _diag(kind, q, 0) - x
    dq = -1.0
    neg = p <= 0.0
    count = 1 if neg else 0
    h = off
    for k in range(1, n):
        h += 2.0
        g = h * h - x
        f = e2 if not (kind == 0 and k == 1) else 2.0 * e2
        pn = g * p - f * pm
        qn = g * dq - p - f * qm
        pm = p
        qm = dq
        p = pn
        dq = qn
        negn = p < 0.0 or (p == 0.0 and not neg)
        if negn != neg:
            count += 1
        neg = negn
        ap = abs(p)
        if ap > big:
            p *= small
            dq *= small
            pm *= small
            qm *= small
        elif ap < small and abs(pm) < small:
            p *= big
            dq *= big
            pm *= big
            qm *= big
    if p == 0.0:
        return count, math.inf
    return count, dq / p


@jit
def _tail_ratio(kind, q, n, a):
    """|u_{n-1}| / max_k |u_k| for the eigenvector of the n x n matrix with eigenvalue a.

    Computed with the backward ratio recurrence u_k / u_{k-1} = -e_k / (d_k - a + e_{k+1}
    u_{k+1}/u_k) started from u_n = 0, which is stable in the decaying tail (the part that
    matters).  Large values mean the truncation is too small.
    """
    r = 0.0
    logp = 0.0
    best = 0.0
    for k in range(n - 1, 0, -1):
        e = abs(q) * (1.4142135623730951 if (kind == 0 and k == 1) else 1.0)
        en = abs(q)
        den = _diag(kind, q, k) - a + en * r
        if den == 0.0:
            return 1.0
        r = -e / den
        # r = u_k / u_{k-1} with the sign pattern of |q| (spectrum only depends on |q|)
        ar = abs(r)
        if ar == 0.0:
            return 0.0
        logp += math.log(ar)  # log |u_{n-1} / u_{k-1}|
        if logp < best:
            best = logp
    return math.exp(best)


@jit
def _eig_fixed(kind, j, q, n):
    """Eigenvalue number j (0-based, ascending) of the n x n Hill matrix of ``kind``.

    Safeguarded Newton on det(T - x) from an asymptotic first guess, inside a bracket kept by
    Sturm counts; the answer is accepted only once two counts prove the bracket holds exactly
    the eigenvalues 0..j-1 below it and eigenvalue j inside it.
    """
    eps = 2.220446049250313e-16
    aq = abs(q)
    pivmin = 2.3e-308 * max(1.0, 2.0 * q * q)
    rad = (1.0 + _SQRT2) * aq + 1.0
    dmin = min(_diag(kind, q, 0), _diag(kind, q, 1))
    dmax = _diag(kind, q, j)
    if j > 0:
        dmax = max(dmax, _diag(kind, q, 0))
    lo = dmin - rad
    hi = dmax + rad
    clo = 0 if j == 0 else -1  # count at lo (0 is certain below every eigenvalue)
    chi = -1
    x, trusted = _guess(kind, j, q)
    if not (trusted and lo < x < hi):
        x = 0.5 * (lo + hi)
    result = x
    for _ in range(500):
        c, s = _sturm(kind, q, n, x, pivmin)
        if c <= j:
            lo = x
            clo = c
        else:
            hi = x
            chi = c
        isolated = clo == j and chi == j + 1
        tol = 2.0 * eps * max(abs(lo), abs(hi)) + 1e-300
        if isolated and hi - lo <= tol:
            result = 0.5 * (lo + hi)
            break
        xn = math.nan
        if s != 0.0 and math.isfinite(s):
            xn = x - 1.0 / s
        if xn == xn and abs(xn - x) <= 2.0 * eps * abs(x) + 1e-300:
            # Newton has converged: prove by counts that this is eigenvalue j. (Even with
            # the bracket isolated, Newton may have converged onto the neighbour j + 1 or
            # j - 1 sitting at its end, just inside it by rounding: only counts decide.)
            delta = max(64.0 * eps * abs(x), 1e-290)
            cm, _ = _sturm(kind, q, n, x - delta, pivmin)
            cp, _ = _sturm(kind, q, n, x + delta, pivmin)
            if cm == j and cp == j + 1:
                result = x
                break
            # converged to a neighbouring eigenvalue: shut it out of the bracket
            if cm <= j and x - delta > lo:
                lo = x - delta
                clo = cm
            if cm > j and x - delta < hi:
                hi = x - delta
                chi = cm
            if cp <= j and x + delta > lo:
                lo = x + delta
                clo = cp
            if cp > j and x + delta < hi:
                hi = x + delta
                chi = cp
            x = 0.5 * (lo + hi)
            continue
        if xn == xn and lo < xn < hi and (trusted or isolated):
            x = xn
        else:
            x = 0.5 * (lo + hi)
        result = x
    else:
        return math.nan  # not proven within the iteration bound: never an unproven value
    return result


@jit
def _eig_checked(kind, j, q):
    """Eigenvalue j with the truncation enlarged until the eigenvector tail is negligible.

    Returns (value, matrix size used); value is NaN when no size up to 200000 suffices.
    """
    n = truncation(kind, j, q)
    if abs(q) < 1e-100:
        # q^2 below 1e-200: the O(q^2) shift is below rounding for every eigenvalue but a_0, and
        # a_0 = -q^2/2 + O(q^4) exactly to rounding (Newton stalls on that near-zero root)
        return _diag(kind, q, j) - (0.5 * q * q if (kind == 0 and j == 0) else 0.0), n
    for _ in range(20):
        a = _eig_fixed(kind, j, q, n)
        if _tail_ratio(kind, q, n, a) < _TAIL_TOL:
            return a, n
        n = n + n // 2 + 8
        if n > 200000:
            break
    return math.nan, n


@jit(parallel=True)
def _eig_many(kinds, js, qs, out, sizes):
    for i in prange(kinds.size):
        a, n = _eig_checked(kinds[i], js[i], qs[i])
        out[i] = a
        sizes[i] = n


def kind_and_index(family, n, q):
    """Map (family 'a'/'b', order n, q) to (Hill kind, eigenvalue index) arrays.

    ``a_{2m+1}`` uses kind 1 with the signed q: its first diagonal entry 1 + q becomes the
    ``b_{2m+1}`` entry 1 - |q| for q < 0, which is DLMF 28.2.26's a_{2m+1}(-q) = b_{2m+1}(q).
    For the other classes the sign of q only flips off-diagonals and leaves the spectrum alone.
    """
    n = np.asarray(n, dtype=np.int64)
    odd = (n % 2) == 1
    if family == "a":
        kind = np.where(odd, 1, 0)
        j = np.where(odd, (n - 1) // 2, n // 2)
    else:
        kind = np.where(odd, 2, 3)
        j = np.where(odd, (n - 1) // 2, n // 2 - 1)
    return kind.astype(np.int64), j.astype(np.int64)


def eigenvalues(kind, j, q):
    """Vectorised eigenvalues (1-D int64 kind, j and float64 q of equal length)."""
    kind = np.ascontiguousarray(kind, dtype=np.int64)
    j = np.ascontiguousarray(j, dtype=np.int64)
    q = np.ascontiguousarray(q, dtype=np.float64)
    out = np.empty(q.size)
    sizes = np.empty(q.size, dtype=np.int64)
    if q.size:
        _eig_many(kind, j, q, out, sizes)
    return out, sizes


@jit
def _eigvec_kernel(kind, q, a, n, u, work):
    """Unit eigenvector of the n x n symmetric Hill matrix for eigenvalue a (inverse iteration).

    Gaussian elimination with partial pivoting on the tridiagonal T - a I (as LAPACK dgttrf),
    then two solves with normalisation.  ``work`` has shape (5, n).
    """
    dl = work[0]
    dd = work[1]
    du = work[2]
    du2 = work[3]
    piv = work[4]
    for k in range(n):
        dd[k] = _diag(kind, q, k) - a
    for k in range(n - 1):
        e = q * (_SQRT2 if (kind == 0 and k == 0) else 1.0)
        dl[k] = e
        du[k] = e
    tiny = 1e-300 + 2.220446049250313e-16 * (abs(a) + 2.0 * abs(q)) * 1e-3
    # LU with partial pivoting (row interchanges recorded in piv: 1 = swapped).
    for k in range(n - 1):
        du2[k] = 0.0
        if abs(dd[k]) >= abs(dl[k]):
            piv[k] = 0.0
            if abs(dd[k]) < tiny:
                dd[k] = tiny
            f = dl[k] / dd[k]
            dl[k] = f
            dd[k + 1] -= f * du[k]
        else:
            piv[k] = 1.0
            f = dd[k] / dl[k]
            dd[k] = dl[k]
            dl[k] = f
            t = du[k]
            du[k] = dd[k + 1]
            dd[k + 1] = t - f * dd[k + 1]
            if k < n - 2:
                du2[k] = du[k + 1]
                du[k + 1] = -f * du[k + 1]
    if abs(dd[n - 1]) < tiny:
        dd[n - 1] = tiny
    for k in range(n):
        u[k] = 1.0
    for _ in range(3):
        # forward: L
        for k in range(n - 1):
            if piv[k] == 0.0:
                u[k + 1] -= dl[k] * u[k]
            else:
                t = u[k]
                u[k] = u[k + 1]
                u[k + 1] = t - dl[k] * u[k + 1]
        # back: U
        u[n - 1] = u[n - 1] / dd[n - 1]
        if n > 1:
            u[n - 2] = (u[n - 2] - du[n - 2] * u[n - 1]) / dd[n - 2]
        for k in range(n - 3, -1, -1):
            u[k] = (u[k] - du[k] * u[k + 1] - du2[k] * u[k + 2]) / dd[k]
        s = 0.0
        big = 0.0
        for k in range(n):
            big = max(big, abs(u[k]))
        for k in range(n):
            u[k] /= big
            s += u[k] * u[k]
        s = math.sqrt(s)
        for k in range(n):
            u[k] /= s


def eigenvector(kind, j, q):
    """(eigenvalue, unit eigenvector of the symmetrised matrix) for one (kind, j, q)."""
    a, sizes = eigenvalues(np.array([kind]), np.array([j]), np.array([float(q)]))
    n = int(sizes[0])
    u = np.empty(n)
    if abs(float(q)) < 1e-100:  # the q = 0 limit to rounding (see _eig_checked)
        u[:] = 0.0
        u[int(j)] = 1.0
        return float(a[0]), u
    work = np.empty((5, n))
    _eigvec_kernel(int(kind), float(q), float(a[0]), n, u, work)
    if not np.all(np.isfinite(u)):
        raise ArithmeticError(f"Mathieu eigenvector of class {kind}, index {j} at q = {q!r} "
                              "is not finite")
    return float(a[0]), u


def hill_matrix(kind, q, n):
    """The dense n x n symmetrised Hill matrix (for tests and the NumPy twin)."""
    d = np.array([_diag_py(kind, q, k) for k in range(n)])
    e = np.full(n - 1, float(q))
    if kind == 0 and n > 1:
        e[0] = _SQRT2 * q
    return np.diag(d) + np.diag(e, 1) + np.diag(e, -1)


def _diag_py(kind, q, k):
    if kind == 0:
        return (2.0 * k) ** 2
    if kind == 3:
        return (2.0 * k + 2.0) ** 2
    if k == 0:
        return 1.0 + q if kind == 1 else 1.0 - q
    return (2.0 * k + 1.0) ** 2
