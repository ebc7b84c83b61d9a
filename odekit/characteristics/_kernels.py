"""Compiled kernels of the marginal fields (compiled once per installation).

Every path x data combination is read from one float64 parameter vector ``p`` (see
:func:`odekit.characteristics.fields.MarginalField.params`):

========  ==============================================================
p[0]      path family: 0 Gaussian schedule, 1 straight path with a uniform box prior,
          2 Poisson path
p[1:4]    schedule code and its two constants (family 0)
p[4]      data kind: 0 point set, 1 Gaussian mixture
p[5]      d (dimension);  p[6]: N (points or components)
p[7]      D (Poisson path);  p[8]: a log normaliser (Poisson: log C(d, D); box: log volume)
p[9]      the largest log weight
p[10:12]  for a tabulated Gaussian schedule (code 4): offset of its table in p, node count
p[16:]    log weights (N); points (N d, sorted by their first coordinate) or means (N d);
          for mixtures the eigenvectors
          (N d d, row-major) and eigenvalues (N d) of the covariances; for the box prior its
          low and high corners (d each)
========  ==============================================================

The data are looped over inside the kernels (one pass with a running maximum for the
softmax, a second pass only where the divergence or the score needs the normalised
weights), so memory stays O(d) per evaluation point whatever N. The 2-D point-set kernel
works in blocks through a stack buffer with a vectorisable exponential (:func:`vexp`,
below; kept in this module so that Numba's cache of the kernels, which is keyed on this
file alone, sees every change to it).
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import DISABLED, jit, prange
from .paths import SCHED_TABLE, schedule, table_schedule

HEADER = 16
LOG2PI = math.log(2.0 * math.pi)


# ---- an exponential that LLVM can vectorise, and a fixed-size scratch buffer on the stack ----
#
# Numba lowers ``math.exp`` to a call of libm's scalar ``exp`` (without Intel's SVML there is
# no vector form), so a loop that takes one exponential per data point runs one libm call
# per point. :func:`vexp` is straight-line arithmetic with selects instead of branches, so
# a simple loop over it vectorises (AVX2/AVX-512 here, without ``fastmath``: no floating
# point is reassociated).
#
# Method (the classic one of Cody & Waite and fdlibm): ``k = round(x log2 e)``,
# ``r = x - k ln 2`` in two parts (``LN2_HI`` has 32 trailing zero bits, so ``k LN2_HI`` is
# exact for every ``|k| < 2**21``), ``e**r`` by its Taylor polynomial of degree 13 on
# ``|r| <= ln(2)/2`` (truncation below 4e-18 relative), evaluated as ``1 + (r + r**2 q(r))``
# so that the last rounding is that of the leading 1, and the scaling by ``2**k`` as two
# exact factors ``2**(k//2) 2**(k - k//2)`` built from their bits, which underflows into the
# subnormals and overflows to inf as ``exp`` does. The argument is clamped to
# [-746, 710] first (beyond it the result is 0 or inf anyway), so that the integer
# conversion never sees NaN or inf; NaN is passed through at the end. :func:`vexp_weight`
# is the same for the posterior weights only (arguments in [-708, 0], clamped by the
# caller): one scaling factor, no clamps.
#
# Accuracy: within 1 ulp of the exact value over the whole double range (``tests/
# characteristics/test_vexp.py`` checks it against mpmath, with the special values).
#
# :func:`stack_buffer` gives ``SCRATCH`` float64 on the stack of the compiled function that
# uses it (an ``alloca`` in its entry block: one per call, no heap allocation, private to
# the thread), wrapped as an array by ``numba.carray``. With ``ODEKIT_DISABLE_JIT`` both fall
# back to plain Python (a NumPy array, a bit-level conversion by NumPy).

#: float64 slots of one stack buffer
SCRATCH = 64

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # fdlibm's ln2_hi (low 32 bits zero)
LN2_LO = 1.90821492927058770002e-10
#: 1.5 * 2**52: adding and subtracting it rounds to the nearest integer (|y| < 2**51)
ROUNDER = 6755399441055744.0

if DISABLED:  # plain-Python twins (ODEKIT_DISABLE_JIT)

    def _bits_as_f64(k):
        return float(np.array(int(k), dtype=np.int64).view(np.float64))

    def stack_buffer():
        return None

    def as_array(ptr, shape):
        return np.empty(shape)

else:
    from llvmlite import ir
    from numba import carray as as_array
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic

    @intrinsic
    def _bits_as_f64(typingctx, k):
        """The float64 whose bits are the int64 ``k``."""
        if not isinstance(k, types.Integer):
            return None

        def codegen(context, builder, sig, args):
            val = args[0]
            if val.type.width < 64:
                val = builder.sext(val, ir.IntType(64))
            return builder.bitcast(val, ir.DoubleType())

        return types.float64(k), codegen

    @intrinsic
    def stack_buffer(typingctx):
        """A pointer to SCRATCH float64 on the caller's stack (uninitialised)."""

        def codegen(context, builder, sig, args):
            return cgutils.alloca_once(builder, ir.DoubleType(),
                                       size=ir.Constant(ir.IntType(64), SCRATCH))

        return types.CPointer(types.float64)(), codegen


