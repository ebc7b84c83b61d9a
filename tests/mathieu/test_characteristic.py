"""Characteristic values a_n(q), b_n(q): identities, references, kernel vs NumPy twin."""

import json
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odekit.mathieu import _hill, characteristic_a, characteristic_b

REFS = pathlib.Path(__file__).with_name("mpmath_references.json")


def _refs():
    if not REFS.exists():
        pytest.skip("mpmath_references.json missing (run tests/mathieu/make_references.py)")
    return json.loads(REFS.read_text())


# ---------------------------------------------------------------- identities / limits
def test_q_zero_limits():
    n = np.arange(0, 201)
    np.testing.assert_array_equal(characteristic_a(n, 0.0), n.astype(float) ** 2)
    np.testing.assert_array_equal(characteristic_b(n[1:], 0.0), n[1:].astype(float) ** 2)


def test_small_q_series():
    # DLMF 28.6.1-2: a_0 = -q^2/2 + 7q^4/128 - ..., b_1 = 1 - q - q^2/8 + q^3/64 - ...
    q = 1e-3
    assert abs(characteristic_a(0, q) - (-q**2 / 2 + 7 * q**4 / 128)) < 1e-18
    assert abs(characteristic_b(1, q) - (1 - q - q**2 / 8 + q**3 / 64)) < 1e-15
    assert abs(characteristic_a(1, q) - (1 + q - q**2 / 8 - q**3 / 64)) < 1e-15


@pytest.mark.parametrize("q", [0.7, 13.0, 250.0, 1999.0])
def test_negative_q_symmetry(q):
    n = np.arange(0, 40)
    even, odd = n[n % 2 == 0], n[n % 2 == 1]
    np.testing.assert_allclose(characteristic_a(even, -q), characteristic_a(even, q),
                               rtol=1e-14, atol=1e-13)
    np.testing.assert_allclose(characteristic_a(odd, -q), characteristic_b(odd, q),
                               rtol=1e-14, atol=1e-13)
    np.testing.assert_allclose(characteristic_b(even[1:], -q), characteristic_b(even[1:], q),
                               rtol=1e-14, atol=1e-13)


@pytest.mark.parametrize("q", [0.5, 5.0, 40.0, 600.0, 2000.0])
def test_ordering(q):
    # q > 0: a_0 < b_1 < a_1 < b_2 < a_2 < ... (DLMF 28.2.21)
    n = np.arange(0, 61)
    a = characteristic_a(n, q)
    b = characteristic_b(n[1:], q)
    seq = np.empty(121)
    seq[0::2] = a
    seq[1::2] = b
    # a_n and b_{n+1} coalesce exponentially fast at large q: allow rounding
    assert np.all(np.diff(seq) >= -1e-13 * np.abs(seq[1:]).clip(1))
    assert np.all(np.diff(a) > 0) and np.all(np.diff(b) > 0)


def test_broadcasting_and_scalars():
    assert isinstance(characteristic_a(2, 1.0), float)
    out = characteristic_a(np.arange(3)[:, None], np.array([0.0, 1.0, 2.0, 3.0]))
    assert out.shape == (3, 4)
    assert characteristic_b([1, 2], 3.0).shape == (2,)


# ---------------------------------------------------------------- external references
def test_against_mpmath_40_digits():
    data = _refs()["values"]
    worst = 0.0
    fam = np.array([d[0] for d in data])
    n = np.array([d[1] for d in data])
    q = np.array([float(d[2]) for d in data])
    ref = np.array([float(d[3]) for d in data])
    got = np.where(fam == "a", characteristic_a(n, q), 0.0)
    isb = fam == "b"
    got[isb] = characteristic_b(n[isb], q[isb])
    scale = np.maximum(1.0, np.abs(ref))
    err = np.abs(got - ref) / scale
    worst = err.max()
    assert worst <= 1e-13, (worst, data[int(err.argmax())])


@pytest.mark.parametrize("fn, n, q", [(characteristic_a, 3, 15.5147),
                                      (characteristic_a, 5, 21.0),
                                      (characteristic_b, 5, 31.34)])
def test_points_where_scipy_slips(fn, n, q):
    """SciPy returns a neighbouring order here; the references come from mpmath."""
    data = _refs()["values"]
    fam = "a" if fn is characteristic_a else "b"
    ref = [float(d[3]) for d in data if d[0] == fam and d[1] == n and abs(float(d[2]) - q) < 1e-12]
    assert ref, "reference point missing"
    assert abs(fn(n, q) - ref[0]) <= 1e-13 * max(1.0, abs(ref[0]))


