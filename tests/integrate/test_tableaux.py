"""Layer 1: identities of the Butcher tableaux."""

import numpy as np
import pytest

from odekit.integrate._tableaux import TABLEAUX


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_weights_sum_to_one(name):
    tab = TABLEAUX[name]
    assert tab.b.sum() == pytest.approx(1.0, abs=1e-14)


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_row_sums_equal_c(name):
    tab = TABLEAUX[name]
    np.testing.assert_allclose(tab.A.sum(axis=1), tab.c, atol=1e-14)


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_explicit(name):
    tab = TABLEAUX[name]
    assert np.all(np.triu(tab.A) == 0.0)


@pytest.mark.parametrize("name", ["RK45", "DOP853"])
def test_fsal_row_is_b(name):
    tab = TABLEAUX[name]
    s = tab.n_stages
    np.testing.assert_array_equal(tab.A[s, :s], tab.b)
    assert tab.c[s] == 1.0


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_dense_output_ends_at_the_step(name):
    """At θ = 1 the interpolant's weights are b (and 0 for the extra stages)."""
    tab = TABLEAUX[name]
    w = tab.P.sum(axis=1)
    expect = np.zeros(tab.n_total)
    expect[: tab.n_stages] = tab.b
    np.testing.assert_allclose(w, expect, atol=1e-13)


@pytest.mark.parametrize("name", ["RK45", "DOP853"])
def test_error_weights_annihilate_constants(name):
    """The error estimate of y' = const is zero: Σ E = 0 (and Σ E3 = 0)."""
    tab = TABLEAUX[name]
    assert abs(tab.E.sum()) < 1e-14
    assert abs(tab.E3.sum()) < 1e-14


@pytest.mark.parametrize("name,order", [("RK4", 4), ("RK45", 5), ("DOP853", 8)])
def test_quadrature_order_conditions(name, order):
    """Σ b_i c_i^(k-1) = 1/k for k <= order (the bushy-tree conditions)."""
    tab = TABLEAUX[name]
    c = tab.c[: tab.n_stages]
    for k in range(1, order + 1):
        assert np.dot(tab.b, c ** (k - 1)) == pytest.approx(1.0 / k, abs=1e-13)
