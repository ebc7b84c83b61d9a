"""Single-point paths between a data point and the prior, and their time schedules.

Convention (every path): the data sit at t = 0, the prior at t = ``path.T``; sampling runs
from T down to 0.

* :class:`GaussianPath`: x_t = alpha(t) x_0 + sigma(t) eps with eps ~ N(0, I); presets
  :meth:`GaussianPath.variance_exploding`, :meth:`GaussianPath.variance_preserving`,
  :meth:`GaussianPath.cosine` (Song et al. 2021; Nichol & Dhariwal's cosine schedule).
* :class:`LinearPath`: x_t = (1 - t) x_0 + t eps, eps from the prior (rectified flow, Liu et
  al. 2022; flow matching with straight conditional paths, Lipman et al. 2022). With a
  Gaussian prior it is the Gaussian path alpha = 1 - t, sigma = scale * t.
* :class:`PoissonPath`: the Poisson-field construction (PFGM, Xu et al. 2022; PFGM++ with D
  extra dimensions, Xu et al. 2023). In the variable r (the norm of the D augmented
  coordinates) the conditional paths are straight lines x_r = x_0 + r u out of the data
  point, with u drawn from the heavy-tailed law of density proportional to
  (1 + |u|^2)^(-(d + D) / 2); r plays the role of time.

The compiled kernels read a path through a few numbers (:meth:`encode`), so nothing
recompiles when the parameters change.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit

__all__ = ["GaussianPath", "LinearPath", "PoissonPath"]

# path family codes (p[0] of the kernels' parameter vector) and schedule codes (p[1])
FAMILY_GAUSSIAN, FAMILY_UNIFORM_LINEAR, FAMILY_POISSON = 0, 1, 2
SCHED_LINEAR, SCHED_VE, SCHED_VP, SCHED_COSINE, SCHED_TABLE = 0, 1, 2, 3, 4


@jit
def schedule(t, code, c0, c1):
    """(alpha, alpha', sigma, sigma * sigma') of a Gaussian schedule at time t.

    sigma * sigma' is returned instead of sigma' because it stays finite at t = 0 for the
    variance-preserving and variance-exploding schedules, where sigma' is infinite.
    """
    if code == 0:  # linear: alpha = 1 - t, sigma = c0 t
        return 1.0 - t, -1.0, c0 * t, c0 * c0 * t
    if code == 1:  # VE: sigma^2 = smin^2 ((smax/smin)^(2t) - 1)
        lr = math.log(c1 / c0)
        sig2 = c0 * c0 * math.expm1(2.0 * t * lr)
        return 1.0, 0.0, math.sqrt(sig2), c0 * c0 * math.exp(2.0 * t * lr) * lr
    if code == 2:  # VP: beta(t) = bmin + t (bmax - bmin), alpha = exp(-B/2)
        big = c0 * t + 0.5 * (c1 - c0) * t * t
        beta = c0 + t * (c1 - c0)
        a = math.exp(-0.5 * big)
        return a, -0.5 * beta * a, math.sqrt(-math.expm1(-big)), 0.5 * beta * a * a
    # cosine: alpha = cos(pi/2 (t + s)/(1 + s)) / cos(pi/2 s/(1 + s)), sigma^2 = 1 - alpha^2
    s = c0
    w = 0.5 * math.pi / (1.0 + s)
    den = math.cos(w * s)
    a = math.cos(w * (t + s)) / den
    da = -w * math.sin(w * (t + s)) / den
    sig2 = 1.0 - a * a
    if sig2 < 0.0:
        sig2 = 0.0
    return a, da, math.sqrt(sig2), -a * da


@jit
def table_schedule(t, p, off, n, T):
    """(alpha, alpha', sigma, sigma sigma') from a table of (alpha, alpha', sigma^2,
    (sigma^2)') at n equispaced nodes on [0, T], stored from p[off]: cubic Hermite pieces
    (values exact at the nodes, error O(h^4) between them, vanishing like s^2 at a node)."""
    h = T / (n - 1)
    u = t / h
    i = int(u)
    if i > n - 2:
        i = n - 2
    if i < 0:
        i = 0
    s = u - i
    b = off + 4 * i
    s2 = s * s
    h00 = (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s)
    h10 = s * (1.0 - s) * (1.0 - s)
    h01 = s2 * (3.0 - 2.0 * s)
    h11 = s2 * (s - 1.0)
    g00 = 6.0 * s2 - 6.0 * s
    g10 = 3.0 * s2 - 4.0 * s + 1.0
    g01 = -g00
    g11 = 3.0 * s2 - 2.0 * s
    a = h00 * p[b] + h10 * h * p[b + 1] + h01 * p[b + 4] + h11 * h * p[b + 5]
    da = (g00 * p[b] + g10 * h * p[b + 1] + g01 * p[b + 4] + g11 * h * p[b + 5]) / h
    q = h00 * p[b + 2] + h10 * h * p[b + 3] + h01 * p[b + 6] + h11 * h * p[b + 7]
    dq = (g00 * p[b + 2] + g10 * h * p[b + 3] + g01 * p[b + 6] + g11 * h * p[b + 7]) / h
    if q < 0.0:
        q = 0.0
    return a, da, math.sqrt(q), 0.5 * dq


def _vectorised(f, t, name):
    v = np.asarray(f(t), dtype=float)
    if v.shape != t.shape:
        v = np.array([float(f(float(ti))) for ti in t])
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name} must be finite on [0, T]")
    return v


def _derivative(f, t, T, name):
    """f' at the nodes t in [0, T]: fourth-order differences, one-sided at the ends."""
    dl = 1e-4 * T
    out = np.empty_like(t)
    inner = (t - 2 * dl >= 0) & (t + 2 * dl <= T)
    ti = t[inner]
    out[inner] = (8 * (_vectorised(f, ti + dl, name) - _vectorised(f, ti - dl, name))
                  - (_vectorised(f, ti + 2 * dl, name) - _vectorised(f, ti - 2 * dl, name))
                  ) / (12 * dl)
    for k in np.flatnonzero(~inner):
        sgn = 1.0 if t[k] < T / 2 else -1.0
        z = t[k] + sgn * dl * np.arange(5)
        fz = _vectorised(f, z, name)
        out[k] = sgn * (-25 * fz[0] + 48 * fz[1] - 36 * fz[2] + 16 * fz[3] - 3 * fz[4]) / (12 * dl)
    return out


class _Path:
    """Common behaviour: the prior end ``T`` and a check of times."""

    T: float = 1.0
    name: str = "path"

    def _check_t(self, t, name="t", allow_zero=True):
        t = np.asarray(t, dtype=float)
        if not np.all(np.isfinite(t)):
            raise ValueError(f"{name} must be finite")
        lo_ok = (t >= 0.0) if allow_zero else (t > 0.0)
        if not np.all(lo_ok & (t <= self.T * (1 + 1e-12))):
            rng = "[0, T]" if allow_zero else "(0, T]"
            raise ValueError(f"{name} must lie in {rng} = [0, {self.T:g}] for {self.name}; "
                             f"got {t.min():g}..{t.max():g}")
        return t


class GaussianPath(_Path):
    """x_t = alpha(t) x_0 + sigma(t) eps, eps ~ N(0, I): data at t = 0, noise at t = T = 1.

    Build it with a preset: :meth:`variance_exploding`, :meth:`variance_preserving`
    (the default parameters of Song et al. 2021) or :meth:`cosine`; all have alpha(0) = 1 and
    sigma(0) = 0, so t = 0 is the data itself. Or give the schedule: ``GaussianPath(alpha,
    sigma, T=1.0)`` with vectorised callables alpha(t), sigma(t) (optionally their
    derivatives ``dalpha``, ``dsigma``; otherwise fourth-order differences); it is
    tabulated at ``nodes`` points (alpha, alpha', sigma^2, (sigma^2)') and read by the
    kernels through cubic Hermite pieces, so nothing is compiled for it.

    The conditional field of one data point is
    u(x | x_0) = alpha' x_0 + (sigma'/sigma) (x - alpha x_0), with divergence d sigma'/sigma.

    Parameters
    ----------
    alpha : {"ve", "vp", "cosine"} or callable
        A preset's name, or the schedule alpha(t) itself.
    sigma : callable, optional
        sigma(t), with a callable alpha.
    T : float
        The prior end (custom schedules; presets have T = 1).
    dalpha, dsigma : callable, optional
        Exact derivatives of a custom schedule.
    nodes : int
        Table size of a custom schedule.
    **params
        Preset parameters: ``sigma_min``, ``sigma_max`` (VE); ``beta_min``, ``beta_max``
        (VP); ``s`` (cosine).

    Examples
    --------
    >>> from odekit.characteristics import GaussianPath
    >>> vp = GaussianPath.variance_preserving()
    >>> a, s = vp.alpha_sigma(0.0)
    >>> float(a), float(s)
    (1.0, 0.0)
    >>> a, s = vp.alpha_sigma(1.0)
    >>> round(float(a), 4), round(float(s), 4)
    (0.0066, 1.0)
    """

    def __init__(self, alpha="vp", sigma=None, *, T=1.0, dalpha=None, dsigma=None,
                 nodes=1025, **params):
        if callable(alpha):
            self._init_table(alpha, sigma, T, dalpha, dsigma, nodes)
            if params:
                raise TypeError(f"GaussianPath(alpha, sigma) got unexpected parameters "
                                f"{sorted(params)}")
            return
        kind = alpha
        if sigma is not None:
            raise TypeError("sigma must be None for a preset; give callables alpha and sigma "
                            "for a custom schedule")
        kinds = {"ve": SCHED_VE, "vp": SCHED_VP, "cosine": SCHED_COSINE,
                 "linear": SCHED_LINEAR}
        if kind not in kinds:
            raise ValueError(f"kind must be one of {sorted(kinds)} or alpha a callable, "
                             f"got {kind!r}")
        defaults = {"ve": {"sigma_min": 0.01, "sigma_max": 50.0},
                    "vp": {"beta_min": 0.1, "beta_max": 20.0},
                    "cosine": {"s": 0.008},
                    "linear": {"scale": 1.0}}[kind]
        unknown = set(params) - set(defaults)
        if unknown:
            raise TypeError(f"GaussianPath({kind!r}) got unexpected parameters "
                            f"{sorted(unknown)}; it takes {sorted(defaults)}")
        vals = {**defaults, **params}
        for k, v in vals.items():
            v = float(v)
            if not (np.isfinite(v) and v >= 0.0) or (v == 0.0 and k != "s"):
                raise ValueError(f"{k} must be a positive finite number, got {vals[k]!r}")
            vals[k] = v
        if kind == "ve" and not vals["sigma_max"] > vals["sigma_min"]:
            raise ValueError("sigma_max must exceed sigma_min")
        if kind == "vp" and vals["beta_max"] < vals["beta_min"]:
            raise ValueError("beta_max must be at least beta_min")
        self.kind = kind
        self.params = vals
        self.code = kinds[kind]
        order = {"ve": ("sigma_min", "sigma_max"), "vp": ("beta_min", "beta_max"),
                 "cosine": ("s",), "linear": ("scale",)}[kind]
        c = [vals[k] for k in order] + [0.0]
        self._c = (float(c[0]), float(c[1]))
        self.table = None
        self.T = 1.0
        self.name = f"GaussianPath({kind!r})"

    def _init_table(self, alpha, sigma, T, dalpha, dsigma, nodes):
        if not callable(sigma):
            raise TypeError("sigma must be callable sigma(t) when alpha is a callable")
        T = float(T)
        if not (np.isfinite(T) and T > 0):
            raise ValueError(f"T must be a positive finite number, got {T!r}")
        if isinstance(nodes, bool) or not isinstance(nodes, (int, np.integer)) or nodes < 9:
            raise ValueError(f"nodes must be an integer >= 9, got {nodes!r}")
        t = np.linspace(0.0, T, int(nodes))
        a = _vectorised(alpha, t, "alpha")
        sg = _vectorised(sigma, t, "sigma")
        if abs(a[0] - 1.0) > 1e-12 or abs(sg[0]) > 1e-12:
            raise ValueError("alpha(0) must be 1 and sigma(0) must be 0 (t = 0 is the data)")
        if np.any(sg[1:] <= 0) or np.any(a[:-1] <= 0) or a[-1] < 0:
            raise ValueError("sigma must be positive on (0, T] and alpha positive on [0, T)")
        da = (_vectorised(dalpha, t, "dalpha") if dalpha is not None
              else _derivative(alpha, t, T, "alpha"))
        if dsigma is not None:
            dq = 2.0 * sg * _vectorised(dsigma, t, "dsigma")
        else:
            dq = _derivative(lambda z: np.asarray(sigma(z), dtype=float) ** 2, t, T, "sigma")
        sg[0] = 0.0
        a[0] = 1.0
        self.table = np.ascontiguousarray(np.column_stack([a, da, sg * sg, dq]).ravel())
        self.kind = "custom"
        self.params = {"T": T, "nodes": int(nodes)}
        self.code = SCHED_TABLE
        self._c = (0.0, T)
        self._funcs = (alpha, sigma)
        self.T = T
        self.name = "GaussianPath(alpha, sigma)"

    @classmethod
    def variance_exploding(cls, sigma_min=0.01, sigma_max=50.0):
        """VE: alpha = 1, sigma^2 = sigma_min^2 ((sigma_max/sigma_min)^(2t) - 1)."""
        return cls("ve", sigma_min=sigma_min, sigma_max=sigma_max)

    @classmethod
    def variance_preserving(cls, beta_min=0.1, beta_max=20.0):
        """VP: alpha = exp(-B(t)/2), B(t) = beta_min t + (beta_max - beta_min) t^2 / 2,
        sigma^2 = 1 - alpha^2."""
        return cls("vp", beta_min=beta_min, beta_max=beta_max)

    @classmethod
    def cosine(cls, s=0.008):
        """Cosine: alpha = cos(pi/2 (t + s)/(1 + s)) / cos(pi/2 s/(1 + s)),
        sigma^2 = 1 - alpha^2 (alpha(1) = 0: the prior N(0, I) is reached exactly)."""
        return cls("cosine", s=s)

    def __repr__(self):
        if self.table is not None:
            return f"GaussianPath(alpha, sigma, T={self.T:g})"
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"GaussianPath({self.kind!r}, {inner})"

    def _values(self, t):
        if self.table is not None:
            n = self.table.size // 4
            return np.array([table_schedule(float(ti), self.table, 0, n, self.T)
                             for ti in t.ravel()]).reshape(-1, 4)
        return np.array([schedule(float(ti), self.code, *self._c)
                         for ti in t.ravel()]).reshape(-1, 4)

    def alpha_sigma(self, t):
        """alpha(t) and sigma(t) (arrays shaped like t; for a custom schedule, the
        interpolated values the kernels use)."""
        t = self._check_t(t)
        out = self._values(t)
        return out[:, 0].reshape(t.shape), out[:, 2].reshape(t.shape)

    def derivatives(self, t):
        """alpha'(t) and sigma'(t) (sigma' is infinite at t = 0 for VE and VP)."""
        t = self._check_t(t)
        vals = self._values(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            ds = np.where(vals[:, 2] > 0, vals[:, 3] / vals[:, 2], np.inf)
        return vals[:, 1].reshape(t.shape), ds.reshape(t.shape)

    def snr(self, t):
        """Signal-to-noise ratio alpha(t)/sigma(t) (inf at t = 0)."""
        a, s = self.alpha_sigma(t)
        with np.errstate(divide="ignore"):
            return a / s

    def time_at_snr(self, ratio):
        """The time t at which alpha/sigma equals ``ratio`` (bisection; decreasing in t)."""
        ratio = float(ratio)
        if not ratio > 0:
            raise ValueError("ratio must be positive")
        lo, hi = 0.0, self.T
        if self.snr(hi) >= ratio:
            return hi
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if self.snr(mid) > ratio:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-15 * max(hi, 1e-300):
                break
        return 0.5 * (lo + hi)

    def encode(self):
        """(family code, schedule code, c0, c1) read by the compiled kernels."""
        return FAMILY_GAUSSIAN, self.code, self._c[0], self._c[1]


class LinearPath(_Path):
    """Straight conditional paths x_t = (1 - t) x_0 + t eps, eps drawn from the prior.

    Data at t = 0, prior at t = T = 1. The conditional field is eps - x_0 = (x - x_0)/t
    whatever the prior; with a Gaussian prior of scale s this is the Gaussian path
    alpha = 1 - t, sigma = s t (rectified flow / flow matching), with a uniform prior on a box
    the construction of https://kexue.fm/archives/9497.

    Examples
    --------
    >>> from odekit.characteristics import LinearPath
    >>> LinearPath().T
    1.0
    """

    def __init__(self):
        self.T = 1.0
        self.name = "LinearPath()"

    def __repr__(self):
        return "LinearPath()"


class PoissonPath(_Path):
    """The Poisson-field path (PFGM for D = 1, PFGM++ for D > 1), with r as time.

    Data at r = 0 (the data plane of the augmented space), prior at r = T. One data point
    y moves along x_r = y + r u with u of density proportional to (1 + |u|^2)^(-(d + D)/2),
    so that the conditional density is p_r(x | y) proportional to
    r^D / (r^2 + |x - y|^2)^((d + D)/2), the field of a point charge in d + D dimensions
    (Xu et al. 2023). The marginal field dx/dr = (x - E[y | x])/r is the direction of the
    electric field of the data's charges; as D -> infinity with r = sigma sqrt(D) it becomes
    the variance-exploding Gaussian path.

    Parameters
    ----------
    D : int
        Number of augmented dimensions (1: PFGM).
    T : float
        Largest r, the prior end (the data should have a spread of order 1).

    Examples
    --------
    >>> from odekit.characteristics import PoissonPath
    >>> PoissonPath(D=1).T
    40.0
    """

    def __init__(self, D=1, T=40.0):
        if isinstance(D, bool) or not float(D).is_integer() or int(D) < 1:
            raise ValueError(f"D must be a positive integer, got {D!r}")
        T = float(T)
        if not (np.isfinite(T) and T > 0):
            raise ValueError(f"T must be a positive finite number, got {T!r}")
        self.D = int(D)
        self.T = T
        self.name = f"PoissonPath(D={self.D})"

    def __repr__(self):
        return f"PoissonPath(D={self.D}, T={self.T:g})"
