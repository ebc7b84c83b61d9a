"""An exponential that LLVM can vectorise, and a fixed-size scratch buffer on the stack.

Numba lowers ``math.exp`` to a call of libm's scalar ``exp`` (without Intel's SVML there is
no vector form), so a loop that takes one exponential per data point runs one libm call
per point. :func:`vexp` is straight-line arithmetic with selects instead of branches, so
a simple loop over it vectorises (AVX2/AVX-512 here, without ``fastmath``: no floating
point is reassociated).

Method (the classic one of Cody & Waite and fdlibm): ``k = round(x log2 e)``,
``r = x - k ln 2`` in two parts (``LN2_HI`` has 32 trailing zero bits, so ``k LN2_HI`` is
exact for every ``|k| < 2**21``), ``e**r`` by its Taylor polynomial of degree 13 on
``|r| <= ln(2)/2`` (truncation below 4e-18 relative), evaluated as ``1 + (r + r**2 q(r))``
so that the last rounding is that of the leading 1, and the scaling by ``2**k`` as two
exact factors ``2**(k//2) 2**(k - k//2)`` built from their bits, which underflows into the
subnormals and overflows to inf as ``exp`` does. The argument is clamped to
[-746, 710] first (beyond it the result is 0 or inf anyway), so that the integer
conversion never sees NaN or inf; NaN is passed through at the end.

Accuracy: within 1 ulp of the exact value over the whole double range (``tests/
characteristics/test_vexp.py`` checks it against mpmath, with the special values).

:func:`stack_buffer` gives ``SCRATCH`` float64 on the stack of the compiled function that
uses it (an ``alloca`` in its entry block: one per call, no heap allocation, private to
the thread), wrapped as an array by ``numba.carray``. With ``ODEKIT_DISABLE_JIT`` both fall
back to plain Python (a NumPy array, a bit-level conversion by NumPy).
"""

from __future__ import annotations

import numpy as np

from .._jit import DISABLED, jit

__all__ = ["vexp", "stack_buffer", "as_array", "SCRATCH"]

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
    from numba import carray as as_array  # noqa: F401 (re-exported for the kernels)
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

