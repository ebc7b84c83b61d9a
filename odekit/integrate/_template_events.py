# ruff: noqa: F821
"""Event location, appended to the generated kernel module only when there are events.

See :mod:`odekit.integrate._template`. ``events(t, y, p, out)`` (from the generated
header) writes every event function's value into ``out``.

How sign changes inside a step are found: the event functions are sampled on the step's
interpolant (the dense output) at 2, then 4, 8, ... equal sub-intervals, until two
successive grids show the same number of sign changes and turns (local extrema of the
samples) for every event over three successive grids (8 sub-intervals at least) with at
least 4 sub-intervals per feature, or ``_k.EVENT_SUBSTEPS`` (64) sub-intervals are reached.
A step whose events are still not resolved then (more than 16 features) is retried with a
quarter of the step (at most 30 times in a row), and the next step is capped so that it
keeps about 8 sub-intervals per feature. Each sub-interval whose ends differ in sign gets
its root by Brent's method. So every zero crossing is found when the event function is
resolved by the grid. What can still escape: a pair of zeros closer together than the grid
spacing (a brief excursion across zero, or a near tangency) that no grid sees, and a fast
oscillation whose samples happen to look smooth on three successive grids (aliasing; most
likely on a long first step): bound the step with ``max_step`` for such events. A zero
exactly at t0 is not reported.
"""


@jit
def _event_value(k, theta, t_old, h, y, Q, p, ybuf, gbuf):
    _k.dense_eval(theta, y, Q, ybuf, NDIM if NDIM > 0 else y.shape[0])
    events(t_old + theta * h, ybuf, p, gbuf)
    return gbuf[k]


@jit
def _locate_root(k, lo, hi, glo, ghi, t_old, h, y, Q, p, ybuf, gbuf):
    """Brent's method for event k on the step's interpolant, θ in [lo, hi]."""
    tscale = max(abs(t_old), abs(t_old + h))
    xtol = 4.0 * 2.220446049250313e-16 * tscale / abs(h) + 1e-300
    a, b, c, fa, fb, fc = lo, hi, lo, glo, ghi, glo
    d = hi - lo
    e = d
    for _ in range(200):
        a, b, c, fa, fb, fc, d, e, done = _k.brent_update(a, b, c, fa, fb, fc, d, e, xtol)
        if done:
            break
        fb = _event_value(k, b, t_old, h, y, Q, p, ybuf, gbuf)
    return min(max(b, lo), hi)


@jit
def _crosses(ga, gb):
    return (ga < 0.0 and gb >= 0.0) or (ga > 0.0 and gb <= 0.0)


@jit
def _features(S, M, n_events):
    """Sign changes plus turns of every event's samples on the grid of M sub-intervals."""
    stride = _k.EVENT_SUBSTEPS // M
    total = 0
    for k in range(n_events):
        last_d = 0.0
        for j in range(M):
            ga = S[j * stride, k]
            gb = S[(j + 1) * stride, k]
            if _crosses(ga, gb):
                total += 1
            d = gb - ga
            if d != 0.0:
                if last_d != 0.0 and (d > 0.0) != (last_d > 0.0):
                    total += 1
                last_d = d
    return total


@jit
def _step_events(t, h, t_new, y, y_new, p, A, c, P, ints, K, Q, ytmp, ybuf, G, ev_dir,
                 ev_term, ev_idx, ev_t, ev_y, n_ev, allow_reject):
    """Find the events in the step (t, t_new]; record them in time order up to the first
    terminal one. Returns (n_ev, θ of the first terminal event or 2, have_dense, nfev,
    cap): cap < 0 asks for the step to be retried shorter (the event functions are not
    resolved on the finest grid; only when ``allow_reject``), else the next step should
    be at most cap times this one.

    G rows: 0 g(t), 1 g(t_new), 2 scratch, 3 unused, 4 ... 4 + EVENT_SUBSTEPS samples.
    """
    n_events = ev_dir.shape[0]
    nd = NDIM if NDIM > 0 else y.shape[0]
    NS = _k.EVENT_SUBSTEPS
    g_old = G[0]
    g_new = G[1]
    gbuf = G[2]
    S = G[4:]
    events(t_new, y_new, p, g_new)
    nfev = _dense_prepare(t, h, y, p, A, c, P, ints, K, ytmp, Q)
    _k.copy1(S[0], g_old)
    _k.copy1(S[NS], g_new)
    # refine the sampling grid until it resolves every event function: three successive
    # grids (from 2, 4, 8 sub-intervals on) agree on the number of sign changes and turns,
    # and there are at least 4 sub-intervals per feature; bounded by NS
    M = 2
    _k.dense_eval(0.5, y, Q, ybuf, nd)
    events(t + 0.5 * h, ybuf, p, S[NS // 2])
    prev = _features(S, M, n_events)
    agree = 0
    cur = prev
    while M < NS:
        stride = NS // (2 * M)
        for j in range(M):
            idx = (2 * j + 1) * stride
            th = idx / NS
            _k.dense_eval(th, y, Q, ybuf, nd)
            events(t + th * h, ybuf, p, S[idx])
        M *= 2
        cur = _features(S, M, n_events)
        agree = agree + 1 if cur == prev else 0
        prev = cur
        if agree >= 2 and 4 * cur <= M:
            break
    if 4 * cur > NS and allow_reject:
        return n_ev, 2.0, True, nfev, -1.0  # not resolved: retry with a shorter step
    # the next step may grow only as far as keeps ~8 sub-intervals per feature
    cap = 8.0 / max(cur, 1)
    stride = NS // M
    start = n_ev
    first_term = 2.0
    for k in range(n_events):
        for j in range(M):
            ga = S[j * stride, k]
            gb = S[(j + 1) * stride, k]
            if not _crosses(ga, gb):
                continue
            rising = ga < 0.0
            if (ev_dir[k] > 0.0 and not rising) or (ev_dir[k] < 0.0 and rising):
                continue
            lo = (j * stride) / NS
            hi = ((j + 1) * stride) / NS
            th = hi if gb == 0.0 else _locate_root(k, lo, hi, ga, gb, t, h, y, Q, p, ybuf,
                                                   gbuf)
            ev_idx[n_ev] = k
            ev_t[n_ev] = th
            n_ev += 1
            if ev_term[k] and th < first_term:
                first_term = th
    # time order (insertion sort: few entries; equal times keep the event order)
    for i in range(start + 1, n_ev):
        th = ev_t[i]
        kk = ev_idx[i]
        m = i - 1
        while m >= start and ev_t[m] > th:
            ev_t[m + 1] = ev_t[m]
            ev_idx[m + 1] = ev_idx[m]
            m -= 1
        ev_t[m + 1] = th
        ev_idx[m + 1] = kk
    end = start
    while end < n_ev and ev_t[end] <= first_term:
        th = ev_t[end]
        if th == 1.0:
            ev_t[end] = t_new
            _k.copy1(ev_y[end], y_new)
        else:
            ev_t[end] = t + th * h
            _k.dense_eval(th, y, Q, ev_y[end], nd)
        end += 1
    return end, first_term, True, nfev, cap
