"""SciPy's ``solve_ivp`` calling convention mapped onto :func:`odekit.solve_ivp`.

Used by ``test_scipy_suite.py`` to run SciPy's own test module
(``scipy/integrate/_ivp/tests/test_ivp.py``) against odekit. The adapter only translates
the calling convention; every check of the arguments and every number in the result
comes from odekit. What it does, and nothing else:

* ``fun(t, y, *args)`` (SciPy's form) is compiled with ``numba.njit`` as the test wrote it
  (the adapter compiles the function itself, never the helpers it calls) and wrapped in a
  generated ``rhs(t, y, p)`` that calls it as ``fun(t, y, p[0], ..., p[k-1])``; ``args``
  becomes ``params``. A list or tuple returned by ``fun`` is copied into an array (SciPy
  does the same with ``np.asarray``). With ``vectorized=True`` the function is called with
  ``y`` of shape (n, 1), as SciPy's explicit solvers do, and the result raveled.
* Event functions ``g(t, y, *args)`` are wrapped the same way; their ``terminal`` and
  ``direction`` attributes are copied, unvalidated, onto the wrapper, so odekit's own
  ``Event.from_function`` validates and interprets them.
* ``method`` names (or SciPy's solver classes) map to odekit's method of the same
  algorithm (:data:`METHOD_MAP`); SciPy's default ``"RK45"`` is the default here too.
  A call with a method odekit does not have is passed to SciPy's own ``solve_ivp``
  unchanged, so that a SciPy test looping over all of SciPy's methods runs through; the
  calls are counted (:data:`CALLS`) and the suite runs only tests that reach odekit.
* ``jac``, ``jac_sparsity``, ``lband``, ``uband``, ``min_step`` have no effect for an
  explicit method; SciPy warns about them and so does the adapter (same text).
* The dense solution is asked for SciPy's semantics outside the integrated interval
  (``sol.extrapolate = True``; odekit raises there by default, see the SciPy
  compatibility page of the documentation).

A SciPy function Numba cannot compile raises :class:`NotCompilable` (the suite turns it
into a skip with Numba's reason); ``args`` that are not real scalars raise
:class:`NotMappable` (likewise).
"""

from __future__ import annotations

import re
import warnings

import numba
import numpy as np
import scipy.integrate
from numba import types as nbtypes
from numba.core.errors import NumbaError
from numba.extending import overload

import odekit

__all__ = ["solve_ivp", "CALLS", "METHOD_MAP", "NotCompilable", "NotMappable",
           "odekit_method"]

#: SciPy's method name -> odekit's method of the same algorithm (where odekit has it)
METHOD_MAP = {"RK45": "RK45", "DOP853": "DOP853", "RK23": "BS3"}
#: calls made since the last :func:`reset`: {"odekit": k, "scipy": m}
CALLS = {"odekit": 0, "scipy": 0}
_EXPLICIT_IGNORED = ("jac", "jac_sparsity", "lband", "uband", "min_step")


class NotCompilable(Exception):
    """Numba cannot compile a function the SciPy test defines."""


class NotMappable(Exception):
    """A SciPy argument has no odekit counterpart (for example non-scalar ``args``)."""


def reset():
    CALLS["odekit"] = 0
    CALLS["scipy"] = 0


def _odekit_has(name: str) -> bool:
    try:
        from odekit.integrate._tableaux import get_tableau
        get_tableau(name)
    except Exception:  # noqa: BLE001 - no such method (or the registry moved)
        return False
    return True


def odekit_method(method):
    """odekit's name for SciPy's ``method`` (a name or a solver class), or None."""
    if isinstance(method, type) and issubclass(method, scipy.integrate.OdeSolver):
        method = method.__name__
    if not isinstance(method, str):
        return None
    target = METHOD_MAP.get(method)
    return target if target is not None and _odekit_has(target) else None


# ------------------------------------------------------------------ returned values
def as_array(r):
    """The value a SciPy right-hand side returned, as a 1-D array (compiled only)."""
    raise NotImplementedError  # pragma: no cover - replaced by the overload below


@overload(as_array)
def _as_array_impl(r):
    if isinstance(r, nbtypes.Array):
        return lambda r: np.ascontiguousarray(r).ravel()
    if isinstance(r, (nbtypes.List, nbtypes.UniTuple)):
        dt = r.dtype

        def impl(r):
            out = np.empty(len(r), dtype=dt)
            for i in range(len(r)):
                out[i] = r[i]
            return out
        return impl
    return None


def as_float(v):
    raise NotImplementedError  # pragma: no cover


@overload(as_float)
def _as_float_impl(v):
    if isinstance(v, nbtypes.Array):
        return lambda v: float(v.ravel()[0])
    return lambda v: float(v)


