"""The one compiled driver: step loop, step-size control, dense output, t_eval, events.

Compiled once per installation (Numba's disk cache) and shared by :func:`solve_ivp` and
:func:`solve_ensemble`. The user's right-hand side and event functions come in as compiled
*function pointers*: each is a small compiled wrapper (see :mod:`odekit.integrate._codegen`)
with the one signature :data:`FN_SIG`, in C terms::

    rhs(double t, double *y, double *p, double *out, int64 n, int64 n_p)
        # writes f(t, y, p) into out[0:n] (a row of the driver's stage array K)
    events(double t, double *y, double *p, double *out, int64 n, int64 n_p)
        # writes every event function g_k(t, y, p) into out[k]

and the driver receives the two addresses of each (the C wrapper and Numba's own entry
point) as integers. :func:`_fn` turns them back into a Numba first-class function value,
so the driver's types never depend on the user's function: one machine code, cached on
disk, for every right-hand side. Why raw pointers (the wrapper makes arrays of them with
``numba.carray``, which carry no reference count) rather than arrays: Numba increfs and
decrefs every array argument of the wrapper around the user's function, six atomic
updates per call. Measured on DOP853 at n = 2 (54 steps + 5 rejections, 710
evaluations): 33.9 us per solve with array arguments, 12.4 us with pointers (CyRK's
compiled C++ driver: 10.9 us).

Everything here takes numbers and arrays only: parameters, initial values, tolerances,
time spans and the method's tableau are data, so changing them never recompiles. Nothing
here allocates: work arrays and output buffers come from the caller.

Status codes: see :class:`odekit.integrate.Status` (0 reached t1, 1 terminal event, 2 an
output buffer is full: grow it and call again, the state is saved; negative: failures).

Every loop here is bounded: the step loop by ``max_steps``, the rejection loop of a step
by the shrinking step size (a NaN step fails at once) and by ``_k.MAX_REJECT``, the root
finder by its iteration count.

How sign changes of the event functions inside a step are found: they are sampled on the
step's interpolant at 2, then 4, 8, ... equal sub-intervals (for DOP853, whose dense output
costs three more evaluations of f, on the free cubic Hermite interpolant first, and on
the dense output only in a step where a sign change shows), until two successive grids
show the same number of sign changes and turns (local extrema of the samples) for every
event over three successive grids (8 sub-intervals at least) with at least 4
sub-intervals per feature, or ``_k.EVENT_SUBSTEPS`` (64) sub-intervals are reached. A
step whose events are still not resolved then (more than 16 features) is retried with a
quarter of the step (at most 30 times in a row), and the next step is capped so that it
keeps about 8 sub-intervals per feature. Each sub-interval whose ends differ in sign gets
its root by Brent's method. So every zero crossing is found when the event function is
resolved by the grid. What can still escape: a pair of zeros closer together than the grid
spacing (a brief excursion across zero, or a near tangency) that no grid sees, and a fast
oscillation whose samples happen to look smooth on three successive grids (aliasing; most
likely on a long first step): bound the step with ``max_step`` for such events. A zero
exactly at t0 is not reported.
"""

from __future__ import annotations

import numpy as np
from numba import types as nbt

from .. import _jit
from .._jit import jit
from . import _kernels as _k

#: the signature of every function the driver calls through a pointer
FN_SIG = nbt.void(nbt.float64, nbt.CPointer(nbt.float64), nbt.CPointer(nbt.float64),
                  nbt.CPointer(nbt.float64), nbt.int64, nbt.int64)
FN_TYPE = nbt.FunctionType(FN_SIG)

if _jit.DISABLED:
    def _fn(c_addr, jit_addr):
        """Without compilation the "addresses" are the Python functions themselves."""
        return c_addr

    def function_value(ftype):
        return _fn

    def _ptr(a):
        """Without compilation the "pointers" are the arrays themselves."""
        return a

    def _row(a, i):
        return a[i]

    def _unref(a):
        return a
