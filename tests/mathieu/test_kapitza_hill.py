"""The Kapitza stability map on Hill's determinant (odekit.mathieu.kapitza.stability_map)."""

import numpy as np
import pytest

from odekit.mathieu import (
    KapitzaPendulum,
    characteristic_a,
    characteristic_b,
    stability_chart,
)
from odekit.mathieu.kapitza import stability_map


def _curves_map(length, omega, amplitude, g):
    """Undamped verdict from the characteristic curves: a_n(q) < a < b_{n+1}(q)."""
    q = 2.0 * amplitude / length
    a = -4.0 * g / (length * omega**2)
    stable = np.zeros((amplitude.size, omega.size), dtype=bool)
    margin = np.full(stable.shape, np.inf)
    for n in range(60):
        an = characteristic_a(n, q)
        if np.all(an >= 0):
            break
        bn = characteristic_b(n + 1, q)
        stable |= (an[:, None] < a[None, :]) & (a[None, :] < bn[:, None])
        margin = np.minimum(margin, np.minimum(np.abs(a[None, :] - an[:, None]),
                                               np.abs(a[None, :] - bn[:, None])))
    return stable, margin


def test_map_matches_characteristic_curves():
    omega = np.linspace(2.0, 120.0, 90)
    amp = np.linspace(0.005, 0.7, 40)
    got = stability_map(1.0, omega, amp, g=10.0)
    ref, margin = _curves_map(1.0, omega, amp, 10.0)
    differ = got != ref
    assert np.all(margin[differ] < 1e-8)
    assert 0.05 < got.mean() < 0.95


def test_map_damped_matches_pendulum_verdicts():
    omega = np.array([300.0, 440.0, 446.0, 460.0, 800.0])
    amp = np.array([0.01, 0.05])
    got = stability_map(1.0, omega, amp, g=10.0, damping=2.0)
    for i, h in enumerate(amp):
        for j, w in enumerate(omega):
            assert got[i, j] == KapitzaPendulum(1.0, h, w, g=10.0, damping=2.0).inverted_stable()
    # and against the integration path (independent of Hill's determinant)
    for i, h in enumerate(amp):
        for j, w in enumerate(omega):
            a, q = KapitzaPendulum(1.0, h, w, g=10.0).mathieu_parameters()
            gam = 2.0 / w
            ch = stability_chart([a], [abs(q)], damping=gam, method="integrate", rtol=1e-12,
                                 atol=1e-14)
            assert got[i, j] == ch.stable[0, 0]


def test_map_validation():
    with pytest.raises(ValueError, match="omega"):
        stability_map(1.0, [0.0, 1.0], [0.1])
    with pytest.raises(ValueError, match="damping"):
        stability_map(1.0, [1.0], [0.1], damping=-1.0)
