"""Density transport: log-densities carried along fields with known Jacobians."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from odekit.characteristics import (
    GaussianMixture,
    GaussianPath,
    MarginalField,
    log_likelihood,
    transport,
)

A = np.array([[0.3, -1.0], [0.8, -0.1]])


def linear_field(t, x):
    return np.array([0.3 * x[0] - 1.0 * x[1], 0.8 * x[0] - 0.1 * x[1]])


def linear_divergence(t, x):
    return 0.2


def swirl(t, x):
    # nonlinear, divergence 2 t x0 + cos(x1) ... written out in swirl_div
    return np.array([t * x[0] * x[0] - x[1], np.sin(x[1]) + x[0]])


def swirl_div(t, x):
    return 2.0 * t * x[0] + np.cos(x[1])


def test_linear_field_pushes_a_gaussian_forward():
    from scipy.linalg import expm

    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(6, 2))
    lp0 = multivariate_normal(np.zeros(2), np.eye(2)).logpdf(x0)
    M = expm(A * 1.5)
    ref_x = x0 @ M.T
    ref_lp = multivariate_normal(np.zeros(2), M @ M.T).logpdf(ref_x)
    for div in (linear_divergence, None):
        res = transport(linear_field, x0, lp0, (0.0, 1.5), divergence=div)
        np.testing.assert_allclose(res.x, ref_x, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(res.log_p, ref_lp, rtol=0, atol=1e-7)
    # one Rademacher probe e: e.(A e) = tr A + e0 e1 (A01 + A10), so the error is exactly
    # -+ 1.5 (A01 + A10) = +-0.3 per point, and zero on average
    res = transport(linear_field, x0, lp0, (0.0, 1.5), divergence="hutchinson", seed=1)
    np.testing.assert_allclose(np.abs(res.log_p - ref_lp), 1.5 * abs(A[0, 1] + A[1, 0]),
                               atol=1e-7)


def test_fd_divergence_matches_the_exact_one_on_a_nonlinear_field():
    x0 = np.array([[0.2, 0.1], [-0.3, 0.5], [0.1, -0.4]])
    exact = transport(swirl, x0, 0.0, (0.0, 1.0), divergence=swirl_div, rtol=1e-10,
                      atol=1e-12)
    fd = transport(swirl, x0, 0.0, (0.0, 1.0), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fd.x, exact.x, atol=1e-10)
    np.testing.assert_allclose(fd.log_p, exact.log_p, atol=1e-7)
    # Hutchinson is unbiased, not exact, for a nonlinear field: its mean over probes
    # approaches the exact value; with one probe per point it differs by O(off-diagonal)
    hut = transport(swirl, np.repeat(x0[:1], 400, axis=0), 0.0, (0.0, 1.0),
                    divergence="hutchinson", seed=3)
    err = hut.log_p - exact.log_p[0]
    assert abs(err.mean()) < 4 * err.std() / np.sqrt(err.size) + 1e-6


def test_marginal_field_transport_agrees_with_the_closed_form_density():
    gm = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.3]], [0.2, 0.1])
    f = MarginalField(GaussianPath.variance_exploding(), gm)
    x0 = gm.sample(4, 2)
    res = transport(f, x0, f.log_density(0.0, x0), (0.0, 0.7), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.log_p, f.log_density(0.7, res.x), atol=1e-7)
    np.testing.assert_allclose(log_likelihood(f, x0), f.log_density(0.0, x0), atol=1e-6)


def test_transport_bad_input():
    with pytest.raises(ValueError, match="log_p0"):
        transport(linear_field, np.zeros((3, 2)), np.zeros(2), (0.0, 1.0))
    with pytest.raises(ValueError, match="divergence"):
        transport(linear_field, np.zeros((3, 2)), 0.0, (0.0, 1.0), divergence="exact")
    with pytest.raises(ValueError, match="x0"):
        transport(linear_field, np.full((3, 2), np.nan), 0.0, (0.0, 1.0))
