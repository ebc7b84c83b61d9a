"""Each compiled kernel against a plain NumPy / Python twin on the same uniforms."""

import math

import numpy as np
import pytest

from odekit.geoprob import _kernels as K
from odekit.geoprob import (
    buffon,
    mean_distance,
    sector,
    sylvester,
    triangle_contains_centre,
    wendel,
)
from odekit.geoprob.montecarlo import _scratch

MASK = (1 << 64) - 1


def splitmix_ref(key, pos):
    """SplitMix64 (Steele, Lea & Flood 2014) in plain Python: the value at position pos."""
    z = (key + (pos + 1) * 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    z ^= z >> 31
    return (z >> 11) * 2.0**-53


def test_stream_matches_python_splitmix():
    key = 0x1234_5678_9ABC_DEF0
    out = np.empty((5, 3))
    K.stream_uniforms(np.uint64(key), 7, 5, 3, out)
    for i in range(5):
        for j in range(3):
            assert out[i, j] == splitmix_ref(key, (7 + i) * 3 + j)


def per_sample(problem, u):
    """Run the compiled driver with one sample per chunk: the per-sample values."""
    u = np.ascontiguousarray(u, dtype=np.float64)
    n = u.shape[0]
    ubuf, wbuf, iwbuf = _scratch(n, problem.dim, problem._wlen, problem._iwlen)
    sums = np.empty(n)
    sumsq = np.empty(n)
    K.run_chunks(problem._kind, np.array(problem._fpar), np.array(problem._ipar, np.int64),
                 problem.dim, np.uint64(0), u, 0, n, 1, n, ubuf, wbuf, iwbuf, sums, sumsq)
    return sums


# ------------------------------------------------------------------------- NumPy twins
def twin_sector_angles(u, x):
    a = np.sort(u, axis=1)
    gaps = np.diff(a, axis=1)
    wrap = 1.0 - a[:, -1] + a[:, 0]
    g = np.maximum(wrap, gaps.max(axis=1)) if a.shape[1] > 1 else np.ones(len(a))
    return (g >= x).astype(float)


def twin_sector_disk(u, x):
    # honest disk points in Cartesian form, angles recovered by arctan2
    r = np.sqrt(u[:, 0::2])
    phi = 2 * np.pi * u[:, 1::2]
    ang = np.mod(np.arctan2(r * np.sin(phi), r * np.cos(phi)), 2 * np.pi) / (2 * np.pi)
    return twin_sector_angles(ang, x)


def disk_xy(u0, u1):
    r = np.sqrt(u0)
    return r * np.cos(2 * np.pi * u1), r * np.sin(2 * np.pi * u1)


def twin_points(u, shape):
    if shape == "disk":
        return [disk_xy(u[:, 2 * i], u[:, 2 * i + 1]) for i in range(u.shape[1] // 2)]
    pts = []
    for i in range(u.shape[1] // 2):
        a, b = u[:, 2 * i].copy(), u[:, 2 * i + 1].copy()
        if shape == "triangle":
            flip = a + b > 1
            a[flip], b[flip] = 1 - a[flip], 1 - b[flip]
        pts.append((a, b))
    return pts


def twin_convex4(u, shape):
    from scipy.spatial import ConvexHull

    pts = twin_points(u, shape)
    out = np.empty(len(u))
    for s in range(len(u)):
        P = np.array([[p[0][s], p[1][s]] for p in pts])
        out[s] = 1.0 if len(ConvexHull(P).vertices) == 4 else 0.0
    return out


def twin_centre(u):
    pts = twin_points(u, "disk")
    ang = np.stack([np.mod(np.arctan2(y, x), 2 * np.pi) / (2 * np.pi) for x, y in pts], 1)
    # the centre is inside iff the three angles do not fit in a half turn
    return 1.0 - twin_sector_angles(ang, 0.5)


def twin_wendel(u, n, d):
    from scipy.optimize import linprog

    m = n * d
    r = np.sqrt(-2 * np.log(1 - u[:, 0::2]))
    a = 2 * np.pi * u[:, 1::2]
    g = np.empty((len(u), 2 * r.shape[1]))
    g[:, 0::2] = r * np.cos(a)
    g[:, 1::2] = r * np.sin(a)
    out = np.empty(len(u))
    for s in range(len(u)):
        X = g[s, :m].reshape(n, d)
        # is there v with X v >= 1 (an open half-space containing all points)? an LP
        res = linprog(np.zeros(d), A_ub=-X, b_ub=-np.ones(n), bounds=[(None, None)] * d,
                      method="highs")
        out[s] = 1.0 if res.status == 0 else 0.0
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 33, 40])
@pytest.mark.parametrize("sampler", ["angles", "disk"])
def test_sector_kernel_twin(n, sampler):
    rng = np.random.default_rng(n)
    p = sector(n, 2 * np.pi * (1 - 1.3 / n) if n > 1 else 1.0, sampler=sampler)
    u = rng.random((400, p.dim))
    x = p._fpar[0]
    twin = twin_sector_disk(u, x) if sampler == "disk" else twin_sector_angles(u, x)
    np.testing.assert_array_equal(per_sample(p, u), twin)


def test_sector_disk_centre_point_is_wildcard():
    p = sector(4, 0.2, sampler="disk")  # other angles span 0.02 turn = 0.126 rad
    u = np.array([[0.5, 0.0, 0.0, 0.5, 0.5, 0.01, 0.5, 0.02]])  # second point at the centre
    assert per_sample(p, u)[0] == 1.0


@pytest.mark.parametrize("shape", ["disk", "triangle", "square"])
def test_sylvester_kernel_twin(shape):
    u = np.random.default_rng(1).random((300, 8))
    np.testing.assert_array_equal(per_sample(sylvester(shape), u), twin_convex4(u, shape))


def test_centre_kernel_twin():
    u = np.random.default_rng(2).random((500, 6))
    np.testing.assert_array_equal(per_sample(triangle_contains_centre(), u), twin_centre(u))


@pytest.mark.parametrize("length,spacing", [(1.0, 1.0), (0.5, 2.0), (3.0, 1.0)])
def test_buffon_kernel_twin(length, spacing):
    u = np.random.default_rng(3).random((500, 2))
    twin = (0.5 * spacing * u[:, 0] <= 0.5 * length * np.sin(0.5 * np.pi * u[:, 1]))
    np.testing.assert_array_equal(per_sample(buffon(length, spacing), u), twin.astype(float))


@pytest.mark.parametrize("shape", ["disk", "square"])
def test_distance_kernel_twin(shape):
    u = np.random.default_rng(4).random((500, 4))
    if shape == "disk":
        (x0, y0), (x1, y1) = twin_points(u, "disk")
    else:
        x0, y0, x1, y1 = u.T
    np.testing.assert_allclose(per_sample(mean_distance(shape), u), np.hypot(x1 - x0, y1 - y0),
                               rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("n,d", [(3, 1), (4, 2), (5, 3), (6, 3), (7, 4), (8, 5)])
def test_wendel_kernel_twin(n, d):
    p = wendel(n, d)
    u = np.random.default_rng(n * 10 + d).random((150, p.dim))
    np.testing.assert_array_equal(per_sample(p, u), twin_wendel(u, n, d))


def test_sorting_networks_zero_one_principle():
    import itertools

    for m in range(2, K.MAX_NETWORK + 1):
        for bits in itertools.product([0.0, 1.0], repeat=m):
            a = np.array(bits)
            K._sort_prefix(a, m)
            assert np.all(np.diff(a) >= 0), (m, bits)
    a = np.random.default_rng(0).random(50)
    for m in (20, 50):
        b = a.copy()
        K._sort_prefix(b, m)
        np.testing.assert_array_equal(b[:m], np.sort(a[:m]))


def test_kernel_values_stay_finite():
    assert math.isfinite(per_sample(mean_distance("disk"), np.zeros((1, 4)))[0])


def test_sector_disk_without_centre_rule_would_fail():
    p = sector(4, 0.2, sampler="disk")
    u = np.array([[0.5, 0.0, 1e-3, 0.5, 0.5, 0.01, 0.5, 0.02]])  # same, off the centre
    assert per_sample(p, u)[0] == 0.0
