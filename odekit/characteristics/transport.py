"""Carry points and their log-density along a vector field: d log p/dt = -div f."""

from __future__ import annotations

import numpy as np

from . import _wrap
from .data import _rng
from .fields import MarginalField, _as_points

__all__ = ["transport", "TransportResult"]

_FIELD_FORM = "field(t, x) -> array of shape (d,), with t a float and x a 1-D float64 array"
_DIV_FORM = "divergence(t, x) -> float"


class TransportResult:
    """End points ``x`` (k, d) and log-densities ``log_p`` (k,) at ``t`` = t_span[1]."""

    def __init__(self, t, x, log_p):
        self.t, self.x, self.log_p = t, x, log_p

    def __repr__(self):
        return f"TransportResult(t={self.t:g}, {self.x.shape[0]} points in {self.x.shape[1]}-D)"


def transport(field, x0, log_p0, t_span, *, divergence=None, seed=0, rtol=1e-8, atol=1e-10,
              method="DOP853", max_steps=100_000):
    """Integrate dx/dt = field(t, x) and d log p/dt = -div field(t, x) for points x0.

    Parameters
    ----------
    field : callable or MarginalField
        ``field(t, x)`` returning dx/dt of shape (d,) (a plain Python function, compiled
        with Numba on the way in), or a :class:`MarginalField` (its exact divergence is used
        and ``divergence`` must be None).
    x0 : array_like, shape (k, d)
    log_p0 : float or array_like, shape (k,)
        log-density of the points at t_span[0].
    t_span : (float, float)
    divergence : callable, "fd", "hutchinson" or None
        ``divergence(t, x) -> float``, exact; None or "fd": the trace of a central-difference
        Jacobian (2d + 1 field evaluations per stage); "hutchinson": the
        unbiased estimate e . (J e) with one fixed Rademacher probe e per trajectory, drawn
        from ``seed`` (two extra field evaluations, whatever d).
    seed : int or numpy Generator
        For the Hutchinson probes.
    rtol, atol, method, max_steps
        Passed to :func:`odekit.solve_ensemble`.

    Returns
    -------
    TransportResult
        ``x`` (k, d) and ``log_p`` (k,) at t_span[1].

    Notes
    -----
    The field (and divergence) are composed into one right-hand side by a small generated
    module (see :mod:`odekit.characteristics._wrap`), cached on disk when the functions
    live in a source file: a new field costs one Numba compile of the wrapper and one of
    the core's driver (several seconds); the same field in a later process loads from disk.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.characteristics import transport
    >>> def expand(t, x):            # dx/dt = x: volume grows like e^(d t)
    ...     return 1.0 * x
    >>> res = transport(expand, [[1.0, 2.0]], 0.0, (0.0, 1.0))
    >>> bool(np.allclose(res.x, [[np.e, 2 * np.e]])), round(float(res.log_p[0]), 8)
    (True, -2.0)
    """
    import odekit

    t0, t1 = (float(v) for v in t_span)
    if isinstance(field, MarginalField):
        if divergence is not None:
            raise ValueError("divergence: a MarginalField brings its exact divergence; "
                             "leave divergence=None")
        X = _as_points(x0, field.dim, "x0")
        lp0 = _log_p0(log_p0, X.shape[0])
        x, dlog = field.flow(X, t0, t1, with_log_density=True, rtol=rtol, atol=atol,
                             max_steps=max_steps)
        return TransportResult(t1, x, lp0 + dlog)
    X = np.asarray(x0, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"x0 must have shape (k, d), got {np.shape(x0)}")
    if not np.all(np.isfinite(X)):
        raise ValueError("x0 must be finite")
    k, d = X.shape
    lp0 = _log_p0(log_p0, k)
    params = None
    if callable(divergence):
        rhs = _wrap.make_rhs("transport_exact", _wrap.TRANSPORT_EXACT, (field, divergence),
                             ("field", "divergence"), (_FIELD_FORM, _DIV_FORM))
    elif divergence is None or divergence == "fd":
        rhs = _wrap.make_rhs("transport_fd", _wrap.TRANSPORT_FD, (field,), ("field",),
                             (_FIELD_FORM,))
    elif divergence == "hutchinson":
        rhs = _wrap.make_rhs("transport_hutch", _wrap.TRANSPORT_HUTCHINSON, (field,),
                             ("field",), (_FIELD_FORM,))
        rng = _rng(seed)
        params = np.zeros((k, 2 * d))
        params[:, :d] = rng.choice([-1.0, 1.0], size=(k, d))
    else:
        raise ValueError(f"divergence must be a callable, None, 'fd' or 'hutchinson', "
                         f"got {divergence!r}")
    Y0 = np.concatenate([X, np.zeros((k, 1))], axis=1)
    res = odekit.solve_ensemble(rhs, (t0, t1), Y0, params=params, rtol=rtol, atol=atol,
                                method=method, max_steps=max_steps, progress=False)
    y = res.y[:, :, -1]
    return TransportResult(t1, y[:, :d].copy(), lp0 + y[:, d])


def _log_p0(log_p0, k):
    lp = np.asarray(log_p0, dtype=float)
    if lp.ndim == 0:
        lp = np.full(k, float(lp))
    if lp.shape != (k,):
        raise ValueError(f"log_p0 must be a scalar or have shape ({k},), got {lp.shape}")
    if np.any(np.isnan(lp)):
        raise ValueError("log_p0 must not contain NaN")
    return lp
