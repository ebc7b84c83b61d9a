"""Marginal fields against formulas computed here with NumPy/SciPy (independent oracles)."""

import numpy as np
import pytest
from scipy.special import gammaln, logsumexp
from scipy.stats import multivariate_normal

from odekit.characteristics import (
    EmpiricalData,
    GaussianMixture,
    GaussianPath,
    GaussianPrior,
    LinearPath,
    MarginalField,
    PoissonPath,
    UniformPrior,
    continuity_residual,
    log_likelihood,
)

COVS = [[[0.20, 0.05], [0.05, 0.10]], [[0.10, 0.0], [0.0, 0.30]], [[0.05, -0.02], [-0.02, 0.08]]]
GM = GaussianMixture([0.3, 0.5, 0.2], [[-1.0, 0.0], [1.0, 0.5], [0.0, -1.2]], COVS)
PATHS = {
    "linear": (LinearPath(), None),
    "linear-scale2": (LinearPath(), GaussianPrior(2, scale=2.0)),
    "vp": (GaussianPath.variance_preserving(), None),
    "ve": (GaussianPath.variance_exploding(), None),
    "cosine": (GaussianPath.cosine(), None),
}


def alpha_sigma_reference(name, t):
    """The schedules written out again here, from their definitions."""
    if name == "linear":
        return 1 - t, t
    if name == "linear-scale2":
        return 1 - t, 2 * t
    if name == "vp":
        a = np.exp(-0.5 * (0.1 * t + 0.5 * 19.9 * t * t))
        return a, np.sqrt(1 - a * a)
    if name == "ve":
        return 1.0, 0.01 * np.sqrt((50 / 0.01) ** (2 * t) - 1)
    s = 0.008
    a = np.cos(np.pi / 2 * (t + s) / (1 + s)) / np.cos(np.pi / 2 * s / (1 + s))
    return a, np.sqrt(1 - a * a)


def mixture_logpdf(x, weights, means, covs, a, s):
    comps = [np.log(w) + multivariate_normal(a * m, a * a * np.asarray(C) + s * s * np.eye(2))
             .logpdf(x) for w, m, C in zip(weights, means, covs)]
    return logsumexp(np.stack(comps), axis=0)


@pytest.fixture(scope="module")
def fields():
    return {k: MarginalField(p, GM, pr) for k, (p, pr) in PATHS.items()}


@pytest.mark.parametrize("name", list(PATHS))
def test_log_density_is_the_gaussian_mixture(fields, name):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 2)) * 1.5
    for t in (0.0, 0.2, 0.61, 0.95):
        a, s = alpha_sigma_reference(name, t)
        ref = mixture_logpdf(X, GM.weights, GM.means, COVS, a, s)
        np.testing.assert_allclose(fields[name].log_density(t, X), ref, rtol=0, atol=1e-11)


@pytest.mark.parametrize("name", list(PATHS))
def test_continuity_residual_vanishes(fields, name):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 2)) * 1.2
    for t in rng.uniform(0.05, 0.95, size=3):
        r = continuity_residual(fields[name], t, X)
        assert np.max(np.abs(r)) <= 1e-6, (t, r)


@pytest.mark.parametrize("name", list(PATHS))
def test_divergence_and_score_are_the_derivatives(fields, name):
    f = fields[name]
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 2))
    t = 0.43
    h = 1e-5
    e = np.eye(2)
    fd_div = sum((f.velocity(t, X + h * e[j])[:, j] - f.velocity(t, X - h * e[j])[:, j])
                 / (2 * h) for j in range(2))
    np.testing.assert_allclose(f.divergence(t, X), fd_div, rtol=1e-6, atol=1e-6)
    fd_score = np.stack([(f.log_density(t, X + h * e[j]) - f.log_density(t, X - h * e[j]))
                         / (2 * h) for j in range(2)], axis=1)
    np.testing.assert_allclose(f.score(t, X), fd_score, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["linear", "vp", "ve"])
def test_ode_log_likelihood_equals_closed_form(fields, name):
    rng = np.random.default_rng(4)
    X = GM.sample(5, rng)
    ref = mixture_logpdf(X, GM.weights, GM.means, COVS, 1.0, 0.0)
    ll = log_likelihood(fields[name], X)
    np.testing.assert_allclose(ll, ref, rtol=0, atol=1e-6)


