# ruff: noqa: F821
"""Event location, appended to the generated kernel module only when there are events.

See :mod:`odekit.integrate._template`. ``events(t, y, p, out)`` (from the generated
header) writes every event function's value into ``out``.
"""


@jit
def _event_value(k, theta, t_old, h, y, Q, p, ybuf, gbuf):
    _k.dense_eval(theta, y, Q, ybuf, NDIM if NDIM > 0 else y.shape[0])
    events(t_old + theta * h, ybuf, p, gbuf)
    return gbuf[k]


@jit
def _locate_root(k, glo, ghi, t_old, h, y, Q, p, ybuf, gbuf):
    """Brent's method for event k on the step's interpolant, θ in [0, 1]."""
    tscale = max(abs(t_old), abs(t_old + h))
    xtol = 4.0 * 2.220446049250313e-16 * tscale / abs(h) + 1e-300
    a, b, c, fa, fb, fc = 0.0, 1.0, 0.0, glo, ghi, glo
    d = 1.0
    e = 1.0
    for _ in range(200):
        a, b, c, fa, fb, fc, d, e, done = _k.brent_update(a, b, c, fa, fb, fc, d, e, xtol)
        if done:
            break
        fb = _event_value(k, b, t_old, h, y, Q, p, ybuf, gbuf)
    return min(max(b, 0.0), 1.0)


@jit
def _step_events(t, h, t_new, y, y_new, p, A, c, P, ints, K, Q, ytmp, ybuf, G, ev_dir,
                 ev_term, ev_idx, ev_t, ev_y, n_ev):
    """Find the events in the step (t, t_new]; record them in time order up to the first
    terminal one. Returns (n_ev, θ of the first terminal event or 2, have_dense, nfev)."""
    n_events = ev_dir.shape[0]
    nd = NDIM if NDIM > 0 else y.shape[0]
    g_old = G[0]
    g_new = G[1]
    gbuf = G[2]
    root = G[3]
    events(t_new, y_new, p, g_new)
    nfev = 0
    have_dense = False
    first_term = 2.0
    for k in range(n_events):
        ga = g_old[k]
        gb = g_new[k]
        root[k] = -1.0
        if not ((ga < 0.0 and gb >= 0.0) or (ga > 0.0 and gb <= 0.0)):
            continue
        rising = ga < 0.0
        if (ev_dir[k] > 0.0 and not rising) or (ev_dir[k] < 0.0 and rising):
            continue
        if not have_dense:
            nfev += _dense_prepare(t, h, y, p, A, c, P, ints, K, ytmp, Q)
            have_dense = True
        th = 1.0 if gb == 0.0 else _locate_root(k, ga, gb, t, h, y, Q, p, ybuf, gbuf)
        root[k] = th
        if ev_term[k] and th < first_term:
            first_term = th
    while True:
        best = -1
        best_th = 3.0
        for k in range(n_events):
            if root[k] >= 0.0 and root[k] < best_th:
                best_th = root[k]
                best = k
        if best < 0 or best_th > first_term:
            break
        ev_idx[n_ev] = best
        if best_th == 1.0:
            ev_t[n_ev] = t_new
            _k.copy1(ev_y[n_ev], y_new)
        else:
            ev_t[n_ev] = t + best_th * h
            _k.dense_eval(best_th, y, Q, ev_y[n_ev], nd)
        n_ev += 1
        root[best] = -1.0
    return n_ev, first_term, have_dense, nfev
