"""``solve_ivp``: one trajectory, with dense output and events."""

from __future__ import annotations

import math

import numpy as np

from . import _driver
from . import _validate as V
from ._codegen import addresses, get_wrapper, globals_print
from ._complex import solve_complex
from ._dense import DenseSolution, constant_solution
from ._kernels import EVENT_SUBSTEPS as _EVENT_SUBSTEPS
from ._kernels import remainder_matrix
from ._results import Event, IntegrationError, OdeResult
from ._status import Status
from ._tableaux import NYSTROM_METHODS, fill_method_doc, get_tableau

__all__ = ["solve_ivp", "DenseSolution", "BACKENDS"]


_NO_F = np.empty(0)  # shared empty inputs (the kernels never write to them)
_NO_I = np.empty(0, dtype=np.int64)
_LAST_RHS: dict = {}  # id(fun) -> (fun, n, len(p), ...): skips the checks on repeat calls
_NO_EVENTS: list = []  # [addresses of the driver's no-op events function], made on first use
_DENSE: dict = {}  # method name -> (kernel arrays with the remainder matrix as P)

#: Methods that are not explicit Runge–Kutta pairs plug in here (a Taylor integrator, later
#: implicit ones): ``BACKENDS[name] = solve`` where ``solve(fun, t_span, y0, **options)``
#: takes every keyword :func:`solve_ivp` takes (``params``, ``rtol``, ``atol``, ``t_eval``,
#: ``dense_output``, ``events``, ``first_step``, ``max_step``, ``max_steps``, ``step``),
#: validates them and returns an :class:`OdeResult` (raising :class:`IntegrationError` on
#: failure, with a :class:`Status`). A name found here is never looked up as a tableau.
BACKENDS: dict = {}


def kernel_arrays(tab):
    """The tableau's arrays for the driver, with the dense output's remainder matrix."""
    hit = _DENSE.get(tab.name)
    if hit is None or hit[0] is not tab:
        A, c, b, E, E3, P, ints, err_exp = tab.kernel_arrays()
        hit = (tab, (A, c, b, E, E3, remainder_matrix(P), ints, err_exp))
        _DENSE[tab.name] = hit
    return hit[1]


_BUFFER_FULL = int(Status.BUFFER_FULL)
_STATUS = {int(s_): s_ for s_ in Status}
_MESSAGE = {s_: s_.message for s_ in Status}
_F64 = np.dtype(np.float64)
_CAP0 = 1024  # first size of the step record (grown by 4x when full)
#: for each output buffer (ts, ys, ev_idx, ev_t, ev_y, d_t, d_h, d_y, d_Q), the counter
#: of ``ist`` that says how much of it is used
_BUF_COUNTER = (3, 3, 4, 4, 4, 5, 5, 5, 5)
#: work arrays and output buffers of finished solves, reused by the next solve of the
#: same shape: (sizes) -> list of workspaces. A solve takes one out (list.pop is atomic,
#: so concurrent solves in threads never share one) and puts it back when it is done;
#: results are always fresh copies. Buffers that had to grow are not kept.
_POOL: dict = {}
_POOL_DEPTH = 4


def _take_work(S, D, n, n_ev, cap, dense):
    key = (S, D, n, n_ev, cap, dense)
    pool = _POOL.get(key)
    if pool:
        try:
            return key, pool.pop()
        except IndexError:  # another thread took the last one
            pass
    ne = 2 * _EVENT_SUBSTEPS * n_ev  # room for a step's worth of roots, twice
    nd = 256 if dense else 0
    buf = [np.empty(cap), np.empty((cap, n)), np.empty(ne, dtype=np.int64), np.empty(ne),
           np.empty((ne, n)), np.empty(nd), np.empty(nd), np.empty((nd, n)),
           np.empty((nd, D, n))]
    ws = (np.zeros((S, n)), np.zeros((D, n)), np.zeros((5, n)),
          np.zeros((5 + _EVENT_SUBSTEPS, max(1, n_ev))), np.zeros(2),
          np.zeros(8, dtype=np.int64), buf)
    return key, ws


