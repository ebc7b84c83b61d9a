"""Sampling by the exact fields: samples land on the data with the data's weights."""

import numpy as np
import pytest

from odekit.characteristics import (
    EmpiricalData,
    GaussianMixture,
    GaussianPath,
    LinearPath,
    MarginalField,
    PoissonPath,
    UniformPrior,
    sample,
)

RNG = np.random.default_rng(11)
PTS = RNG.normal(size=(6, 2)) * 1.5
W = np.array([0.3, 0.25, 0.2, 0.1, 0.1, 0.05])


def binomial_z(counts, n, p):
    return (counts - n * p) / np.sqrt(n * p * (1 - p))


def test_blog_1d_example_splits_by_weight():
    # uniform prior on [0, 2], points 0.5 (double weight), 1.2, 1.7, straight paths
    f = MarginalField(LinearPath(), EmpiricalData([0.5, 1.2, 1.7], [2, 1, 1]),
                      prior=UniformPrior(0.0, 2.0))
    n = 3000
    x, info = sample(f, n, seed=7, return_info=True)
    counts = np.array([np.sum(x[:, 0] == v) for v in (0.5, 1.2, 1.7)])
    assert counts.sum() == n
    z = binomial_z(counts, n, np.array([0.5, 0.25, 0.25]))
    assert np.all(np.abs(z) < 4), z
    # at t_min the regions are disjoint and every sample sits inside its point's region
    assert np.all(info["posterior_max"] == 1.0)
    tm = info["t_min"]
    u = (info["x_tmin"][:, 0] - (1 - tm) * x[:, 0]) / tm
    assert np.all((u >= 0) & (u <= 2))


@pytest.mark.parametrize("path", [LinearPath(), GaussianPath.variance_preserving(),
                                  GaussianPath.variance_exploding()],
                         ids=["linear", "vp", "ve"])
def test_point_set_shares_tend_to_weights(path):
    f = MarginalField(path, EmpiricalData(PTS, W))
    n = 1500
    x = sample(f, n, seed=3)
    idx = np.argmin(np.sum((x[:, None] - PTS[None]) ** 2, -1), axis=1)
    assert np.all(np.min(np.sum((x[:, None] - PTS[None]) ** 2, -1), axis=1) == 0.0)
    counts = np.bincount(idx, minlength=PTS.shape[0])
    z = binomial_z(counts, n, W)
    assert np.all(np.abs(z) < 4), z


@pytest.mark.parametrize("path, t_end", [(LinearPath(), 1e-8),
                                         (GaussianPath.variance_preserving(), 1e-10),
                                         (PoissonPath(D=1), 1e-9)],
                         ids=["linear", "vp", "poisson"])
def test_integrated_flow_itself_lands_on_the_points(path, t_end):
    # no analytic last step: integrate all the way down and look at the distances
    f = MarginalField(path, EmpiricalData(PTS, W))
    x_T = f.prior.sample(200, np.random.default_rng(5))
    x = f.flow(x_T, f.T, t_end, rtol=1e-10, atol=1e-12)
    dist = np.sqrt(np.min(np.sum((x[:, None] - PTS[None]) ** 2, -1), axis=1))
    assert np.max(dist) < 1e-5
    # and the analytic finish of sample() picks the same points
    snapped = sample(f, 200, seed=np.random.default_rng(5), rtol=1e-10, atol=1e-12)
    nearest = PTS[np.argmin(np.sum((x[:, None] - PTS[None]) ** 2, -1), axis=1)]
    np.testing.assert_array_equal(snapped, nearest)


def test_poisson_sample_lands_on_the_data_plane_at_the_points():
    f = MarginalField(PoissonPath(D=1, T=40.0), EmpiricalData(PTS, W))
    n = 1500
    x, info = sample(f, n, seed=9, return_info=True)
    # r = 0 is the data plane; the states at r = t_min are within t_min*|u| of the points
    assert info["t_min"] < 1e-6
    assert np.min(info["posterior_max"]) > 1 - 1e-9
    counts = np.array([np.sum(np.all(x == p, axis=1)) for p in PTS])
    assert counts.sum() == n
    assert np.all(np.abs(binomial_z(counts, n, W)) < 4)


def test_mixture_samples_have_the_mixture_moments():
    gm = GaussianMixture([0.6, 0.4], [[-1.0, 0.0], [2.0, 1.0]], [0.1, 0.3])
    f = MarginalField(GaussianPath.cosine(), gm)
    n = 2000
    x = sample(f, n, seed=1, rtol=1e-7, atol=1e-9)
    mean = gm.weights @ gm.means
    # covariance of the mixture, for the z-score of the sample mean
    cov = sum(w * (np.asarray(C) + np.outer(m - mean, m - mean))
              for w, m, C in zip(gm.weights, gm.means, gm.covariances))
    z = (x.mean(0) - mean) / np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(z) < 4), z
    # share on the right of x = 0.5 is the weight of the second component
    share = np.mean(x[:, 0] > 0.5)
    assert abs(binomial_z(share * n, n, 0.4)) < 4


def test_same_snr_gives_the_same_noise_to_data_map():
    # VP at t and VE at tau with sigma_VE(tau) = sigma_VP(t)/alpha_VP(t): x_VE = x_VP/alpha
    gm = GaussianMixture([0.5, 0.5], [[-1.0, 0.5], [1.0, -0.5]], [0.05, 0.1])
    vp, ve = GaussianPath.variance_preserving(), GaussianPath.variance_exploding()
    t1 = 0.6
    a1, s1 = (float(v) for v in vp.alpha_sigma(t1))
    ratio = s1 / a1
    tau = np.log1p((ratio / 0.01) ** 2) / (2 * np.log(50 / 0.01))  # VE definition, solved
    assert abs(float(ve.alpha_sigma(tau)[1]) - ratio) < 1e-9 * ratio
    x_vp = np.random.default_rng(2).normal(size=(20, 2)) * s1
    f_vp, f_ve = MarginalField(vp, gm), MarginalField(ve, gm)
    end_vp = f_vp.flow(x_vp, t1, 0.0, rtol=1e-11, atol=1e-13)
    end_ve = f_ve.flow(x_vp / a1, tau, 0.0, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(end_vp, end_ve, rtol=0, atol=1e-6)
    # and cosine vs VP (both alpha^2 + sigma^2 = 1): same map between equal-SNR times
    cos = GaussianPath.cosine()
    t_c = cos.time_at_snr(a1 / s1)
    end_cos = MarginalField(cos, gm).flow(x_vp, t_c, 0.0, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(end_vp, end_cos, rtol=0, atol=1e-6)
