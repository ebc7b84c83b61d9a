"""The Floquet trace of Mathieu's equation from Hill's determinant (no integration).

For y'' + (a - 2q cos 2z) y = 0 let w_I, w_II be the fundamental solutions (DLMF 28.2(ii)).
With x = a/4, d_n = 1 - x/n^2 and P_n = q^2 / (16 n^2 (n+1)^2), let T_n be the determinant of
the semi-infinite tridiagonal matrix of rows m >= n (diagonal d_m, products of the
off-diagonal pairs P_m; only those products enter).  Then (see docs/mathieu.rst, "Hill's
determinant")::

    F_o = T_1 = (2/pi) w_II(pi/2),
    F_e = -a T_1 - (q^2/2) T_2 = (2/pi) w_I'(pi/2),
    trace = 2 w_I(pi) = 2 + pi^2 F_e F_o.

The odd harmonics give a second form: with rows 2n + 1 scaled by (2n+1)^2 (diagonal
1 - a/(2n+1)^2, pair products q^2/((2n+1)^2 (2n+3)^2); row 0 folds onto itself with
diagonal 1 - a +- q), G_+ = w_I(pi/2), G_- = w_II'(pi/2) and trace = 4 G_+ G_- - 2.  Each
form loses accuracy near the zeros of its own factors (F_e = 0 on the curves a_2n, where its
two row-0 terms cancel, F_o on b_2n, G_+- on a_2n+1, b_2n+1), never both at once; the kernels
compute both and average them with weights from a rounding estimate of each.

The kernels run the backward recurrences T_n = d_n T_{n+1} - P_n T_{n+2} over n = M-1 .. 1 and
take log T_M, log T_{M+1} from tabulated polynomials in x and q^2
(:mod:`odekit.mathieu._hill_tables`, made with mpmath by ``tools/make_hill_tables.py``).
A table M is valid for |a| <= 4 XI_MAX M^2 and |q| <= 4 sqrt(ETA_MAX) M^2; the truncation
order M is the smallest tabulated one that covers the point (or the whole grid), so it grows
like max(sqrt|a|, sqrt|q|).  Points beyond the largest table raise ValueError (use the
integration path there).

Beyond |q| = Q_DD (20, the edge of the default chart window) the terms of the even recurrence
cancel in the strongly coupled rows (n < sqrt(q)/2) and where d_n changes sign (n ~ sqrt(a)/2),
and the recurrence in double loses up to five digits (2.5e-11 near q = 1000).  There the rows
below twice that depth run in double-double arithmetic (:mod:`odekit.mathieu._dd`) and the
trace is taken from the even form alone, good to about 1e-14 up to q = 2000 against 34-digit
mpmath integrations (the point kernel computes the odd factors G_+- the same way).

Nothing here is singular: a = 4n^2 (the poles of W&W's form) and negative a need no care.
"""

from __future__ import annotations

import math

import numpy as np

from odekit._jit import jit, prange

from . import _dd
from . import _hill_tables as _tab

__all__ = ["hill_factors", "hill_odd_factors", "hill_trace", "hill_trace_grid",
           "truncation_order", "A_MAX", "Q_MAX"]

_M = np.array(_tab.M_LIST, dtype=np.int64)


def _load(tab):
    # out[i, s, j, k]: coefficient of x^k Q^j in log T_{M_i + s}, s = 0, 1
    out = np.empty((_M.size, 2, _tab.J + 1, _tab.K + 1))
    for i, m in enumerate(_tab.M_LIST):
        for s in (0, 1):
            out[i, s] = np.array(tab[m + s], dtype=np.float64).T
    return np.ascontiguousarray(out)


