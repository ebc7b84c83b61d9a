"""Layer 1/4: the order conditions of every registered tableau, at high precision.

The rooted trees and elementary weights are generated in :mod:`tests.integrate.butcher`
(independent of odekit); the coefficients are read from the published values in the data
modules (exact rationals, Q(sqrt 6) or 40-80 digit decimals) and evaluated with mpmath at
50 digits. The classic methods built in code (RK4, RK45, DOP853) are checked on their
float64 arrays, to rounding.
"""

import mpmath as mp
import pytest

from odekit.integrate._tableaux import ERR_DOP853, TABLEAUX

from . import butcher as bt

mp.mp.dps = 50
FLOAT_TOL = {"b": 1e-14, "dense": 2e-12}


def _tols(tab):
    if tab.source is None:
        return mp.mpf(FLOAT_TOL["b"]), mp.mpf(FLOAT_TOL["dense"])
    return mp.mpf("1e-30"), mp.mpf(tab.source.DENSE_TOL)


@pytest.fixture(scope="module", autouse=True)
def _fifty_digits():
    # other modules set mpmath's global precision too: hold 50 digits for this one
    with mp.workdps(50):
        yield


@pytest.fixture(scope="module")
def weights(_fifty_digits):
    cache = {}

    def get(name):
        if name not in cache:
            tab = TABLEAUX[name]
            A, b, E, R = bt.exact_arrays(tab)
            cache[name] = (bt.Weights(A), A, b, E, R)
        return cache[name]

    return get


def _by_order(res):
    out = {}
    for t, v in res.items():
        n = bt.order_of(t)
        out[n] = max(out.get(n, mp.mpf(0)), abs(v))
    return out


def test_tree_generator_counts():
    for n in range(1, 10):
        assert len(bt.trees(n)) == bt.TREE_COUNTS[n]
    # γ of the tall and the bushy tree of order 4
    assert bt.gamma((((((),),),))) == 24 and bt.gamma(((), (), ())) == 4


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_order_of_b(name, weights):
    """Every tree condition up to the order holds; some of order + 1 fails (the order is
    exactly what the registry says)."""
    tab = TABLEAUX[name]
    w, A, b, E, R = weights(name)
    tol_b, _ = _tols(tab)
    worst = _by_order(bt.residuals(w, b, tab.order + 1))
    for n in range(1, tab.order + 1):
        assert worst[n] < tol_b, (n, worst[n])
    assert worst[tab.order + 1] > 1e-8


@pytest.mark.parametrize("name", [k for k, t in TABLEAUX.items() if t.adaptive])
def test_order_of_embedded_solution(name, weights):
    """bhat = b + E has order error_order exactly (DOP853: E5 annihilates the trees up to
    order 5 and E3 those up to order 3, as Hairer's combined estimate needs)."""
    tab = TABLEAUX[name]
    w, A, b, E, R = weights(name)
    tol_b, _ = _tols(tab)
    if tab.err_mode == ERR_DOP853:
        E3 = [mp.mpf(float(x)) for x in tab.E3]
        for EE, q in ((E, 5), (E3, 3)):
            zero = [mp.mpf(0)] * len(EE)
            res = bt.residuals(w, EE, q + 1)
            base = bt.residuals(w, zero, q + 1)  # -1/γ: subtract to get Σ E Φ
            worst = _by_order({t: res[t] - base[t] for t in res})
            assert all(worst[n] < tol_b for n in range(1, q + 1)), worst
            assert worst[q + 1] > 1e-6
        return
    bhat = [x + e for x, e in zip(b + [mp.mpf(0)], E)]
    worst = _by_order(bt.residuals(w, bhat, tab.error_order + 1))
    for n in range(1, tab.error_order + 1):
        assert worst[n] < tol_b, (n, worst[n])
    assert worst[tab.error_order + 1] > 1e-8


@pytest.mark.parametrize("name", list(TABLEAUX))
def test_order_of_dense_output(name, weights):
    """Σ_i b_i(θ) Φ_i(t) = θ^|t|/γ(t) as polynomials in θ for |t| <= dense_order, and not
    for all trees of order dense_order + 1."""
    tab = TABLEAUX[name]
    w, A, b, E, R = weights(name)
    _, tol_d = _tols(tab)
    worst = _by_order(bt.dense_residuals(w, R, tab.dense_order + 1))
    for n in range(1, tab.dense_order + 1):
        assert worst[n] < tol_d, (n, worst[n])
    assert worst[tab.dense_order + 1] > 1e-8


def test_vern7_interpolant_order7_defect(weights):
    """Verner's 16-stage Vern7 interpolant: the order-7 defect, recorded (see _tableaux)."""
    w, A, b, E, R = weights("Vern7")
    res = bt.dense_residuals(w, R, 7)
    bad = [t for t, v in res.items() if bt.order_of(t) == 7 and v > 1e-20]
    assert len(bad) == 12 and max(res[t] for t in bad) < 2e-4


@pytest.mark.parametrize("name", ["Tsit5", "Vern9"])
def test_a_broken_coefficient_is_caught(name, weights):
    """The conditions can fail: one main-stage coefficient off by 1e-12 breaks them."""
    tab = TABLEAUX[name]
    w0, A, b, E, R = weights(name)
    A2 = [row[:] for row in A]
    i = max(k for k in range(tab.n_stages) if b[k] != 0)  # the last stage that b uses
    A2[i][0] += mp.mpf("1e-12")
    w = bt.Weights(A2)
    worst = _by_order(bt.residuals(w, b, tab.order))
    tol_b, _ = _tols(tab)
    assert max(worst.values()) > tol_b
