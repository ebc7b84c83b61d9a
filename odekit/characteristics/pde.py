"""First-order PDEs by the method of characteristics.

* :func:`solve_quasilinear`: u_t + c(x, t, u) u_x = s(x, t, u), u(x, 0) = u0(x). Along a
  characteristic dx/dt = c and du/dt = s (https://kexue.fm/archives/4718). The
  sensitivities X = dx/dx0 and U = du/dx0 are carried along (the variational equations
  dX/dt = c_x X + c_u U, dU/dt = s_x X + s_u U), so u_x = U/X on each characteristic and
  neighbouring characteristics cross (the solution breaks, a shock forms) where X = 0.
* :func:`solve_first_order`: fully nonlinear F(x, t, u, u_x, u_t) = 0 through Charpit's
  strip equations in x, u, p = u_x and q = u_t.

Time t = 0 holds the initial data; characteristics run forward in t.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicHermiteSpline
from scipy.optimize import brentq, minimize_scalar

from . import _wrap

__all__ = ["solve_quasilinear", "solve_first_order", "Characteristics"]

_SCALAR_FORM = "{name}(x, t, u) -> float, with x, t, u floats"
_F_FORM = "F(x, t, u, p, q) -> float, with p = u_x and q = u_t"


class Characteristics:
    """The characteristics of a first-order PDE.

    Attributes
    ----------
    t : ndarray (m,)
        Output times.
    x0 : ndarray (n,)
        Start points (sorted).
    x, u : ndarray (m, n)
        Position and value of each characteristic at each time.
    ux : ndarray (m, n)
        u_x along each characteristic (U/X for quasilinear problems, p for Charpit strips).
    breaking_time : float or None
        When neighbouring characteristics first cross (inf if not before t[-1]); None
        where it is not computed (Charpit strips).
    """

    def __init__(self, t, x0, x, u, ux, breaking_time, extra=None):
        self.t, self.x0, self.x, self.u, self.ux = t, x0, x, u, ux
        self.breaking_time = breaking_time
        self.extra = extra or {}

    def __repr__(self):
        return (f"Characteristics({self.x0.size} lines, {self.t.size} times, "
                f"breaking_time={self.breaking_time})")

    def on_grid(self, xgrid):
        """u on ``xgrid`` at every output time, shape (m, len(xgrid)).

        Interpolated between characteristics with cubic Hermite pieces (using u_x). NaN
        after breaking (and at any time where the characteristics are out of order),
        and outside the range the characteristics cover: never a multivalued answer.
        """
        xg = np.asarray(xgrid, dtype=float)
        if xg.ndim != 1 or not np.all(np.isfinite(xg)):
            raise ValueError("xgrid must be a 1-D array of finite numbers")
        out = np.full((self.t.size, xg.size), np.nan)
        tb = self.breaking_time
        for m in range(self.t.size):
            if tb is not None and self.t[m] >= tb:
                continue
            xs, us, dus = self.x[m], self.u[m], self.ux[m]
            if np.any(np.diff(xs) <= 0):
                continue
            inside = (xg >= xs[0]) & (xg <= xs[-1])
            out[m, inside] = CubicHermiteSpline(xs, us, dus)(xg[inside])
        return out


def _check_inputs(x0, t):
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 1 or x0.size < 2 or not np.all(np.isfinite(x0)):
        raise ValueError("x0 must be a 1-D array of at least 2 finite start points")
    if np.any(np.diff(np.sort(x0)) == 0):
        raise ValueError("x0 must not repeat a start point")
    x0 = np.sort(x0)
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)):
        raise ValueError("t must be a 1-D array of finite output times")
    if np.any(t < 0) or np.any(np.diff(t) <= 0):
        raise ValueError("t must be non-negative and strictly increasing")
    return x0, t


def _initial(u0, x0, name="u0"):
    """u0 and u0' at x0 (u0' by a fourth-order central difference)."""
    if not callable(u0):
        raise TypeError(f"{name} must be callable u0(x) (vectorised over a numpy array)")

    def ev(z):
        v = np.asarray(u0(z), dtype=float)
        if v.shape != z.shape:
            v = np.array([float(u0(float(zi))) for zi in z])
        return v

    u = ev(x0)
    h = 1e-3 * (1.0 + np.abs(x0))
    du = (8.0 * (ev(x0 + h) - ev(x0 - h)) - (ev(x0 + 2 * h) - ev(x0 - 2 * h))) / (12.0 * h)
    if not (np.all(np.isfinite(u)) and np.all(np.isfinite(du))):
        raise ValueError(f"{name} must be finite (with a finite derivative) at x0")
    return u, du


def _options(opts):
    o = {"rtol": 1e-10, "atol": 1e-12}
    o.update(opts)
    return o


def solve_quasilinear(speed, source, u0, x0, t, **solver_options):
    """Solve u_t + c(x, t, u) u_x = s(x, t, u), u(x, 0) = u0(x), by characteristics.

    From each start point x0[i] integrate dx/dt = c, du/dt = s together with the
    sensitivities dx/dx0 and du/dx0 (one parallel ensemble). The solution breaks where
    dx/dx0 first vanishes (neighbouring characteristics cross).

    Parameters
    ----------
    speed, source : callable
        ``speed(x, t, u)`` and ``source(x, t, u)`` returning floats (plain Python
        functions, compiled with Numba on the way in); their partial derivatives are taken
        by central differences.
    u0 : callable
        Initial data u0(x), vectorised over a numpy array (or scalar; then it is looped).
    x0 : array_like (n,)
        Start points of the characteristics (sorted on the way in).
    t : array_like (m,)
        Output times, increasing, >= 0 (t = 0 is the initial line).
    **solver_options
        Passed to :func:`odekit.solve_ensemble`; defaults rtol = 1e-10, atol = 1e-12
        (smooth problems come out accurate to about 1e-8).

    Returns
    -------
    Characteristics
        ``breaking_time``: the first time any two neighbouring characteristics (in the
        continuum between the start points) cross: the earliest zero of dx/dx0 on the
        output interval where it changes sign, refined by root finding on the dense output
        of single solves and minimised over the start point between the neighbours of the
        earliest one (to 1e-10 in x0 and about 1e-12 in t); inf if dx/dx0 keeps its sign up
        to t[-1].

    Examples
    --------
    Inviscid Burgers u_t + u u_x = 0 with u0 = sin x breaks at t = 1:

    >>> import numpy as np
    >>> from odekit.characteristics import solve_quasilinear
    >>> def burgers_speed(x, t, u):
    ...     return u
    >>> def no_source(x, t, u):
    ...     return 0.0
    >>> res = solve_quasilinear(burgers_speed, no_source, np.sin,
    ...                         np.linspace(0, 2 * np.pi, 41), np.linspace(0, 1.5, 7))
    >>> round(res.breaking_time, 6)
    1.0
    """
    import odekit

    x0, t = _check_inputs(x0, t)
    rhs = _wrap.make_rhs("quasilinear", _wrap.QUASILINEAR, (speed, source),
                         ("speed", "source"),
                         (_SCALAR_FORM.format(name="speed"), _SCALAR_FORM.format(name="source")))
    u, du = _initial(u0, x0)
    opts = _options(solver_options)
    Y0 = np.stack([x0, u, np.ones_like(x0), du], axis=1)
    if t[-1] > 0:
        Y = odekit.solve_ensemble(rhs, (0.0, float(t[-1])), Y0, t_eval=t, progress=False,
                                  **opts).y
    else:
        Y = Y0[:, :, None]
    X = Y[:, 2, :].T
    tb = _breaking_time(rhs, u0, x0, t, Y, opts)
    with np.errstate(divide="ignore", invalid="ignore"):
        ux = Y[:, 3, :].T / X
    return Characteristics(t, x0, Y[:, 0, :].T.copy(), Y[:, 1, :].T.copy(), ux, tb,
                           extra={"dxdx0": X.copy(), "dudx0": Y[:, 3, :].T.copy()})


def _breaking_time(rhs, u0, x0, t, Y, opts):
    import odekit

    X = Y[:, 2, :]  # (n, m)
    if t[0] > 0:  # include the start, X = 1
        X = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
        tt = np.concatenate([[0.0], t])
    else:
        tt = t
    crossed = X <= 0
    if not crossed.any():
        return float("inf")
    first = np.where(crossed.any(axis=1), crossed.argmax(axis=1), X.shape[1])
    m = int(first.min())
    t_hi = float(tt[m])

    def zero_time(a):
        """Time of the first zero of dx/dx0 on the characteristic from a (or t_hi)."""
        ua, dua = _initial(u0, np.array([a]))
        sol = odekit.solve_ivp(rhs, (0.0, t_hi), [a, ua[0], 1.0, dua[0]], dense_output=True,
                               **opts)
        Xe = sol.y[2, -1]
        if Xe > 0:
            return t_hi
        g = lambda s: sol.sol(s)[2]  # noqa: E731
        # the first sign change on the dense output: scan the accepted steps, then brentq
        ts = sol.t
        vals = sol.y[2]
        k = int(np.argmax(vals <= 0))
        lo, hi = float(ts[max(k - 1, 0)]), float(ts[k])
        if g(hi) == 0.0:
            return hi
        return brentq(g, lo, hi, xtol=1e-14, rtol=1e-15)

    idx = np.flatnonzero(first == m)
    best = min(idx, key=lambda i: zero_time(x0[i]))
    lo = x0[max(best - 1, 0)]
    hi = x0[min(best + 1, x0.size - 1)]
    r = minimize_scalar(zero_time, bounds=(lo, hi), method="bounded",
                        options={"xatol": 1e-10 * (1.0 + abs(x0[best]))})
    return float(min(r.fun, zero_time(x0[best])))


def solve_first_order(F, u0, x0, t, *, q0=None, **solver_options):
    """Solve F(x, t, u, u_x, u_t) = 0, u(x, 0) = u0(x), by Charpit's characteristic strips.

    With p = u_x and q = u_t, the strips obey (t as the parameter, F_q != 0)
    dx/dt = F_p/F_q, du/dt = (p F_p + q F_q)/F_q, dp/dt = -(F_x + p F_u)/F_q,
    dq/dt = -(F_t + q F_u)/F_q. At t = 0, p = u0'(x0) and q solves F(x0, 0, u0, p, q) = 0
    (Newton's method from ``q0``, default 0).

    Parameters
    ----------
    F : callable
        ``F(x, t, u, p, q)`` -> float (compiled with Numba; derivatives by central
        differences).
    u0, x0, t, **solver_options
        As in :func:`solve_quasilinear`.
    q0 : float or array_like, optional
        Starting guess for u_t at t = 0.

    Returns
    -------
    Characteristics
        ``ux`` is the strip's p (u_t is in ``extra["q"]``); ``breaking_time`` is None (not
        computed: :meth:`Characteristics.on_grid` still refuses out-of-order lines).

    Examples
    --------
    u_t = u_x^2 with u(x, 0) = x^2 has u = x^2 / (1 - 4t):

    >>> import numpy as np
    >>> from odekit.characteristics import solve_first_order
    >>> def hj(x, t, u, p, q):
    ...     return q - p * p
    >>> res = solve_first_order(hj, lambda x: x ** 2, np.linspace(-1, 1, 5), [0.1, 0.2])
    >>> bool(np.allclose(res.u, res.x ** 2 / (1 - 4 * res.t[:, None]), rtol=1e-8))
    True
    """
    import odekit

    x0, t = _check_inputs(x0, t)
    u, p = _initial(u0, x0)
    Fd = _wrap.compiled(F, "F", _F_FORM)
    q = np.zeros_like(x0) if q0 is None else np.broadcast_to(np.asarray(q0, float),
                                                            x0.shape).copy()
    for i in range(x0.size):
        for _ in range(60):
            f = Fd(x0[i], 0.0, u[i], p[i], q[i])
            h = 1e-7 * (1.0 + abs(q[i]))
            fq = (Fd(x0[i], 0.0, u[i], p[i], q[i] + h) - Fd(x0[i], 0.0, u[i], p[i], q[i] - h)) \
                / (2 * h)
            if fq == 0 or not np.isfinite(fq):
                raise ValueError("F: dF/dq vanishes at t = 0; the initial line is "
                                 "characteristic (give q0 or another formulation)")
            step = f / fq
            q[i] -= step
            if abs(step) <= 1e-15 * (1.0 + abs(q[i])):
                break
        if abs(Fd(x0[i], 0.0, u[i], p[i], q[i])) > 1e-8 * (1.0 + abs(q[i])):
            raise ValueError(f"F: could not solve F = 0 for u_t at x0 = {x0[i]:g}")
    rhs = _wrap.make_rhs("charpit", _wrap.CHARPIT, (F,), ("F",), (_F_FORM,))
    opts = _options(solver_options)
    Y0 = np.stack([x0, u, p, q], axis=1)
    if t[-1] > 0:
        res = odekit.solve_ensemble(rhs, (0.0, float(t[-1])), Y0, t_eval=t, progress=False,
                                    **opts)
        Y = res.y
    else:
        Y = Y0[:, :, None]
    return Characteristics(t, x0, Y[:, 0, :].T.copy(), Y[:, 1, :].T.copy(),
                           Y[:, 2, :].T.copy(), None, extra={"q": Y[:, 3, :].T.copy()})
