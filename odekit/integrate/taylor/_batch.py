"""The batch driver: W trajectories advanced together in the SIMD lanes of one kernel.

The coefficient kernel made for ``W`` lanes (:mod:`._llvm`) computes every coefficient,
the step size and the new state of all lanes at once, as ``<W x double>`` vector
arithmetic; the buffer holds slot ``s`` of lane ``l`` at ``b[s * W + l]``. Each lane has
its own time, step size and end: a lane that is done gets a step cap of 0 (its state does
not move) until every lane of the batch is done.

Per lane, the arithmetic is exactly that of the scalar solve (the same IR on vectors; no
fast-math), so an ensemble member is bitwise equal to :func:`solve_taylor` of the same
problem at the same tolerance, whatever its batch-mates, the batch width and the number
of threads. Batches are spread over Numba's threads in fixed chunks; each chunk allocates
its buffer once.
"""

import math

import numpy as np

from ... import _jit
from ..._jit import jit, prange
from ._driver import _call, run


@jit
def _horner_lane(b, W, lane, i, tau, P, NS):
    # the same operations, in the same order, as _driver._horner on one lane
    acc = b[(P * NS + i) * W + lane]
    for k in range(P - 1, -1, -1):
        acc = acc * tau + b[(k * NS + i) * W + lane]
    return acc


@jit
def run_batch(addr, cfg, W, b, g, tl, done, t1, h_max, max_steps, te, out, col, status,
              nsteps, chk):
    """Advance the W lanes of ``b`` from their times ``tl`` to t1.

    out: (W, N, m_out) outputs at te (or the final state in column 0 when te is empty);
    col, status, nsteps: per lane (output column reached, 0 / -2 / -3, steps)."""
    P, NS, N, TS, X = cfg[0], cfg[1], cfg[2], cfg[4], cfg[5]
    n_te = te.shape[0]
    for _ in range(max_steps + 1):
        alive = 0
        for lane in range(W):
            if done[lane]:
                b[X * W + lane] = 0.0
                continue
            t = tl[lane]
            if nsteps[lane] >= max_steps:
                status[lane] = -3
                done[lane] = True
                b[X * W + lane] = 0.0
                continue
            alive += 1
            rem = abs(t1 - t)
            b[TS * W + lane] = t
            b[X * W + lane] = h_max if h_max < rem else rem
            b[(X + 1) * W + lane] = 1.0 if t1 >= t else -1.0
        if alive == 0:
            break
        _call(addr, b, g)
        if n_te > 0:
            for lane in range(W):
                if done[lane]:
                    continue
                t = tl[lane]
                dirn = 1.0 if t1 >= t else -1.0
                h = b[(X + 2) * W + lane]
                t_end = t1 if abs(h) >= abs(t1 - t) else t + h
                c = col[lane]
                while c < n_te and dirn * (te[c] - t_end) <= 0.0:
                    tau = te[c] - t
                    for i in range(N):
                        out[lane, i, c] = _horner_lane(b, W, lane, i, tau, P, NS)
                    c += 1
                col[lane] = c
        # the new states of all lanes: one contiguous block (slots NEW..NEW+N-1 to
        # 0..N-1; a done lane has h = 0, so its state is unchanged); chk is NaN for a
        # lane with a non-finite value
        for lane in range(W):
            chk[lane] = 0.0
        o_new = (X + 3) * W
        for q in range(N * W):
            v = b[o_new + q]
            b[q] = v
            chk[q % W] += v * 0.0
        for lane in range(W):
            if done[lane]:
                continue
            t = tl[lane]
            h = b[(X + 2) * W + lane]
            t_end = t1 if abs(h) >= abs(t1 - t) else t + h
            nsteps[lane] += 1
            tl[lane] = t_end
            if chk[lane] != 0.0 or h != h:
                status[lane] = -2
                done[lane] = True
            elif t_end == t1:
                done[lane] = True
                if n_te == 0:
                    for i in range(N):
                        out[lane, i, 0] = b[i * W + lane]


