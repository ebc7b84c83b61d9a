"""Nullclines, separatrix (symmetric: the diagonal; general: against SciPy), unstable
manifolds, and basins against the side of the separatrix."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp as scipy_solve_ivp

from odekit import _jit
from odekit.competition import TwoSpecies, basins, nullclines, separatrix, unstable_manifold

SYM = TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.5)
ASYM = TwoSpecies(0.8, 120.0, 0.012, 1.1, 90.0, 0.015)  # bistable, not symmetric
BLOG = TwoSpecies(0.1, 500.0, 1e-4, 0.3, 1 / 0.003, 2e-4)


def test_asym_is_bistable():
    assert ASYM.outcome().name == "BISTABILITY"


def test_nullclines_are_zero_growth_lines():
    nc = nullclines(BLOG, (0, 800), (0, 1200))
    m = BLOG
    for pts in nc.species1:
        g = pts[:, 0] * (m.r1 * (1 - pts[:, 0] / m.N1) - m.a1 * pts[:, 1])
        np.testing.assert_allclose(g, 0.0, atol=1e-9)
    for pts in nc.species2:
        g = pts[:, 1] * (m.r2 * (1 - pts[:, 1] / m.N2) - m.a2 * pts[:, 0])
        np.testing.assert_allclose(g, 0.0, atol=1e-9)
    line = nc.species1[1]
    assert line[:, 0].max() == pytest.approx(500.0) and line[:, 1].max() == pytest.approx(1000)
    assert nc.species2[1][:, 0].max() <= 800.0  # clipped to the window


def test_symmetric_separatrix_is_the_diagonal():
    down, out = separatrix(SYM, (0, 2), (0, 2))
    for br in (down, out):
        assert np.max(np.abs(br[:, 0] - br[:, 1])) < 1e-6 * 2
        np.testing.assert_allclose(br[0], [0.4, 0.4], rtol=1e-14)
    assert np.hypot(*down[-1]) == 0.0
    np.testing.assert_allclose(out[-1], [2.0, 2.0], rtol=1e-9)


def _distance_to_polyline(pts, line):
    """Distance of each point to the polyline ``line`` (segments, exact)."""
    a, b = line[:-1], line[1:]
    ab = b - a
    L2 = np.maximum((ab ** 2).sum(1), 1e-300)
    out = np.empty(len(pts))
    for i, p in enumerate(pts):
        s = np.clip(((p - a) * ab).sum(1) / L2, 0.0, 1.0)
        d = a + s[:, None] * ab - p
        out[i] = np.sqrt((d ** 2).sum(1).min())
    return out


def test_separatrix_matches_scipy_reference_to_1e_6():
    m = ASYM
    xlim, ylim = (0.0, 150.0), (0.0, 150.0)
    branches = separatrix(m, xlim, ylim)
    sad = [e for e in m.equilibria() if e.support == (0, 1)][0]
    lam, vec = np.linalg.eig(sad.jacobian)
    v = np.real(vec[:, np.argmin(lam.real)])
    v /= np.linalg.norm(v)
    d = 1e-8 * np.linalg.norm(sad.x)

    def edge(t, x):
        return min(150.0 - x[0], 150.0 - x[1], x[0] + x[1] - 1e-3)
    edge.terminal = True
    for br in branches:
        direction = np.sign(np.dot(br[len(br) // 2] - sad.x, v))
        ref = scipy_solve_ivp(lambda t, x: m.rhs(x), (0.0, -400.0), sad.x + direction * d * v,
                              method="DOP853", rtol=1e-13, atol=1e-12, events=edge,
                              dense_output=True)
        ts = np.linspace(0.0, ref.t[-1], 200_000)
        line = np.vstack([sad.x, ref.sol(ts).T])
        pts = br[(br[:, 0] + br[:, 1]) > 1e-3]  # the reference stops 1e-3 from the origin
        dist = _distance_to_polyline(pts[::4], line)
        assert dist.max() < 1e-6 * 150.0, dist.max()


def test_separatrix_needs_bistability():
    with pytest.raises(ValueError, match="not bistable"):
        separatrix(BLOG)


def test_unstable_manifold_connects_saddle_to_attractors():
    ends = sorted(tuple(np.round(b[-1], 9)) for b in unstable_manifold(ASYM))
    assert ends == [(0.0, 90.0), (120.0, 0.0)]
    # blog: the boundary saddles' unstable branches both run into the interior node
    br = unstable_manifold(BLOG)
    assert len(br) == 2
    for b in br:
        np.testing.assert_allclose(b[-1], [375.0, 250.0], rtol=1e-12)
        assert np.all(b >= 0)


def test_basins_agree_with_the_side_of_the_separatrix():
    m = ASYM
    xlim = ylim = (0.0, 150.0)
    res = 40
    b = basins(m, xlim, ylim, res)
    assert b.labels.shape == (res, res)
    idx = {tuple(a.x): k for k, a in enumerate(b.attractors)}
    k1, k2 = idx[(120.0, 0.0)], idx[(0.0, 90.0)]
    curve = np.vstack([br[::-1] if i == 0 else br for i, br in enumerate(separatrix(m, xlim,
                                                                                    ylim))])
    X, Y = np.meshgrid(b.x, b.y)
    pts = np.column_stack([X.ravel(), Y.ravel()])
    above = pts[:, 1] > np.interp(pts[:, 0], curve[:, 0], curve[:, 1])
    far = _distance_to_polyline(pts, curve) > 0.5 * 150.0 / res
    lab = b.labels.ravel()
    assert far.sum() > 0.9 * lab.size
    np.testing.assert_array_equal(lab[far & above], k2)
    np.testing.assert_array_equal(lab[far & ~above], k1)
    assert abs(b.fractions.sum() + b.undecided - 1.0) < 1e-12
    # one attractor: everything lands there
    c = basins(BLOG, resolution=8)
    assert len(c.attractors) == 1 and np.all(c.labels == 0)


def test_polynomial_rhs_matches_the_model():
    from odekit.competition import LotkaVolterra
    from odekit.competition._rhs import lv_rhs
    g = np.random.default_rng(3)
    for _ in range(5):
        m = LotkaVolterra(g.uniform(0.1, 2.0, 2), g.uniform(0.0, 1.0, (2, 2)))
        x = g.uniform(0.0, 5.0, 2)
        out = np.empty(2)
        lv_rhs(0.0, x, m.params, out)  # the plain Python function: the formula itself
        np.testing.assert_allclose(out, x * (m.r - m.A @ x), rtol=1e-14)


def test_basins_near_the_origin_follow_tiny_starts():
    # every start is small (the separatrix runs into the origin): the absolute tolerance
    # must follow populations of 1e-3 of the window, and starts labelled at t = 0 (in a
    # trapping region already) must agree with the separatrix side too
    m = ASYM
    xlim = ylim = (0.0, 2.0)
    res = 30
    b = basins(m, xlim, ylim, res)
    idx = {tuple(a.x): k for k, a in enumerate(b.attractors)}
    k1, k2 = idx[(120.0, 0.0)], idx[(0.0, 90.0)]
    down = separatrix(m, (0.0, 150.0), (0.0, 150.0), num=20_000)[0][::-1]
    X, Y = np.meshgrid(b.x, b.y)
    pts = np.column_stack([X.ravel(), Y.ravel()])
    above = pts[:, 1] > np.interp(pts[:, 0], down[:, 0], down[:, 1])
    far = _distance_to_polyline(pts, down) > 0.5 * 2.0 / res
    lab = b.labels.ravel()
    assert far.sum() > 0.9 * lab.size
    np.testing.assert_array_equal(lab[far & above], k2)
    np.testing.assert_array_equal(lab[far & ~above], k1)


def test_basins_reuse_the_compiled_kernel():
    basins(SYM, (0, 1), (0, 1), 4)
    before = _jit.compile_count()
    basins(TwoSpecies(2.0, 3.0, 1.5, 1.5, 2.0, 1.2), resolution=4)
    separatrix(TwoSpecies(2.0, 3.0, 1.5, 1.5, 2.0, 1.2))
    separatrix(SYM, (0, 1.5), (0, 1.5))
    assert _jit.compile_count() == before


@pytest.mark.parametrize("kw, match", [
    (dict(xlim=(-1, 1)), "xlim"), (dict(ylim=(1, 1)), "ylim"), (dict(resolution=1),
                                                                 "resolution"),
    (dict(resolution=2.5), "resolution"), (dict(tol=0.0), "tol"),
])
def test_basins_bad_input(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        basins(SYM, **kw)


def test_basins_refuse_a_model_without_attractor():
    # u = v = 1: a line of neutrally stable equilibria, no hyperbolic attractor
    m = TwoSpecies(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="no hyperbolic attractor"):
        basins(m, (0, 1), (0, 1), 4)
