"""The compact kernel: recurrences as loops over the order, for big right-hand sides.

The unrolled kernel of :mod:`._codegen` grows like (operations) x P^2 / 2 terms: on the
Pleiades problem (343 elementary operations, 126 of them convolutions) at order 15 about
15 000 products of straight-line code, which LLVM compiles in several seconds. The compact
kernel computes the same recurrences with the order ``k`` a run-time loop counter (its
bound hidden from LLVM, which would otherwise unroll it back). Inside that loop:

* the linear operations (sums, differences, negations, products and quotients by a
  constant or parameter: 217 of Pleiades' 343) straight, with constant slots: one or two
  instructions each, and the code grows with the operations only, not with P;
* the convolutions in groups (:func:`._codegen.compact_spec`: same level of the dependency
  graph, so independent at one order; same operation and degrees): one loop over a
  constant table of slots per group (4 groups for Pleiades), and each sum a loop over
  ``j`` with two accumulators (instruction-level parallelism) and fused multiply-adds.

The code is about the size of one order's, whatever P: Pleiades compiles in 0.5-0.8 s
at every order (against 1-6 s unrolled at orders 8-15) and runs about 1.3x slower per
step than unrolled (about heyoka's speed).

Layout and interface are those of the unrolled kernel (one flat buffer ``b``, slot ``s``
at order ``k`` of lane ``l`` at ``b[(k * NS + s) * W + l]``, a row after the new state
holding the reciprocals of the divisors, the same step rule, the same ``tc(b, g)`` C
signature), so the drivers, scalar and batch, cannot tell the two apart. Order 0, the
nodes that are polynomials in t, the step rule and the event outputs are the
straight-line source of :mod:`._codegen` with every coefficient in memory
(:class:`._codegen.MemGen`), lowered by :mod:`._llvm`; the loops are emitted here
directly as LLVM IR.

Every sum runs over exactly the terms the unrolled code keeps (bounds clipped by the
operands' degrees in t), in another order and with the weights ``j / k`` applied as
``j`` in the sum and ``1 / k`` after it: the results agree with the unrolled kernel's to
rounding, not bitwise (a batch member still equals its scalar solve bitwise: the lanes
run the same IR).
"""

from __future__ import annotations

import ast

import llvmlite.ir as ir
from numba.core import types
from numba.extending import intrinsic

from ._decomp import INF
from ._llvm import _Emitter

__all__ = ["make_compact_kernel"]

_I64 = ir.IntType(64)


def _i(v):
    return ir.Constant(_I64, v)


_STRAIGHT_LINEAR = True  # measured (Pleiades, tol 1e-8): 0.78 ms per solve, 0.99 ms in tables


def _linear(op, degs):
    return op in ("add", "sub", "neg") or (op == "mul" and 0 in degs) \
        or (op == "div" and degs[1] == 0)


