"""Exact results: identities, closed forms, independent high-precision references."""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from odekit.geoprob import (
    buffon_probability,
    mean_distance_value,
    sector_probability,
    sector_probability_exact,
    sylvester_probability,
    wendel_probability,
    wendel_probability_exact,
)

TWO_PI = 2 * math.pi


def mp_sector(n, theta):
    """Independent reference: the alternating sum in mpmath with enough digits."""
    x0 = 1 - theta / TWO_PI
    kmax = n if x0 <= 0 else min(n, math.ceil(1 / x0))
    lmax = 0.0
    for k in range(1, kmax + 1):
        y = 1 - k * x0
        if y > 0:
            lmax = max(lmax, (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                              + (n - 1) * math.log(y)) / math.log(10))
    with mpmath.workdps(int(lmax) + 40):
        x = 1 - mpmath.mpf(theta) / (2 * mpmath.pi)
        s = mpmath.mpf(0)
        k = 1
        while k <= n and k * x < 1:
            s += (-1) ** (k - 1) * mpmath.binomial(n, k) * (1 - k * x) ** (n - 1)
            k += 1
        return float(s)


# ---------------------------------------------------------------------------- identities
def test_four_ducks():
    assert sector_probability(4, math.pi) == 0.5
    assert sector_probability_exact(4, Fraction(1, 2)) == Fraction(1, 2)


@pytest.mark.parametrize("n", [2, 3, 5, 17, 100])
def test_closed_form_below_half_turn(n):
    th = np.linspace(0.0, math.pi, 33)
    np.testing.assert_allclose(sector_probability(n, th), n * (th / TWO_PI) ** (n - 1),
                               rtol=1e-14, atol=0)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50, 1000])
def test_one_above_threshold(n):
    th = np.linspace(TWO_PI * (1 - 1 / n), TWO_PI, 9)
    assert np.all(sector_probability(n, th) == 1.0)


def test_edges():
    assert sector_probability(1, 0.0) == 1.0
    assert sector_probability(2, 0.0) == 0.0
    assert sector_probability(9, TWO_PI) == 1.0
    assert sector_probability_exact(1, Fraction(0)) == 1
    assert sector_probability_exact(5, Fraction(0)) == 0
    assert sector_probability_exact(5, Fraction(1)) == 1


def test_broadcasting_and_types():
    out = sector_probability([[2], [3], [4]], [0.5, 1.0, 4.0, 6.0])
    assert out.shape == (3, 4)
    assert isinstance(sector_probability(3, 1.0), float)
    for i, n in enumerate([2, 3, 4]):
        for j, t in enumerate([0.5, 1.0, 4.0, 6.0]):
            assert out[i, j] == sector_probability(n, t)


@pytest.mark.parametrize("n", [2, 3, 6, 20])
def test_monotone_in_theta(n):
    p = sector_probability(n, np.linspace(0, TWO_PI, 400))
    assert np.all(np.diff(p) >= -1e-15)
    assert np.all((p >= 0) & (p <= 1))


def test_decreasing_in_n():
    p = sector_probability(np.arange(1, 40), 4.0)
    assert np.all(np.diff(p) <= 1e-15)


# ------------------------------------------------------------- exact rational arithmetic
def fraction_reference(n, t):
    """P = 1 - Q with Q the Irwin-Hall form: (n-1)! x^(n-1) f_n(1/x), written out."""
    x = 1 - t
    if n == 1:
        return Fraction(1)
    q = sum((-1) ** k * math.comb(n, k) * max(Fraction(0), 1 - k * x) ** (n - 1)
            for k in range(0, n + 1))
    return 1 - q


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 13, 30])
@pytest.mark.parametrize("t", [Fraction(0), Fraction(1, 7), Fraction(1, 2), Fraction(3, 5),
                               Fraction(2, 3), Fraction(5, 6), Fraction(9, 10), Fraction(1)])
