"""Input checks shared by :func:`solve_ivp` and :func:`solve_ensemble`."""

from __future__ import annotations

import math
import numbers
import operator
import re
import warnings

import numpy as np
from numba.core.errors import NumbaError

from ._codegen import EXPECTED_FORM, as_dispatcher, inplace_dispatcher
from ._results import IntegrationError

EPS = np.finfo(float).eps
#: the largest max_steps accepted (about an hour of the cheapest steps)
MAX_STEPS_LIMIT = 10**10


def _finite(a: np.ndarray) -> bool:
    """All elements finite (cheap for the small arrays met here)."""
    if a.size <= 16:
        return all(map(math.isfinite, (a if a.ndim == 1 else a.ravel()).tolist()))
    return bool(np.isfinite(a).all())
_CHECKED: set = set()  # (id(dispatcher), n, len(p)) already checked by a trial call


def float_array(x, name: str, ndim_allowed=(1,), copy=True) -> np.ndarray:
    """A fresh, C-contiguous, writable float64 copy of ``x``; loud on anything odd.
    ``copy=False``: ``x`` itself when it already is such an array (for arrays that the
    caller only reads, or copies on its own)."""
    if type(x) is np.ndarray and x.dtype == np.float64 and x.ndim in ndim_allowed:
        if copy:
            return x.copy()  # the common case, fast
        flags = x.flags
        return x if flags.c_contiguous and flags.writeable else x.copy()
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got {type(x).__name__}")
    try:
        arr = np.array(x, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "c":
            raise TypeError(f"{name} must be real; complex values are not supported "
                            "(split into real and imaginary parts)")
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64, order="C")
    if arr.ndim not in ndim_allowed:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim_allowed))} "
                         f"dimension(s), got shape {arr.shape}")
    return arr


_NUM = (float, int)  # (not bool: a subclass of int, refused by the full check)


def check_t_span(t_span, allow_equal=False, allow_infinite_end=False):
    """(t0, t1) as floats. ``allow_equal``: t0 == t1 is accepted (nothing to integrate);
    ``allow_infinite_end``: t1 may be +-inf (when something else ends the integration, for
    example a terminal event; the caller checks that). t0 is always finite."""
    if type(t_span) is tuple and len(t_span) == 2:  # fast path
        t0, t1 = t_span
        if type(t0) in _NUM and type(t1) in _NUM:
            t0 = float(t0)
            t1 = float(t1)
            if t0 != t1 and math.isfinite(t0) and math.isfinite(t1):
                return t0, t1
    try:
        t0, t1 = (float(v) for v in t_span)
    except (TypeError, ValueError):
        raise ValueError(f"t_span must be a pair (t0, t1) of real numbers, got {t_span!r}"
                         ) from None
    if not math.isfinite(t0) or math.isnan(t1) or (math.isinf(t1) and not allow_infinite_end):
        raise ValueError(f"t_span must be finite, got ({t0}, {t1})")
    if t0 == t1 and not allow_equal:
        raise ValueError("t_span: t0 and t1 must differ")
    return t0, t1


def check_y0(y0, name="y0", ndim_allowed=(1,), allow_empty=False, copy=True):
    y = float_array(y0, name, ndim_allowed, copy)
    if y.shape[-1] == 0 and not allow_empty:
        raise ValueError(f"{name} must hold at least one state variable")
    if not _finite(y):
        raise ValueError(f"All components of the initial state `{name}` must be finite "
                         "(it contains NaN or inf)")
    return y


def check_params(params, name="params", ndim_allowed=(1,), copy=True):
    if params is None or (isinstance(params, tuple) and not params):
        return np.empty(0)
    p = float_array(params, name, (0,) + tuple(ndim_allowed), copy)
    if p.ndim == 0:
        p = p.reshape(1)
    if not _finite(p):
        raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    return p


RTOL_FLOOR = 100 * EPS


