"""The Kapitza pendulum: a pendulum whose pivot vibrates vertically, stabilised upside down.

Equation of motion (theta = 0 is the *upright* position, pivot height h0 cos(omega t) with
amplitude h0 = ``amplitude``, optional viscous damping c = ``damping`` in 1/s)::

    l theta'' + c l theta' + [h0 omega^2 cos(omega t) - g] sin(theta) = 0

(the undamped form is the one of Su Jianlin, https://kexue.fm/archives/2471).

Linearised about theta = 0 and written in tau = omega t / 2 it is the (damped) Mathieu
equation theta_tt + 2 gamma theta_t + (a - 2 q cos 2 tau) theta = 0 with

    a = -4 g / (l omega^2),   q = 2 h0 / l,   gamma = c / omega.

Sign convention: written literally in tau = omega t / 2 the coefficient is -2 h0 / l; odekit
always quotes q = +2 h0 / l, the value in the time tau + pi/2 (a quarter of the drive's
period later, which flips the sign of cos 2 tau). The two equations have the same Floquet
multipliers, so stability, growth rates and the chart are the same.  q does not depend on
omega, and a runs monotonically through (-inf, 0) as
omega goes from 0 to infinity, so the stable frequency ranges follow in closed form from the
characteristic curves at q = 2 h0 / l.

The averaged (ponderomotive) theory of Kapitza (1951) and Landau & Lifshitz (Mechanics,
section 30) replaces the fast drive by the effective potential
U(theta) = (g / l)(cos theta - 1) + (h0 omega / (2 l))^2 sin^2 theta (per unit m l^2).
"""

from __future__ import annotations

import math

import numpy as np

from odekit._jit import jit

from .chart import _classify, _half_period_trace
from .functions import characteristic_a, characteristic_b

__all__ = ["KapitzaPendulum", "kapitza_rhs", "stability_map", "stability_margin"]


def _undamped_trace(a, q):
    """Floquet trace from Hill's determinant, or by integration beyond its tables."""
    from .determinant import A_MAX, Q_MAX, hill_trace

    a = np.asarray(a, dtype=float)
    q = np.asarray(q, dtype=float)
    hill = (np.abs(a) <= A_MAX) & (np.abs(q) <= Q_MAX)
    tr = np.empty(a.shape)
    if np.any(hill):
        tr[hill] = hill_trace(a[hill], q[hill])
    if not np.all(hill):
        tr[~hill] = _half_period_trace(np.ascontiguousarray(a[~hill]),
                                       np.ascontiguousarray(q[~hill]), 1e-12, 1e-14)
    return tr


@jit
def kapitza_rhs(t, y, p, dydt):
    """Pendulum on a vertically vibrating pivot; p = (l, h0, omega, g, c, linear)."""
    l = p[0]
    h0 = p[1]
    w = p[2]
    g = p[3]
    c = p[4]
    s = y[0] if p[5] != 0.0 else math.sin(y[0])
    dydt[0] = y[1]
    dydt[1] = -(h0 * w * w * math.cos(w * t) - g) / l * s - c * y[1]