def test_exact_fraction_against_complement_form(n, t):
    assert sector_probability_exact(n, t) == fraction_reference(n, t)


@pytest.mark.parametrize("n", [3, 6, 25, 200])
def test_float_matches_exact_fraction(n):
    # theta = 2 pi t is rounded, so compare through mpmath at the float theta as well
    for t in [Fraction(3, 5), Fraction(7, 10), Fraction(4, 5)]:
        ex = float(sector_probability_exact(n, t))
        assert abs(sector_probability(n, float(2 * math.pi * t)) - ex) < 1e-12 * max(1, n)


def test_small_cases_by_hand():
    # n = 2: P = min(1, 2t); n = 3, t = 3/5: 3 (3/5)^2 - 3 (1/5)^2 = 24/25
    assert sector_probability_exact(2, Fraction(3, 4)) == 1
    assert sector_probability_exact(2, Fraction(1, 3)) == Fraction(2, 3)
    assert sector_probability_exact(3, Fraction(3, 5)) == Fraction(24, 25)
    assert sector_probability_exact(3, Fraction(1, 4)) == Fraction(3, 16)


# ------------------------------------------------------- accuracy against mpmath, large n
@pytest.mark.parametrize("n", [5, 40, 300, 2000])
def test_against_mpmath(n):
    rng = np.random.default_rng(n)
    thetas = list(TWO_PI * (1 - np.array([1.05, 1.5, 2.5, 4.0, 9.0]) / n))
    thetas += list(rng.uniform(0, TWO_PI, 4))
    for th in thetas:
        th = float(min(max(th, 0.0), TWO_PI))
        assert abs(sector_probability(n, th) - mp_sector(n, th)) < 1e-12


@pytest.mark.slow
def test_against_mpmath_n_10000():
    n = 10_000
    for c in (6.0,):  # the benchmark script checks the hardest range, c ~ 1-3
        th = TWO_PI * (1 - c / n)
        assert abs(sector_probability(n, th) - mp_sector(n, th)) < 1e-12


# ------------------------------------------------------------------------------ classics
def test_wendel_values():
    assert wendel_probability_exact(4, 3) == Fraction(7, 8)
    assert wendel_probability_exact(3, 2) == Fraction(3, 4)
    assert wendel_probability(2, 1) == 0.5
    for d in range(1, 6):
        for n in range(1, d + 1):
            assert wendel_probability_exact(n, d) == 1  # n <= d points: always
    # circle (d = 2) agrees with the sector problem at theta = pi
    for n in range(2, 9):
        assert wendel_probability_exact(n, 2) == sector_probability_exact(n, Fraction(1, 2))


def test_sylvester_and_friends():
    with mpmath.workdps(30):
        assert abs(sylvester_probability("disk") - float(1 - 35 / (12 * mpmath.pi**2))) < 1e-15
        sq = mpmath.quad(lambda x, y: 4 * (1 - x) * (1 - y) * mpmath.sqrt(x * x + y * y),
                         [0, 1], [0, 1])
        assert abs(mean_distance_value("square") - float(sq)) < 1e-12
        # disk: E|P - Q| = int_0^2 r f(r) dr, f the distance density for the unit disk
        f = lambda r: r * (4 * r / mpmath.pi) * (mpmath.acos(r / 2)  # noqa: E731
                                                 - r / 2 * mpmath.sqrt(1 - r * r / 4))
        assert abs(mean_distance_value("disk") - float(mpmath.quad(f, [0, 2]))) < 1e-12
    assert sylvester_probability("triangle") == 2 / 3
    assert sylvester_probability("square") == 25 / 36
    assert buffon_probability(1, 1) == 2 / math.pi
    # long needle: continuous at L = d, tends to 1
    assert abs(buffon_probability(1 + 1e-9, 1) - 2 / math.pi) < 1e-8
    assert buffon_probability(1e6, 1) > 0.999999
