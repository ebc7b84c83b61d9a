"""Layer 1: identities of the Butcher tableaux."""

import numpy as np
import pytest

from odekit.integrate._tableaux import (
    AUTO_RULE,
    METHODS,
    TABLEAUX,
    Tableau,
    TableauError,
    auto_method,
    auto_rule_doc,
    get_tableau,
    method_table,
    register,
)


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_weights_sum_to_one(name):
    tab = TABLEAUX[name]
    # to rounding: Vern6's weights reach 176 in size
    assert tab.b.sum() == pytest.approx(1.0, abs=1e-15 * np.abs(tab.b).sum())


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
    # to rounding: Vern9's interpolant coefficients reach 1e4 in size
    assert np.all(np.abs(w - expect) <= 1e-15 * np.abs(tab.P).sum(axis=1) + 1e-15)


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
    assert set(TABLEAUX) >= {"RK4", "RK45", "DOP853", "Tsit5", "BS3", "Vern6", "Vern7",
                             "Vern9"}
    assert METHODS == tuple(TABLEAUX)
    for name, tab in TABLEAUX.items():
        assert tab.name == name and tab.order > 0
        assert tab.description and tab.reference
        assert get_tableau(name) is tab


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_dense_output_slope_at_start(name):
    """At θ = 0 the interpolant's derivative is h f(t, y): P[:, 0] = e_0."""
    tab = TABLEAUX[name]
    expect = np.zeros(tab.n_total)
    expect[0] = 1.0
    np.testing.assert_allclose(tab.P[:, 0], expect, atol=1e-14)


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_kernel_arrays_describe_the_tableau(name):
    tab = TABLEAUX[name]
    A, c, b, E, E3, P, ints, err_exp = tab.kernel_arrays()
    assert ints.tolist() == [tab.n_stages, tab.n_total, int(tab.fsal), tab.err_mode,
                             tab.dense_degree]
    if tab.adaptive:
        assert err_exp == -1.0 / (tab.error_order + 1)


def _fields(tab, **change):
    kw = {f: getattr(tab, f) for f in ("name", "order", "error_order", "n_stages", "fsal",
                                       "A", "c", "b", "E", "E3", "P", "err_mode")}
    kw.update(dense_order=tab.dense_order, tol=tab.tol)
    kw.update(change)
    return kw


def test_construction_accepts_a_copy():
    tab = TABLEAUX["Tsit5"]
    Tableau(**_fields(tab, name="copy"))


@pytest.mark.parametrize("break_it, match", [
    (lambda t: {"A": _set(t.A, (2, 1), t.A[2, 1] + 1e-9)}, "row sums"),
    (lambda t: {"A": _set(t.A, (1, 3), 0.1)}, "strictly lower triangular"),
    (lambda t: {"c": _set(t.c, (6,), 0.99)}, "row sums|FSAL"),
    (lambda t: {"A": _set(_set(t.A, (6, 0), t.A[6, 0] + 1e-3), (6, 1), t.A[6, 1] - 1e-3)},
     "FSAL"),
    (lambda t: {"E": _set(t.E, (0,), t.E[0] + 1e-9)}, "sum to 0"),
    (lambda t: {"E": np.zeros(7)}, "all zero"),
    (lambda t: {"P": _set(t.P, (2, 3), t.P[2, 3] + 1e-9)}, "does not end at the step"),
    (lambda t: {"P": _set(_set(t.P, (2, 0), 1e-3), (2, 1), t.P[2, 1] - 1e-3)}, "slope"),
    (lambda t: {"b": t.b[:-1]}, "shapes"),
    (lambda t: {"error_order": 5}, "error_order"),
    (lambda t: {"A": t.A.astype(np.float32)}, "float64"),
])
def test_construction_refuses_a_broken_tableau(break_it, match):
    tab = TABLEAUX["Tsit5"]
    with pytest.raises(TableauError, match=match):
        Tableau(**_fields(tab, **break_it(tab)))


def test_construction_refuses_weight_on_an_uncomputed_stage():
    tab = TABLEAUX["Vern7"]  # not FSAL: stage s is a dense-output stage
    E = tab.E.copy()
    E[tab.n_stages] = 1e-3
    E[0] -= 1e-3
    with pytest.raises(TableauError, match="non-FSAL"):
        Tableau(**_fields(tab, E=E))


def _set(arr, idx, value):
    out = arr.copy()
    out[idx] = value
    return out


def test_register_refuses_duplicates_and_non_tableaux():
    with pytest.raises(ValueError, match="taken"):
        register(TABLEAUX["RK45"])
    with pytest.raises(TypeError):
        register("RK45")


def test_unknown_method_lists_the_registry():
    with pytest.raises(ValueError) as info:
        get_tableau("RK23")
    for name in list(METHODS) + ["auto"]:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize("rtol, expect", [
    (1e-2, AUTO_RULE[0][1]), (AUTO_RULE[0][0], AUTO_RULE[0][1]),
    (AUTO_RULE[0][0] * 0.99, AUTO_RULE[1][1]), (1e-14, AUTO_RULE[-1][1]),
    (np.array([1e-2, 1e-13]), AUTO_RULE[-1][1]), (None, auto_method(1e-6)),
])
def test_auto_follows_its_rule(rtol, expect):
    assert get_tableau("auto", rtol).name == expect
    assert auto_method(rtol) == expect


def test_auto_picks_adaptive_pairs_in_order_of_tightening_tolerance():
    bounds = [b for b, _ in AUTO_RULE]
    assert bounds == sorted(bounds, reverse=True) and bounds[-1] == 0.0
    for _, name in AUTO_RULE:
        assert TABLEAUX[name].adaptive


def test_docs_and_docstrings_come_from_the_registry():
    import odekit

    table = method_table()
    for name, tab in TABLEAUX.items():
        assert f'"{name}"' in odekit.solve_ivp.__doc__
        assert f"``{name}``" in table
        if tab.adaptive:
            assert f'"{name}"' in odekit.solve_ensemble.__doc__
        else:
            assert f'"{name}"' not in odekit.solve_ensemble.__doc__
    assert "{METHODS}" not in odekit.solve_ivp.__doc__
    assert '"auto"' in odekit.solve_ivp.__doc__ and auto_rule_doc() in table


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
