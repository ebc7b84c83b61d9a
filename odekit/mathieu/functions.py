"""Characteristic values, Fourier coefficients and periodic Mathieu functions.

Conventions follow DLMF chapter 28: the equation is y'' + (a - 2q cos 2z) y = 0 with z in
radians; ``ce_n`` / ``se_n`` are normalised to mean square 1/2 over a period
(DLMF 28.2.30) and carry DLMF's signs (continuity from ``cos nz`` / ``sin nz`` at q = 0;
see :func:`fourier_coefficients` for how the sign is fixed robustly at large q).
"""

from __future__ import annotations

import math

import numpy as np

from . import _hill

__all__ = [
    "characteristic_a",
    "characteristic_b",
    "fourier_coefficients",
    "ce",
    "se",
    "ce_prime",
    "se_prime",
]


# ----------------------------------------------------------------------------- validation
#: largest order accepted (the Hill matrix has about n + 10 rows; larger orders are refused)
MAX_ORDER = 100_000
#: largest |q| accepted (beyond it the truncation and the starting guesses are not trusted,
#: and the work grows like |q|^(1/4))
MAX_Q = 1e12


def _as_order(n, name, minimum):
    arr = np.asarray(n)
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an integer or an array of integers, got {n!r}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold whole numbers (the order of the function)")
        if np.any(np.abs(arr) > MAX_ORDER):
            raise ValueError(f"{name} must be <= {MAX_ORDER}, got {n!r}")
    arr = arr.astype(np.int64)
    if np.any(arr < minimum):
        raise ValueError(f"{name} must be >= {minimum}, got min {int(arr.min())}")
    if np.any(arr > MAX_ORDER):  # the Hill matrix has about n rows: bounded work
        raise ValueError(f"{name} must be <= {MAX_ORDER} (the Hill matrix grows with the "
                         f"order), got max {int(arr.max())}")
    return arr


def _as_real(x, name):
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real numbers, got {x!r}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (got NaN or inf)")
    if name == "q" and np.any(np.abs(arr) > MAX_Q):  # bounded work, trusted expansions
        raise ValueError(f"|q| must be <= {MAX_Q:g}, got max {float(np.abs(arr).max())!r}")
    return arr


def _out(arr, scalar):
    return float(arr) if scalar else arr


# ----------------------------------------------------------------------------- eigenvalues
def _characteristic(family, n, q, nmin):
    n_arr = _as_order(n, "n", nmin)
    q_arr = _as_real(q, "q")
    scalar = n_arr.ndim == 0 and q_arr.ndim == 0
    nb, qb = np.broadcast_arrays(n_arr, q_arr)
    kind, j = _hill.kind_and_index(family, nb.ravel(), qb.ravel())
    vals, _ = _hill.eigenvalues(kind, j, qb.ravel())
    if np.any(np.isnan(vals)):
        bad = np.flatnonzero(np.isnan(vals))[0]
        raise ArithmeticError(
            f"characteristic_{family}: truncation did not converge for n={nb.ravel()[bad]}, "
            f"q={qb.ravel()[bad]} (matrix size limit reached)")
    vals = vals.reshape(nb.shape)
    return _out(vals, scalar)


def characteristic_a(n, q):
    """Characteristic value a_n(q) of the even periodic Mathieu function ce_n.

    Parameters
    ----------
    n : int or array_like of int
        Order, n >= 0 (any size; orders in the hundreds are fine).
    q : float or array_like
        Real parameter (negative q handled exactly: the spectrum of each Hill class is
        evaluated with the signed q, which realises DLMF 28.2.26).

    Returns
    -------
    float or ndarray
        a_n(q), broadcast over ``n`` and ``q``.

    Notes
    -----
    The value is the eigenvalue of index n // 2 of the symmetric tridiagonal Hill matrix of the
    right parity class, found by Sturm counts (so the order cannot slip to a neighbour) and
    safeguarded Newton steps; the truncation is enlarged until the eigenvector tail is below
    1e-20.  Typical accuracy is a few units in the last place of max(1, |a|) * |q|-scale.

    Examples
    --------
    >>> from odekit.mathieu import characteristic_a
    >>> round(characteristic_a(0, 1.0), 10)     # DLMF Table 28.2 style value
    -0.4551386041
    >>> characteristic_a([0, 1, 2], 0.0)
    array([0., 1., 4.])
    """
    return _characteristic("a", n, q, 0)