@jit(inline="always")
def vexp(x):
    """exp(x) within 1 ulp, branch-free (vectorisable); NaN in, NaN out."""
    xc = x
    if not xc > -746.0:  # also NaN: clamped here, restored at the end
        xc = -746.0
    if xc > 710.0:
        xc = 710.0
    kf = (xc * LOG2E + ROUNDER) - ROUNDER
    r = (xc - kf * LN2_HI) - kf * LN2_LO
    q = 1.0 / 6227020800.0
    q = q * r + 1.0 / 479001600.0
    q = q * r + 1.0 / 39916800.0
    q = q * r + 1.0 / 3628800.0
    q = q * r + 1.0 / 362880.0
    q = q * r + 1.0 / 40320.0
    q = q * r + 1.0 / 5040.0
    q = q * r + 1.0 / 720.0
    q = q * r + 1.0 / 120.0
    q = q * r + 1.0 / 24.0
    q = q * r + 1.0 / 6.0
    q = q * r + 0.5
    er = 1.0 + (r + r * r * q)
    k = np.int64(kf)
    k1 = k >> 1
    out = er * _bits_as_f64((k1 + 1023) << 52) * _bits_as_f64((k - k1 + 1023) << 52)
    if x != x:
        out = x
    return out



@jit(inline="always")
def vexp_weight(u):
    """exp(u) for -708 <= u <= 0 (posterior weights relative to the largest), within
    1 ulp like :func:`vexp`, with one scaling factor and no clamping: fewer operations in
    the kernels' vectorised loops. Outside that range the value is meaningless (not
    NaN-safe either); the kernels clamp u to [-CUTOFF - 1, 0] first."""
    kf = (u * LOG2E + ROUNDER) - ROUNDER
    r = (u - kf * LN2_HI) - kf * LN2_LO
    q = 1.0 / 6227020800.0
    q = q * r + 1.0 / 479001600.0
    q = q * r + 1.0 / 39916800.0
    q = q * r + 1.0 / 3628800.0
    q = q * r + 1.0 / 362880.0
    q = q * r + 1.0 / 40320.0
    q = q * r + 1.0 / 5040.0
    q = q * r + 1.0 / 720.0
    q = q * r + 1.0 / 120.0
    q = q * r + 1.0 / 24.0
    q = q * r + 1.0 / 6.0
    q = q * r + 0.5
    return (1.0 + (r + r * r * q)) * _bits_as_f64((np.int64(kf) + 1023) << 52)


@jit(inline="always")
def _schedule(t, p):
    code = int(p[1])
    if code == SCHED_TABLE:
        return table_schedule(t, p, int(p[10]), int(p[11]), p[3])
    return schedule(t, code, p[2], p[3])


#: posterior weights below exp(-CUTOFF) times the largest are skipped (no exp taken):
#: their total is below N * 1e-26 of the sum
CUTOFF = 60.0


@jit(inline="always")
def _gauss_logit(x, p, i, d, op, a, inv2):
    e2 = 0.0
    base = op + i * d
    for j in range(d):
        r = x[j] - a * p[base + j]
        e2 += r * r
    return p[HEADER + i] - e2 * inv2


