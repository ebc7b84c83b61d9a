"""Rooted trees and elementary weights, for the order conditions of Runge–Kutta methods.

A rooted tree is a sorted tuple of its subtrees (the one-node tree is ``()``). A method
(A, b) has order p when, for every tree t with |t| <= p,
``Σ_i b_i Φ_i(t) = 1 / γ(t)``, where ``Φ_i(•) = 1``,
``Φ_i([t_1, ..., t_m]) = Π_k Σ_j a_ij Φ_j(t_k)``, ``γ(•) = 1`` and
``γ([t_1, ..., t_m]) = |t| Π_k γ(t_k)`` (Butcher; Hairer, Nørsett & Wanner I, II.2).
A dense output with weights ``b_i(θ)`` has order q when
``Σ_i b_i(θ) Φ_i(t) = θ^|t| / γ(t)`` for every |t| <= q and every θ.

Everything here is independent of odekit: plain Python with mpmath numbers.
"""

from functools import lru_cache

import mpmath as mp

# the number of rooted trees with n nodes (OEIS A000081): a check of the generator
TREE_COUNTS = {1: 1, 2: 1, 3: 2, 4: 4, 5: 9, 6: 20, 7: 48, 8: 115, 9: 286, 10: 719}


@lru_cache(maxsize=None)
def trees(n):
    """All rooted trees with n nodes, each once (canonical sorted tuples)."""
    if n == 1:
        return ((),)
    out = set()
    for forest in _forests(n - 1, None):
        out.add(tuple(sorted(forest)))
    return tuple(sorted(out, key=repr))


def _forests(n, max_tree):
    """Multisets of trees with n nodes in all, as non-increasing sequences (by a total
    order on (size, repr)) so that each multiset comes out once."""
    if n == 0:
        yield ()
        return
    for k in range(n, 0, -1):
        for t in trees(k):
            key = (k, repr(t))
            if max_tree is not None and key > max_tree:
                continue
            for rest in _forests(n - k, key):
                yield (t,) + rest


def order_of(t):
    return 1 + sum(order_of(u) for u in t)


def gamma(t):
    g = order_of(t)
    for u in t:
        g *= gamma(u)
    return g


class Weights:
    """Φ(t) for one matrix A (mpmath numbers), memoised over trees."""

    def __init__(self, A):
        self.A = A
        self.S = len(A)
        self._phi = {}
        self._aphi = {}

    def phi(self, t):
        v = self._phi.get(t)
        if v is None:
            v = [mp.mpf(1)] * self.S
            for u in t:
                au = self.aphi(u)
                v = [x * y for x, y in zip(v, au)]
            self._phi[t] = v
        return v

    def aphi(self, t):
        v = self._aphi.get(t)
        if v is None:
            ph = self.phi(t)
            v = [mp.fsum(self.A[i][j] * ph[j] for j in range(i)) for i in range(self.S)]
            self._aphi[t] = v
        return v


def residuals(w: Weights, b, max_order):
    """{tree: Σ b_i Φ_i(t) − 1/γ(t)} for every tree up to ``max_order`` (b may be shorter
    than the number of stages: the missing weights are 0)."""
    out = {}
    for n in range(1, max_order + 1):
        for t in trees(n):
            ph = w.phi(t)
            out[t] = mp.fsum(bi * ph[i] for i, bi in enumerate(b)) - mp.mpf(1) / gamma(t)
    return out


def dense_residuals(w: Weights, R, max_order):
    """Largest |coefficient| of Σ_i b_i(θ) Φ_i(t) − θ^|t|/γ(t) (a polynomial in θ) for
    every tree up to ``max_order``; ``R[i][d]`` is the coefficient of θ^(d+1) in b_i(θ)."""
    D = len(R[0])
    worst = {}
    for n in range(1, max_order + 1):
        for t in trees(n):
            ph = w.phi(t)
            m = mp.mpf(0)
            for d in range(D):
                v = mp.fsum(R[i][d] * ph[i] for i in range(len(R)))
                if d + 1 == n:
                    v -= mp.mpf(1) / gamma(t)
                m = max(m, abs(v))
            worst[t] = m
    return worst


def mp_value(text):
    """A coefficient string of odekit's data modules as an mpmath number: ``p/q``,
    ``p/q + r/s*sqrt(k)`` or a decimal (parsed here, independently of odekit)."""
    import re
    from fractions import Fraction

    s = text.replace(" ", "")
    m = re.fullmatch(r"(-?\d+(?:/\d+)?)([-+])(\d+(?:/\d+)?)\*sqrt\((\d+)\)", s)
    if m:
        a, b = Fraction(m.group(1)), Fraction(m.group(3))
        r = mp.mpf(a.numerator) / a.denominator
        q = mp.mpf(b.numerator) / b.denominator * mp.sqrt(int(m.group(4)))
        return r + q if m.group(2) == "+" else r - q
    if re.fullmatch(r"-?\d+(/\d+)?", s):
        f = Fraction(s)
        return mp.mpf(f.numerator) / f.denominator
    return mp.mpf(s)


def exact_arrays(tab):
    """(A, b, E, R) of a registered tableau as lists of mpmath numbers: from its data
    module's published values when it has one, else from its float64 arrays."""
    S, s, D = tab.n_total, tab.n_stages, tab.dense_degree
    if tab.source is None:
        A = [[mp.mpf(float(x)) for x in row] for row in tab.A]
        b = [mp.mpf(float(x)) for x in tab.b]
        E = [mp.mpf(float(x)) for x in tab.E]
        R = [[mp.mpf(float(x)) for x in row] for row in tab.P]
        return A, b, E, R
    mod = tab.source
    A = [[mp.mpf(0)] * S for _ in range(S)]
    for (i, j), v in mod.A.items():
        A[i - 1][j - 1] = mp_value(v)
    b = [mp.mpf(0)] * s
    for i, v in mod.B.items():
        b[i - 1] = mp_value(v)
    E = [mp.mpf(0)] * (s + 1)
    for i, v in mod.E.items():
        E[i - 1] = mp_value(v)
    R = [[mp.mpf(0)] * D for _ in range(S)]
    for (i, d), v in mod.R.items():
        R[i - 1][d - 1] = mp_value(v)
    return A, b, E, R