def characteristic_b(n, q):
    """Characteristic value b_n(q) of the odd periodic Mathieu function se_n (n >= 1).

    Parameters
    ----------
    n : int or array_like of int
        Order, n >= 1.
    q : float or array_like
        Real parameter.

    Returns
    -------
    float or ndarray
        b_n(q), broadcast over ``n`` and ``q``.

    Examples
    --------
    >>> from odekit.mathieu import characteristic_b
    >>> round(characteristic_b(1, 1.0), 9)
    -0.110248817
    >>> round(characteristic_b(1, -1.0), 10)    # = a_1(1)
    1.8591080725
    """
    return _characteristic("b", n, q, 1)


# ----------------------------------------------------------------------------- coefficients
_KIND_OFFSET = {0: 0, 1: 1, 2: 1, 3: 2}  # harmonic of row 0 of each Hill class
_SIGN_WEIGHT = {0: False, 1: True, 2: False, 3: True}  # sign from derivative at pi/2


def _fix_sign(kind, j, c):
    """DLMF signs, decided at z = pi/2 where the function is large for q > 0.

    ce_{2m}(pi/2)(-1)^m > 0, ce'_{2m+1}(pi/2)(-1)^(m+1) > 0, se_{2m+1}(pi/2)(-1)^m > 0,
    se'_{2m+2}(pi/2)(-1)^(m+1) > 0.  Each of these is nonzero for every q >= 0 (at pi/2 the
    function is even or odd, so a zero there would make it vanish identically) and holds at
    q = 0, hence by continuity it is the same choice as DLMF's (ce_n(0, q) > 0,
    se_n'(0, q) > 0), but it is computed from the large part of the function instead of its
    exponentially small value at z = 0.
    """
    m = np.arange(c.size)
    alt = np.where(m % 2 == 0, 1.0, -1.0)
    w = (2 * m + _KIND_OFFSET[kind]).astype(float) if _SIGN_WEIGHT[kind] else 1.0
    s = np.sum(w * alt * c) * (1.0 if j % 2 == 0 else -1.0)
    return -c if s < 0 else c


def _coefficients(kind, j, q):
    """DLMF 28.4 coefficients of class ``kind``, index j, q >= 0 (array indexed by m)."""
    a, u = _hill.eigenvector(kind, j, q)
    c = u.copy()
    if kind == 0:
        c[0] = u[0] / math.sqrt(2.0)
    return a, _fix_sign(kind, j, c)


def _kind_for_function(fun, n, q):
    """(kind at |q|, j, sign pattern flag) for ce/se of order n at q (DLMF 28.2.34-37)."""
    if fun == "ce":
        if n % 2 == 0:
            return 0, n // 2
        return (1 if q >= 0 else 2), (n - 1) // 2
    if n % 2 == 1:
        return (2 if q >= 0 else 1), (n - 1) // 2
    return 3, n // 2 - 1


def _coeffs_signed(fun, n, q):
    kind, j = _kind_for_function(fun, n, q)
    a, c = _coefficients(kind, j, abs(q))
    if q < 0:
        # ce_{2j+p}(z, -q) = (-1)^j [ce|se]_{2j+p}(pi/2 - z, q): coefficient m picks up
        # (-1)^(j + m) (DLMF 28.2.34-37 expanded in the Fourier basis)
        m = np.arange(c.size)
        c = c * np.where((j + m) % 2 == 0, 1.0, -1.0)
    offset = {("ce", 0): 0, ("ce", 1): 1, ("se", 1): 1, ("se", 0): 2}[(fun, n % 2)]
    return c, offset