else:
    from llvmlite import ir as _ir
    from numba.core import cgutils as _cg
    from numba.extending import intrinsic as _intrinsic

    def function_value(ftype):
        """An intrinsic ``make(c_addr, jit_addr)``: a first-class function value of the
        Numba type ``ftype`` from its two addresses (C wrapper, Numba entry point).

        Numba's own conversion of a dispatcher argument asks Python for the addresses on
        every call (about 20 us); the addresses are looked up once per function instead
        (:func:`odekit.integrate._codegen.addresses`) and passed as integers. The Python
        object slot stays null: the caller never boxes the function. Used for the
        right-hand sides and events here (:data:`FN_TYPE`) and for the driver itself in
        :mod:`odekit.integrate.compiled`.
        """
        @_intrinsic
        def make(typingctx, c_addr, jit_addr):
            def codegen(context, builder, signature, args):
                fn = _cg.create_struct_proxy(ftype)(context, builder)
                vp = context.get_value_type(nbt.voidptr)
                fn.c_addr = builder.inttoptr(args[0], vp)
                fn.py_addr = _ir.Constant(vp, None)
                fn.jit_addr = builder.inttoptr(args[1], vp)
                return fn._getvalue()

            return ftype(c_addr, jit_addr), codegen

        return make

    _fn = function_value(FN_TYPE)

    @_intrinsic
    def _ptr(typingctx, arr):
        """The data pointer of a contiguous float64 array (no reference counting)."""
        def codegen(context, builder, signature, args):
            return context.make_array(signature.args[0])(context, builder, args[0]).data

        return nbt.CPointer(nbt.float64)(arr), codegen

    @_intrinsic
    def _row(typingctx, arr, i):
        """A pointer to ``arr[i, 0]`` of a C-contiguous 2-D float64 array (i in range)."""
        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            a = context.make_array(aryty)(context, builder, args[0])
            i_ = context.cast(builder, args[1], signature.args[1], nbt.intp)
            zero = context.get_constant(nbt.intp, 0)
            return _cg.get_item_pointer(context, builder, aryty, a, [i_, zero])

        return nbt.CPointer(nbt.float64)(arr, i), codegen

    @_intrinsic
    def _unref(typingctx, arr):
        """The same array without its reference count (a null meminfo): for an array
        whose owner outlives every use of this view. Numba's increments and decrements of
        it are then a test of a null pointer, not atomic operations."""
        def codegen(context, builder, signature, args):
            a = context.make_array(signature.args[0])(context, builder, value=args[0])
            a.meminfo = _ir.Constant(a.meminfo.type, None)
            a.parent = _ir.Constant(a.parent.type, None)
            return a._getvalue()

        return arr(arr), codegen


@jit
def _no_events(t, y, p, out, n, n_p):
    """The events function of a solve without events (never called)."""
    return


# ----------------------------------------------------------------------------------------
# one step's dense output (for the events; solve_one has its own copy inline)
# ----------------------------------------------------------------------------------------
@jit(inline="always")
def _stage(f, i, t, h, y, p, A, c, K, ytmp):
    """K[i] = f(t + c_i h, y + h Σ_{m<i} A[i, m] K[m]).

    (The stage sums by a call of the compiled kernel, here and for the dense output's
    extra stages in solve_one; inlined only in the step loop: each inlined copy of the
    kernels' blocked and vectorised forms adds seconds to the driver's one compilation,
    32.6 -> 20.4 s from empty caches, and these paths run once per output step.)
    """
    _k.stage_state(i, h, y, A, K, ytmp)
    f(t + c[i] * h, _ptr(ytmp), _ptr(p), _row(K, i), ytmp.shape[0], p.shape[0])


@jit(inline="always")
def _dense_prepare(f, t, h, y, y_new, p, A, c, P, ints, K, ytmp, Q):
    """Extra dense-output stages, then the interpolant's coefficients. Returns nfev."""
    s = ints[0]
    S = ints[1]
    first_extra = s + 1 if ints[2] == 1 else s
    for i in range(first_extra, S):
        _stage(f, i, t, h, y, p, A, c, K, ytmp)
    _k.dense_coeffs(h, y, y_new, K, P, S, Q, y.shape[0])
    return S - first_extra


# ----------------------------------------------------------------------------------------
# events
# ----------------------------------------------------------------------------------------
@jit(inline="always")
def _event_value(g, k, theta, t_old, h, y, Q, p, ybuf, G):
    _k.dense_eval(theta, y, Q, ybuf, y.shape[0])
    g(t_old + theta * h, _ptr(ybuf), _ptr(p), _row(G, 2), ybuf.shape[0], p.shape[0])
    return G[2, k]


@jit
def _locate_root(g, k, lo, hi, glo, ghi, t_old, h, y, Q, p, ybuf, G):
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
        fb = _event_value(g, k, b, t_old, h, y, Q, p, ybuf, G)
    return min(max(b, lo), hi)


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


