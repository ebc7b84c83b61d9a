"""Lowering the generated coefficient code straight to LLVM IR (a Numba intrinsic).

The coefficient kernel of :mod:`._codegen` is straight-line code of a few thousand
arithmetic statements. Numba's front end (type inference and lowering, statement by
statement) takes seconds on it, while LLVM itself needs a fraction of a second. So the
same source is parsed here with :mod:`ast` and emitted directly as LLVM IR inside a Numba
``@intrinsic``: the kernel is one intrinsic call for Numba to type, and the compiled code
is cached on disk with the function that calls it, like any other Numba function.

The source language is the small subset that :func:`._codegen.coefficient_source` writes
for one lane: ``name = expr``, ``b[i] = expr``, ``g[i] = expr`` with constant ``i``;
expressions of ``+ - * /``, unary ``-``, ``x ** c`` (c a literal), float literals, names,
``b[i]``, ``math.sqrt/exp/log/sin/cos/tan/tanh/atan2`` and the step-size helpers
``_log _exp _abs _min _max _fma`` (LLVM's ``log exp fabs minnum maxnum fma``; the
update of the state and the newest term of each recurrence sum are fused multiply-adds,
written so in the source), and ``2.0 * x`` is emitted as ``x + x`` (the same bits, on an
adder rather than a multiplier: 3 % faster on the development machine). With ``W > 1``
lanes every
value is a ``<W x double>`` vector, ``b[i]`` is the vector at ``b[i*W : i*W + W]`` (the
batch layout ``(k * NS + s) * W + l``), and the arithmetic is SIMD by construction: LLVM
need not discover it. The IR carries no fast-math flags (no reassociation, no
contraction beyond the explicit ``fma`` calls), so every lane computes exactly what the
scalar kernel computes: a batch member is bitwise equal to its scalar solve.
"""

from __future__ import annotations

import ast

import llvmlite.ir as ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["make_kernel", "call_address"]

_DBL = ir.DoubleType()
_I64 = ir.IntType(64)
_LLVM_UNARY = {"sqrt": "llvm.sqrt", "exp": "llvm.exp", "log": "llvm.log",
               "sin": "llvm.sin", "cos": "llvm.cos", "pow": "llvm.pow",
               # the step-size helpers of the generated source
               "_log": "llvm.log", "_exp": "llvm.exp", "_abs": "llvm.fabs",
               "_min": "llvm.minnum", "_max": "llvm.maxnum", "_fma": "llvm.fma",
               "floor": "llvm.floor"}
# least-squares fits on [0, 1] (Chebyshev nodes): log2(1 + u) to 7.6e-9, 2**f to 2e-14;
# highest degree first
_LOG2_POLY = (0.00541389234001726, -0.03323721218097402, 0.09595722398820446,
              -0.18072152322274682, 0.2664491607900207, -0.3554174539855682,
              0.480155491836257, -0.7212930507964221, 1.4426934691907034,
              7.558860220621978e-09)
_EXP2_POLY = (1.4437319134906122e-07, 1.2255178427799542e-06, 1.5369084454843077e-05,
              0.00015395111009934372, 0.001333393300937979, 0.009618118981021738,
              0.055504110232771776, 0.24022650683599067, 0.6931471805636901,
              0.9999999999999811)
_LIBM_UNARY = ("tan", "tanh")
_DOUBLE_ADD = True  # 2 x as x + x (exact): work moved from the multipliers to the adders


