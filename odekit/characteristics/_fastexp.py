"""A branch-light exp for the softmax weights of the marginal-field kernels.

``fast_exp(x)`` is exp(x) to within 2 ulp (tested against :func:`math.exp`) for every
float64 x, built from arithmetic the compiler can inline and vectorise instead of a libm
call:

1. Cody-Waite reduction: k = round(x / ln 2) (by the 1.5 * 2^52 shifter, exact under
   round-to-nearest), r = (x - k ln2_hi) - k ln2_lo with fdlibm's split of ln 2 (ln2_hi
   has 11 trailing zero bits, so k ln2_hi is exact for |k| < 2^11), |r| <= ln2 / 2.
2. exp(r) by its Taylor polynomial of degree 13 in Horner form: the truncation error is
   below (ln2/2)^14 / 14! < 5e-18 relative, far under half an ulp.
3. 2^k built from its bit pattern ((k + 1023) << 52), in two halves 2^(k//2) 2^(k - k//2)
   so that subnormal results (x down to -745.13) and results near the overflow threshold
   (x up to 709.78) come out right with a single final rounding.

Non-finite behaviour stays loud, as with math.exp (no fastmath anywhere): exp(NaN) is
NaN, exp(+inf) and every x above the overflow threshold is +inf, exp(-inf) is 0.
"""

from __future__ import annotations

import math

from .._jit import DISABLED, jit

LOG2E = 1.4426950408889634
LN2_HI = 6.93147180369123816490e-01  # fdlibm ln2HI: 0x3fe62e42fee00000
LN2_LO = 1.90821492927058770002e-10  # fdlibm ln2LO: ln 2 - LN2_HI
SHIFTER = 6755399441055744.0  # 1.5 * 2^52: (y + SHIFTER) - SHIFTER rounds y to an integer
X_MAX = 709.782712893384  # exp(X_MAX) is the largest finite double
X_MIN = -745.2  # below: exp(x) < half the smallest subnormal, rounds to 0

# 1/k!, k = 0..13
C2 = 0.5
C3 = 1.0 / 6.0
C4 = 1.0 / 24.0
C5 = 1.0 / 120.0
C6 = 1.0 / 720.0
C7 = 1.0 / 5040.0
C8 = 1.0 / 40320.0
C9 = 1.0 / 362880.0
C10 = 1.0 / 3628800.0
C11 = 1.0 / 39916800.0
C12 = 1.0 / 479001600.0
C13 = 1.0 / 6227020800.0

if DISABLED:  # plain Python (coverage runs): the same arithmetic, 2^k by ldexp

    def _pow2(k):
        return math.ldexp(1.0, int(k))

else:
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    @intrinsic
    def _bits_to_double(typingctx, bits):
        """Reinterpret the 64 bits of an int64 as a float64 (no conversion)."""
        if not isinstance(bits, types.Integer):
            return None
        sig = types.float64(types.int64)

        def codegen(context, builder, signature, args):
            val = context.cast(builder, args[0], signature.args[0], types.int64)
            return builder.bitcast(val, ir.DoubleType())

        return sig, codegen

    @jit(inline="always")
    def _pow2(k):
        """2^k for integer -1022 <= k <= 1023, from its bit pattern."""
        return _bits_to_double((k + 1023) << 52)


@jit(inline="always")
def fast_exp(x):
    """exp(x) within 2 ulp for every float64 x (see the module docstring)."""
    if x > X_MAX:
        return math.inf
    if x < X_MIN:
        return 0.0
    if x != x:  # NaN stays NaN
        return x
    kf = (x * LOG2E + SHIFTER) - SHIFTER
    r = (x - kf * LN2_HI) - kf * LN2_LO
    q = C13
    q = q * r + C12
    q = q * r + C11
    q = q * r + C10
    q = q * r + C9
    q = q * r + C8
    q = q * r + C7
    q = q * r + C6
    q = q * r + C5
    q = q * r + C4
    q = q * r + C3
    q = q * r + C2
    q = q * r + 1.0
    q = q * r + 1.0
    k = int(kf)
    k1 = k >> 1
    return (q * _pow2(k1)) * _pow2(k - k1)
