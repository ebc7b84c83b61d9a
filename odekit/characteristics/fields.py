"""The marginal field between a data distribution and a prior, sampling and likelihoods.

Convention: data at t = 0, prior at t = T (``field.T``); :func:`sample` integrates from T
down to 0, :func:`log_likelihood` from 0 up to T.

Construction (https://kexue.fm/archives/9370, /9379, /9497; Lipman et al. 2022): each data
point y moves along a path x_t(y) with conditional field u_t(x | y) and conditional density
p_t(x | y). The marginal p_t(x) = E_y p_t(x | y) satisfies the continuity equation with the
posterior average v_t(x) = E[u_t(x | y) | x_t = x], whose weights are the posterior
probabilities of the data points (a softmax of log w_i + log p_t(x | y_i), computed with a
running maximum). Gaussian paths turn a Gaussian mixture into a Gaussian mixture, so field,
score, log-density and divergence are closed forms for both point sets and mixtures.
"""

from __future__ import annotations

import numpy as np

from . import _kernels as K
from .data import (
    EmpiricalData,
    GaussianMixture,
    GaussianPrior,
    HeavyTailedPrior,
    UniformPrior,
    _rng,
)
from .paths import FAMILY_GAUSSIAN, SCHED_LINEAR, GaussianPath, LinearPath, PoissonPath

__all__ = ["MarginalField", "sample", "log_likelihood", "continuity_residual"]

#: largest parameter-block size (floats) copied per trajectory in one ensemble call
_PARAM_BUDGET = 2_000_000