_C = _load(_tab.C)          # even-harmonic rows n (F_e, F_o)
_CH = _load(_tab.CH)        # odd-harmonic rows, n + 1/2 (G_+, G_-)
#: |a| and |q| covered by a table M (the validity region of the tails)
_A_LIM = 4.0 * _tab.XI_MAX * _M.astype(np.float64) ** 2
_Q_LIM = 4.0 * math.sqrt(_tab.ETA_MAX) * _M.astype(np.float64) ** 2
#: the largest |a| and |q| the Hill kernels accept
A_MAX = float(_A_LIM[-1])
Q_MAX = float(_Q_LIM[-1])
# per-row constants of the recurrences, d_n = 1 - a U[n], P_n = q^2 PN[n]:
# even harmonics U[n] = 1 / (2n)^2, PN[n] = 1 / ((2n)^2 (2n+2)^2) (index 0 unused);
# odd harmonics UH[n] = 1 / (2n+1)^2, PNH[n] = 1 / ((2n+1)^2 (2n+3)^2)
_n = np.arange(int(_M[-1]) + 2, dtype=np.float64)
_U = np.zeros(_n.size)
_PN = np.zeros(_n.size)
_U[1:] = 1.0 / (2.0 * _n[1:]) ** 2
_PN[1:] = 1.0 / ((2.0 * _n[1:]) ** 2 * (2.0 * _n[1:] + 2.0) ** 2)
_UH = 1.0 / (2.0 * _n + 1.0) ** 2
_PNH = 1.0 / ((2.0 * _n + 1.0) ** 2 * (2.0 * _n + 3.0) ** 2)
# the even-harmonic constants in double-double (hi, lo rows) for the strongly coupled rows
_NN = range(int(_M[-1]) + 2)
_UD = _dd.constant_table([0] + [_dd.Fraction(1, (2 * n) ** 2) for n in _NN if n])
_PND = _dd.constant_table([0] + [_dd.Fraction(1, (2 * n) ** 2 * (2 * n + 2) ** 2)
                                 for n in _NN if n])
_UHD = _dd.constant_table([_dd.Fraction(1, (2 * n + 1) ** 2) for n in _NN])
_PNHD = _dd.constant_table([_dd.Fraction(1, (2 * n + 1) ** 2 * (2 * n + 3) ** 2) for n in _NN])
_NINTH = _dd.split_constant(_dd.Fraction(1, 9))
#: beyond this |q| the strongly coupled rows run in double-double and the trace comes from
#: the even form alone (in double they lose up to ~5 digits near q ~ 1000; below it the
#: blend of both forms in double is good to a few 1e-13)
Q_DD = 20.0


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
def _recurrence(a, Q, l0, l1, M, U, PN):
    """(T_1, T_2, S_1, S_2) in units of T_M, from the tail logs l0, l1.

    S_n = |d_n| S_{n+1} + |P_n| S_{n+2} runs beside T_n: the sum of the magnitudes of the
    terms of the determinant, so that eps S_n bounds the rounding of T_n up to a small factor
    (large where the terms cancel).
    """
    A = 1.0
    B = math.exp(l1 - l0)
    SA = 1.0
    SB = B
    for nn in range(1, M):
        n = M - nn
        d = 1.0 - a * U[n]
        P = Q * PN[n]
        t = d * A - P * B
        st = abs(d) * SA + P * SB
        B = A
        A = t
        SB = SA
        SA = st
    return A, B, SA, SB


