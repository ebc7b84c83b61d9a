"""``solve_taylor``: one trajectory by the adaptive Taylor method."""

from __future__ import annotations

import gc
import math
import types

import numpy as np

from ... import _jit
from .._dense import DenseSolution
from .._results import Event, IntegrationError, OdeResult
from ._codegen import extra_slots, get_module, order_from_tol
from ._decomp import decompose
from ._driver import call_kernel
from ._driver import run as _drive
from ._driver import run_plain as _drive_plain
from ._driver import solve_fast as _solve_fast
from ._driver import solve_plain as _solve_plain
from ._trace import trace

__all__ = ["solve_taylor", "TaylorSolution", "prepare"]

_MEMO: dict = {}  # (id(fun), n, m, P, W, event ids) -> (fun, fingerprint, prepared)
_IMMUTABLE = (int, float, complex, bool, str, bytes, type(None), np.number)


def _names(code, out):
    out.update(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            _names(c, out)
    return out


def _fp_value(v):
    if isinstance(v, _IMMUTABLE):
        return ("v", type(v).__name__, v)
    if isinstance(v, np.ndarray):
        return ("a", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, (tuple, list)) and len(v) <= 64:
        return ("s", tuple(_fp_value(x) for x in v))
    return ("id", id(v))


_FP_FAST: dict = {}  # id(py) -> (py, ((name, object), ...), fingerprint)
_FAST_TYPES = (int, float, complex, bool, str, bytes, type(None), types.ModuleType,
               types.FunctionType, types.BuiltinFunctionType, np.ufunc, type)


def fingerprint(py) -> tuple:
    """:func:`_fingerprint`, with a fast path: when every global the function names is
    the very same immutable object as last time (and there is no closure), the last
    answer stands."""
    hit = _FP_FAST.get(id(py))
    g = py.__globals__
    if hit is not None and hit[0] is py and hit[3] is py.__code__ \
            and hit[4] is py.__defaults__:
        for name, obj in hit[1]:
            if g.get(name, _FP_FAST) is not obj:
                break
        else:
            return hit[2]
    fp = _fingerprint(py)
    names = _names(py.__code__, set())
    pairs = tuple((nm, g.get(nm, _FP_FAST)) for nm in names)
    if py.__closure__ is None and all(isinstance(v, _FAST_TYPES) or v is _FP_FAST
                                      for _, v in pairs):
        if len(_FP_FAST) > 256:
            _FP_FAST.clear()
        _FP_FAST[id(py)] = (py, pairs, fp, py.__code__, py.__defaults__)
    return fp


def _fingerprint(py) -> tuple:
    """The values that tracing ``py`` reads besides its arguments: the globals it names
    and its closure cells (numbers and arrays by value, other objects by identity).
    A changed value gives a new trace, never a stale one."""
    g = py.__globals__
    items = []
    for name in sorted(_names(py.__code__, set())):
        if name in g:
            items.append((name, _fp_value(g[name])))
    for cell in py.__closure__ or ():
        try:
            items.append(("cell", _fp_value(cell.cell_contents)))
        except ValueError:
            items.append(("cell", None))
    items.append(("defaults", _fp_value(py.__defaults__)))
    return tuple(items)


class Prepared:
    """A traced, decomposed and compiled right-hand side at one order."""

    def __init__(self, D, P, mod, inplace):
        self.D, self.P, self.mod, self.inplace = D, P, mod, inplace
        self.mode = getattr(mod, "MODE", "unrolled")  # of the kernel (see _codegen)
        xs = extra_slots(D, P, self.mode)
        self.nbuf = xs["END"]
        self.param_slots = np.array([s for s in range(D.nslots) if D.kind[s] == "param"],
                                    dtype=np.int64)
        self.p0 = D.t_slot + 1  # parameters occupy the slots after t, in order
        assert np.array_equal(self.param_slots, np.arange(self.p0, self.p0 + D.m))
        self.addr = mod.tc if _jit.DISABLED else mod.tc.address
        self.addr_init = mod.ti if _jit.DISABLED else mod.ti.address
        # cfg[8:11] (kernel address, buffer size, first parameter slot): for solve_fast
        self.cfg = np.array([P, D.nslots, D.n, len(D.ev_outs), D.t_slot, xs["CAP"],
                             len(D.init), D.n_user,
                             0 if _jit.DISABLED else self.addr, self.nbuf, self.p0],
                            dtype=np.int64)


def prepare(fun, n, m, P, events=(), W=1, mode=None) -> Prepared:
    """Trace ``fun`` (and the event functions), decompose and compile at order ``P``;
    ``mode`` "unrolled" or "compact" forces the kind of kernel (default: by its size,
    see :func:`._codegen.choose_mode`)."""
    py = getattr(fun, "py_func", fun)
    evs = tuple(getattr(e, "py_func", e) for e in events)
    key = (id(py), n, m, P, W, tuple(id(e) for e in evs), mode)
    fps = None
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is py and all(a is b for a, b in zip(hit[1], evs)):
        fps = (fingerprint(py),) + tuple(fingerprint(e) for e in evs) \
            if isinstance(py, types.FunctionType) else None
        if fps == hit[2]:
            return hit[3]
    # tracing makes many small objects: a full garbage collection that lands here
    # (0.1 s measured) would cost more than the rest of a cached kernel's preparation
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        g, outs, ev_outs, inplace = trace(fun, n, m, events=evs)
        D = decompose(g, outs, ev_outs, n, m)
    finally:
        if gc_was_on:
            gc.enable()
    mod = get_module(D, P, W, mode)
    prep = Prepared(D, P, mod, inplace)
    if fps is None:
        fps = (fingerprint(py),) + tuple(fingerprint(e) for e in evs)
    if len(_MEMO) > 256:
        _MEMO.clear()
    _MEMO[key] = (py, evs, fps, prep)
    return prep


class TaylorSolution(DenseSolution):
    """Dense output: the Taylor polynomial of each step, evaluated where asked.

    Call it with a scalar time (returns shape (n,)) or an array of k times (returns
    (n, k)). Within a step the polynomial is the method's own solution, so dense output
    is as accurate as the steps. Times outside the integrated interval raise ValueError
    (unless ``extrapolate`` is set, as for :class:`odekit.integrate.ivp.DenseSolution`).
    """

    def __init__(self, t0, t_end, d_t, d_h, d_c):
        # c: (steps, P + 1, n), the coefficients of each step's polynomial in t - t_step
        super().__init__(t0, t_end, d_t, d_h, d_c[:, 0, :], d_c)

    def _evaluate(self, tt, idx):
        tau = (tt - self._t[idx])[:, None]
        c = self._Q[idx]
        acc = c[:, -1, :]
        for k in range(c.shape[1] - 2, -1, -1):
            acc = acc * tau + c[:, k, :]
        return acc

    def __repr__(self):
        return f"TaylorSolution(t in [{self.t_min}, {self.t_max}], n={self.n})"


_MESSAGES = {0: "The solver successfully reached the end of the integration interval.",
             1: "A termination event occurred.",
             -2: "the state or its Taylor coefficients became non-finite",
             -3: "max_steps reached before the end of the interval"}


def check_tol(tol):
    try:
        tol = float(tol)
    except (TypeError, ValueError):
        raise TypeError(f"tol must be a real number, got {tol!r}") from None
    if not (1e-16 <= tol < 1.0):
        raise ValueError(f"tol must lie in [1e-16, 1), got {tol!r}")
    return tol


def _array(x, name, ndim):
    if type(x) in (list, tuple) and len(x) <= 16 and 1 in ndim:  # fast path: few floats
        try:
            if all(type(v) is float and math.isfinite(v) for v in x):
                return np.array(x, dtype=np.float64)
        except TypeError:
            pass
    elif type(x) is np.ndarray and x.dtype == np.float64 and x.ndim in ndim \
            and x.size <= 16:
        a = x.copy()
        if all(map(math.isfinite, a.ravel().tolist())):
            return a
    try:
        a = np.array(x, dtype=np.float64, copy=True)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers") from None
    if a.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} dimension(s), "
                         f"got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    return a