@jit(inline="always")
def _logits_2d(buf, p, op, i0, nb, x0, x1, a, inv2):
    """buf[j] = logit of point i0 + j (2-D), j < nb: one vectorisable loop."""
    Y = p[op + 2 * i0: op + 2 * (i0 + nb)]
    L = p[HEADER + i0: HEADER + i0 + nb]
    for j in range(nb):
        r0 = x0 - a * Y[2 * j]
        r1 = x1 - a * Y[2 * j + 1]
        buf[j] = L[j] - (r0 * r0 + r1 * r1) * inv2


#: lanes of the block maximum (independent running maxima that LLVM packs in one vector)
LANES = 8


@jit(inline="always")
def _block_max(buf, nb, lanes):
    """max(buf[:nb]) (-inf if empty; NaN entries ignored) through LANES running maxima."""
    for q in range(LANES):
        lanes[q] = -np.inf
    nl = nb - nb % LANES
    for c in range(0, nl, LANES):
        for q in range(LANES):
            val = buf[c + q]
            if val > lanes[q]:
                lanes[q] = val
    bm = -np.inf
    for q in range(LANES):
        if lanes[q] > bm:
            bm = lanes[q]
    for j in range(nl, nb):
        if buf[j] > bm:
            bm = buf[j]
    return bm


#: pass-2 strips of at most this many points are summed one by one (skipping the exp of
#: the weights below the floor pays where most of a short strip is below it)
SPARSE = 24

#: points of a 2-D scan done one by one before the blocks start (the short scans of
#: a concentrated posterior stay as cheap as a plain loop)
SCALAR_HEAD = 8


@jit(inline="always")
def _strip_end(p, op, k, N, a, x0, lwmax, inv2, floor):
    """First i >= k whose first coordinate alone puts its logit below floor (N if none)
    for 2-D points sorted by that coordinate: galloping from k, then bisection."""
    lo = k  # the points in [k, lo) are kept
    hi = N
    step = 1
    while lo < N:
        j = min(lo + step - 1, N - 1)
        g = a * p[op + 2 * j] - x0
        if lwmax - g * g * inv2 < floor:
            hi = j
            break
        lo = j + 1
        step *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        g = a * p[op + 2 * mid] - x0
        if lwmax - g * g * inv2 < floor:
            hi = mid
        else:
            lo = mid + 1
    return lo


@jit(inline="always")
def _strip_start(p, op, k, a, x0, lwmax, inv2, floor):
    """First i <= k such that the points [i, k) are all kept by the bound (the mirror of
    _strip_end, downward from k)."""
    lo = 0
    hi = k  # the points in [hi, k) are kept
    step = 1
    while hi > 0:
        j = max(hi - step, 0)
        g = a * p[op + 2 * j] - x0
        if lwmax - g * g * inv2 < floor:
            lo = j + 1
            break
        hi = j
        step *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        g = a * p[op + 2 * mid] - x0
        if lwmax - g * g * inv2 < floor:
            lo = mid + 1
        else:
            hi = mid
    return lo


