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


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_fsal_row_is_b(name):
    """FSAL methods: the stage after the main ones is the step itself (A row = b, c = 1)."""
    tab = TABLEAUX[name]
    s = tab.n_stages
    if not tab.fsal:
        assert tab.n_total >= s
        return
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


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_error_weights_annihilate_constants(name):
    """The error estimate of y' = const is zero: Σ E = 0 (and Σ E3 = 0); a fixed-step
    method has no estimate at all."""
    tab = TABLEAUX[name]
    if tab.error_order == 0:
        assert tab.err_mode == 0 and not np.any(tab.E) and not np.any(tab.E3)
        return
    assert abs(tab.E.sum()) < 1e-14
    assert abs(tab.E3.sum()) < 1e-14
    assert np.any(tab.E)  # and there is one


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_quadrature_order_conditions(name):
    """Σ b_i c_i^(k-1) = 1/k for k <= order (the bushy-tree conditions), and not beyond."""
    tab = TABLEAUX[name]
    c = tab.c[: tab.n_stages]
    for k in range(1, tab.order + 1):
        assert np.dot(tab.b, c ** (k - 1)) == pytest.approx(1.0 / k, abs=1e-13)


def test_registry_names_its_methods():
    assert set(TABLEAUX) >= {"RK4", "RK45", "DOP853"}
    for name, tab in TABLEAUX.items():
        assert tab.name == name and tab.order > 0


def test_step_factor_eighth_root_matches_pow():
    """DOP853's err**(-1/8) by square roots agrees with pow to a few ulps."""
    from odekit.integrate import _kernels as k

    errs = np.concatenate([np.geomspace(1e-14, 0.999, 2000), [0.5, 0.25, 1e-3]])
    for err in errs:
        want = min(k.MAX_FACTOR, k.SAFETY * err ** -0.125)
        got = k.step_factor(err, -0.125, False)
        assert abs(got - want) <= 4 * np.finfo(float).eps * want, err
    assert k.step_factor(0.0, -0.125, False) == k.MAX_FACTOR
    assert k.step_factor(0.5, -0.125, True) == min(1.0, k.SAFETY * 0.5 ** -0.125)
    assert k.step_factor(4.0, -0.125, False) == max(k.MIN_FACTOR, k.SAFETY * 4.0 ** -0.125)