def check_common(t_span, y0, params, max_steps, ydim=(1,)):
    if type(t_span) is tuple and len(t_span) == 2 and type(t_span[0]) is float \
            and type(t_span[1]) is float:
        t0, t1 = t_span
    else:
        t0, t1 = _pair(t_span)
    return _common_rest(t0, t1, y0, params, max_steps, ydim)


def _pair(t_span):
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError):
        raise ValueError(f"t_span must be a pair (t0, t1) of real numbers, got {t_span!r}"
                         ) from None
    return t0, t1


def _common_rest(t0, t1, y0, params, max_steps, ydim):
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise ValueError(f"t_span must be finite, got ({t0}, {t1})")
    if t0 == t1:
        raise ValueError("t_span: t0 and t1 must differ")
    y = _array(y0, "y0", ydim)
    if y.shape[-1] == 0:
        raise ValueError("y0 must hold at least one state variable")
    p = np.empty(0) if params is None else _array(params, "params", ydim)
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) \
            or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    return t0, t1, y, p, int(max_steps)


def check_t_eval(t_eval, t0, t1):
    if t_eval is None:
        return None
    te = _array(t_eval, "t_eval", (1,))
    d = 1.0 if t1 > t0 else -1.0
    lo, hi = min(t0, t1), max(t0, t1)
    if te.size and (te.min() < lo or te.max() > hi):
        raise ValueError(f"t_eval must lie within t_span [{lo}, {hi}]")
    if te.size > 1 and not np.all(d * np.diff(te) > 0):
        raise ValueError("t_eval must be strictly monotone in the direction of t_span")
    return te