@jit(inline="always")
def _combine(a, q, T1, T2, S1, S2, s, H1, H2, R1, R2, sh):
    """(trace, F_e, F_o, G_+, G_-) from both recurrences (scale factors s = T_M, sh = T'_M).

    trace = 2 + pi^2 F_e F_o = 4 G_+ G_- - 2; each form gets a rounding estimate from the
    magnitude sums S of its determinants (a factor near a zero of its own, where the terms
    cancel, is inaccurate), and the two are averaged with weights 1/estimate^2 (branch-free,
    so that the loop over a grid row vectorises).
    """
    Q = q * q
    pi2 = math.pi * math.pi
    fo = T1 * s
    fe = (-a * T1 - 0.5 * Q * T2) * s
    mo = S1 * s
    me = (abs(a) * S1 + 0.5 * Q * S2) * s
    c = Q / 9.0
    gp = ((1.0 - a + q) * H1 - c * H2) * sh
    gm = ((1.0 - a - q) * H1 - c * H2) * sh
    mp_ = (abs(1.0 - a + q) * R1 + c * R2) * sh
    mm = (abs(1.0 - a - q) * R1 + c * R2) * sh
    tf = 2.0 + pi2 * fe * fo
    tg = 4.0 * gp * gm - 2.0
    ef = pi2 * (abs(fo) * me + abs(fe) * mo)
    eg = 4.0 * (abs(gm) * mp_ + abs(gp) * mm)
    m = max(ef, eg) + 1e-300
    rf = ef / m
    rg = eg / m
    wf = (rg * rg + 1e-300) / (rf * rf + rg * rg + 2e-300)
    return tf * wf + tg * (1.0 - wf), fe, fo, gp, gm


@jit
def _rows_dd(a, q, l0, l1, M, U, PN, UD, PND):
    """(T_1, T_2) in double-double, in units of T_M, with the rows n < nd in double-double
    (n >= nd in double; U, PN and their double-double splits UD, PND give d_n, P_n).

    nd (see _dd_rows) covers the strongly coupled rows (P_n >= 1/16, n < sqrt(q)/2 + 2)
    and the rows where the diagonal d_n changes sign (n ~ sqrt(a)/2), the places where the
    terms of T_n = d_n T_{n+1} - P_n T_{n+2} can cancel, with a margin.
    """
    Q = q * q
    nd = _dd_rows(a, q, M)
    A = 1.0
    B = math.exp(l1 - l0)
    for n in range(M - 1, nd - 1, -1):
        t = (1.0 - a * U[n]) * A - Q * PN[n] * B
        B = A
        A = t
    return _dd_rows_run(a, q, A, B, nd, UD, PND)


@jit(inline="always")
def _odd_factors_dd(a, q, hh, hl, kh, kl, sh):
    """G_+- = ((1 - a +- q) H_1 - (q^2/9) H_2) sh, the sums in double-double."""
    qh, ql = _dd.two_prod(q, q)
    ch, cl = _dd.mul(qh, ql, _NINTH[0], _NINTH[1])
    yh, yl = _dd.mul(ch, cl, kh, kl)
    uh, ul = _dd.two_sum(1.0 - a, q)   # 1 - a is exact for |a| < 2^52
    xh, xl = _dd.mul(uh, ul, hh, hl)
    gh, gl = _dd.add(xh, xl, -yh, -yl)
    uh, ul = _dd.two_sum(1.0 - a, -q)
    xh, xl = _dd.mul(uh, ul, hh, hl)
    mh, ml = _dd.add(xh, xl, -yh, -yl)
    return (gh + gl) * sh, (mh + ml) * sh


@jit(inline="always")
def _dd_rows(a, q, M):
    """Rows n < nd run in double-double: twice the rows where cancellation can happen, as a
    rounding error made in a row just above them is still amplified by their cancellation
    (measured: 1x leaves 2e-11 near q ~ 1000, 1.5x 2e-13, 2x 1e-14 against 40-digit
    references; all M rows 6e-15)."""
    ns = int(0.5 * math.sqrt(abs(q))) + 3
    nx = int(0.5 * math.sqrt(abs(a))) + 3
    return min(M - 1, 2 * max(2, ns, nx))