@jit(parallel=True)
def run_ensemble(addr, addr_init, cfg, W, nbuf, Y, Pm, t0, t1, h_max, max_steps, te, out, status,
                 nfev, nchunks):
    """Every trajectory of ``Y`` (k, N) / ``Pm`` (k, M), in batches of W lanes (the last
    batch padded with copies of the last member), chunks of batches on threads."""
    k, NU = Y.shape
    M = Pm.shape[1]
    N, TS, n_init = cfg[2], cfg[4], cfg[6]
    nb = (k + W - 1) // W
    m_out = out.shape[2]
    for ch in prange(nchunks):
        b = np.zeros(nbuf * W)
        g = np.zeros(W)
        tl = np.empty(W)
        done = np.zeros(W, dtype=np.bool_)
        o = np.empty((W, N, m_out))
        col = np.zeros(W, dtype=np.int64)
        st = np.zeros(W, dtype=np.int64)
        ns = np.zeros(W, dtype=np.int64)
        chk = np.zeros(W)
        for bi in range(ch * nb // nchunks, (ch + 1) * nb // nchunks):
            for lane in range(W):
                j = bi * W + lane
                if j >= k:
                    j = k - 1
                for i in range(NU):
                    b[i * W + lane] = Y[j, i]
                for i in range(M):
                    b[(TS + 1 + i) * W + lane] = Pm[j, i]
                tl[lane] = t0
                b[TS * W + lane] = t0
                done[lane] = False
                col[lane] = 0
                st[lane] = 0
                ns[lane] = 0
            o[:] = np.nan
            if n_init > 0:  # the extra sin/cos states at t0
                _call(addr_init, b, g)
            run_batch(addr, cfg, W, b, g, tl, done, t1, h_max, max_steps, te, o, col, st,
                      ns, chk)
            for lane in range(W):
                j = bi * W + lane
                if j < k:
                    status[j] = st[lane]
                    nfev[j] = ns[lane]
                    if st[lane] == 0:
                        for i in range(NU):
                            for c in range(m_out):
                                out[j, i, c] = o[lane, i, c]


@jit
def run_members(addr, addr_init, cfg, nbuf, p0, Y, Pm, t0, t1, max_steps, te, ev_dir, ev_term,
                out, status, nfev, t_final):
    """Every trajectory of ``Y`` (k, NU) / ``Pm`` (k, M) in turn through the scalar
    driver (:func:`._driver.run`, so each is exactly its scalar solve), with events.

    Fills ``out`` (k, NU, m_out) (the t_eval states, or the final state in column 0),
    ``status``, ``nfev``, ``t_final``; returns the events of all members in the order
    member, event, time: (times (q,), states (q, NU), event index (q,), member (q,)).
    The buffers are allocated once and doubled when full (the driver stops before a step
    that could overflow them and resumes where it stopped)."""
    P, N, NEV, TS, n_init = cfg[0], cfg[2], cfg[3], cfg[4], cfg[6]
    k, NU = Y.shape
    M = Pm.shape[1]
    n_te = te.shape[0]
    b = np.zeros(nbuf)
    gb = np.zeros(max(1, NEV * (P + 1)))
    ecap = 4 * (P + 1)
    ev_t = np.empty((NEV, ecap))
    ev_y = np.empty((NEV, ecap, N))
    ev_n = np.zeros(NEV, dtype=np.int64)
    ic = np.zeros(8, dtype=np.int64)
    fc = np.zeros(2)
    out_y = np.empty((N, max(n_te, 1)))
    e1 = np.empty(0)
    e3 = np.empty((0, 0, 0))
    scap = 64
    st_t = np.empty(scap)
    st_y = np.empty((scap, NU))
    st_j = np.empty(scap, dtype=np.int64)
    st_i = np.empty(scap, dtype=np.int64)
    used = 0
    for i in range(k):
        for q in range(nbuf):
            b[q] = 0.0
        for q in range(NU):
            b[q] = Y[i, q]
        for q in range(M):
            b[p0 + q] = Pm[i, q]
        if n_init > 0:  # the extra sin/cos states at t0
            b[TS] = t0
            _call(addr_init, b, gb)
        for q in range(8):
            ic[q] = 0
        fc[0] = t0
        fc[1] = 0.0
        for j in range(NEV):
            ev_n[j] = 0
        for _ in range(64):  # doubling: at most 2**70 events
            run(addr, cfg, b, gb, ic, fc, t1, math.inf, max_steps, te, e1, out_y, e1, e1,
                e3, ev_dir, ev_term, ev_t, ev_y, ev_n)
            if ic[0] != 2:
                break
            t2 = np.empty((NEV, 2 * ecap))
            y2 = np.empty((NEV, 2 * ecap, N))
            t2[:, :ecap] = ev_t
            y2[:, :ecap] = ev_y
            ev_t = t2
            ev_y = y2
            ecap *= 2
        st = ic[0]
        status[i] = st
        nfev[i] = ic[1]
        t_final[i] = fc[0]
        if st < 0:
            continue
        if n_te == 0:
            for q in range(NU):
                out[i, q, 0] = b[q]
        else:
            for c in range(ic[3]):
                for q in range(NU):
                    out[i, q, c] = out_y[q, c]
        need = used
        for j in range(NEV):
            need += ev_n[j]
        if need > scap:
            while scap < need:
                scap *= 2
            t2 = np.empty(scap)
            y2 = np.empty((scap, NU))
            j2 = np.empty(scap, dtype=np.int64)
            i2 = np.empty(scap, dtype=np.int64)
            t2[:used] = st_t[:used]
            y2[:used] = st_y[:used]
            j2[:used] = st_j[:used]
            i2[:used] = st_i[:used]
            st_t, st_y, st_j, st_i = t2, y2, j2, i2
        for j in range(NEV):
            for q in range(ev_n[j]):
                st_t[used] = ev_t[j, q]
                for c in range(NU):
                    st_y[used, c] = ev_y[j, q, c]
                st_j[used] = j
                st_i[used] = i
                used += 1
    return st_t[:used].copy(), st_y[:used].copy(), st_j[:used].copy(), st_i[:used].copy()


#: the batch width: 8 lanes (one AVX-512 register, two AVX2 ones). Measured on the
#: Mathieu workload (6 states with the sin/cos pair, order 13): 14 ns per lane-step at
#: W = 8, 22 at W = 4, 86 at W = 1
DEFAULT_WIDTH = 1 if _jit.DISABLED else 8
