# ruff: noqa: F821
"""Event location, appended to the generated kernel module only when there are events.

See :mod:`odekit.integrate._template`. ``events(t, y, p, out)`` (from the generated
header) writes every event function's value into ``out``.

How sign changes inside a step are found: the event functions are sampled on the step's
interpolant at 2, then 4, 8, ... equal sub-intervals (for DOP853, whose dense output costs
three more evaluations of f, on the free cubic Hermite interpolant first, and on the dense
output only in a step where a sign change shows), until two
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


@jit(inline="always")
def _sample(th, t, h, y, y_new, f0, f1, Q, p, ybuf, out, dense, nd):
    """Every event function at θ: on the dense output, or on the cubic Hermite interpolant
    of (y, f0) and (y_new, f1)."""
    if dense:
        _k.dense_eval(th, y, Q, ybuf, nd)
    else:
        t2 = th * th
        t3 = t2 * th
        h00 = 2.0 * t3 - 3.0 * t2 + 1.0
        h01 = 3.0 * t2 - 2.0 * t3
        h10 = (t3 - 2.0 * t2 + th) * h
        h11 = (t3 - t2) * h
        for j in range(nd):
            ybuf[j] = h00 * y[j] + h01 * y_new[j] + h10 * f0[j] + h11 * f1[j]
    events(t + th * h, ybuf, p, out)


@jit
def _any_crossing(S, M, n_events):
    stride = _k.EVENT_SUBSTEPS // M
    for k in range(n_events):
        for j in range(M):
            if _crosses(S[j * stride, k], S[(j + 1) * stride, k]):
                return True
    return False


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
    s_ = ints[0]
    # Detection samples: where the dense output needs extra stages (DOP853), the free cubic
    # Hermite interpolant of (y, f) at both ends (FSAL: K[0], K[s]) is used to look for
    # sign changes, and the dense output is built only for a step that has one; otherwise
    # (RK45, RK4: no extra stages) the dense output itself.
    hermite = ints[2] == 1 and ints[1] > s_ + 1
    nfev = 0
    have_dense = False
    if not hermite:
        nfev += _dense_prepare(t, h, y, p, A, c, P, ints, K, ytmp, Q)
        have_dense = True
    _k.copy1(S[0], g_old)
    _k.copy1(S[NS], g_new)
    # refine the sampling grid until it resolves every event function: three successive
    # grids (from 2, 4, 8 sub-intervals on) agree on the number of sign changes and turns,
    # and there are at least 4 sub-intervals per feature; bounded by NS
    M = 2
    _sample(0.5, t, h, y, y_new, K[0], K[s_], Q, p, ybuf, S[NS // 2], have_dense, nd)
    prev = _features(S, M, n_events)
    agree = 0
    cur = prev
    while M < NS:
        stride = NS // (2 * M)
        for j in range(M):
            idx = (2 * j + 1) * stride
            _sample(idx / NS, t, h, y, y_new, K[0], K[s_], Q, p, ybuf, S[idx], have_dense,
                    nd)
        M *= 2
        cur = _features(S, M, n_events)
        agree = agree + 1 if cur == prev else 0
        prev = cur
        if agree >= 2 and 4 * cur <= M:
            break
    if 4 * cur > NS and allow_reject:
        return n_ev, 2.0, have_dense, nfev, -1.0  # not resolved: retry a shorter step
    # the next step may grow only as far as keeps ~8 sub-intervals per feature
    cap = 8.0 / max(cur, 1)
    if not have_dense:
        if not _any_crossing(S, M, n_events):
            return n_ev, 2.0, False, nfev, cap  # the common case: nothing in this step
        # a sign change: build the dense output, and take the grid's samples from it, so
        # that the brackets are those of the interpolant the roots are found on
        nfev += _dense_prepare(t, h, y, p, A, c, P, ints, K, ytmp, Q)
        have_dense = True
        stride = NS // M
        for j in range(1, M):
            _sample((j * stride) / NS, t, h, y, y_new, K[0], K[s_], Q, p, ybuf,
                    S[j * stride], True, nd)
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
    return end, first_term, have_dense, nfev, cap
