"""The scalar Taylor driver, compiled once per installation.

Each right-hand side's coefficient kernel is a C-callable function (a Numba ``cfunc``
made by :mod:`._codegen`); the driver receives its address and calls it through
:func:`._llvm.call_address`, so a new right-hand side compiles only its kernel. The order
``P``, the slot count ``NS``, the states ``N``, the events ``NEV`` and the time slot
``TS`` are run-time values in ``cfg = [P, NS, N, NEV, TS]``.

The driver is resumable: it returns when an output buffer is full (status 2) and is
called again with larger buffers, from where it stopped. Status codes in ``ic[0]``: 0
reached t1; 1 terminal event; 2 buffer full (call again); -2 non-finite state or
coefficients; -3 max_steps reached. Every loop is bounded (``max_steps``; 200 bisection
halvings).
"""

import math

import numpy as np

from ... import _jit
from ..._jit import jit

if _jit.DISABLED:
    def _call(addr, b, g):
        addr(b, g)  # without compilation the "address" is the Python kernel itself

else:
    from ._llvm import call_address as _call


NSUB = 16  # sub-intervals per step on which the event polynomials are sampled


@jit
def _horner(b, i, tau, P, NS):
    acc = b[P * NS + i]
    for k in range(P - 1, -1, -1):
        acc = acc * tau + b[k * NS + i]
    return acc


@jit
def _gpoly(g, j, tau, P):
    o = j * (P + 1)
    acc = g[o + P]
    for k in range(P - 1, -1, -1):
        acc = acc * tau + g[o + k]
    return acc


@jit
def _bisect(g, j, a, b, ga, P):
    # root of the polynomial j of g between tau = a and b (sign change, ga = g(a))
    for _ in range(200):
        m = 0.5 * (a + b)
        if m == a or m == b:
            break
        gm = _gpoly(g, j, m, P)
        if gm == 0.0:
            return m
        if (gm < 0.0) == (ga < 0.0):
            a = m
            ga = gm
        else:
            b = m
    return b


@jit
def _first_root(g, j, h, direction, tau_lo, tau_hi, P):
    """The first root in (tau_lo, tau_hi] (along the direction of h) of event j with the
    requested direction, by sampling NSUB sub-intervals of the step and bisecting; NaN
    if none."""
    ga = _gpoly(g, j, tau_lo, P)
    a = tau_lo
    for q in range(1, NSUB + 1):
        bb = tau_lo + (tau_hi - tau_lo) * (q / NSUB) if q < NSUB else tau_hi
        gb = _gpoly(g, j, bb, P)
        hit = False
        if ga < 0.0 and gb >= 0.0:
            hit = direction >= 0.0
        elif ga > 0.0 and gb <= 0.0:
            hit = direction <= 0.0
        if hit:
            if gb == 0.0:
                return bb
            return _bisect(g, j, a, bb, ga, P)
        a = bb
        ga = gb
    return math.nan


