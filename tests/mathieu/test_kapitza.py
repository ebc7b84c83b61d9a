"""Kapitza pendulum: the blog's case (l = 1, g = 10, h0 = 0.01, omega = 500) and limits."""

import math

import numpy as np
import pytest

from odekit.mathieu import KapitzaPendulum, characteristic_a, characteristic_b

BLOG = dict(length=1.0, amplitude=0.01, omega=500.0, g=10.0)


def test_mathieu_parameters():
    p = KapitzaPendulum(**BLOG)
    a, q = p.mathieu_parameters()
    assert a == pytest.approx(-4 * 10 / 500**2) and q == pytest.approx(0.02)


def test_linear_simulation_matches_approximation():
    p = KapitzaPendulum(**BLOG)
    t = np.linspace(0, 8, 1601)
    res = p.simulate(0.1, 0.0, (0, 8), linear=True, t_eval=t)
    err = np.abs(res.y[0] - p.approximate_solution(t, 0.1)).max()
    assert err < 0.05 * 0.1


def test_threshold_by_simulation_and_floquet():
    lim = math.sqrt(2 * 10 * 1.0) / 0.01          # classical 447.21
    r = KapitzaPendulum(**BLOG).stable_frequency_ranges()
    assert r[0][0] == pytest.approx(lim, rel=2e-4) and r[0][1] == math.inf
    for w, stable in [(420.0, False), (480.0, True)]:
        p = KapitzaPendulum(1.0, 0.01, w, g=10.0)
        assert p.inverted_stable() is stable
        res = p.simulate(1e-3, 0.0, (0, 6), linear=True, t_eval=np.linspace(0, 6, 301))
        grown = bool(np.abs(res.y[0]).max() > 0.01)
        assert grown is (not stable)


def test_nonlinear_release_angles():
    p = KapitzaPendulum(**BLOG)
    assert p.barrier_angle() == pytest.approx(math.acos(0.8))
    t = np.linspace(0, 6, 601)
    fall = p.simulate(1.0, 0.0, (0, 6), t_eval=t)
    assert np.abs(fall.y[0]).max() > 2.0                   # beyond the barrier: falls
    stay = p.simulate(0.1, 0.0, (0, 6), t_eval=t)
    assert np.abs(stay.y[0]).max() < 0.12                  # oscillates about upright


def test_upper_limit_appears_when_b1_negative():
    from scipy.optimize import brentq
    q_star = brentq(lambda q: characteristic_b(1, q), 0.5, 1.5)   # b_1(q*) = 0
    below = KapitzaPendulum(1.0, 0.99 * q_star / 2, 30.0, g=9.81).stable_frequency_ranges()
    above = KapitzaPendulum(1.0, 1.01 * q_star / 2, 30.0, g=9.81).stable_frequency_ranges()
    assert below[0][1] == math.inf
    assert math.isfinite(above[0][1])
    q = 1.01 * q_star
    assert above[0][1] == pytest.approx(2 * math.sqrt(9.81 / -characteristic_b(1, q)), rel=1e-12)
    assert above[0][0] == pytest.approx(2 * math.sqrt(9.81 / -characteristic_a(0, q)), rel=1e-12)


def test_ranges_agree_with_floquet_verdict():
    p0 = KapitzaPendulum(1.0, 0.6, 10.0, g=9.81)
    ranges = p0.stable_frequency_ranges()
    for lo, hi in ranges:
        for w in (lo * 0.999, lo * 1.001):
            p = KapitzaPendulum(1.0, 0.6, w, g=9.81)
            assert p.inverted_stable() is (w > lo)
        if math.isfinite(hi):
            for w in (hi * 0.999, hi * 1.001):
                assert KapitzaPendulum(1.0, 0.6, w, g=9.81).inverted_stable() is (w < hi)


def test_damped_ranges_edges_have_zero_growth():
    p = KapitzaPendulum(1.0, 0.6, 50.0, g=10.0, damping=0.5)
    (lo, hi), = p.stable_frequency_ranges()
    for w in (lo, hi):
        assert abs(KapitzaPendulum(1.0, 0.6, w, g=10.0, damping=0.5).floquet_growth_rate()) < 1e-8


def test_effective_potential_and_slow_frequency():
    p = KapitzaPendulum(**BLOG)
    h = 1e-4
    U = p.effective_potential(np.array([-h, 0.0, h]))
    curv = (U[0] - 2 * U[1] + U[2]) / h**2
    assert curv == pytest.approx(p.slow_frequency() ** 2, rel=1e-6)
    assert p.slow_frequency() == pytest.approx(math.sqrt(2.5))
    with pytest.raises(ValueError, match="averaged"):
        KapitzaPendulum(1.0, 0.01, 300.0, g=10.0).slow_frequency()


def test_validation():
    with pytest.raises(ValueError, match="length"):
        KapitzaPendulum(0.0, 0.01, 1.0)
    with pytest.raises(ValueError, match="damping"):
        KapitzaPendulum(1.0, 0.01, 1.0, damping=-1)
    with pytest.raises(TypeError, match="omega"):
        KapitzaPendulum(1.0, 0.01, "fast")


def _scipy_growth(a, q_coef):
    """log|rho|/pi of theta'' + (a - 2 q_coef cos 2 tau) theta = 0 by SciPy (independent)."""
    from scipy.integrate import solve_ivp

    def f(t, y):
        return [y[1], -(a - 2.0 * q_coef * math.cos(2.0 * t)) * y[0]]

    cols = [solve_ivp(f, (0, math.pi), y0, rtol=1e-12, atol=1e-14, method="DOP853").y[:, -1]
            for y0 in ([1.0, 0.0], [0.0, 1.0])]
    rho = np.linalg.eigvals(np.column_stack(cols))
    return float(np.log(np.abs(rho)).max() / math.pi)


@pytest.mark.parametrize("omega", [420.0, 480.0])
def test_q_sign_convention_matches_the_literal_equation(omega):
    """mathieu_parameters quotes q = +2 h0 / l; the literal linearisation in tau has
    -2 h0 / l. Both give the growth rate the pendulum reports (checked with SciPy)."""
    p = KapitzaPendulum(1.0, 0.01, omega, g=10.0)
    a, q = p.mathieu_parameters()
    assert q == pytest.approx(2 * 0.01 / 1.0) and q > 0
    literal = _scipy_growth(a, -q)
    assert _scipy_growth(a, q) == pytest.approx(literal, abs=1e-7)
    assert p.floquet_growth_rate() == pytest.approx(literal, abs=1e-6)
    assert (literal > 1e-6) is (not p.inverted_stable())


def test_barrier_angle_raises_without_a_barrier():
    p = KapitzaPendulum(1.0, 0.01, 400.0, g=10.0)  # h0^2 omega^2 = 16 < 2 g l = 20
    with pytest.raises(ValueError, match="no stable upright"):
        p.barrier_angle()