def test_log_likelihood_with_the_prior_end_is_close_for_vp(fields):
    # VP does not reach N(0, I) exactly at T = 1: the prior end differs a little
    X = GM.sample(4, 5)
    ref = mixture_logpdf(X, GM.weights, GM.means, COVS, 1.0, 0.0)
    ll = log_likelihood(fields["vp"], X, end="prior")
    err = np.max(np.abs(ll - ref))
    assert 1e-5 < err < 1e-2  # of order alpha(T) = 0.0066


def numpy_point_velocity(t, x, pts, w, a, da, s, ds):
    """Posterior average of alpha' y + (sigma'/sigma)(x - alpha y), plain NumPy."""
    lg = np.log(w)[None, :] - np.sum((x[:, None, :] - a * pts[None]) ** 2, -1) / (2 * s * s)
    r = np.exp(lg - logsumexp(lg, axis=1, keepdims=True))
    ybar = r @ pts
    return da * ybar + ds / s * (x - a * ybar)


@pytest.mark.parametrize("d", [2, 3])  # 2-D has its own block-wise kernel
@pytest.mark.parametrize("t", [0.9, 0.3, 0.02, 1e-3])
def test_point_set_field_matches_numpy_twin(t, d):
    # many points and small sigma: the kernel visits only a strip of the (sorted) points;
    # t = 0.9: every point, in several blocks
    rng = np.random.default_rng(5)
    pts = rng.normal(size=(300, d))
    w = rng.uniform(0.5, 2.0, size=300)
    w /= w.sum()
    X = np.concatenate([rng.normal(size=(5, d)), pts[:3] * 0.97 + 0.001,
                        [np.full(d, 2.5), np.full(d, -2.5)]])
    f = MarginalField(GaussianPath.variance_preserving(), EmpiricalData(pts, w))
    B = 0.1 * t + 0.5 * 19.9 * t * t
    a = np.exp(-B / 2)
    s = np.sqrt(-np.expm1(-B))
    beta = 0.1 + 19.9 * t
    da, ds = -0.5 * beta * a, 0.5 * beta * a * a / s
    np.testing.assert_allclose(f.velocity(t, X), numpy_point_velocity(t, X, pts, w, a, da, s, ds),
                               rtol=1e-10, atol=1e-10)
    ref = logsumexp(np.log(w)[None] + np.stack([multivariate_normal(a * y, s * s * np.eye(d))
                                                .logpdf(X) for y in pts], 1), axis=1)
    np.testing.assert_allclose(f.log_density(t, X), ref, rtol=1e-12, atol=1e-10)
    # divergence: d sigma'/sigma + (alpha/sigma^2)(alpha' - alpha sigma'/sigma) Var_post(y)
    lg = np.log(w)[None] - np.sum((X[:, None] - a * pts[None]) ** 2, -1) / (2 * s * s)
    r = np.exp(lg - logsumexp(lg, axis=1, keepdims=True))
    ybar = r @ pts
    var = r @ np.sum(pts ** 2, 1) - np.sum(ybar ** 2, 1)
    div = d * ds / s + a / s ** 2 * (da - a * ds / s) * var
    np.testing.assert_allclose(f.divergence(t, X), div, rtol=1e-6, atol=1e-6 * abs(div).max())
    # far from the data (all weights underflow without the running maximum)
    far = X + 200.0
    assert np.all(np.isfinite(f.velocity(0.05, far)))


def test_poisson_density_is_a_mixture_of_t_laws():
    rng = np.random.default_rng(6)
    pts = rng.normal(size=(12, 2))
    D, d = 3, 2
    f = MarginalField(PoissonPath(D=D), EmpiricalData(pts))
    X = rng.normal(size=(5, 2)) * 2
    r = 0.7
    logc = 0.5 * d * np.log(np.pi) + gammaln(D / 2) - gammaln((d + D) / 2)
    comp = (D * np.log(r) - logc - 0.5 * (d + D) * np.log(r * r + np.sum(
        (X[:, None] - pts[None]) ** 2, -1)))
    ref = logsumexp(comp, axis=1, b=np.full((1, 12), 1 / 12))
    np.testing.assert_allclose(f.log_density(r, X), ref, atol=1e-11)
    # the field is the direction of the electric field of unit charges at (y_i, 0)
    # in d + D dimensions, normalised by its r-component: dx/dr = E_x / E_r
    diff = X[:, None, :] - pts[None]
    q = (np.sum(diff ** 2, -1) + r * r) ** (-(d + D) / 2)
    Ex = np.sum(diff * q[..., None], 1)
    Er = np.sum(r * q, 1)
    np.testing.assert_allclose(f.velocity(r, X), Ex / Er[:, None], rtol=1e-12)
    res = continuity_residual(f, r, X)
    assert np.max(np.abs(res)) < 1e-6


