"""Data distributions (the t = 0 end) and priors (the t = T end)."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln

__all__ = ["EmpiricalData", "GaussianMixture", "GaussianPrior", "UniformPrior",
           "HeavyTailedPrior"]


def _weights(weights, n, name="weights"):
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"{name} must be finite and non-negative")
    if not w.sum() > 0:
        raise ValueError(f"{name} must not all be zero")
    return w / w.sum()


def _rng(seed):
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


class EmpiricalData:
    """A finite point set with weights: p_0 = sum_i w_i delta(x - y_i).

    Parameters
    ----------
    points : array_like, shape (N, d) or (N,) for d = 1
    weights : array_like, shape (N,), optional
        Non-negative; normalised to sum 1 (default: equal).

    Examples
    --------
    >>> from odekit.characteristics import EmpiricalData
    >>> data = EmpiricalData([0.5, 1.2, 1.7], weights=[2, 1, 1])
    >>> data.dim, data.weights.tolist()
    (1, [0.5, 0.25, 0.25])
    """

    kind = 0

    def __init__(self, points, weights=None):
        pts = np.asarray(points, dtype=float)
        if pts.ndim == 1:
            pts = pts[:, None]
        if pts.ndim != 2 or pts.shape[0] < 1 or pts.shape[1] < 1:
            raise ValueError(f"points must have shape (N, d), got {np.shape(points)}")
        if not np.all(np.isfinite(pts)):
            raise ValueError("points must be finite")
        self.points = np.ascontiguousarray(pts)
        self.weights = _weights(weights, pts.shape[0])
        self.dim = pts.shape[1]
        self.size = pts.shape[0]

    def __repr__(self):
        return f"EmpiricalData({self.size} points in {self.dim}-D)"

    def sample(self, n, seed):
        """n draws (with replacement, by weight)."""
        rng = _rng(seed)
        return self.points[rng.choice(self.size, size=int(n), p=self.weights)]

    def min_spacing(self):
        """Smallest distance between two distinct points (inf for a single point)."""
        from scipy.spatial import cKDTree

        if self.size < 2:
            return math.inf
        dist, _ = cKDTree(self.points).query(self.points, k=2)
        dd = dist[:, 1]
        dd = dd[dd > 0]
        return float(dd.min()) if dd.size else math.inf


class GaussianMixture:
    """p_0 = sum_k w_k N(mu_k, Sigma_k), covariances positive definite.

    Parameters
    ----------
    weights : array_like, shape (K,)
    means : array_like, shape (K, d)
    covariances : array_like, shape (K, d, d), or (K,) / scalar for isotropic ones

    Examples
    --------
    >>> from odekit.characteristics import GaussianMixture
    >>> gm = GaussianMixture([0.3, 0.7], [[-1.0, 0.0], [1.0, 0.5]], 0.1)
    >>> gm.dim, gm.size, gm.covariances.shape
    (2, 2, (2, 2, 2))
    """

    kind = 1

    def __init__(self, weights, means, covariances):
        mu = np.asarray(means, dtype=float)
        if mu.ndim == 1:
            mu = mu[:, None]
        if mu.ndim != 2 or mu.shape[0] < 1:
            raise ValueError(f"means must have shape (K, d), got {np.shape(means)}")
        K, d = mu.shape
        if not np.all(np.isfinite(mu)):
            raise ValueError("means must be finite")
        cov = np.asarray(covariances, dtype=float)
        if cov.ndim == 0:
            cov = np.broadcast_to(cov, (K,))
        if cov.ndim == 1:
            if cov.shape != (K,):
                raise ValueError(f"covariances given as variances must have shape ({K},)")
            cov = cov[:, None, None] * np.eye(d)
        if cov.shape != (K, d, d):
            raise ValueError(f"covariances must have shape ({K}, {d}, {d}), got {cov.shape}")
        if not np.all(np.isfinite(cov)):
            raise ValueError("covariances must be finite")
        if not np.allclose(cov, np.swapaxes(cov, 1, 2), rtol=1e-12, atol=1e-14):
            raise ValueError("covariances must be symmetric")
        lam, U = np.linalg.eigh(cov)
        if np.any(lam <= 0):
            raise ValueError("covariances must be positive definite (an eigenvalue is <= 0)")
        self.weights = _weights(weights, K)
        self.means = np.ascontiguousarray(mu)
        self.covariances = np.ascontiguousarray(cov)
        self.eigvals = np.ascontiguousarray(lam)
        self.eigvecs = np.ascontiguousarray(U)
        self.dim, self.size = d, K

    def __repr__(self):
        return f"GaussianMixture({self.size} components in {self.dim}-D)"

    def sample(self, n, seed):
        """n draws."""
        rng = _rng(seed)
        k = rng.choice(self.size, size=int(n), p=self.weights)
        z = rng.standard_normal((int(n), self.dim))
        L = self.eigvecs * np.sqrt(self.eigvals)[:, None, :]
        return self.means[k] + np.einsum("nij,nj->ni", L[k], z)


class GaussianPrior:
    """N(0, scale^2 I) in ``dim`` dimensions.

    Examples
    --------
    >>> from odekit.characteristics import GaussianPrior
    >>> GaussianPrior(2, scale=3.0).sample(4, seed=0).shape
    (4, 2)
    """

    def __init__(self, dim, scale=1.0):
        self.dim = _dim(dim)
        scale = float(scale)
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale must be a positive finite number, got {scale!r}")
        self.scale = scale

    def __repr__(self):
        return f"GaussianPrior({self.dim}, scale={self.scale:g})"

    def sample(self, n, seed):
        return self.scale * _rng(seed).standard_normal((int(n), self.dim))

    def log_density(self, x):
        x = np.asarray(x, dtype=float)
        return (-0.5 * np.sum(x * x, axis=-1) / self.scale ** 2
                - self.dim * (math.log(self.scale) + 0.5 * math.log(2 * math.pi)))


class UniformPrior:
    """The uniform law on the box [low, high] (per coordinate).

    Examples
    --------
    >>> from odekit.characteristics import UniformPrior
    >>> UniformPrior(0.0, 2.0).dim
    1
    """

    def __init__(self, low, high):
        lo = np.atleast_1d(np.asarray(low, dtype=float))
        hi = np.atleast_1d(np.asarray(high, dtype=float))
        if lo.ndim != 1 or lo.shape != hi.shape:
            raise ValueError("low and high must be scalars or 1-D arrays of one length")
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi)) and np.all(hi > lo)):
            raise ValueError("high must exceed low (both finite)")
        self.low, self.high = lo, hi
        self.dim = lo.size

    def __repr__(self):
        return f"UniformPrior({self.low.tolist()}, {self.high.tolist()})"

    def sample(self, n, seed):
        return self.low + (self.high - self.low) * _rng(seed).random((int(n), self.dim))

    def log_density(self, x):
        x = np.asarray(x, dtype=float)
        inside = np.all((x >= self.low) & (x <= self.high), axis=-1)
        return np.where(inside, -np.sum(np.log(self.high - self.low)), -np.inf)


class HeavyTailedPrior:
    """The prior of the Poisson path: density proportional to
    (1 + |x - center|^2 / radius^2)^(-(dim + D)/2), a multivariate Student t with D degrees
    of freedom and scale radius/sqrt(D).

    Examples
    --------
    >>> from odekit.characteristics import HeavyTailedPrior
    >>> HeavyTailedPrior(2, D=1, radius=40.0).sample(3, seed=1).shape
    (3, 2)
    """

    def __init__(self, dim, D=1, radius=40.0, center=None):
        self.dim = _dim(dim)
        if isinstance(D, bool) or not float(D).is_integer() or int(D) < 1:
            raise ValueError(f"D must be a positive integer, got {D!r}")
        self.D = int(D)
        radius = float(radius)
        if not (np.isfinite(radius) and radius > 0):
            raise ValueError(f"radius must be a positive finite number, got {radius!r}")
        self.radius = radius
        c = np.zeros(self.dim) if center is None else np.asarray(center, dtype=float)
        if c.shape != (self.dim,) or not np.all(np.isfinite(c)):
            raise ValueError(f"center must be a finite array of shape ({self.dim},)")
        self.center = c

    def __repr__(self):
        return f"HeavyTailedPrior({self.dim}, D={self.D}, radius={self.radius:g})"

    def sample(self, n, seed):
        rng = _rng(seed)
        z = rng.standard_normal((int(n), self.dim))
        chi = np.sqrt(rng.chisquare(self.D, size=(int(n), 1)))
        return self.center + self.radius * z / chi

    def log_norm(self):
        """log of the integral of (1 + |u|^2)^(-(d + D)/2) over R^d."""
        d, D = self.dim, self.D
        return 0.5 * d * math.log(math.pi) + gammaln(0.5 * D) - gammaln(0.5 * (d + D))

    def log_density(self, x):
        x = np.asarray(x, dtype=float)
        r2 = np.sum((x - self.center) ** 2, axis=-1) / self.radius ** 2
        return (-0.5 * (self.dim + self.D) * np.log1p(r2) - self.dim * math.log(self.radius)
                - self.log_norm())


def _dim(dim):
    if isinstance(dim, bool) or not float(dim).is_integer() or int(dim) < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    return int(dim)
