"""Compiled pieces of the Runge–Kutta stepper that do not call the right-hand side.

Used by the driver (:mod:`odekit.integrate._driver`); compiled once per installation
(disk cache) with it.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit

SAFETY = 0.9
MIN_FACTOR = 0.2
MAX_FACTOR = 10.0
#: most rejected trials of one step before it fails as a step size underflow (a rejected
#: trial shrinks the step by a factor <= 0.9, so ~7000 would go from 1e300 to 1e-300)
MAX_REJECT = 10_000
TINY = 1e-300
#: finest sampling grid of the event functions within one step (a power of 2)
EVENT_SUBSTEPS = 64
#: from this dimension on, the stage sums run as loops over the state (contiguous rows of
#: K, which LLVM vectorises); below it, in blocks of four components with the sums in
#: registers (see :func:`stage_state`)
VEC_MIN = 8


@jit
def all_finite(x, n):
    """True when the first n elements of the 1-D array ``x`` are finite.

    One exit, no early return: inlined into the driver (:data:`all_finite_in`), a
    function with several exits keeps reference-count updates of its array arguments
    (Numba's pruning pass cannot pair them), two atomic operations per array per call.
    The same holds for every ``*_in`` kernel here.
    """
    ok = True
    for i in range(n):
        ok = ok and np.isfinite(x[i])
    return ok


@jit
def all_finite_row(X, r, n):
    """True when X[r, :n] is finite (a row without making a view: no reference count)."""
    ok = True
    for i in range(n):
        ok = ok and np.isfinite(X[r, i])
    return ok


@jit
def combine(y, h, b, K, s, out, n):
    """out = y + h Σ_{m<s} b_m K_m: the forms of :func:`stage_state` (the same operations
    in the same order for every component, whichever form)."""
    n = max(n, 0)  # (known >= 0: no negative-index wraparound in the blocks)
    if n >= VEC_MIN:
        w = b[0]
        for j in range(n):
            out[j] = w * K[0, j]
        # four terms per pass over the state, added in the same order as one at a
        # time (((a + t0) + t1) + t2) + t3: a quarter of the round trips through memory
        for mb in range((s - 1) // 4):
            m = 1 + 4 * mb
            w0 = b[m]
            w1 = b[m + 1]
            w2 = b[m + 2]
            w3 = b[m + 3]
            for j in range(n):
                out[j] = (out[j] + w0 * K[m, j] + w1 * K[m + 1, j] + w2 * K[m + 2, j]
                          + w3 * K[m + 3, j])
        for m in range(1 + 4 * ((s - 1) // 4), s):
            w = b[m]
            for j in range(n):
                out[j] += w * K[m, j]
        for j in range(n):
            out[j] = y[j] + h * out[j]
        j0 = n
    else:
        for jb in range(n // 8):  # eight components: eight chains
            j = 8 * jb
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            a5 = w * K[0, j + 5]
            a6 = w * K[0, j + 6]
            a7 = w * K[0, j + 7]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
                a5 += w * K[m, j + 5]
                a6 += w * K[m, j + 6]
                a7 += w * K[m, j + 7]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            out[j + 2] = y[j + 2] + h * a2
            out[j + 3] = y[j + 3] + h * a3
            out[j + 4] = y[j + 4] + h * a4
            out[j + 5] = y[j + 5] + h * a5
            out[j + 6] = y[j + 6] + h * a6
            out[j + 7] = y[j + 7] + h * a7
        j0 = 8 * (n // 8)
        # the rest (up to seven) in one pass over the stages: as many chains
        if n - j0 == 7:
            j = j0
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            a5 = w * K[0, j + 5]
            a6 = w * K[0, j + 6]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
                a5 += w * K[m, j + 5]
                a6 += w * K[m, j + 6]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            out[j + 2] = y[j + 2] + h * a2
            out[j + 3] = y[j + 3] + h * a3
            out[j + 4] = y[j + 4] + h * a4
            out[j + 5] = y[j + 5] + h * a5
            out[j + 6] = y[j + 6] + h * a6
            j0 += 7
        elif n - j0 == 6:
            j = j0
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            a5 = w * K[0, j + 5]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
                a5 += w * K[m, j + 5]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            out[j + 2] = y[j + 2] + h * a2
            out[j + 3] = y[j + 3] + h * a3
            out[j + 4] = y[j + 4] + h * a4
            out[j + 5] = y[j + 5] + h * a5
            j0 += 6
        elif n - j0 == 5:
            j = j0
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            out[j + 2] = y[j + 2] + h * a2
            out[j + 3] = y[j + 3] + h * a3
            out[j + 4] = y[j + 4] + h * a4
            j0 += 5
        elif n - j0 == 4:
            j = j0
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            out[j + 2] = y[j + 2] + h * a2
            out[j + 3] = y[j + 3] + h * a3
            j0 += 4
        elif n - j0 == 3:
            j = j0
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            out[j + 2] = y[j + 2] + h * a2
            j0 += 3
        elif n - j0 == 2:
            j = j0
            w = b[0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            for m in range(1, s):
                w = b[m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
            out[j] = y[j] + h * a0
            out[j + 1] = y[j + 1] + h * a1
            j0 += 2
    for j in range(j0, n):
        a0 = b[0] * K[0, j]
        for m in range(1, s):
            a0 += b[m] * K[m, j]
        out[j] = y[j] + h * a0


@jit
def error_weights(y, y_new, rtol, atol, scale, n):
    """scale[j] = 1 / (atol_j + rtol max(|y_j|, |y_new_j|)), floored: with atol = 0 a
    component that reaches exactly 0 has weight 1e300, not inf (0 * inf would make the
    norm NaN and the step fail)."""
    for j in range(n):
        scale[j] = 1.0 / max(atol[j] + rtol * max(abs(y[j]), abs(y_new[j])), TINY)


@jit
def step_factor(err, err_exp, rejected):
    """Step-size factor of the standard controller (safety 0.9, factors in [0.2, 10]).

    DOP853's err**(-1/8) after an accepted step is taken as three square roots: within an
    ulp or two of ``pow``, and the Arenstorf solve is 4-5 % faster for it (paired runs).
    """
    if err < 1.0:
        if err == 0.0:
            factor = MAX_FACTOR
        elif err_exp == -0.125:
            factor = min(MAX_FACTOR, SAFETY / np.sqrt(np.sqrt(np.sqrt(err))))
        else:
            factor = min(MAX_FACTOR, SAFETY * err ** err_exp)
        if rejected:
            factor = min(1.0, factor)
        return factor
    if not np.isfinite(err):
        return MIN_FACTOR
    return max(MIN_FACTOR, SAFETY * err ** err_exp)


@jit
def dense_coeffs(h, y, y_new, K, P, S, Q, n):
    """The step's interpolant: Q[0] = Δy = y_new - y, Q[1 + d] = h Σ_{i<S} P[i, d] K_i.

    ``P`` (S, D - 1) is the interpolant's remainder matrix (:func:`remainder_matrix`).
    """
    D = Q.shape[0]
    for j in range(n):
        Q[0, j] = y_new[j] - y[j]
    for d in range(D - 1):
        for j in range(n):
            acc = 0.0
            for i in range(S):
                w = P[i, d]
                if w != 0.0:
                    acc += w * K[i, j]
            Q[d + 1, j] = h * acc


@jit
def dense_eval(theta, y, Q, out, n):
    """out = y + θ (Δy + (1 - θ) R(θ)), with Δy = Q[0] and R(θ) = Σ_d Q[1 + d] θ^d.

    At θ = 1 this is y + Δy, the step's end to rounding (exactly y_new where the
    subtraction y_new - y was exact, as it is when the two are within a factor 2), and
    the interpolants of two successive steps meet to an ulp or two.
    """
    D = Q.shape[0]
    omt = 1.0 - theta
    for j in range(n):
        acc = Q[D - 1, j]
        for d in range(D - 2, 0, -1):
            acc = acc * theta + Q[d, j]
        out[j] = y[j] + theta * (Q[0, j] + omt * acc)


def remainder_matrix(P):
    """Monomial dense-output weights P (S, D), y(θ) = y + h Σ_i K_i Σ_d P[i, d] θ^(d+1),
    rewritten for :func:`dense_eval`: R[i, j] = -Σ_{d>j} P[i, d] (S, D - 1).

    With q(θ) = Σ_d a_d θ^d (so y(θ) = y + θ q(θ)) and q(1) = Δy (the interpolant meets
    the step's end, i.e. the rows of P sum to b), q(θ) = Δy + (1 - θ) r(θ) with
    r_j = -Σ_{d>j} a_d. Plain NumPy: computed once per method.
    """
    P = np.asarray(P, dtype=np.float64)
    R = -np.cumsum(P[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return np.ascontiguousarray(R)


@jit
def hermite_eval(th, h, y, y_new, K, s, out, n):
    """The cubic Hermite interpolant of (y, K[0]) and (y_new, K[s]) at θ into out."""
    t2 = th * th
    t3 = t2 * th
    h00 = 2.0 * t3 - 3.0 * t2 + 1.0
    h01 = 3.0 * t2 - 2.0 * t3
    h10 = (t3 - 2.0 * t2 + th) * h
    h11 = (t3 - t2) * h
    for j in range(n):
        out[j] = h00 * y[j] + h01 * y_new[j] + h10 * K[0, j] + h11 * K[s, j]


@jit
def stage_state(i, h, y, A, K, ytmp):
    """ytmp = y + h Σ_{m<i} A[i, m] K[m] (i >= 1).

    Two forms with the same operations in the same order for every component (terms
    added m = 0, 1, ..., then y + h * sum), so each is bit for bit the sequential sum,
    whatever the form (tests/integrate/test_driver_forms.py):

    * n >= VEC_MIN: loops over the state (contiguous rows of K, which LLVM's loop
      vectoriser turns into SIMD code; Numba leaves the SLP vectoriser off, so the
      blocked form stays scalar), four stage terms per pass, written
      (((a + t0) + t1) + t2) + t3 so that the order is that of one at a time and the
      partial sums go through memory once per four terms;
    * below: components in blocks of eight, then the rest (up to seven) in one block,
      each block with its sums in registers (one independent chain per component, so
      the passes over the stages pipeline instead of waiting on one chain's additions).

    Per solve of the linear test problem at n = 28 (DOP853, 59 steps): 49 us with
    blocks of four only, 33 us with the vectorised form (CyRK 34 us); at n = 5, 21.8 us
    with a block of four and one chain, 14.0 us with one block of five.

    Every array is last used after the two branches join (the final loop): an array
    that dies inside a branch keeps the inlined twin's reference-count updates (atomic)
    in the step loop.
    """
    n = max(y.shape[0], 0)  # (known >= 0: no negative-index wraparound in the blocks)
    if n >= VEC_MIN:
        w = A[i, 0]
        for j in range(n):
            ytmp[j] = w * K[0, j]
        # four terms per pass over the state, added in the same order as one at a
        # time (((a + t0) + t1) + t2) + t3: a quarter of the round trips through memory
        for mb in range((i - 1) // 4):
            m = 1 + 4 * mb
            w0 = A[i, m]
            w1 = A[i, m + 1]
            w2 = A[i, m + 2]
            w3 = A[i, m + 3]
            for j in range(n):
                ytmp[j] = (ytmp[j] + w0 * K[m, j] + w1 * K[m + 1, j] + w2 * K[m + 2, j]
                          + w3 * K[m + 3, j])
        for m in range(1 + 4 * ((i - 1) // 4), i):
            w = A[i, m]
            for j in range(n):
                ytmp[j] += w * K[m, j]
        for j in range(n):
            ytmp[j] = y[j] + h * ytmp[j]
        j0 = n
    else:
        for jb in range(n // 8):  # eight components: eight chains
            j = 8 * jb
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            a5 = w * K[0, j + 5]
            a6 = w * K[0, j + 6]
            a7 = w * K[0, j + 7]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
                a5 += w * K[m, j + 5]
                a6 += w * K[m, j + 6]
                a7 += w * K[m, j + 7]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            ytmp[j + 2] = y[j + 2] + h * a2
            ytmp[j + 3] = y[j + 3] + h * a3
            ytmp[j + 4] = y[j + 4] + h * a4
            ytmp[j + 5] = y[j + 5] + h * a5
            ytmp[j + 6] = y[j + 6] + h * a6
            ytmp[j + 7] = y[j + 7] + h * a7
        j0 = 8 * (n // 8)
        # the rest (up to seven) in one pass over the stages: as many chains
        if n - j0 == 7:
            j = j0
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            a5 = w * K[0, j + 5]
            a6 = w * K[0, j + 6]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
                a5 += w * K[m, j + 5]
                a6 += w * K[m, j + 6]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            ytmp[j + 2] = y[j + 2] + h * a2
            ytmp[j + 3] = y[j + 3] + h * a3
            ytmp[j + 4] = y[j + 4] + h * a4
            ytmp[j + 5] = y[j + 5] + h * a5
            ytmp[j + 6] = y[j + 6] + h * a6
            j0 += 7
        elif n - j0 == 6:
            j = j0
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            a5 = w * K[0, j + 5]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
                a5 += w * K[m, j + 5]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            ytmp[j + 2] = y[j + 2] + h * a2
            ytmp[j + 3] = y[j + 3] + h * a3
            ytmp[j + 4] = y[j + 4] + h * a4
            ytmp[j + 5] = y[j + 5] + h * a5
            j0 += 6
        elif n - j0 == 5:
            j = j0
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            a4 = w * K[0, j + 4]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
                a4 += w * K[m, j + 4]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            ytmp[j + 2] = y[j + 2] + h * a2
            ytmp[j + 3] = y[j + 3] + h * a3
            ytmp[j + 4] = y[j + 4] + h * a4
            j0 += 5
        elif n - j0 == 4:
            j = j0
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            a3 = w * K[0, j + 3]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
                a3 += w * K[m, j + 3]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            ytmp[j + 2] = y[j + 2] + h * a2
            ytmp[j + 3] = y[j + 3] + h * a3
            j0 += 4
        elif n - j0 == 3:
            j = j0
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            a2 = w * K[0, j + 2]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
                a2 += w * K[m, j + 2]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            ytmp[j + 2] = y[j + 2] + h * a2
            j0 += 3
        elif n - j0 == 2:
            j = j0
            w = A[i, 0]
            a0 = w * K[0, j]
            a1 = w * K[0, j + 1]
            for m in range(1, i):
                w = A[i, m]
                a0 += w * K[m, j]
                a1 += w * K[m, j + 1]
            ytmp[j] = y[j] + h * a0
            ytmp[j + 1] = y[j + 1] + h * a1
            j0 += 2
    for j in range(j0, n):
        a0 = A[i, 0] * K[0, j]
        for m in range(1, i):
            a0 += A[i, m] * K[m, j]
        ytmp[j] = y[j] + h * a0


@jit
def initial_step_norms(y0, f0, rtol, atol):
    """(d0, d1): scaled RMS norms of y0 and f0 for Hairer's starting-step rule."""
    n = y0.shape[0]
    d0 = 0.0
    d1 = 0.0
    for i in range(n):
        sc = max(atol[i] + abs(y0[i]) * rtol, TINY)
        d0 += (y0[i] / sc) ** 2
        d1 += (f0[i] / sc) ** 2
    return np.sqrt(d0 / n), np.sqrt(d1 / n)


@jit
def initial_step_trial(y0, f0, rtol, atol, interval, max_step, direction, ytmp):
    """First half of Hairer's starting-step rule: (h0, d1), and ytmp = y0 + h0 f0.

    The caller evaluates f1 = f(t0 + h0, ytmp) and finishes with
    :func:`initial_step_finish`.
    """
    d0, d1 = initial_step_norms(y0, f0, rtol, atol)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, interval, max_step)
    for i in range(y0.shape[0]):
        ytmp[i] = y0[i] + h0 * direction * f0[i]
    return h0, d1


@jit
def initial_step_finish(y0, f0, f1, h0, d1, err_order, rtol, atol, interval, max_step):
    """Second half of Hairer's starting-step rule, given f1 = f(t0 + h0, y0 + h0 f0)."""
    n = y0.shape[0]
    d2 = 0.0
    for i in range(n):
        sc = max(atol[i] + abs(y0[i]) * rtol, TINY)
        d2 += ((f1[i] - f0[i]) / sc) ** 2
    d2 = np.sqrt(d2 / n) / h0
    if not np.isfinite(d2):
        return h0 * 1e-3
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (err_order + 1))
    return min(100 * h0, h1, interval, max_step)