@jit
def run(addr, cfg, b, gb, ic, fc, t1, h_max, max_steps, te, out_t, out_y, d_t, d_h, d_c,
        ev_dir, ev_term, ev_t, ev_y, ev_n):
    """Advance from t = fc[0] (state in b[0:N]) towards t1.

    ic: [status, nsteps, n_out, i_te, n_dense, want_steps, want_dense, direction index];
    fc: [t, last h]. Outputs: every step's end into out_t/out_y when want_steps (cap
    out_t.size), t_eval points into out_y[:, i_te] (te non-empty), dense coefficients
    d_c[k] (P + 1, N) when want_dense, events into ev_t[j, ev_n[j]], ev_y[j, ., :]."""
    P, NS, N, NEV, TS, X = cfg[0], cfg[1], cfg[2], cfg[3], cfg[4], cfg[5]
    t = fc[0]
    dirn = 1.0 if t1 >= t else -1.0
    nsteps = ic[1]
    n_out = ic[2]
    i_te = ic[3]
    n_d = ic[4]
    want_steps = ic[5] != 0
    want_dense = ic[6] != 0
    ev_cap = ev_t.shape[1] if NEV > 0 else 0
    status = 0
    while True:
        if t == t1:
            status = 0
            break
        if nsteps >= max_steps:
            status = -3
            break
        if (want_steps and n_out >= out_t.shape[0]) or (want_dense and n_d >= d_t.shape[0]):
            status = 2
            break
        full = False
        for j in range(NEV):
            if ev_n[j] + P + 1 >= ev_cap:
                full = True
        if full:
            status = 2
            break
        rem = abs(t1 - t)
        b[TS] = t
        b[X] = h_max if h_max < rem else rem
        b[X + 1] = dirn
        _call(addr, b, gb)  # coefficients, step (heyoka's rule) and the new state
        h = b[X + 2]
        last = abs(h) >= rem
        if h != h:
            status = -2
            break
        stop = False
        if NEV > 0:
            # earliest terminal root
            tau_t = h
            for j in range(NEV):
                if ev_term[j]:
                    r = _first_root(gb, j, h, ev_dir[j], 0.0, tau_t, P)
                    if r == r:
                        tau_t = r
                        stop = True
            for j in range(NEV):
                lo = 0.0
                while True:
                    r = _first_root(gb, j, h, ev_dir[j], lo, tau_t, P)
                    if r != r or ev_n[j] >= ev_cap:
                        break
                    k = ev_n[j]
                    ev_t[j, k] = t + r
                    for i in range(N):
                        ev_y[j, k, i] = _horner(b, i, r, P, NS)
                    ev_n[j] = k + 1
                    if ev_term[j] and stop and r == tau_t:
                        break
                    if r == tau_t:
                        break
                    lo = r
            if stop:
                h = tau_t
                last = True
        # t_eval points in this step
        if te.shape[0] > 0:
            t_end = t1 if (last and not stop) else t + h
            while i_te < te.shape[0] and dirn * (te[i_te] - t_end) <= 0.0:
                tau = te[i_te] - t
                for i in range(N):
                    out_y[i, i_te] = _horner(b, i, tau, P, NS)
                i_te += 1
        if want_dense:
            d_t[n_d] = t
            d_h[n_d] = h
            for k in range(P + 1):
                for i in range(N):
                    d_c[n_d, k, i] = b[k * NS + i]
            n_d += 1
        fin = True
        if stop:  # truncated at a terminal event: the state there
            for i in range(N):
                b[X + 3 + i] = _horner(b, i, h, P, NS)
        for i in range(N):
            v = b[X + 3 + i]
            if v - v != 0.0:
                fin = False
            b[i] = v
        nsteps += 1
        t = t1 if (last and not stop) else t + h
        fc[1] = h
        if want_steps:
            out_t[n_out] = t
            for i in range(N):
                out_y[i, n_out] = b[i]
            n_out += 1
        if not fin:
            status = -2
            break
        if stop:
            status = 1
            break
    fc[0] = t
    ic[0] = status
    ic[1] = nsteps
    ic[2] = n_out
    ic[3] = i_te
    ic[4] = n_d


@jit
def call_kernel(addr, b, g):
    """Run a coefficient kernel once (for tests and tools): fills ``b`` and ``g``."""
    _call(addr, b, g)


@jit
def run_plain(addr, cfg, b, ic, fc, t1, h_max, max_steps, te, out_t, out_y):
    """:func:`run` without events and dense output (fewer arguments to pass from
    Python: the dispatch cost matters at a few microseconds per solve)."""
    e1 = np.empty(0)
    e3 = np.empty((0, 0, 0))
    run(addr, cfg, b, e1, ic, fc, t1, h_max, max_steps, te, out_t, out_y, e1, e1, e3,
        e1, np.empty(0, dtype=np.bool_), np.empty((0, 0)), e3, np.empty(0, dtype=np.int64))