# ------------------------------------------------------------------ wrappers
_WRAPPERS: dict = {}  # (id(f), kind, k, vectorized, complex) -> (f, wrapper)


def _compile(f, k, vectorized, is_complex):
    """``numba.njit(f)``, compiled now for (float, y, float * k) so that a function Numba
    cannot compile is reported before odekit is called."""
    jf = numba.njit(f)
    dt = nbtypes.complex128 if is_complex else nbtypes.float64
    ytype = nbtypes.Array(dt, 2 if vectorized else 1, "C")
    try:
        jf.compile((nbtypes.float64, ytype) + (nbtypes.float64,) * k)
    except NumbaError as exc:
        lines = [ln.strip() for ln in re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).splitlines()
                 if ln.strip() and not ln.lstrip().startswith(("Failed in", "During:", "^"))]
        raise NotCompilable(f"Numba cannot compile the test's function {f.__qualname__}: "
                            f"{lines[0] if lines else type(exc).__name__}") from None
    return jf


def _wrap(f, kind, k, vectorized=False, is_complex=False):
    key = (id(f), kind, k, vectorized, is_complex)
    hit = _WRAPPERS.get(key)
    if hit is not None and hit[0] is f:
        return hit[1]
    jf = _compile(f, k, vectorized and kind == "rhs", is_complex)
    call_args = ", ".join(["t", "yy"] + [f"p[{i}]" for i in range(k)])
    yy = "y.reshape((y.shape[0], 1))" if (vectorized and kind == "rhs") else "y"
    conv = "as_array" if kind == "rhs" else "as_float"
    name = f"{kind}_" + re.sub(r"\W", "_", f.__name__)
    src = (f"def {name}(t, y, p):\n"
           f"    yy = {yy}\n"
           f"    return {conv}(_f({call_args}))\n")
    ns = {"_f": jf, "as_array": as_array, "as_float": as_float, "np": np}
    exec(compile(src, f"<scipy adapter {kind} for {f.__qualname__}>", "exec"), ns)
    w = ns[name]
    _WRAPPERS[key] = (f, w)
    return w


def _event(g, k, is_complex):
    """The wrapper of event ``g``, carrying g's ``terminal`` and ``direction`` attributes
    as they are now (SciPy's tests change them between calls); odekit validates them."""
    w = _wrap(g, "event", k, is_complex=is_complex)
    for attr in ("terminal", "direction"):
        if hasattr(g, attr):
            setattr(w, attr, getattr(g, attr))
        elif hasattr(w, attr):
            delattr(w, attr)
    return w


def _args_to_params(args):
    if args is None:
        return ()
    if not isinstance(args, tuple):  # SciPy's own rule and message
        try:
            _ = [*(args)]
        except TypeError:
            raise TypeError("Supplied 'args' cannot be unpacked. Please supply `args` as a "
                            "tuple (e.g. `args=(a,)`)") from None
        args = tuple(args)
    vals = []
    for a in args:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, float, np.integer,
                                                                   np.floating)):
            raise NotMappable(f"args element {a!r} is not a real scalar: odekit passes "
                              "parameters as a float64 array p")
        vals.append(float(a))
    return tuple(vals)


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False,
              events=None, vectorized=False, args=None, **options):
    """SciPy's ``solve_ivp`` signature, answered by odekit (see the module docstring)."""
    target = odekit_method(method)
    if target is None:
        CALLS["scipy"] += 1
        return scipy.integrate.solve_ivp(fun, t_span, y0, method=method, t_eval=t_eval,
                                         dense_output=dense_output, events=events,
                                         vectorized=vectorized, args=args, **options)
    CALLS["odekit"] += 1
    params = _args_to_params(args)
    k = len(params)
    ignored = [name for name in _EXPLICIT_IGNORED if name in options]
    if ignored:  # SciPy's warning for explicit methods
        warnings.warn("The following arguments have no effect for a chosen solver: "
                      f"{', '.join(f'`{x}`' for x in ignored)}.", stacklevel=2)
        for name in ignored:
            del options[name]
    is_complex = np.iscomplexobj(np.asarray(y0))
    rhs = _wrap(fun, "rhs", k, vectorized, is_complex)
    if events is None:
        evs = None
    elif callable(events):
        evs = (_event(events, k, is_complex),)
    else:
        evs = tuple(_event(g, k, is_complex) for g in events)
    res = odekit.solve_ivp(rhs, t_span, y0, params=params, method=target, t_eval=t_eval,
                           dense_output=dense_output, events=evs, **options)
    if res.sol is not None and hasattr(res.sol, "extrapolate"):
        res.sol.extrapolate = True  # SciPy's semantics outside [t0, t_end]
    return res