@jit(inline="always")
def _dd_rows_run(a, q, A, B, nd, UD, PND):
    """Rows nd-1 .. 1 of the even recurrence in double-double, from T_nd = A, T_nd+1 = B."""
    qh, ql = _dd.two_prod(q, q)
    ah = A
    al = 0.0
    bh = B
    bl = 0.0
    for n in range(nd - 1, 0, -1):
        uh, ul = _dd.mul(a, 0.0, UD[0, n], UD[1, n])
        dh, dl = _dd.add(1.0, 0.0, -uh, -ul)
        ph, pl = _dd.mul(qh, ql, PND[0, n], PND[1, n])
        xh, xl = _dd.mul(dh, dl, ah, al)
        yh, yl = _dd.mul(ph, pl, bh, bl)
        th, tl = _dd.add(xh, xl, -yh, -yl)
        bh = ah
        bl = al
        ah = th
        al = tl
    return ah, al, bh, bl


@jit(inline="always")
def _even_factors_dd(a, q, ah, al, bh, bl, s):
    """F_e = (-a T_1 - (q^2/2) T_2) s and F_o = T_1 s, the sum in double-double."""
    qh, ql = _dd.two_prod(q, q)
    eh, el = _dd.mul(-a, 0.0, ah, al)
    gh, gl = _dd.mul(0.5 * qh, 0.5 * ql, bh, bl)
    fh, fl = _dd.add(eh, el, -gh, -gl)
    return (fh + fl) * s, (ah + al) * s


@jit(inline="always")
def _exp_small(u):
    """exp(u) for |u| <= 0.06 (Taylor to u^11: error below 1e-21 relative)."""
    r = 1.0 / 39916800.0
    r = r * u + 1.0 / 3628800.0
    r = r * u + 1.0 / 362880.0
    r = r * u + 1.0 / 40320.0
    r = r * u + 1.0 / 5040.0
    r = r * u + 1.0 / 720.0
    r = r * u + 1.0 / 120.0
    r = r * u + 1.0 / 24.0
    r = r * u + 1.0 / 6.0
    r = r * u + 0.5
    r = r * u + 1.0
    return r * u + 1.0


@jit
def _point(a, q, C, CH, Ms, a_lim, q_lim, U, PN, UH, PNH, UD, PND, UHD, PNHD):
    """(trace, F_e, F_o, G_+, G_-) at one point; NaNs when no table covers it."""
    aa = abs(a)
    qa = abs(q)
    i = -1
    for t in range(Ms.size):
        if a_lim[t] >= aa and q_lim[t] >= qa:
            i = t
            break
    if i < 0:
        return math.nan, math.nan, math.nan, math.nan, math.nan
    M = Ms[i]
    x = 0.25 * a
    Q = q * q
    l0, l1 = _tail_logs(x, Q, C, i)
    k0, k1 = _tail_logs(x, Q, CH, i)
    T1, T2, S1, S2 = _recurrence(a, Q, l0, l1, M, U, PN)
    H1, H2, R1, R2 = _recurrence(a, Q, k0, k1, M, UH, PNH)
    r = _combine(a, q, T1, T2, S1, S2, math.exp(l0), H1, H2, R1, R2, math.exp(k0))
    if abs(q) <= Q_DD:
        return r
    ah, al, bh, bl = _rows_dd(a, q, l0, l1, M, U, PN, UD, PND)
    fe, fo = _even_factors_dd(a, q, ah, al, bh, bl, math.exp(l0))
    hh, hl, kh, kl = _rows_dd(a, q, k0, k1, M, UH, PNH, UHD, PNHD)
    gp, gm = _odd_factors_dd(a, q, hh, hl, kh, kl, math.exp(k0))
    return 2.0 + math.pi * math.pi * fe * fo, fe, fo, gp, gm


@jit(parallel=True)
def _points(a, q, C, CH, Ms, a_lim, q_lim, U, PN, UH, PNH, UD, PND, UHD, PNHD, out):
    """out[0..4, p] = trace, F_e, F_o, G_+, G_- (rows beyond out.shape[0] are dropped)."""
    nout = out.shape[0]
    for p in prange(a.size):
        r = _point(a[p], q[p], C, CH, Ms, a_lim, q_lim, U, PN, UH, PNH, UD, PND, UHD, PNHD)
        out[0, p] = r[0]
        if nout > 1:
            out[1, p] = r[1]
            out[2, p] = r[2]
            out[3, p] = r[3]
            out[4, p] = r[4]