def _give_back(key, ws):
    """Return a workspace whose buffers did not grow to the pool, reset for the next
    solve (a grown one is dropped: the pool keeps only first-size buffers)."""
    ws[5].fill(0)  # ist: the driver starts a solve from ist[7] == 0
    ws[0].fill(0.0)  # the stages, as fresh: rows a method never writes read as 0
    pool = _POOL.get(key)
    if pool is None:
        if len(_POOL) > 64:
            _POOL.clear()
        pool = _POOL.setdefault(key, [])
    if len(pool) < _POOL_DEPTH:
        pool.append(ws)


_ATOL: dict = {}  # (atol, n) -> (the array, whether it holds a zero)


def _check_tolerances(rtol, atol, n):
    """(rtol as a float, (atol as an array of shape (n,), whether it holds a zero))."""
    if type(atol) is float and type(rtol) is float:
        hit = _ATOL.get((atol, n))
        if hit is not None:
            return V.check_rtol(rtol, n), hit
    rtol = V.check_rtol(rtol, n)  # (its warning points at the caller of solve_ivp)
    rtol, a = V.check_tolerances(rtol, atol, n)
    hit = (a, bool((a == 0.0).any()))
    if type(atol) is float:  # never written: the kernels only read atol
        if len(_ATOL) > 256:
            _ATOL.clear()
        _ATOL[(atol, n)] = hit
    return rtol, hit


def no_events_addresses():
    if not _NO_EVENTS:
        _NO_EVENTS.append(addresses(_driver._no_events))
    return _NO_EVENTS[0]


def rhs_addresses(disp, inplace):
    """Addresses of the compiled wrapper of a prepared right-hand side."""
    return get_wrapper("inplace" if inplace else "returning", (disp,))[1]


def events_addresses(ev_disps):
    return get_wrapper("events", tuple(ev_disps))[1] if ev_disps else no_events_addresses()


_BOUNDARY: dict = {}


def stability_boundary(tab) -> float:
    """Length of the real stability interval of an explicit method: |R(z)| <= 1 on [-x, 0]
    for the stability function R(z) = 1 + z b^T (I - z A)^-1 1 of its main stages."""
    x = _BOUNDARY.get(tab.name)
    if x is None:
        s_ = tab.n_stages
        A, b = tab.A[:s_, :s_], tab.b[:s_]
        one = np.ones(s_)
        x = 0.0
        for z in np.arange(-0.01, -30.0, -0.01):
            if abs(1.0 + z * b @ np.linalg.solve(np.eye(s_) - z * A, one)) > 1.0 + 1e-12:
                break
            x = -z
        x = float(x)
        _BOUNDARY[tab.name] = x
    return x


def _stiffness_hint(disp, inplace, t, y, p, h, tab, nsteps, t0) -> str:
    """Hairer's stiffness test, once at the failure point: h times the spectral radius of
    the Jacobian (power iteration on finite differences) against the method's stability
    boundary. When the step size sits at the stability limit the work is stiffness, not
    accuracy."""
    n = y.shape[0]

    def f(yy):
        if inplace:
            out = np.zeros(n)
            disp(t, yy, p, out)
            return out
        return np.asarray(disp(t, yy, p), dtype=float)

    try:
        f0 = f(y)
        v = np.linspace(1.0, 2.0, n)
        v /= np.linalg.norm(v)
        rho = 0.0
        for _ in range(20):
            eps = 1e-7 * max(1.0, float(np.linalg.norm(y)))
            w = (f(y + eps * v) - f0) / eps
            rho = float(np.linalg.norm(w))
            if not (np.isfinite(rho) and rho > 0):
                return ""
            v = w / rho
    except Exception:  # noqa: BLE001 - a hint only; never hide the real error
        return ""
    bound = stability_boundary(tab)
    hr = abs(h) * rho
    if bound > 0 and hr > 0.5 * bound and nsteps >= 50:
        return (f". The problem looks stiff: the step size h = {abs(h):.3g} is held at the "
                f"stability limit of the explicit method (h * |lambda_max| = {hr:.3g}, the "
                f"{tab.name} boundary is {bound:.3g}) while the solution is smooth, so "
                f"{nsteps} steps covered only {abs(t - t0):.3g} of time; use an implicit "
                "solver (for example scipy.integrate.solve_ivp with method='Radau', 'BDF' "
                "or 'LSODA') or raise max_steps")
    return ""