def check_rtol(rtol, n, stacklevel=4) -> float:
    """The relative tolerance as one float.

    A scalar or an array of shape (n,) (SciPy's forms). Values below 100 machine epsilons
    are raised to that floor with a UserWarning, as SciPy does. An array is honoured
    conservatively: the driver controls one relative tolerance, so the smallest element
    applies to every component (each component then meets its own tolerance or better).
    Zero, negative or non-finite values are errors.
    """
    if isinstance(rtol, float) and RTOL_FLOOR <= rtol < math.inf:
        return rtol  # the common case, fast
    if isinstance(rtol, (str, bytes, bool, np.bool_)):
        raise TypeError(f"rtol must be a real number or an array of shape ({n},), got "
                        f"{rtol!r}")
    try:
        r = np.asarray(rtol, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"rtol must be a real number or an array of shape ({n},), got "
                        f"{rtol!r}") from None
    if r.ndim > 1 or (r.ndim == 1 and r.shape != (n,)):
        raise ValueError(f"rtol must be a scalar or an array of shape ({n},), got shape "
                         f"{r.shape}")
    if r.size == 0:  # rtol=[] for a system with no state: nothing to control
        return RTOL_FLOOR
    if not _finite(r) or np.any(r <= 0):
        raise ValueError(f"rtol must be positive and finite, got {rtol!r}")
    if np.any(r < RTOL_FLOOR):
        warnings.warn(f"At least one element of `rtol` is too small (below 100 machine "
                      f"epsilons). Setting `rtol = np.maximum(rtol, {RTOL_FLOOR})`.",
                      UserWarning, stacklevel=stacklevel)
        r = np.maximum(r, RTOL_FLOOR)
    return float(r.min())


def check_tolerances(rtol, atol, n):
    rtol = check_rtol(rtol, n)
    if isinstance(atol, (float, int)) and not isinstance(atol, bool):
        if not (math.isfinite(atol) and atol >= 0):
            raise ValueError("atol must be finite and non-negative")
        a = np.empty(n)
        a.fill(atol)
        return rtol, a
    a = float_array(atol, "atol", (0, 1))
    if a.ndim == 1 and a.shape != (n,):
        raise ValueError(f"atol must be a scalar or have shape ({n},), got {a.shape}")
    if not _finite(a) or np.any(a < 0):
        raise ValueError("atol must be finite and non-negative")
    return rtol, np.ascontiguousarray(np.broadcast_to(a, (n,)), dtype=np.float64).copy()


def check_pure_relative(atol, y0):
    """Refuse atol = 0 on a component that starts at zero: pure relative error control
    has no scale there (the error weight 1 / (rtol |y|) is infinite)."""
    if atol.size <= 16 and 0.0 not in atol.tolist():  # the common case, fast
        return
    zero = np.flatnonzero((atol == 0.0) & (np.atleast_2d(y0) == 0.0).any(axis=0))
    if zero.size:
        raise ValueError(
            f"atol is 0 for component(s) {zero[:8].tolist()} where y0 is 0: pure relative "
            "error control is undefined at zero (the error weight 1/(rtol*|y|) is "
            "infinite); give a positive atol for them (for example atol=1e-12)")


def check_t_eval(t_eval, t0, t1, allow_empty=False):
    if t_eval is None:
        return None
    te = float_array(t_eval, "t_eval", (0, 1)).reshape(-1)
    if te.size == 0 and not allow_empty:
        raise ValueError("t_eval is empty: give at least one output time, or leave t_eval "
                         "as None")
    if not _finite(te):
        raise ValueError("t_eval must be finite")
    lo, hi = min(t0, t1), max(t0, t1)
    if te.size and (te.min() < lo or te.max() > hi):
        raise ValueError(f"t_eval must lie within t_span [{lo}, {hi}]")
    d = np.diff(te) * np.sign(t1 - t0)
    if np.any(d <= 0):
        raise ValueError("t_eval must be strictly monotone in the direction of t_span "
                         f"({'increasing' if t1 > t0 else 'decreasing'})")
    return te


