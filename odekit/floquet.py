"""Floquet theory for linear periodic systems y' = A(t) y.

The monodromy matrix M maps a state at t0 to the state one period later; its eigenvalues are
the Floquet multipliers rho, and every solution is bounded for all time when all |rho| < 1
(or |rho| = 1 with a full set of eigenvectors).  For a Hamiltonian system det M = 1.

Examples
--------
>>> import numpy as np
>>> from odekit.floquet import monodromy, multipliers
>>> def oscillator(t, y, p):                 # y'' + y = 0 over its own period
...     return np.array([y[1], -y[0]])
>>> M = monodromy(oscillator, 2 * np.pi, 2, rtol=1e-10, atol=1e-12)
>>> np.allclose(M, np.eye(2), atol=1e-8)
True
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["monodromy", "multipliers", "exponents"]


def monodromy(fun, period, dim, *, params=(), t0=0.0, rtol=1e-10, atol=1e-12,
              method="DOP853", max_steps=100_000):
    """Monodromy matrix of the linear periodic system y' = A(t) y written as ``fun``.

    Parameters
    ----------
    fun : callable
        Right-hand side ``fun(t, y, p)`` (or the in-place ``fun(t, y, p, dydt)``) of a
        *linear* system with A(t + period) = A(t).
    period : float
        The period T > 0.
    dim : int
        Dimension n of the state.
    params : array_like, optional
        Parameter vector passed to ``fun`` as ``p``.
    t0 : float
        Start of the period.
    rtol, atol : float
        Tolerances of the integrations (one per column of M, run in parallel).
    method : str
        Core integrator ("DOP853" or "RK45").
    max_steps : int
        Step limit per column.

    Returns
    -------
    ndarray, shape (dim, dim)
        M with column k the state at t0 + T of the solution starting from e_k at t0.

    Raises
    ------
    odekit.IntegrationError
        If an integration fails.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.floquet import monodromy
    >>> def decay(t, y, p):
    ...     return np.array([-p[0] * y[0]])
    >>> M = monodromy(decay, 1.0, 1, params=[2.0])
    >>> bool(abs(M[0, 0] - np.exp(-2.0)) < 1e-8)
    True
    """
    from .integrate import solve_ensemble

    period = float(period)
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"period must be a finite positive number, got {period!r}")
    if isinstance(dim, bool) or int(dim) != dim or int(dim) < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    dim = int(dim)
    if not callable(fun):
        raise TypeError("fun must be callable fun(t, y, p) returning dy/dt")
    t0 = float(t0)
    p = np.asarray(params, dtype=np.float64).ravel()
    res = solve_ensemble(fun, (t0, t0 + period), np.eye(dim), params=p, method=method,
                         rtol=rtol, atol=atol, max_steps=max_steps)
    return np.ascontiguousarray(res.y[:, :, -1].T)


def multipliers(M):
    """Floquet multipliers: the eigenvalues of the monodromy matrix.

    Parameters
    ----------
    M : array_like, shape (n, n)

    Returns
    -------
    ndarray of complex, shape (n,)
        Sorted by decreasing modulus.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.floquet import multipliers
    >>> multipliers(np.diag([0.5, 2.0]))
    array([2. +0.j, 0.5+0.j])
    """
    M = np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"M must be a square matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("M must be finite")
    rho = np.linalg.eigvals(M).astype(complex)
    return rho[np.argsort(-np.abs(rho), kind="stable")]


def exponents(M, period):
    """Floquet (characteristic) exponents mu = log(rho) / T, principal branch.

    Solutions behave like exp(mu t) times a T-periodic function; Re mu is the growth rate.

    Parameters
    ----------
    M : array_like, shape (n, n)
        Monodromy matrix.
    period : float
        The period T.

    Returns
    -------
    ndarray of complex, shape (n,)
        In the order of :func:`multipliers`.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.floquet import exponents
    >>> np.round(exponents(np.diag([np.e, 1.0]), 1.0).real, 12)
    array([1., 0.])
    """
    period = float(period)
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"period must be a finite positive number, got {period!r}")
    rho = multipliers(M)
    if np.any(rho == 0):
        raise ValueError("M is singular: a zero multiplier has no exponent")
    return np.log(rho) / period