@jit
def solve_plain(addr, cfg, nbuf, y0, p, p0, t0, t1, h_max, max_steps, te):
    """A whole solve without events or dense output, buffers made here (Python only
    packages the result). Returns (t, y (N, k), status, nsteps, t reached)."""
    N = cfg[2]
    NU = y0.shape[0]
    b = np.zeros(nbuf)
    for i in range(NU):
        b[i] = y0[i]
    for i in range(p.shape[0]):
        b[p0 + i] = p[i]
    ic = np.zeros(8, dtype=np.int64)
    fc = np.zeros(2)
    fc[0] = t0
    if te.shape[0] == 0:
        cap = 256
        out_t = np.empty(cap)
        out_y = np.empty((N, cap))
        out_t[0] = t0
        for i in range(N):
            out_y[i, 0] = b[i]
        ic[2] = 1
        ic[5] = 1
        for _ in range(64):  # doubling: at most 2**70 outputs
            run_plain(addr, cfg, b, ic, fc, t1, h_max, max_steps, te, out_t, out_y)
            if ic[0] != 2:
                break
            t2 = np.empty(2 * out_t.shape[0])
            y2 = np.empty((N, 2 * out_t.shape[0]))
            t2[:out_t.shape[0]] = out_t
            y2[:, :out_t.shape[0]] = out_y
            out_t = t2
            out_y = y2
        k = ic[2]
        return out_t[:k].copy(), out_y[:NU, :k].copy(), ic[0], ic[1], fc[0]
    out_y = np.empty((N, te.shape[0]))
    run_plain(addr, cfg, b, ic, fc, t1, h_max, max_steps, te, np.empty(0), out_y)
    k = ic[3]
    return te[:k].copy(), out_y[:NU, :k].copy(), ic[0], ic[1], fc[0]


@jit
def solve_fast(cfg, y0, p, t0, t1, max_steps):
    """:func:`solve_plain` for the repeat call, with fewer arguments to pass from Python
    (the kernel address, ``nbuf`` and ``p0`` are ``cfg[8:11]``; no t_eval; no step bound)
    and one array back: ``Z`` (NU + 1, k), the times in row 0 and the states below.
    Returns (Z, status, nsteps, t reached); status -4: y0 or p is not finite (nothing
    was integrated; the caller reports it)."""
    for i in range(y0.shape[0]):
        if not math.isfinite(y0[i]):
            return np.empty((0, 0)), -4, 0, t0
    for i in range(p.shape[0]):
        if not math.isfinite(p[i]):
            return np.empty((0, 0)), -4, 0, t0
    addr = cfg[8]
    N = cfg[2]
    NU = y0.shape[0]
    p0 = cfg[10]
    nbuf = cfg[9]
    # few allocations (about 35 ns each; 5 instead of 11 saved 0.15 us per call): fc at
    # the end of b, the times and states in one array, the driver's unused arrays as
    # empty views of one
    b = np.zeros(nbuf + 2)
    fc = b[nbuf:]
    for i in range(NU):
        b[i] = y0[i]
    for i in range(p.shape[0]):
        b[p0 + i] = p[i]
    ic = np.zeros(8, dtype=np.int64)
    fc[0] = t0
    cap = 256
    O = np.empty((N + 1, cap))
    O[0, 0] = t0
    for i in range(N):
        O[i + 1, 0] = b[i]
    ic[2] = 1
    ic[5] = 1
    e1 = b[:0]
    e2 = e1.reshape((0, 0))
    e3 = e1.reshape((0, 0, 0))
    ei = ic[:0]
    for _ in range(64):  # doubling: at most 2**70 outputs
        run(addr, cfg, b, e1, ic, fc, t1, math.inf, max_steps, e1, O[0], O[1:], e1, e1, e3,
            e1, ei, e2, e3, ei)
        if ic[0] != 2:
            break
        O2 = np.empty((N + 1, 2 * O.shape[1]))
        O2[:, :O.shape[1]] = O
        O = O2
    k = ic[2]
    Z = O[:NU + 1, :k].copy()
    return Z, ic[0], ic[1], fc[0]
