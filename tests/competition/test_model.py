"""Models: validation, conversions, simulation (positivity, absent species, accuracy)."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_solve_ivp

from odekit import _jit
from odekit.competition import LotkaVolterra, TwoSpecies

BLOG = dict(r1=0.1, N1=500.0, a1=1e-4, r2=0.3, N2=1 / 0.003, a2=2e-4)


def blog():
    return TwoSpecies(**BLOG)


@pytest.mark.parametrize("name, value", [
    ("r1", -0.1), ("r1", 0.0), ("N1", 0.0), ("N2", -5.0), ("a1", -1e-4), ("a2", math.nan),
    ("r2", math.inf), ("N1", math.nan),
])
def test_bad_two_species_parameters_name_the_argument(name, value):
    kw = dict(BLOG, **{name: value})
    with pytest.raises(ValueError, match=name):
        TwoSpecies(**kw)


def test_bad_types():
    with pytest.raises(TypeError, match="r1"):
        TwoSpecies("1", 1, 1, 1, 1, 1)
    with pytest.raises(TypeError, match="r1"):
        TwoSpecies(True, 1, 1, 1, 1, 1)


@pytest.mark.parametrize("r, A, match", [
    ([1.0, -1.0], [[1, 0], [0, 1]], "r must be positive"),
    ([1.0, 1.0], [[1, -0.1], [0, 1]], "A must be non-negative"),
    ([1.0, 1.0], [[0, 0.1], [0, 1]], "positive diagonal"),
    ([1.0, 1.0], [[1, 0.1, 0], [0, 1, 0]], "shape"),
    ([[1.0, 1.0]], [[1, 0], [0, 1]], "r must have 1"),
    ([1.0, np.nan], [[1, 0], [0, 1]], "r must be finite"),
    ([], np.zeros((0, 0)), "at least one"),
])
def test_bad_lotka_volterra(r, A, match):
    with pytest.raises(ValueError, match=match):
        LotkaVolterra(r, A)


def test_bad_x0_and_options():
    m = blog()
    with pytest.raises(ValueError, match="x0"):
        m.simulate([-1.0, 1.0], (0, 1))
    with pytest.raises(ValueError, match="x0"):
        m.simulate([1.0, 1.0, 1.0], (0, 1))
    with pytest.raises(ValueError, match="x0"):
        m.simulate([np.nan, 1.0], (0, 1))
    with pytest.raises(TypeError, match="events"):
        m.simulate([1.0, 1.0], (0, 1), events=[])


def test_conversions_round_trip():
    m = blog()
    lv = m.to_lotka_volterra()
    np.testing.assert_allclose(lv.A, [[0.1 / 500, 1e-4], [2e-4, 0.3 * 0.003]], rtol=1e-15)
    back = TwoSpecies.from_lotka_volterra(lv)
    np.testing.assert_allclose(back.values, m.values, rtol=1e-14)
    # textbook alphas: dx1/dt = r1 x1 (1 - (x1 + alpha12 x2)/K1)
    t = TwoSpecies.from_alphas(1.0, 100.0, 0.5, 2.0, 80.0, 0.25)
    x = np.array([30.0, 20.0])
    expect = [1.0 * 30 * (1 - (30 + 0.5 * 20) / 100), 2.0 * 20 * (1 - (20 + 0.25 * 30) / 80)]
    np.testing.assert_allclose(t.rhs(x), expect, rtol=1e-14)
    np.testing.assert_allclose(t.alphas, (0.5, 0.25), rtol=1e-14)
    assert (m.r1, m.N1, m.a1, m.r2, m.N2, m.a2) == tuple(BLOG.values())


def test_blog_trajectory_settles_and_matches_scipy():
    m = blog()
    t = np.linspace(0, 300, 31)
    res = m.simulate([100.0, 150.0], (0.0, 300.0), t_eval=t, rtol=1e-11, atol=1e-13)
    ref = scipy_solve_ivp(lambda s, x: m.rhs(x), (0, 300), [100.0, 150.0], t_eval=t,
                          method="DOP853", rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(res.y, ref.y, rtol=1e-8)
    end = m.simulate([100.0, 150.0], (0.0, 1000.0)).y[:, -1]
    np.testing.assert_allclose(end, [375.0, 250.0], rtol=1e-7)


def test_populations_stay_positive_and_absent_species_stay_absent():
    m = TwoSpecies(1.0, 1.0, 2.0, 1.0, 1.0, 0.5)  # species 2 wins
    res = m.simulate([0.9, 1e-3], (0.0, 400.0))
    assert np.all(res.y > 0)
    assert res.y[0, -1] < 1e-20 and abs(res.y[1, -1] - 1.0) < 1e-9
    res = m.simulate([0.5, 0.0], (0.0, 50.0), t_eval=[0.0, 1.0, 50.0])
    assert np.all(res.y[1] == 0.0)
    np.testing.assert_allclose(res.y[0], 1 / (1 + np.exp(-np.array([0.0, 1.0, 50.0]))),
                               rtol=1e-8)  # logistic from 0.5
    nothing = m.simulate([0.0, 0.0], (0.0, 5.0))
    assert nothing.y.shape == (2, 2) and not nothing.y.any()


def test_dense_output_in_populations():
    m = blog()
    res = m.simulate([100.0, 150.0], (0.0, 50.0), dense_output=True)
    np.testing.assert_allclose(res.sol(res.t[5]), res.y[:, 5], rtol=1e-12)
    assert res.sol(np.array([1.0, 2.0])).shape == (2, 2)


def test_changing_parameters_never_recompiles():
    blog().simulate([1.0, 2.0], (0.0, 10.0))  # warm
    TwoSpecies(1.0, 2.0, 0.1, 1.5, 3.0, 0.2).simulate([1.0, 2.0], (0.0, 10.0))
    before = _jit.compile_count()
    for k in range(3):
        TwoSpecies(1.0 + k, 2.0, 0.1, 1.5, 3.0 + k, 0.2).simulate([1.0 + k, 2.0], (0.0, 9.0))
    assert _jit.compile_count() == before