def fourier_coefficients(n, q, kind):
    """Fourier coefficients of ce_n(z, q) or se_n(z, q) in DLMF 28.4's indexing.

    Parameters
    ----------
    n : int
        Order (n >= 0 for "ce", n >= 1 for "se").
    q : float
        Real parameter.
    kind : {"ce", "se"}
        Which function.

    Returns
    -------
    ndarray, shape (M,)
        Element m is the coefficient of harmonic 2m + p, p = n mod 2 for "ce" and for odd
        "se", p = 2 for even "se":

        * ce_{2k}: A_{2m}^{2k}(q), ce = sum_m A_{2m} cos 2mz (2 A_0^2 + sum_{m>=1} A_{2m}^2 = 1)
        * ce_{2k+1}: A_{2m+1}^{2k+1}(q), cos (2m+1)z
        * se_{2k+1}: B_{2m+1}^{2k+1}(q), sin (2m+1)z
        * se_{2k+2}: B_{2m+2}^{2k+2}(q), sin (2m+2)z

        M is the truncation (the last entries are below 1e-20 of the largest).

    Notes
    -----
    The sign follows DLMF: ce_n(0, q) > 0 and se_n'(0, q) > 0 for q >= 0, continued from
    cos nz / sin nz.  It is decided at z = pi/2 (see the module notes), where the function
    is not exponentially small.  For q < 0 the coefficients come from DLMF 28.2.34-37.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu import fourier_coefficients
    >>> A = fourier_coefficients(0, 1.0, "ce")
    >>> bool(abs(2 * A[0]**2 + np.sum(A[1:]**2) - 1) < 1e-15)
    True
    >>> np.round(fourier_coefficients(1, 0.0, "se")[:3], 12)
    array([1., 0., 0.])
    """
    if kind not in ("ce", "se"):
        raise ValueError(f"kind must be 'ce' or 'se', got {kind!r}")
    n_arr = _as_order(n, "n", 0 if kind == "ce" else 1)
    if n_arr.ndim != 0:
        raise TypeError("fourier_coefficients: n must be a single integer")
    q_arr = _as_real(q, "q")
    if q_arr.ndim != 0:
        raise TypeError("fourier_coefficients: q must be a single real number")
    c, _ = _coeffs_signed(kind, int(n_arr), float(q_arr))
    return c


# ----------------------------------------------------------------------------- functions
def _evaluate(fun, n, q, z, derivative):
    n_arr = _as_order(n, "n", 0 if fun == "ce" else 1)
    q_arr = _as_real(q, "q")
    z_arr = _as_real(z, "z")
    scalar = n_arr.ndim == 0 and q_arr.ndim == 0 and z_arr.ndim == 0
    nb, qb, zb = np.broadcast_arrays(n_arr, q_arr, z_arr)
    nf, qf, zf = nb.ravel(), qb.ravel(), zb.ravel()
    out = np.empty(zf.size)
    if zf.size:
        keys = np.stack([nf.astype(np.float64), qf])
        uniq, inverse = np.unique(keys, axis=1, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(uniq.shape[1] + 1))
        for g in range(uniq.shape[1]):
            idx = order[bounds[g]:bounds[g + 1]]
            c, p = _coeffs_signed(fun, int(uniq[0, g]), float(uniq[1, g]))
            keep = np.flatnonzero(np.abs(c) > 1e-22 * np.abs(c).max())
            c = c[: keep[-1] + 1]
            h = 2.0 * np.arange(c.size) + p
            arg = np.multiply.outer(zf[idx], h)
            if fun == "ce":
                basis = -h * np.sin(arg) if derivative else np.cos(arg)
            else:
                basis = h * np.cos(arg) if derivative else np.sin(arg)
            out[idx] = basis @ c
    out = out.reshape(nb.shape)
    return _out(out, scalar)


def ce(n, q, z):
    """Even periodic Mathieu function ce_n(z, q) (DLMF 28.2.(vi) normalisation and sign).

    Parameters
    ----------
    n : int or array_like of int
        Order, n >= 0.
    q : float or array_like
        Real parameter.
    z : float or array_like
        Argument in radians.

    Returns
    -------
    float or ndarray
        Broadcast over n, q, z.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.mathieu import ce
    >>> bool(abs(ce(0, 0.0, 0.3) - 1 / np.sqrt(2)) < 1e-15)
    True
    >>> round(ce(1, 1.0, 0.0), 10)
    0.8565984656
    """
    return _evaluate("ce", n, q, z, False)


def se(n, q, z):
    """Odd periodic Mathieu function se_n(z, q), n >= 1 (DLMF normalisation and sign).

    Examples
    --------
    >>> from odekit.mathieu import se
    >>> import math
    >>> abs(se(1, 0.0, 0.5) - math.sin(0.5)) < 1e-15
    True
    """
    return _evaluate("se", n, q, z, False)


def ce_prime(n, q, z):
    """z-derivative of ce_n(z, q).

    Examples
    --------
    >>> from odekit.mathieu import ce_prime
    >>> import math
    >>> abs(ce_prime(2, 0.0, 0.25) + 2 * math.sin(0.5)) < 1e-14
    True
    """
    return _evaluate("ce", n, q, z, True)


def se_prime(n, q, z):
    """z-derivative of se_n(z, q).

    Examples
    --------
    >>> from odekit.mathieu import se_prime
    >>> se_prime(1, 2.0, 0.0) > 0        # DLMF sign convention
    True
    """
    return _evaluate("se", n, q, z, True)