def check_events(events):
    if events is None:
        return []
    if isinstance(events, Event) or callable(events):
        events = [events]
    return [Event.from_function(e) for e in events]


def solve_taylor(fun, t_span, y0, *, params=None, tol=1e-12, t_eval=None, events=(),
                 dense_output=False, max_steps=100_000, max_step=math.inf) -> OdeResult:
    """Solve y' = fun(t, y, p), y(t0) = y0, by the adaptive Taylor method.

    The right-hand side is traced once into elementary operations (see
    :mod:`odekit.integrate.taylor._trace` for what it may contain), and the Taylor
    coefficients of the solution are computed by automatic differentiation in compiled
    code generated for this function and order. As in heyoka (Biscani & Izzo 2021) the
    tolerance sets the order, ``p = ceil(-ln(tol) / 2 + 1)``, and each step is
    ``h = e^-2 exp(-0.7 / (p - 1)) min_{k = p-1, p} (s / max_i |x_i^[k]|)^(1/k)`` with
    ``s = max(1, max_i |x_i|)`` (so ``tol`` acts as an absolute tolerance where the
    state is below 1 and as a relative one above); no step is ever rejected.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, p)`` returning dy/dt, or ``fun(t, y, p, dydt)`` writing it. Plain
        arithmetic, powers, ``sqrt exp log sin cos tan tanh arctan2`` of t, y and p
        (NumPy's or :mod:`math`'s); branches on values are refused with a TypeError.
    t_span : (float, float)
    y0 : array_like, shape (n,)
    params : array_like, shape (m,), optional
        ``p``; changing it never recompiles.
    tol : float
        Tolerance in [1e-16, 1); orders 2 ... 20.
    t_eval : array_like, optional
        Output times (within t_span, monotone); default: every step's end.
    events : Event or sequence of Event or callables
        ``g(t, y, p)``, traced like ``fun``; their zeros are located on the Taylor
        polynomial of g along the step (sampled on 16 sub-intervals of the step, then
        bisected to the last bit).
    dense_output : bool
        Return ``sol``, the piecewise Taylor polynomials.
    max_steps : int
    max_step : float
        Upper bound on |h|.

    Returns
    -------
    OdeResult
        ``nfev`` is the number of Taylor steps (one evaluation of the recurrences each),
        ``nrejected`` is 0.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.integrate.taylor import solve_taylor
    >>> def osc(t, y, p):
    ...     return np.array([y[1], -y[0]])
    >>> res = solve_taylor(osc, (0.0, 2 * np.pi), [1.0, 0.0], tol=1e-14)
    >>> bool(np.allclose(res.y[:, -1], [1.0, 0.0], atol=1e-12))
    True
    """
    hit = _LAST.get(id(fun))
    if hit is not None and hit[0] is fun and tol == hit[1] and type(tol) is float \
            and t_eval is None and dense_output is False and max_step == _INF \
            and type(max_steps) is int and 0 < max_steps < _BIG and not events:
        # the repeat call of the same function at the same tolerance, no options
        r = _fast(hit, t_span, y0, params, max_steps)
        if r is not None:
            return r
    plain = (t_eval is None and not events and dense_output is False
             and max_step == math.inf and type(tol) is float)
    t0, t1, y, p, max_steps = check_common(t_span, y0, params, max_steps)
    tol = check_tol(tol)
    te = check_t_eval(t_eval, t0, t1)
    evs = check_events(events)
    max_step = float(max_step)
    if not max_step > 0:
        raise ValueError(f"max_step must be positive, got {max_step!r}")
    P = order_from_tol(tol)
    n, m = y.size, p.size
    prep = prepare(fun, n, m, P, [e.g for e in evs])
    if plain and not (prep.D.init or _jit.DISABLED):
        py = getattr(fun, "py_func", fun)
        if isinstance(py, types.FunctionType):
            if len(_LAST) > 64:
                _LAST.clear()
            fp = fingerprint(py)
            fast = _FP_FAST.get(id(py))  # the globals' identities, when they suffice
            pairs = fast[1] if fast is not None and fast[0] is py and fast[2] == fp \
                else None
            _LAST[id(fun)] = (fun, tol, (n,), m, prep, fp, py, pairs, py.__code__,
                              py.__defaults__, prep.cfg)
    return _run(prep, t0, t1, y, p, te, evs, bool(dense_output), max_steps, max_step)