def test_scipy_where_its_order_is_right():
    """At small q SciPy's order selection does not fail; compare there (independent code)."""
    sp = pytest.importorskip("scipy.special")
    n = np.arange(0, 11)[:, None]
    q = np.array([0.05, 0.5, 1.0, 2.5, 5.0])[None, :]
    np.testing.assert_allclose(characteristic_a(n, q), sp.mathieu_a(n, q), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(characteristic_b(n + 1, q), sp.mathieu_b(n + 1, q), rtol=1e-12,
                               atol=1e-12)


# ---------------------------------------------------------------- kernel vs NumPy twin
@pytest.mark.parametrize("kind", [0, 1, 2, 3])
@pytest.mark.parametrize("q", [-800.0, -3.0, 0.2, 25.0, 1500.0])
def test_kernel_matches_numpy_eigvalsh(kind, q):
    j = np.arange(0, 50)
    got, sizes = _hill.eigenvalues(np.full(j.size, kind), j, np.full(j.size, q))
    N = int(sizes.max()) + 40
    ev = np.linalg.eigvalsh(_hill.hill_matrix(kind, q, N))[: j.size]
    np.testing.assert_allclose(got, ev, rtol=2e-14, atol=1e-11)


def test_truncation_is_converged():
    # a larger matrix must not change the value
    for kind, j, q in [(0, 0, 2000.0), (1, 30, 1500.0), (3, 100, 10.0), (2, 5, -777.0)]:
        a, n = _hill._eig_checked(kind, j, q)
        a2 = _hill._eig_fixed(kind, j, q, 2 * n + 20)
        assert abs(a - a2) <= 2e-15 * max(1.0, abs(a)) * 8


def test_high_orders():
    n = np.array([150, 199, 200])
    a = characteristic_a(n, 50.0)
    # far above the potential: a_n ~ n^2 + q^2 / (2 (n^2 - 1))
    np.testing.assert_allclose(a, n**2 + 50.0**2 / (2 * (n**2 - 1.0)), rtol=1e-9)


# ---------------------------------------------------------------- validation
@given(st.sampled_from([float("nan"), float("inf"), -float("inf")]))
@settings(max_examples=10, deadline=None)
def test_nonfinite_q_rejected(q):
    with pytest.raises(ValueError, match="q"):
        characteristic_a(0, q)


@given(st.integers(min_value=-10**9, max_value=-1))
@settings(max_examples=10, deadline=None)
def test_negative_order_rejected(n):
    with pytest.raises(ValueError, match="n"):
        characteristic_a(n, 1.0)


def test_bad_orders():
    with pytest.raises(ValueError, match="n"):
        characteristic_b(0, 1.0)
    with pytest.raises(ValueError, match="n"):
        characteristic_a(1.5, 1.0)
    with pytest.raises(TypeError, match="n"):
        characteristic_a("2", 1.0)
    with pytest.raises(TypeError, match="q"):
        characteristic_a(2, "x")


@given(st.integers(min_value=0, max_value=60), st.floats(min_value=-2000, max_value=2000))
@settings(max_examples=60, deadline=None)
def test_property_bracketed_by_neighbours(n, q):
    """a_n(|q|) lies between b_n and b_{n+1} (DLMF 28.2.21), for any order and q."""
    aq = abs(q)
    a = characteristic_a(n, aq)
    assert np.isfinite(a)
    if n >= 1:
        assert characteristic_b(n, aq) <= a + 1e-12 * max(1, abs(a))
    assert a <= characteristic_b(n + 1, aq) + 1e-12 * max(1, abs(a))


@pytest.mark.parametrize("n, q", [(25, 375.0), (27, 430.0), (34, 725.0), (42, 985.0),
                                  (46, 1355.0), (56, 1982.0), (56, 1995.0)])
def test_newton_never_settles_on_the_neighbour_at_the_bracket_end(n, q):
    """Points where Newton once converged onto eigenvalue j + 1 sitting at the end of an
    isolating bracket (a_56(1982) came out as 4059.8, above a_57): the order holds."""
    a = characteristic_a(n, q)
    assert characteristic_b(n, q) < a < characteristic_b(n + 1, q) < characteristic_a(n + 1, q)


@pytest.mark.parametrize("q", [5.6e-202, 6.7e-150, 5.6e-115, 1e-99, 1e-300])
def test_tiny_q_is_the_q_zero_limit(q):
    """Couplings of size q^2 near the underflow: a_0 = -q^2/2, the others (2j)^2 etc."""
    assert characteristic_a(0, q) == pytest.approx(-0.5 * q * q, rel=1e-12, abs=1e-320)
    assert characteristic_a(2, q) == 4.0
    assert characteristic_b(2, q) == 4.0
    assert characteristic_a(1, q) == pytest.approx(1.0 + q, rel=1e-15)
