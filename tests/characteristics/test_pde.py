"""First-order PDEs by characteristics against closed forms."""

import numpy as np
import pytest

from odekit.characteristics import solve_first_order, solve_quasilinear


# right-hand sides at module level: compiled once, cached on disk
def unit_speed(x, t, u):
    return 1.5


def zero_source(x, t, u):
    return 0.0


def burgers_speed(x, t, u):
    return u


def x_speed(x, t, u):
    return x


def u_squared(x, t, u):
    return u * u


def hamilton_jacobi(x, t, u, p, q):
    return q - p * p


def test_linear_advection():
    x0 = np.linspace(-3, 3, 25)
    t = np.array([0.0, 0.5, 1.0, 2.0])
    res = solve_quasilinear(unit_speed, zero_source, lambda x: np.exp(-x ** 2), x0, t)
    np.testing.assert_allclose(res.x, x0[None, :] + 1.5 * t[:, None], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.u, np.exp(-x0 ** 2)[None, :].repeat(4, 0), atol=1e-12)
    assert res.breaking_time == np.inf
    g = np.linspace(-1, 1, 9)
    ug = res.on_grid(g)
    np.testing.assert_allclose(ug[2], np.exp(-(g - 1.5) ** 2), atol=2e-4)  # cubic Hermite
    # the sensitivities: dx/dx0 = 1, du/dx0 = u0'
    np.testing.assert_allclose(res.extra["dxdx0"], 1.0, atol=1e-9)


def test_u_t_plus_x_u_x_equals_u_squared():
    f = lambda z: 0.4 * np.cos(z)  # noqa: E731
    x0 = np.linspace(-2, 2, 21)
    t = np.array([0.25, 0.5, 1.0, 1.5])
    res = solve_quasilinear(x_speed, u_squared, f, x0, t)
    xi = res.x * np.exp(-t[:, None])
    exact = f(xi) / (1.0 - t[:, None] * f(xi))
    np.testing.assert_allclose(res.x, x0[None, :] * np.exp(t[:, None]), rtol=1e-9)
    np.testing.assert_allclose(res.u, exact, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("u0, tb", [(np.sin, 1.0), (lambda x: -np.tanh(2 * x), 0.5),
                                    (lambda x: np.exp(-x ** 2), np.sqrt(np.e / 2))])
def test_burgers_breaking_time(u0, tb):
    # -1 / min u0': sin -> 1; -tanh(2x) -> 1/2; Gaussian: min u0' = -sqrt(2/e)
    x0 = np.linspace(-3.0, 3.0, 37) + (np.pi if u0 is np.sin else 0.0) + 0.0123
    t = np.linspace(0, 2.0, 6)  # no output time at the breaking time itself
    res = solve_quasilinear(burgers_speed, zero_source, u0, x0, t)
    assert abs(res.breaking_time - tb) <= 1e-6 * tb
    # single-valued before breaking: u = u0(x - u t) on the grid; NaN after
    g = np.linspace(-1, 1, 11) + (np.pi if u0 is np.sin else 0.0)
    ug = res.on_grid(g)
    before = res.t < tb
    assert np.all(np.isnan(ug[~before]))
    for m in np.flatnonzero(before):
        ok = ~np.isnan(ug[m])
        assert ok.sum() >= 5
        np.testing.assert_allclose(ug[m, ok], u0(g[ok] - ug[m, ok] * res.t[m]), atol=1e-3)
    # on the characteristics themselves: u constant, x = x0 + u0 t
    np.testing.assert_allclose(res.x, x0 + u0(x0) * t[:, None], atol=1e-9)


def test_charpit_hamilton_jacobi():
    x0 = np.linspace(-1, 1, 11)
    t = np.array([0.05, 0.1, 0.2])
    res = solve_first_order(hamilton_jacobi, lambda x: x ** 2, x0, t)
    exact = res.x ** 2 / (1.0 - 4.0 * t[:, None])
    np.testing.assert_allclose(res.u, exact, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(res.x, x0 * (1 - 4 * t[:, None]), atol=1e-10)
    np.testing.assert_allclose(res.extra["q"], res.ux ** 2, rtol=1e-8, atol=1e-12)
    g = np.linspace(-0.5, 0.5, 5)
    np.testing.assert_allclose(res.on_grid(g)[1], g ** 2 / (1 - 0.4), rtol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="x0"):
        solve_quasilinear(burgers_speed, zero_source, np.sin, [1.0], [1.0])
    with pytest.raises(ValueError, match="t must"):
        solve_quasilinear(burgers_speed, zero_source, np.sin, [0.0, 1.0], [1.0, 0.5])
    with pytest.raises(TypeError, match="u0"):
        solve_quasilinear(burgers_speed, zero_source, 3.0, [0.0, 1.0], [1.0])
    with pytest.raises(TypeError, match="speed"):
        solve_quasilinear("fast", zero_source, np.sin, [0.0, 1.0], [1.0])