def _as_points(x, d, name="x"):
    x = np.asarray(x, dtype=float)
    if d == 1 and x.ndim == 1:
        x = x[:, None]
    if x.ndim == 1 and x.shape[0] == d:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] != d:
        raise ValueError(f"{name} must have shape (k, {d}) to match the data's dimension, "
                         f"got {np.shape(x)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    return np.ascontiguousarray(x)


class MarginalField:
    """The exact marginal field v_t(x) carrying ``data`` (t = 0) into ``prior`` (t = T).

    Parameters
    ----------
    path : GaussianPath, LinearPath or PoissonPath
    data : EmpiricalData or GaussianMixture
        Gaussian mixtures go with Gaussian paths (and LinearPath with a Gaussian prior);
        the uniform-prior straight path and the Poisson path take point sets.
    prior : GaussianPrior, UniformPrior or HeavyTailedPrior, optional
        None: the path's natural prior, N(0, sigma_T^2 I) for a Gaussian path, N(0, I) for
        LinearPath, HeavyTailedPrior(d, D, radius=T) centred on the data's mean for the
        Poisson path. LinearPath takes a GaussianPrior or a UniformPrior (its eps law).

    Notes
    -----
    What is closed form: for Gaussian paths (and LinearPath with a Gaussian prior) and any
    data, the velocity, the score, the log-density and the divergence. For LinearPath with a
    uniform prior, the field (x - mean of the active points)/t and the log-density are
    exact; the density is piecewise constant, so the score is 0 and the divergence d/t away
    from the moving region boundaries, where the density jumps (the continuity equation
    holds there in the weak sense only) -- :func:`log_likelihood` refuses it. For the
    Poisson path: velocity, score, divergence and log-density (a mixture of multivariate t
    laws) are exact.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.characteristics import (MarginalField, GaussianPath, GaussianMixture)
    >>> gm = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]], 0.05)
    >>> field = MarginalField(GaussianPath.variance_preserving(), gm)
    >>> field.velocity(0.5, [[0.0, 0.0]]).shape
    (1, 2)
    >>> float(np.round(field.divergence(0.5, [[0.3, 0.1]])[0], 6)) == float(
    ...     np.round(field.divergence(0.5, np.array([[0.3, 0.1]]))[0], 6))
    True
    """

    def __init__(self, path, data, prior=None):
        if not isinstance(path, (GaussianPath, LinearPath, PoissonPath)):
            raise TypeError(f"path must be a GaussianPath, LinearPath or PoissonPath, "
                            f"got {type(path).__name__}")
        if not isinstance(data, (EmpiricalData, GaussianMixture)):
            raise TypeError(f"data must be EmpiricalData or GaussianMixture, "
                            f"got {type(data).__name__}")
        d = data.dim
        self.path, self.data, self.dim, self.T = path, data, d, path.T
        fam, code, c0, c1 = FAMILY_GAUSSIAN, SCHED_LINEAR, 1.0, 0.0
        lognorm, D = 0.0, 0.0
        extra = np.empty(0)
        if isinstance(path, GaussianPath):
            _, code, c0, c1 = path.encode()
            if prior is None:
                a, s = path.alpha_sigma(path.T)
                prior = GaussianPrior(d, scale=float(s))
            if not isinstance(prior, GaussianPrior):
                raise ValueError(f"prior: a GaussianPath needs a GaussianPrior, "
                                 f"got {type(prior).__name__}")
        elif isinstance(path, LinearPath):
            prior = GaussianPrior(d) if prior is None else prior
            if isinstance(prior, GaussianPrior):
                c0 = prior.scale
            elif isinstance(prior, UniformPrior):
                if not isinstance(data, EmpiricalData):
                    raise ValueError("prior: LinearPath with a UniformPrior needs EmpiricalData "
                                     "(point-set) data")
                fam = 1
                lognorm = float(np.sum(np.log(prior.high - prior.low)))
                extra = np.concatenate([prior.low, prior.high])
            else:
                raise ValueError(f"prior: LinearPath takes a GaussianPrior or a UniformPrior, "
                                 f"got {type(prior).__name__}")
        else:
            if not isinstance(data, EmpiricalData):
                raise ValueError("data: the Poisson path needs EmpiricalData (point sets)")
            fam, D = 2, float(path.D)
            if prior is None:
                prior = HeavyTailedPrior(d, path.D, radius=path.T,
                                         center=data.weights @ data.points)
            if not isinstance(prior, HeavyTailedPrior) or prior.D != path.D:
                raise ValueError("prior: the Poisson path needs a HeavyTailedPrior with the "
                                 "same D")
            lognorm = prior.log_norm()
        if prior.dim != d:
            raise ValueError(f"prior has dimension {prior.dim} but the data have {d}")
        self.prior = prior
        # zero-weight points or components are left out of the kernels' data
        keep = np.flatnonzero(data.weights > 0)
        if isinstance(data, EmpiricalData):  # sorted by the first coordinate (see _kernels)
            keep = keep[np.argsort(data.points[keep, 0], kind="stable")]
        self._index = keep
        logw = np.log(data.weights[keep])
        head = np.zeros(K.HEADER)
        head[:10] = [fam, code, c0, c1, data.kind, d, keep.size, D, lognorm, logw.max()]
        if isinstance(data, EmpiricalData):
            body = [logw, data.points[keep].ravel()]
        else:
            body = [logw, data.means[keep].ravel(), data.eigvecs[keep].ravel(),
                    data.eigvals[keep].ravel()]
        table = np.empty(0)
        if isinstance(path, GaussianPath) and path.table is not None:
            table = path.table
            head[10] = K.HEADER + sum(b.size for b in body) + extra.size
            head[11] = table.size // 4
        self.params = np.ascontiguousarray(np.concatenate([head, *body, extra, table]))
        self.family = fam

    def __repr__(self):
        return f"MarginalField({self.path!r}, {self.data!r}, prior={self.prior!r})"

    # ------------------------------------------------------------------ evaluation
    def _check_t(self, t):
        allow_zero = isinstance(self.data, GaussianMixture)
        t = self.path._check_t(t, "t", allow_zero=allow_zero)
        if t.ndim != 0:
            raise ValueError("t must be a scalar")
        return float(t)

    def evaluate(self, t, x, *, score=False, divergence=True):
        """Everything at once: dict with velocity (k, d), divergence, log_density, and
        (if asked) score, plus the largest posterior weight and its data index."""
        t = self._check_t(t)
        X = _as_points(x, self.dim)
        k = X.shape[0]
        V = np.empty((k, self.dim))
        S = np.empty((k, self.dim)) if score else V
        div, logp, pmax = np.empty(k), np.empty(k), np.empty(k)
        imax = np.empty(k, dtype=np.int64)
        K.field_many(t, X, self.params, V, S, div, logp, pmax, imax, bool(score),
                     bool(divergence))
        out = {"velocity": V, "log_density": logp, "posterior_max": pmax,
               "argmax": self._index[imax]}
        if divergence:
            out["divergence"] = div
        if score:
            out["score"] = S
        return out

    def velocity(self, t, x):
        """The marginal field v_t(x), shape (k, d)."""
        return self.evaluate(t, x, divergence=False)["velocity"]

    def divergence(self, t, x):
        """The exact divergence of v_t at x, shape (k,)."""
        return self.evaluate(t, x)["divergence"]

    def log_density(self, t, x):
        """log p_t(x), exact, shape (k,)."""
        return self.evaluate(t, x, divergence=False)["log_density"]

    def score(self, t, x):
        """grad log p_t(x), exact, shape (k, d) (0 for the uniform-box prior, whose
        density is piecewise constant)."""
        return self.evaluate(t, x, score=True, divergence=False)["score"]

    # ------------------------------------------------------------------ flows
    def flow(self, x, t_start, t_end, *, with_log_density=False, rtol=1e-8, atol=1e-10,
             t_eval=None, method="DOP853", max_steps=100_000):
        """Carry points ``x`` (k, d) along dx/dt = v_t(x) from ``t_start`` to ``t_end``.

        Returns the end points (k, d), or (k, d, m) at the ``t_eval`` times; with
        ``with_log_density`` also the change of log-density along each path (k,) (or
        (k, m)), from d log p/dt = -div v. One parallel ensemble (in batches that bound
        the memory of the per-trajectory parameter copies). ``method``: "DOP853" or
        "RK45".
        """
        import odekit

        t0 = self._check_t(t_start)
        t1 = self._check_t(t_end)
        X = _as_points(x, self.dim)
        k, d = X.shape
        n = d + 1 if with_log_density else d
        Y0 = np.zeros((k, n))
        Y0[:, :d] = X
        batch = max(16, int(_PARAM_BUDGET // self.params.size))
        m = 1 if t_eval is None else len(np.atleast_1d(t_eval))
        out = np.empty((k, n, m))
        for lo in range(0, k, batch):
            res = odekit.solve_ensemble(K.marginal_rhs, (t0, t1), Y0[lo:lo + batch],
                                        params=self.params, rtol=rtol, atol=atol,
                                        t_eval=t_eval, method=method, max_steps=max_steps,
                                        progress=False)
            out[lo:lo + batch] = res.y
        if t_eval is None:
            out = out[:, :, 0]
            return (out[:, :d], out[:, d]) if with_log_density else out
        return (out[:, :d], out[:, d]) if with_log_density else out

    def t_min(self):
        """Where :func:`sample` stops integrating for point-set data (see there)."""
        data, path = self.data, self.path
        if isinstance(data, GaussianMixture):
            return 0.0
        delta = EmpiricalData(data.points[self._index]).min_spacing()
        if not np.isfinite(delta):
            delta = 1.0
        if self.family == 1:
            width = float(np.max(self.prior.high - self.prior.low))
            q = 0.25 * delta / width  # boxes t*width around (1 - t) y_i are disjoint
            return q / (1.0 + q)
        if self.family == 2:
            return 1e-4 * delta
        if isinstance(path, LinearPath):
            q = delta / (200.0 * self.prior.scale)  # sigma/alpha = s t/(1 - t)
            return q / (1.0 + q)
        return path.time_at_snr(200.0 / delta)


def sample(field, n, *, seed, rtol=None, atol=None, t_min=None, return_info=False):
    """Draw n points from the data distribution by integrating the field from T down to 0.

    Prior samples at t = T are carried by dx/dt = v_t(x) towards t = 0 (one parallel
    ensemble). For Gaussian-mixture data the field is smooth up to t = 0 and the
    integration runs to t = 0 itself. For point sets the field is singular at t = 0
    (every point attracts its neighbourhood): the integration stops at ``t_min`` (default
    :meth:`MarginalField.t_min`, where the noise-to-signal ratio is 1/200 of the smallest
    spacing of the data, so that the posterior is one data point to within exp(-10^4)),
    and the last stretch is taken exactly: once the posterior is a single point y_i the
    marginal field is that point's conditional field, whose path ends at y_i. The sample
    is then y_i exactly; ``return_info`` gives the states at ``t_min`` and the posterior
    weight of the chosen point (which must exceed 1 - 1e-9, else the integration went on
    to smaller t).

    Parameters
    ----------
    field : MarginalField
    n : int
    seed : int or numpy.random.Generator
    rtol, atol : float, optional
        Tolerances of the integration: default 1e-8 and 1e-10, or 1e-10 and 1e-12 for the
        uniform-box prior, whose field jumps across the moving region boundaries (at
        rtol = 1e-8 about one trajectory in 1500 was pushed off the support at a jump).
    t_min : float, optional
        Where to stop for point sets.
    return_info : bool

    Returns
    -------
    ndarray, shape (n, d)
        (and a dict with ``x_tmin``, ``t_min``, ``posterior_max``, ``index`` if asked).

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.characteristics import (EmpiricalData, LinearPath, MarginalField,
    ...                                     UniformPrior, sample)
    >>> f = MarginalField(LinearPath(), EmpiricalData([0.5, 1.2, 1.7], [2, 1, 1]),
    ...                   prior=UniformPrior(0.0, 2.0))
    >>> x = sample(f, 200, seed=0)
    >>> sorted(set(np.round(x[:, 0], 12).tolist()))
    [0.5, 1.2, 1.7]
    """
    if not isinstance(field, MarginalField):
        raise TypeError("field must be a MarginalField")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    rng = _rng(seed)
    tight = field.family == 1
    rtol = (1e-10 if tight else 1e-8) if rtol is None else rtol
    atol = (1e-12 if tight else 1e-10) if atol is None else atol
    x_T = field.prior.sample(int(n), rng)
    if isinstance(field.data, GaussianMixture):
        x = field.flow(x_T, field.T, 0.0, rtol=rtol, atol=atol)
        return (x, {"t_min": 0.0}) if return_info else x
    tm = field.t_min() if t_min is None else float(t_min)
    if not 0.0 < tm < field.T:
        raise ValueError(f"t_min must lie in (0, T), got {tm!r}")
    x = field.flow(x_T, field.T, tm, rtol=rtol, atol=atol)
    info = field.evaluate(tm, x, divergence=False)
    pmax, idx = info["posterior_max"], info["argmax"]
    for _ in range(8):  # ambiguous posteriors: go on towards 0
        bad = pmax < 1.0 - 1e-9
        if not bad.any():
            break
        t_next = tm * 1e-2
        x[bad] = field.flow(x[bad], tm, t_next, rtol=rtol, atol=atol)
        tm = t_next
        sub = field.evaluate(tm, x[bad], divergence=False)
        pmax[bad], idx[bad] = sub["posterior_max"], sub["argmax"]
    out = field.data.points[idx].copy()
    if return_info:
        return out, {"x_tmin": x, "t_min": tm, "posterior_max": pmax, "index": idx}
    return out


def log_likelihood(field, x, *, t0=0.0, rtol=1e-10, atol=1e-12, end="exact"):
    """log p_{t0}(x) by the ODE: carry x from t0 to T with its log-density change.

    log p_{t0}(x) = log p_T(x_T) + integral_{t0}^{T} div v_t(x_t) dt, with the exact
    divergence. The end term is the exact marginal log p_T (``end="exact"``; a
    variance-preserving path does not reach its prior exactly at T) or the prior's
    log-density (``end="prior"``). Point sets have no density at t = 0: give t0 > 0.

    Examples
    --------
    >>> from odekit.characteristics import (GaussianMixture, GaussianPath, MarginalField,
    ...                                     log_likelihood)
    >>> gm = GaussianMixture([1.0], [[0.0]], 1.0)
    >>> f = MarginalField(GaussianPath.variance_preserving(), gm)
    >>> round(float(log_likelihood(f, [[0.0]])[0]), 6)   # log N(0; 0, 1)
    -0.918939
    """
    if not isinstance(field, MarginalField):
        raise TypeError("field must be a MarginalField")
    if field.family == 1:
        raise ValueError("field: the uniform-prior straight path has a density that jumps "
                         "across moving boundaries, so the divergence integral does not "
                         "give its likelihood; use field.log_density")
    if end not in ("exact", "prior"):
        raise ValueError(f"end must be 'exact' or 'prior', got {end!r}")
    if isinstance(field.data, EmpiricalData) and not float(t0) > 0:
        raise ValueError("t0: point-set data have no density at t = 0; give t0 > 0")
    X = _as_points(x, field.dim)
    xT, dlog = field.flow(X, t0, field.T, with_log_density=True, rtol=rtol, atol=atol)
    lpT = field.log_density(field.T, xT) if end == "exact" else field.prior.log_density(xT)
    return lpT - dlog


def continuity_residual(field, t, x, *, h=None):
    """d/dt log p + v . grad log p + div v at (t, x), by finite differences.

    Uses only ``field.log_density`` and ``field.velocity`` (the divergence of v and the
    gradient of log p are differenced too, with fourth-order central stencils), so it
    checks the construction independently of the closed-form divergence and score. Zero,
    up to O(h^4), for an exact field.

    Returns
    -------
    ndarray, shape (k,)

    Examples
    --------
    >>> from odekit.characteristics import (GaussianMixture, GaussianPath, MarginalField,
    ...                                     continuity_residual)
    >>> gm = GaussianMixture([0.4, 0.6], [[-1.0, 0.0], [1.0, 1.0]], 0.2)
    >>> f = MarginalField(GaussianPath.variance_exploding(), gm)
    >>> bool(abs(continuity_residual(f, 0.5, [[0.1, 0.2]])[0]) < 1e-6)
    True
    """
    t = field._check_t(t)
    X = _as_points(x, field.dim)
    k, d = X.shape
    rel = 1e-3 if h is None else float(h)
    ht = rel * max(min(t, field.T - t), 1e-6)
    if not (0.0 < t - 2 * ht and t + 2 * ht < field.T * (1 + 1e-12)):
        raise ValueError("t must be at least 2 h inside (0, T) for the time difference")

    def d4(fun, h_):
        return (8.0 * (fun(1) - fun(-1)) - (fun(2) - fun(-2))) / (12.0 * h_)

    dlp = d4(lambda s: field.log_density(t + s * ht, X), ht)
    v = field.velocity(t, X)
    res = dlp
    for j in range(d):
        hx = rel * (1.0 + np.abs(X[:, j]))

        def shifted(s, j=j, hx=hx):
            Y = X.copy()
            Y[:, j] += s * hx
            return Y

        grad = d4(lambda s: field.log_density(t, shifted(s)), hx)
        div = d4(lambda s: field.velocity(t, shifted(s))[:, j], hx)
        res = res + v[:, j] * grad + div
    return res