def solve_ivp(fun, t_span, y0, *, params=(), method="DOP853", rtol=1e-6, atol=1e-9,
              t_eval=None, dense_output=False, events=None, first_step=None,
              max_step=np.inf, max_steps=100_000, step=None) -> OdeResult:
    """Solve an initial value problem y' = fun(t, y, p), y(t0) = y0, in compiled code.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, p)`` returning dy/dt as a 1-D float64 array of len(y), or the
        allocation-free in-place form ``fun(t, y, p, dydt)`` that writes into ``dydt``.
        A plain Python function is compiled with Numba (once; the machine code is cached
        on disk); a ``numba.njit`` function is used as it is.
    t_span : (float, float)
        Interval of integration (t0, t1); t1 < t0 integrates backwards. t0 == t1 returns
        ``y0`` (nothing to integrate). t1 may be ``inf`` (or ``-inf``) when a terminal
        event ends the integration.
    y0 : array_like, shape (n,)
        Initial state (finite). May be empty (n = 0). A complex ``y0`` is integrated as
        the real system ``[Re y, Im y]``; ``fun`` then receives and returns complex arrays
        and the result's ``y``, ``y_events`` and ``sol`` are complex.
    params : array_like, shape (m,), optional
        Parameters passed to ``fun`` (and to event functions) as a float64 array ``p``.
        Changing them never recompiles.
    method : str
        One of (default ``"DOP853"``; the list comes from the method registry):

{METHODS}
    rtol, atol : float or array_like
        Relative and absolute tolerances of the local error estimate (per component
        ``atol + rtol * |y|``). An ``rtol`` below 100 machine epsilons is raised to that
        floor with a UserWarning (as SciPy does); an array ``rtol`` of shape (n,) is
        honoured conservatively (its smallest element applies to every component).
    t_eval : array_like, optional
        Times at which to return the solution (within ``t_span``, strictly monotone in its
        direction), interpolated with the dense output. Default: every step.
    dense_output : bool
        Return a continuous solution ``sol`` (a :class:`DenseSolution`; outside the
        integrated interval it raises unless ``sol.extrapolate = True``).
    events : Event or sequence of Event or callables, optional
        Event functions ``g(t, y, p)``; their zeros are located on the dense output to
        within a few ulps in t. A plain callable is ``Event(g)``, with SciPy's attributes
        ``g.terminal`` (a bool or a positive integer, validated) and ``g.direction``
        honoured when set. Sign changes inside a step
        are found by sampling the events on the step's interpolant (see
        :mod:`odekit.integrate._driver` for what can escape: zeros closer
        together than the sampling, or oscillations aliased on a long step; bound the step
        with ``max_step`` then). A zero exactly at t0 is not reported.
    first_step : float, optional
        Initial step size for adaptive methods (default: Hairer's starting-step rule).
    max_step : float
        Largest allowed step size.
    max_steps : int
        Most accepted steps before giving up with :class:`IntegrationError`.
    step : float, optional
        Step size for ``"RK4"``: the interval is split into the fewest equal steps no
        longer than ``step``.

    Returns
    -------
    OdeResult
        ``t`` (m,), ``y`` (n, m), ``sol``, ``t_events``, ``y_events`` (None without
        ``events``; an event without zeros gives arrays of shape (0,)), ``nfev``,
        ``nsteps``, ``nrejected``, ``status`` (0 end reached, 1 terminal event),
        ``message``, ``success``. The differences from SciPy's ``solve_ivp`` are listed
        on the documentation page "SciPy compatibility".

    Raises
    ------
    IntegrationError
        Step size underflow, non-finite state or derivative, or ``max_steps`` reached; the
        exception names the time reached.
    ValueError, TypeError
        Bad input, naming the argument.

    Notes
    -----
    **Runge-Kutta-Nystrom methods** (``"DPRKN6"``, ``"DPRKN8"``, ``"DPRKN12"``) solve
    *special second-order systems* q'' = g(t, q), where the acceleration does not depend on
    the velocity (N-body gravitation such as Kepler or Pleiades, Hill and Mathieu
    equations, undamped oscillators). Write ``fun`` as usual over y = (q, v), n = 2m:
    ``dydt[:m] = y[m:]`` (the velocities, unchanged) and ``dydt[m:] = g(t, q)``. A step
    uses only the accelerations, which takes fewer evaluations of ``fun`` at equal error
    than a first-order pair (measured in ``benchmarks/explore_rkn.py``). The form is
    checked once per solve at t0 (one extra evaluation): ``fun(t0, y0)[:m]`` must equal
    ``y0[m:]``, and the second half must not change when the velocities do; otherwise
    ValueError. Output between steps: DPRKN6 has its own continuous extension (order 6 in
    q, 5 in v); DPRKN8 and DPRKN12 have none, so their steps end on the ``t_eval``
    points (each value is a step's end, at the method's accuracy), and their ``sol`` is
    the quintic Hermite interpolant of (q, v, g) at the ends of each step (order 5 in q,
    4 in v, below the methods' orders: asking for it warns).
    Events, ``step``, complex ``y0``, :func:`odekit.solve_ensemble` and
    ``method="auto"`` do not use these methods (``"auto"`` cannot know the structure).

    Examples
    --------
    >>> import numpy as np, odekit
    >>> def decay(t, y, p):
    ...     return -p[0] * y
    >>> res = odekit.solve_ivp(decay, (0.0, 2.0), [1.0], params=[0.5], rtol=1e-10,
    ...                        atol=1e-12)
    >>> bool(abs(res.y[0, -1] - np.exp(-1.0)) < 1e-9)
    True

    A special second-order system (the harmonic oscillator q'' = -q as y = (q, v)) with a
    Runge-Kutta-Nystrom pair:

    >>> def spring(t, y, p, dydt):
    ...     dydt[0] = y[1]
    ...     dydt[1] = -y[0]
    >>> res = odekit.solve_ivp(spring, (0.0, 1.0), [1.0, 0.0], method="DPRKN8",
    ...                        rtol=1e-10, atol=1e-12)
    >>> bool(abs(res.y[0, -1] - np.cos(1.0)) < 1e-9)
    True
    """
    if type(method) is str and method in BACKENDS:
        return BACKENDS[method](fun, t_span, y0, params=params, rtol=rtol, atol=atol,
                                t_eval=t_eval, dense_output=dense_output, events=events,
                                first_step=first_step, max_step=max_step,
                                max_steps=max_steps, step=step)
    if not (type(y0) is np.ndarray and y0.dtype == _F64) and _is_complex(y0):
        # integrated as the real system [Re y, Im y]
        return solve_complex(solve_ivp, fun, t_span, y0, params=params, method=method,
                             rtol=rtol, atol=atol, t_eval=t_eval, dense_output=dense_output,
                             events=events, first_step=first_step, max_step=max_step,
                             max_steps=max_steps, step=step,
                             compile_user=lambda f: V.as_dispatcher(f, "fun")[0])
    t0, t1 = V.check_t_span(t_span, allow_equal=True, allow_infinite_end=True)
    y0 = V.check_y0(y0, allow_empty=True, copy=False)  # copied into the work array
    n = y0.shape[0]
    p = V.check_params(params, copy=False)  # only read (by the kernels and fun)
    tab = get_tableau(method, rtol=rtol)
    rtol, atol = _check_tolerances(rtol, atol, n)
    te = V.check_t_eval(t_eval, t0, t1, allow_empty=False)
    if not (type(max_steps) is int and 1 <= max_steps <= V.MAX_STEPS_LIMIT):
        max_steps = V.check_max_steps(max_steps)
    if not (type(max_step) is float and max_step > 0.0):
        max_step = V.check_max_step(max_step)
    no_events = events is None
    if no_events:
        evs = ()
    else:
        if isinstance(events, Event) or callable(events):
            events = [events]
        evs = [e if isinstance(e, Event) else Event.from_function(e) for e in events]
    if math.isinf(t1) or n == 0:
        _check_span_and_events(t0, t1, n, evs)
    if t0 == t1 or n == 0:  # nothing to integrate
        return _no_steps(fun, t0, t1, y0, p, te, evs, no_events, dense_output)
    h0 = (0.0 if step is None and first_step is None and tab.err_mode != 0 else
          V.step_size(tab.name, step, first_step, abs(t1 - t0), max_steps, max_step))
    if tab.err_mode != 0 and atol[1]:
        V.check_pure_relative(atol[0], y0)
    atol = atol[0]
    dense_output = bool(dense_output)

    hit = None if evs else _LAST_RHS.get(id(fun))
    if (hit is not None and hit[0] is fun and hit[1] == n and hit[2] == p.shape[0]
            and hit[3] == globals_print(hit[4])[0]):
        disp, inplace, f_addr = hit[5], hit[6], hit[7]  # the same function and globals
        g_addr = hit[8]
    else:
        disp, inplace = V.prepare_rhs(fun, t0, y0, p)
        ev_disps = tuple(V.prepare_event(e.g, t0, y0, p, k) for k, e in enumerate(evs))
        f_addr = rhs_addresses(disp, inplace)
        g_addr = events_addresses(ev_disps)
        if not evs:
            if len(_LAST_RHS) > 64:
                _LAST_RHS.clear()
            py = getattr(fun, "py_func", fun)
            _LAST_RHS[id(fun)] = (fun, n, p.shape[0], globals_print(py)[0], py, disp,
                                  inplace, f_addr, g_addr)
    n_ev_f = len(evs)
    if n_ev_f:
        ev_dir = np.array([e.direction for e in evs], dtype=np.float64)
        ev_term = np.array([int(e.terminal) for e in evs], dtype=np.int64)
        ev_count = np.zeros(n_ev_f, dtype=np.int64)
    else:
        ev_dir, ev_term, ev_count = _NO_F, _NO_I, _NO_I

    hit = _DENSE.get(tab.name)
    A, c, b, E, E3, P, ints, err_exp = (hit[1] if hit is not None and hit[0] is tab
                                        else kernel_arrays(tab))
    record = te is None
    key, ws = _take_work(tab.n_total, tab.dense_degree, n, n_ev_f,
                         _CAP0 if record else te.size + 1, dense_output)
    K, Q, W, G, fs, ist, buf = ws
    W[0] = y0
    t_eval_arr = _NO_F if record else te
    grown = False
    while True:
        status = _driver.solve_one(f_addr[0], f_addr[1], g_addr[0], g_addr[1], t0, t1, p, A,
                                   c, b, E, E3, P, ints, err_exp, rtol, atol, h0, max_step,
                                   max_steps, t_eval_arr, record, dense_output, ev_dir,
                                   ev_term, ev_count, K, Q, W, G, fs, ist, buf[0], buf[1],
                                   buf[2], buf[3], buf[4], buf[5], buf[6], buf[7], buf[8])
        if status != _BUFFER_FULL:
            break
        for k, arr in enumerate(buf):  # a buffer is full: grow the full ones, resume
            used = _BUF_COUNTER[k]
            if arr.shape[0] and ist[used] + max(2, n_ev_f) >= arr.shape[0] // 2:
                new = np.empty((4 * arr.shape[0],) + arr.shape[1:], dtype=arr.dtype)
                new[: arr.shape[0]] = arr
                buf[k] = new
                grown = True
    t_reached = fs[0]
    nfev, nsteps, nrej, n_out, n_ev, n_dense = ist[:6].tolist()
    ts, ys, ev_idx, ev_t, ev_y, d_t, d_h, d_y, d_Q = buf
    status = _STATUS[int(status)]
    if status < 0:
        if not grown:
            _give_back(key, ws)
        reason = status.message
        hint = {-1: " (the problem may be stiff or singular there)",
                -2: "", -3: f" (max_steps={max_steps}; raise it if the work is expected)"}
        if status == -3:
            hint[-3] += _stiffness_hint(disp, inplace, float(fs[0]), W[0].copy(), p,
                                        float(fs[1]), tab, int(nsteps), t0)
        t_reached = float(t_reached)
        raise IntegrationError(f"Integration failed at t = {t_reached!r}: {reason}"
                               f"{hint[int(status)]}", t=float(t_reached), reason=reason,
                               status=status)
    # fresh arrays for the caller: the buffers go back to the pool
    t = ts[:n_out].copy()
    y = ys[:n_out].T.copy()  # (n, n_out), C order; (n, 0) when nothing is out
    if no_events:
        t_events = y_events = None
    else:
        t_events, y_events = _event_lists(ev_t[:n_ev], ev_y[:n_ev], ev_idx[:n_ev], len(evs),
                                          n, no_events)
    sol = None
    if dense_output:
        sol = DenseSolution(t0, float(t_reached), d_t[:n_dense].copy(), d_h[:n_dense].copy(),
                            d_y[:n_dense].copy(), d_Q[:n_dense].copy())
    if not grown:
        _give_back(key, ws)
    return OdeResult(t, y, sol, t_events, y_events, nfev, nsteps, nrej, int(status),
                     _MESSAGE[status], True)