@jit
def brent_update(a, b, c, fa, fb, fc, d, e, xtol):
    """One iteration of Brent's root finder (the bookkeeping part).

    Returns (a, b, c, fa, fb, fc, d, e, done): the caller evaluates f at the new ``b``
    unless ``done``.
    """
    if fb * fc > 0.0:
        c, fc = a, fa
        d = b - a
        e = d
    if abs(fc) < abs(fb):
        a, fa = b, fb
        b, fb = c, fc
        c, fc = a, fa
    tol = 2.0 * 2.220446049250313e-16 * abs(b) + 0.5 * xtol
    m = 0.5 * (c - b)
    if abs(m) <= tol or fb == 0.0:
        return a, b, c, fa, fb, fc, d, e, True
    if abs(e) >= tol and abs(fa) > abs(fb):
        s_ = fb / fa
        if a == c:
            pp = 2.0 * m * s_
            qq = 1.0 - s_
        else:
            q_ = fa / fc
            r_ = fb / fc
            pp = s_ * (2.0 * m * q_ * (q_ - r_) - (b - a) * (r_ - 1.0))
            qq = (q_ - 1.0) * (r_ - 1.0) * (s_ - 1.0)
        if pp > 0.0:
            qq = -qq
        else:
            pp = -pp
        if 2.0 * pp < min(3.0 * m * qq - abs(tol * qq), abs(e * qq)):
            e = d
            d = pp / qq
        else:
            d = m
            e = d
    else:
        d = m
        e = d
    a, fa = b, fb
    if abs(d) > tol:
        b += d
    else:
        b += tol if m > 0 else -tol
    return a, b, c, fa, fb, fc, d, e, False


