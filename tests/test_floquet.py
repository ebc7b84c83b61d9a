import numpy as np
import pytest

from odekit.floquet import exponents, monodromy, multipliers


def mathieu(t, y, p):
    return np.array([y[1], -(p[0] - 2 * p[1] * np.cos(2 * t)) * y[0]])


def test_hamiltonian_det_one_and_trace():
    M = monodromy(mathieu, np.pi, 2, params=[1.3, 0.7], rtol=1e-12, atol=1e-14)
    assert abs(np.linalg.det(M) - 1) < 1e-10
    from odekit.mathieu import stability_chart
    assert abs(np.trace(M) - stability_chart([1.3], [0.7]).trace[0, 0]) < 1e-8


def test_constant_coefficients():
    def f(t, y, p):
        return np.array([-y[0], 2 * y[1]])
    M = monodromy(f, 0.5, 2)
    np.testing.assert_allclose(M, np.diag([np.exp(-0.5), np.exp(1.0)]), rtol=1e-8, atol=1e-10)
    mu = exponents(M, 0.5)
    np.testing.assert_allclose(mu.real, [2.0, -1.0], rtol=1e-7)
    rho = multipliers(M)
    assert abs(rho[0]) >= abs(rho[1])


def test_validation():
    with pytest.raises(ValueError, match="period"):
        monodromy(mathieu, -1.0, 2, params=[1, 1])
    with pytest.raises(ValueError, match="dim"):
        monodromy(mathieu, 1.0, 0)
    with pytest.raises(ValueError, match="square"):
        multipliers(np.ones((2, 3)))
    with pytest.raises(ValueError, match="singular"):
        exponents(np.zeros((2, 2)), 1.0)