solve_ivp.__doc__ = fill_method_doc(solve_ivp.__doc__)


def _taylor_backend(fun, t_span, y0, *, params, rtol, atol, t_eval, dense_output, events,
                    first_step, max_step, max_steps, step):
    """``method="taylor"``: the Taylor-series method (tol = min(rtol, atol); see
    :mod:`odekit.integrate.taylor`)."""
    if first_step is not None or step is not None:
        raise ValueError("method='taylor' chooses its own order and steps: first_step and "
                         "step are not supported with it")
    return _taylor_hook()(fun, t_span, y0, params, rtol, atol, t_eval, dense_output, events,
                          max_step, max_steps)


_TAYLOR_HOOK: list = []


def _taylor_hook():
    if not _TAYLOR_HOOK:  # imported on first use (tracing machinery)
        from .taylor import _solve_ivp_hook

        _TAYLOR_HOOK.append(_solve_ivp_hook)
    return _TAYLOR_HOOK[0]


BACKENDS["taylor"] = _taylor_backend


def _nystrom_backend(name):
    """``method="DPRKN..."``: a Runge-Kutta-Nystrom pair (:mod:`odekit.integrate._nystrom`)."""
    def solve(fun, t_span, y0, **options):
        from ._nystrom import solve_ivp_rkn

        return solve_ivp_rkn(name, fun, t_span, y0, **options)

    solve.__name__ = f"_nystrom_{name}"
    return solve