@jit
def _column_tails(a, C, CH, i, E, X):
    """E[c, s, j, col] = sum_k (C, CH)[i, s, j, k] x^k: the x-parts of the tails per column;
    X[c, 0, col] = exp(E[c, 0, 0, col]), X[c, 1, col] = exp(E[c, 1, 0, col] - E[c, 0, 0, col])."""
    J1 = C.shape[2]
    K1 = C.shape[3]
    for col in range(a.size):
        x = 0.25 * a[col]
        for s in range(2):
            for j in range(J1):
                c0 = C[i, s, j, K1 - 1]
                c1 = CH[i, s, j, K1 - 1]
                for kk in range(1, K1):
                    c0 = c0 * x + C[i, s, j, K1 - 1 - kk]
                    c1 = c1 * x + CH[i, s, j, K1 - 1 - kk]
                E[0, s, j, col] = c0
                E[1, s, j, col] = c1
        for cl in range(2):
            # the Q-free parts of T_M and T_{M+1} / T_M, once per column
            X[cl, 0, col] = math.exp(E[cl, 0, 0, col])
            X[cl, 1, col] = math.exp(E[cl, 1, 0, col] - E[cl, 0, 0, col])


@jit(parallel=True)
def _trace_grid(a, q, E, X, M, U, PN, UH, PNH, UD, PND, row0, row1, nchunk, out):
    """out[r, :] = trace at (a[:], q[r]) for rows row0 <= r < row1 (table x-parts in E).

    Rows are split into ``nchunk`` chunks run in parallel; each chunk owns a few scratch rows
    (allocated once per chunk) and runs both recurrences for all columns of a row at once, so
    that the inner loop is over columns (vectorisable) and d_n = 1 - a U_n is one FMA.
    """
    na = a.size
    J1 = E.shape[2]
    nrows = row1 - row0
    amax = 0.0
    for col in range(na):
        amax = max(amax, abs(a[col]))
    for c in prange(nchunk):
        r_lo = row0 + (c * nrows) // nchunk
        r_hi = row0 + ((c + 1) * nrows) // nchunk
        if r_hi <= r_lo:
            continue
        A0 = np.empty(na)
        B0 = np.empty(na)
        S0 = np.empty(na)
        R0 = np.empty(na)
        L0 = np.empty(na)
        A1 = np.empty(na)
        B1 = np.empty(na)
        S1 = np.empty(na)
        R1 = np.empty(na)
        L1 = np.empty(na)
        for r in range(r_lo, r_hi):
            qr = q[r]
            Q = qr * qr
            for col in range(na):
                # the Q-dependent parts of the tail logs (Horner in Q over j >= 1); they are
                # small in the tables' region (|g| < 0.06), so exp is a short Taylor series
                g0 = E[0, 0, J1 - 1, col]
                g1 = E[0, 1, J1 - 1, col]
                h0 = E[1, 0, J1 - 1, col]
                h1 = E[1, 1, J1 - 1, col]
                for jj in range(1, J1 - 1):
                    j = J1 - 1 - jj
                    g0 = g0 * Q + E[0, 0, j, col]
                    g1 = g1 * Q + E[0, 1, j, col]
                    h0 = h0 * Q + E[1, 0, j, col]
                    h1 = h1 * Q + E[1, 1, j, col]
                g0 *= Q
                g1 *= Q
                h0 *= Q
                h1 *= Q
                A0[col] = 1.0
                B0[col] = X[0, 1, col] * _exp_small(g1 - g0)
                L0[col] = X[0, 0, col] * _exp_small(g0)
                A1[col] = 1.0
                B1[col] = X[1, 1, col] * _exp_small(h1 - h0)
                L1[col] = X[1, 0, col] * _exp_small(h0)
            # rows n >= ns: weak couplings (P_n < 1/16), the terms cannot cancel, so the
            # magnitude sums just follow |T| there (S starts as |T| at ns)
            ns = min(M - 1, max(2, int(0.5 * math.sqrt(abs(qr))) + 2))
            use_dd = abs(qr) > Q_DD
            if use_dd:
                ns = _dd_rows(amax, qr, M)
            for nn in range(1, M - ns + 1):
                n = M - nn
                u0 = U[n]
                p0 = Q * PN[n]
                u1 = UH[n]
                p1 = Q * PNH[n]
                for col in range(na):
                    ac = a[col]
                    t0 = (1.0 - ac * u0) * A0[col] - p0 * B0[col]
                    t1 = (1.0 - ac * u1) * A1[col] - p1 * B1[col]
                    B0[col] = A0[col]
                    A0[col] = t0
                    B1[col] = A1[col]
                    A1[col] = t1
            if use_dd:
                # strongly coupled rows in double-double, even form only (hi parts in A0,
                # B0, lo parts in S0, R0), column-inner so that the loop vectorises
                for col in range(na):
                    S0[col] = 0.0
                    R0[col] = 0.0
                qh, ql = _dd.two_prod(qr, qr)
                for n in range(ns - 1, 0, -1):
                    ph, pl = _dd.mul(qh, ql, PND[0, n], PND[1, n])
                    uh0 = UD[0, n]
                    ul0 = UD[1, n]
                    for col in range(na):
                        uh, ul = _dd.mul(a[col], 0.0, uh0, ul0)
                        dh, dl = _dd.add(1.0, 0.0, -uh, -ul)
                        xh, xl = _dd.mul(dh, dl, A0[col], S0[col])
                        yh, yl = _dd.mul(ph, pl, B0[col], R0[col])
                        th, tl = _dd.add(xh, xl, -yh, -yl)
                        B0[col] = A0[col]
                        R0[col] = S0[col]
                        A0[col] = th
                        S0[col] = tl
                for col in range(na):
                    fe, fo = _even_factors_dd(a[col], qr, A0[col], S0[col], B0[col], R0[col],
                                              L0[col])
                    out[r, col] = 2.0 + math.pi * math.pi * fe * fo
                continue
            for col in range(na):
                S0[col] = abs(A0[col])
                R0[col] = abs(B0[col])
                S1[col] = abs(A1[col])
                R1[col] = abs(B1[col])
            for nn in range(M - ns + 1, M):
                n = M - nn
                u0 = U[n]
                p0 = Q * PN[n]
                u1 = UH[n]
                p1 = Q * PNH[n]
                for col in range(na):
                    ac = a[col]
                    d0 = 1.0 - ac * u0
                    d1 = 1.0 - ac * u1
                    t0 = d0 * A0[col] - p0 * B0[col]
                    s0 = abs(d0) * S0[col] + p0 * R0[col]
                    t1 = d1 * A1[col] - p1 * B1[col]
                    s1 = abs(d1) * S1[col] + p1 * R1[col]
                    B0[col] = A0[col]
                    A0[col] = t0
                    R0[col] = S0[col]
                    S0[col] = s0
                    B1[col] = A1[col]
                    A1[col] = t1
                    R1[col] = S1[col]
                    S1[col] = s1
            for col in range(na):
                out[r, col] = _combine(a[col], qr, A0[col], B0[col], S0[col], R0[col], L0[col],
                                       A1[col], B1[col], S1[col], R1[col], L1[col])[0]