def check_max_steps(max_steps):
    try:
        m = operator.index(max_steps)
    except TypeError:
        raise TypeError(f"max_steps must be an integer, got {max_steps!r}") from None
    if m < 1:
        raise ValueError(f"max_steps must be >= 1, got {m}")
    if m > MAX_STEPS_LIMIT:
        raise ValueError(f"max_steps must be <= {MAX_STEPS_LIMIT:.0e} (a bound on the work "
                         f"of one solve), got {m}")
    return m


def check_max_step(max_step):
    if not isinstance(max_step, numbers.Real):
        raise TypeError(f"max_step must be a real number, got {max_step!r}")
    max_step = float(max_step)
    if not max_step > 0:
        raise ValueError(f"max_step must be positive, got {max_step}")
    return max_step


def step_size(method, step, first_step, interval, max_steps, max_step=math.inf):
    """(first_step for the kernel) after checking RK4's ``step`` and ``first_step``.

    For RK4 a finite ``max_step`` caps ``step``; ``first_step`` is refused (the step is
    fixed)."""
    if method == "RK4":
        if step is None:
            raise ValueError("method 'RK4' is a fixed-step method: give step=h (> 0)")
        if first_step is not None:
            raise ValueError("first_step is for adaptive methods; method 'RK4' takes fixed "
                             "steps of size step=h")
        step = float(step)
        if not (np.isfinite(step) and step > 0):
            raise ValueError(f"step must be positive and finite, got {step}")
        step = min(step, max_step)
        ratio = interval / step * (1 - 1e-12)
        if not ratio <= max_steps:  # (also when the ratio overflows to inf)
            raise ValueError(f"step={step} (capped by max_step) needs about {ratio:.3g} steps, "
                             f"more than max_steps={max_steps}; raise max_steps or the step")
        nsteps = max(1, int(np.ceil(ratio)))
        return interval / nsteps
    if step is not None:
        raise ValueError(f"step is only for the fixed-step method 'RK4'; method {method!r} "
                         "is adaptive (use first_step or max_step)")
    if first_step is None:
        return 0.0
    first_step = float(first_step)
    if not (np.isfinite(first_step) and first_step > 0):
        raise ValueError(f"first_step must be positive and finite, got {first_step}")
    if first_step > interval:
        raise ValueError(f"first_step={first_step} exceeds the length of t_span ({interval})")
    return first_step


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def numba_failure(name, exc, expected=EXPECTED_FORM) -> TypeError:
    """A TypeError stating why Numba could not compile ``name`` and how to fix it."""
    text = _ANSI.sub("", str(exc))
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    cause = next((ln for ln in lines if not ln.startswith(("Failed in", "During:", "File ",
                                                           "^"))), lines[0] if lines else "")
    where = next((ln.strip().rstrip(":") for ln in lines
                  if ln.lstrip().startswith("File ")), "")
    m = re.search(r"Untyped global name '([^']+)'.*?(function|type of <class '([^']+)'>)",
                  text)
    if "NameError" in cause:
        fix = ("define that name (a misspelling?) before the call, or pass the value "
               "through `params`")
    elif m and ("function" in m.group(0)):
        fix = (f"{m.group(1)!r} is a plain Python function: decorate it with @numba.njit "
               "so that compiled code can call it (or write its body inline)")
    elif m:
        fix = (f"Numba cannot use the global {m.group(1)!r} of that type: pass the value "
               "through `params` (a float64 array) instead")
    elif "Unknown attribute" in cause or "No implementation of function" in cause:
        fix = ("use only operations Numba supports on float64 scalars and arrays "
               "(numpy functions, math, loops)")
    else:
        fix = "write the function in the subset of Python and NumPy that Numba compiles"
    msg = (f"{name} could not be compiled by Numba: {cause}"
           + (f" ({where})" if where else "") + f". Fix: {fix}. Form: {expected}.")
    return TypeError(msg)


