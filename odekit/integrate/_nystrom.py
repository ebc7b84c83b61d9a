"""Runge–Kutta–Nyström pairs for special second-order systems: a compiled solve loop.

The class of problems: ``q'' = g(t, q)``, the acceleration independent of the velocity
(gravitational N-body problems such as Pleiades, Kepler, molecular dynamics without
friction, the Mathieu and Hill equations). The user writes the usual first-order
right-hand side over ``y = (q, v)`` (n = 2m states): ``dydt[:m] = v`` and ``dydt[m:] =
g(t, q)``. A Nyström step uses only the second half (stages in the position only), which
takes fewer evaluations of ``fun`` at equal error than a first-order pair on the same
system (measured on Pleiades: ``benchmarks/explore_rkn.py``).

What this module shares with the first-order driver (:mod:`odekit.integrate._driver`):
the right-hand side as a function pointer (:data:`~odekit.integrate._driver.FN_SIG`, the
same wrappers, the same compile cache), the step-size controller (standard controller,
safety 0.9, factors in [0.2, 10], exponent ``-1/(p_hat + 1)``; the RMS norm of the
embedded error estimate over *both* q and v with the weights ``atol + rtol max(|y|,
|y_new|)``), Hairer's starting step (on the first-order form), the minimum step, the
status codes (:class:`odekit.integrate.Status`), the output kernels for ``t_eval`` and
dense output (:func:`odekit.integrate._kernels.finish_step`; the step's interpolant in
the driver's format, so :class:`odekit.integrate.DenseSolution` evaluates it) and the
workspace pool of :func:`odekit.solve_ivp`. It is a loop of its own so that the first-order
methods' hot loop does not change.

Structure check (once per solve, at t0, inside the compiled loop; one extra evaluation):
``fun(t0, y0)[:m]`` must equal ``y0[m:]`` exactly, and ``fun(t0, y0')[m:]`` must equal
``fun(t0, y0)[m:]`` exactly where ``y0'`` has the same positions and changed velocities
(``v + (1 + |v|) * (1/8, -1/16, 1/8, ...)``). Otherwise :func:`odekit.solve_ivp` raises
ValueError naming the method. A velocity dependence that vanishes at that one point
escapes the check (a term ``v_x^2 - 1`` at ``v_x = 1``, say): the class of the problem is
the caller's promise; the check catches the usual mistakes (a damping or Coriolis term, a
first-order system that is not of this shape, a state in another order).

Dense output: DPRKN6's own continuous extension (order 6 in q, 5 in v, no extra
stage). DPRKN8 and DPRKN12 have none published: their ``sol`` is the quintic Hermite
interpolant of (q, v, g) at both ends of each step (free: g at the step's end is the next
step's first stage), of order 5 in the position and 4 in the velocity (its derivative),
lower than the methods' orders, so asking for it warns; their steps end on the
``t_eval`` points instead, so every ``t_eval`` value is a step's end, at the method's
accuracy (extra steps where the points are denser than the steps).

Not supported with these methods (each a clear ValueError): events, ``step``, complex
``y0``, ``solve_ensemble`` and ``method="auto"`` (which cannot know the structure).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _jit
from .._jit import jit
from . import _kernels as _k
from ._driver import _fn, _ptr, _row

#: status codes of the structure check (not :class:`Status` values: input errors)
NOT_SECOND_ORDER = -10  # dydt[:m] != y[m:]
VELOCITY_DEPENDENT = -11  # dydt[m:] changed with the velocity
ODD_SIZE = -12
D_DENSE = 6  # rows of the step's interpolant (Δy, then 5 remainder coefficients)


@jit
def rkn_dense_coeffs(h, y, y_new, G, i_end, R1, R2, own, s, Q, m):
    """The step's interpolant in the driver's format (see
    :func:`odekit.integrate._kernels.dense_eval`): Q[0] = y_new - y, Q[1 + k] the
    remainder coefficients of the polynomial q(θ) with y(θ) = y + θ q(θ).

    G rows 0 .. s - 1 hold the stages (accelerations in columns m..2m-1); row ``i_end`` is
    g(t + h, q_new). ``own``: the method's continuous extension R1 (bbar_i(θ)), R2 (b_i(θ));
    else the quintic Hermite interpolant of (q, v, g) at both ends.
    """
    n = 2 * m
    for j in range(n):
        Q[0, j] = y_new[j] - y[j]
    for d in range(1, D_DENSE):
        for j in range(n):
            Q[d, j] = 0.0
    # first the coefficients alpha_d (d = 1..5) of q(θ) = Σ_d alpha_d θ^d into Q[d] ...
    h2 = h * h
    for j in range(m):
        if own:
            for d in range(R1.shape[1]):
                acc1 = 0.0
                acc2 = 0.0
                for i in range(s):
                    gi = G[i, m + j]
                    acc1 += R1[i, d] * gi
                    acc2 += R2[i, d] * gi
                Q[d + 1, j] = h2 * acc1
                if d >= 1:
                    Q[d, m + j] = h * acc2
        else:
            A0 = h * y[m + j]
            A1 = h * y_new[m + j]
            B0 = h2 * G[0, m + j]
            B1 = h2 * G[i_end, m + j]
            X = Q[0, j] - A0 - 0.5 * B0
            Y = A1 - A0 - B0
            Z = B1 - B0
            c3 = 10.0 * X - 4.0 * Y + 0.5 * Z
            c4 = -15.0 * X + 7.0 * Y - Z
            c5 = 6.0 * X - 3.0 * Y + 0.5 * Z
            Q[1, j] = 0.5 * B0
            Q[2, j] = c3
            Q[3, j] = c4
            Q[4, j] = c5
            Q[1, m + j] = 3.0 * c3 / h
            Q[2, m + j] = 4.0 * c4 / h
            Q[3, m + j] = 5.0 * c5 / h
    # ... then in place the remainder: q(θ) = Δ + (1 - θ) r(θ), r_k = -Σ_{d > k} alpha_d
    for j in range(n):
        run = 0.0
        for k in range(D_DENSE - 2, -1, -1):
            run += Q[k + 1, j]
            Q[k + 1, j] = -run


@jit(inline="always")
def _wsum(M, r, k_end, G, m, out):
    """out[:m] = Σ_{k < k_end} M[r, k] G[k, m:2m] (the accelerations), four terms per pass
    over the state (contiguous, vectorised), in the order of one term at a time. (A row
    index, not a row view: a view would cost reference-count updates every call.)"""
    w0 = M[r, 0]
    for j in range(m):
        out[j] = w0 * G[0, m + j]
    for kb in range((k_end - 1) // 4):
        k = 1 + 4 * kb
        w0 = M[r, k]
        w1 = M[r, k + 1]
        w2 = M[r, k + 2]
        w3 = M[r, k + 3]
        for j in range(m):
            out[j] = (out[j] + w0 * G[k, m + j] + w1 * G[k + 1, m + j]
                      + w2 * G[k + 2, m + j] + w3 * G[k + 3, m + j])
    for k in range(1 + 4 * ((k_end - 1) // 4), k_end):
        wk = M[r, k]
        for j in range(m):
            out[j] += wk * G[k, m + j]


@jit
def solve_rkn(fa, fj, t0, t1, p, M, c, R1, R2, ints, err_exp, rtol, atol,
              first_step, max_step, max_steps, t_eval, record_steps, dense, G, Q, W, fs, ist,
              ts, ys, d_t, d_h, d_y, d_Q):
    """Integrate one trajectory of y = (q, v), y' = (v, g(t, q)) with a Nyström pair.

    Arguments as :func:`odekit.integrate._driver.solve_one` (without events), the tableau
    as ``NystromTableau.kernel_arrays()`` (M: the rows of Abar, then bbar, b, Ebar, Eb);
    G (s + 1, n): stage rows (row s is scratch: the
    structure check, and g at the step's end for a method without FSAL). Resumable
    (status 2: a buffer is full). Returns the status, or :data:`NOT_SECOND_ORDER` /
    :data:`VELOCITY_DEPENDENT` / :data:`ODD_SIZE` when the structure check fails.
    """
    f = _fn(fa, fj)
    direction = 1.0 if t1 >= t0 else -1.0
    y = W[0]
    n = y.shape[0]
    m = n // 2
    y_new = W[1]
    ytmp = W[2]
    ybuf = W[3]
    scale = W[4]
    s = ints[0]
    fsal = ints[1] == 1
    own = ints[2] == 1
    # without a continuous extension of the method's order, steps end on the t_eval
    # points, so that each of them is a step's end (the method's accuracy), not a value
    # of the lower-order Hermite interpolant
    land = not own and t_eval.shape[0] > 0
    last = s - 1 if fsal else s  # stages summed into q_new
    i_end = s - 1 if fsal else s  # the row holding g(t_new, q_new) after a step
    if ist[7] == 0:
        ist[7] = 1
        if n % 2 != 0 or n == 0:
            return ODD_SIZE
        fs[0] = t0
        fs[1] = 0.0
        f(t0, _ptr(y), _ptr(p), _row(G, 0), n, p.shape[0])
        ist[0] += 1
        if not (_k.all_finite_row(G, 0, n) and _k.all_finite(y, n)):
            return -2
        # the structure check: dq/dt = v exactly, and g independent of v
        for j in range(m):
            if G[0, j] != y[m + j]:
                return NOT_SECOND_ORDER
        for j in range(m):
            ytmp[j] = y[j]
            dv = 0.125 if j % 2 == 0 else -0.0625
            ytmp[m + j] = y[m + j] + (1.0 + abs(y[m + j])) * dv
        f(t0, _ptr(ytmp), _ptr(p), _row(G, s), n, p.shape[0])
        ist[0] += 1
        for j in range(m):
            if G[s, j] != ytmp[m + j]:
                return NOT_SECOND_ORDER
            if G[s, m + j] != G[0, m + j]:
                return VELOCITY_DEPENDENT
        interval = abs(t1 - t0)
        if first_step > 0.0:
            h = min(first_step, interval)
        else:
            h0, d1 = _k.initial_step_trial(y, G[0], rtol, atol, interval, max_step,
                                           direction, ytmp)
            f(t0 + h0 * direction, _ptr(ytmp), _ptr(p), _row(G, 1), n, p.shape[0])
            ist[0] += 1
            h = _k.initial_step_finish(y, G[0], G[1], h0, d1, -1.0 / err_exp - 1.0, rtol,
                                       atol, interval, max_step)
        fs[1] = h
        _k.record_start(t0, y, record_steps, t_eval, ts, ys, ist)
    t = fs[0]
    h = fs[1]
    status = 0
    while t != t1:
        if ist[1] >= max_steps:
            status = -3
            break
        if (record_steps and ist[3] + 2 > ts.shape[0]) or (dense and ist[5] + 1 > d_t.shape[0]):
            status = 2
            break
        st = 0
        nrej = 0
        rejected = False
        nonfinite = False
        t_new = t
        h_next = h
        for j in range(m):
            if not np.isfinite(G[0, m + j]):
                st = -2
        for j in range(m):  # the stages' velocities (never read by g)
            ytmp[m + j] = y[m + j]
        while st == 0:
            habs = min(abs(h), max_step)
            min_step = 0.0
            if not habs >= 10.0 * (abs(t) * 2.220446049250313e-16) + 1e-300:
                min_step = 10.0 * abs(np.nextafter(t, t + direction) - t)
            if not habs >= min_step:
                if rejected or not habs == habs or nrej >= _k.MAX_REJECT:
                    st = -2 if nonfinite else -1
                    break
                habs = min_step
            elif nrej >= _k.MAX_REJECT:
                st = -2 if nonfinite else -1
                break
            t_new = t + direction * habs
            if direction * (t_new - t1) > 0.0:
                t_new = t1
            if land:  # end the step on the next t_eval point (a Hermite-output method)
                ie = ist[6]
                if ie < t_eval.shape[0] and direction * (t_new - t_eval[ie]) > 0.0:
                    t_new = t_eval[ie]
            h = t_new - t
            h2 = h * h
            for i in range(1, last):
                _wsum(M, i, i, G, m, ybuf)
                ch = c[i] * h
                for j in range(m):
                    ytmp[j] = y[j] + ch * y[m + j] + h2 * ybuf[j]
                f(t + c[i] * h, _ptr(ytmp), _ptr(p), _row(G, i), n, p.shape[0])
            ist[0] += last - 1
            _wsum(M, s, last, G, m, ybuf)
            for j in range(m):
                y_new[j] = y[j] + h * y[m + j] + h2 * ybuf[j]
            if fsal:
                for j in range(m):
                    ytmp[j] = y_new[j]
                f(t_new, _ptr(ytmp), _ptr(p), _row(G, s - 1), n, p.shape[0])
                ist[0] += 1
            _wsum(M, s + 1, s, G, m, ybuf)
            for j in range(m):
                y_new[m + j] = y[m + j] + h * ybuf[j]
            if not _k.all_finite_in(y_new, n):
                nonfinite = True
                rejected = True
                nrej += 1
                h = h * _k.MIN_FACTOR
                continue
            _k.error_weights_in(y, y_new, rtol, atol, scale, n)
            acc2 = 0.0
            _wsum(M, s + 2, s, G, m, ybuf)
            for j in range(m):
                r = h2 * ybuf[j] * scale[j]
                acc2 += r * r
            _wsum(M, s + 3, s, G, m, ybuf)
            for j in range(m):
                r = h * ybuf[j] * scale[m + j]
                acc2 += r * r
            err = np.sqrt(acc2 / n)
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
        if not fsal:  # g at the new point: the next step's first stage
            f(t_new, _ptr(y_new), _ptr(p), _row(G, s), n, p.shape[0])
            ist[0] += 1
        i_eval = ist[6]
        eval_due = i_eval < t_eval.shape[0] and direction * (t_eval[i_eval] - t_new) <= 0.0
        if dense or eval_due:
            rkn_dense_coeffs(h_step, y, y_new, G, i_end, R1, R2, own, s, Q, m)
            _k.finish_step(t, h_step, t_new, t_new, 2.0, direction, y, y_new, Q, ybuf,
                           record_steps, dense, t_eval, ts, ys, d_t, d_h, d_y, d_Q, ist, n)
        else:
            if record_steps:
                k_out = ist[3]
                ts[k_out] = t_new
                for j in range(n):
                    ys[k_out, j] = y_new[j]
                ist[3] = k_out + 1
            for j in range(n):
                y[j] = y_new[j]
        t = t_new
        for j in range(n):
            G[0, j] = G[i_end, j]
        h = h_next
    fs[0] = t
    fs[1] = h
    return status


# ----------------------------------------------------------------------------------------
# Python side: solve_ivp(method="DPRKN...") and compile_solver
# ----------------------------------------------------------------------------------------
def structure_error(method, code, n):
    """The ValueError of a failed structure check (``code`` from :func:`solve_rkn`)."""
    m = n // 2
    form = (f"method={method!r} is a Runge-Kutta-Nystrom pair for special second-order "
            f"systems q'' = g(t, q): y = (q, v) with n = 2m states and fun returning "
            f"dydt[:m] = y[m:] (the velocities, exactly) and dydt[m:] = g(t, q), "
            f"independent of the velocities")
    if code == ODD_SIZE:
        return ValueError(f"{form}; y0 has {n} states (an odd number)")
    if code == NOT_SECOND_ORDER:
        return ValueError(f"{form}; here fun(t0, y0)[:{m}] is not y0[{m}:] (order the "
                          "state as positions first, then velocities, and return the "
                          "velocities unchanged as their derivatives)")
    return ValueError(f"{form}; here dydt[{m}:] changed when the velocities y[{m}:] were "
                      "changed (at t0): the acceleration depends on the velocity (damping, "
                      "Coriolis or magnetic forces ...), so this method does not apply: use "
                      "a first-order method such as 'DOP853' or 'Vern9'")


def solve_ivp_rkn(method, fun, t_span, y0, *, params, rtol, atol, t_eval, dense_output,
                  events, first_step, max_step, max_steps, step):
    """:func:`odekit.solve_ivp` with a Runge–Kutta–Nyström method (see the module)."""
    from . import _validate as V
    from ._codegen import globals_print
    from ._dense import DenseSolution
    from ._results import IntegrationError, OdeResult
    from ._status import Status
    from ._tableaux import NYSTROM
    from .ivp import (
        _BUF_COUNTER,
        _CAP0,
        _check_tolerances,
        _give_back,
        _is_complex,
        _no_steps,
        _take_work,
        rhs_addresses,
    )

    tab = NYSTROM[method]
    if events is not None:
        raise ValueError(f"events are not supported with method={method!r} (a "
                         "Runge-Kutta-Nystrom pair); use a first-order method such as "
                         "'DOP853' or 'Vern9' for a solve with events")
    if step is not None:
        raise ValueError(f"step is only for the fixed-step method 'RK4'; method {method!r} "
                         "is adaptive (use first_step or max_step)")
    if _is_complex(y0):
        raise ValueError(f"complex y0 is not supported with method={method!r}")
    t0, t1 = V.check_t_span(t_span, allow_equal=True, allow_infinite_end=False)
    y0 = V.check_y0(y0, allow_empty=False, copy=False)
    n = y0.shape[0]
    p = V.check_params(params, copy=False)
    # (the warning for a tiny rtol points at the caller of solve_ivp: 4 frames up)
    rtol, atol = _check_tolerances(V.check_rtol(rtol, n, stacklevel=5), atol, n)
    te = V.check_t_eval(t_eval, t0, t1, allow_empty=False)
    max_steps = V.check_max_steps(max_steps)
    max_step = V.check_max_step(max_step)
    h0 = V.step_size(method, None, first_step, abs(t1 - t0), max_steps, max_step)
    if n % 2:
        raise structure_error(method, ODD_SIZE, n)
    if t0 == t1:
        return _no_steps(fun, t0, t1, y0, p, te, (), True, dense_output)
    if atol[1]:
        V.check_pure_relative(atol[0], y0)
    atol = atol[0]
    dense_output = bool(dense_output)
    if dense_output and not tab.dense_order:
        warnings.warn(f"dense_output with method={method!r}: between steps, sol is the "
                      "quintic Hermite interpolant of (q, v, g) at the step's ends (order "
                      "5 in q, 4 in v), far less accurate than the steps; for accurate "
                      "output between steps pass those times as t_eval (the steps then "
                      "end on them), or use 'DPRKN6' (a continuous extension of order 6)",
                      UserWarning, stacklevel=4)
    hit = _LAST.get(id(fun))
    if (hit is not None and hit[0] is fun and hit[1] == n and hit[2] == p.shape[0]
            and hit[3] == globals_print(hit[4])[0]):
        f_addr = hit[5]  # the same function and globals: checked and compiled before
    else:
        disp, inplace = V.prepare_rhs(fun, t0, y0, p)
        f_addr = rhs_addresses(disp, inplace)
        if len(_LAST) > 64:
            _LAST.clear()
        py = getattr(fun, "py_func", fun)
        _LAST[id(fun)] = (fun, n, p.shape[0], globals_print(py)[0], py, f_addr)
    M, c, R1, R2, ints, err_exp = tab.kernel_arrays()
    record = te is None
    key, ws = _take_work(tab.n_stages + 1, D_DENSE, n, 0, _CAP0 if record else te.size + 1,
                         dense_output)
    G, Q, W, _, fs, ist, buf = ws
    W[0] = y0
    t_eval_arr = _NO_F if record else te
    grown = False
    while True:
        status = solve_rkn(f_addr[0], f_addr[1], t0, t1, p, M, c, R1, R2, ints,
                           err_exp, rtol, atol, h0, max_step, max_steps, t_eval_arr, record,
                           dense_output, G, Q, W, fs, ist, buf[0], buf[1], buf[5], buf[6],
                           buf[7], buf[8])
        if status != 2:
            break
        for k, arr in enumerate(buf):
            used = _BUF_COUNTER[k]
            if arr.shape[0] and ist[used] + 2 >= arr.shape[0] // 2:
                new = np.empty((4 * arr.shape[0],) + arr.shape[1:], dtype=arr.dtype)
                new[: arr.shape[0]] = arr
                buf[k] = new
                grown = True
    status = int(status)
    if status <= NOT_SECOND_ORDER:
        _give_back(key, ws)
        raise structure_error(method, status, n)
    nfev, nsteps, nrej, n_out, _, n_dense = ist[:6].tolist()
    if status < 0:
        t_reached = float(fs[0])
        if not grown:
            _give_back(key, ws)
        st = Status(status)
        hint = {-1: " (the problem may be stiff or singular there)", -2: "",
                -3: f" (max_steps={max_steps}; raise it if the work is expected)"}
        raise IntegrationError(f"Integration failed at t = {t_reached!r}: {st.message}"
                               f"{hint[status]}", t=t_reached, reason=st.message, status=st)
    ts, ys = buf[0], buf[1]
    t = ts[:n_out].copy()
    y = ys[:n_out].T.copy()
    sol = None
    if dense_output:
        sol = DenseSolution(t0, float(fs[0]), buf[5][:n_dense].copy(),
                            buf[6][:n_dense].copy(), buf[7][:n_dense].copy(),
                            buf[8][:n_dense].copy())
    if not grown:
        _give_back(key, ws)
    st = Status(status)
    return OdeResult(t, y, sol, None, None, nfev, nsteps, nrej, status, st.message, True)


_NO_F = np.empty(0)
_LAST: dict = {}  # id(fun) -> (fun, n, len(p), addresses, dispatcher): repeat calls


def _loop_pointer():
    """:func:`odekit.integrate.compiled.loop_pointer` of :func:`solve_rkn`."""
    from numba import types as nbt

    from .compiled import loop_pointer

    F, i8, B = nbt.float64, nbt.int64, nbt.boolean
    A1, A2, A3, I1 = nbt.float64[::1], nbt.float64[:, ::1], nbt.float64[:, :, ::1], \
        nbt.int64[::1]
    argt = (i8, i8, F, F, A1, A2, A1, A2, A2, I1, F, F, A1, F, F, i8, A1, B, B, A2, A2, A2,
            A1, I1, A1, A2, A1, A1, A2, A3)
    return loop_pointer("nystrom", solve_rkn, argt)


def compile_rkn_solver(method, fun, y0, p, max_steps):
    """:func:`odekit.compile_solver` for a Runge–Kutta–Nyström method: the same
    ``CompiledSolver`` interface (``solve``, ``solve_at``); the structure is checked at
    ``(0, y0, p)`` here and again, at t0, by every solve (a ValueError)."""
    from . import _validate as V
    from ._driver import _unref
    from ._tableaux import NYSTROM
    from .compiled import _KEEP, CompiledSolver, raise_for_status, rk_checks, rk_entry_points
    from .ivp import rhs_addresses

    tab = NYSTROM[method]
    n, M = y0.shape[0], p.shape[0]
    if n % 2:
        raise structure_error(method, ODD_SIZE, n)
    disp, inplace = V.prepare_rhs(fun, 0.0, y0, p)
    # the structure check now, in Python (so compile_solver itself fails loudly)
    d0 = np.empty(n)
    d1 = np.empty(n)
    yv = y0.copy()
    m = n // 2
    yv[m:] = y0[m:] + (1.0 + np.abs(y0[m:])) * np.where(np.arange(m) % 2 == 0, 0.125, -0.0625)
    _call(disp, inplace, 0.0, y0, p, d0)
    _call(disp, inplace, 0.0, yv, p, d1)
    if not (np.array_equal(d0[:m], y0[m:]) and np.array_equal(d1[:m], yv[m:])):
        raise structure_error(method, NOT_SECOND_ORDER, n)
    if not np.array_equal(d0[m:], d1[m:]):
        raise structure_error(method, VELOCITY_DEPENDENT, n)
    if _jit.DISABLED:
        raise ValueError("compile_solver with a Runge-Kutta-Nystrom method needs Numba "
                         "(ODEKIT_DISABLE_JIT is set); use solve_ivp")
    fa, fj = rhs_addresses(disp, inplace)
    M0, c0, R10, R20, ints0, err_exp = tab.kernel_arrays()
    S = tab.n_stages + 1
    loop_fn, la, lj = _loop_pointer()
    ADDR = np.array([fa, fj, max_steps, la, lj], dtype=np.int64)
    D = D_DENSE
    N = n
    jitc = _jit.jit
    msg_struct = ("compiled solver: the right-hand side is not a special second-order "
                  "system at this t0, y0 (dydt[:m] must be y[m:], dydt[m:] independent of "
                  "the velocities)")

    @jitc(cache=False)
    def _run(t0, t1, y0, p, rtol, atol, t_eval, ts, ys):
        G = np.zeros((S, N))
        Q = np.zeros((D, N))
        W = np.zeros((5, N))
        for j in range(N):
            W[0, j] = y0[j]
        fs = np.zeros(2)
        ist = np.zeros(8, np.int64)
        pc = np.empty(M)
        for j in range(M):
            pc[j] = p[j]
        at = np.empty(N)
        for j in range(N):
            at[j] = atol
        Mw, c, R1, R2, ints = M0.copy(), c0.copy(), R10.copy(), R20.copy(), ints0.copy()
        nf = np.empty(0)
        ny = np.empty((0, N))
        nq = np.empty((0, D, N))
        no = N < 0
        drv = loop_fn(ADDR[3], ADDR[4])
        u = _unref  # views without reference counts (see odekit.integrate.compiled)
        st = drv(ADDR[0], ADDR[1], t0, t1, u(pc), u(Mw), u(c), u(R1), u(R2), u(ints),
                 err_exp, rtol, u(at), 0.0, np.inf, ADDR[2], u(t_eval), no, no, u(G),
                 u(Q), u(W), u(fs), u(ist), u(ts), u(ys), u(nf), u(nf), u(ny), u(nq))
        if st <= -10:
            raise ValueError(msg_struct)
        raise_for_status(st)
        return W, ist[3]

    solve, solve_at = rk_entry_points(rk_checks(N, M), _run, N)
    _KEEP.append(disp)
    return CompiledSolver(solve, solve_at, n, M, method, max_steps)


def _call(disp, inplace, t, y, p, out):
    if inplace:
        disp(t, y, p, out)
    else:
        out[:] = np.asarray(disp(t, y, p), dtype=np.float64)
