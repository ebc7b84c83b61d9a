"""``solve_ivp``: one trajectory, with dense output and events."""

from __future__ import annotations

import numpy as np

from . import _driver
from . import _validate as V
from ._codegen import addresses, get_wrapper, globals_print
from ._kernels import EVENT_SUBSTEPS as _EVENT_SUBSTEPS
from ._kernels import remainder_matrix
from ._results import Event, IntegrationError, OdeResult
from ._status import Status
from ._tableaux import get_tableau

__all__ = ["solve_ivp", "DenseSolution", "BACKENDS"]


def _takes_rtol() -> bool:
    """Whether the method registry resolves "auto" from rtol (``get_tableau(m, rtol=)``)."""
    import inspect
    try:
        return "rtol" in inspect.signature(get_tableau).parameters
    except (TypeError, ValueError):
        return False


_TAKES_RTOL = _takes_rtol()

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


def no_events_addresses():
    if not _NO_EVENTS:
        _NO_EVENTS.append(addresses(_driver._no_events))
    return _NO_EVENTS[0]


def rhs_addresses(disp, inplace):
    """Addresses of the compiled wrapper of a prepared right-hand side."""
    return get_wrapper("inplace" if inplace else "returning", (disp,))[1]


def events_addresses(ev_disps):
    return get_wrapper("events", tuple(ev_disps))[1] if ev_disps else no_events_addresses()


