"""Numba source for the Taylor coefficients of one decomposition at one order.

The normalised Taylor coefficients ``u^[k] = u^(k) / k!`` of every elementary operation
follow from the classic recurrences of automatic differentiation (Jorba & Zou 2005,
Experimental Math. 14:99, section 3; Moore 1966). With ``a``, ``b`` the arguments and ``w``
the result, for ``k >= 1``:

* add/sub: ``w[k] = a[k] +- b[k]``
* mul: ``w[k] = sum_{j=0..k} a[j] b[k-j]`` (a square sums half the terms, twice)
* div: ``w[k] = (a[k] - sum_{j=1..k} b[j] w[k-j]) / b[0]``
* pow, exponent c: ``w[k] = sum_{j=0..k-1} ((c (k-j) - j) / k) a[k-j] w[j] / a[0]``
* sqrt: ``w[k] = (a[k] - sum_{j=1..k-1} w[j] w[k-j]) / (2 w[0])``
* exp: ``w[k] = sum_{j=1..k} (j/k) a[j] w[k-j]``
* log: ``w[k] = (a[k] - sum_{j=1..k-1} (j/k) w[j] a[k-j]) / a[0]``
* sin, cos: ``s[k] = sum_{j=1..k} (j/k) a[j] c[k-j]``,
  ``c[k] = -sum_{j=1..k} (j/k) a[j] s[k-j]``
* tan: ``w[k] = sum_{j=1..k} (j/k) a[j] v[k-j]`` with ``v = 1 + w^2``; tanh the same
  with ``v = 1 - w^2``
* atan2(y, x), with ``r = x^2 + y^2``: ``w[k] = (sum_{i<k} (k-i) (x[i] y[k-i] -
  y[i] x[k-i]) - sum_{i=1..k-1} (k-i) r[i] w[k-i]) / (k r[0])``

Divisions by an order-0 coefficient are multiplications by its reciprocal, computed once
per step, and the states follow from ``x[k+1] = f[k] / (k+1)``. The generated code is
straight-line: the order ``P`` is a compile-time constant, every recurrence is unrolled, the ``j/k``
factors are literals, terms with a coefficient known to be zero (above a node's degree in
``t``, see :mod:`._decomp`) are dropped, and sums are pairwise (a balanced tree, which LLVM
schedules better than a left-to-right chain) except for the terms holding a coefficient of
the order being computed, which are added last as fused multiply-adds (they are the
critical path, see :func:`_psum`). All coefficients live in one flat float64
buffer ``b``: slot ``s`` at order ``k`` of lane ``l`` is ``b[(k * NS + s) * W + l]``, so
with ``W > 1`` lanes (batch mode) every statement is a loop over the lanes at constant
offsets that LLVM vectorises.

Big right-hand sides at high orders get a compact kernel instead (loops over the order,
:mod:`._compact`), chosen by a size estimate (:func:`choose_mode`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
import threading
import types

import numba
import numpy as np

from ... import _jit
from ._decomp import INF

__all__ = ["order_from_tol", "get_module", "coefficient_source"]

_HERE = os.path.dirname(__file__)
_LOCK = threading.RLock()
_MODULES: dict = {}


def order_from_tol(tol: float) -> int:
    """The Taylor order for a tolerance, heyoka's rule ``p = ceil(-ln(tol) / 2 + 1)``
    (at least 2).

    Examples
    --------
    >>> from odekit.integrate.taylor import order_from_tol
    >>> order_from_tol(1e-10), order_from_tol(1e-16)
    (13, 20)
    """
    return max(2, int(math.ceil(-math.log(tol) / 2.0 + 1.0)))


def _psum(terms):
    """The sum of ``terms``: the plain ones (strings) as a balanced tree, then those that
    hold a coefficient of the order being computed (``(LAST, x, y)``: x*y, see
    :meth:`_Gen.conv`), one by one. The recurrences of one order wait on each other, so
    the newest coefficients are the step's critical path: summed last they pass through
    one addition (a fused multiply-add) each instead of the whole tree's depth, while the
    tree of the older terms is computed in parallel (2-3 %, and 2 % more fused, per
    Arenstorf solve at orders 8-16 on the development machine)."""
    if not terms:
        return "0.0"
    old = [t for t in terms if type(t) is str]
    new = [t[1:] for t in terms if type(t) is not str]
    acc = _tree_sum(old) if old else None
    for x, y in new:
        if acc is None:
            acc = _Gen.prod(x, y)
        elif _FUSE_LAST and x != "1.0" and y != "1.0":  # one rounding, one instruction
            acc = f"_fma({x}, {y}, {acc})"
        else:
            acc = f"({acc} + {_Gen.prod(x, y)})"
    return acc


def _tree_sum(terms):
    """A balanced sum; where a pair's left term is a plain product x*y, the pair is the
    fused multiply-add fma(x, y, right) (one rounding, one instruction less)."""
    if len(terms) == 1:
        return terms[0]
    mid = len(terms) // 2
    left, right = _tree_sum(terms[:mid]), _tree_sum(terms[mid:])
    if _FUSE_TREE and mid == 1 and "*" in left and "(" not in left:
        x, y = left.rsplit("*", 1)
        return f"_fma({x}, {y}, {right})"
    return f"({left} + {right})"



LAST = "last"  # the tag of a term with a coefficient of the current order (see _psum)


_POW_SQRT = True  # pow(x, c) for small half-integer c by products and sqrt


def _lit(x: float) -> str:
    return repr(float(x))


# Switches kept for measurement (Arenstorf, odekit.solve_ivp, this 2-core AMD EPYC):
# the newest terms of each sum added last (see _psum), 2-3 %; those as fused
# multiply-adds, another 2 %; a pair's left product fused into the addition in the
# trees of the older terms (see _tree_sum), 3 %; the new state by Estrin's scheme (see
# step_lines), 1-2 %. (Fusing every product of every sum, not only these, was slower.)
_LATE = True
_FUSE_LAST = True
_FUSE_TREE = True
_ESTRIN = True


class _Gen:
    def __init__(self, D, P, W, kmax):
        self.D, self.P, self.W, self.kmax = D, P, W, kmax
        self.NS = D.nslots

    def B(self, k, s):
        if self.W == 1:  # scalar: every coefficient a local variable (registers)
            return f"v{s}_{k}"
        return f"b[{(k * self.NS + s) * self.W} + l]"

    def Bmem(self, k, s):
        off = (k * self.NS + s) * self.W
        return f"b[{off}]" if self.W == 1 else f"b[{off} + l]"

    def C(self, s, j):
        """The expression of coefficient j of slot s, or None if it is zero."""
        D = self.D
        kind = D.kind[s]
        if kind == "const":
            return _lit(D.info[s]) if j == 0 else None
        if kind == "time":
            return self.B(0, s) if j == 0 else ("1.0" if j == 1 else None)
        if j > D.deg[s]:
            return None
        return self.B(j, s)

    @staticmethod
    def prod(*xs):
        xs = [x for x in xs if x != "1.0"]
        return "*".join(xs) if xs else "1.0"

    def conv(self, a, b, k, j0=0, j1=None, weight=None):
        """Terms a[j] b[k-j] for j in [j0, j1], optionally times weight(j)."""
        j1 = k if j1 is None else j1
        terms, late = [], []
        for j in range(j0, j1 + 1):
            ca, cb = self.C(a, j), self.C(b, k - j)
            if ca is None or cb is None:
                continue
            w = None if weight is None else weight(j)
            if w == 0.0:
                continue
            x = self.prod(*(([_lit(w)] if w is not None and w != 1.0 else []) + [ca]))
            if (j == k or j == 0) and _LATE:
                late.append((b if j == 0 else a, (LAST, x, cb)))
            else:
                terms.append(self.prod(x, cb))
        # the newest last, in the order of their slots (a proxy for when they are ready)
        return terms + [t for _, t in sorted(late, key=lambda z: z[0])]

    def square_terms(self, a, k, j0=0):
        """a[j] a[k-j] summed over j in [j0, k - j0], folded by symmetry."""
        terms, twice = [], []
        last = []
        for j in range(j0, k + 1):
            if j > k - j:
                break
            ca, cb = self.C(a, j), self.C(a, k - j)
            if ca is None or cb is None:
                continue
            if j == k - j:
                terms.append(f"{ca}*{ca}")
            elif j == 0 and _LATE:  # 2 a_0 a_k: newest, added last ((2 a_0) is exact)
                last.append((LAST, f"2.0*{ca}", cb))
            else:
                twice.append(self.prod(ca, cb))
        if twice:
            terms.insert(0, f"2.0*{_psum(twice)}")
        return terms + last

    def order0(self, s, op, args):
        C0 = lambda a: self.C(a, 0)  # noqa: E731
        out = self.B(0, s)
        if op == "add":
            return [f"{out} = {C0(args[0])} + {C0(args[1])}"]
        if op == "sub":
            return [f"{out} = {C0(args[0])} - {C0(args[1])}"]
        if op == "mul":
            return [f"{out} = {C0(args[0])} * {C0(args[1])}"]
        if op == "div":  # r: the reciprocal of the divisor, once per step
            return [f"{out} = {C0(args[0])} / {C0(args[1])}",
                    f"r{s} = 1.0 / {C0(args[1])}"]
        if op == "neg":
            return [f"{out} = -{C0(args[0])}"]
        if op == "dlin":  # the (constant) coefficient of t in a linear node
            c1 = self.C(args[0], 1)
            return [f"{out} = {c1 if c1 is not None else '0.0'}"]
        if op == "pow":
            x, c = C0(args[0]), args[1]
            lines = [f"r{s} = 1.0 / {x}"]
            m2 = 2.0 * c
            if _POW_SQRT and m2 == int(m2) and 0 < abs(c) <= 4.5:
                # a half-integer or integer power by products and sqrt: a libm pow call
                # costs more than the rest of a small kernel's order 0 (2 ulp, not 1)
                base = x if c > 0 else f"r{s}"
                m = int(abs(c))
                fac = [base] * m + ([f"math.sqrt({base})"] if m2 % 2 else [])
                return lines + [f"{out} = {'*'.join(fac)}"]
            return lines + [f"{out} = {x} ** {_lit(c)}"]
        if op == "sqrt":
            return [f"{out} = math.sqrt({C0(args[0])})", f"r{s} = 0.5 / {out}"]
        if op == "log":
            return [f"{out} = math.log({C0(args[0])})", f"r{s} = 1.0 / {C0(args[0])}"]
        if op == "exp":
            return [f"{out} = math.exp({C0(args[0])})"]
        if op == "sincos":
            a, cs = args
            return [f"{out} = math.sin({C0(a)})", f"{self.B(0, cs)} = math.cos({C0(a)})"]
        if op in ("tan", "tanh"):
            lines = [f"{out} = math.{op}({C0(args[0])})"]
            if len(args) > 1:
                sign = "+" if op == "tan" else "-"
                lines.append(f"{self.B(0, args[1])} = 1.0 {sign} {out}*{out}")
            return lines
        if op == "atan2":
            y, x = args[0], args[1]
            lines = [f"{out} = math.atan2({C0(y)}, {C0(x)})"]
            if len(args) > 2:
                lines.append(f"{self.B(0, args[2])} = {C0(x)}*{C0(x)} + {C0(y)}*{C0(y)}")
                lines.append(f"r{s} = 1.0 / {self.B(0, args[2])}")
            return lines
        raise AssertionError(op)

    def orderk(self, s, op, args, k):
        D = self.D
        if k > D.deg[s]:
            return []
        out = self.B(k, s)
        C = self.C
        if op in ("add", "sub"):
            a, b = C(args[0], k), C(args[1], k)
            if a is None and b is None:
                return [f"{out} = 0.0"]
            if b is None:
                return [f"{out} = {a}"]
            if a is None:
                return [f"{out} = {'-' if op == 'sub' else ''}{b}"]
            return [f"{out} = {a} {'+' if op == 'add' else '-'} {b}"]
        if op == "neg":
            a = C(args[0], k)
            return [f"{out} = {'-' + a if a is not None else '0.0'}"]
        if op == "mul":
            a, b = args
            terms = self.square_terms(a, k) if a == b else self.conv(a, b, k)
            return [f"{out} = {_psum(terms)}"]
        if op == "div":
            a, b = args
            ca = C(a, k)
            if D.deg[b] == 0:
                return [f"{out} = {ca if ca is not None else '0.0'} * r{s}"]
            terms = self.conv(b, s, k, 1, k)
            old = [t for t in terms if type(t) is str]
            new = [t[1:] for t in terms if type(t) is not str]
            if ca is not None and old and new:  # the newest product subtracted last
                num = f"({ca} - {_psum(old)})"
                for x, y in new:
                    num = f"_fma(-{x}, {y}, {num})" if _FUSE_LAST and x != "1.0" \
                        else f"({num} - {self.prod(x, y)})"
            else:
                num = (f"{ca} - {_psum(terms)}" if ca is not None else f"-{_psum(terms)}") \
                    if terms else (ca or "0.0")
            return [f"{out} = ({num}) * r{s}"]
        if op == "pow":
            a, c = args
            terms = []
            for j in range(0, k):
                ca, cw = C(a, k - j), C(s, j)
                if ca is None or cw is None:
                    continue
                w = (c * (k - j) - j) / k
                if w == 0.0:
                    continue
                x = self.prod(_lit(w), ca)
                terms.append((LAST, x, cw) if j == 0 and _LATE else self.prod(x, cw))
            return [f"{out} = {_psum(terms)} * r{s}"]
        if op == "sqrt":
            (a,) = args
            ca = C(a, k)
            terms = self.square_terms(s, k, 1)
            num = f"{ca or '0.0'} - {_psum(terms)}" if terms else (ca or "0.0")
            return [f"{out} = ({num}) * r{s}"]
        if op == "exp":
            (a,) = args
            terms = self.conv(a, s, k, 1, k, weight=lambda j: j / k)
            return [f"{out} = {_psum(terms)}"]
        if op == "log":
            (a,) = args
            ca = C(a, k)
            terms = self.conv(s, a, k, 1, k - 1, weight=lambda j: j / k)
            num = f"{ca or '0.0'} - {_psum(terms)}" if terms else (ca or "0.0")
            return [f"{out} = ({num}) * r{s}"]
        if op == "sincos":
            a, cs = args
            ts = self.conv(a, cs, k, 1, k, weight=lambda j: j / k)
            tc = self.conv(a, s, k, 1, k, weight=lambda j: j / k)
            return [f"{out} = {_psum(ts)}", f"{self.B(k, cs)} = -{_psum(tc)}"]
        if op in ("tan", "tanh"):
            a, v = args
            terms = self.conv(a, v, k, 1, k, weight=lambda j: j / k)
            sq = _psum(self.square_terms(s, k))
            return [f"{out} = {_psum(terms)}",
                    f"{self.B(k, v)} = {'' if op == 'tan' else '-'}{sq}"]
        if op == "atan2":
            y, x, r = args
            pos = self.conv(x, y, k, 0, k - 1, weight=lambda i: float(k - i))
            neg = self.conv(y, x, k, 0, k - 1, weight=lambda i: float(k - i))
            rw = self.conv(r, s, k, 1, k - 1, weight=lambda i: float(k - i))
            num = f"{_psum(pos)} - {_psum(neg)}"
            if rw:
                num += f" - {_psum(rw)}"
            rr = self.conv(x, x, k) + self.conv(y, y, k)
            return [f"{out} = ({num}) * ({_lit(1.0 / k)} * r{s})",
                    f"{self.B(k, r)} = {_psum(rr)}"]
        raise AssertionError(op)

    def state_lines(self, k):
        """x_i[k+1] = f_i[k] / (k+1)."""
        lines = []
        for i, o in enumerate(self.D.outs):
            c = self.C(o, k)
            if c is None:
                lines.append(f"{self.B(k + 1, i)} = 0.0")
            else:
                lines.append(f"{self.B(k + 1, i)} = {c} * {_lit(1.0 / (k + 1))}")
        return lines


def init_source(D) -> str:
    """Source of ``ti(b, g)``: the values at the current t (in ``b``) of the extra
    sin/cos states (see :mod:`._decomp`), from their linear arguments."""
    G = _Gen(D, 1, 1, 1)
    lines = [f"{G.B(0, s)} = {G.Bmem(0, s)}" for s in range(D.nslots)
             if D.kind[s] in ("time", "param")]
    for s, op, args in D.ops:
        if D.deg[s] < INF:
            lines += G.order0(s, op, args)
            for k in range(1, D.deg[s] + 1):
                lines += G.orderk(s, op, args, k)
    for ss, cs, a in D.init:
        lines += [f"{G.Bmem(0, ss)} = math.sin({G.C(a, 0)})",
                  f"{G.Bmem(0, cs)} = math.cos({G.C(a, 0)})"]
    return "\n".join(["@jit", "def ti(b, g):"] + ["    " + x for x in lines] + ["    pass"]) \
        + "\n"


def _tree(fn, xs):
    if len(xs) == 1:
        return xs[0]
    mid = len(xs) // 2
    return f"{fn}({_tree(fn, xs[:mid])}, {_tree(fn, xs[mid:])})"


def extra_slots(D, P, mode="unrolled"):
    """Offsets (in lane units) of the step's inputs and outputs after the coefficients:
    CAP (the largest |h| allowed: min(max_step, |t1 - t|)), DIR (+-1), H (the signed
    step taken) and NEW (the N states at t + h); in compact mode then R (a row of NS:
    the reciprocals of the divisors, read by the loops)."""
    X = (P + 1) * D.nslots
    R = X + 3 + D.n
    return {"CAP": X, "DIR": X + 1, "H": X + 2, "NEW": X + 3, "R": R,
            "END": R + (D.nslots if mode == "compact" else 0)}


def step_lines(G, D, P):
    """heyoka's step rule and the Horner update, in the kernel (one lane).

    h = e^-2 exp(-0.7 / (P - 1)) min_{k = P-1, P} (s / max_i |x_i^[k]|)^(1/k), with
    s = max(1, max_i |x_i|), clipped to CAP and signed by DIR; then NEW_i = x_i(t + h).
    The powers are taken in log2 units with branch-free approximations of log2 and exp2
    (:mod:`._llvm`; 1e-8 in the exponent, so h agrees with the exact rule to about 1e-8
    relative): libm's log and exp, scalar calls even in batch mode, cost more than the
    rest of a small system's step. A zero coefficient row gives no bound; a non-finite
    coefficient makes the new state non-finite, which the driver reports."""
    xs = extra_slots(D, P)
    n = D.n
    st = lambda k: [f"_abs({G.B(k, i)})" for i in range(n)]  # noqa: E731
    rho = math.exp(-0.7 / (P - 1)) / math.e ** 2
    lines = [f"mx_ = _max({_tree('_max', st(0))}, 1.0)",
             f"m1_ = {_tree('_max', st(P - 1))}",
             f"m2_ = {_tree('_max', st(P))}",
             "ls_ = _flog2(mx_)",
             f"e1_ = (ls_ - _flog2(m1_)) * {_lit(1.0 / (P - 1))}",
             f"e2_ = (ls_ - _flog2(m2_)) * {_lit(1.0 / P)}",
             f"h_ = _min(_fexp2(_min(e1_, e2_)) * {_lit(rho)}, {G.Bmem(0, xs['CAP'])})",
             f"h_ = h_ * {G.Bmem(0, xs['DIR'])}",
             f"{G.Bmem(0, xs['H'])} = h_"]
    # x(t + h) by Estrin's scheme: pairs c_2i + c_2i+1 h, then pairs of those with h^2,
    # h^4, ...: about log2(P) dependent fused multiply-adds instead of P (Horner's), on
    # the critical path from one step to the next
    if not _ESTRIN:
        for i in range(n):
            acc = G.B(P, i)
            for k in range(P - 1, -1, -1):
                acc = f"_fma({acc}, h_, {G.B(k, i)})"
            lines.append(f"{G.Bmem(0, xs['NEW'] + i)} = {acc}")
        return lines
    pw = ["h_"]
    for q in range(1, max(1, (P).bit_length())):
        lines.append(f"hp{q}_ = hp{q - 1}_ * hp{q - 1}_" if q > 1 else "hp1_ = h_ * h_")
        pw.append(f"hp{q}_")
    for i in range(n):
        terms = [G.B(k, i) for k in range(P + 1)]
        lvl = 0
        while len(terms) > 1:
            nxt = [f"_fma({terms[j + 1]}, {pw[lvl]}, {terms[j]})"
                   for j in range(0, len(terms) - 1, 2)]
            if len(terms) % 2:
                nxt.append(terms[-1])
            terms = nxt
            lvl += 1
        lines.append(f"{G.Bmem(0, xs['NEW'] + i)} = {terms[0]}")
    return lines


_PY_HELPERS = '''
def _log(x):
    return math.log(x) if x > 0.0 else (-math.inf if x == 0.0 else math.nan)


def _exp(x):
    return math.exp(x) if x < 709.0 else math.inf


def _flog2(x):
    # compiled code uses a branch-free approximation (1e-8); here the exact value
    return math.log2(x) if x > 0.0 else -1023.0


def _fexp2(x):
    return 2.0 ** min(max(x, -1020.0), 1020.0)


def _abs(x):
    return abs(x)


def _min(a, b):
    return a if a < b else b


def _max(a, b):
    return a if a > b else b


def _fma(a, b, c):
    return a * b + c  # fused in compiled code (LLVM's fma); here rounded twice

'''


def _block(lines, W, indent="    "):
    if not lines:
        return []
    if W == 1:
        return [indent + ln for ln in lines]
    return [indent + f"for l in range({W}):"] + [indent + "    " + ln for ln in lines]


def coefficient_source(D, P: int, W: int = 1, events: bool = False) -> str:
    """Source of ``tc(b, g)``: every coefficient up to order P of the states into ``b``
    (nodes up to order P - 1, or P when events need their order-P coefficient), and the
    event functions' coefficients into ``g[(j * (P + 1) + k) * W + l]``.

    With ``W == 1`` the coefficients of the nodes are local variables (kept in registers
    and cheap to compile) and only the states' go to memory; with lanes everything lives
    in ``b`` so that each statement is a loop over lanes at constant offsets."""
    kmax = P if events else P - 1
    G = _Gen(D, P, W, kmax)
    body = []
    lines0 = []
    if W == 1:
        for s in range(D.nslots):
            if D.kind[s] in ("state", "time", "param"):
                lines0.append(f"{G.B(0, s)} = {G.Bmem(0, s)}")
    for s, op, args in D.ops:
        lines0 += G.order0(s, op, args)
        if 1 <= D.deg[s] < INF:  # a polynomial in t: all its coefficients at once
            for k in range(1, min(D.deg[s], kmax) + 1):
                lines0 += G.orderk(s, op, args, k)
    body += _block(lines0, W)
    for k in range(0, kmax + 1):
        lines = []
        if k >= 1:
            for s, op, args in D.ops:
                if D.deg[s] >= INF:
                    lines += G.orderk(s, op, args, k)
        if k <= P - 1:
            lines += G.state_lines(k)
            if W == 1:
                lines += [f"{G.Bmem(k + 1, i)} = {G.B(k + 1, i)}" for i in range(D.n)]
        body += _block(lines, W)
    if W == 1:
        body += _block(step_lines(G, D, P), 1)
    ev = []
    for j, o in enumerate(D.ev_outs):
        for k in range(P + 1):
            c = G.C(o, k)
            ev.append(f"g[{(j * (P + 1) + k) * W}{' + l' if W > 1 else ''}] = "
                      f"{c if c is not None else '0.0'}")
    body += _block(ev, W)
    src = ["@jit", "def tc(b, g):"] + (body or ["    pass"])
    return "\n".join(src) + "\n"


class MemGen(_Gen):
    """:class:`_Gen` with every coefficient in the buffer ``b`` (none in locals): the
    straight-line parts of the compact kernel, whose loops read and write memory."""

    def B(self, k, s):
        return self.Bmem(k, s)


def compact_spec(D, P: int, events: bool = False) -> dict:
    """What :func:`._compact.make_compact_kernel` needs (plain data, written into the
    generated module): the straight-line sources ``pre`` (every coefficient known
    without a loop: order 0 with the reciprocals, constants, the order-1 coefficient of
    t, the nodes that are polynomials in t, the states' order 1) and ``post`` (step
    rule, new state, event outputs), and the state-dependent operations for the loops."""
    kmax = P if events else P - 1
    G = MemGen(D, P, 1, kmax)
    pre = [f"{G.Bmem(0, s)} = {_lit(D.info[s])}" for s in range(D.nslots)
           if D.kind[s] == "const"]
    pre.append(f"{G.Bmem(1, D.t_slot)} = 1.0")  # t = t0 + 1 * tau, for the loops' loads
    R = extra_slots(D, P, "compact")["R"]
    for s, op, args in D.ops:
        lines = G.order0(s, op, args)
        pre += lines
        if any(ln.startswith(f"r{s} = ") for ln in lines):
            pre.append(f"b[{R + s}] = r{s}")  # for the loops, which index it by s
        if 1 <= D.deg[s] < INF:
            for k in range(1, min(D.deg[s], kmax) + 1):
                pre += G.orderk(s, op, args, k)
    pre += G.state_lines(0)
    post = step_lines(G, D, P)
    for j, o in enumerate(D.ev_outs):
        for k in range(P + 1):
            c = G.C(o, k)
            post.append(f"g[{j * (P + 1) + k}] = {c if c is not None else '0.0'}")
    src = lambda lines: "\n".join(["def tc(b, g):"] + ["    " + x for x in lines]  # noqa
                                   + ["    pass"]) + "\n"
    # the state-dependent operations in groups: same level (an operation's level is one
    # more than the highest of the operations whose order-k coefficients it reads, so
    # one level's operations are independent), same operation, same degrees of the
    # arguments; each group is one loop over the rows of a table of slots
    level = {}
    groups = {}
    for s, op, args in D.ops:
        if D.deg[s] < INF:
            continue
        slots = [a for a in args if type(a) is int]
        lv = 1 + max((level[a] for a in slots if a in level), default=0)
        if op == "mul" and args[0] == args[1]:
            op, slots = "sqr", slots[:1]
        level[s] = lv
        if op in ("sincos", "tan", "tanh"):
            level[args[1]] = lv
        elif op == "atan2":
            level[args[2]] = lv
        key = (lv, op, tuple(D.deg[a] for a in slots),
               args[1] if op == "pow" else None)
        groups.setdefault(key, []).append([s] + slots)
    outs_inf = [[i, o] for i, o in enumerate(D.outs) if D.deg[o] >= INF]
    outs_fin = [[i, o] for i, o in enumerate(D.outs) if D.deg[o] < INF]
    return {"pre": src(pre), "post": src(post), "NS": D.nslots, "P": P, "kmax": kmax,
            "R": R,
            "groups": [(op, degs, c, rows) for (lv, op, degs, c), rows in
                       sorted(groups.items(), key=lambda kv: kv[0][0])],
            "outs": [(outs_inf, INF)] + [([r], D.deg[r[1]]) for r in outs_fin]}


def unrolled_terms(D, P: int) -> float:
    """An estimate of the size of the unrolled kernel: the number of products in its
    recurrences (a convolution at order k has about k terms, a square or a square root
    half as many; sums and products by a constant one)."""
    conv = lin = 0.0
    for s, op, args in D.ops:
        if D.deg[s] < INF:
            continue
        if op in ("add", "sub", "neg") or (op == "mul" and 0 in (D.deg[args[0]],
                                                                D.deg[args[1]])) \
                or (op == "div" and D.deg[args[1]] == 0):
            lin += 1
        elif op == "mul" and args[0] == args[1] or op == "sqrt":
            conv += 0.5
        else:
            conv += {"sincos": 2, "tan": 1.5, "tanh": 1.5, "atan2": 5}.get(op, 1)
    return conv * P * (P + 1) / 2 + (lin + D.n) * P


#: above this estimate (:func:`unrolled_terms`) the compact kernel is made; the unrolled
#: kernel's compile time grows about linearly with it (see the package docstring)
COMPACT_ABOVE = 8000.0


def choose_mode(D, P: int, mode=None) -> str:
    """"unrolled" or "compact": ``mode`` if given, else the environment variable
    ``ODEKIT_TAYLOR_MODE`` if set (to one of those two, or "auto"), else by the size
    estimate (:data:`COMPACT_ABOVE`)."""
    if mode is None or mode == "auto":
        mode = os.environ.get("ODEKIT_TAYLOR_MODE", "auto") or "auto"
    if mode == "auto":
        return "compact" if unrolled_terms(D, P) > COMPACT_ABOVE else "unrolled"
    if mode not in ("unrolled", "compact"):
        raise ValueError(f"mode must be 'auto', 'unrolled' or 'compact', got {mode!r}")
    return mode


def _template(name, events=True):
    """The text after the template marker; without events, the blocks between
    ``# >>> events`` and ``# <<< events`` are left out (less to compile)."""
    with open(os.path.join(_HERE, name), encoding="utf-8") as fh:
        text = fh.read()
    text = text.split("# --- template ---\n", 1)[1]
    if events:
        return text
    out, skip = [], False
    for line in text.splitlines(keepends=True):
        tag = line.strip()
        if tag == "# >>> events":
            skip = True
        elif tag == "# <<< events":
            skip = False
        elif not skip:
            out.append(line)
    return "".join(out)


