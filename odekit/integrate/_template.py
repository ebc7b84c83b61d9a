# ruff: noqa: F821
"""The compiled drivers, as a template specialised for each right-hand side.

This file is never imported on its own. :mod:`odekit.integrate._codegen` writes a small
header that defines ``rhs(t, y, p, out)`` around the user's function (and, when there are
events, appends :mod:`odekit.integrate._template_events`; otherwise a stub), appends this
source, writes the result to the kernel cache directory and executes it as a module.
Calling the user's function as a *global* (rather than passing it as an argument) is what
lets Numba inline it and keep the machine code on disk. The pieces that do not call the
user's code live in :mod:`odekit.integrate._kernels`, compiled once per installation.
``_advance_ensemble`` (used by the ensemble kernel) is generated from ``_advance`` by
:mod:`odekit.integrate._codegen`, with more of the step inlined.

Everything here takes numbers and arrays only: parameters, initial values, tolerances,
time spans and the method's tableau are data, so changing them never recompiles. Nothing
here allocates: work arrays and output buffers come from the caller.

Status codes: 0 reached t1, 1 stopped by a terminal event, 2 an output buffer is full
(grow it and call again: the state is saved), -1 step size underflow, -2 non-finite state
or derivative, -3 max_steps reached.

Every loop here is bounded: the step loop by ``max_steps``, the rejection loop of a step
by the shrinking step size (a NaN step fails at once) and by ``_k.MAX_REJECT``, the root
finder by its iteration count.
"""

from odekit.integrate import _kernels as _k


@jit(inline="always")
def _stage(i, t, h, y, p, A, c, K, ytmp):
    """K[i] = f(t + c_i h, y + h Σ_{m<i} A[i, m] K[m])."""
    _stage_state(i, h, y, A, K, ytmp)
    rhs(t + c[i] * h, ytmp, p, K[i])


@jit(inline="always")
def _advance(t, h, t1, direction, y, y_new, K, ytmp, scale, p, A, c, b, E, E3, ints,
             err_exp, rtol, atol, max_step):
    """Take one accepted step from (t, y), starting with the trial step h.

    On entry K[0] holds f(t, y) for FSAL methods. On success y_new holds the new state and
    K[:s+1] the stages (K[s] = f(t_new, y_new) for FSAL methods).

    Returns (status, t_new, h_next, nfev, nrejected); status 0 or negative (failure).
    """
    s = ints[0]
    fsal = ints[2] == 1
    err_mode = ints[3]
    n = NDIM if NDIM > 0 else y.shape[0]
    nfev = 0
    nrej = 0
    rejected = False
    nonfinite = False
    if not fsal:
        rhs(t, y, p, K[0])
        nfev += 1
        if not _k.all_finite_in(K[0], n):
            return -2, t, h, nfev, nrej
    while True:
        min_step = 10.0 * abs(np.nextafter(t, t + direction) - t)
        habs = abs(h) if err_mode == 0 else min(abs(h), max_step)
        # bounded: a rejected step shrinks h by a factor <= 0.9, a NaN h fails here, and
        # MAX_REJECT caps the count whatever the arithmetic does
        if not habs >= min_step:
            if rejected or not habs == habs or nrej >= _k.MAX_REJECT:
                return (-2 if nonfinite else -1), t, h, nfev, nrej
            habs = min_step  # a tiny trial step (e.g. the last bit of the interval)
        elif nrej >= _k.MAX_REJECT:
            return (-2 if nonfinite else -1), t, h, nfev, nrej
        t_new = t + direction * habs
        if direction * (t_new - t1) > 0.0:
            t_new = t1
        elif err_mode == 0 and abs(t1 - t_new) < 1e-7 * habs:
            t_new = t1  # fixed step: land exactly on t1 despite rounding
        h = t_new - t
        for i in range(1, s):
            _stage(i, t, h, y, p, A, c, K, ytmp)
        _k.combine_in(y, h, b, K, s, y_new, n)
        nfev += s - 1
        if fsal:
            rhs(t_new, y_new, p, K[s])
            nfev += 1
        # a non-finite stage reaches y_new or the error estimate (0 * nan = nan; the sums
        # run over every stage), so checking y_new and err covers them all
        if not _k.all_finite_in(y_new, n):
            nonfinite = True
            rejected = True
            nrej += 1
            h = h * _k.MIN_FACTOR
            continue
        if err_mode == 0:
            return 0, t_new, h, nfev, nrej
        err = _k.error_norm(h, y, y_new, K, E, E3, s, err_mode, rtol, atol, scale, n)
        factor = _k.step_factor_in(err, err_exp, rejected)
        if err < 1.0:
            return 0, t_new, h * factor, nfev, nrej
        if not np.isfinite(err):
            nonfinite = True
        h = h * factor
        rejected = True
        nrej += 1


