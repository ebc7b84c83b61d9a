"""ce_n, se_n, derivatives and Fourier coefficients."""

import json
import pathlib

import numpy as np
import pytest

from odekit.mathieu import (
    ce,
    ce_prime,
    characteristic_a,
    characteristic_b,
    fourier_coefficients,
    se,
    se_prime,
)

REFS = pathlib.Path(__file__).with_name("mpmath_references.json")


def test_q_zero_limits():
    z = np.linspace(-1, 4, 11)
    np.testing.assert_allclose(ce(0, 0.0, z), np.full_like(z, 1 / np.sqrt(2)), atol=1e-15)
    for n in range(1, 6):
        np.testing.assert_allclose(ce(n, 0.0, z), np.cos(n * z), atol=1e-14)
        np.testing.assert_allclose(se(n, 0.0, z), np.sin(n * z), atol=1e-14)
        np.testing.assert_allclose(ce_prime(n, 0.0, z), -n * np.sin(n * z), atol=1e-13)
        np.testing.assert_allclose(se_prime(n, 0.0, z), n * np.cos(n * z), atol=1e-13)


@pytest.mark.parametrize("kind", ["ce", "se"])
@pytest.mark.parametrize("q", [-40.0, 0.3, 7.0, 100.0])
def test_normalisation_and_orthogonality(kind, q):
    # trapezoid rule is spectrally exact for trigonometric polynomials on a full period
    z = np.linspace(0, 2 * np.pi, 1024, endpoint=False)
    f = ce if kind == "ce" else se
    orders = range(0 if kind == "ce" else 1, 12)
    F = np.array([f(n, q, z) for n in orders])
    G = F @ F.T * (2 * np.pi / z.size) / np.pi
    np.testing.assert_allclose(G, np.eye(len(F)), atol=1e-13)


def test_coefficient_normalisation():
    A = fourier_coefficients(4, 12.0, "ce")
    assert abs(2 * A[0] ** 2 + np.sum(A[1:] ** 2) - 1) < 1e-15
    B = fourier_coefficients(3, 12.0, "se")
    assert abs(np.sum(B ** 2) - 1) < 1e-15


@pytest.mark.parametrize("n, q", [(0, 2.0), (3, 25.0), (8, 80.0), (5, -30.0), (12, 100.0)])
def test_ode_residual(n, q):
    # y'' = -(a - 2q cos 2z) y, with y'' from the coefficients
    z = np.linspace(0, np.pi, 37)
    for kind, charv in (("ce", characteristic_a), ("se", characteristic_b)):
        if kind == "se" and n == 0:
            continue
        c = fourier_coefficients(n, q, kind)
        p = 0 if kind == "ce" and n % 2 == 0 else (1 if n % 2 else 2)
        h = 2 * np.arange(c.size) + p
        basis = np.cos if kind == "ce" else np.sin
        y2 = -(basis(np.outer(z, h)) * h**2) @ c
        y = (ce if kind == "ce" else se)(n, q, z)
        a = charv(n, q)
        res = y2 + (a - 2 * q * np.cos(2 * z)) * y
        assert np.abs(res).max() < 1e-11 * max(1.0, abs(a))


def test_dlmf_sign_convention_at_zero():
    # DLMF: ce_n(0, q) > 0 and se_n'(0, q) > 0 for q >= 0, checked where the value at 0 is
    # well above rounding; the code decides the sign at z = pi/2 instead.
    for q in [0.5, 5.0, 20.0]:
        for n in range(0, 16):
            v = ce(n, q, 0.0)
            if abs(v) > 1e-8:
                assert v > 0, (n, q, v)
            if n:
                d = se_prime(n, q, 0.0)
                if abs(d) > 1e-8:
                    assert d > 0, (n, q, d)


def test_negative_q_relations():
    z = np.array([0.05, 0.7, 1.9])
    for q in [3.0, 60.0]:
        for m in range(5):
            s = (-1) ** m
            np.testing.assert_allclose(ce(2 * m, -q, z), s * ce(2 * m, q, np.pi / 2 - z),
                                       atol=1e-13)
            np.testing.assert_allclose(ce(2 * m + 1, -q, z), s * se(2 * m + 1, q, np.pi / 2 - z),
                                       atol=1e-13)
            np.testing.assert_allclose(se(2 * m + 1, -q, z), s * ce(2 * m + 1, q, np.pi / 2 - z),
                                       atol=1e-13)
            np.testing.assert_allclose(se(2 * m + 2, -q, z), s * se(2 * m + 2, q, np.pi / 2 - z),
                                       atol=1e-13)


def test_large_q_sign_is_continuous():
    # the sign decided at pi/2 follows q continuously even where ce(0) underflows
    qs = np.linspace(50, 1500, 30)
    vals = np.array([ce(4, q, np.pi / 2) for q in qs])
    assert np.all(vals > 0)  # (-1)^2 ce_4(pi/2) > 0
    vals = np.array([se_prime(2, q, np.pi / 2) for q in qs])
    assert np.all(vals < 0)  # (-1)^(0+1) se_2'(pi/2) > 0


def test_against_mpmath():
    if not REFS.exists():
        pytest.skip("mpmath_references.json missing")
    data = json.loads(REFS.read_text())["functions"]
    fun = np.array([d[0] for d in data])
    n = np.array([d[1] for d in data])
    q = np.array([float(d[2]) for d in data])
    z = np.array([float(d[3]) for d in data])
    ref = np.array([float(d[4]) for d in data])
    dref = np.array([float(d[5]) for d in data])
    got = np.empty(ref.size)
    dgot = np.empty(ref.size)
    c = fun == "ce"
    got[c], dgot[c] = ce(n[c], q[c], z[c]), ce_prime(n[c], q[c], z[c])
    got[~c], dgot[~c] = se(n[~c], q[~c], z[~c]), se_prime(n[~c], q[~c], z[~c])
    assert np.abs(got - ref).max() <= 1e-12
    assert np.abs(dgot - dref).max() <= 1e-12 * max(1.0, np.abs(dref).max() / 10)


def test_validation():
    with pytest.raises(ValueError, match="kind"):
        fourier_coefficients(1, 1.0, "xe")
    with pytest.raises(ValueError, match="n"):
        se(0, 1.0, 0.3)
    with pytest.raises(ValueError, match="z"):
        ce(1, 1.0, np.nan)
    with pytest.raises(TypeError, match="n"):
        fourier_coefficients([1, 2], 1.0, "ce")


def test_broadcasting():
    out = ce(np.arange(3)[:, None, None], np.array([0.0, 2.0])[None, :, None],
             np.linspace(0, 1, 5))
    assert out.shape == (3, 2, 5)
    assert isinstance(ce(1, 2.0, 0.3), float)


@pytest.mark.parametrize("q", [1e-300, 1e-200, -1e-250, 1e-120])
def test_functions_at_tiny_q_are_the_q_zero_limit(q):
    """q so small that q^2 underflows (the fuzzer found ce(0, 1.6e-100...) raising
    IndexError): the functions are those of q = 0."""
    z = np.array([0.0, 0.3, 1.1])
    assert np.allclose(ce(0, q, z), np.sqrt(0.5), rtol=1e-15)
    assert np.allclose(ce(2, q, z), np.cos(2 * z), rtol=1e-15)
    assert np.allclose(se(1, q, z), np.sin(z), rtol=1e-15)
    assert np.allclose(se(2, q, z), np.sin(2 * z), rtol=1e-15)