class _Loops:
    """IR for the orders k = 1 .. kmax of the state-dependent nodes. A slot is a Python
    int (a linear operation, or a group of one: constant offsets) or an i64 value (read
    from a group's table)."""

    def __init__(self, em, spec):
        self.em = em
        self.bd = em.bd
        self.W = em.W
        self.NS = spec["NS"]
        self.R = spec["R"]
        self.fma = em.fn("_fma", 3)[0]
        self.barrier = ir.InlineAsm(ir.FunctionType(_I64, [_I64]), "", "=r,0")

    def opaque(self, v):
        """v through an empty inline asm: a value LLVM cannot see, so that it does not
        unroll the loops over k and over a group's rows (which would rebuild the
        unrolled kernel, and take longer to compile than that)."""
        return self.bd.call(self.barrier, [_i(v)])

    # --- memory ---------------------------------------------------------------------
    def _ix(self, s, scale):
        return _i(s * scale) if type(s) is int else self.bd.mul(s, _i(scale))

    def _ptr(self, idx):
        p = self.bd.gep(self.em.bptr, [idx])
        return p if self.W == 1 else self.bd.bitcast(p, self.em.pty)

    def addr(self, s, k):
        """Pointer to coefficient k (an i64 value or an int) of slot s."""
        kk = _i(k * self.NS * self.W) if type(k) is int else \
            self.bd.mul(k, _i(self.NS * self.W))
        return self._ptr(self.bd.add(kk, self._ix(s, self.W)))

    def load(self, s, k):
        return self.bd.load(self.addr(s, k), align=8)

    def store(self, s, k, v):
        self.bd.store(v, self.addr(s, k), align=8)

    def rec(self, s):
        """The reciprocal that order 0 stored for slot s."""
        return self.load(self.R + s if type(s) is int else self.bd.add(s, _i(self.R)), 0)

    def at_k(self, s, d, k):
        """Coefficient k >= 1 of s, of degree d (None where known to be zero)."""
        if d == 0:
            return None
        if d >= INF:
            return self.load(s, k)
        bd = self.bd
        ok = bd.icmp_signed("<=", k, _i(d))
        v = self.load(s, bd.select(ok, k, _i(d)))  # a scalar condition selects vectors
        return bd.select(ok, v, self.em.const(0.0))

    def kf(self, k):
        v = self.bd.sitofp(k, ir.DoubleType())
        if self.W == 1:
            return v
        out = ir.Constant(self.em.ty, ir.Undefined)
        for lane in range(self.W):
            out = self.bd.insert_element(out, v, ir.Constant(ir.IntType(32), lane))
        return out

    def inv(self, k):
        return self.bd.fdiv(self.em.const(1.0), self.kf(k))

    def imax(self, a, b):
        return self.bd.select(self.bd.icmp_signed(">", a, b), a, b)

    def imin(self, a, b):
        return self.bd.select(self.bd.icmp_signed("<", a, b), a, b)

    # --- loops ----------------------------------------------------------------------
    def loop(self, lo, hi, body):
        """for j in lo .. hi - 1 (i64 values): body(j), no values carried."""
        bd = self.bd
        pre = bd.block
        head = bd.append_basic_block("gh")
        blk = bd.append_basic_block("gb")
        done = bd.append_basic_block("gd")
        bd.branch(head)
        bd.position_at_end(head)
        j = bd.phi(_I64)
        j.add_incoming(lo, pre)
        bd.cbranch(bd.icmp_signed("<", j, hi), blk, done)
        bd.position_at_end(blk)
        body(j)
        j.add_incoming(bd.add(j, _i(1)), bd.block)
        bd.branch(head)
        bd.position_at_end(done)

    def sum_loop(self, lo, hi, term, nacc=1):
        """Sum over j = lo .. hi (i64 values, inclusive; empty if lo > hi) of the
        products ``x * y`` for ``(x, y) = term(j)``; ``nacc`` sums (tuples of terms)
        at once. Two interleaved accumulators per sum, fused multiply-adds."""
        bd, em = self.bd, self.em
        zero = em.const(0.0)
        pre = bd.block
        head = bd.append_basic_block("lh")
        body = bd.append_basic_block("lb")
        tail = bd.append_basic_block("lt")
        tail1 = bd.append_basic_block("lt1")
        done = bd.append_basic_block("ld")
        bd.branch(head)
        bd.position_at_end(head)
        j = bd.phi(_I64)
        j.add_incoming(lo, pre)
        accs = []
        for _ in range(nacc):
            a0, a1 = bd.phi(em.ty), bd.phi(em.ty)
            a0.add_incoming(zero, pre)
            a1.add_incoming(zero, pre)
            accs.append((a0, a1))
        j1 = bd.add(j, _i(1))
        bd.cbranch(bd.icmp_signed("<=", j1, hi), body, tail)
        bd.position_at_end(body)
        t0, t1 = term(j), term(j1)
        new = []
        for q in range(nacc):
            x0, y0 = t0[q]
            x1, y1 = t1[q]
            new.append((bd.call(self.fma, [x0, y0, accs[q][0]]),
                        bd.call(self.fma, [x1, y1, accs[q][1]])))
        jn = bd.add(j, _i(2))
        end = bd.block
        j.add_incoming(jn, end)
        for q in range(nacc):
            accs[q][0].add_incoming(new[q][0], end)
            accs[q][1].add_incoming(new[q][1], end)
        bd.branch(head)
        # the odd term left, if any
        bd.position_at_end(tail)
        bd.cbranch(bd.icmp_signed("<=", j, hi), tail1, done)
        bd.position_at_end(tail1)
        tt = term(j)
        last = [bd.call(self.fma, [tt[q][0], tt[q][1], accs[q][0]]) for q in range(nacc)]
        bd.branch(done)
        bd.position_at_end(done)
        rs = []
        for q in range(nacc):  # the phis first: they head the block
            r = bd.phi(em.ty)
            r.add_incoming(accs[q][0], tail)
            r.add_incoming(last[q], tail1)
            rs.append(r)
        return [bd.fadd(rs[q], accs[q][1]) for q in range(nacc)]

    def conv(self, a, da, b, db, k, j0, j1, weight=None):
        """sum_{j = j0 .. j1} w(j) a[j] b[k - j] over the terms not known to be zero
        (j <= da, k - j <= db: the degrees of a and b); j0 an int, j1 an i64 value;
        ``weight(jf)`` of the float j (or None)."""
        bd = self.bd
        lo = _i(j0)
        if db < INF:
            lo = self.imax(lo, bd.sub(k, _i(db)))
        hi = j1
        if da < INF:
            hi = self.imin(hi, _i(da))

        def term(j):
            x = self.load(a, j)
            if weight is not None:
                x = bd.fmul(weight(self.kf(j)), x)
            return [(x, self.load(b, bd.sub(k, j)))]

        return self.sum_loop(lo, hi, term)[0]

    def square(self, a, k, j0):
        """sum_{j = j0 .. k - j0} a[j] a[k - j] by symmetry (a of infinite degree)."""
        bd = self.bd
        hi = bd.ashr(bd.sub(k, _i(1)), _i(1))  # (k - 1) // 2
        (s,) = self.sum_loop(_i(j0), hi, lambda j: [(self.load(a, j), self.load(
            a, bd.sub(k, j)))])
        s = bd.fadd(s, s)
        m = self.load(a, bd.ashr(k, _i(1)))
        even = bd.icmp_signed("==", bd.and_(k, _i(1)), _i(0))
        if j0 > 0:
            even = bd.and_(even, bd.icmp_signed(">=", k, _i(2 * j0)))
        return bd.fadd(s, bd.select(even, bd.fmul(m, m), self.em.const(0.0)))

    # --- one order of one operation -------------------------------------------------
    def op(self, op, sl, dg, c, k):
        """Order k of operation ``op`` writing slot sl[0] from the argument slots
        sl[1:] of degrees dg (and companions written with it)."""
        bd, em = self.bd, self.em
        z = em.const(0.0)
        s = sl[0]
        if op in ("add", "sub"):
            a, b = self.at_k(sl[1], dg[0], k), self.at_k(sl[2], dg[1], k)
            if b is None:
                v = a if a is not None else z
            elif a is None:
                v = bd.fneg(b) if op == "sub" else b
            else:
                v = bd.fadd(a, b) if op == "add" else bd.fsub(a, b)
            self.store(s, k, v)
        elif op == "neg":
            a = self.at_k(sl[1], dg[0], k)
            self.store(s, k, bd.fneg(a) if a is not None else z)
        elif op == "sqr":
            self.store(s, k, self.square(sl[1], k, 0))
        elif op == "mul":
            (a, b), (da, db) = sl[1:], dg
            if da == 0 or db == 0:
                cc, x, dx = (a, b, db) if da == 0 else (b, a, da)
                xk = self.at_k(x, dx, k)
                v = bd.fmul(self.load(cc, 0), xk) if xk is not None else z
            else:
                v = self.conv(a, da, b, db, k, 0, k)
            self.store(s, k, v)
        elif op == "div":
            (a, b), (da, db) = sl[1:], dg
            ak = self.at_k(a, da, k)
            if db == 0:
                v = bd.fmul(ak, self.rec(s)) if ak is not None else z
            else:
                t = self.conv(b, db, s, INF, k, 1, k)
                v = bd.fmul(bd.fsub(ak, t) if ak is not None else bd.fneg(t), self.rec(s))
            self.store(s, k, v)
        elif op == "pow":
            a, da = sl[1], dg[0]
            # sum_{j=0}^{k-1} (c (k - j) - j) w[j] a[k - j] / (k a[0])
            ck = bd.fmul(em.const(c), self.kf(k))
            t = self.conv(s, INF, a, da, k, 0, bd.sub(k, _i(1)),
                          weight=lambda jf: bd.call(self.fma, [em.const(-(c + 1.0)), jf,
                                                               ck]))
            self.store(s, k, bd.fmul(bd.fmul(t, self.inv(k)), self.rec(s)))
        elif op == "sqrt":
            ak = self.at_k(sl[1], dg[0], k)
            t = self.square(s, k, 1)
            v = bd.fsub(ak, t) if ak is not None else bd.fneg(t)
            self.store(s, k, bd.fmul(v, self.rec(s)))
        elif op == "exp":
            t = self.conv(sl[1], dg[0], s, INF, k, 1, k, weight=lambda jf: jf)
            self.store(s, k, bd.fmul(t, self.inv(k)))
        elif op == "log":
            a, da = sl[1], dg[0]
            ak = self.at_k(a, da, k)
            t = self.conv(s, INF, a, da, k, 1, bd.sub(k, _i(1)), weight=lambda jf: jf)
            t = bd.fmul(t, self.inv(k))
            v = bd.fsub(ak, t) if ak is not None else bd.fneg(t)
            self.store(s, k, bd.fmul(v, self.rec(s)))
        elif op == "sincos":
            a, cs, da = sl[1], sl[2], dg[0]
            hi = k if da >= INF else self.imin(k, _i(da))

            def term(j):
                x = bd.fmul(self.kf(j), self.load(a, j))
                kj = bd.sub(k, j)
                return [(x, self.load(cs, kj)), (x, self.load(s, kj))]

            ts, tc = self.sum_loop(_i(1), hi, term, nacc=2)
            inv = self.inv(k)
            self.store(s, k, bd.fmul(ts, inv))
            self.store(cs, k, bd.fneg(bd.fmul(tc, inv)))
        elif op in ("tan", "tanh"):
            a, v, da = sl[1], sl[2], dg[0]
            t = self.conv(a, da, v, INF, k, 1, k, weight=lambda jf: jf)
            self.store(s, k, bd.fmul(t, self.inv(k)))
            sq = self.square(s, k, 0)
            self.store(v, k, sq if op == "tan" else bd.fneg(sq))
        elif op == "atan2":
            y, x, rr = sl[1:]
            dy, dx = dg[0], dg[1]
            km1 = bd.sub(k, _i(1))
            kf = self.kf(k)
            wt = lambda jf: bd.fsub(kf, jf)  # noqa: E731  (k - i)
            pos = self.conv(x, dx, y, dy, k, 0, km1, weight=wt)
            neg = self.conv(y, dy, x, dx, k, 0, km1, weight=wt)
            rw = self.conv(rr, INF, s, INF, k, 1, km1, weight=wt)
            num = bd.fsub(bd.fsub(pos, neg), rw)
            self.store(s, k, bd.fmul(num, bd.fmul(self.inv(k), self.rec(s))))
            self.store(rr, k, bd.fadd(self.conv(x, dx, x, dx, k, 0, k),
                                      self.conv(y, dy, y, dy, k, 0, k)))
        else:
            raise AssertionError(op)

    def table(self, rows):
        flat = [v for r in rows for v in r]
        ty = ir.ArrayType(_I64, len(flat))
        gv = ir.GlobalVariable(self.bd.module, ty,
                               name=self.bd.module.get_unique_name("odk_slots"))
        gv.linkage = "internal"
        gv.global_constant = True
        gv.initializer = ir.Constant(ty, flat)
        return gv

    def rows(self, rows, body, straight=False):
        """body(slots) for every row of slots: straight (constant slots) for one row or
        when asked, else a loop over a table."""
        if len(rows) == 1 or straight:
            for row in rows:
                body(list(row))
            return
        bd = self.bd
        gv = self.table(rows)
        width = len(rows[0])

        def each(m):
            base = bd.mul(m, _i(width))
            body([bd.load(bd.gep(gv, [_i(0), bd.add(base, _i(q))])) for q in range(width)])

        self.loop(_i(0), self.opaque(len(rows)), each)

    def orders(self, spec):
        """for k in 1 .. kmax: every state-dependent operation at order k, group by
        group, then the states' order k + 1 (k <= P - 1)."""
        bd = self.bd
        P = spec["P"]
        top = self.opaque(spec["kmax"] + 1)

        def order(k):
            for op, degs, c, rows in spec["groups"]:
                # the linear operations (one or two instructions each) straight: a
                # table's loads would cost more than they do, and code size does not
                # grow with the order
                self.rows(rows, lambda sl: self.op(op, sl, degs, c, k),
                          straight=_linear(op, degs) and _STRAIGHT_LINEAR)
            st = bd.append_basic_block("ks")
            nx = bd.append_basic_block("kn")
            bd.cbranch(bd.icmp_signed("<", k, _i(P)), st, nx)
            bd.position_at_end(st)
            k1 = bd.add(k, _i(1))
            inv = self.inv(k1)
            for rows, d in spec["outs"]:
                def state(sl, d=d):
                    v = self.at_k(sl[1], d, k)
                    self.store(sl[0], k1, bd.fmul(v, inv) if v is not None else
                               self.em.const(0.0))
                if rows:
                    self.rows(rows, state, straight=_STRAIGHT_LINEAR)
            bd.branch(nx)
            bd.position_at_end(nx)

        self.loop(_i(1), top, order)


def make_compact_kernel(spec: dict, W: int):
    """A Numba intrinsic ``kern(b, g)``: the compact kernel of ``spec`` (made by
    :func:`._codegen.compact_spec`: the straight-line ``pre`` and ``post`` sources, the
    ``groups`` of state-dependent operations, the ``outs``, ``NS``, ``R``, ``P``,
    ``kmax``) on ``W`` lanes."""

    @intrinsic
    def kern(typingctx, b, g):
        sig = types.void(b, g)

        def codegen(context, builder, signature, args):
            ptrs = []
            for ty, v in zip(signature.args, args):
                if isinstance(ty, types.CPointer):
                    ptrs.append(v)
                else:
                    ptrs.append(context.make_array(ty)(context, builder, v).data)
            em = _Emitter(builder, ptrs[0], ptrs[1], W)

            def run(src):
                (fdef,) = [n for n in ast.parse(src).body if isinstance(n, ast.FunctionDef)]
                for st in fdef.body:
                    if not isinstance(st, ast.Pass):
                        em.stmt(st)

            run(spec["pre"])
            _Loops(em, spec).orders(spec)
            run(spec["post"])
            return context.get_dummy_value()

        return sig, codegen

    return kern