class _Emitter:
    def __init__(self, builder, bptr, gptr, W):
        self.bd = builder
        self.mod = builder.module
        self.bptr, self.gptr, self.W = bptr, gptr, W
        self.ty = _DBL if W == 1 else ir.VectorType(_DBL, W)
        self.pty = self.ty.as_pointer()
        self.env = {}

    def const(self, v):
        v = float(v)
        if self.W == 1:
            return ir.Constant(_DBL, v)
        return ir.Constant(self.ty, [ir.Constant(_DBL, v)] * self.W)

    def addr(self, base, i):
        p = self.bd.gep(base, [ir.Constant(_I64, i * self.W)])
        return p if self.W == 1 else self.bd.bitcast(p, self.pty)

    def load(self, base, i):
        return self.bd.load(self.addr(base, i), align=8)

    def store(self, base, i, v):
        self.bd.store(v, self.addr(base, i), align=8)

    def fn(self, name, nargs=1):
        """An LLVM intrinsic (vector forms too) or, for tan/tanh/atan2, libm's scalar
        function (applied lane by lane)."""
        if name in _LLVM_UNARY:
            base = _LLVM_UNARY[name]
            suffix = "f64" if self.W == 1 else f"v{self.W}f64"
            fnty = ir.FunctionType(self.ty, [self.ty] * nargs)
            return cgutils.get_or_insert_function(self.mod, fnty, f"{base}.{suffix}"), True
        fnty = ir.FunctionType(_DBL, [_DBL] * nargs)
        return cgutils.get_or_insert_function(self.mod, fnty, name), False

    def iconst(self, v):
        ity = ir.IntType(64)
        if self.W == 1:
            return ir.Constant(ity, v)
        return ir.Constant(ir.VectorType(ity, self.W), [ir.Constant(ity, v)] * self.W)

    def ity(self):
        return _I64 if self.W == 1 else ir.VectorType(_I64, self.W)

    def poly(self, x, coefs):
        """The polynomial with the highest coefficient first, by Estrin's scheme (fused
        multiply-adds on x, x^2, x^4, ...): about log2 of the degree dependent
        operations instead of the degree (Horner's), which matters on the step's
        critical path."""
        fma, _ = self.fn("_fma", 3)
        terms = [self.const(c) for c in reversed(coefs)]  # lowest first
        p = x
        while len(terms) > 1:
            nxt = [self.bd.call(fma, [terms[i + 1], p, terms[i]])
                   for i in range(0, len(terms) - 1, 2)]
            if len(terms) % 2:
                nxt.append(terms[-1])
            terms = nxt
            if len(terms) > 1:
                p = self.bd.fmul(p, p)
        return terms[0]

    def flog2(self, x):
        """log2 of a positive float to within 1e-8, branch-free (exponent bits plus a
        degree-9 polynomial of the mantissa on [1, 2)); 0 gives about -1023 and
        non-finite inputs give large or NaN values, which the step rule tolerates."""
        bd = self.bd
        i = bd.bitcast(x, self.ity())
        e = bd.sub(bd.and_(bd.lshr(i, self.iconst(52)), self.iconst(2047)),
                   self.iconst(1023))
        mant = bd.or_(bd.and_(i, self.iconst(0xFFFFFFFFFFFFF)),
                      self.iconst(0x3FF0000000000000))
        u = bd.fsub(bd.bitcast(mant, self.ty), self.const(1.0))
        p = self.poly(u, _LOG2_POLY)
        return bd.fadd(bd.sitofp(e, self.ty), p)

    def fexp2(self, y):
        """2**y to within 3e-14 relative, y clamped to [-1020, 1020]."""
        bd = self.bd
        mn, _ = self.fn("_min", 2)
        mx, _ = self.fn("_max", 2)
        y = bd.call(mn, [bd.call(mx, [y, self.const(-1020.0)]), self.const(1020.0)])
        fl, _ = self.fn("floor", 1)
        n = bd.call(fl, [y])
        f = bd.fsub(y, n)
        p = self.poly(f, _EXP2_POLY)
        ni = bd.shl(bd.fptosi(n, self.ity()), self.iconst(52))
        return bd.bitcast(bd.add(bd.bitcast(p, self.ity()), ni), self.ty)

    def call(self, name, args):
        if name == "_flog2":
            return self.flog2(args[0])
        if name == "_fexp2":
            return self.fexp2(args[0])
        f, vector_ok = self.fn(name, len(args))
        if self.W == 1 or vector_ok:
            return self.bd.call(f, args)
        out = ir.Constant(self.ty, ir.Undefined)
        for lane in range(self.W):
            idx = ir.Constant(ir.IntType(32), lane)
            r = self.bd.call(f, [self.bd.extract_element(a, idx) for a in args])
            out = self.bd.insert_element(out, r, idx)
        return out

    def expr(self, e):
        bd = self.bd
        if isinstance(e, ast.BinOp):
            if isinstance(e.op, ast.Pow):
                c = e.right
                if isinstance(c, ast.UnaryOp):  # -1.5 parses as USub(1.5)
                    c = -c.operand.value
                else:
                    c = c.value
                return self.call("pow", [self.expr(e.left), self.const(c)])
            if isinstance(e.op, ast.Mult) and _DOUBLE_ADD:
                for x, y in ((e.left, e.right), (e.right, e.left)):
                    if isinstance(y, ast.Constant) and y.value == 2.0:
                        v = self.expr(x)  # 2 x as x + x: the same bits, on an adder
                        return bd.fadd(v, v)
            a, b = self.expr(e.left), self.expr(e.right)
            if isinstance(e.op, ast.Add):
                return bd.fadd(a, b)
            if isinstance(e.op, ast.Sub):
                return bd.fsub(a, b)
            if isinstance(e.op, ast.Mult):
                return bd.fmul(a, b)
            if isinstance(e.op, ast.Div):
                return bd.fdiv(a, b)
            raise AssertionError(ast.dump(e))
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.USub):
            if isinstance(e.operand, ast.Constant):
                return self.const(-float(e.operand.value))
            return bd.fneg(self.expr(e.operand))
        if isinstance(e, ast.Constant):
            return self.const(e.value)
        if isinstance(e, ast.Name):
            return self.env[e.id]
        if isinstance(e, ast.Subscript):
            assert e.value.id == "b"
            return self.load(self.bptr, e.slice.value)
        if isinstance(e, ast.Call):
            name = e.func.attr if isinstance(e.func, ast.Attribute) else e.func.id
            return self.call(name, [self.expr(a) for a in e.args])
        raise AssertionError(ast.dump(e))

    def stmt(self, s):
        (target,) = s.targets
        v = self.expr(s.value)
        if isinstance(target, ast.Name):
            self.env[target.id] = v
        else:
            base = self.bptr if target.value.id == "b" else self.gptr
            self.store(base, target.slice.value, v)