@jit
def _points_gauss_2d(t, x, p, v, s, need_s, need_div):
    """_points_gauss for d = 2, in blocks of SCRATCH points: the logits of a block are
    computed in one vectorised loop into a stack buffer, and so are the weights, by
    :func:`vexp` (libm's exp is a scalar call per point, and in the dense early part of a
    flow every evaluation visits every point). The same points as in the general kernel
    are visited and kept: pass 1 scans outward from where alpha y_i0 meets x_0 and stops
    once the first-coordinate bound rules out the current maximum (blocks may compute a
    few logits past that point, which cannot change the maximum); pass 2 takes the
    points the bound keeps for the floor m - CUTOFF (found by the same test, galloping
    and bisecting), and weights below the floor are zero. Summation order differs from
    the general kernel's, so results agree with it to rounding, not bitwise."""
    N = int(p[6])
    a, da, sg, ssd = _schedule(t, p)
    inv2 = 0.5 / (sg * sg)
    op = HEADER + N
    lwmax = p[9]
    x0 = x[0]
    x1 = x[1]
    lo = 0
    hi = N
    while lo < hi:  # first i with alpha y_i0 >= x_0
        mid = (lo + hi) // 2
        if a * p[op + 2 * mid] < x0:
            lo = mid + 1
        else:
            hi = mid
    k = lo
    buf = as_array(stack_buffer(), (SCRATCH,))
    lanes = as_array(stack_buffer(), (SCRATCH,))
    # pass 1: the largest logit and its point, upward from k, then downward
    m = -np.inf
    imax = 0
    i = k
    stop = False
    while i < N and i < k + SCALAR_HEAD:
        g = a * p[op + 2 * i] - x0
        if lwmax - g * g * inv2 < m:
            stop = True
            break
        r1 = x1 - a * p[op + 2 * i + 1]
        lg = p[HEADER + i] - (g * g + r1 * r1) * inv2
        if lg > m:
            m = lg
            imax = i
        i += 1
    while not stop and i < N:
        nb = min(SCRATCH, N - i)
        _logits_2d(buf, p, op, i, nb, x0, x1, a, inv2)
        bm = _block_max(buf, nb, lanes)
        if bm > m:
            for j in range(nb):
                if buf[j] == bm:
                    m = bm
                    imax = i + j
                    break
        i += nb
        if i < N:
            g = a * p[op + 2 * i] - x0
            stop = lwmax - g * g * inv2 < m
    i = k  # the points below i are left
    stop = False
    while i > 0 and i > k - SCALAR_HEAD:
        g = a * p[op + 2 * (i - 1)] - x0
        if lwmax - g * g * inv2 < m:
            stop = True
            break
        r1 = x1 - a * p[op + 2 * (i - 1) + 1]
        lg = p[HEADER + i - 1] - (g * g + r1 * r1) * inv2
        if lg > m:
            m = lg
            imax = i - 1
        i -= 1
    while not stop and i > 0:
        nb = min(SCRATCH, i)
        i -= nb
        _logits_2d(buf, p, op, i, nb, x0, x1, a, inv2)
        bm = _block_max(buf, nb, lanes)
        if bm > m:
            for j in range(nb - 1, -1, -1):
                if buf[j] == bm:
                    m = bm
                    imax = i + j
                    break
        if i > 0:
            g = a * p[op + 2 * (i - 1)] - x0
            stop = lwmax - g * g * inv2 < m
    # pass 2: the strip [lo2, hi2) of points the first-coordinate bound keeps for the
    # floor m - CUTOFF (the bound only grows away from k: galloping, then bisection).
    # Sums of w, w (y - c) and w |y - c|^2 about the most probable point c (keeps the
    # posterior variance free of cancellation when the posterior is concentrated).
    floor = m - CUTOFF
    hi2 = _strip_end(p, op, k, N, a, x0, lwmax, inv2, floor)
    lo2 = _strip_start(p, op, k, a, x0, lwmax, inv2, floor)
    oc = op + 2 * imax
    c0 = p[oc]
    c1 = p[oc + 1]
    W = 0.0
    Q = 0.0
    v0 = 0.0
    v1 = 0.0
    if hi2 - lo2 <= SPARSE:  # short (near the data end): one by one, no exp below the floor
        for i in range(lo2, hi2):
            r0 = x0 - a * p[op + 2 * i]
            r1 = x1 - a * p[op + 2 * i + 1]
            lg = p[HEADER + i] - (r0 * r0 + r1 * r1) * inv2
            if lg >= floor:
                w = vexp(lg - m)
                dy0 = p[op + 2 * i] - c0
                dy1 = p[op + 2 * i + 1] - c1
                W += w
                v0 += w * dy0
                v1 += w * dy1
                Q += w * (dy0 * dy0 + dy1 * dy1)
    else:  # in blocks, the weights by one vectorised loop into the buffer
        i = lo2
        while i < hi2:
            nb = min(SCRATCH, hi2 - i)
            Y = p[op + 2 * i: op + 2 * (i + nb)]
            L = p[HEADER + i: HEADER + i + nb]
            for j in range(nb):
                r0 = x0 - a * Y[2 * j]
                r1 = x1 - a * Y[2 * j + 1]
                lg = L[j] - (r0 * r0 + r1 * r1) * inv2
                u = lg - m
                if not u > -CUTOFF - 1.0:  # NaN too: its weight is dropped below
                    u = -CUTOFF - 1.0
                w = vexp_weight(u)
                buf[j] = w if lg >= floor else 0.0
            for j in range(nb):
                w = buf[j]
                dy0 = Y[2 * j] - c0
                dy1 = Y[2 * j + 1] - c1
                W += w
                v0 += w * dy0
                v1 += w * dy1
                Q += w * (dy0 * dy0 + dy1 * dy1)
            i += nb
    m0 = v0 / W
    m1 = v1 / W
    var = Q / W - (m0 * m0 + m1 * m1)
    if var < 0.0:
        var = 0.0
    yb0 = c0 + m0
    yb1 = c1 + m1
    k2 = ssd / (sg * sg)  # sigma'/sigma
    e0 = x0 - a * yb0
    e1 = x1 - a * yb1
    if need_s:
        s[0] = -e0 / (sg * sg)
        s[1] = -e1 / (sg * sg)
    v[0] = da * yb0 + k2 * e0
    v[1] = da * yb1 + k2 * e1
    div = 0.0
    if need_div:
        div = 2.0 * k2 + (a / (sg * sg)) * (da - k2 * a) * var
    logp = m + math.log(W) - 2.0 * (math.log(sg) + 0.5 * LOG2PI)
    return div, logp, 1.0 / W, imax