# id(fun) -> (fun, tol, (n,), m, prepared, fingerprint, py, ((global name, object), ...)
# or None, py.__code__, py.__defaults__, cfg): the last plain call of fun
_LAST: dict = {}
_INF = math.inf
_BIG = 2 ** 62
_F64 = np.dtype(np.float64)
_OK = _MESSAGES[0]
_new = object.__new__


def _fast(hit, t_span, y0, params, max_steps):
    """The repeat call: the same function (its globals, code and defaults unchanged), the
    same tolerance, no options. The checks of the full path, in their cheapest form;
    anything unusual (or any invalid input) returns None and takes the full path, which
    gives the proper error."""
    if type(t_span) is not tuple or len(t_span) != 2:
        return None
    t0, t1 = t_span
    if type(t0) is not float or type(t1) is not float:
        return None
    d = t1 - t0
    if d == 0.0 or d - d != 0.0:  # t0 == t1, or not both finite
        return None
    ty = type(y0)
    if ty is np.ndarray:
        y = y0
    elif ty is list or ty is tuple:
        y = np.array(y0)
    else:
        return None
    if y.dtype is not _F64 or y.shape != hit[2]:
        return None
    if params is None:
        if hit[3]:
            return None
        p = _EMPTY
    else:
        tp = type(params)
        if tp is np.ndarray:
            p = params
        elif tp is list or tp is tuple:
            p = np.array(params) if params else _EMPTY
        else:
            return None
        if p.dtype is not _F64 or p.shape[0] != hit[3] or p.ndim != 1:
            return None
    py = hit[6]
    if py.__code__ is not hit[8] or py.__defaults__ is not hit[9]:
        return None
    pairs = hit[7]
    if pairs is None:
        if fingerprint(py) != hit[5]:
            return None
    else:
        g = py.__globals__
        for name, obj in pairs:
            if g.get(name, _FP_FAST) is not obj:
                return None
    Z, status, nsteps, t_end = _solve_fast(hit[10], y, p, t0, t1, max_steps)
    if status != 0:
        if status == -4:  # y0 or params not finite: the full path says which
            return None
        raise IntegrationError(f"Taylor integration failed at t = {t_end!r}: "
                               f"{_MESSAGES[status]} (after {nsteps} steps)",
                               t=float(t_end), reason=_MESSAGES[status])
    r = _new(OdeResult)  # OdeResult(...) by its fields (one dict display), faster
    r.__dict__ = {"t": Z[0], "y": Z[1:], "sol": None, "t_events": [], "y_events": [],
                  "nfev": nsteps, "nsteps": nsteps, "nrejected": 0, "status": 0,
                  "message": _OK, "success": True, "njev": 0, "nlu": 0}
    return r