def test_box_prior_field_is_the_active_set_average():
    f = MarginalField(LinearPath(), EmpiricalData([0.5, 1.2, 1.7], [2, 1, 1]),
                      prior=UniformPrior(0.0, 2.0))
    t, x = 0.5, np.array([[0.4], [1.3], [1.8]])
    # active points: (x - (1 - t) y)/t in [0, 2]
    pts, w = np.array([0.5, 1.2, 1.7]), np.array([0.5, 0.25, 0.25])
    u = (x - (1 - t) * pts[None]) / t
    act = (u >= 0) & (u <= 2)
    ybar = (act * w) @ pts / (act * w).sum(1)
    np.testing.assert_allclose(f.velocity(t, x)[:, 0], (x[:, 0] - ybar) / t, rtol=1e-14)
    np.testing.assert_allclose(f.log_density(t, x), np.log((act * w).sum(1) / (2 * t)))
    np.testing.assert_allclose(f.divergence(t, x), 1 / t)


def vp_alpha(t):
    return np.exp(-0.5 * (0.1 * t + 0.5 * 19.9 * t * t))


def vp_sigma(t):
    return np.sqrt(-np.expm1(-(0.1 * t + 0.5 * 19.9 * t * t)))


def test_custom_schedule_reproduces_the_preset_and_its_likelihood():
    custom = MarginalField(GaussianPath(vp_alpha, vp_sigma), GM)
    X = np.random.default_rng(8).normal(size=(6, 2))
    for t in (0.0, 1e-5, 0.05, 0.5, 1.0):
        a, s = alpha_sigma_reference("vp", t)
        ref = mixture_logpdf(X, GM.weights, GM.means, COVS, a, s)
        np.testing.assert_allclose(custom.log_density(t, X), ref, atol=1e-8)
    assert np.max(np.abs(continuity_residual(custom, 0.37, X))) < 1e-6
    ref0 = mixture_logpdf(X[:3], GM.weights, GM.means, COVS, 1.0, 0.0)
    np.testing.assert_allclose(log_likelihood(custom, X[:3]), ref0, atol=1e-6)
    # a schedule no preset has: alpha = 1 - t^2, sigma = t, with exact derivatives
    odd = GaussianPath(lambda t: 1 - t ** 2, lambda t: 1.0 * t, dalpha=lambda t: -2 * t,
                       dsigma=np.ones_like)
    f = MarginalField(odd, GM)
    np.testing.assert_allclose(f.log_density(0.6, X),
                               mixture_logpdf(X, GM.weights, GM.means, COVS, 0.64, 0.6),
                               atol=1e-11)
    np.testing.assert_allclose(log_likelihood(f, X[:3]), ref0, atol=1e-6)


def test_custom_schedule_checks_its_ends():
    with pytest.raises(ValueError, match="alpha\\(0\\)"):
        GaussianPath(lambda t: 1 - t + 0.1, lambda t: t)
    with pytest.raises(ValueError, match="sigma must be positive"):
        GaussianPath(lambda t: 1 - t, lambda t: t * (0.5 - t))
    with pytest.raises(TypeError, match="sigma"):
        GaussianPath(lambda t: 1 - t)


@pytest.mark.parametrize("N", [1, 5, 9, 25, 64, 65, 400])
def test_2d_block_kernel_agrees_with_the_general_kernel(N):
    """Scratch-block edges, short and long strips, a duplicate point, far points."""
    from odekit.characteristics import _kernels as K

    rng = np.random.default_rng(N)
    pts = rng.normal(size=(N, 2)) * rng.uniform(0.1, 3.0)
    if N > 3:
        pts[1] = pts[0]
    X = np.concatenate([2.0 * rng.normal(size=(4, 2)), pts[:2] + 1e-4, [[1e3, -1e3]]])
    for path in (LinearPath(), GaussianPath.variance_preserving()):
        f = MarginalField(path, EmpiricalData(pts, rng.uniform(0.1, 1.0, N)))
        for t in (0.999, 0.5, 0.01, 1e-5):
            for x in X:
                got = []
                for kern in (K._points_gauss_2d, K._points_gauss):
                    v, s = np.empty(2), np.empty(2)
                    res = kern(t, x, f.params, v, s, True, True)
                    got.append(np.concatenate([v, s, res[:3]]))
                assert np.all(np.isfinite(got[0]))
                np.testing.assert_allclose(got[0], got[1], rtol=1e-11,
                                           atol=1e-12 * np.abs(got[1]).max())
