"""Double-double arithmetic (about 32 significant digits) for the Hill kernels.

A number is an unevaluated sum ``hi + lo`` of two doubles with ``|lo| <= ulp(hi) / 2``.
The error-free transformations are Knuth's TwoSum and Dekker's TwoProduct (with
Veltkamp's split, so that no fused multiply-add is needed); see Dekker (1971),
*Numer. Math.* 18:224, and Hida, Li & Bailey (2001), "Algorithms for quad-double
precision floating point arithmetic".  Only what the strongly coupled rows of Hill's
recurrences need is here: they lose up to five digits to cancellation at large q, and
running them in double-double keeps the trace at full double accuracy.

Every function is inlined; none allocates.  Inputs must be finite and below about 1e300
in magnitude (the split multiplies by 2^27 + 1); the Hill kernels stay far inside that.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from odekit._jit import jit

_SPLIT = 134217729.0  # 2^27 + 1


@jit(inline="always")
def two_sum(a, b):
    """s + e == a + b exactly, s = fl(a + b)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@jit(inline="always")
def quick_two_sum(a, b):
    """As two_sum, for |a| >= |b|."""
    s = a + b
    return s, b - (s - a)


@jit(inline="always")
def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


@jit(inline="always")
def two_prod(a, b):
    """p + e == a * b exactly, p = fl(a * b)."""
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


@jit(inline="always")
def mul(ah, al, bh, bl):
    """(ah + al) * (bh + bl) in double-double."""
    p, e = two_prod(ah, bh)
    e += ah * bl + al * bh
    return quick_two_sum(p, e)


@jit(inline="always")
def add(ah, al, bh, bl):
    """(ah + al) + (bh + bl) in double-double (Hida-Li-Bailey's accurate sum)."""
    s, e = two_sum(ah, bh)
    t, f = two_sum(al, bl)
    e += t
    s, e = quick_two_sum(s, e)
    e += f
    return quick_two_sum(s, e)


def split_constant(x: Fraction) -> tuple[float, float]:
    """(hi, lo) with hi + lo = x to about 1e-32 relative (x an exact rational)."""
    hi = float(x)
    lo = float(x - Fraction(hi))
    return hi, lo


def constant_table(values) -> np.ndarray:
    """Array (2, n): rows hi and lo of the double-double splits of exact rationals."""
    pairs = [split_constant(Fraction(v)) for v in values]
    return np.ascontiguousarray(np.array(pairs, dtype=np.float64).T)
