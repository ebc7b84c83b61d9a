"""The worker side of the fuzzing layer: run one call, classify what came out.

Runs in a separate process (see :mod:`tests.fuzz.test_fuzz`), under a memory limit, so a
hang, a crash or a runaway allocation is seen by the parent instead of taking it down.
"""

import importlib
import math
import numbers
import traceback

import numpy as np

from . import targets

ALLOWED = (ValueError, TypeError)  # plus odekit.IntegrationError (added on first use)
MEMORY_LIMIT = 6 * 2**30


def init_worker():
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, MEMORY_LIMIT)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    import odekit  # noqa: F401 - import once, before the first call


def _resolve_callable(path):
    """'odekit.geoprob.sector_probability', or 'odekit.mathieu.KapitzaPendulum.barrier_angle'
    style paths: a module, then attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for a in parts[i:]:
            obj = getattr(obj, a)
        return obj
    raise ImportError(path)


def all_finite(x) -> bool:
    """Every number in x (arrays, tuples, lists, dataclass-like results) is finite."""
    if isinstance(x, (bool, np.bool_)) or x is None or isinstance(x, str):
        return True
    if isinstance(x, numbers.Number):
        return math.isfinite(abs(x)) if not isinstance(x, numbers.Integral) else True
    if isinstance(x, np.ndarray):
        return x.dtype.kind not in "fc" or bool(np.isfinite(x).all())
    if isinstance(x, (tuple, list)):
        return all(all_finite(v) for v in x)
    return True


def run(path, args, kwargs, check):
    """Call ``path(*args, **kwargs)`` (or, for a path ending in ``:method``, build the object
    then call the method) and return (verdict, detail): verdict "ok" (a result passing its
    checks), "refused" (ValueError/TypeError/IntegrationError with a message), or "bad"."""
    from odekit import IntegrationError

    allowed = ALLOWED + (IntegrationError,)
    try:
        args = targets.resolve(args)
        kwargs = targets.resolve(kwargs)
        if ":" in path:  # "Class:method" with args = (ctor_args, method_args)
            cls_path, method = path.split(":")
            obj = _resolve_callable(cls_path)(*args[0], **kwargs)
            out = getattr(obj, method)(*args[1])
        else:
            out = _resolve_callable(path)(*args, **kwargs)
    except allowed as exc:
        msg = str(exc)
        if len(msg.strip()) < 10:
            return "bad", f"{type(exc).__name__} without a useful message: {msg!r}"
        return "refused", f"{type(exc).__name__}: {msg[:200]}"
    except MemoryError:
        return "bad", "MemoryError from a size that was not refused up front\n" + \
            traceback.format_exc()[-1500:]
    except BaseException as exc:  # noqa: BLE001 - anything else is a finding
        return "bad", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2500:]}"
    try:
        problem = CHECKS[check](out, args, kwargs)
    except Exception as exc:  # noqa: BLE001
        problem = f"the check raised {type(exc).__name__}: {exc}"
    return ("bad", f"result failed its check: {problem}") if problem else ("ok", "")


# ---------------------------------------------------------------- result checks
def _check_ode(res, args, kwargs):
    from odekit import OdeResult

    if not isinstance(res, OdeResult):
        return f"not an OdeResult: {type(res)}"
    if not (all_finite(res.t) and all_finite(res.y)):
        return "non-finite values returned"
    if res.y.ndim != 2 or res.y.shape[1] != res.t.shape[0]:
        return f"shapes t {res.t.shape}, y {res.y.shape}"
    if res.status not in (0, 1) or not res.success:
        return f"status {res.status}, success {res.success}"
    d = np.diff(res.t) * np.sign(float(args[1][1]) - float(args[1][0]))
    if np.any(d < 0):
        return "t not monotone"
    for te, ye in zip(res.t_events or [], res.y_events or []):
        if not (all_finite(te) and all_finite(ye)):
            return "non-finite event values"
    return ""


def _check_ensemble(res, args, kwargs):
    from odekit import EnsembleResult

    if not isinstance(res, EnsembleResult):
        return f"not an EnsembleResult: {type(res)}"
    bad_rows = np.isnan(res.y).any(axis=(1, 2))
    if not np.array_equal(bad_rows, res.status < 0):
        return "NaN rows do not match the failed status"
    if kwargs.get("raise_on_failure", True) and not res.success:
        return "failures returned although raise_on_failure"
    if not all_finite(res.y[~bad_rows]):
        return "non-finite values in successful rows"
    return ""


def _check_probability(v, args, kwargs):
    a = np.asarray(v, dtype=float)
    if not np.isfinite(a).all() or np.any(a < 0) or np.any(a > 1):
        return f"not a probability: {v!r}"
    return ""


def _check_finite(v, args, kwargs):
    return "" if all_finite(v) else f"non-finite values: {v!r}"[:300]


def _check_estimate(est, args, kwargs):
    if not all_finite(est.value) or not all_finite(est.ci) or not est.ci[0] <= est.ci[1]:
        return f"bad estimate {est!r}"
    return ""


def _check_interval(ci, args, kwargs):
    lo, hi = ci
    if not (0.0 <= lo <= hi <= 1.0):
        return f"bad interval {ci!r}"
    return ""


def _check_any(v, args, kwargs):
    return ""


CHECKS = {"ode": _check_ode, "ensemble": _check_ensemble, "probability": _check_probability,
          "finite": _check_finite, "estimate": _check_estimate, "interval": _check_interval,
          "any": _check_any}
