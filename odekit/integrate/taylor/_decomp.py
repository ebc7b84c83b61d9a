"""Decomposition of a traced graph into elementary operations with buffer slots.

Every node reachable from the outputs gets a *slot*: a column of the coefficient buffer
holding its normalised Taylor coefficients ``u^[k] = u^(k)(t) / k!``. Each node also has a
*degree* in the sense of polynomials in ``t``: constants and parameters have degree 0
(only ``u^[0]`` is non-zero), ``t`` degree 1, sums and products of them the obvious
degree, and everything that depends on the state ``INF``. Coefficients above a node's
degree are known zeros: the generated recurrences drop every term that contains one, and
they are never stored.

Auxiliary slots carry the companions that some recurrences need: ``cos`` for ``sin`` (and
the reverse; both are computed together), ``1 + w^2`` for ``w = tan u``, ``1 - w^2`` for
``tanh``, ``x^2 + y^2`` for ``atan2(y, x)``.
"""

from __future__ import annotations

import hashlib

__all__ = ["Decomposition", "decompose", "INF"]

INF = 1 << 30


class Decomposition:
    """Slots, degrees and the elementary operations of a traced right-hand side.

    Attributes
    ----------
    n, m : int
        Numbers of states and parameters.
    ops : list of (slot, op, args)
        In evaluation order; args are slots (or a float exponent for ``pow``), the
        companions of sin/cos/tan/tanh/atan2 are given as extra args.
    deg : list of int
        Degree in t of each slot.
    outs : list
        Slot of dy_i/dt, or ``("const", value)``.
    ev_outs : list
        The same for each event function.
    consts : dict slot -> value of constant slots (inlined as literals)
    """

    def __init__(self):
        self.nslots = 0
        self.kind = []     # "state", "time", "param", "const", "op", "aux"
        self.info = []     # index for state/param, value for const
        self.deg = []
        self.ops = []
        self.outs = []
        self.ev_outs = []
        self.n = 0
        self.m = 0

    def new(self, kind, info, deg):
        s = self.nslots
        self.nslots += 1
        self.kind.append(kind)
        self.info.append(info)
        self.deg.append(deg)
        return s

    def text(self) -> str:
        """A canonical text of the decomposition (its cache key)."""
        lines = [f"n={self.n} m={self.m} slots={self.nslots}"]
        for s in range(self.nslots):
            lines.append(f"{s} {self.kind[s]} {self.info[s]!r} {self.deg[s]}")
        for op in self.ops:
            lines.append(repr(op))
        lines.append(repr(self.outs))
        lines.append(repr(self.ev_outs))
        return "\n".join(lines)

    def digest(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()[:16]


def _dmax(a, b):
    return max(a, b)


def _dadd(a, b):
    return INF if a >= INF or b >= INF else a + b


def decompose(graph, outs, ev_outs, n, m) -> Decomposition:
    """Turn the graph of :func:`odekit.integrate.taylor._trace.trace` into slots."""
    D = Decomposition()
    D.n, D.m = n, m
    D.n_user = n
    nodes = graph.nodes
    need = _needed(nodes, outs, ev_outs)
    # sin/cos of an argument linear in t (omega t + phi: cos 2t of a Mathieu equation)
    # are carried as two extra states, s' = omega c, c' = -omega s, so that no step
    # calls sin or cos; their values at t0 come from the init kernel
    gdeg = _graph_degrees(nodes, need)
    lin_args = sorted({nodes[j][1][0] for j in need if nodes[j][0] in ("sin", "cos")
                       and gdeg[nodes[j][1][0]] == 1})
    # states first (slots 0..N-1, so the driver finds them), then time and parameters
    slot_of = {}
    for i in range(n):
        slot_of[("state", i)] = D.new("state", i, INF)
    lin_slots = {}
    for a in lin_args:
        lin_slots[a] = (D.new("state", ("sin", a), INF), D.new("state", ("cos", a), INF))
    D.n = n + 2 * len(lin_args)
    D.t_slot = D.new("time", None, 1)
    for i in range(m):
        slot_of[("param", i)] = D.new("param", i, 0)
    node_slot = {}
    pair_done = {}  # arg slot -> (sin slot, cos slot)
    D.init = []  # (sin slot, cos slot, argument slot): the extra states' values at t0
    lin_outs = []
    for j in sorted(need):
        op, args = nodes[j]
        if op in ("sin", "cos") and args[0] in lin_slots:
            a = node_slot[args[0]]
            ss, cs = lin_slots[args[0]]
            if a not in pair_done:
                pair_done[a] = (ss, cs)
                om = D.new("op", "dlin", 0)  # omega: the coefficient of t in a
                D.ops.append((om, "dlin", (a,)))
                ds = D.new("op", "mul", INF)
                D.ops.append((ds, "mul", (om, cs)))
                dc0 = D.new("op", "mul", INF)
                D.ops.append((dc0, "mul", (om, ss)))
                dc = D.new("op", "neg", INF)
                D.ops.append((dc, "neg", (dc0,)))
                lin_outs += [ds, dc]
                D.init.append((ss, cs, a))
            node_slot[j] = pair_done[a][0 if op == "sin" else 1]
            continue
        _slot_node(D, nodes, j, op, args, slot_of, node_slot, pair_done)
    D.outs = [node_slot[j] for j in outs] + lin_outs
    D.ev_outs = [node_slot[j] for j in ev_outs]
    return D


def _needed(nodes, outs, ev_outs):
    need = set()
    stack = list(outs) + list(ev_outs)
    while stack:
        j = stack.pop()
        if j in need:
            continue
        need.add(j)
        op, args = nodes[j]
        if op in ("add", "sub", "mul", "div", "atan2"):
            stack.extend(args)
        elif op in ("neg", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh"):
            stack.append(args[0])
        elif op == "pow":
            stack.append(args[0])
    return need


def _graph_degrees(nodes, need):
    deg = {}
    for j in sorted(need):
        op, args = nodes[j]
        if op in ("const", "param"):
            d = 0
        elif op == "time":
            d = 1
        elif op == "state":
            d = INF
        elif op in ("add", "sub"):
            d = max(deg[args[0]], deg[args[1]])
        elif op == "mul":
            d = _dadd(deg[args[0]], deg[args[1]])
        elif op == "div":
            d = deg[args[0]] if deg[args[1]] == 0 else INF
        elif op == "neg":
            d = deg[args[0]]
        elif op == "pow":
            d = 0 if deg[args[0]] == 0 else INF
        else:
            d = 0 if all(deg[a] == 0 for a in args) else INF
        deg[j] = d
    return deg


def _slot_node(D, nodes, j, op, args, slot_of, node_slot, pair_done):
    if True:
        if op == "state":
            node_slot[j] = slot_of[("state", args[0])]
            return
        if op == "param":
            node_slot[j] = slot_of[("param", args[0])]
            return
        if op == "time":
            node_slot[j] = D.t_slot
            return
        if op == "const":
            node_slot[j] = D.new("const", args[0], 0)
            return
        if op == "pow":
            a = node_slot[args[0]]
            da = D.deg[a]
            s = D.new("op", op, 0 if da == 0 else INF)
            D.ops.append((s, "pow", (a, float(args[1]))))
            node_slot[j] = s
            return
        sa = [node_slot[a] for a in args]
        ds = [D.deg[a] for a in sa]
        if op in ("add", "sub"):
            d = _dmax(*ds)
        elif op == "mul":
            d = _dadd(*ds)
        elif op == "div":
            d = ds[0] if ds[1] == 0 else INF
        elif op == "neg":
            d = ds[0]
        else:
            d = 0 if all(x == 0 for x in ds) else INF
        if op in ("sin", "cos"):
            a = sa[0]
            if a not in pair_done:
                ss = D.new("op", "sin", d)
                cs = D.new("op", "cos", d)
                D.ops.append((ss, "sincos", (a, cs)))
                pair_done[a] = (ss, cs)
            node_slot[j] = pair_done[a][0 if op == "sin" else 1]
            return
        s = D.new("op", op, d)
        if op in ("tan", "tanh", "atan2") and d != 0:
            aux = D.new("aux", op, INF)
            D.ops.append((s, op, tuple(sa) + (aux,)))
        else:
            D.ops.append((s, op, tuple(sa)))
        node_slot[j] = s