for _name in NYSTROM_METHODS:
    BACKENDS[_name] = _nystrom_backend(_name)


def _is_complex(y0) -> bool:
    if isinstance(y0, np.ndarray):
        return y0.dtype.kind == "c"
    if isinstance(y0, (list, tuple)):
        return any(isinstance(v, (complex, np.complexfloating)) for v in y0)
    return isinstance(y0, (complex, np.complexfloating))


def _check_span_and_events(t0, t1, n, evs):
    """An infinite t1 needs something that ends the integration."""
    if math.isinf(t1) and n > 0 and not any(e.terminal for e in evs):
        raise ValueError(f"t_span ({t0}, {t1}) is infinite: give a finite t1, or a terminal "
                         "event that ends the integration (max_steps bounds the work)")
    if n == 0 and evs:
        raise ValueError("events need at least one state variable (y0 is empty)")


def _event_lists(ev_t, ev_y, ev_idx, n_events, n, no_events):
    """``t_events`` and ``y_events`` in SciPy's shapes: per event (k,) and (k, n); an
    event without zeros gives arrays of shape (0,); None when no events were given."""
    if no_events:
        return None, None
    t_events, y_events = [], []
    for k in range(n_events):
        mask = ev_idx == k
        t_events.append(np.array(ev_t[mask]))
        y_events.append(np.array(ev_y[mask]).reshape(-1, n) if mask.any() else np.empty(0))
    return t_events, y_events


def _no_steps(fun, t0, t1, y0, p, te, evs, no_events, dense_output):
    """The result when there is nothing to integrate (t0 == t1, or y0 empty): the state
    stays y0. ``fun`` and the events are still checked once at (t0, y0, p)."""
    V.prepare_rhs(fun, t0, y0, p)
    for k, e in enumerate(evs):
        V.prepare_event(e.g, t0, y0, p, k)
    n = y0.shape[0]
    if te is not None:
        t = te.copy()
    else:
        t = np.array([t0]) if t0 == t1 else np.array([t0, t1])
    y = np.repeat(y0.reshape(n, 1), t.size, axis=1)
    t_events, y_events = _event_lists(np.empty(0), np.empty((0, n)),
                                      np.empty(0, dtype=np.int64), len(evs), n, no_events)
    sol = constant_solution(t0, t1, y0) if dense_output else None
    return OdeResult(t=t, y=y, sol=sol, t_events=t_events, y_events=y_events, nfev=0,
                     nsteps=0, nrejected=0, status=0, message=Status(0).message,
                     success=True)
