"""Butcher tableaux as data, and the arrays the compiled stepper reads.

One generic stepper (:mod:`odekit.integrate._template`) runs every method; a method is just
the arrays of a :class:`Tableau`:

``A`` (S, S), ``c`` (S,)
    Coefficients of all S stages: the ``s`` main stages, the first-same-as-last (FSAL)
    stage ``f(t + h, y_new)`` when the method has one (row ``s``, equal to ``b``), and the
    extra stages of the dense output (DOP853 has three).
``b`` (s,)
    Weights of the propagated solution.
``E``, ``E3`` (s + 1,)
    Error-estimate weights, applied to the s stages and the FSAL stage. ``E3`` is DOP853's
    second (3rd-order) estimate, combined with ``E`` as in Hairer's code; zeros otherwise.
``P`` (S, D)
    Dense output in the monomial basis:
    ``y(t + θh) = y + h Σ_i K_i Σ_d P[i, d] θ^(d+1)``, θ in [0, 1].

Sources of the numbers: Dormand & Prince (1980) and Shampine's dense output (1986) for
RK45; Hairer, Nørsett & Wanner, *Solving Ordinary Differential Equations I* (2nd ed.,
1993) and Hairer's ``dop853.f`` for DOP853 (the published coefficients that SciPy ships
too); Kutta (1901) for the classic RK4 with its cubic continuous extension.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import polynomial as npoly

from . import _dop853_coefficients as _d853

__all__ = ["Tableau", "TABLEAUX", "get_tableau", "METHODS"]

ERR_NONE, ERR_STANDARD, ERR_DOP853 = 0, 1, 2
_KERNEL_ARRAYS: dict = {}


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge–Kutta method as data (see the module docstring)."""

    name: str
    order: int
    error_order: int  # order of the embedded error estimate (0: fixed step, no estimate)
    n_stages: int  # s: main stages
    fsal: bool
    A: np.ndarray
    c: np.ndarray
    b: np.ndarray
    E: np.ndarray
    E3: np.ndarray
    P: np.ndarray
    err_mode: int

    @property
    def n_total(self) -> int:
        """All stages, FSAL and dense-output stages included."""
        return self.A.shape[0]

    @property
    def dense_degree(self) -> int:
        return self.P.shape[1]

    def kernel_arrays(self):
        """(A, c, b, E, E3, P, ints, err_exp): the arguments the compiled stepper takes."""
        cached = _KERNEL_ARRAYS.get(self.name)
        if cached is not None:
            return cached
        ints = np.array([self.n_stages, self.n_total, int(self.fsal), self.err_mode,
                         self.dense_degree], dtype=np.int64)
        err_exp = -1.0 / (self.error_order + 1) if self.error_order > 0 else 0.0
        out = (self.A, self.c, self.b, self.E, self.E3, self.P, ints, err_exp)
        _KERNEL_ARRAYS[self.name] = out
        return out


def _rk4() -> Tableau:
    A = np.zeros((4, 4))
    A[1, 0] = 0.5
    A[2, 1] = 0.5
    A[3, 2] = 1.0
    c = np.array([0.0, 0.5, 0.5, 1.0])
    b = np.array([1 / 6, 1 / 3, 1 / 3, 1 / 6])
    # cubic continuous extension (third order, matches b at θ = 1)
    P = np.array([[1.0, -1.5, 2 / 3],
                  [0.0, 1.0, -2 / 3],
                  [0.0, 1.0, -2 / 3],
                  [0.0, -0.5, 2 / 3]])
    z = np.zeros(5)
    return Tableau("RK4", 4, 0, 4, False, A, c, b, z, z.copy(), P, ERR_NONE)


def _rk45() -> Tableau:
    A = np.zeros((7, 7))
    A[1, :1] = [1 / 5]
    A[2, :2] = [3 / 40, 9 / 40]
    A[3, :3] = [44 / 45, -56 / 15, 32 / 9]
    A[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
    A[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
    b = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])
    A[6, :6] = b
    c = np.array([0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1])
    E = np.array([-71 / 57600, 0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40])
    # Shampine's 4th-order dense output (optimum c6), monomial basis
    P = np.array([
        [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0, 0, 0, 0],
        [0, 131558114200 / 32700410799, -68118460800 / 10900136933,
         87487479700 / 32700410799],
        [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0, 127303824393 / 49829197408, -318862633887 / 49829197408,
         701980252875 / 199316789632],
        [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423]])
    return Tableau("RK45", 5, 4, 6, True, A, c, b, E, np.zeros(7), P, ERR_STANDARD)


def _dop853() -> Tableau:
    A = _d853.A.copy()
    c = _d853.C.copy()
    b = _d853.B.copy()
    S = A.shape[0]
    # Hairer's dense output: with F0 = Δy, F1 = hK0 − Δy, F2 = 2Δy − h(K0 + K12),
    # F3..F6 = h D K, the interpolant is
    # y(x) − y0 = x(F0 + (1−x)(F1 + x(F2 + (1−x)(F3 + x(F4 + (1−x)(F5 + x F6)))))).
    # Every F_k is linear in the stages: F_k = h Σ_i W[k, i] K_i; expand into monomials.
    W = np.zeros((7, S))
    W[0, :12] = b
    W[1, 0] = 1.0
    W[1, :12] -= b
    W[2, :12] = 2 * b
    W[2, 0] -= 1.0
    W[2, 12] -= 1.0
    W[3:] = _d853.D
    x = np.array([0.0, 1.0])
    omx = np.array([1.0, -1.0])
    P = np.zeros((S, 7))
    for i in range(S):
        poly = np.array([W[6, i]])
        for k in range(5, -1, -1):
            poly = npoly.polymul(poly, x if (k % 2 == 1) else omx)
            poly = npoly.polyadd(poly, [W[k, i]])
        poly = npoly.polymul(poly, x)
        poly = np.pad(poly, (0, 8 - poly.size))
        P[i] = poly[1:8]
    return Tableau("DOP853", 8, 7, 12, True, A, c, b, _d853.E5.copy(), _d853.E3.copy(), P,
                   ERR_DOP853)


TABLEAUX = {"RK4": _rk4(), "RK45": _rk45(), "DOP853": _dop853()}
METHODS = tuple(TABLEAUX)


def get_tableau(method: str) -> Tableau:
    """The tableau of ``method`` ("RK4", "RK45" or "DOP853")."""
    if not isinstance(method, str) or method not in TABLEAUX:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return TABLEAUX[method]
