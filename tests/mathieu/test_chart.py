"""Characteristic exponent and stability chart (need the core integrators)."""

import cmath
import math

import numpy as np
import pytest

from odekit.mathieu import (
    characteristic_a,
    characteristic_b,
    characteristic_exponent,
    stability_chart,
    transition_curves,
)
from odekit.mathieu.chart import _nu_from_cos


def _trace_numpy(a, q, n=20000):
    """Slow plain-NumPy twin: classical RK4 on the full period [0, pi] (no parity trick)."""
    def f(t, y):
        k = a - 2 * q * np.cos(2 * t)
        return np.array([y[1], -k * y[0], y[3], -k * y[2]])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    h = np.pi / n
    t = 0.0
    for _ in range(n):
        k1 = f(t, y)
        k2 = f(t + h / 2, y + h / 2 * k1)
        k3 = f(t + h / 2, y + h / 2 * k2)
        k4 = f(t + h, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t += h
    return y[0] + y[3], y[0] * y[3] - y[1] * y[2]


def test_q_zero_closed_form():
    a = np.array([-2.0, 0.3, 2.0, 6.25])
    ch = stability_chart(a, np.array([0.0]))
    expect = np.where(a >= 0, 2 * np.cos(np.pi * np.sqrt(np.abs(a))),
                      2 * np.cosh(np.pi * np.sqrt(np.abs(a))))
    np.testing.assert_allclose(ch.trace[0], expect, rtol=1e-9, atol=1e-9)
    nu = characteristic_exponent(a[1:], 0.0)
    np.testing.assert_allclose(nu.real, [math.sqrt(0.3), 1 - (math.sqrt(2) - 1), 0.5])


@pytest.mark.parametrize("a, q", [(0.3, 0.4), (1.2, 0.9), (3.0, 5.0), (-1.0, 2.0)])
def test_chart_against_numpy_twin_and_det(a, q):
    tr, det = _trace_numpy(a, q)
    assert abs(det - 1) < 1e-9           # Hamiltonian: det M = 1 (Liouville)
    ch = stability_chart(np.array([a]), np.array([q]))
    assert abs(ch.trace[0, 0] - tr) < 1e-8 * max(1, abs(tr))


def test_boundaries_on_characteristic_curves():
    q = np.array([0.5, 2.0, 6.0])
    A, B = transition_curves(3, q)
    eps = 1e-6
    for j in range(q.size):
        for curve in list(A[:, j]) + list(B[:, j]):
            c = stability_chart(np.array([curve]), q[j:j + 1], rtol=1e-12, atol=1e-14)
            assert abs(abs(c.trace[0, 0]) - 2) < 1e-7
    # stable just inside the first band, unstable just outside
    ch = stability_chart(np.array([A[0, 1] - eps, A[0, 1] + eps, B[0, 1] - eps, B[0, 1] + eps]),
                         q[1:2])
    assert ch.stable[0].tolist() == [False, True, True, False]


def test_exponent_on_characteristic_curves():
    q = 3.0
    for n in range(0, 5):
        assert characteristic_exponent(characteristic_a(n, q), q) == (n % 2)
        if n:
            assert characteristic_exponent(characteristic_b(n, q), q) == (n % 2)


def test_exponent_against_mpmath_ode():
    mp = pytest.importorskip("mpmath")
    with mp.workdps(25):
        _exponent_against_mpmath_ode(mp)


def _exponent_against_mpmath_ode(mp):
    for a, q in [(2.0, 1.0), (0.5, 3.0), (-1.0, 1.5)]:
        sol = mp.odefun(lambda z, y, a=a, q=q: [y[1], -(a - 2 * q * mp.cos(2 * z)) * y[0]],
                        0, [1, 0])
        wI = sol(mp.pi)[0]
        nu = characteristic_exponent(a, q)
        c = cmath.cos(math.pi * nu).real
        assert abs(c - float(wI)) <= 1e-10 * max(1.0, abs(float(wI)))


def test_nu_branches():
    nu = _nu_from_cos(np.array([0.0, 3.0, -3.0, 1.0, -1.0, 1 + 1e-12]))
    assert nu[0] == 0.5
    assert nu[1].real == 0 and nu[1].imag > 0
    assert nu[2].real == 1 and nu[2].imag > 0
    assert nu[3] == 0 and nu[4] == 1 and nu[5] == 0


def test_damping_shift_and_scaling():
    a, q, gam = np.array([1.0, 2.5]), np.array([0.8]), 0.1
    d = stability_chart(a, q, damping=gam)
    u = stability_chart(a - gam**2, q)
    np.testing.assert_allclose(d.trace, np.exp(-gam * np.pi) * u.trace, rtol=1e-12)
    assert np.all(d.growth_rate <= u.growth_rate - gam + 1e-12)
    # damping stabilises the tongue tip: a = 1, q = 0.1 unstable undamped, stable damped
    assert not stability_chart([1.0], [0.1]).stable[0, 0]
    assert stability_chart([1.0], [0.1], damping=0.2).stable[0, 0]


def test_chart_shapes_and_validation():
    ch = stability_chart(np.linspace(-1, 5, 7), np.linspace(0, 3, 4))
    assert ch.trace.shape == ch.stable.shape == ch.growth_rate.shape == (4, 7)
    with pytest.raises(ValueError, match="damping"):
        stability_chart([1.0], [1.0], damping=-1)
    with pytest.raises(ValueError, match="a"):
        stability_chart(np.ones((2, 2)), [1.0])
    with pytest.raises(ValueError, match="q"):
        stability_chart([1.0], [np.inf])


def test_transition_curves_shapes():
    a, b = transition_curves(4, np.linspace(0, 10, 6))
    assert a.shape == (5, 6) and b.shape == (4, 6)
    a, b = transition_curves(0, [1.0])
    assert a.shape == (1, 1) and b.shape == (0, 1)
