"""Equilibria, classification and the outcome rule against hand-derived formulas."""

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from odekit.competition import (KINDS, LotkaVolterra, Outcome, TwoSpecies, classify,
                                equilibria, invasion_rates, outcome)

rates = st.floats(0.05, 3.0)
caps = st.floats(5.0, 2000.0)
ratios = st.floats(0.05, 3.0)


def make(r1, N1, u, r2, N2, v):
    """u = a1 N2 / r1, v = a2 N1 / r2 (the outcome diagram's coordinates)."""
    return TwoSpecies(r1, N1, u * r1 / N2, r2, N2, v * r2 / N1)


def sorted_eig(lam):
    lam = np.asarray(lam, dtype=complex)
    return lam[np.lexsort((lam.imag, lam.real))]


def test_blog_case():
    m = TwoSpecies(0.1, 500.0, 1e-4, 0.3, 1 / 0.003, 2e-4)
    eqs = {tuple(np.round(e.x, 9)): e for e in equilibria(m)}
    assert set(eqs) == {(0.0, 0.0), (500.0, 0.0), (0.0, round(1 / 0.003, 9)), (375.0, 250.0)}
    assert eqs[(375.0, 250.0)].kind == "stable node" and eqs[(375.0, 250.0)].stable
    assert eqs[(500.0, 0.0)].kind == "saddle"
    assert eqs[(0.0, round(1 / 0.003, 9))].kind == "saddle"
    assert eqs[(0.0, 0.0)].kind == "unstable node"
    assert outcome(m) is Outcome.COEXISTENCE
    np.testing.assert_allclose(invasion_rates(m), (0.1 - 1e-4 / 0.003, 0.3 - 0.1), rtol=1e-14)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rates, caps, ratios, rates, caps, ratios)
def test_equilibria_and_eigenvalues_match_formulas(r1, N1, u, r2, N2, v):
    assume(abs(1 - u) > 0.02 and abs(1 - v) > 0.02)
    m = make(r1, N1, u, r2, N2, v)
    a1, a2 = m.a1, m.a2
    eqs = equilibria(m)
    # hand-derived: origin (r1, r2); (N1, 0): (-r1, r2 - a2 N1); (0, N2): (-r2, r1 - a1 N2)
    expect = {(0.0, 0.0): [r1, r2], (N1, 0.0): [-r1, r2 - a2 * N1],
              (0.0, N2): [-r2, r1 - a1 * N2]}
    det = r1 * r2 / (N1 * N2) - a1 * a2
    xs = r2 * (r1 / N2 - a1) / det
    ys = r1 * (r2 / N1 - a2) / det
    interior = xs > 0 and ys > 0
    assert len(eqs) == 3 + interior
    for e in eqs[:3]:
        key = min(expect, key=lambda k: np.hypot(*(np.array(k) - e.x)))
        np.testing.assert_allclose(e.x, key, rtol=1e-13, atol=0)
        np.testing.assert_allclose(sorted_eig(e.eigenvalues), sorted_eig(expect[key]),
                                   rtol=1e-10, atol=1e-12 * max(r1, r2))
        assert np.allclose(m.rhs(e.x), 0.0, atol=1e-12 * max(N1, N2) * max(r1, r2))
    if interior:
        e = eqs[3]
        np.testing.assert_allclose(e.x, [xs, ys], rtol=1e-10)
        tr = -(xs * r1 / N1 + ys * r2 / N2)
        dt = xs * ys * det
        disc = np.sqrt(complex(tr * tr - 4 * dt))
        np.testing.assert_allclose(sorted_eig(e.eigenvalues),
                                   sorted_eig([(tr - disc) / 2, (tr + disc) / 2]),
                                   rtol=1e-8, atol=1e-10 * max(r1, r2))
        assert e.kind == ("stable node" if det > 0 else "saddle")
    # the generic n-species path (supports + linear solves) agrees with the closed forms
    gen = equilibria(LotkaVolterra(m.r, m.A))
    assert len(gen) == len(eqs)
    for g in gen:
        twin = min(eqs, key=lambda e: np.hypot(*(e.x - g.x)))
        np.testing.assert_allclose(g.x, twin.x, rtol=1e-9, atol=1e-9 * max(N1, N2))
        assert g.kind == twin.kind


REGIONS = {  # (u range, v range) -> outcome, u = a1 N2 / r1, v = a2 N1 / r2
    Outcome.SPECIES_1_WINS: ((0.05, 0.95), (1.05, 3.0)),
    Outcome.SPECIES_2_WINS: ((1.05, 3.0), (0.05, 0.95)),
    Outcome.COEXISTENCE: ((0.05, 0.95), (0.05, 0.95)),
    Outcome.BISTABILITY: ((1.05, 3.0), (1.05, 3.0)),
}


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(list(REGIONS)), rates, caps, rates, caps, st.floats(0, 1),
       st.floats(0, 1))