# ----------------------------------------------------------------------------- wrappers
def _flat(a, q):
    A, Q = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(q, dtype=np.float64))
    return A.shape, np.ascontiguousarray(A.ravel()), np.ascontiguousarray(Q.ravel())


def _check_range(af, qf):
    if not (np.all(np.isfinite(af)) and np.all(np.isfinite(qf))):
        raise ValueError("a and q must be finite (got NaN or inf)")
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
    out = np.empty((1, af.size))
    _points(af, qf, _C, _CH, _M, _A_LIM, _Q_LIM, _U, _PN, _UH, _PNH, _UD, _PND, _UHD, _PNHD,
            out)
    _check_finite(out)
    return out[0].reshape(shape)


def _check_finite(out):
    if not np.all(np.isfinite(out)):
        raise ArithmeticError("Hill's determinant gave a non-finite value inside its tabulated "
                              "range (please report the (a, q)); use method='integrate'")


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
    r = _all(a, q)
    return r[1], r[2]


def hill_odd_factors(a, q):
    """The odd-harmonic Hill determinants G_+ = w_I(pi/2), G_- = w_II'(pi/2).

    Rows 2n + 1 (n >= 0), row n scaled by (2n+1)^2: diagonal 1 - a/(2n+1)^2 (row 0:
    1 - a +- q), pair products q^2/((2n+1)^2 (2n+3)^2); the trace is 4 G_+ G_- - 2.

    Parameters
    ----------
    a, q : float or array_like
        As for :func:`hill_trace`.

    Returns
    -------
    (ndarray, ndarray)
        G_+, G_-.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu.determinant import hill_odd_factors
    >>> gp, gm = hill_odd_factors(2.0, 0.0)      # both cos(pi sqrt(2) / 2) at q = 0
    >>> bool(abs(gp - np.cos(np.pi / np.sqrt(2))) < 1e-15 and gp == gm)
    True
    """
    r = _all(a, q)
    return r[3], r[4]


