r"""Exact results of geometric probability.

The central result (Su Jianlin, https://kexue.fm/archives/9324; the spacings law goes back
to Stevens 1939): n points chosen independently and uniformly in a disk lie in one closed
sector of central angle :math:`\theta` with probability

.. math::

    P_n(\theta) = \sum_{k \ge 1,\; kx < 1} (-1)^{k-1} \binom{n}{k} (1 - kx)^{n-1},
    \qquad x = 1 - \frac{\theta}{2\pi},

which is :math:`n(\theta/2\pi)^{n-1}` for :math:`\theta \le \pi` and 1 for
:math:`\theta \ge 2\pi(1 - 1/n)`. See ``docs/geoprob.rst`` for the derivation.

Numerical evaluation
--------------------
The alternating sum cancels catastrophically for large n (its largest term is about
:math:`2^{0.4 n}` while the result lies in [0, 1]), so :func:`sector_probability` picks,
per value:

1. the closed forms where they apply;
2. the float64 sum, when a running bound on its rounding error is below 1e-14;
3. otherwise an exact-arithmetic evaluation: :math:`x` is formed from the float ``theta``
   and a 63-digit :math:`\pi` as a 128-bit dyadic rational :math:`x'` (so every
   :math:`1 - kx'` is exact), each power :math:`(1 - kx')^{n-1}` is computed in binary
   floating point on Python integers with a per-term precision of
   :math:`\log_2(\text{term}) + \log_2 n + 106` bits, multiplied by the exact integer
   binomial and accumulated exactly in fixed point with 96 fraction bits. Terms below
   :math:`2^{-86}` are skipped. The absolute error is below 1e-20 plus the effect of
   :math:`|x' - x| < 2^{-128}`, far below the 1e-12 target, for every n.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from functools import lru_cache

import numpy as np

__all__ = [
    "sector_probability",
    "sector_probability_exact",
    "wendel_probability",
    "wendel_probability_exact",
    "sylvester_probability",
    "buffon_probability",
    "mean_distance_value",
    "TRIANGLE_CONTAINS_CENTRE",
]

TWO_PI = 2.0 * math.pi

# pi to 63 significant digits (a constant of mathematics, not of any implementation).
_PI = Fraction("3.14159265358979323846264338327950288419716939937510582097494459")
_XBITS = 128  # x is carried as the exact dyadic X / 2**_XBITS
_FBITS = 96  # fraction bits of the fixed-point accumulator
#: work bounds of :func:`sector_probability` (larger requests raise ValueError instead of
#: running for minutes or exhausting memory): terms of the sum, and the exact-arithmetic
#: work (terms x bits; 2e8 is a few seconds)
SECTOR_MAX_TERMS = 1_000_000
#: bound on the exact (Fraction) results' work: terms x bits per term
EXACT_MAX_BITS = 2e8
SECTOR_MAX_BIGINT_WORK = 2e8

#: Probability that the triangle of three uniform points in a disk contains the centre.
TRIANGLE_CONTAINS_CENTRE = 0.25


# ----------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------
def _check_n_array(n, name="n", minimum=1):
    """Return ``n`` as an int64 array, or raise naming the argument."""
    if isinstance(n, (str, bytes)) or n is None:
        raise TypeError(f"{name} must be an integer >= {minimum}, got {n!r}")
    if isinstance(n, bool) or (isinstance(n, np.ndarray) and n.dtype == bool):
        raise TypeError(f"{name} must be an integer >= {minimum}, got a boolean")
    if isinstance(n, numbers.Integral) and not (minimum <= int(n) <= 2**62):
        raise ValueError(f"{name} must be an integer >= {minimum} (and <= 2**62), got {n!r}")
    try:
        arr = np.asarray(n)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name} must be an integer >= {minimum}, got {n!r}") from exc
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an integer >= {minimum}, got {n!r}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be a finite integer >= {minimum}, got {n!r}")
        if not np.all(arr == np.floor(arr)):
            raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
        if np.any(np.abs(arr) > 2**62):
            raise ValueError(f"{name} is too large: {n!r}")
    if np.any(arr < minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n!r}")
    return arr.astype(np.int64)


def _check_int(n, name="n", minimum=1) -> int:
    arr = _check_n_array(n, name, minimum)
    if arr.ndim != 0:
        raise TypeError(f"{name} must be a scalar integer >= {minimum}, got {n!r}")
    return int(arr)


def _check_theta_array(theta, name="theta"):
    if isinstance(theta, (str, bytes)) or theta is None or isinstance(theta, bool):
        raise TypeError(f"{name} must be a real number in [0, 2*pi] (radians), got {theta!r}")
    try:
        arr = np.asarray(theta, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a real number in [0, 2*pi] (radians), got {theta!r}"
        ) from exc
    if np.any(np.isnan(arr)):
        raise ValueError(f"{name} must be in [0, 2*pi] (radians), got NaN")
    if np.any(arr < 0.0) or np.any(arr > TWO_PI):
        raise ValueError(f"{name} must be in [0, 2*pi] (radians), got {theta!r}")
    return arr


# ----------------------------------------------------------------------------------------
# the sector probability
# ----------------------------------------------------------------------------------------
def _pow_float(mant: int, expo: int, e: int, prec: int):
    """(mant * 2**expo) ** e in binary floating point with ``prec``-bit mantissas.

    Returns (M, E) with M * 2**E within relative error about 2 e 2**-prec of the power.
    """
    rm, re_ = 1, 0
    bm, be = mant, expo
    s = bm.bit_length() - prec
    if s > 0:
        bm >>= s
        be += s
    while True:
        if e & 1:
            rm *= bm
            re_ += be
            s = rm.bit_length() - prec
            if s > 0:
                rm >>= s
                re_ += s
        e >>= 1
        if not e:
            return rm, re_
        bm *= bm
        be *= 2
        s = bm.bit_length() - prec
        if s > 0:
            bm >>= s
            be += s


def _x_dyadic(theta: float) -> int:
    """X with X / 2**128 = 1 - theta / (2 pi) rounded to 128 fraction bits."""
    fr = 1 - Fraction(theta) / (2 * _PI)
    return round(fr * (1 << _XBITS))


def _log2_terms(n: int, X: int, kmax: int):
    one = 1 << _XBITS
    k = np.arange(1, kmax + 1, dtype=np.float64)
    y = np.array([(one - kk * X) / one for kk in range(1, kmax + 1)])  # each > 0
    with np.errstate(divide="ignore"):
        lb = (
            np.vectorize(math.lgamma, otypes=[float])(n + 1.0)
            - np.vectorize(math.lgamma, otypes=[float])(k + 1.0)
            - np.vectorize(math.lgamma, otypes=[float])(n - k + 1.0)
        ) / math.log(2.0) + (n - 1) * np.log2(y)
    return k, y, lb


@lru_cache(maxsize=4096)
def _sector_scalar(n: int, theta: float) -> float:
    if n == 1:
        return 1.0
    X = _x_dyadic(theta)
    one = 1 << _XBITS
    if 2 * X >= one:  # theta <= pi: one term
        t = theta / TWO_PI
        return min(1.0, n * t ** (n - 1))
    if n * X <= one:  # theta >= 2 pi (1 - 1/n)
        return 1.0
    K = (one - 1) // X  # number of k >= 1 with k x < 1
    if K > SECTOR_MAX_TERMS:
        raise ValueError(
            f"sector_probability(n={n}, theta={theta!r}) needs {K} terms of the alternating "
            f"sum (more than {SECTOR_MAX_TERMS}: theta this close to 2*pi with n this large "
            "is refused rather than computed for minutes); use sector_probability_mc, or "
            "note that P -> 1 as theta -> 2*pi (1 - 1/n)")
    x = X / one
    k, y, lb = _log2_terms(n, X, K)
    # float64 path, if a bound on its rounding error (including that of x itself) is tiny
    # and no binomial or power leaves the normal float range
    logc = lb - (n - 1) * np.log2(y)
    if logc.max() < 1000.0 and np.min(np.where(lb > -200.0, (n - 1) * np.log2(y), 0.0)) > -1000.0:
        with np.errstate(over="ignore"):
            terms = np.exp2(lb)
            bound = 2.0**-52 * float(np.sum(terms * (4.0 + (n - 1) * (1.0 + k * x / y))))
        if bound < 1e-14:
            signs = np.where(k % 2 == 1, 1.0, -1.0)
            comb = np.array([float(math.comb(n, int(kk))) for kk in k])
            with np.errstate(under="ignore"):
                val = float(np.sum(signs * comb * y ** (n - 1)))
            return min(1.0, max(0.0, val))
    work = K * (max(float(lb.max()), 0.0) + _FBITS)
    if work > SECTOR_MAX_BIGINT_WORK:
        raise ValueError(
            f"sector_probability(n={n}, theta={theta!r}) needs exact arithmetic on {K} terms "
            f"of up to {int(lb.max())} bits (an estimated {work:.2g} bit-terms, more than "
            f"the bound {SECTOR_MAX_BIGINT_WORK:.0e}, i.e. minutes); refused: use "
            "sector_probability_mc for this (n, theta)")
    return _sector_bigint(n, X, lb)


def _sector_bigint(n: int, X: int, lb) -> float:
    one = 1 << _XBITS
    guard = _FBITS + 10 + int(math.log2(n)) + 2
    acc = 0
    binom = 1
    for k in range(1, len(lb) + 1):
        binom = binom * (n - k + 1) // k
        lk = lb[k - 1]
        if lk < -(_FBITS - 10):
            continue
        Y = one - k * X
        prec = max(int(lk), 0) + guard
        M, E = _pow_float(Y, -_XBITS, n - 1, prec)
        term = binom * M
        sh = E + _FBITS
        term = term << sh if sh >= 0 else term >> (-sh)
        acc = acc + term if k % 2 == 1 else acc - term
    val = acc / (1 << _FBITS)
    return min(1.0, max(0.0, val))


def sector_probability(n, theta):
    r"""Probability that ``n`` uniform points in a disk lie in one sector of angle ``theta``.

    Parameters
    ----------
    n : int or array_like of int
        Number of points, >= 1.
    theta : float or array_like
        Central angle of the sector in radians, in [0, 2*pi]. ``n`` and ``theta`` broadcast.

    Returns
    -------
    float or numpy.ndarray
        :math:`P_n(\theta)`, accurate to about 1e-13 absolute for every ``n`` (exact
        arithmetic is used where the alternating sum would lose digits; see the module
        docstring). A float for scalar input, else an array of the broadcast shape.

    Raises
    ------
    ValueError
        ``n`` < 1 or not an integer; ``theta`` outside [0, 2*pi] or NaN; or a request
        whose exact sum would run for minutes (more than ``SECTOR_MAX_TERMS`` terms, or
        more exact-arithmetic work than ``SECTOR_MAX_BIGINT_WORK``: theta within a few
        2*pi/n of 2*pi with n in the tens of thousands): use the Monte-Carlo estimate.

    Notes
    -----
    Only the angles of the points matter; they share a closed sector of angle
    :math:`\theta` exactly when the largest circular gap between consecutive angles is at
    least :math:`2\pi - \theta`. See https://kexue.fm/archives/9324 and Stevens (1939).

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.geoprob import sector_probability
    >>> sector_probability(4, np.pi)          # four ducks in one half of a pond
    0.5
    >>> sector_probability(3, [np.pi / 2, 2 * np.pi])
    array([0.1875, 1.    ])
    """
    n_arr = _check_n_array(n)
    th_arr = _check_theta_array(theta)
    nb, tb = np.broadcast_arrays(n_arr, th_arr)
    out = np.empty(nb.shape, dtype=np.float64)
    for idx in np.ndindex(nb.shape):
        out[idx] = _sector_scalar(int(nb[idx]), float(tb[idx]))
    if out.ndim == 0:
        return float(out)
    return out


def sector_probability_exact(n, fraction) -> Fraction:
    r"""Exact sector probability for a rational sector fraction :math:`\theta / 2\pi`.

    Parameters
    ----------
    n : int
        Number of points, >= 1.
    fraction : fractions.Fraction or int
        The sector's share of the full turn, :math:`\theta / 2\pi`, in [0, 1]. Floats are
        refused (pass ``Fraction(value)`` to use a float's exact binary value).

    Returns
    -------
    fractions.Fraction

    Examples
    --------
    >>> from fractions import Fraction
    >>> from odekit.geoprob import sector_probability_exact
    >>> sector_probability_exact(4, Fraction(1, 2))
    Fraction(1, 2)
    >>> sector_probability_exact(3, Fraction(3, 5))
    Fraction(24, 25)
    """
    n = _check_int(n)
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Rational):
        raise TypeError(
            f"fraction must be a fractions.Fraction (theta / 2 pi) in [0, 1], got {fraction!r}"
        )
    t = Fraction(fraction)
    if t < 0 or t > 1:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    if n == 1:
        return Fraction(1)
    x = 1 - t
    if x == 0 or n * x <= 1:
        return Fraction(1)  # theta >= 2 pi (1 - 1/n): certain
    terms = min(n, math.ceil(1 / x))
    bits = terms * (n - 1) * (x.denominator.bit_length() + 1)
    if bits > EXACT_MAX_BITS:
        raise ValueError(
            f"sector_probability_exact(n={n}, {fraction}) would add {terms} fractions of about "
            f"{(n - 1) * (x.denominator.bit_length() + 1)} bits (more than {EXACT_MAX_BITS:.0e} "
            "bits in all); refused as unbounded work: use sector_probability (float)")
    total = Fraction(0)
    k = 1
    while k <= n and k * x < 1:
        term = math.comb(n, k) * (1 - k * x) ** (n - 1)
        total += term if k % 2 == 1 else -term
        k += 1
    return total


# ----------------------------------------------------------------------------------------
# the classics
# ----------------------------------------------------------------------------------------
def wendel_probability_exact(n, d) -> Fraction:
    r"""Wendel (1962): ``n`` uniform points on :math:`S^{d-1}` lie in some hemisphere.

    :math:`2^{1-n} \sum_{k<d} \binom{n-1}{k}`, as an exact Fraction.

    Examples
    --------
    >>> from odekit.geoprob import wendel_probability_exact
    >>> wendel_probability_exact(4, 3)
    Fraction(7, 8)
    """
    n = _check_int(n, "n")
    d = _check_int(d, "d")
    if d >= n:
        return Fraction(1)  # the sum runs over every k < n: 2^(n-1) / 2^(n-1)
    if d * n > EXACT_MAX_BITS:
        raise ValueError(f"wendel_probability_exact(n={n}, d={d}) would sum {d} binomials of "
                         f"about {n} bits (more than {EXACT_MAX_BITS:.0e} bits in all); refused "
                         "as unbounded work")
    return Fraction(sum(math.comb(n - 1, k) for k in range(d)), 2 ** (n - 1))


def wendel_probability(n, d) -> float:
    """Float value of :func:`wendel_probability_exact`.

    Examples
    --------
    >>> from odekit.geoprob import wendel_probability
    >>> wendel_probability(3, 2)
    0.75
    """
    return float(wendel_probability_exact(n, d))


_SYLVESTER = {
    "disk": 1.0 - 35.0 / (12.0 * math.pi**2),
    "triangle": 2.0 / 3.0,
    "square": 25.0 / 36.0,
}


def _check_shape(shape, allowed):
    if not isinstance(shape, str) or shape not in allowed:
        raise ValueError(f"shape must be one of {sorted(allowed)}, got {shape!r}")
    return shape


def sylvester_probability(shape: str) -> float:
    r"""Sylvester's four-point problem: four uniform points in ``shape`` are in convex position.

    ``"disk"``: :math:`1 - 35/(12\pi^2)`; ``"triangle"``: 2/3; ``"square"``: 25/36.

    Examples
    --------
    >>> from odekit.geoprob import sylvester_probability
    >>> round(sylvester_probability("square"), 6)
    0.694444
    """
    return _SYLVESTER[_check_shape(shape, _SYLVESTER)]


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive real number, got {value!r}")
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


def buffon_probability(length, spacing) -> float:
    r"""Buffon's needle: a needle of ``length`` L dropped on lines ``spacing`` d apart crosses one.

    :math:`2L/(\pi d)` for :math:`L \le d`; for a long needle
    :math:`1 + \frac{2}{\pi d}\left(L - \sqrt{L^2 - d^2} - d \arcsin(d/L)\right)`.

    Examples
    --------
    >>> import math
    >>> from odekit.geoprob import buffon_probability
    >>> buffon_probability(1.0, 2.0) == 1 / math.pi
    True
    """
    L = _check_positive(length, "length")
    d = _check_positive(spacing, "spacing")
    if L <= d:
        return 2.0 / math.pi * (L / d)  # (not 2 L / (pi d): 2 L or pi d may overflow)
    # 1 + 2/(pi d) (L - sqrt(L^2 - d^2) - d asin(d/L)), with L - sqrt(L^2 - d^2) written
    # as d^2 / (L + sqrt(L^2 - d^2)): no 0 * inf for a tiny spacing, no cancellation
    r = d / L
    return 1.0 + 2.0 / math.pi * (r / (1.0 + math.sqrt((1.0 - r) * (1.0 + r)))
                                  - math.asin(r))


_MEAN_DISTANCE = {
    "disk": 128.0 / (45.0 * math.pi),
    "square": (2.0 + math.sqrt(2.0) + 5.0 * math.log(1.0 + math.sqrt(2.0))) / 15.0,
}


def mean_distance_value(shape: str) -> float:
    r"""Mean distance between two uniform points in the unit disk (radius 1) or unit square.

    ``"disk"``: :math:`128/(45\pi)`; ``"square"``: :math:`(2 + \sqrt2 + 5\ln(1+\sqrt2))/15`.

    Examples
    --------
    >>> from odekit.geoprob import mean_distance_value
    >>> round(mean_distance_value("disk"), 6)
    0.905415
    """
    return _MEAN_DISTANCE[_check_shape(shape, _MEAN_DISTANCE)]