class DenseSolution:
    """Continuous solution assembled from the steps' interpolants.

    Call it with a scalar time (returns shape (n,)) or an array of k times (returns
    (n, k)). Times outside the integrated interval raise ValueError.
    """

    def __init__(self, t0, t_end, d_t, d_h, d_y, d_Q):
        self.t_min, self.t_max = min(t0, t_end), max(t0, t_end)
        self._t0 = t0
        self._dir = 1.0 if t_end >= t0 else -1.0
        self._t, self._h, self._y, self._Q = d_t, d_h, d_y, d_Q
        self.n = d_y.shape[1]

    def __call__(self, t):
        t_arr = np.asarray(t, dtype=float)
        scalar = t_arr.ndim == 0
        tt = t_arr.reshape(-1)
        if not np.all(np.isfinite(tt)):
            raise ValueError("t must be finite")
        span = self.t_max - self.t_min
        tol = 4 * np.finfo(float).eps * max(abs(self.t_min), abs(self.t_max), span)
        if tt.size and (tt.min() < self.t_min - tol or tt.max() > self.t_max + tol):
            raise ValueError(f"t must lie within the integrated interval "
                             f"[{self.t_min}, {self.t_max}]")
        key = self._dir * self._t
        idx = np.searchsorted(key, self._dir * tt, side="right") - 1
        idx = np.clip(idx, 0, self._t.size - 1)
        theta = (tt - self._t[idx]) / self._h[idx]
        Q = self._Q[idx]  # (k, D, n): Δy, then the remainder R(θ) (see _kernels.dense_eval)
        th = theta[:, None]
        acc = Q[:, -1, :]
        for d in range(Q.shape[1] - 2, 0, -1):
            acc = acc * th + Q[:, d, :]
        y = self._y[idx] + th * (Q[:, 0, :] + (1.0 - th) * acc)
        return y[0] if scalar else y.T

    def __repr__(self):
        return f"DenseSolution(t in [{self.t_min}, {self.t_max}], n={self.n})"


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
              t_eval=None, dense_output=False, events=(), first_step=None,
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
        Interval of integration (t0, t1); t1 < t0 integrates backwards.
    y0 : array_like, shape (n,)
        Initial state (finite).
    params : array_like, shape (m,), optional
        Parameters passed to ``fun`` (and to event functions) as a float64 array ``p``.
        Changing them never recompiles.
    method : {"DOP853", "RK45", "RK4"}
        Dormand–Prince 8(5,3) with 7th-order dense output (default), Dormand–Prince 5(4)
        with 4th-order dense output, or the classic fixed-step RK4 (needs ``step``).
    rtol, atol : float or array_like
        Relative and absolute tolerances of the local error estimate (per component
        ``atol + rtol * |y|``). ``rtol`` must be >= 100 machine epsilons.
    t_eval : array_like, optional
        Times at which to return the solution (within ``t_span``, strictly monotone in its
        direction), interpolated with the dense output. Default: every step.
    dense_output : bool
        Return a continuous solution ``sol``.
    events : Event or sequence of Event or callables
        Event functions ``g(t, y, p)``; their zeros are located on the dense output to
        within a few ulps in t. A plain callable is ``Event(g)``, with SciPy's attributes
        ``g.terminal`` and ``g.direction`` honoured when set. Sign changes inside a step
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
        ``t`` (m,), ``y`` (n, m), ``sol``, ``t_events``, ``y_events``, ``nfev``, ``nsteps``,
        ``nrejected``, ``status`` (0 end reached, 1 terminal event), ``message``,
        ``success``.

    Raises
    ------
    IntegrationError
        Step size underflow, non-finite state or derivative, or ``max_steps`` reached; the
        exception names the time reached.
    ValueError, TypeError
        Bad input, naming the argument.

    Examples
    --------
    >>> import numpy as np, odekit
    >>> def decay(t, y, p):
    ...     return -p[0] * y
    >>> res = odekit.solve_ivp(decay, (0.0, 2.0), [1.0], params=[0.5], rtol=1e-10,
    ...                        atol=1e-12)
    >>> bool(abs(res.y[0, -1] - np.exp(-1.0)) < 1e-9)
    True
    """
    if type(method) is str and method in BACKENDS:
        return BACKENDS[method](fun, t_span, y0, params=params, rtol=rtol, atol=atol,
                                t_eval=t_eval, dense_output=dense_output, events=events,
                                first_step=first_step, max_step=max_step,
                                max_steps=max_steps, step=step)
    t0, t1 = V.check_t_span(t_span)
    y0 = V.check_y0(y0)
    n = y0.shape[0]
    p = V.check_params(params)
    tab = get_tableau(method, rtol=rtol) if _TAKES_RTOL else get_tableau(method)
    rtol, atol = V.check_tolerances(rtol, atol, n)
    te = V.check_t_eval(t_eval, t0, t1, allow_empty=False)
    max_steps = V.check_max_steps(max_steps)
    max_step = V.check_max_step(max_step)
    interval = abs(t1 - t0)
    h0 = V.step_size(tab.name, step, first_step, interval, max_steps, max_step)
    if tab.err_mode != 0:
        V.check_pure_relative(atol, y0)
    if isinstance(events, Event) or callable(events):
        events = [events]
    evs = [e if isinstance(e, Event) else Event.from_function(e) for e in (events or ())]
    dense_output = bool(dense_output)

    hit = None if evs else _LAST_RHS.get(id(fun))
    if (hit is not None and hit[0] is fun and hit[1] == n and hit[2] == p.shape[0]
            and hit[3] == globals_print(hit[4])[0]):
        disp, inplace, f_addr = hit[5], hit[6], hit[7]  # the same function and globals
        g_addr = no_events_addresses()
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
                                  inplace, f_addr)
    n_ev_f = len(evs)
    if n_ev_f:
        ev_dir = np.array([e.direction for e in evs], dtype=np.float64)
        ev_term = np.array([int(e.terminal) for e in evs], dtype=np.int64)
        ev_count = np.zeros(n_ev_f, dtype=np.int64)
    else:
        ev_dir, ev_term, ev_count = _NO_F, _NO_I, _NO_I

    A, c, b, E, E3, P, ints, err_exp = kernel_arrays(tab)
    S, D = tab.n_total, tab.dense_degree
    K = np.zeros((S, n))
    Q = np.zeros((D, n))
    W = np.zeros((5, n))
    W[0] = y0
    G = np.zeros((5 + _EVENT_SUBSTEPS, max(1, n_ev_f)))
    fs = np.zeros(2)
    ist = np.zeros(8, dtype=np.int64)
    record = te is None
    cap = 1024 if record else te.size + 1
    ne = 2 * _EVENT_SUBSTEPS * n_ev_f  # room for a step's worth of roots, twice
    nd = 256 if dense_output else 0
    buf = {"ts": np.empty(cap), "ys": np.empty((cap, n)),
           "ev_idx": np.empty(ne, dtype=np.int64), "ev_t": np.empty(ne),
           "ev_y": np.empty((ne, n)), "d_t": np.empty(nd), "d_h": np.empty(nd),
           "d_y": np.empty((nd, n)), "d_Q": np.empty((nd, D, n))}
    t_eval_arr = te if te is not None else _NO_F
    while True:
        status = _driver.solve_one(f_addr[0], f_addr[1], g_addr[0], g_addr[1], t0, t1, p, A,
                                   c, b, E, E3, P, ints, err_exp, rtol, atol, h0, max_step,
                                   max_steps, t_eval_arr, record, dense_output, ev_dir,
                                   ev_term, ev_count, K, Q, W, G, fs, ist, **buf)
        if status != Status.BUFFER_FULL:
            break
        for key, arr in buf.items():  # a buffer is full: grow the full ones, resume
            used = {"ts": 3, "ys": 3, "ev_idx": 4, "ev_t": 4, "ev_y": 4}.get(key, 5)
            if arr.shape[0] and ist[used] + max(2, n_ev_f) >= arr.shape[0] // 2:
                new = np.empty((4 * arr.shape[0],) + arr.shape[1:], dtype=arr.dtype)
                new[: arr.shape[0]] = arr
                buf[key] = new
    t_reached = fs[0]
    nfev, nsteps, nrej, n_out, n_ev, n_dense = ist[:6].tolist()
    ts, ys, ev_idx, ev_t, ev_y = buf["ts"], buf["ys"], buf["ev_idx"], buf["ev_t"], buf["ev_y"]
    d_t, d_h, d_y, d_Q = buf["d_t"], buf["d_h"], buf["d_y"], buf["d_Q"]
    status = Status(int(status))
    if status.failed:
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
    t = np.array(ts[:n_out])
    y = np.ascontiguousarray(ys[:n_out].T).reshape(n, n_out)  # (n, 0) when nothing is out
    t_events = [np.array(ev_t[:n_ev][ev_idx[:n_ev] == k]) for k in range(len(evs))]
    y_events = [np.array(ev_y[:n_ev][ev_idx[:n_ev] == k]).reshape(-1, n)
                for k in range(len(evs))]
    sol = None
    if dense_output:
        sol = DenseSolution(t0, float(t_reached), d_t[:n_dense].copy(), d_h[:n_dense].copy(),
                            d_y[:n_dense].copy(), d_Q[:n_dense].copy())
    return OdeResult(t=t, y=y, sol=sol, t_events=t_events, y_events=y_events,
                     nfev=int(nfev), nsteps=int(nsteps), nrejected=int(nrej),
                     status=int(status), message=status.message, success=True)