def _all(a, q):
    shape, af, qf = _flat(a, q)
    _check_range(af, qf)
    out = np.empty((5, af.size))
    _points(af, qf, _C, _CH, _M, _A_LIM, _Q_LIM, _U, _PN, _UH, _PNH, _UD, _PND, _UHD, _PNHD,
            out)
    _check_finite(out)
    return [row.reshape(shape) for row in out]


#: rows x columns x M above which a chart is run in blocks (for the progress bar)
_BLOCK_WORK = 3e8


def hill_trace_grid(a, q, progress=None, *, order=None):
    """Undamped trace on the grid (a[j], q[i]) -> out[i, j] (1-D ``a``, ``q``).

    One truncation order for the whole grid (the one the grid's max |a|, |q| need); the
    x-parts of the tails are computed once per column, the rest per point. ``order``
    (the pair ``truncation_order`` gave for a larger grid) makes a block of rows bitwise
    equal to those rows of that grid (used by :mod:`odekit.distributed`).

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
    _check_range(a, q)
    amax = float(np.max(np.abs(a)))
    qmax = float(np.max(np.abs(q)))
    i, M = truncation_order(amax, qmax) if order is None else order
    if i < 0:
        raise _range_error(amax, qmax)
    E = np.empty((2, 2, _C.shape[2], a.size))
    X = np.empty((2, 2, a.size))
    _column_tails(a, _C, _CH, i, E, X)
    out = np.empty((q.size, a.size))
    nth = num_threads()
    work = float(q.size) * a.size * M
    if work <= _BLOCK_WORK:
        _trace_grid(a, q, E, X, M, _U, _PN, _UH, _PNH, _UD, _PND, 0, q.size,
                    min(q.size, 4 * nth), out)
        _check_finite(out)
        return out
    nblocks = int(min(q.size, math.ceil(work / (_BLOCK_WORK / 10))))
    edges = np.linspace(0, q.size, nblocks + 1).astype(np.int64)
    with progress_bar(q.size, progress=progress, desc="stability_chart") as bar:
        for r0, r1 in zip(edges[:-1], edges[1:]):
            if r1 > r0:
                _trace_grid(a, q, E, X, M, _U, _PN, _UH, _PNH, _UD, _PND, int(r0), int(r1),
                            int(min(r1 - r0, 4 * nth)), out)
                bar.update(int(r1 - r0))
    _check_finite(out)
    return out