def get_module(D, P: int, W: int = 1, mode=None):
    """The compiled module of decomposition ``D`` at order ``P`` with ``W`` lanes,
    unrolled or compact (:func:`choose_mode`; the module's ``MODE`` says which).

    Its source (coefficient kernels and the driver) is written to odekit's kernel cache
    directory under a name made of a hash of the source, so that Numba's disk cache
    serves a repeat in a fresh process without compiling.
    """
    events = len(D.ev_outs) > 0
    mode = "unrolled" if _jit.DISABLED else choose_mode(D, P, mode)
    key = (D.digest(), P, W, mode)
    mod = _MODULES.get(key)
    if mod is not None:
        return mod
    with _LOCK:
        mod = _MODULES.get(key)
        if mod is not None:
            return mod
        from .._codegen import kernel_cache_dir, write_cached_source

        header = ["# generated by odekit.integrate.taylor: the Taylor coefficients of one",
                  "# right-hand side at one order (see odekit/integrate/taylor/_codegen.py)",
                  "import math", "", f"W = {W}", f"MODE = {mode!r}", ""]
        if _jit.DISABLED:  # plain Python: the coefficient source itself
            kernel = ("def jit(f):\n    return f\n\n" + _PY_HELPERS + "\n"
                      + coefficient_source(D, P, 1, events) + "\n\n" + init_source(D))
        else:  # the one-lane source lowered to LLVM IR on W lanes (see ._llvm), made
            # C-callable so that the driver, compiled once, calls it by address; or the
            # compact kernel's loops (see ._compact)
            if mode == "compact":
                spec = compact_spec(D, P, events)
                make = ("from odekit.integrate.taylor._compact import make_compact_kernel\n"
                        f"\n_SPEC = {spec!r}\n\n_kern = make_compact_kernel(_SPEC, W)\n")
            else:
                one = coefficient_source(D, P, 1, events)
                make = f"\n_TC_SRC = {one!r}\n\n_kern = make_kernel(_TC_SRC, W)\n"
            kernel = ("from numba import cfunc, types\n"
                      "from odekit.integrate.taylor._llvm import make_kernel\n"
                      + make +
                      "_PTR = types.CPointer(types.float64)\n\n\n"
                      "@cfunc(types.void(_PTR, _PTR), cache=True, error_model='numpy')\n"
                      "def tc(b, g):\n    _kern(b, g)\n\n\n"
                      f"_TI_SRC = {init_source(D)!r}\n\n_init = make_kernel(_TI_SRC, W)\n\n\n"
                      "@cfunc(types.void(_PTR, _PTR), cache=True, error_model='numpy')\n"
                      "def ti(b, g):\n    _init(b, g)\n")
        source = "\n".join(header) + kernel
        from ... import __version__

        h = hashlib.sha256()
        lowering = ""
        for name in ("_llvm.py", "_compact.py"):
            with open(os.path.join(_HERE, name), encoding="utf-8") as fh:
                lowering += fh.read()
        for part in (__version__, numba.__version__, np.__version__, sys.version, source,
                     lowering):
            h.update(part.encode())
            h.update(b"\0")
        digest = h.hexdigest()[:20]
        modname = f"_odekit_kernel_taylor_{digest}"
        directory = None if _jit.DISABLED else kernel_cache_dir()
        if directory is not None:
            path = write_cached_source(directory, modname, source)
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod
            spec.loader.exec_module(mod)
        else:
            mod = types.ModuleType(modname)
            mod.__file__ = f"<odekit taylor kernel {digest}>"
            sys.modules[modname] = mod
            exec(compile(source, mod.__file__, "exec"), mod.__dict__)
        _MODULES[key] = mod
        return mod