_EMPTY = np.empty(0)
_EMPTY1 = np.zeros(1)  # g when there are no events (never written)
_EMPTY2 = np.empty((0, 0))
_EMPTY3 = np.empty((0, 0, 0))
_NOB = np.empty(0, dtype=np.bool_)
_NOI = np.empty(0, dtype=np.int64)


def _run(prep, t0, t1, y, p, te, evs, dense, max_steps, max_step):
    if not (evs or dense or prep.D.init or _jit.DISABLED):  # the lean path
        t_out, y_out, status, nsteps, t_end = _solve_plain(
            prep.addr, prep.cfg, prep.nbuf, y, p, prep.p0, t0, t1, max_step, max_steps,
            _EMPTY if te is None else te)
        if status < 0:
            raise IntegrationError(f"Taylor integration failed at t = {t_end!r}: "
                                   f"{_MESSAGES[status]} (after {nsteps} steps)",
                                   t=float(t_end), reason=_MESSAGES[status])
        return OdeResult(t=t_out, y=y_out, sol=None, t_events=[], y_events=[],
                         nfev=nsteps, nsteps=nsteps, nrejected=0, status=status,
                         message=_MESSAGES[status])
    D, P = prep.D, prep.P
    n = D.n  # the states, with the extra sin/cos states of the decomposition
    nu = D.n_user
    b = np.zeros(prep.nbuf)
    b[:nu] = y
    if p.size:
        s0 = prep.p0
        b[s0:s0 + p.size] = p
    if D.init:  # the extra states' values at t0
        b[D.t_slot] = t0
        call_kernel(prep.addr_init, b, _EMPTY1)
        y = b[:n].copy()
    nev = len(evs)
    ic = np.zeros(8, dtype=np.int64)
    fc = np.array([t0, 0.0])
    want_steps = te is None
    if want_steps:  # every step's end, y0 first
        cap = 256
        out_t = np.empty(cap)
        out_y = np.empty((n, cap))
        out_t[0] = t0
        out_y[:, 0] = y
        ic[2] = 1
        ic[5] = 1
        te_arr = _EMPTY
    else:
        out_t = _EMPTY
        out_y = np.empty((n, te.size))
        te_arr = te
    if dense:
        ic[6] = 1
        d_t, d_h, d_c = np.empty(64), np.empty(64), np.empty((64, P + 1, n))
    else:
        d_t, d_h, d_c = _EMPTY, _EMPTY, _EMPTY3
    if nev:
        gb = np.zeros(nev * (P + 1))
        ecap = 4 * (P + 1)
        ev_t = np.empty((nev, ecap))
        ev_y = np.empty((nev, ecap, n))
        ev_n = np.zeros(nev, dtype=np.int64)
        ev_dir = np.array([e.direction for e in evs], dtype=np.float64)
        ev_term = np.array([e.terminal for e in evs], dtype=np.bool_)
    else:
        gb, ev_t, ev_y, ev_n, ev_dir, ev_term = _EMPTY1, _EMPTY2, _EMPTY3, _NOI, _EMPTY, _NOB
    plain = not (nev or dense)
    while True:
        if plain:
            _drive_plain(prep.addr, prep.cfg, b, ic, fc, t1, max_step, max_steps, te_arr,
                         out_t, out_y)
        else:
            _drive(prep.addr, prep.cfg, b, gb, ic, fc, t1, max_step, max_steps, te_arr,
                   out_t, out_y, d_t, d_h, d_c, ev_dir, ev_term, ev_t, ev_y, ev_n)
        if ic[0] != 2:
            break
        if want_steps and ic[2] >= out_t.size:
            out_t = np.concatenate([out_t, np.empty(out_t.size)])
            out_y = np.concatenate([out_y, np.empty_like(out_y)], axis=1)
        if dense and ic[4] >= d_t.size:
            d_t = np.concatenate([d_t, np.empty(d_t.size)])
            d_h = np.concatenate([d_h, np.empty(d_h.size)])
            d_c = np.concatenate([d_c, np.empty_like(d_c)], axis=0)
        if nev and np.any(ev_n + P + 1 >= ev_t.shape[1]):
            ev_t = np.concatenate([ev_t, np.empty_like(ev_t)], axis=1)
            ev_y = np.concatenate([ev_y, np.empty_like(ev_y)], axis=1)
    status = int(ic[0])
    nsteps = int(ic[1])
    if status < 0:
        raise IntegrationError(f"Taylor integration failed at t = {fc[0]!r}: "
                               f"{_MESSAGES[status]} (after {nsteps} steps)",
                               t=float(fc[0]), reason=_MESSAGES[status])
    if want_steps:
        k = int(ic[2])
        t_out = out_t[:k].copy()
        y_out = out_y[:nu, :k].copy()
    else:
        k = int(ic[3])
        t_out = te[:k].copy()
        y_out = out_y[:, :k] if (k == te.size and nu == n) else out_y[:nu, :k].copy()
    sol = None
    if dense:
        nd = int(ic[4])
        sol = TaylorSolution(t0, float(fc[0]), d_t[:nd].copy(), d_h[:nd].copy(),
                             d_c[:nd, :, :nu].copy())
    if nev:
        t_events = [ev_t[j, :ev_n[j]].copy() for j in range(nev)]
        y_events = [ev_y[j, :ev_n[j], :nu].copy() for j in range(nev)]
    else:
        t_events, y_events = [], []
    return OdeResult(t=t_out, y=y_out, sol=sol, t_events=t_events, y_events=y_events,
                     nfev=nsteps, nsteps=nsteps, nrejected=0, status=status,
                     message=_MESSAGES[status])


