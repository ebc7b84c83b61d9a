"""Floquet analysis of the (damped) Mathieu equation: exponent, stability chart, curves.

Half a period suffices.  Let w_I, w_II be the solutions with w_I(0) = 1, w_I'(0) = 0 and
w_II(0) = 0, w_II'(0) = 1 (DLMF 28.2(ii)).  Because cos 2z is even and pi-periodic, w_I is
even and w_II odd, and their values at pi/2 give the monodromy over [0, pi] (DLMF 28.2.8-9)::

    w_I(pi) = w_II'(pi) = 2 w_I(pi/2) w_II'(pi/2) - 1 = 1 + 2 w_I'(pi/2) w_II(pi/2)

so the trace is 2 w_I(pi) = 2 [w_I w_II' + w_I' w_II](pi/2) (the average of both forms, which
spreads the rounding of the Wronskian identity evenly).  That is the integration path
(``method="integrate"``); by default the trace comes from Hill's determinant instead
(:mod:`odekit.mathieu.determinant`: no integration; below 1e-12 relative on a in [-5, 20],
q in [0, 20], a few 1e-11 at q in the thousands).  Damping enters through
y = exp(-gamma z) u, which maps y'' + 2 gamma y' + (a - 2q cos 2z) y = 0 onto an undamped
Mathieu equation with a - gamma^2 and multiplies the multipliers by exp(-gamma pi).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from odekit._jit import jit, prange

from .functions import _as_order, _as_real, characteristic_a, characteristic_b

__all__ = ["StabilityChart", "stability_chart", "is_stable", "transition_curves",
           "characteristic_exponent", "mathieu_rhs", "mathieu_trig_rhs"]

_METHODS = ("hill", "integrate")

_HALF_PI = 0.5 * math.pi

#: Tolerances of the chart integrations: measured |trace| error <= 5e-9 relative (max(1, |trace|))
#: on a 250 x 250 grid of a in [-5, 20], q in [0, 20] against rtol 1e-13 (1e-10 gave 4e-8).
CHART_RTOL = 1e-11
CHART_ATOL = 1e-12
#: Tolerances of :func:`characteristic_exponent`.
EXPONENT_RTOL = 1e-13
EXPONENT_ATOL = 1e-15


@jit
def mathieu_rhs(t, y, p, dydt):
    """Both fundamental solutions of y'' + (p[0] - 2 p[1] cos 2t) y = 0 in one 4-state system.

    State: (w_I, w_I', w_II, w_II').  In-place form for the core's ensemble solver.
    """
    f = p[0] - 2.0 * p[1] * math.cos(2.0 * t)
    dydt[0] = y[1]
    dydt[1] = -f * y[0]
    dydt[2] = y[3]
    dydt[3] = -f * y[2]


@jit
def mathieu_trig_rhs(t, y, p, dydt):
    """:func:`mathieu_rhs` with (cos 2t, sin 2t) carried as two more states (y[4], y[5]).

    The harmonic pair obeys c' = -2 s, s' = 2 c, so the right-hand side needs no
    transcendental function: the chart is about 15 % faster for the same accuracy
    (measured on a 250 x 250 grid: |trace| error 4.6e-9 vs 4.5e-9, 17.1 vs 20.1 us/point).
    """
    f = p[0] - 2.0 * p[1] * y[4]
    dydt[0] = y[1]
    dydt[1] = -f * y[0]
    dydt[2] = y[3]
    dydt[3] = -f * y[2]
    dydt[4] = -2.0 * y[5]
    dydt[5] = 2.0 * y[4]


def _half_period_trace(a_eff, q, rtol, atol, progress=None):
    """Undamped trace 2 w_I(pi) for arrays a_eff, q (same shape), integrating over [0, pi/2]."""
    from odekit.integrate import solve_ensemble

    params = np.empty((a_eff.size, 2))
    params[:, 0] = a_eff.ravel()
    params[:, 1] = q.ravel()
    y0 = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    # the error is controlled on the solutions; the bounded, smooth cos/sin pair gets a loose
    # absolute tolerance so that it never limits the step (it is integrated with the same
    # steps, to far better than the trace needs)
    atol_vec = np.array([atol, atol, atol, atol, 1.0, 1.0])
    res = solve_ensemble(mathieu_trig_rhs, (0.0, _HALF_PI), y0, params=params, rtol=rtol,
                         atol=atol_vec, progress=progress, method="DOP853")
    y = res.y[:, :, -1]
    tr = 2.0 * (y[:, 0] * y[:, 3] + y[:, 1] * y[:, 2])
    return tr.reshape(a_eff.shape)


@dataclass
class StabilityChart:
    """Floquet stability of y'' + 2 gamma y' + (a - 2q cos 2z) y = 0 on an (a, q) grid.

    Attributes
    ----------
    a : ndarray, shape (na,)
    q : ndarray, shape (nq,)
    damping : float
        gamma.
    trace : ndarray, shape (nq, na)
        Trace of the monodromy matrix over the period pi (of the damped system).
    growth_rate : ndarray, shape (nq, na)
        max log|rho| / pi over the two Floquet multipliers rho.
    stable : ndarray of bool, shape (nq, na)
        Every solution bounded: |trace| < 2 when undamped, both |rho| < 1 when damped.
    """

    a: np.ndarray
    q: np.ndarray
    damping: float
    trace: np.ndarray
    growth_rate: np.ndarray
    stable: np.ndarray

    def __repr__(self):
        return (f"StabilityChart(na={self.a.size}, nq={self.q.size}, damping={self.damping}, "
                f"stable fraction={self.stable.mean():.3f})")


def _grid(x, name):
    arr = _as_real(x, name)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D grid, got shape {arr.shape}")
    return arr


def _damping(damping):
    try:
        g = float(damping)
    except (TypeError, ValueError):
        raise TypeError(f"damping must be a real number, got {damping!r}") from None
    if not (math.isfinite(g) and g >= 0):
        raise ValueError(f"damping must be finite and >= 0, got {damping!r}")
    return g


@jit(parallel=True)
def _classify_kernel(tr, gamma, scale, growth, stable):
    """In place over flat arrays: tr -> scale * tr, growth rate and verdict (one pass)."""
    for i in prange(tr.size):
        t = tr[i]
        at = abs(t)
        g = -gamma
        if at > 2.0:
            # largest |multiplier| of rho^2 - t rho + 1 = 0, without overflow in t^2
            rho = 0.5 * at * (1.0 + math.sqrt((1.0 - 2.0 / at) * (1.0 + 2.0 / at)))
            g = math.log(rho) / math.pi - gamma
        growth[i] = g
        stable[i] = (at < 2.0) if gamma == 0.0 else (g < 0.0)
        tr[i] = scale * t


def _classify(tr_u, gamma, overwrite=False):
    """(damped trace, growth rate, stable) from the undamped trace (any shape).

    With ``overwrite`` the damped trace is written over ``tr_u`` (no copy: a chart then holds
    only its three result arrays).
    """
    tr = np.asarray(tr_u, dtype=np.float64)
    if not (overwrite and tr.flags.c_contiguous and tr.flags.writeable):
        tr = np.array(tr, dtype=np.float64, order="C")
    growth = np.empty(tr.shape)
    stable = np.empty(tr.shape, dtype=np.bool_)
    _classify_kernel(tr.reshape(-1), float(gamma), math.exp(-gamma * math.pi),
                     growth.reshape(-1), stable.reshape(-1))
    return tr, growth, stable


def _method(method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    return method


def stability_chart(a, q, *, damping=0.0, method="hill", rtol=CHART_RTOL, atol=CHART_ATOL,
                    progress=None, client=None, out=None):
    """Stability (Ince-Strutt) chart of the damped Mathieu equation on an (a, q) grid.

    Floquet stability of y'' + 2 gamma y' + (a - 2q cos 2z) y = 0 (gamma = ``damping``) at every
    grid point.  Damping maps onto the undamped equation at a - gamma^2 with the trace scaled
    by exp(-gamma pi) (see the module notes).

    Parameters
    ----------
    a, q : array_like, 1-D
        Grids of the parameters.
    damping : float, optional
        gamma >= 0.
    method : {"hill", "integrate"}, optional
        ``"hill"`` (default): the trace in closed form from Hill's determinant
        (:mod:`odekit.mathieu.determinant`; tens of ns per point, |trace| typically to a
        few 1e-15 and at worst 1e-12 relative to max(1, |trace|) on a in [-5, 20],
        q in [0, 20], a few 1e-11 at q ~ 1000-2000); raises ValueError beyond its range
        (|a - gamma^2| <= ``determinant.A_MAX``, |q| <= ``determinant.Q_MAX``).
        ``"integrate"``: both fundamental solutions integrated over half a period for every
        grid point in parallel (the core's ensemble solver; about 5e-9 relative at the
        default tolerances), the independent cross-check.
    rtol, atol : float, optional
        Integration tolerances (``method="integrate"`` only).
    progress : bool or None, optional
        Progress bar on stderr for long charts (None: only on a terminal and for runs
        expected to take more than a few seconds).
    client : dask.distributed.Client, optional
        Compute the chart on a Dask cluster, by blocks of rows of q (:doc:`/distributed`):
        bitwise the same values as locally.
    out : str or os.PathLike, optional
        Write the chart block by block to this new Zarr store (on a file system the
        workers share) instead of memory, and return it as an ``xarray.Dataset``.

    Returns
    -------
    StabilityChart
        Arrays of shape (len(q), len(a)) (an ``xarray.Dataset`` of the same variables
        when ``out`` is given).

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu import stability_chart
    >>> chart = stability_chart(np.array([-1.0, 0.25, 1.1, 2.0]), np.array([0.0, 0.5]))
    >>> chart.stable.tolist()       # a = 1.1, q = 0.5 lies in the first tongue
    [[False, True, True, True], [False, True, False, True]]
    >>> round(float(chart.trace[0, 1]), 8)  # 2 cos(pi sqrt(a)) at q = 0
    0.0
    """
    if client is not None or out is not None:
        from odekit.distributed import _entry

        return _entry.stability_chart(a, q, damping=damping, method=method, rtol=rtol,
                                      atol=atol, progress=progress, client=client, out=out)
    a = _grid(a, "a")
    q = _grid(q, "q")
    gamma = _damping(damping)
    if _method(method) == "hill":
        from .determinant import hill_trace_grid

        tr_u = hill_trace_grid(a - gamma * gamma, q, progress=progress)
    else:
        A, Q = np.meshgrid(a - gamma * gamma, q)
        tr_u = _half_period_trace(A, Q, rtol, atol, progress)
    trace, growth, stable = _classify(tr_u, gamma, overwrite=True)
    return StabilityChart(a=a, q=q, damping=gamma, trace=trace, growth_rate=growth,
                          stable=stable)


def is_stable(a, q, damping=0.0, *, method="hill"):
    """Is every solution of y'' + 2 gamma y' + (a - 2q cos 2z) y = 0 bounded?

    Parameters
    ----------
    a, q : float or array_like
        Broadcast together (scattered points; for a grid :func:`stability_chart` is faster).
    damping : float, optional
        gamma >= 0 (with damping: both Floquet multipliers inside the unit circle).
    method : {"hill", "integrate"}, optional
        As for :func:`stability_chart` (integration at rtol 1e-12).

    Returns
    -------
    bool or ndarray of bool
        The verdict (|trace| < 2 when undamped), shape of the broadcast.

    Examples
    --------
    >>> from odekit.mathieu import is_stable
    >>> is_stable(2.0, 0.5), is_stable(1.0, 0.1), is_stable(1.0, 0.1, damping=0.2)
    (True, False, True)
    >>> is_stable([-1.0, 0.25, 4.2], 0.0).tolist()
    [False, True, True]
    """
    a_arr = _as_real(a, "a")
    q_arr = _as_real(q, "q")
    gamma = _damping(damping)
    scalar = a_arr.ndim == 0 and q_arr.ndim == 0
    A, Q = np.broadcast_arrays(a_arr - gamma * gamma, q_arr)
    if _method(method) == "hill":
        from .determinant import hill_trace

        tr_u = hill_trace(A, Q)
    else:
        tr_u = _half_period_trace(np.ascontiguousarray(A), np.ascontiguousarray(Q), 1e-12, 1e-14)
    stable = _classify(np.atleast_1d(tr_u), gamma)[2].reshape(A.shape)
    return bool(stable) if scalar else stable


def transition_curves(n_max, q):
    """Characteristic curves a_0..a_{n_max} and b_1..b_{n_max} on a q grid.

    Parameters
    ----------
    n_max : int
        Highest order (>= 0).
    q : array_like, 1-D

    Returns
    -------
    a : ndarray, shape (n_max + 1, len(q))
    b : ndarray, shape (n_max, len(q))

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu import transition_curves
    >>> a, b = transition_curves(2, np.array([0.0, 1.0]))
    >>> a.shape, b.shape
    ((3, 2), (2, 2))
    >>> a[:, 0].tolist(), b[:, 0].tolist()
    ([0.0, 1.0, 4.0], [1.0, 4.0])
    """
    n_arr = _as_order(n_max, "n_max", 0)
    if n_arr.ndim != 0:
        raise TypeError("n_max must be a single integer")
    n = int(n_arr)
    q = _grid(q, "q")
    a = characteristic_a(np.arange(n + 1)[:, None], q[None, :])
    b = characteristic_b(np.arange(1, n + 1)[:, None], q[None, :]) if n else np.empty((0, q.size))
    return np.asarray(a, dtype=float).reshape(n + 1, q.size), np.asarray(b).reshape(n, q.size)


#: Half-width of the band-edge snap of :func:`characteristic_exponent` (on cos(pi nu)).
EDGE_SNAP = 1e-11


def characteristic_exponent(a, q):
    """Floquet characteristic exponent nu of Mathieu's equation for real (a, q).

    Solutions are e^{i nu z} P(z) with P pi-periodic, and cos(pi nu) = w_I(pi; a, q)
    (DLMF 28.2.16).  Branch:

    * stable (|w_I(pi)| < 1): nu real in (0, 1);
    * w_I(pi) > 1: nu = i mu; w_I(pi) < -1: nu = 1 + i mu, with mu > 0 the growth rate per
      unit z (solutions grow like e^{mu z});
    * on the characteristic curves a = a_n(q), b_n(q): nu = 0 for even n, 1 for odd n (values
      within 1e-11 of +-1 are snapped there, since nu is ill-conditioned at band edges);
    * at q = 0, sqrt(a) folded into [0, 1] (closed form).

    Parameters
    ----------
    a, q : float or array_like
        Broadcast together.

    Returns
    -------
    complex or ndarray of complex

    Notes
    -----
    cos(pi nu) = w_I(pi) comes from Hill's determinant (:mod:`odekit.mathieu.determinant`),
    good to a few 1e-13 relative to max(1, |w_I(pi)|); near nu = 0 (|sin^2(pi nu / 2)| < 0.01)
    nu comes from sin^2(pi nu / 2) = -w_I'(pi/2) w_II(pi/2) = -(pi^2 / 4) F_e F_o instead,
    so small nu (or the growth rate just beyond such a band edge) keeps its relative accuracy
    without the cancellation of 1 - cos(pi nu).  Points beyond its tabulated range
    (|a| > ``determinant.A_MAX`` or |q| > ``determinant.Q_MAX``) fall back to integrating both
    fundamental solutions over [0, pi/2] with the core's DOP853 at rtol 1e-13 (about 1e-11).

    Examples
    --------
    >>> from odekit.mathieu import characteristic_exponent
    >>> characteristic_exponent(0.25, 0.0)
    (0.5+0j)
    >>> nu = characteristic_exponent(1.0, 1.0)     # inside the first instability tongue
    >>> round(nu.real, 12), nu.imag > 0
    (1.0, True)
    """
    a_arr = _as_real(a, "a")
    q_arr = _as_real(q, "q")
    scalar = a_arr.ndim == 0 and q_arr.ndim == 0
    A, Q = np.broadcast_arrays(a_arr, q_arr)
    c = np.empty(A.shape)
    zero = Q == 0.0
    if np.any(zero):
        az = A[zero]
        c[zero] = np.where(az >= 0, np.cos(math.pi * np.sqrt(np.abs(az))),
                           np.cosh(math.pi * np.sqrt(np.abs(az))))
    if np.any(~zero):
        from .determinant import A_MAX, Q_MAX, hill_trace

        hill = ~zero & (np.abs(A) <= A_MAX) & (np.abs(Q) <= Q_MAX)
        rest = ~zero & ~hill
        if np.any(rest):
            c[rest] = 0.5 * _half_period_trace(np.ascontiguousarray(A[rest]),
                                               np.ascontiguousarray(Q[rest]),
                                               EXPONENT_RTOL, EXPONENT_ATOL)
    else:
        hill = zero & False
    nu = _nu_from_cos(c)
    if np.any(hill):
        from .determinant import _all

        tr, fe, fo, _, _ = _all(A[hill], Q[hill])
        # s2 = sin^2(pi nu / 2): from the trace (both Hill forms blended), but near nu = 0
        # from the even factors, whose product has no 1 - cos(pi nu) cancellation
        s2_f = -0.25 * math.pi ** 2 * fe * fo
        s2 = np.where(np.abs(s2_f) < 0.01, s2_f, 0.25 * (2.0 - tr))
        nu[hill] = _nu_from_s2(s2)
    return complex(nu) if scalar else nu


def _nu_from_s2(s2):
    """nu from s2 = sin^2(pi nu / 2) = (1 - cos pi nu) / 2 = -w_I'(pi/2) w_II(pi/2).

    Hill's factors give s2 without the cancellation of 1 - cos(pi nu), so small nu and the
    growth rate just outside a band edge keep their relative accuracy.  Same branches and
    edge snap as :func:`_nu_from_cos`.
    """
    s2 = np.asarray(s2, dtype=float)
    nu = np.empty(s2.shape, dtype=complex)
    snap_hi = np.abs(2.0 * s2) <= EDGE_SNAP
    snap_lo = np.abs(2.0 - 2.0 * s2) <= EDGE_SNAP
    inside = (s2 > 0.0) & (s2 < 1.0) & ~snap_hi & ~snap_lo
    low = inside & (s2 <= 0.5)
    high = inside & (s2 > 0.5)
    above = (s2 < 0.0) & ~snap_hi        # cos(pi nu) > 1
    below = (s2 > 1.0) & ~snap_lo        # cos(pi nu) < -1
    nu[low] = (2.0 / math.pi) * np.arcsin(np.sqrt(s2[low]))
    nu[high] = 1.0 - (2.0 / math.pi) * np.arcsin(np.sqrt(1.0 - s2[high]))
    nu[above] = 1j * (2.0 / math.pi) * np.arcsinh(np.sqrt(-s2[above]))
    nu[below] = 1.0 + 1j * (2.0 / math.pi) * np.arccosh(np.sqrt(s2[below]))
    nu[snap_hi] = 0.0
    nu[snap_lo] = 1.0
    return nu


def _nu_from_cos(c):
    c = np.asarray(c, dtype=float)
    nu = np.empty(c.shape, dtype=complex)
    snap_hi = np.abs(c - 1.0) <= EDGE_SNAP
    snap_lo = np.abs(c + 1.0) <= EDGE_SNAP
    inside = (np.abs(c) < 1.0) & ~snap_hi & ~snap_lo
    above = (c > 1.0) & ~snap_hi
    below = (c < -1.0) & ~snap_lo
    nu[inside] = np.arccos(c[inside]) / math.pi
    nu[above] = 1j * np.arccosh(c[above]) / math.pi
    nu[below] = 1.0 + 1j * np.arccosh(-c[below]) / math.pi
    nu[snap_hi] = 0.0
    nu[snap_lo] = 1.0
    return nu