def _positive(x, name, allow_zero=False):
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {x!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        cond = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {cond}, got {x!r}")
    return v


class KapitzaPendulum:
    """Inverted pendulum stabilised by a vertically vibrating pivot.

    Parameters
    ----------
    length : float
        Pendulum length l (m), > 0.
    amplitude : float
        Pivot amplitude h0 (m), > 0.
    omega : float
        Angular frequency of the pivot (rad/s), > 0.
    g : float
        Gravitational acceleration (m/s^2), > 0.
    damping : float
        Viscous damping rate c (1/s), >= 0: the term c theta' in theta''.

    Examples
    --------
    >>> from odekit.mathieu import KapitzaPendulum
    >>> p = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)   # the blog's case
    >>> a, q = p.mathieu_parameters()
    >>> round(a, 8), q
    (-0.00016, 0.02)
    >>> p.inverted_stable()
    True
    >>> round(p.slow_frequency(), 6)                      # sqrt(2.5)
    1.581139
    """

    def __init__(self, length, amplitude, omega, g=9.81, damping=0.0):
        self.length = _positive(length, "length")
        self.amplitude = _positive(amplitude, "amplitude")
        self.omega = _positive(omega, "omega")
        self.g = _positive(g, "g")
        self.damping = _positive(damping, "damping", allow_zero=True)
        a, q = self.mathieu_parameters()
        if not (math.isfinite(a) and math.isfinite(q) and a != 0.0):
            raise ValueError("the Mathieu parameters a = -4 g / (l omega^2) and q = 2 h0 / l "
                             f"are not finite for length={length!r}, amplitude={amplitude!r}, "
                             f"omega={omega!r}, g={g!r} (or a underflows to 0): rescale the units")

    def __repr__(self):
        return (f"KapitzaPendulum(length={self.length}, amplitude={self.amplitude}, "
                f"omega={self.omega}, g={self.g}, damping={self.damping})")

    # ------------------------------------------------------------------ linear (Floquet)
    def mathieu_parameters(self):
        """(a, q) of the linearisation about the upright position in tau = omega t / 2.

        Returns
        -------
        (float, float)
            a = -4 g / (l omega^2), q = 2 h0 / l (>= 0: the convention of the module
            docstring, the same as :meth:`stable_frequency_ranges` and the stability map).

        Examples
        --------
        >>> from odekit.mathieu import KapitzaPendulum
        >>> KapitzaPendulum(1.0, 0.01, 500.0, g=10.0).mathieu_parameters()
        (-0.00016, 0.02)
        """
        with np.errstate(all="ignore"):  # no exception on under/overflow: checked on entry
            g, l, w, h0 = (np.float64(v) for v in (self.g, self.length, self.omega,
                                                    self.amplitude))
            return float(-4.0 * g / (l * w * w)), float(2.0 * h0 / l)

    def mathieu_damping(self):
        """gamma = c / omega of the damped Mathieu form (time tau = omega t / 2)."""
        return self.damping / self.omega

    def floquet_growth_rate(self):
        """Largest log|rho| / pi of the linearised upright dynamics (per unit tau).

        Negative means asymptotically stable, 0 neutrally stable (undamped, bounded).
        """
        return float(self._floquet()[1])

    def _floquet(self):
        a, q = self.mathieu_parameters()
        gam = self.mathieu_damping()
        tr = _undamped_trace(np.array([a - gam * gam]), np.array([q]))
        with np.errstate(over="ignore", invalid="ignore"):  # handled just below
            t, gr, st = _classify(tr, gam)
        if not math.isfinite(float(gr[0])):
            raise ValueError(f"the Floquet growth rate of a = {a:.6g}, q = {q:.6g} is too large "
                             "to represent (the monodromy trace overflows): the upright "
                             "position is violently unstable")
        return t[0], gr[0], bool(st[0])

    def inverted_stable(self):
        """Exact linear (Floquet) verdict on the upright position: is every solution bounded?

        Uses the monodromy of the linearised equation (not the averaged theory).

        Examples
        --------
        >>> from odekit.mathieu import KapitzaPendulum
        >>> KapitzaPendulum(1.0, 0.01, 430.0, g=10.0).inverted_stable()
        False
        """
        return self._floquet()[2]

    def stable_frequency_ranges(self, max_bands=100):
        """Intervals of omega for which the upright position is linearly stable.

        With q = 2 h0 / l fixed and a = -4 g / (l omega^2) increasing with omega, the stable
        set is the union over n of a_n(q) < a < min(b_{n+1}(q), 0) (Floquet stability bands of
        Mathieu's equation), mapped to omega = 2 sqrt(g / (l |a|)): each band edge is solved
        exactly from a characteristic value (no scanning, no root finding needed since a is
        an explicit monotone function of omega).  The first band gives the classical lower
        limit h0^2 omega^2 > 2 g l (from a_0(q) ~ -q^2/2) and, once b_1(q) < 0 (h0 / l > about
        0.4540), an upper limit too.

        Only the undamped case is solved from the curves; with damping the band edges are
        found by root finding on the Floquet growth rate (see Notes).

        Returns
        -------
        list of (float, float)
            Disjoint intervals (omega_lo, omega_hi), ascending; omega_hi may be inf.

        Notes
        -----
        With damping c > 0 the Floquet multipliers are those of an undamped Mathieu equation
        with a shifted to a - gamma^2 (gamma = c / omega), scaled by exp(-gamma pi); the band
        edges therefore move, and are found by ``brentq`` on the Floquet growth rate, bracketed
        by stepping out from each undamped band (centre stable, edge region unstable).  This
        assumes the damping is moderate (each undamped band keeps a stable centre); a band
        whose centre is unstable is dropped.

        Examples
        --------
        >>> from odekit.mathieu import KapitzaPendulum
        >>> r = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0).stable_frequency_ranges()
        >>> round(r[0][0], 2), r[0][1]   # near the classical sqrt(2 g l) / h0 = 447.21
        (447.22, inf)
        """
        l, g = self.length, self.g
        qq = 2.0 * self.amplitude / l

        def omega_of(a):
            return 2.0 * math.sqrt(g / (l * -a)) if a < 0 else math.inf

        bands = []
        for n in range(int(max_bands)):
            an = float(characteristic_a(n, qq))
            if an >= 0:
                break
            bn1 = float(characteristic_b(n + 1, qq))
            bands.append((omega_of(an), omega_of(min(bn1, 0.0)) if bn1 < 0 else math.inf))
        if self.damping > 0:
            bands = self._damped_ranges(bands)
        return bands

    def _growth_at(self, omega):
        p = KapitzaPendulum(self.length, self.amplitude, omega, self.g, self.damping)
        return p.floquet_growth_rate()

    def _damped_ranges(self, bands):
        from scipy.optimize import brentq

        f = self._growth_at
        out = []
        for lo, hi in bands:
            mid = math.sqrt(lo * hi) if math.isfinite(hi) else 2.0 * lo
            if f(mid) >= 0:
                continue  # the damping-shifted band no longer contains its centre
            # lower edge: walk down from lo until unstable, then brentq
            x = lo
            while f(x) < 0:
                x *= 0.9
                if x < 1e-6 * lo:
                    raise ArithmeticError("could not bracket the lower band edge")
            new_lo = brentq(f, x, mid, xtol=1e-12 * mid, rtol=1e-12)
            if math.isfinite(hi):
                x = hi
                while f(x) < 0:
                    x *= 1.1
                    if x > 1e6 * hi:
                        raise ArithmeticError("could not bracket the upper band edge")
                new_hi = brentq(f, mid, x, xtol=1e-12 * mid, rtol=1e-12)
            else:
                new_hi = math.inf
            if out and new_lo <= out[-1][1]:
                out[-1] = (out[-1][0], new_hi)
            else:
                out.append((new_lo, new_hi))
        return out

    # ------------------------------------------------------------------ averaged theory
    def effective_potential(self, theta):
        """Kapitza's effective potential U(theta) (per unit m l^2, in 1/s^2), U(0) = 0.

        U(theta) = (g / l)(cos theta - 1) + (h0 omega / (2 l))^2 sin^2 theta; the slow motion
        obeys theta'' = -U'(theta).  The upright position is a minimum when
        h0^2 omega^2 > 2 g l; the barrier sits at cos theta* = 2 g l / (h0 omega)^2.

        Examples
        --------
        >>> from odekit.mathieu import KapitzaPendulum
        >>> p = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)
        >>> float(p.effective_potential(0.0))
        0.0
        """
        th = np.asarray(theta, dtype=float)
        l = self.length
        k = (self.amplitude * self.omega / (2.0 * l)) ** 2
        out = (self.g / l) * (np.cos(th) - 1.0) + k * np.sin(th) ** 2
        return float(out) if out.ndim == 0 else out

    def barrier_angle(self):
        """Angle theta* of the effective-potential maximum, cos theta* = 2 g l / (h0 omega)^2.

        Raises
        ------
        ValueError
            When h0^2 omega^2 <= 2 g l: the averaged theory has no stable upright position
            (the upright is not a minimum of U), so there is no barrier angle.
        """
        v = self.amplitude * self.omega
        d = v * v  # no division (h0 omega may underflow) and no pow (it may overflow)
        if not 2.0 * self.g * self.length < d or not math.isfinite(d):
            raise ValueError("the averaged theory has no stable upright position "
                             "(h0^2 omega^2 <= 2 g l)")
        return math.acos(2.0 * self.g * self.length / d)

    def slow_frequency(self):
        """Omega = sqrt(h0^2 omega^2 / (2 l^2) - g / l), the averaged small-oscillation frequency.

        (The blog writes a form that is only right for l = 1; this is the dimensionally
        consistent one.)  Raises ValueError when the averaged theory predicts no stable
        upright position.
        """
        v = self.amplitude * self.omega / self.length
        w2 = 0.5 * v * v - self.g / self.length
        if not (w2 > 0 and math.isfinite(w2)):
            raise ValueError("the averaged theory has no stable upright position "
                             f"(h0^2 omega^2 / (2 l^2) - g / l = {w2:.6g} <= 0)")
        return math.sqrt(w2)

    def approximate_solution(self, t, theta0):
        """Slow oscillation plus fast ripple: theta0 cos(Omega t) + (h0 / l) theta0 cos(omega t).

        Parameters
        ----------
        t : float or array_like
            Times (s).
        theta0 : float
            Amplitude of the slow oscillation (rad), small.

        Examples
        --------
        >>> from odekit.mathieu import KapitzaPendulum
        >>> p = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)
        >>> round(float(p.approximate_solution(0.0, 0.1)), 6)
        0.101
        """
        t = np.asarray(t, dtype=float)
        th0 = float(theta0)
        W = self.slow_frequency()
        out = th0 * np.cos(W * t) + (self.amplitude / self.length) * th0 * np.cos(self.omega * t)
        return float(out) if out.ndim == 0 else out

    # ------------------------------------------------------------------ simulation
    def params(self, linear=False):
        """Parameter vector of :func:`kapitza_rhs`."""
        return np.array([self.length, self.amplitude, self.omega, self.g, self.damping,
                         1.0 if linear else 0.0])

    def simulate(self, theta0, dtheta0, t_span, *, linear=False, **solver_options):
        """Integrate the pendulum (nonlinear, or linearised about upright with ``linear``).

        Parameters
        ----------
        theta0, dtheta0 : float
            Initial angle from the upright (rad) and angular velocity (rad/s).
        t_span : (float, float)
        linear : bool
            Use sin(theta) ~ theta.
        **solver_options
            Passed to :func:`odekit.solve_ivp` (defaults: DOP853, rtol 1e-9, atol 1e-12,
            max_steps 10^6).

        Returns
        -------
        OdeResult
            y[0] is theta, y[1] is theta'.

        Examples
        --------
        >>> from odekit.mathieu import KapitzaPendulum
        >>> p = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)
        >>> res = p.simulate(0.1, 0.0, (0.0, 1.0), t_eval=[1.0])
        >>> bool(abs(res.y[0, -1]) < 0.12)
        True
        """
        from odekit.integrate import solve_ivp

        opts = {"method": "DOP853", "rtol": 1e-9, "atol": 1e-12, "max_steps": 1_000_000}
        opts.update(solver_options)
        y0 = np.array([float(theta0), float(dtheta0)])
        if not np.all(np.isfinite(y0)):
            raise ValueError("theta0 and dtheta0 must be finite")
        return solve_ivp(kapitza_rhs, t_span, y0, params=self.params(linear), **opts)


def stability_margin(length, omega, amplitude, g=9.81, damping=0.0):
    """How far the upright pendulum is from the edge of linear stability, on a grid.

    Each grid point is the Mathieu equation of :meth:`KapitzaPendulum.mathieu_parameters`
    with gamma = c / omega; its trace comes from Hill's determinant (no integration; points
    beyond its tables, |a| or |q| in the thousands, are integrated instead). The margin is
    2 - |trace| without damping and gamma - log(rho) / pi with it (rho the largest Floquet
    multiplier's modulus of the undamped equation); it is positive exactly where the upright
    position is stable and continuous across the edges, so its zero contour draws them.

    Parameters
    ----------
    length : float
        l (m), > 0.
    omega : array_like, 1-D
        Pivot frequencies (rad/s), > 0.
    amplitude : array_like, 1-D
        Pivot amplitudes h0 (m), > 0.
    g : float
        Gravitational acceleration (m/s^2), > 0.
    damping : float
        Viscous damping rate c (1/s), >= 0.

    Returns
    -------
    ndarray, shape (len(amplitude), len(omega))

    Examples
    --------
    >>> from odekit.mathieu.kapitza import stability_margin
    >>> m = stability_margin(1.0, [430.0, 500.0], [0.01], g=10.0)
    >>> bool(m[0, 0] < 0 < m[0, 1])
    True
    """
    from .chart import _grid

    l = _positive(length, "length")
    g = _positive(g, "g")
    c = _positive(damping, "damping", allow_zero=True)
    w = _grid(omega, "omega")
    h = _grid(amplitude, "amplitude")
    if np.any(w <= 0):
        raise ValueError("omega must be > 0")
    if np.any(h <= 0):
        raise ValueError("amplitude must be > 0")
    gam = c / w                                   # per column
    a = -4.0 * g / (l * w * w)
    q = 2.0 * h / l                               # the sign of q does not change stability
    A = np.broadcast_to(a - gam * gam, (h.size, w.size))
    Q = np.broadcast_to(q[:, None], (h.size, w.size))
    tr = _undamped_trace(np.ascontiguousarray(A), np.ascontiguousarray(Q))
    if c == 0.0:
        return 2.0 - np.abs(tr)
    # gamma minus the undamped growth rate log(rho) / pi; rho the largest |multiplier|,
    # computed without squaring the trace (no overflow)
    atr = np.maximum(np.abs(tr), 2.0)
    r = 2.0 / atr
    rho = 0.5 * atr * (1.0 + np.sqrt((1.0 - r) * (1.0 + r)))
    return gam[None, :] - np.log(rho) / math.pi


def stability_map(length, omega, amplitude, g=9.81, damping=0.0):
    """Linear (Floquet) stability of the upright pendulum on an (amplitude, omega) grid.

    True where :func:`stability_margin` is positive.

    Parameters
    ----------
    length, omega, amplitude, g, damping
        As in :func:`stability_margin`.

    Returns
    -------
    ndarray of bool, shape (len(amplitude), len(omega))
        True where the upright position is linearly stable.

    Examples
    --------
    >>> from odekit.mathieu.kapitza import stability_map
    >>> stability_map(1.0, [430.0, 500.0], [0.01], g=10.0).tolist()   # sqrt(2 g l)/h0 = 447
    [[False, True]]
    """
    return stability_margin(length, omega, amplitude, g=g, damping=damping) > 0.0