def make_kernel(source: str, W: int):
    """A Numba intrinsic ``kern(b, g)`` that runs the one-lane ``source`` (the body of a
    function ``tc(b, g)``) on ``W`` lanes, compiled straight to LLVM IR."""

    @intrinsic
    def kern(typingctx, b, g):
        sig = types.void(b, g)

        def codegen(context, builder, signature, args):
            tree = ast.parse(source)
            (fdef,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
            ptrs = []
            for ty, v in zip(signature.args, args):
                if isinstance(ty, types.CPointer):
                    ptrs.append(v)
                else:
                    ptrs.append(context.make_array(ty)(context, builder, v).data)
            em = _Emitter(builder, ptrs[0], ptrs[1], W)
            for s in fdef.body:
                if isinstance(s, ast.Pass):
                    continue
                em.stmt(s)
            return context.get_dummy_value()

        return sig, codegen

    return kern


@intrinsic
def call_address(typingctx, addr, b, g):
    """Call the C function ``void f(double *b, double *g)`` at address ``addr`` (an
    integer: a cfunc's ``.address``) on the data of the float64 arrays ``b`` and ``g``.
    This is how the driver, compiled once, runs each right-hand side's kernel."""
    if not isinstance(addr, types.Integer):
        return None
    sig = types.void(addr, b, g)

    def codegen(context, builder, signature, args):
        dp = _DBL.as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [dp, dp])
        fptr = builder.inttoptr(args[0], fnty.as_pointer())
        bd = context.make_array(signature.args[1])(context, builder, args[1]).data
        gd = context.make_array(signature.args[2])(context, builder, args[2]).data
        builder.call(fptr, [bd, gd])
        return context.get_dummy_value()

    return sig, codegen