@jit
def _points_gauss(t, x, p, v, s, need_s, need_div):
    """Point set, Gaussian path (any d; d = 2 runs :func:`_points_gauss_2d`, the same
    scans in vectorised blocks). The points are stored sorted by their first coordinate,
    so the scans below start where alpha y_i0 meets x_0 and stop, in each direction, as
    soon as the first coordinate alone rules out every further point: a logit cannot
    exceed max log w - (alpha y_i0 - x_0)^2 / (2 sigma^2). Near the data end (small sigma)
    only a thin strip of points is visited; far from it, all of them."""
    d = int(p[5])
    N = int(p[6])
    a, da, sg, ssd = _schedule(t, p)
    inv2 = 0.5 / (sg * sg)
    op = HEADER + N
    lwmax = p[9]
    x0 = x[0]
    lo = 0
    hi = N
    while lo < hi:  # first i with alpha y_i0 >= x_0
        mid = (lo + hi) // 2
        if a * p[op + mid * d] < x0:
            lo = mid + 1
        else:
            hi = mid
    k = lo
    # pass 1: the largest logit (no exp)
    m = -np.inf
    imax = 0
    i = k
    while i < N:
        g = a * p[op + i * d] - x0
        if lwmax - g * g * inv2 < m:
            break
        lg = _gauss_logit(x, p, i, d, op, a, inv2)
        if lg > m:
            m = lg
            imax = i
        i += 1
    i = k - 1
    while i >= 0:
        g = a * p[op + i * d] - x0
        if lwmax - g * g * inv2 < m:
            break
        lg = _gauss_logit(x, p, i, d, op, a, inv2)
        if lg > m:
            m = lg
            imax = i
        i -= 1
    # pass 2: weights relative to the maximum (those below exp(-CUTOFF) skipped); sums of
    # w, w (y - c) (in v) and w |y - c|^2 about the most probable point c, which keeps the
    # posterior variance free of cancellation when the posterior is concentrated
    floor = m - CUTOFF
    W = 0.0
    Q = 0.0
    oc = op + imax * d
    for j in range(d):
        v[j] = 0.0
    for direction in range(2):
        i = k if direction == 0 else k - 1
        while 0 <= i < N:
            g = a * p[op + i * d] - x0
            if lwmax - g * g * inv2 < floor:
                break
            lg = _gauss_logit(x, p, i, d, op, a, inv2)
            if lg >= floor:
                w = math.exp(lg - m)
                W += w
                base = op + i * d
                q = 0.0
                for j in range(d):
                    dy = p[base + j] - p[oc + j]
                    v[j] += w * dy
                    q += dy * dy
                Q += w * q
            i += 1 if direction == 0 else -1
    var = Q / W
    for j in range(d):
        mj = v[j] / W
        var -= mj * mj
        v[j] = p[oc + j] + mj
    if var < 0.0:
        var = 0.0
    k2 = ssd / (sg * sg)  # sigma'/sigma
    for j in range(d):
        ybar = v[j]
        e = x[j] - a * ybar
        if need_s:
            s[j] = -e / (sg * sg)
        v[j] = da * ybar + k2 * e
    div = 0.0
    if need_div:
        div = d * k2 + (a / (sg * sg)) * (da - k2 * a) * var
    logp = m + math.log(W) - d * (math.log(sg) + 0.5 * LOG2PI)
    return div, logp, 1.0 / W, imax