@jit(inline="always")
def _dense_prepare(t, h, y, p, A, c, P, ints, K, ytmp, Q):
    """Extra dense-output stages, then the interpolant's coefficients. Returns nfev."""
    s = ints[0]
    S = ints[1]
    first_extra = s + 1 if ints[2] == 1 else s
    for i in range(first_extra, S):
        _stage(i, t, h, y, p, A, c, K, ytmp)
    _k.dense_coeffs(h, K, P, S, Q, NDIM if NDIM > 0 else y.shape[0])
    return S - first_extra


@jit(inline="always")
def _start(t0, t1, p, ints, err_exp, rtol, atol, first_step, max_step, K, y, ytmp):
    """f(t0, y0) into K[0] and the first step size. Returns (status, h, nfev)."""
    rhs(t0, y, p, K[0])
    n = NDIM if NDIM > 0 else y.shape[0]
    if not (_k.all_finite(K[0], n) and _k.all_finite(y, n)):
        return -2, 0.0, 1
    interval = abs(t1 - t0)
    if ints[3] == 0:
        return 0, first_step, 1
    if first_step > 0.0:
        return 0, min(first_step, interval), 1
    # Hairer's starting step (Hairer, Nørsett & Wanner I, II.4): one more evaluation of f
    direction = 1.0 if t1 >= t0 else -1.0
    h0, d1 = _k.initial_step_trial(y, K[0], rtol, atol, interval, max_step, direction, ytmp)
    rhs(t0 + h0 * direction, ytmp, p, K[1])
    h = _k.initial_step_finish(y, K[0], K[1], h0, d1, -1.0 / err_exp - 1.0, rtol, atol,
                               interval, max_step)
    return 0, h, 2


@jit
def solve_one(t0, t1, p, A, c, b, E, E3, P, ints, err_exp, rtol, atol, first_step, max_step,
              max_steps, t_eval, record_steps, dense, ev_dir, ev_term, K, Q, W, G, fs, ist,
              ts, ys, ev_idx, ev_t, ev_y, d_t, d_h, d_y, d_Q):
    """Integrate one trajectory, recording steps or t_eval points, events, dense output.

    Work arrays: K (S, n) stages, Q (D, n) interpolant, W (5, n) = y, y_new, ytmp, ybuf,
    scale (W[0] holds y0 on the first call), G (4, max(1, n_events)). Resumable state:
    fs = [t, h], ist = [nfev, nsteps, nrejected, n_out, n_ev, n_dense, i_eval, started].
    Returns the status (2: a buffer is full, grow it and call again).

    The bookkeeping that does not call the right-hand side (output, dense storage, buffer
    checks) lives in the shared kernels, so each new right-hand side compiles less.
    """
    direction = 1.0 if t1 >= t0 else -1.0
    y = W[0]
    nd = NDIM if NDIM > 0 else y.shape[0]
    y_new = W[1]
    ytmp = W[2]
    if ist[7] == 0:
        ist[7] = 1
        st, h, nf = _start(t0, t1, p, ints, err_exp, rtol, atol, first_step, max_step, K, y,
                           ytmp)
        ist[0] += nf
        fs[0] = t0
        fs[1] = h
        if st < 0:
            return st
        _k.record_start(t0, y, record_steps, t_eval, ts, ys, ist)
        if HAS_EVENTS:  # a constant: without events the branch is compiled away
            events(t0, y, p, G[0])
    t = fs[0]
    h = fs[1]
    status = 0
    ev_retry = 0
    while t != t1:
        if ist[1] >= max_steps:
            status = -3
            break
        if ((record_steps and ist[3] + 2 > ts.shape[0]) or (dense or HAS_EVENTS)
                and _k.buffers_full(ist, ev_dir.shape[0], ev_t, dense, d_t)):
            status = 2
            break
        st, t_new, h_next, nf, nr = _advance(t, h, t1, direction, y, y_new, K, ytmp, W[4],
                                             p, A, c, b, E, E3, ints, err_exp, rtol, atol,
                                             max_step)
        ist[0] += nf
        ist[2] += nr
        if st < 0:
            status = st
            break
        ist[1] += 1
        h_step = t_new - t
        have_dense = False
        first_term = 2.0
        if HAS_EVENTS:
            n_ev, first_term, have_dense, nf, cap = _step_events(
                t, h_step, t_new, y, y_new, p, A, c, P, ints, K, Q, ytmp, W[3], G, ev_dir,
                ev_term, ev_idx, ev_t, ev_y, ist[4], ev_retry < 30 and ints[3] != 0)
            ist[0] += nf
            if cap < 0.0:  # the event functions vary too fast for this step: retry shorter
                ist[1] -= 1
                ist[2] += 1
                ev_retry += 1
                h = 0.25 * h_step
                continue
            ev_retry = 0
            ist[4] = n_ev
            if ints[3] != 0 and abs(h_next) > cap * abs(h_step):
                h_next = cap * abs(h_step)
        t_stop = t_new
        if first_term < 1.0:
            t_stop = t + first_term * h_step
        i_eval = ist[6]
        eval_due = i_eval < t_eval.shape[0] and direction * (t_eval[i_eval] - t_stop) <= 0.0
        if dense or eval_due or first_term <= 1.0:
            if not have_dense and (dense or (eval_due and t_eval[i_eval] != t_new)):
                ist[0] += _dense_prepare(t, h_step, y, p, A, c, P, ints, K, ytmp, Q)
            status = _k.finish_step(t, h_step, t_new, t_stop, first_term, direction, y,
                                    y_new, Q, W[3], record_steps, dense, t_eval, ts, ys, d_t,
                                    d_h, d_y, d_Q, ist, nd)
            if status == 1:
                t = t_stop
                break
        else:  # the common case: record the step, move on
            if record_steps:
                ts[ist[3]] = t_new
                _k.copy1(ys[ist[3]], y_new)
                ist[3] += 1
            _k.copy1(y, y_new)
        t = t_new
        if ints[2] == 1:  # FSAL
            _k.copy1(K[0], K[ints[0]])
        if HAS_EVENTS:
            _k.copy1(G[0], G[1])
        h = h_next
    fs[0] = t
    fs[1] = h
    return status