def tol_from_rtol_atol(rtol, atol) -> float:
    """The Taylor tolerance for solve_ivp's ``rtol``/``atol``: ``min(rtol, min(atol))``,
    raised to 1e-16 if below (the tolerance acts as absolute where |y| < 1 and as
    relative above, so the smaller of the two is the one that holds everywhere)."""
    try:
        r = float(np.min(np.asarray(rtol, dtype=float)))
        a = float(np.min(np.asarray(atol, dtype=float)))
    except (TypeError, ValueError):
        raise TypeError("rtol and atol must be real numbers") from None
    if not (r > 0 and a > 0):
        raise ValueError(f"rtol and atol must be positive, got rtol={rtol!r}, atol={atol!r}")
    return max(min(r, a, 0.5), 1e-16)


def _solve_ivp_hook(fun, t_span, y0, params, rtol, atol, t_eval, dense_output, events,
                    max_step, max_steps):
    """``odekit.solve_ivp(..., method="taylor")``."""
    hit = _LAST.get(id(fun))
    if hit is not None and hit[0] is fun and type(rtol) is float and type(atol) is float \
            and t_eval is None and dense_output is False and not events \
            and max_step == _INF and type(max_steps) is int and 0 < max_steps < _BIG:
        # the repeat call (see solve_taylor), without the detour through solve_taylor
        tol = rtol if rtol < atol else atol  # NaN in either fails tol > 0 or rtol == rtol
        if tol > 0.0 and rtol == rtol and (tol if tol < 0.5 else 0.5) == hit[1]:
            r = _fast(hit, t_span, y0, None if type(params) is tuple and not params
                      else params, max_steps)
            if r is not None:
                return _scipy_events(r, events)
    if type(params) is tuple and not params:
        params = None
    if type(rtol) is float and type(atol) is float and rtol > 0.0 and atol > 0.0:
        tol = max(min(rtol, atol, 0.5), 1e-16)  # tol_from_rtol_atol, for plain floats
    else:
        tol = tol_from_rtol_atol(rtol, atol)
    return _scipy_events(solve_taylor(fun, t_span, y0, params=params, tol=tol,
                                      t_eval=t_eval, events=events,
                                      dense_output=dense_output, max_steps=max_steps,
                                      max_step=max_step), events)


def _scipy_events(r, events):
    """solve_ivp's event fields, as for the other methods (SciPy's): None without
    ``events``; an event without zeros gives ``y_events[k]`` of shape (0,)."""
    if events is None:
        r.t_events = r.y_events = None
    elif r.y_events:
        r.y_events = [y if y.shape[0] else np.empty(0) for y in r.y_events]
    return r