@jit
def _mix_logit(x, p, k, d, K, a, sg2):
    """log w_k + log N(x; a mu_k, a^2 Sigma_k + sigma^2 I)."""
    om = HEADER + K
    oU = om + K * d
    oL = oU + K * d * d
    lg = p[HEADER + k] - 0.5 * d * LOG2PI
    for j in range(d):
        c = a * a * p[oL + k * d + j] + sg2
        z = 0.0
        for q in range(d):
            z += p[oU + k * d * d + q * d + j] * (x[q] - a * p[om + k * d + q])
        lg -= 0.5 * (math.log(c) + z * z / c)
    return lg


@jit
def _mixture_gauss(t, x, p, v, s, need_s, need_div):
    d = int(p[5])
    K = int(p[6])
    a, da, sg, ssd = _schedule(t, p)
    sg2 = sg * sg
    om = HEADER + K
    oU = om + K * d
    oL = oU + K * d * d
    m = -np.inf
    W = 0.0
    imax = 0
    for k in range(K):
        lg = _mix_logit(x, p, k, d, K, a, sg2)
        if lg > m:
            W = W * math.exp(m - lg) + 1.0 if m > -np.inf else 1.0
            m = lg
            imax = k
        else:
            W += math.exp(lg - m)
    for j in range(d):
        v[j] = 0.0
        if need_s:
            s[j] = 0.0
    tra = 0.0
    gv = 0.0
    for k in range(K):
        r = math.exp(_mix_logit(x, p, k, d, K, a, sg2) - m) / W
        if r == 0.0:
            continue
        for j in range(d):
            lam = p[oL + k * d + j]
            c = a * a * lam + sg2
            aj = (a * da * lam + ssd) / c
            z = 0.0
            mu = 0.0
            for q in range(d):
                u = p[oU + k * d * d + q * d + j]
                z += u * (x[q] - a * p[om + k * d + q])
                mu += u * p[om + k * d + q]
            vk = da * mu + aj * z
            g = -z / c
            tra += r * aj
            gv += r * g * vk
            for q in range(d):
                u = p[oU + k * d * d + q * d + j]
                v[q] += r * u * vk
                if need_s:
                    s[q] += r * u * g
    div = 0.0
    if need_div:
        sv = 0.0
        if need_s:
            for q in range(d):
                sv += s[q] * v[q]
        else:
            for k in range(K):
                r = math.exp(_mix_logit(x, p, k, d, K, a, sg2) - m) / W
                if r == 0.0:
                    continue
                for j in range(d):
                    c = a * a * p[oL + k * d + j] + sg2
                    z = 0.0
                    uv = 0.0
                    for q in range(d):
                        u = p[oU + k * d * d + q * d + j]
                        z += u * (x[q] - a * p[om + k * d + q])
                        uv += u * v[q]
                    sv += r * (-z / c) * uv
        div = tra + gv - sv
    return div, m + math.log(W), 1.0 / W, imax


@jit
def _points_box(t, x, p, v, s, need_s, need_div):
    """Straight paths with a uniform prior on a box: piecewise field (x - mean_A)/t."""
    d = int(p[5])
    N = int(p[6])
    op = HEADER + N
    ob = op + N * d
    W = 0.0
    wmax = 0.0
    imax = 0
    best = np.inf
    ibest = 0
    for j in range(d):
        v[j] = 0.0
    for i in range(N):
        base = op + i * d
        viol = 0.0
        for j in range(d):
            u = (x[j] - (1.0 - t) * p[base + j]) / t
            lo = p[ob + j]
            hi = p[ob + d + j]
            if u < lo:
                viol += (lo - u) * (lo - u)
            elif u > hi:
                viol += (u - hi) * (u - hi)
        if viol > 0.0:
            if viol < best:
                best = viol
                ibest = i
            continue
        w = math.exp(p[HEADER + i])
        W += w
        if w > wmax:
            wmax = w
            imax = i
        rr = w / W
        for j in range(d):
            v[j] += rr * (p[base + j] - v[j])
    if W == 0.0:  # outside the support: continue the field of the nearest region
        for j in range(d):
            v[j] = p[op + ibest * d + j]
        logp = -np.inf
        pmax = 1.0
        imax = ibest
    else:
        logp = math.log(W) - d * math.log(t) - p[8]
        pmax = wmax / W
    for j in range(d):
        v[j] = (x[j] - v[j]) / t
        if need_s:
            s[j] = 0.0
    return d / t, logp, pmax, imax