def test_outcome_rule_on_all_four_kinds(kind, r1, N1, r2, N2, fu, fv):
    (u0, u1), (v0, v1) = REGIONS[kind]
    m = make(r1, N1, u0 + fu * (u1 - u0), r2, N2, v0 + fv * (v1 - v0))
    assert m.outcome() is kind
    eqs = equilibria(m)
    stable = [e for e in eqs if e.stable]
    interior = [e for e in eqs if e.support == (0, 1)]
    if kind is Outcome.COEXISTENCE:
        assert [e.support for e in stable] == [(0, 1)]
    elif kind is Outcome.BISTABILITY:
        assert interior[0].kind == "saddle"
        assert sorted(e.support for e in stable) == [(0,), (1,)]
    else:
        assert not interior
        assert [e.support for e in stable] == [(0,) if kind is Outcome.SPECIES_1_WINS else (1,)]
    # and the dynamics agree: a start with both present ends at a stable equilibrium

    lam = min(min(abs(e.eigenvalues.real)) for e in stable)
    end = m.simulate([0.3 * N1, 0.2 * N2], (0.0, 40.0 / lam + 40.0 / min(r1, r2))).y[:, -1]
    assert min(np.hypot(*(end - e.x)) for e in stable) < 1e-3 * max(N1, N2)



def test_degenerate_and_tolerance():
    m = TwoSpecies(1.0, 1.0, 1.0, 1.0, 1.0, 0.5)  # s1 = 0 exactly
    assert outcome(m) is Outcome.DEGENERATE
    near = TwoSpecies(1.0, 1.0, 1.0 + 1e-12, 1.0, 1.0, 0.5)
    assert outcome(near) is Outcome.DEGENERATE
    kinds = {e.kind for e in equilibria(near)}
    assert "non-hyperbolic" in kinds


def test_classify_every_kind():
    cases = {"stable node": [-1, -2], "unstable node": [1, 2], "saddle": [-1, 1],
             "stable focus": [-1 + 1j, -1 - 1j], "unstable focus": [1 + 2j, 1 - 2j],
             "centre": [1j, -1j], "non-hyperbolic": [0.0, -1.0]}
    for kind, lam in cases.items():
        assert classify(lam, 1.0)[0] == kind
    assert set(cases) == set(KINDS)
    assert classify([-1e-10, -1.0], 1.0, tol=1e-9)[0] == "non-hyperbolic"
    assert classify([-1e-8, -1.0], 1.0, tol=1e-9)[0] == "stable node"


def test_three_species_against_direct_linear_solve():
    r = np.array([1.0, 0.8, 1.2])
    A = np.array([[1.0, 0.6, 0.3], [0.5, 1.0, 0.4], [0.2, 0.7, 1.0]]) / 100.0
    m = LotkaVolterra(r, A)
    got = sorted(tuple(np.round(e.x, 8)) for e in m.equilibria())
    expect = []
    for k in range(4):
        for S in itertools.combinations(range(3), k):
            x = np.zeros(3)
            if S:
                idx = list(S)
                x[idx] = np.linalg.solve(A[np.ix_(idx, idx)], r[idx])
            if np.all(x >= 0) and all(x[i] > 0 for i in S):
                expect.append(tuple(np.round(x, 8)))
    assert got == sorted(expect) and len(got) == 8  # all 8 supports feasible here
    for e in m.equilibria():
        np.testing.assert_allclose(m.rhs(e.x), 0.0, atol=1e-12)
        J = np.empty((3, 3))
        for j in range(3):  # central differences of the NumPy right-hand side
            h = 1e-4 * max(1.0, e.x[j])
            d = np.zeros(3)
            d[j] = h
            J[:, j] = (m.rhs(e.x + d) - m.rhs(e.x - d)) / (2 * h)
        np.testing.assert_allclose(e.jacobian, J, atol=1e-9)
    stable = [e for e in m.equilibria() if e.stable]
    assert len(stable) == 1 and stable[0].support == (0, 1, 2)
    end = m.simulate([10.0, 10.0, 10.0], (0.0, 3000.0)).y[:, -1]
    np.testing.assert_allclose(end, stable[0].x, rtol=1e-6)


def test_bad_input():
    with pytest.raises(TypeError, match="model"):
        equilibria("not a model")
    with pytest.raises(TypeError, match="TwoSpecies"):
        outcome(LotkaVolterra([1.0, 1.0], np.eye(2)))
    with pytest.raises(ValueError, match="tol"):
        equilibria(TwoSpecies(1, 1, 1, 1, 1, 1), tol=-1.0)
    with pytest.raises(ValueError, match="at most"):
        LotkaVolterra(np.ones(17), np.eye(17))


@pytest.mark.parametrize("args, match", [
    (([-1.0, -2.0], -1.0), "scale"),  # was 'stable focus'
    (([-1.0, -2.0], np.nan), "scale"),
    (([-1.0, -2.0], 1.0, 0.0), "tol"),
    (([], 1.0), "eigenvalues"),  # was 'stable node'
    (([np.nan, -1.0], 1.0), "eigenvalues"),  # was 'saddle'
])
def test_classify_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        classify(*args)


def test_n_species_equilibria_do_not_depend_on_the_units():
    """Populations in other units (x'_j = c_j x_j, so column j of A is divided by c_j)
    change neither the equilibria (beyond the units) nor their kinds; before the
    singularity and de-duplication tests were made dimensionless, 3 of the 8 were lost."""
    r = np.array([1.0, 0.8, 1.2])
    A = np.array([[1.0, 0.6, 0.3], [0.5, 1.0, 0.4], [0.2, 0.7, 1.0]]) / 100.0
    c = np.array([1e-6, 1.0, 1e5])
    ref = LotkaVolterra(r, A).equilibria()
    got = LotkaVolterra(r, A / c[None, :]).equilibria()
    assert [e.support for e in got] == [e.support for e in ref] and len(got) == 8
    for e, g in zip(ref, got):
        np.testing.assert_allclose(g.x, e.x * c, rtol=1e-10)
        assert g.kind == e.kind and g.stable == e.stable
