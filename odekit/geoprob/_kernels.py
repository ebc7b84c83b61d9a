"""Numba kernels of the geometric-probability Monte-Carlo engine (private).

Every problem is a pair (sampler, event) folded into one function of a vector ``u`` of
``dim`` uniforms in [0, 1): :func:`evaluate` maps ``u`` to the problem's sample points and
returns the event indicator (0.0 / 1.0) or the sampled value. The same function serves
plain Monte Carlo (``u`` drawn by the counter-based generator below) and quasi-Monte Carlo
(``u`` a row of a scrambled Sobol point set), and is checked against NumPy twins in tests.

Random stream
-------------
SplitMix64 used as a counter-based generator: draw ``j`` of sample ``s`` is
``mix64(key + (s * dim + j + 1) * 0x9E3779B97F4A7C15)``, top 53 bits scaled to [0, 1).
This is exactly the SplitMix64 sequence started at ``key`` (Steele, Lea & Flood 2014),
read at position ``s * dim + j``, so any thread can compute any draw without shared state:
the result depends on the seed only, never on the number of threads or the chunking.
The general engine (:func:`run_chunks`) uses this stream for every problem except the
sector problem under plain Monte Carlo.

Sector problem, plain Monte Carlo (:func:`sector_chunks`)
---------------------------------------------------------
The same SplitMix64 stream, but each 64-bit word ``z`` is split into two 32-bit halves,
``hi = z >> 32`` and ``lo = z & 0xFFFFFFFF``, and angles are integers in units of
``2**-32`` turn (uint32 on the circle):

* ``sampler="angles"``: sample ``s`` reads words ``s*h .. s*h + h - 1``, ``h = ceil(n/2)``;
  angle ``2k`` is ``hi`` of word ``k``, angle ``2k+1`` its ``lo`` (n = 4: two words).
* ``sampler="disk"``: point ``i`` of sample ``s`` is word ``s*n + i``: angle ``hi``,
  radius ``sqrt(lo * 2**-32)`` (the honest polar radius, ``U`` on the ``2**-32`` grid);
  a point drawn at the centre (``lo == 0``, probability ``2**-32``) lies in every sector
  and is left out, as in the float kernels.

The event "largest circular gap >= x" is decided in integers: gaps are differences of
sorted angles (the wrap-around gap ``2**32 - a[-1] + a[0]``) compared with
``T = ceil(x * 2**32)`` (:func:`sector_threshold`), which is *exactly* the float test on
these dyadic angles -- no float conversion and no trigonometry for the event. For
n = 4 the angles stay in registers, are sorted by a 5-comparator min/max network and the
loop over a chunk vectorises (AVX2: four samples per instruction); other n use a per-chunk
scratch row (sorting networks up to 8, insertion sort up to 32, the library sort beyond).
Resolution: moving each angle onto the ``2**-32`` grid changes a gap by less than
``2**-31`` turn, so the estimate can only differ from the continuous problem when the
largest gap lies within ``2**-31`` of ``x``: a bias of order ``n * 2**-31`` (below
``10**-8`` for n up to 20), far below the Monte-Carlo error of any feasible run (the
standard error of ``P = 1/2`` is still ``5e-7`` at ``10**12`` samples).
"""

from __future__ import annotations

import math

import numpy as np

from odekit._jit import jit, prange

# problem kinds (dispatch codes of :func:`evaluate`)
SECTOR_DISK = 0
SECTOR_ANGLES = 1
WENDEL = 2
SYLVESTER_DISK = 3
SYLVESTER_TRIANGLE = 4
SYLVESTER_SQUARE = 5
TRIANGLE_CENTRE = 6
BUFFON = 7
DISTANCE_DISK = 8
DISTANCE_SQUARE = 9

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
TWO_PI = 2.0 * math.pi