def _python_probe(fun, t0, y0, p, npos, name):
    """Call the plain Python version once with the real arrays: an index past the end of
    ``p``, ``y`` or ``dydt`` raises IndexError here (compiled code has no bounds checks)."""
    py = getattr(fun, "py_func", fun)

    def call(yy, pp, out):
        return py(t0, yy, pp, out) if npos == 4 else py(t0, yy, pp)

    try:
        call(y0.copy(), p.copy(), np.zeros(y0.shape[0]))
        return
    except IndexError:
        pass
    except Exception:  # noqa: BLE001 - Python semantics differ; the compiled call decides
        return
    big = 64
    try:
        call(y0.copy(), np.concatenate([p, np.ones(big)]), np.zeros(y0.shape[0]))
    except Exception:  # noqa: BLE001
        pass
    else:
        raise ValueError(
            f"{name} reads params p beyond its length: it was called with params of length "
            f"{p.shape[0]}{' (no params given)' if p.shape[0] == 0 else ''}; pass "
            "params=[...] with every value the function reads (p[0], p[1], ...)")
    n = y0.shape[0]
    raise ValueError(
        f"{name} indexes past the end of an array: y (and dydt) have the state size "
        f"{n} = len(y0), params has length {p.shape[0]}; a function that reads y[k] or "
        f"writes dydt[k] needs k < {n}")


def prepare_rhs(fun, t0, y0, p, name="fun"):
    """Compile ``fun`` and check it once at (t0, y0, p). Returns (dispatcher, inplace)."""
    disp, npos = as_dispatcher(fun, name)
    if npos not in (3, 4):
        raise TypeError(f"{name} takes {npos} positional parameters; {EXPECTED_FORM}")
    npos0 = npos
    n = y0.shape[0]
    if npos == 3:  # "return np.array([...])": use the in-place twin (no allocation)
        twin = inplace_dispatcher(fun, n)
        if twin is not None:
            disp, npos = twin, 4
    key = (id(disp), n, p.shape[0])
    if key in _CHECKED:  # checked before with these sizes; the kernels catch non-finite f
        return disp, npos == 4
    _python_probe(fun, t0, y0, p, 4 if npos == 4 and npos0 == 4 else 3, name)
    try:
        if npos == 4:
            out = np.zeros(n)
            ret = disp(t0, y0.copy(), p.copy(), out)
            if ret is not None:
                raise TypeError(f"{name} has 4 parameters, so it must write dy/dt into "
                                f"its 4th argument and return None; {EXPECTED_FORM}")
        else:
            out = disp(t0, y0.copy(), p.copy())
    except NumbaError as exc:
        raise numba_failure(name, exc) from exc
    if npos == 3:
        if not isinstance(out, np.ndarray) or out.dtype.kind not in "fiub":
            raise TypeError(f"{name} must return a 1-D float64 array, got "
                            f"{type(out).__name__}; {EXPECTED_FORM}")
        if out.shape != (n,):
            raise ValueError(f"{name} returned an array of shape {out.shape}, but y0 has "
                             f"{n} elements: the output must have shape ({n},)")
    if _finite(np.asarray(out, dtype=float)):
        _CHECKED.add(key)
    else:
        raise IntegrationError(f"Integration failed at t = {t0!r}: the derivative "
                               f"{name}(t0, y0, p) is not finite", t=t0,
                               reason="non-finite derivative")
    return disp, npos == 4


def prepare_event(g, t0, y0, p, k):
    name = f"events[{k}].g"
    disp, npos = as_dispatcher(g, name)
    if npos != 3:
        raise TypeError(f"{name} must be g(t, y, p) -> float (3 parameters), it takes {npos}")
    _python_probe(g, t0, y0, p, 3, name)
    try:
        v = disp(t0, y0.copy(), p.copy())
    except NumbaError as exc:
        raise numba_failure(name, exc, "g(t, y, p) -> float") from exc
    if not isinstance(v, (float, int, np.floating, np.integer)) or isinstance(v, bool):
        raise TypeError(f"{name} must return a float, got {type(v).__name__}")
    return disp
