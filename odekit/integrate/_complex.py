"""Complex initial values: integrated as the real system of twice the size.

A complex state ``y`` of n components is carried as the real vector ``[Re y, Im y]`` of
2n components. The user's function still receives a complex ``y`` (and returns, or writes,
a complex ``dy/dt``): a small compiled wrapper, made once per function, converts on the
way in and out. Results are converted back (``y``, ``y_events``, ``sol``).

Error control differs slightly from SciPy's, which weighs the complex error ``|e_i|``
against ``atol + rtol |y_i|``: here the real and imaginary parts are weighed separately
(``atol + rtol |Re y_i|`` and ``atol + rtol |Im y_i|``), as two real components.
"""

from __future__ import annotations

import inspect
import threading

import numpy as np

__all__ = ["complex_rhs", "complex_event", "solve_complex", "to_complex",
           "ComplexDenseSolution"]

_LOCK = threading.Lock()
_WRAPPERS: dict = {}  # (id(f), kind) -> (f, wrapper)

_RHS_RETURNING = """
def complex_rhs(t, yr, p):
    n = yr.shape[0] // 2
    y = yr[:n] + 1j * yr[n:]
    d = _user(t, y, p)
    out = np.empty(2 * n)
    for i in range(n):
        out[i] = d[i].real
        out[n + i] = d[i].imag
    return out
"""

_RHS_INPLACE = """
def complex_rhs(t, yr, p, dydt):
    n = yr.shape[0] // 2
    y = yr[:n] + 1j * yr[n:]
    d = np.zeros(n, dtype=np.complex128)
    _user(t, y, p, d)
    for i in range(n):
        dydt[i] = d[i].real
        dydt[n + i] = d[i].imag
"""

_EVENT = """
def complex_event(t, yr, p):
    n = yr.shape[0] // 2
    return _user(t, yr[:n] + 1j * yr[n:], p)
"""


def _n_positional(f) -> int:
    try:
        params = inspect.signature(getattr(f, "py_func", f)).parameters.values()
    except (TypeError, ValueError):
        return -1
    return sum(1 for q in params if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)
               and q.default is q.empty)


def _make(f, kind, source, compile_user):
    user = compile_user(f)  # cached by odekit; a fresh one when f's globals changed
    key = (id(user), kind)
    with _LOCK:
        hit = _WRAPPERS.get(key)
        if hit is not None and hit[0] is user:
            return hit[1]
        ns = {"np": np, "_user": user}
        exec(compile(source, f"<odekit complex wrapper of {getattr(f, '__qualname__', f)}>",
                     "exec"), ns)
        w = ns[kind]
        if len(_WRAPPERS) > 256:
            _WRAPPERS.clear()
        _WRAPPERS[key] = (user, w)  # keeps the dispatcher alive: its id stays unique
        return w


def complex_rhs(fun, compile_user):
    """The real 2n-system right-hand side for a complex ``fun`` (same form: returning or
    in-place). ``compile_user(f)`` returns the compiled user function."""
    src = _RHS_INPLACE if _n_positional(fun) == 4 else _RHS_RETURNING
    return _make(fun, "complex_rhs", src, compile_user)


def complex_event(g, compile_user):
    """The event function of the real 2n-system for an event ``g`` of the complex one."""
    return _make(g, "complex_event", _EVENT, compile_user)


def _tile(x, n):
    """A tolerance given per complex component (scalar or (n,)) for the 2n real ones."""
    a = np.asarray(x)
    if a.ndim == 1 and a.shape == (n,):
        return np.concatenate([a, a])
    return x  # a scalar (or a wrong shape, which the real solve reports)


def solve_complex(solve, fun, t_span, y0, *, rtol, atol, events, compile_user, **kw):
    """``solve`` (odekit's solve_ivp) on the real 2n-system of a complex problem; the
    result converted back to complex states."""
    from ._results import Event

    y0 = np.array(y0, dtype=np.complex128)
    if y0.ndim != 1:
        raise ValueError(f"y0 must have 1 dimension(s), got shape {y0.shape}")
    if not np.all(np.isfinite(y0)):
        raise ValueError("All components of the initial state `y0` must be finite "
                         "(it contains NaN or inf)")
    n = y0.shape[0]
    if not callable(fun):
        raise TypeError("fun must be callable")
    rhs = complex_rhs(fun, compile_user)
    evs = None
    if events is not None:
        if isinstance(events, Event) or callable(events):
            events = [events]
        evs = []
        for e in events:
            e = e if isinstance(e, Event) else Event.from_function(e)
            evs.append(Event(complex_event(e.g, compile_user), terminal=e.terminal,
                             direction=e.direction))
    from ._validate import check_rtol

    rtol = check_rtol(rtol, n, stacklevel=4)  # (its warning points at the caller)
    yr = np.concatenate([y0.real, y0.imag])
    res = solve(rhs, t_span, yr, rtol=rtol, atol=_tile(atol, n), events=evs, **kw)
    res.y = to_complex(res.y, n, axis=0)
    if res.y_events is not None:
        res.y_events = [to_complex(ye, n, axis=1) if ye.ndim == 2 else ye
                        for ye in res.y_events]
    if res.sol is not None:
        res.sol = ComplexDenseSolution(res.sol, n)
    return res


def to_complex(yr: np.ndarray, n: int, axis: int = 0) -> np.ndarray:
    """[Re, Im] stacked along ``axis`` -> complex."""
    yr = np.asarray(yr)
    re = np.take(yr, np.arange(n), axis=axis)
    im = np.take(yr, np.arange(n, 2 * n), axis=axis)
    return re + 1j * im


class ComplexDenseSolution:
    """The dense solution of a complex problem (wraps the real 2n-system's solution).

    Called like :class:`~odekit.integrate._dense.DenseSolution`: a scalar time gives a
    complex array (n,), k times give (n, k). ``extrapolate`` is forwarded.
    """

    def __init__(self, real_solution, n):
        self._sol = real_solution
        self.n = n
        self.t_min, self.t_max = real_solution.t_min, real_solution.t_max

    @property
    def extrapolate(self):
        return self._sol.extrapolate

    @extrapolate.setter
    def extrapolate(self, value):
        self._sol.extrapolate = bool(value)

    def __call__(self, t):
        return to_complex(self._sol(t), self.n, axis=0)

    def __repr__(self):
        return f"ComplexDenseSolution(t in [{self.t_min}, {self.t_max}], n={self.n})"