@jit
def record_start(t0, y, record_steps, t_eval, ts, ys, ist):
    """Output at t0: the first recorded step and any t_eval points equal to t0.

    ``ist`` is the driver's state (ist[3] = outputs written, ist[6] = next t_eval index).
    """
    n_out = ist[3]
    i_eval = ist[6]
    if record_steps:
        ts[0] = t0
        copy1(ys[0], y)
        n_out = 1
    while i_eval < t_eval.shape[0] and t_eval[i_eval] == t0:
        ts[n_out] = t0
        copy1(ys[n_out], y)
        n_out += 1
        i_eval += 1
    ist[3] = n_out
    ist[6] = i_eval


@jit
def buffers_full(ist, n_events, ev_t, dense, d_t):
    """Whether the event or dense-output buffers lack room for another step."""
    return ((n_events > 0 and ist[4] + n_events * EVENT_SUBSTEPS > ev_t.shape[0])
            or (dense and ist[5] + 1 > d_t.shape[0]))


@jit
def finish_step(t, h_step, t_new, t_stop, first_term, direction, y, y_new, Q, ybuf,
                record_steps, dense, t_eval, ts, ys, d_t, d_h, d_y, d_Q, ist, n):
    """Outputs of an accepted step (t_eval points, dense storage, the step itself), then
    y <- the new state. A terminal event (first_term <= 1) ends the step at t_stop.

    Returns 1 when a terminal event stopped the integration, else 0.
    """
    n_out = ist[3]
    i_eval = ist[6]
    while i_eval < t_eval.shape[0] and direction * (t_eval[i_eval] - t_stop) <= 0.0:
        te = t_eval[i_eval]
        ts[n_out] = te
        if te == t_new:
            copy1(ys[n_out], y_new)
        else:
            dense_eval((te - t) / h_step, y, Q, ys[n_out], n)
        n_out += 1
        i_eval += 1
    ist[6] = i_eval
    if dense:
        k = ist[5]
        d_t[k] = t
        d_h[k] = h_step
        copy1(d_y[k], y)
        copy2(d_Q[k], Q)
        ist[5] = k + 1
    t_end = t_new
    y_end = y_new
    stopped = 0
    if first_term <= 1.0:
        if first_term == 1.0:
            copy1(ybuf, y_new)
        else:
            dense_eval(first_term, y, Q, ybuf, n)
        t_end = t_stop
        y_end = ybuf
        stopped = 1
    if record_steps:
        ts[n_out] = t_end
        copy1(ys[n_out], y_end)
        n_out += 1
    ist[3] = n_out
    copy1(y, y_end)
    return stopped


@jit
def copy1(dst, src):
    """dst[:] = src for 1-D arrays (an explicit loop: much less IR than a slice copy)."""
    for j in range(src.shape[0]):
        dst[j] = src[j]


@jit
def copy2(dst, src):
    """dst[:, :] = src for 2-D arrays."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]


def _inline_twin(f):
    """The same function compiled for Numba-level inlining into the driver.

    Calls between separately compiled Numba functions are real calls (array arguments
    passed as structs), which costs in the per-step path; the twins are inlined there.
    """
    return jit(inline="always")(getattr(f, "py_func", f))


combine_in = _inline_twin(combine)
error_weights_in = _inline_twin(error_weights)
step_factor_in = _inline_twin(step_factor)
all_finite_in = _inline_twin(all_finite)
all_finite_row_in = _inline_twin(all_finite_row)
stage_state_in = _inline_twin(stage_state)