@jit(inline="always")
def _step_events(f, g, t, h, t_new, y, y_new, p, A, c, P, ints, K, Q, ytmp, ybuf, G,
                 ev_dir, ev_term, ev_count, ev_idx, ev_t, ev_y, n_ev, allow_reject):
    """Find the events in the step (t, t_new]; record them in time order up to the
    terminal one. Returns (n_ev, θ of the terminal event or 2, have_dense, nfev, cap):
    cap < 0 asks for the step to be retried shorter (the event functions are not resolved
    on the finest grid; only when ``allow_reject``), else the next step should be at most
    cap times this one.

    ``ev_term[k]`` is 0 (not terminal) or the occurrence of event k that stops the
    integration (1: the first); ``ev_count[k]`` counts the occurrences recorded so far.

    G rows: 0 g(t), 1 g(t_new), 2 scratch, 3 unused, 4 ... 4 + EVENT_SUBSTEPS samples.
    """
    n_events = ev_dir.shape[0]
    nd = y.shape[0]
    NS = _k.EVENT_SUBSTEPS
    S = G[4:]
    g(t_new, _ptr(y_new), _ptr(p), _row(G, 1), y_new.shape[0], p.shape[0])
    s_ = ints[0]
    # Detection samples: where the dense output needs extra stages (DOP853), the free cubic
    # Hermite interpolant of (y, f) at both ends (FSAL: K[0], K[s]) is used to look for
    # sign changes, and the dense output is built only for a step that has one; otherwise
    # (RK45, RK4: no extra stages) the dense output itself.
    hermite = ints[2] == 1 and ints[1] > s_ + 1
    nfev = 0
    have_dense = False
    if not hermite:
        nfev += _dense_prepare(f, t, h, y, y_new, p, A, c, P, ints, K, ytmp, Q)
        have_dense = True
    _k.copy1(S[0], G[0])
    _k.copy1(S[NS], G[1])
    # refine the sampling grid until it resolves every event function: three successive
    # grids (from 2, 4, 8 sub-intervals on) agree on the number of sign changes and turns,
    # and there are at least 4 sub-intervals per feature; bounded by NS
    # (inlined into solve_one: a call with this many arrays costs two atomic
    # reference-count updates per array, per step)
    M = 2
    if have_dense:
        _k.dense_eval(0.5, y, Q, ybuf, nd)
    else:
        _k.hermite_eval(0.5, h, y, y_new, K, s_, ybuf, nd)
    g(t + 0.5 * h, _ptr(ybuf), _ptr(p), _row(G, 4 + NS // 2), ybuf.shape[0], p.shape[0])
    prev = _features(S, M, n_events)
    agree = 0
    cur = prev
    while M < NS:
        stride = NS // (2 * M)
        for j in range(M):
            idx = (2 * j + 1) * stride
            th = idx / NS
            if have_dense:
                _k.dense_eval(th, y, Q, ybuf, nd)
            else:
                _k.hermite_eval(th, h, y, y_new, K, s_, ybuf, nd)
            g(t + th * h, _ptr(ybuf), _ptr(p), _row(G, 4 + idx), ybuf.shape[0], p.shape[0])
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
        nfev += _dense_prepare(f, t, h, y, y_new, p, A, c, P, ints, K, ytmp, Q)
        have_dense = True
        stride = NS // M
        for j in range(1, M):
            th = (j * stride) / NS
            _k.dense_eval(th, y, Q, ybuf, nd)
            g(t + th * h, _ptr(ybuf), _ptr(p), _row(G, 4 + j * stride), ybuf.shape[0], p.shape[0])
    stride = NS // M
    start = n_ev
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
            th = hi if gb == 0.0 else _locate_root(g, k, lo, hi, ga, gb, t, h, y, Q, p,
                                                   ybuf, G)
            ev_idx[n_ev] = k
            ev_t[n_ev] = th
            n_ev += 1
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
    # the terminal occurrence: the first, in time order, that brings an event's count to
    # its ev_term; events at the same time as it are kept too
    first_term = 2.0
    for i in range(start, n_ev):
        kk = ev_idx[i]
        if ev_t[i] > first_term:
            break
        ev_count[kk] += 1
        if ev_term[kk] > 0 and ev_count[kk] >= ev_term[kk] and first_term > 1.0:
            first_term = ev_t[i]
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


# ----------------------------------------------------------------------------------------
# the driver
# ----------------------------------------------------------------------------------------
@jit
def solve_one(fa, fj, ga, gj, t0, t1, p, A, c, b, E, E3, P, ints, err_exp, rtol, atol,
              first_step, max_step, max_steps, t_eval, record_steps, dense, ev_dir, ev_term,
              ev_count, K, Q, W, G, fs, ist, ts, ys, ev_idx, ev_t, ev_y, d_t, d_h, d_y, d_Q):
    """Integrate one trajectory, recording steps or t_eval points, events, dense output.

    (fa, fj) and (ga, gj): the addresses of the right-hand side and of the events
    function (see the module docstring). Work arrays: K (S, n) stages, Q (D, n)
    interpolant, W (5, n) = y, y_new, ytmp, ybuf, scale (W[0] holds y0 on the first call),
    G (4 + EVENT_SUBSTEPS + 1, max(1, n_events)). Resumable state: fs = [t, h],
    ist = [nfev, nsteps, nrejected, n_out, n_ev, n_dense, i_eval, started].
    Returns the status (2: a buffer is full, grow it and call again).

    No reference counting in the step loop: every array a Numba function receives or
    makes (a row view ``K[i]``, a helper's argument) is increfed and decrefed with atomic
    operations unless Numba's pruning pass can pair the two, which it cannot when the
    array dies inside a branch or the function has several exits. So the per-step
    arithmetic lives here or in single-exit inlined kernels whose arrays are all used up
    to their end (see :mod:`._kernels`), rows are copied by index loops, and the
    right-hand side is called with raw pointers. Measured on DOP853 at n = 2 against the
    previous version of this loop: 33.9 -> ~10 us per solve (54 steps, 5 rejected);
    see ``benchmarks/bench_driver.py`` part 5 (the driver against CyRK's, per step).
    """
    f = _fn(fa, fj)
    g = _fn(ga, gj)
    has_events = ev_dir.shape[0] > 0
    direction = 1.0 if t1 >= t0 else -1.0
    y = W[0]
    nd = y.shape[0]
    y_new = W[1]
    ytmp = W[2]
    ybuf = W[3]
    scale = W[4]
    s = ints[0]
    S_all = ints[1]
    fsal = ints[2] == 1
    err_mode = ints[3]
    first_extra = s + 1 if fsal else s
    if ist[7] == 0:
        ist[7] = 1
        fs[0] = t0
        fs[1] = 0.0
        # f(t0, y0) into K[0] and the first step size
        f(t0, _ptr(y), _ptr(p), _row(K, 0), y.shape[0], p.shape[0])
        ist[0] += 1
        if not (_k.all_finite_in(K[0], nd) and _k.all_finite_in(y, nd)):
            return -2
        interval = abs(t1 - t0)
        if err_mode == 0:
            h = first_step
        elif first_step > 0.0:
            h = min(first_step, interval)
        else:
            # Hairer's starting step (Hairer, Nørsett & Wanner I, II.4): one more f
            h0, d1 = _k.initial_step_trial(y, K[0], rtol, atol, interval, max_step,
                                           direction, ytmp)
            f(t0 + h0 * direction, _ptr(ytmp), _ptr(p), _row(K, 1), ytmp.shape[0], p.shape[0])
            ist[0] += 1
            h = _k.initial_step_finish(y, K[0], K[1], h0, d1, -1.0 / err_exp - 1.0, rtol,
                                       atol, interval, max_step)
        fs[1] = h
        _k.record_start(t0, y, record_steps, t_eval, ts, ys, ist)
        if has_events:
            g(t0, _ptr(y), _ptr(p), _row(G, 0), y.shape[0], p.shape[0])
    t = fs[0]
    h = fs[1]
    status = 0
    ev_retry = 0
    while t != t1:
        if ist[1] >= max_steps:
            status = -3
            break
        if ((record_steps and ist[3] + 2 > ts.shape[0]) or (dense or has_events)
                and _k.buffers_full(_unref(ist), ev_dir.shape[0], _unref(ev_t), dense,
                                    _unref(d_t))):
            status = 2
            break
        # ---- one accepted step from (t, y), starting with the trial step h ----
        # On success y_new holds the new state and K[:s+1] the stages (K[s] = f(t_new,
        # y_new) for FSAL methods). Bounded: a rejected step shrinks h by a factor <= 0.9,
        # a NaN h fails, and MAX_REJECT caps the count whatever the arithmetic does.
        st = 0
        nrej = 0
        rejected = False
        nonfinite = False
        t_new = t
        h_next = h
        if not fsal:
            f(t, _ptr(y), _ptr(p), _row(K, 0), y.shape[0], p.shape[0])
            ist[0] += 1
            if not _k.all_finite_row_in(K, 0, nd):
                st = -2
        while st == 0:
            habs = abs(h) if err_mode == 0 else min(abs(h), max_step)
            # min_step = 10 ulp of t in the direction of the step; at most 10 |t| eps (+ a
            # subnormal's ulp), so the library call is skipped whenever h is above that
            min_step = 0.0
            if not habs >= 10.0 * (abs(t) * 2.220446049250313e-16) + 1e-300:
                min_step = 10.0 * abs(np.nextafter(t, t + direction) - t)
            if not habs >= min_step:
                if rejected or not habs == habs or nrej >= _k.MAX_REJECT:
                    st = -2 if nonfinite else -1
                    break
                habs = min_step  # a tiny trial step (e.g. the last bit of the interval)
            elif nrej >= _k.MAX_REJECT:
                st = -2 if nonfinite else -1
                break
            t_new = t + direction * habs
            if direction * (t_new - t1) > 0.0:
                t_new = t1
            elif err_mode == 0 and abs(t1 - t_new) < 1e-7 * habs:
                t_new = t1  # fixed step: land exactly on t1 despite rounding
            h = t_new - t
            for i in range(1, s):
                _k.stage_state_in(i, h, y, A, K, ytmp)
                f(t + c[i] * h, _ptr(ytmp), _ptr(p), _row(K, i), ytmp.shape[0], p.shape[0])
            _k.combine_in(y, h, b, K, s, y_new, nd)
            ist[0] += s - 1
            if fsal:
                f(t_new, _ptr(y_new), _ptr(p), _row(K, s), y_new.shape[0], p.shape[0])
                ist[0] += 1
            # a non-finite stage reaches y_new or the error estimate (0 * nan = nan; the
            # sums run over every stage), so checking y_new and err covers them all
            if not _k.all_finite_in(y_new, nd):
                nonfinite = True
                rejected = True
                nrej += 1
                h = h * _k.MIN_FACTOR
                continue
            if err_mode == 0:
                h_next = h
                break
            _k.error_weights_in(y, y_new, rtol, atol, scale, nd)
            # the error norm, written out here: as an inlined kernel inside the branch on
            # err_mode, Numba keeps reference-count updates of K and E (atomic operations)
            # in the step loop
            err = 0.0
            if err_mode == 1:  # RMS norm of h Σ_m E_m K_m
                acc2 = 0.0
                if nd >= _k.VEC_MIN:  # the stage sums vectorised over the state, in ytmp
                    # (four terms per pass, in the order of one at a time, as in
                    # _kernels.stage_state)
                    w = E[0]
                    for j in range(nd):
                        ytmp[j] = w * K[0, j]
                    for mb in range(s // 4):
                        m = 1 + 4 * mb
                        w0 = E[m]
                        w1 = E[m + 1]
                        w2 = E[m + 2]
                        w3 = E[m + 3]
                        for j in range(nd):
                            ytmp[j] = (ytmp[j] + w0 * K[m, j] + w1 * K[m + 1, j]
                                       + w2 * K[m + 2, j] + w3 * K[m + 3, j])
                    for m in range(1 + 4 * (s // 4), s + 1):
                        w = E[m]
                        for j in range(nd):
                            ytmp[j] += w * K[m, j]
                    for j in range(nd):
                        r = h * ytmp[j] * scale[j]
                        acc2 += r * r
                else:  # two or three components per pass over the stages
                    j0 = 0
                    if nd == 3:
                        e0 = 0.0
                        e1 = 0.0
                        e2 = 0.0
                        for m in range(s + 1):
                            w = E[m]
                            e0 += w * K[m, 0]
                            e1 += w * K[m, 1]
                            e2 += w * K[m, 2]
                        r = h * e0 * scale[0]
                        acc2 += r * r
                        r = h * e1 * scale[1]
                        acc2 += r * r
                        r = h * e2 * scale[2]
                        acc2 += r * r
                        j0 = 3
                    for jb in range((nd - j0) // 2):
                        j = j0 + 2 * jb
                        e0 = 0.0
                        e1 = 0.0
                        for m in range(s + 1):
                            w = E[m]
                            e0 += w * K[m, j]
                            e1 += w * K[m, j + 1]
                        r = h * e0 * scale[j]
                        acc2 += r * r
                        r = h * e1 * scale[j + 1]
                        acc2 += r * r
                    for j in range(nd - (nd - j0) % 2, nd):
                        e = 0.0
                        for m in range(s + 1):
                            e += E[m] * K[m, j]
                        r = h * e * scale[j]
                        acc2 += r * r
                err = np.sqrt(acc2 / nd)
            else:  # DOP853's combined norm of its 5th- and 3rd-order estimates
                e5 = 0.0
                e3 = 0.0
                n2 = nd // 2
                if nd >= _k.VEC_MIN:  # the sums vectorised over the state, in ytmp, ybuf
                    w5 = E[0]
                    w3 = E3[0]
                    for j in range(nd):
                        ytmp[j] = w5 * K[0, j]
                        ybuf[j] = w3 * K[0, j]
                    for mb in range(s // 2):  # two terms of each per pass
                        m = 1 + 2 * mb
                        w5 = E[m]
                        w3 = E3[m]
                        v5 = E[m + 1]
                        v3 = E3[m + 1]
                        for j in range(nd):
                            k0 = K[m, j]
                            k1 = K[m + 1, j]
                            ytmp[j] = ytmp[j] + w5 * k0 + v5 * k1
                            ybuf[j] = ybuf[j] + w3 * k0 + v3 * k1
                    for m in range(1 + 2 * (s // 2), s + 1):
                        w5 = E[m]
                        w3 = E3[m]
                        for j in range(nd):
                            ytmp[j] += w5 * K[m, j]
                            ybuf[j] += w3 * K[m, j]
                    for j in range(nd):
                        ytmp[j] *= scale[j]
                        ybuf[j] *= scale[j]
                    for jb in range(n2):  # summed in the order of the form below
                        j = 2 * jb
                        e5 += ytmp[j] * ytmp[j] + ytmp[j + 1] * ytmp[j + 1]
                        e3 += ybuf[j] * ybuf[j] + ybuf[j + 1] * ybuf[j + 1]
                    for j in range(2 * n2, nd):
                        e5 += ytmp[j] * ytmp[j]
                        e3 += ybuf[j] * ybuf[j]
                else:
                    if nd == 3:  # the pair and the last one in one loop: six chains
                        a50 = 0.0
                        a51 = 0.0
                        a52 = 0.0
                        a30 = 0.0
                        a31 = 0.0
                        a32 = 0.0
                        for m in range(s + 1):
                            w5 = E[m]
                            w3 = E3[m]
                            k0 = K[m, 0]
                            k1 = K[m, 1]
                            k2 = K[m, 2]
                            a50 += w5 * k0
                            a51 += w5 * k1
                            a52 += w5 * k2
                            a30 += w3 * k0
                            a31 += w3 * k1
                            a32 += w3 * k2
                        a50 *= scale[0]
                        a30 *= scale[0]
                        a51 *= scale[1]
                        a31 *= scale[1]
                        a52 *= scale[2]
                        a32 *= scale[2]
                        e5 += a50 * a50 + a51 * a51
                        e3 += a30 * a30 + a31 * a31
                        e5 += a52 * a52
                        e3 += a32 * a32
                        n2 = 0
                    for jb in range(n2):  # two components at a time: four chains
                        j = 2 * jb
                        a50 = 0.0
                        a51 = 0.0
                        a30 = 0.0
                        a31 = 0.0
                        for m in range(s + 1):
                            w5 = E[m]
                            w3 = E3[m]
                            k0 = K[m, j]
                            k1 = K[m, j + 1]
                            a50 += w5 * k0
                            a51 += w5 * k1
                            a30 += w3 * k0
                            a31 += w3 * k1
                        a50 *= scale[j]
                        a30 *= scale[j]
                        a51 *= scale[j + 1]
                        a31 *= scale[j + 1]
                        e5 += a50 * a50 + a51 * a51
                        e3 += a30 * a30 + a31 * a31
                    for j in range(2 * (nd // 2) if nd != 3 else 3, nd):
                        a5 = 0.0
                        a3 = 0.0
                        for m in range(s + 1):
                            a5 += E[m] * K[m, j]
                            a3 += E3[m] * K[m, j]
                        a5 *= scale[j]
                        a3 *= scale[j]
                        e5 += a5 * a5
                        e3 += a3 * a3
                if not (e5 == 0.0 and e3 == 0.0):
                    err = abs(h) * e5 / np.sqrt((e5 + 0.01 * e3) * nd)
            factor = _k.step_factor_in(err, err_exp, rejected)
            if err < 1.0:
                h_next = h * factor
                break
            if not np.isfinite(err):
                nonfinite = True
            h = h * factor
            rejected = True
            nrej += 1
        ist[2] += nrej
        if st < 0:
            status = st
            break
        ist[1] += 1
        h_step = t_new - t
        have_dense = False
        first_term = 2.0
        if has_events:
            # (the arrays without reference counts: the inlined code's copies of them
            # would otherwise cost two atomic updates each, per step)
            n_ev, first_term, have_dense, nf, cap = _step_events(
                f, g, t, h_step, t_new, _unref(y), _unref(y_new), _unref(p), _unref(A),
                _unref(c), _unref(P), _unref(ints), _unref(K), _unref(Q), _unref(ytmp),
                _unref(ybuf), _unref(G), _unref(ev_dir), _unref(ev_term), _unref(ev_count),
                _unref(ev_idx), _unref(ev_t), _unref(ev_y), ist[4],
                ev_retry < 30 and err_mode != 0)
            ist[0] += nf
            if cap < 0.0:  # the event functions vary too fast for this step: retry shorter
                ist[1] -= 1
                ist[2] += 1
                ev_retry += 1
                h = 0.25 * h_step
                continue
            ev_retry = 0
            ist[4] = n_ev
            if err_mode != 0 and abs(h_next) > cap * abs(h_step):
                h_next = cap * abs(h_step)
        t_stop = t_new
        if first_term < 1.0:
            t_stop = t + first_term * h_step
        i_eval = ist[6]
        eval_due = i_eval < t_eval.shape[0] and direction * (t_eval[i_eval] - t_stop) <= 0.0
        if dense or eval_due or first_term <= 1.0:
            if not have_dense and (dense or (eval_due and t_eval[i_eval] != t_new)
                                   or first_term < 1.0):
                # the dense output: its extra stages, then the interpolant's coefficients
                for i in range(first_extra, S_all):
                    _k.stage_state(i, h_step, y, A, K, ytmp)
                    f(t + c[i] * h_step, _ptr(ytmp), _ptr(p), _row(K, i), ytmp.shape[0], p.shape[0])
                ist[0] += S_all - first_extra
                _k.dense_coeffs(h_step, y, y_new, K, P, S_all, Q, nd)
            status = _k.finish_step(t, h_step, t_new, t_stop, first_term, direction, y,
                                    y_new, Q, ybuf, record_steps, dense, t_eval, ts, ys, d_t,
                                    d_h, d_y, d_Q, ist, nd)
            if status == 1:
                t = t_stop
                break
        else:  # the common case: record the step, move on
            # (loops written out: a row view such as ys[k] or a call of a cached kernel
            # with arrays costs reference-count updates, atomic operations, every step)
            if record_steps:
                k_out = ist[3]
                ts[k_out] = t_new
                for j in range(nd):
                    ys[k_out, j] = y_new[j]
                ist[3] = k_out + 1
            for j in range(nd):
                y[j] = y_new[j]
        t = t_new
        if fsal:
            for j in range(nd):
                K[0, j] = K[s, j]
        if has_events:
            for j in range(G.shape[1]):
                G[0, j] = G[1, j]
        h = h_next
    fs[0] = t
    fs[1] = h
    return status


@jit
def run_chunk(ch, fa, fj, ga, gj, t0, t1, Y0, Pm, A, c, b, E, E3, P, ints, err_exp, rtol,
              atol, max_step, max_steps, t_eval, ev_dir, ev_term, first, out, t_final,
              status, counts, Kw, Qw, Ww, Gw, Iw, Fw, TSw, Yw, Ew, EIw, EYw, ev_store_t,
              ev_store_y, ev_store_k, ev_store_m, ev_used, no_f, no_y, no_q):
    """Members ch, ch + c, ch + 2c, ... of the ensemble (from ``first[ch]`` on), each by
    :func:`solve_one` with chunk ch's work arrays.

    Work arrays come from the caller, one set per chunk (``Kw[ch]`` ... ), so nothing is
    allocated per trajectory. Chunks run concurrently on threads (the kernels release the
    GIL); members are interleaved across chunks for load balance. Every member is computed
    by the same sequence of operations as a lone :func:`solve_one` call, whichever thread
    runs it, so results equal one-by-one solves and do not depend on the thread count.

    Output: ``out[i]`` (n, m) the t_eval states (or the final state), ``t_final[i]``,
    ``status[i]``, ``counts[i]`` = (nfev, nsteps, nrejected, n_out). Events: recorded into
    the chunk's store ``ev_store_*[ch]`` (time, state, event index, member index) up to its
    capacity; when it is full the chunk stops before the member that did not fit
    (``first[ch]`` = that member) and returns 2: the caller grows the stores and calls
    again. Returns 0 when the chunk is done.
    """
    k = Y0.shape[0]
    n_chunks = Kw.shape[0]
    n = Y0.shape[1]
    n_events = ev_dir.shape[0]
    K = Kw[ch]
    Q = Qw[ch]
    W = Ww[ch]
    G = Gw[ch]
    ist = Iw[ch]
    fs = Fw[ch]
    ts = TSw[ch]
    ys = Yw[ch]
    ev_t = Ew[ch]
    ev_idx = EIw[ch]
    ev_y = EYw[ch]
    ev_count = ist[8:8 + max(n_events, 1)]
    cap = ev_store_t.shape[1]
    for i in range(first[ch], k, n_chunks):
        for j in range(ist.shape[0]):
            ist[j] = 0
        for j in range(n):
            W[0, j] = Y0[i, j]
        used0 = ev_used[ch]
        st = 0
        for _ in range(1 << 40):  # bounded: every pass flushes or ends
            st = solve_one(fa, fj, ga, gj, t0, t1, Pm[i], A, c, b, E, E3, P, ints, err_exp,
                           rtol, atol, 0.0, max_step, max_steps, t_eval, False, False,
                           ev_dir, ev_term, ev_count, K, Q, W, G, fs, ist, ts, ys, ev_idx,
                           ev_t, ev_y, no_f, no_f, no_y, no_q)
            if n_events > 0 and ist[4] > 0:  # flush the member's events to the store
                m_ev = ist[4]
                u = ev_used[ch]
                if u + m_ev > cap:
                    ev_used[ch] = used0  # drop this member's events; redo it after growing
                    first[ch] = i
                    return 2
                for e in range(m_ev):
                    ev_store_t[ch, u + e] = ev_t[e]
                    ev_store_k[ch, u + e] = ev_idx[e]
                    ev_store_m[ch, u + e] = i
                    for j in range(n):
                        ev_store_y[ch, u + e, j] = ev_y[e, j]
                ev_used[ch] = u + m_ev
                ist[4] = 0
            if st != 2:
                break
        status[i] = st
        t_final[i] = fs[0]
        counts[i, 0] = ist[0]
        counts[i, 1] = ist[1]
        counts[i, 2] = ist[2]
        counts[i, 3] = ist[3]
        m_out = out.shape[2]
        if st < 0:
            for j in range(n):
                for m in range(m_out):
                    out[i, j, m] = np.nan
        elif t_eval.shape[0] == 0:
            for j in range(n):
                out[i, j, 0] = W[0, j]
        else:
            n_out = ist[3]
            for m in range(m_out):
                if m < n_out:
                    for j in range(n):
                        out[i, j, m] = ys[m, j]
                else:  # after a terminal event
                    for j in range(n):
                        out[i, j, m] = np.nan
    first[ch] = k
    return 0


def _flush_if_kernels_changed():
    """Numba's disk cache of a function is keyed on its own source file only: an edited
    :mod:`._kernels` (whose functions are compiled into the driver) would leave a stale
    driver on disk. The driver's cache is flushed whenever the kernels' source differs
    from the one it was compiled with (a stamp file beside the cache)."""
    import hashlib
    import os

    if _jit.DISABLED:
        return
    cache = getattr(solve_one, "_cache", None)
    path = getattr(cache, "_cache_path", None)
    if path is None:
        return
    try:
        with open(_k.__file__, "rb") as fh:
            stamp = hashlib.sha256(fh.read()).hexdigest()
        marker = os.path.join(path, "_driver.kernels-stamp")
        old = None
        if os.path.exists(marker):
            with open(marker, encoding="ascii") as fh:
                old = fh.read().strip()
        if old == stamp:
            return
        for disp in (solve_one, run_chunk, _step_events, _locate_root, _any_crossing,
                     _crosses, _features, _no_events):
            c = getattr(disp, "_cache", None)
            if c is not None:
                c.flush()
        os.makedirs(path, exist_ok=True)
        tmp = f"{marker}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(stamp)
        os.replace(tmp, marker)
    except OSError:  # a read-only installation: nothing to flush or record
        pass


_flush_if_kernels_changed()