@jit
def _integrate_member(t0, t1, y0, p, A, c, b, E, E3, P, ints, err_exp, rtol, atol,
                      max_step, max_steps, t_eval, out, K, Q, y, y_new, ytmp, scale):
    """One ensemble member into preallocated work arrays. Returns (status, nfev)."""
    n = y0.shape[0]
    nd = NDIM if NDIM > 0 else n
    direction = 1.0 if t1 >= t0 else -1.0
    for j in range(n):
        y[j] = y0[j]
    st, h, nfev = _start(t0, t1, p, ints, err_exp, rtol, atol, 0.0, max_step, K, y, ytmp)
    if st < 0:
        return st, nfev
    n_eval = t_eval.shape[0]
    i_eval = 0
    while i_eval < n_eval and t_eval[i_eval] == t0:
        for j in range(n):
            out[j, i_eval] = y[j]
        i_eval += 1
    fsal = ints[2] == 1
    s = ints[0]
    nsteps = 0
    t = t0
    while t != t1:
        if nsteps >= max_steps:
            return -3, nfev
        st, t_new, h_next, nf, nr = _advance_ensemble(t, h, t1, direction, y, y_new, K, ytmp,
                                                      scale, p, A, c, b, E, E3, ints, err_exp,
                                                      rtol, atol, max_step)
        nfev += nf
        if st < 0:
            return st, nfev
        nsteps += 1
        h_step = t_new - t
        if (i_eval < n_eval and direction * (t_eval[i_eval] - t_new) <= 0.0
                and t_eval[i_eval] != t_new):
            nfev += _dense_prepare(t, h_step, y, p, A, c, P, ints, K, ytmp, Q)
        while i_eval < n_eval and direction * (t_eval[i_eval] - t_new) <= 0.0:
            te = t_eval[i_eval]
            if te == t_new:
                for j in range(n):
                    out[j, i_eval] = y_new[j]
            else:
                _k.dense_eval((te - t) / h_step, y, Q, scale, nd)
                for j in range(n):
                    out[j, i_eval] = scale[j]
            i_eval += 1
        t = t_new
        for j in range(n):
            y[j] = y_new[j]
        if fsal:
            for j in range(n):
                K[0, j] = K[s, j]
        h = h_next
    if n_eval == 0:
        for j in range(n):
            out[j, 0] = y[j]
    return 0, nfev


@jit
def _run_chunk(ch, t0, t1, Y0, Pm, A, c, b, E, E3, P, ints, err_exp, rtol, atol, max_step,
               max_steps, t_eval, out, status, nfev, Kw, Qw, Vw):
    """Members ch, ch + c, ch + 2c, ... of the ensemble, with chunk ch's work arrays.

    Work arrays come from the caller, one set per chunk (Kw (c, S, n), Qw (c, D, n),
    Vw (c, 4, n)), so nothing is allocated per trajectory. Chunks run concurrently on
    threads (the kernels release the GIL); members are interleaved across chunks for load
    balance. Every member is computed by the same sequence of operations whichever thread
    runs it, so results do not depend on the number of threads.
    """
    k = Y0.shape[0]
    n_chunks = Kw.shape[0]
    K = Kw[ch]
    Q = Qw[ch]
    V = Vw[ch]
    for i in range(ch, k, n_chunks):
        st, nf = _integrate_member(t0, t1, Y0[i], Pm[i], A, c, b, E, E3, P, ints, err_exp,
                                   rtol, atol, max_step, max_steps, t_eval, out[i], K, Q,
                                   V[0], V[1], V[2], V[3])
        status[i] = st
        nfev[i] = nf
        if st < 0:
            for j in range(out.shape[1]):
                for m in range(out.shape[2]):
                    out[i, j, m] = np.nan