@jit(inline="always")
def mix64(z):
    """The SplitMix64 output function (a bijection of uint64)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@jit(inline="always")
def uniform_at(key, ctr):
    """Uniform double in [0, 1) at stream position ``ctr`` (uint64) of stream ``key``."""
    z = mix64(key + (ctr + np.uint64(1)) * _GOLDEN)
    return (z >> _S11) * _INV53


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
# Optimal sorting networks for 2..8 keys (comparator counts 1, 3, 5, 9, 12, 16, 19;
# Knuth TAOCP vol. 3 sec. 5.3.4). Row m of _NET_START gives the slice of _NET for m keys.
_NETWORKS = {
    2: [(0, 1)],
    3: [(0, 1), (1, 2), (0, 1)],
    4: [(0, 1), (2, 3), (0, 2), (1, 3), (1, 2)],
    5: [(0, 3), (1, 4), (0, 2), (1, 3), (0, 1), (2, 4), (1, 2), (3, 4), (2, 3)],
    6: [(0, 5), (1, 3), (2, 4), (1, 2), (3, 4), (0, 3), (2, 5), (0, 1), (2, 3), (4, 5),
        (1, 2), (3, 4)],
    7: [(0, 6), (2, 3), (4, 5), (0, 2), (1, 4), (3, 6), (0, 1), (2, 5), (3, 4), (1, 2),
        (4, 6), (2, 3), (4, 5), (1, 2), (3, 4), (5, 6)],
    8: [(0, 2), (1, 3), (4, 6), (5, 7), (0, 4), (1, 5), (2, 6), (3, 7), (0, 1), (2, 3),
        (4, 5), (6, 7), (2, 4), (3, 5), (1, 4), (3, 6), (1, 2), (3, 4), (5, 6)],
}
_NET = np.array([p for m in range(2, 9) for p in _NETWORKS[m]], dtype=np.int64)
_NET_START = np.zeros(10, dtype=np.int64)
for _m in range(2, 9):
    _NET_START[_m + 1] = _NET_START[_m] + len(_NETWORKS[_m])
MAX_NETWORK = 8


@jit(inline="always")
def _cx(a, i, j):
    """Branch-free compare-exchange (min/max compile to minsd/maxsd)."""
    x = a[i]
    y = a[j]
    a[i] = min(x, y)
    a[j] = max(x, y)


@jit(inline="always")
def _sort_prefix(a, m):
    """Sort a[:m] in place: a sorting network for m <= 8, insertion sort up to 32,
    the library sort beyond."""
    if m <= 1:
        return
    if m == 2:
        _cx(a, 0, 1)
    elif m == 3:
        _cx(a, 0, 1)
        _cx(a, 1, 2)
        _cx(a, 0, 1)
    elif m == 4:  # literal indices: the common case stays in registers
        _cx(a, 0, 1)
        _cx(a, 2, 3)
        _cx(a, 0, 2)
        _cx(a, 1, 3)
        _cx(a, 1, 2)
    elif m <= MAX_NETWORK:
        for q in range(_NET_START[m], _NET_START[m + 1]):
            _cx(a, _NET[q, 0], _NET[q, 1])
    elif m <= 32:
        for i in range(1, m):
            v = a[i]
            j = i - 1
            while j >= 0 and a[j] > v:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = v
    else:
        a[:m].sort()


@jit(inline="always")
def _max_circular_gap(a, m):
    """Largest gap between m >= 2 sorted angles a[:m] in turns (circle of length 1)."""
    g = 1.0 - a[m - 1] + a[0]
    for i in range(1, m):
        g = max(g, a[i] - a[i - 1])
    return g


@jit
def _orient(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@jit
def _in_triangle(px, py, ax, ay, bx, by, cx, cy):
    d1 = _orient(ax, ay, bx, by, px, py)
    d2 = _orient(bx, by, cx, cy, px, py)
    d3 = _orient(cx, cy, ax, ay, px, py)
    neg = (d1 < 0.0) or (d2 < 0.0) or (d3 < 0.0)
    pos = (d1 > 0.0) or (d2 > 0.0) or (d3 > 0.0)
    return not (neg and pos)


@jit
def _det(m, off, k):
    """Determinant of the k x k matrix stored row-major in m[off:off+k*k] (destroyed)."""
    det = 1.0
    for c in range(k):
        p = c
        best = abs(m[off + c * k + c])
        for r in range(c + 1, k):
            if abs(m[off + r * k + c]) > best:
                best = abs(m[off + r * k + c])
                p = r
        if best == 0.0:
            return 0.0
        if p != c:
            for j in range(k):
                tmp = m[off + c * k + j]
                m[off + c * k + j] = m[off + p * k + j]
                m[off + p * k + j] = tmp
            det = -det
        piv = m[off + c * k + c]
        det *= piv
        for r in range(c + 1, k):
            f = m[off + r * k + c] / piv
            for j in range(c, k):
                m[off + r * k + j] -= f * m[off + c * k + j]
    return det


# ---------------------------------------------------------------------------------------
# events
# ---------------------------------------------------------------------------------------
@jit(inline="always")
def _gap4(a0, a1, a2, a3, x):
    """Event for four angles (turns) held in registers: sorting network, largest gap."""
    a0, a1 = min(a0, a1), max(a0, a1)
    a2, a3 = min(a2, a3), max(a2, a3)
    a0, a2 = min(a0, a2), max(a0, a2)
    a1, a3 = min(a1, a3), max(a1, a3)
    a1, a2 = min(a1, a2), max(a1, a2)
    g = max(max(1.0 - a3 + a0, a1 - a0), max(a2 - a1, a3 - a2))
    return 1.0 if g >= x else 0.0


@jit(inline="always")
def _gap3(a0, a1, a2, x):
    a0, a1 = min(a0, a1), max(a0, a1)
    a1, a2 = min(a1, a2), max(a1, a2)
    a0, a1 = min(a0, a1), max(a0, a1)
    g = max(1.0 - a2 + a0, max(a1 - a0, a2 - a1))
    return 1.0 if g >= x else 0.0


@jit(inline="always")
def _sector_angles(u, n, x, w):
    if n == 1:
        return 1.0
    if n == 4:
        return _gap4(u[0], u[1], u[2], u[3], x)
    if n == 3:
        return _gap3(u[0], u[1], u[2], x)
    for i in range(n):
        w[i] = u[i]
    _sort_prefix(w, n)
    return 1.0 if _max_circular_gap(w, n) >= x else 0.0


@jit(inline="always")
def _sector_disk(u, n, x, w):
    # point i: radius sqrt(u[2i]), angle u[2i+1] turns. A point at the centre (r == 0)
    # lies in every sector, so only points with r > 0 constrain the sector.
    if n == 4:
        r0 = math.sqrt(u[0])
        r1 = math.sqrt(u[2])
        r2 = math.sqrt(u[4])
        r3 = math.sqrt(u[6])
        if r0 > 0.0 and r1 > 0.0 and r2 > 0.0 and r3 > 0.0:
            return _gap4(u[1], u[3], u[5], u[7], x)
    m = 0
    for i in range(n):
        r = math.sqrt(u[2 * i])
        if r > 0.0:
            w[m] = u[2 * i + 1]
            m += 1
    if m <= 1:
        return 1.0
    _sort_prefix(w, m)
    return 1.0 if _max_circular_gap(w, m) >= x else 0.0


@jit
def _disk_point(u0, u1):
    r = math.sqrt(u0)
    a = TWO_PI * u1
    return r * math.cos(a), r * math.sin(a)


@jit
def _sylvester(u, shape, w):
    # shape 0 disk, 1 triangle (0,0),(1,0),(0,1), 2 unit square; points in w[0:8]
    px = w[0:4]
    py = w[4:8]
    for i in range(4):
        a = u[2 * i]
        b = u[2 * i + 1]
        if shape == 0:
            px[i], py[i] = _disk_point(a, b)
        elif shape == 1:
            if a + b > 1.0:
                a = 1.0 - a
                b = 1.0 - b
            px[i] = a
            py[i] = b
        else:
            px[i] = a
            py[i] = b
    for i in range(4):
        j = (i + 1) % 4
        k = (i + 2) % 4
        m = (i + 3) % 4
        if _in_triangle(px[i], py[i], px[j], py[j], px[k], py[k], px[m], py[m]):
            return 0.0
    return 1.0


@jit
def _triangle_centre(u):
    x0, y0 = _disk_point(u[0], u[1])
    x1, y1 = _disk_point(u[2], u[3])
    x2, y2 = _disk_point(u[4], u[5])
    c0 = x0 * y1 - y0 * x1
    c1 = x1 * y2 - y1 * x2
    c2 = x2 * y0 - y2 * x0
    if (c0 > 0.0 and c1 > 0.0 and c2 > 0.0) or (c0 < 0.0 and c1 < 0.0 and c2 < 0.0):
        return 1.0
    return 0.0


@jit
def _buffon(u, length, spacing):
    # distance of the needle's centre to the nearest line, angle to the lines
    y = 0.5 * spacing * u[0]
    phi = 0.5 * math.pi * u[1]
    return 1.0 if y <= 0.5 * length * math.sin(phi) else 0.0


@jit
def _distance(u, shape):
    if shape == 0:
        x0, y0 = _disk_point(u[0], u[1])
        x1, y1 = _disk_point(u[2], u[3])
    else:
        x0, y0, x1, y1 = u[0], u[1], u[2], u[3]
    return math.sqrt((x1 - x0) ** 2 + (y1 - y0) ** 2)


@jit
def _wendel(u, n, d, w, idx):
    """n Gaussian points in R^d lie in an open half-space through 0 (general position).

    Such a half-space exists iff for some d-1 of the points the hyperplane through them
    and the origin has all the other points strictly on one side. Scratch: w holds the
    points (n*d, row-major), then a (d-1)^2 minor, then the normal (d); idx holds d-1 ints.
    """
    if n <= d:
        return 1.0
    nd = n * d
    # Box-Muller on consecutive pairs of uniforms (dim = nd rounded up to even)
    for q in range((nd + 1) // 2):
        rad = math.sqrt(-2.0 * math.log(1.0 - u[2 * q]))
        ang = TWO_PI * u[2 * q + 1]
        w[2 * q] = rad * math.cos(ang)
        if 2 * q + 1 < nd:
            w[2 * q + 1] = rad * math.sin(ang)
    k = d - 1
    if k == 0:  # d == 1: all on one side of 0
        npos = 0
        for i in range(n):
            if w[i] > 0.0:
                npos += 1
        return 1.0 if (npos == 0 or npos == n) else 0.0
    moff = nd
    voff = nd + k * k
    for i in range(k):
        idx[i] = i
    while True:
        # normal of the hyperplane spanned by points idx[:k] (cofactor expansion)
        for j in range(d):
            for r in range(k):
                cc = 0
                for c in range(d):
                    if c != j:
                        w[moff + r * k + cc] = w[idx[r] * d + c]
                        cc += 1
            sgn = 1.0 if j % 2 == 0 else -1.0
            w[voff + j] = sgn * _det(w, moff, k)
        npos = 0
        nneg = 0
        t = 0
        for i in range(n):
            if t < k and idx[t] == i:
                t += 1
                continue
            s = 0.0
            for c in range(d):
                s += w[voff + c] * w[i * d + c]
            if s >= 0.0:
                npos += 1
            if s <= 0.0:
                nneg += 1
        if npos == 0 or nneg == 0:
            return 1.0
        # next combination of k indices out of n (lexicographic)
        i = k - 1
        while i >= 0 and idx[i] == n - k + i:
            i -= 1
        if i < 0:
            return 0.0
        idx[i] += 1
        for j in range(i + 1, k):
            idx[j] = idx[j - 1] + 1


@jit(inline="always")
def evaluate(kind, u, fpar, ipar, w, iw):
    """Event indicator or sampled value of problem ``kind`` at uniforms ``u``."""
    if kind == SECTOR_DISK:
        return _sector_disk(u, ipar[0], fpar[0], w)
    elif kind == SECTOR_ANGLES:
        return _sector_angles(u, ipar[0], fpar[0], w)
    elif kind == WENDEL:
        return _wendel(u, ipar[0], ipar[1], w, iw)
    elif kind == SYLVESTER_DISK:
        return _sylvester(u, 0, w)
    elif kind == SYLVESTER_TRIANGLE:
        return _sylvester(u, 1, w)
    elif kind == SYLVESTER_SQUARE:
        return _sylvester(u, 2, w)
    elif kind == TRIANGLE_CENTRE:
        return _triangle_centre(u)
    elif kind == BUFFON:
        return _buffon(u, fpar[0], fpar[1])
    elif kind == DISTANCE_DISK:
        return _distance(u, 0)
    elif kind == DISTANCE_SQUARE:
        return _distance(u, 1)
    return math.nan


# ---------------------------------------------------------------------------------------
# drivers
# ---------------------------------------------------------------------------------------
@jit(parallel=True)
def run_chunks(kind, fpar, ipar, dim, key, points, first_chunk, nchunks, chunk, nsamples,
               u_buf, w_buf, iw_buf, sums, sumsq):
    """Evaluate the problem on samples ``first_chunk*chunk ..`` by chunks, in parallel.

    Chunk ``c`` holds samples ``c*chunk .. min((c+1)*chunk, nsamples) - 1``; its sum and
    sum of squares go to ``sums[c - first_chunk]``, ``sumsq[...]``. Sample ``s`` uses the
    uniforms ``points[s]`` when ``points`` has rows (quasi-Monte Carlo), else draws them
    from the counter-based stream ``key``. Scratch rows are per chunk (allocated by the
    caller), so the parallel loop allocates nothing.
    """
    use_points = points.shape[0] > 0
    for b in prange(nchunks):
        c = first_chunk + b
        s0 = c * chunk
        s1 = min(s0 + chunk, nsamples)
        u = u_buf[b]
        w = w_buf[b]
        iw = iw_buf[b]
        acc = 0.0
        acc2 = 0.0
        for s in range(s0, s1):
            if use_points:
                for j in range(dim):
                    u[j] = points[s, j]
            else:
                base = np.uint64(s) * np.uint64(dim)
                for j in range(dim):
                    u[j] = uniform_at(key, base + np.uint64(j))
            v = evaluate(kind, u, fpar, ipar, w, iw)
            acc += v
            acc2 += v * v
        sums[b] = acc
        sumsq[b] = acc2


@jit
def stream_uniforms(key, start, count, dim, out):
    """out[i, j] = uniform draw j of sample start + i (for tests and twins)."""
    for i in range(count):
        base = np.uint64(start + i) * np.uint64(dim)
        for j in range(dim):
            out[i, j] = uniform_at(key, base + np.uint64(j))


# ---------------------------------------------------------------------------------------
# the sector problem by plain Monte Carlo: integer angles, 32-bit halves of each draw
# ---------------------------------------------------------------------------------------
_MASK32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_INV32 = 1.0 / 4294967296.0  # 2**-32
TURN32 = 1 << 32
_GOLDEN2 = np.uint64(2 * 0x9E3779B97F4A7C15 % 2**64)
_GOLDEN3 = np.uint64(3 * 0x9E3779B97F4A7C15 % 2**64)
_GOLDEN4 = np.uint64(4 * 0x9E3779B97F4A7C15 % 2**64)  # one full turn in angle units of 2**-32 turn


def sector_threshold(x):
    """Integer gap threshold ``ceil(x * 2**32)`` for a largest-gap test ``g >= x`` (turns).

    On angles that are multiples of 2**-32 turn a gap is ``G * 2**-32`` with ``G`` an
    integer, and ``G * 2**-32 >= x`` holds exactly when ``G >= ceil(x * 2**32)`` (the
    scaling by a power of two is exact), so the integer test equals the float test.
    """
    return int(math.ceil(float(x) * 4294967296.0))


@jit(inline="always")
def word_at(key, ctr):
    """SplitMix64 output (uint64) at stream position ``ctr`` of stream ``key``."""
    return mix64(key + (ctr + np.uint64(1)) * _GOLDEN)


@jit(inline="always")
def _low_uniform(z):
    """The low 32 bits of ``z`` as a uniform ``k * 2**-32`` in [0, 1) (exact).

    Converted through a signed 32-bit integer (``k - 2**31``), which AVX2 turns into
    doubles four at a time; a 64-bit integer conversion would be scalar.
    """
    k = np.int32(np.int64(z & _MASK32) - np.int64(2147483648))
    return (np.float64(k) + 2147483648.0) * _INV32


@jit(inline="always")
def _gap4_int(a0, a1, a2, a3, t):
    """1 if the largest circular gap of four int64 angles (units 2**-32 turn) is >= t."""
    a0, a1 = min(a0, a1), max(a0, a1)
    a2, a3 = min(a2, a3), max(a2, a3)
    a0, a2 = min(a0, a2), max(a0, a2)
    a1, a3 = min(a1, a3), max(a1, a3)
    a1, a2 = min(a1, a2), max(a1, a2)
    g = max(max(TURN32 - a3 + a0, a1 - a0), max(a2 - a1, a3 - a2))
    return np.int64(g >= t)


@jit
def _count_angles4(key, s0, s1, t):
    """Hits of the sector event, n = 4, angles sampler, samples s0 .. s1-1."""
    acc = np.int64(0)
    # x = key + (position + 1) * golden, stepped by addition (no multiply per word)
    x = key + (np.uint64(s0) * np.uint64(2) + np.uint64(1)) * _GOLDEN
    for _s in range(s0, s1):
        z0 = mix64(x)
        z1 = mix64(x + _GOLDEN)
        x += _GOLDEN2
        acc += _gap4_int(np.int64(z0 >> _S32), np.int64(z0 & _MASK32),
                         np.int64(z1 >> _S32), np.int64(z1 & _MASK32), t)
    return acc


@jit
def _disk4_centre(a0, a1, a2, a3, r0, r1, r2, r3, t):
    """Event when some of the four points lie at the centre (r == 0, probability about
    4 * 2**-32 per sample): such a point lies in every sector, so its angle is replaced by
    the angle of a point off the centre (a repeated angle adds an empty gap and changes
    nothing); with all four at the centre the event holds."""
    if r0 > 0.0:
        f = a0
    elif r1 > 0.0:
        f = a1
    elif r2 > 0.0:
        f = a2
    elif r3 > 0.0:
        f = a3
    else:
        return np.int64(1)
    if not r0 > 0.0:
        a0 = f
    if not r1 > 0.0:
        a1 = f
    if not r2 > 0.0:
        a2 = f
    if not r3 > 0.0:
        a3 = f
    return _gap4_int(a0, a1, a2, a3, t)


@jit
def _count_disk4_exact(key, s0, s1, t):
    """:func:`_count_disk4` with the centre rule applied sample by sample."""
    acc = np.int64(0)
    for s in range(s0, s1):
        ctr = np.uint64(s) * np.uint64(4)
        z0 = word_at(key, ctr)
        z1 = word_at(key, ctr + np.uint64(1))
        z2 = word_at(key, ctr + np.uint64(2))
        z3 = word_at(key, ctr + np.uint64(3))
        r0 = math.sqrt(_low_uniform(z0))
        r1 = math.sqrt(_low_uniform(z1))
        r2 = math.sqrt(_low_uniform(z2))
        r3 = math.sqrt(_low_uniform(z3))
        acc += _disk4_centre(np.int64(z0 >> _S32), np.int64(z1 >> _S32),
                             np.int64(z2 >> _S32), np.int64(z3 >> _S32), r0, r1, r2, r3, t)
    return acc


@jit
def _count_disk4(key, s0, s1, t):
    """Hits of the sector event, n = 4, disk sampler, samples s0 .. s1-1.

    The loop is branch-free: it assumes every radius is > 0 and counts the samples where
    one is not (a point drawn at the centre, probability about 4 * 2**-32 per sample); a
    chunk with any such sample is recounted by :func:`_count_disk4_exact`. Same result,
    bit for bit, as the sample-by-sample rule.
    """
    acc = np.int64(0)
    bad = np.int64(0)
    x = key + (np.uint64(s0) * np.uint64(4) + np.uint64(1)) * _GOLDEN
    for _s in range(s0, s1):
        z0 = mix64(x)
        z1 = mix64(x + _GOLDEN)
        z2 = mix64(x + _GOLDEN2)
        z3 = mix64(x + _GOLDEN3)
        x += _GOLDEN4
        # radius sqrt(U), U the low half on the grid k * 2**-32; angle the high half
        r0 = math.sqrt(_low_uniform(z0))
        r1 = math.sqrt(_low_uniform(z1))
        r2 = math.sqrt(_low_uniform(z2))
        r3 = math.sqrt(_low_uniform(z3))
        bad += np.int64(not (min(min(r0, r1), min(r2, r3)) > 0.0))
        acc += _gap4_int(np.int64(z0 >> _S32), np.int64(z1 >> _S32),
                         np.int64(z2 >> _S32), np.int64(z3 >> _S32), t)
    if bad > 0:
        return _count_disk4_exact(key, s0, s1, t)
    return acc


@jit(inline="always")
def _sector_int_event(a, m, t):
    """1 if the largest circular gap of the int64 angles a[:m] (sorted here) is >= t."""
    if m <= 1:
        return np.int64(1)
    _sort_prefix(a, m)
    g = TURN32 - a[m - 1] + a[0]
    for i in range(1, m):
        g = max(g, a[i] - a[i - 1])
    return np.int64(g >= t)


@jit
def _count_general(key, s0, s1, n, disk, t, a):
    """Hits of the sector event for any n (scratch ``a``: n int64), samples s0 .. s1-1.

    Angles sampler: sample s uses words s*h .. s*h+h-1, h = ceil(n/2); angle 2k is the
    high half of word k, angle 2k+1 its low half. Disk sampler: point i of sample s is
    word s*n + i, angle the high half, radius sqrt(low half * 2**-32); a point at the
    centre (r == 0) lies in every sector and is left out.
    """
    acc = np.int64(0)
    if disk:
        for s in range(s0, s1):
            base = np.uint64(s) * np.uint64(n)
            m = 0
            for i in range(n):
                z = word_at(key, base + np.uint64(i))
                r = math.sqrt(_low_uniform(z))
                if r > 0.0:
                    a[m] = np.int64(z >> _S32)
                    m += 1
            acc += _sector_int_event(a, m, t)
    else:
        h = (n + 1) // 2
        for s in range(s0, s1):
            base = np.uint64(s) * np.uint64(h)
            for k in range(h):
                z = word_at(key, base + np.uint64(k))
                a[2 * k] = np.int64(z >> _S32)
                if 2 * k + 1 < n:
                    a[2 * k + 1] = np.int64(z & _MASK32)
            acc += _sector_int_event(a, n, t)
    return acc


@jit(parallel=True)
def sector_chunks(n, disk, t, key, first_chunk, nchunks, chunk, nsamples, a_buf, hits):
    """Sector-event hit counts of chunks ``first_chunk ..`` (plain Monte Carlo), in parallel.

    Chunk ``c`` holds samples ``c*chunk .. min((c+1)*chunk, nsamples) - 1``; its hit count
    goes to ``hits[c - first_chunk]``. ``t`` is the integer gap threshold
    (:func:`sector_threshold`), ``a_buf`` per-chunk int64 scratch rows of length >= n.
    """
    for b in prange(nchunks):
        s0 = (first_chunk + b) * chunk
        s1 = min(s0 + chunk, nsamples)
        if n == 4 and disk:
            hits[b] = _count_disk4(key, s0, s1, t)
        elif n == 4:
            hits[b] = _count_angles4(key, s0, s1, t)
        else:
            hits[b] = _count_general(key, s0, s1, n, disk, t, a_buf[b])