@jit
def _points_poisson(t, x, p, v, s, need_s, need_div):
    """Poisson path: weights w_i (t^2 + |x - y_i|^2)^(-(d + D)/2), field (x - mean)/t."""
    d = int(p[5])
    N = int(p[6])
    nn = d + p[7]
    op = HEADER + N
    t2 = t * t
    m = -np.inf
    W = 0.0
    imax = 0
    for j in range(d):
        v[j] = 0.0
    for i in range(N):
        base = op + i * d
        e2 = 0.0
        for j in range(d):
            r = x[j] - p[base + j]
            e2 += r * r
        lg = p[HEADER + i] - 0.5 * nn * math.log(t2 + e2)
        if lg > m:
            f = math.exp(m - lg) if m > -np.inf else 0.0
            W *= f
            m = lg
            w = 1.0
            imax = i
        else:
            w = math.exp(lg - m)
        if w == 0.0:
            continue
        W += w
        rr = w / W
        for j in range(d):
            v[j] += rr * (p[base + j] - v[j])
    div = 0.0
    if need_s:
        for j in range(d):
            s[j] = 0.0
    if need_div or need_s:
        cov = 0.0  # sum_i pi_i (y_i - ybar) . g_i
        for i in range(N):
            base = op + i * d
            e2 = 0.0
            for j in range(d):
                r = x[j] - p[base + j]
                e2 += r * r
            q = t2 + e2
            pi = math.exp(p[HEADER + i] - 0.5 * nn * math.log(q) - m) / W
            if pi == 0.0:
                continue
            gs = -nn / q
            for j in range(d):
                g = gs * (x[j] - p[base + j])
                cov += pi * (p[base + j] - v[j]) * g
                if need_s:
                    s[j] += pi * g
        div = (d - cov) / t
    for j in range(d):
        v[j] = (x[j] - v[j]) / t
    logp = m + math.log(W) + p[7] * math.log(t) - p[8]
    return div, logp, 1.0 / W, imax


@jit
def field_point(t, x, p, v, s, need_s, need_div):
    """Velocity into v (and score into s); returns (divergence, log density, largest
    posterior weight, its index)."""
    fam = int(p[0])
    if fam == 0:
        if int(p[4]) == 0:
            if int(p[5]) == 2:
                return _points_gauss_2d(t, x, p, v, s, need_s, need_div)
            return _points_gauss(t, x, p, v, s, need_s, need_div)
        return _mixture_gauss(t, x, p, v, s, need_s, need_div)
    if fam == 1:
        return _points_box(t, x, p, v, s, need_s, need_div)
    return _points_poisson(t, x, p, v, s, need_s, need_div)


def marginal_rhs(t, y, p, dydt):
    """The sampling / likelihood right-hand side: y = x (d) or (x, log-density change)."""
    d = int(p[5])
    if y.shape[0] > d:
        div, lp, pm, im = field_point(t, y, p, dydt, dydt, False, True)
        dydt[d] = -div
    else:
        field_point(t, y, p, dydt, dydt, False, False)


@jit(parallel=True)
def field_many(t, X, p, V, S, div, logp, pmax, imax, need_s, need_div):
    """field_point for every row of X (k, d), in parallel; V and S (k, d) outputs."""
    for i in prange(X.shape[0]):
        dv, lp, pm, im = field_point(t, X[i], p, V[i], S[i], need_s, need_div)
        div[i] = dv
        logp[i] = lp
        pmax[i] = pm
        imax[i] = im
