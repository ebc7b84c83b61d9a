"""The method registry: Butcher tableaux as data, checked on construction.

One generic stepper runs every explicit method; a method is just the arrays of a
:class:`Tableau`, registered here with one line (``register(...)``). The registry feeds the
method lists of :func:`odekit.solve_ivp` and :func:`odekit.solve_ensemble`, their error
messages, the documentation (:func:`method_table`) and the tableau tests, which loop over it.

Array layout (0-based stage indices; S stages in all):

``A`` (S, S), ``c`` (S,)
    Coefficients of all S stages: the ``s`` main stages, then stage ``s`` = ``f(t + h,
    y_new)`` (row ``s`` of ``A`` equal to ``b``, ``c_s = 1``) when the method has one, then
    the extra stages of the dense output. ``fsal`` says whether stage ``s`` is part of
    every step (it is then reused as the next step's first stage: first same as last);
    otherwise it is the first dense-output stage, computed only when dense output is needed.
``b`` (s,)
    Weights of the propagated solution.
``E``, ``E3`` (s + 1,)
    Error-estimate weights on the s stages and stage ``s``: ``E = bhat - b`` with ``bhat`` the
    embedded lower-order solution (``E[s] = 0`` unless the method is FSAL). ``E3`` is DOP853's
    second (3rd-order) estimate, combined with ``E`` as in Hairer's code; zeros otherwise.
``P`` (S, D)
    Dense output in the monomial basis:
    ``y(t + θh) = y + h Σ_i K_i Σ_d P[i, d] θ^(d+1)``, θ in [0, 1].

The step-size exponent is ``-1/(error_order + 1)``: the order of the embedded solution,
the lower of the pair, drives the controller (as in Hairer's codes and SciPy).

Sources: Dormand & Prince (1980) and Shampine's dense output (1986) for RK45; Hairer,
Nørsett & Wanner, *Solving Ordinary Differential Equations I* (2nd ed., 1993) and Hairer's
``dop853.f`` for DOP853 (the published coefficients that SciPy ships too); Kutta (1901) for
the classic RK4 with its cubic continuous extension; the newer pairs cite their sources in
their data modules under :mod:`odekit.integrate._coefficients`.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
from numpy.polynomial import polynomial as npoly

from . import _dop853_coefficients as _d853

__all__ = ["Tableau", "TABLEAUX", "METHODS", "ADAPTIVE_METHODS", "AUTO_RULE", "get_tableau",
           "register", "methods", "method_table", "method_list_doc", "auto_method",
           "parse_value", "fill_method_doc", "NystromTableau", "NYSTROM", "NYSTROM_METHODS",
           "register_nystrom"]

ERR_NONE, ERR_STANDARD, ERR_DOP853 = 0, 1, 2
_KERNEL_ARRAYS: dict = {}


class TableauError(ValueError):
    """A tableau that breaks one of the rules checked on construction."""


@dataclass(frozen=True, eq=False)
class Tableau:
    """An explicit Runge–Kutta method as data (see the module docstring).

    Construction checks the arrays: shapes; row sums ``c_i = Σ_j A_ij``; explicit stages
    (``A`` strictly lower triangular); the FSAL rule (row ``s`` of ``A`` is ``b`` and
    ``c_s = 1``); the error weights (``Σ E = 0``, no weight on a stage the step does not
    compute); the dense output (weights ``b`` at θ = 1, ``f(t, y)`` as its slope at θ = 0).
    ``tol`` is the precision to which the stored numbers satisfy these identities.
    """

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
    description: str = ""
    reference: str = ""
    dense_order: int = 0
    tol: float = 1e-13
    source: object = field(default=None, repr=False)  # data module with exact values

    def __post_init__(self):
        self.check()

    @property
    def n_total(self) -> int:
        """All stages, FSAL and dense-output stages included."""
        return self.A.shape[0]

    @property
    def dense_degree(self) -> int:
        return self.P.shape[1]

    @property
    def adaptive(self) -> bool:
        return self.err_mode != ERR_NONE

    @property
    def evals_per_step(self) -> int:
        """Right-hand-side evaluations per accepted step without dense output."""
        return self.n_stages

    @property
    def b_hat(self) -> np.ndarray:
        """Embedded weights on the s + 1 stages (``b + E``); for RK4, ``b`` padded."""
        return np.concatenate([self.b, [0.0]]) + self.E

    def check(self):
        """Raise :class:`TableauError` if the arrays break a rule (see the class docstring)."""
        name, s, tol = self.name, self.n_stages, self.tol

        def fail(msg):
            raise TableauError(f"tableau {name!r}: {msg}")

        A, c, b, E, E3, P = self.A, self.c, self.b, self.E, self.E3, self.P
        for key, arr in (("A", A), ("c", c), ("b", b), ("E", E), ("E3", E3), ("P", P)):
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float64:
                fail(f"{key} must be a float64 array")
            if not np.all(np.isfinite(arr)):
                fail(f"{key} has non-finite entries")
        S = A.shape[0] if A.ndim == 2 else -1
        if A.ndim != 2 or A.shape[1] != S:
            fail(f"A must be square, got shape {A.shape}")
        if not 1 <= s <= S:
            fail(f"n_stages = {s} must be in 1..{S}")
        if self.fsal and S < s + 1:
            fail("an FSAL method needs the stage f(t + h, y_new) after its main stages")
        if c.shape != (S,) or b.shape != (s,) or E.shape != (s + 1,) or E3.shape != (s + 1,):
            fail(f"shapes: c {c.shape}, b {b.shape}, E {E.shape}, E3 {E3.shape}; expected "
                 f"({S},), ({s},), ({s + 1},), ({s + 1},)")
        if P.ndim != 2 or P.shape[0] != S or P.shape[1] < 1:
            fail(f"P must have shape ({S}, D), got {P.shape}")
        if self.order < 1 or not 0 <= self.error_order < self.order:
            fail(f"order {self.order} and error_order {self.error_order}: need "
                 "0 <= error_order < order")
        if np.any(np.triu(A) != 0.0):
            fail("A is not strictly lower triangular (the method must be explicit)")
        if c[0] != 0.0:
            fail("c_0 must be 0")
        rows = A.sum(axis=1)
        bad = np.flatnonzero(np.abs(rows - c) > tol * np.maximum(1.0, np.abs(A).sum(axis=1)))
        if bad.size:
            fail(f"row sums of A differ from c at stages {bad.tolist()}")
        if abs(b.sum() - 1.0) > tol * max(1.0, np.abs(b).sum()):
            fail(f"the weights b sum to {b.sum()!r}, not 1")
        if self.fsal and not (np.array_equal(A[s, :s], b) and not np.any(A[s, s:])
                              and c[s] == 1.0):
            # stage s is f(t + h, y_new): its row is b, exactly (the step's own sum)
            fail("FSAL rule broken: row s of A must equal b and c_s must be 1")
        if self.err_mode == ERR_NONE:
            if self.error_order != 0 or np.any(E) or np.any(E3):
                fail("a fixed-step method (err_mode 0) has no error estimate")
        else:
            if self.error_order < 1:
                fail("an adaptive method needs error_order >= 1")
            if not np.any(E):
                fail("the error weights E are all zero")
            scale = max(1.0, np.abs(E).sum())
            if abs(E.sum()) > tol * scale or abs(E3.sum()) > tol * max(1.0, np.abs(E3).sum()):
                fail(f"the error weights must sum to 0 (sum E = {E.sum()!r})")
            if not self.fsal and E[s] != 0.0:
                fail("E puts weight on stage s, which a non-FSAL step does not compute")
            if self.err_mode == ERR_STANDARD and np.any(E3):
                fail("E3 is for DOP853's combined estimate (err_mode 2) only")
        w_end = P.sum(axis=1)
        expect = np.zeros(S)
        expect[:s] = b
        dev = np.abs(w_end - expect)
        if np.any(dev > tol * np.maximum(1.0, np.abs(P).sum(axis=1))):
            fail("the dense output does not end at the step (P summed over powers != b)")
        slope0 = np.zeros(S)
        slope0[0] = 1.0
        if np.any(np.abs(P[:, 0] - slope0) > tol):
            fail("the dense output's slope at theta = 0 is not f(t, y) (P[:, 0] != e_0)")
        if not 0 <= self.dense_order <= self.order:
            fail(f"dense_order {self.dense_order} must be in 0..order")

    def kernel_arrays(self):
        """(A, c, b, E, E3, P, ints, err_exp): the arguments the compiled stepper takes."""
        cached = _KERNEL_ARRAYS.get(self.name)
        if cached is not None and cached[0] is self:
            return cached[1]
        ints = np.array([self.n_stages, self.n_total, int(self.fsal), self.err_mode,
                         self.dense_degree], dtype=np.int64)
        err_exp = -1.0 / (self.error_order + 1) if self.error_order > 0 else 0.0
        out = (self.A, self.c, self.b, self.E, self.E3, self.P, ints, err_exp)
        _KERNEL_ARRAYS[self.name] = (self, out)
        return out


# --- exact values from the data modules ---------------------------------------------------

def parse_value(text: str, prec: int = 60):
    """A coefficient string as a :class:`fractions.Fraction` (rationals) or a
    :class:`decimal.Decimal` with ``prec`` digits (decimals, ``a + b*sqrt(6)``)."""
    s = text.replace(" ", "")
    if "sqrt(" in s:
        head, _, tail = s.partition("sqrt(")
        radicand, _, rest = tail.partition(")")
        if rest:
            raise ValueError(f"cannot parse coefficient {text!r}")
        # head is 'a+b*' or 'a-b*'
        body = head[:-1] if head.endswith("*") else head
        k = max(body.rfind("+", 1), body.rfind("-", 1))
        a, bcoef = Fraction(body[:k]), Fraction(body[k:])
        with localcontext() as ctx:
            ctx.prec = prec
            r = Decimal(int(radicand)).sqrt()
            return (Decimal(a.numerator) / Decimal(a.denominator)
                    + Decimal(bcoef.numerator) / Decimal(bcoef.denominator) * r)
    if any(ch in s for ch in ".eE"):
        return Decimal(s)
    return Fraction(s)


def _float(text: str) -> float:
    v = parse_value(text)
    return float(v)  # float(Fraction) and float(Decimal) round correctly


def _from_data(modname: str, *, name, order, error_order, fsal, dense_order, description,
               reference, tol) -> Tableau:
    """Build a Tableau from a data module of :mod:`odekit.integrate._coefficients`."""
    mod = importlib.import_module(f"{__package__}._coefficients.{modname}")
    s = mod.N_STAGES
    S = max([i for i, _ in mod.A] + [i for i, _ in mod.R] + [s + (1 if fsal else 0)])
    D = max(d for _, d in mod.R)
    A = np.zeros((S, S))
    c = np.zeros(S)
    b = np.zeros(s)
    E = np.zeros(s + 1)
    P = np.zeros((S, D))
    for (i, j), v in mod.A.items():
        A[i - 1, j - 1] = _float(v)
    for i, v in mod.C.items():
        c[i - 1] = _float(v)
    for i, v in mod.B.items():
        b[i - 1] = _float(v)
    for i, v in mod.E.items():
        E[i - 1] = _float(v)
    for (i, d), v in mod.R.items():
        P[i - 1, d - 1] = _float(v)
    if mod.FSAL_STAGE:
        if mod.FSAL_STAGE != s + 1:
            raise TableauError(f"{modname}: FSAL_STAGE must follow the main stages")
        A[s, :s] = b  # the same numbers the step sums (published equal to ~1e-30)
        A[s, s:] = 0.0
    return Tableau(name, order, error_order, s, fsal, A, c, b, E, np.zeros(s + 1), P,
                   ERR_STANDARD, description=description, reference=reference,
                   dense_order=dense_order, tol=tol, source=mod)


# --- the classic methods, built in code ---------------------------------------------------

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
    return Tableau("RK4", 4, 0, 4, False, A, c, b, z, z.copy(), P, ERR_NONE,
                   description="classic fixed-step Runge-Kutta 4 (needs step=h)",
                   reference="Kutta (1901)", dense_order=3)


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
    return Tableau("RK45", 5, 4, 6, True, A, c.astype(float), b, E, np.zeros(7), P,
                   ERR_STANDARD,
                   description="Dormand-Prince 5(4), FSAL, Shampine's 4th-order dense output",
                   reference="Dormand & Prince (1980), J. Comput. Appl. Math. 6:19; "
                             "Shampine (1986), Math. Comp. 46:135",
                   dense_order=4)


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
                   ERR_DOP853,
                   description="Dormand-Prince 8(5,3), FSAL, 7th-order dense output "
                               "(3 extra stages)",
                   reference="Hairer, Norsett & Wanner, Solving ODE I (1993), dop853.f",
                   dense_order=7, tol=1e-12)


# --- the registry -------------------------------------------------------------------------

TABLEAUX: dict[str, Tableau] = {}


def register(tab: Tableau) -> Tableau:
    """Add ``tab`` (already checked on construction) to the method registry."""
    if not isinstance(tab, Tableau):
        raise TypeError("register takes a Tableau")
    if tab.name in TABLEAUX or tab.name == "auto":
        raise ValueError(f"method name {tab.name!r} is taken")
    TABLEAUX[tab.name] = tab
    return tab


register(_dop853())
register(_rk45())
register(_rk4())
register(_from_data(
    "tsit5", name="Tsit5", order=5, error_order=4, fsal=True, dense_order=4, tol=1e-15,
    description="Tsitouras 5(4), FSAL, 4th-order dense output",
    reference="Tsitouras (2011), Comput. Math. Appl. 62:770"))
register(_from_data(
    "bs3", name="BS3", order=3, error_order=2, fsal=True, dense_order=3, tol=1e-15,
    description="Bogacki-Shampine 3(2), FSAL, cubic Hermite dense output",
    reference="Bogacki & Shampine (1989), Appl. Math. Lett. 2:321"))
register(_from_data(
    "vern6", name="Vern6", order=6, error_order=5, fsal=True, dense_order=6, tol=1e-14,
    description="Verner's most efficient 6(5), FSAL, 6th-order dense output "
                "(3 extra stages)",
    reference="Verner (2010), Numer. Algorithms 53:383"))
register(_from_data(
    "vern7", name="Vern7", order=7, error_order=6, fsal=False, dense_order=6, tol=1e-14,
    # Verner's 16-stage interpolant is published as 7th order; with its 40-digit
    # coefficients the order conditions hold to 1e-37 up to order 6 but 12 of the 48
    # order-7 trees miss by up to 1.3e-4 (tests/integrate/test_order_conditions.py). No
    # weights on these 16 stages meet all order-7 conditions (least squares, power by power
    # of theta, leaves up to 4e-5), so the defect is in the extra stages as published
    # (the same digits in OrdinaryDiffEq.jl and in Geant4's VernerRK67), not in the weights.
    description="Verner's most efficient 7(6), dense output of order 6 (6 extra stages)",
    reference="Verner (2010), Numer. Algorithms 53:383"))
register(_from_data(
    "vern9", name="Vern9", order=9, error_order=8, fsal=False, dense_order=9, tol=1e-13,
    description="Verner's most efficient 9(8), 9th-order dense output (10 extra stages)",
    reference="Verner (2010), Numer. Algorithms 53:383"))


# --- Runge-Kutta-Nystrom pairs (special second-order systems q'' = g(t, q)) ---------------

@dataclass(frozen=True, eq=False)
class NystromTableau:
    """An explicit Runge–Kutta–Nyström pair for q'' = g(t, q), as data.

    One step from (q, v) with stages ``g_i = g(t + c_i h, q + c_i h v + h^2 Σ_j Abar_ij
    g_j)``: ``q_1 = q + h v + h^2 Σ bbar_i g_i``, ``v_1 = v + h Σ b_i g_i``; the embedded
    solution adds ``h^2 Σ Ebar_i g_i`` and ``h Σ Eb_i g_i`` (E = embedded - main).
    ``fsal``: the last stage is ``g(t + h, q_1)`` (row ``s - 1`` of ``Abar`` equal to
    ``bbar``, ``c = 1``) and is the next step's first stage. Dense output: ``RBAR``,
    ``RB`` (s, 5) give ``bbar_i(θ) = Σ_d RBAR[i, d] θ^d`` and ``b_i(θ)`` for the continuous
    extension ``q(t + θh) = q + θ h v + (θ h)^2 Σ bbar_i(θ) g_i``, ``v(t + θh) = v + θ h Σ
    b_i(θ) g_i``; without them (``dense_order`` 0 in the source) the quintic Hermite
    interpolant of (q, v, g) at both ends of the step is used (order 5 in q, 4 in v).

    Construction checks: shapes; explicit stages; ``Σ_j Abar_ij = c_i^2 / 2``; ``Σ b = 1``,
    ``Σ bbar = 1/2``; the FSAL rule; error weights that sum to 0 and touch only computed
    stages; a continuous extension that ends at the step and starts with slope v and
    curvature g_1.
    """

    name: str
    order: int
    error_order: int
    n_stages: int  # s: stages per step (the FSAL stage included)
    fsal: bool
    A: np.ndarray  # Abar (s, s)
    c: np.ndarray
    bbar: np.ndarray
    b: np.ndarray
    Ebar: np.ndarray
    Eb: np.ndarray
    RBAR: np.ndarray  # (s, 5) or (s, 0) without a continuous extension
    RB: np.ndarray
    description: str = ""
    reference: str = ""
    dense_order: int = 0  # order of the position interpolant
    tol: float = 1e-14
    source: object = field(default=None, repr=False)

    def __post_init__(self):
        self.check()

    @property
    def adaptive(self) -> bool:
        return True

    @property
    def evals_per_step(self) -> int:
        return self.n_stages - 1 if self.fsal else self.n_stages

    def check(self):
        """Raise :class:`TableauError` if the arrays break a rule (see the class docstring)."""
        name, s, tol = self.name, self.n_stages, self.tol

        def fail(msg):
            raise TableauError(f"Nystrom tableau {name!r}: {msg}")

        arrays = (("A", self.A), ("c", self.c), ("bbar", self.bbar), ("b", self.b),
                  ("Ebar", self.Ebar), ("Eb", self.Eb), ("RBAR", self.RBAR), ("RB", self.RB))
        for key, arr in arrays:
            if not isinstance(arr, np.ndarray) or arr.dtype != np.float64:
                fail(f"{key} must be a float64 array")
            if not np.all(np.isfinite(arr)):
                fail(f"{key} has non-finite entries")
        A, c = self.A, self.c
        if A.shape != (s, s) or c.shape != (s,):
            fail(f"A must be ({s}, {s}) and c ({s},), got {A.shape}, {c.shape}")
        for key, arr in arrays[2:6]:
            if arr.shape != (s,):
                fail(f"{key} must have shape ({s},), got {arr.shape}")
        if self.RBAR.shape != self.RB.shape or self.RBAR.shape[0] != s:
            fail("RBAR and RB must both have shape (s, D)")
        if self.order < 2 or not 1 <= self.error_order < self.order:
            fail(f"order {self.order} and error_order {self.error_order}: need "
                 "1 <= error_order < order")
        if np.any(np.triu(A) != 0.0) or c[0] != 0.0:
            fail("A must be strictly lower triangular and c_0 = 0 (an explicit method)")
        rows = A.sum(axis=1)
        bad = np.flatnonzero(np.abs(rows - c * c / 2) > tol * np.maximum(1.0, np.abs(A).sum(1)))
        if bad.size:
            fail(f"row sums of Abar differ from c^2/2 at stages {bad.tolist()}")
        if abs(self.b.sum() - 1.0) > tol * max(1.0, np.abs(self.b).sum()):
            fail(f"the velocity weights b sum to {self.b.sum()!r}, not 1")
        if abs(self.bbar.sum() - 0.5) > tol * max(1.0, np.abs(self.bbar).sum()):
            fail(f"the position weights bbar sum to {self.bbar.sum()!r}, not 1/2")
        if self.fsal and not (np.array_equal(A[s - 1, : s - 1], self.bbar[: s - 1])
                              and self.bbar[s - 1] == 0.0 and c[s - 1] == 1.0):
            fail("FSAL rule broken: the last row of Abar must equal bbar and its c be 1")
        for key, e in (("Ebar", self.Ebar), ("Eb", self.Eb)):
            if abs(e.sum()) > tol * max(1.0, np.abs(e).sum()):
                fail(f"the error weights {key} must sum to 0")
        if not np.any(self.Ebar) and not np.any(self.Eb):
            fail("the error weights are all zero")
        if self.RBAR.shape[1]:
            for key, R, w, start in (("RBAR", self.RBAR, self.bbar, 0.5),
                                     ("RB", self.RB, self.b, 1.0)):
                if np.any(np.abs(R.sum(axis=1) - w) > tol * np.maximum(1.0, np.abs(R).sum(1))):
                    fail(f"the continuous extension ({key}) does not end at the step")
                e0 = np.zeros(s)
                e0[0] = start
                if np.any(np.abs(R[:, 0] - e0) > tol):
                    fail(f"the continuous extension ({key}) does not start with g_1")
        if not 0 <= self.dense_order <= self.order:
            fail(f"dense_order {self.dense_order} must be in 0..order")

    def kernel_arrays(self):
        """(M, c, RBAR, RB, ints, err_exp) for the compiled stepper: M (s + 4, s) the rows
        of Abar, then bbar, b, Ebar, Eb; ints = (s, fsal, has continuous extension)."""
        cached = _KERNEL_ARRAYS.get(self.name)
        if cached is not None and cached[0] is self:
            return cached[1]
        R1, R2 = self.RBAR, self.RB
        if not R1.shape[1]:
            R1 = R2 = np.zeros((self.n_stages, 1))
        ints = np.array([self.n_stages, int(self.fsal), int(self.RBAR.shape[1] > 0)],
                        dtype=np.int64)
        M = np.ascontiguousarray(np.vstack([self.A, self.bbar, self.b, self.Ebar, self.Eb]))
        out = (M, self.c, np.ascontiguousarray(R1), np.ascontiguousarray(R2), ints,
               -1.0 / (self.error_order + 1))
        _KERNEL_ARRAYS[self.name] = (self, out)
        return out


def _nystrom_from_data(modname: str, *, name, description, reference, tol) -> NystromTableau:
    """Build a :class:`NystromTableau` from a data module of
    :mod:`odekit.integrate._coefficients` (``dprkn*.py``)."""
    mod = importlib.import_module(f"{__package__}._coefficients.{modname}")
    s = mod.N_STAGES
    A = np.zeros((s, s))
    c = np.zeros(s)
    vecs = {k: np.zeros(s) for k in ("BBAR", "B", "EBAR", "EB")}
    for (i, j), v in mod.A.items():
        A[i - 1, j - 1] = _float(v)
    for i, v in mod.C.items():
        c[i - 1] = _float(v)
    for key, arr in vecs.items():
        for i, v in getattr(mod, key).items():
            arr[i - 1] = _float(v)
    dense = getattr(mod, "RBAR", None)
    D = 0 if dense is None else 1 + max(d for _, d in mod.RBAR)
    RBAR = np.zeros((s, D))
    RB = np.zeros((s, D))
    if dense is not None:
        for (i, d), v in mod.RBAR.items():
            RBAR[i - 1, d] = _float(v)
        for (i, d), v in mod.RB.items():
            RB[i - 1, d] = _float(v)
    if mod.FSAL:
        A[s - 1, : s - 1] = vecs["BBAR"][: s - 1]  # the numbers the step sums, exactly
    return NystromTableau(name, mod.ORDER, mod.ERROR_ORDER, s, bool(mod.FSAL), A, c,
                          vecs["BBAR"], vecs["B"], vecs["EBAR"], vecs["EB"], RBAR, RB,
                          description=description, reference=reference,
                          dense_order=getattr(mod, "DENSE_ORDER", 0), tol=tol, source=mod)


#: Runge-Kutta-Nystrom pairs: for special second-order systems only, so never picked by
#: ``method="auto"`` and kept apart from :data:`TABLEAUX` (whose methods solve any y' = f)
NYSTROM: dict[str, NystromTableau] = {}


def register_nystrom(tab: NystromTableau) -> NystromTableau:
    """Add ``tab`` (checked on construction) to the Nyström registry."""
    if not isinstance(tab, NystromTableau):
        raise TypeError("register_nystrom takes a NystromTableau")
    if tab.name in TABLEAUX or tab.name in NYSTROM or tab.name == "auto":
        raise ValueError(f"method name {tab.name!r} is taken")
    NYSTROM[tab.name] = tab
    return tab


_RKN_REF = ("Dormand, El-Mikkawy & Prince (1987), IMA J. Numer. Anal. 7:423")
register_nystrom(_nystrom_from_data(
    "dprkn6", name="DPRKN6", tol=1e-15,
    description="Dormand-Prince RKN 6(4), FSAL (5 evaluations per step), 6th-order dense "
                "output (no extra stage)",
    reference="Dormand & Prince (1987), Comput. Math. Appl. 13:937"))
register_nystrom(_nystrom_from_data(
    "dprkn8", name="DPRKN8", tol=1e-15,
    description="Dormand-El-Mikkawy-Prince RKN 8(6), FSAL (8 evaluations per step), "
                "quintic Hermite dense output",
    reference=_RKN_REF))
register_nystrom(_nystrom_from_data(
    "dprkn12", name="DPRKN12", tol=1e-13,
    description="Dormand-El-Mikkawy-Prince RKN 12(10), 17 evaluations per step, quintic "
                "Hermite dense output",
    reference=_RKN_REF))
NYSTROM_METHODS = tuple(NYSTROM)

METHODS = tuple(TABLEAUX)
ADAPTIVE_METHODS = tuple(k for k, t in TABLEAUX.items() if t.adaptive)

# method="auto": the explicit pair for rtol at or above each bound, loosest first. From
# benchmarks/bench_auto.py (Arenstorf, Lorenz, Van der Pol, Pleiades; geometric mean over
# the problems of time / best time at the error each rtol gives): rtol 1e-2..1e-3 Tsit5
# (1.18-1.24; RK45, Vern6 within the noise), 1e-4..1e-6 Vern7 (1.08-1.11), below Vern9
# (1.00-1.03 from 1e-7 down). BS3 was the slowest at every rtol (2.0x the best at 1e-2).
AUTO_RULE = ((1e-3, "Tsit5"), (1e-6, "Vern7"), (0.0, "Vern9"))


def auto_method(rtol=None) -> str:
    """The method ``method="auto"`` picks for ``rtol`` (the smallest one if an array):
    the first of :data:`AUTO_RULE` whose bound is at or below ``rtol``."""
    if rtol is None:
        r = 1e-6
    else:
        try:
            r = float(np.min(np.asarray(rtol, dtype=float)))
        except (TypeError, ValueError):
            raise TypeError(f"rtol must be a number, got {rtol!r}") from None
        if not (math.isfinite(r) and r > 0):
            r = 1e-6  # left to the tolerance checks to refuse
    for bound, name in AUTO_RULE:
        if r >= bound:
            return name
    return AUTO_RULE[-1][1]


def get_tableau(method: str, rtol=None) -> Tableau:
    """The tableau of ``method`` (a registered name, or ``"auto"``: chosen by ``rtol``)."""
    if isinstance(method, str) and method == "auto":
        return TABLEAUX[auto_method(rtol)]
    if isinstance(method, str) and method in NYSTROM:
        raise ValueError(f"method={method!r} is a Runge-Kutta-Nystrom pair for special "
                         "second-order systems; it is available in solve_ivp (and "
                         "compile_solver) only, not here")
    if not isinstance(method, str) or method not in TABLEAUX:
        raise ValueError(f"method must be one of {METHODS + ('auto',)} (or, in solve_ivp, "
                         f"one of {NYSTROM_METHODS} for special second-order systems), got "
                         f"{method!r}")
    return TABLEAUX[method]


def methods(adaptive_only: bool = False) -> tuple:
    """Names of the registered methods (the adaptive ones only if asked)."""
    return ADAPTIVE_METHODS if adaptive_only else METHODS


def auto_rule_doc() -> str:
    """The rule of ``method="auto"`` in words."""
    parts = []
    upper = None
    for bound, name in AUTO_RULE:
        if upper is None:
            parts.append(f"{name} for rtol >= {bound:g}")
        elif bound > 0:
            parts.append(f"{name} for {bound:g} <= rtol < {upper:g}")
        else:
            parts.append(f"{name} below {upper:g}")
        upper = bound
    return ", ".join(parts)


def method_list_doc(adaptive_only: bool = False, indent: int = 8) -> str:
    """The method list of a numpydoc ``method`` parameter, from the registry."""
    pad = " " * indent
    lines = []
    for name in methods(adaptive_only):
        t = TABLEAUX[name]
        lines.append(f'{pad}- ``"{name}"``: {t.description}.')
    lines.append(f'{pad}- ``"auto"``: by tolerance, {auto_rule_doc()}.')
    if not adaptive_only:
        for name, t in NYSTROM.items():
            lines.append(f'{pad}- ``"{name}"``: {t.description}; for special second-order '
                         "systems only (see below).")
    return "\n".join(lines)


def method_table() -> str:
    """The registry as a reStructuredText list-table (for the documentation)."""
    out = [".. list-table::", "   :header-rows: 1", "",
           "   * - method", "     - order (embedded)", "     - stages per step",
           "     - dense output order (extra stages)", "     - description", "     - reference"]
    for name, t in TABLEAUX.items():
        extra = t.n_total - t.n_stages - (1 if t.fsal else 0)
        emb = f"{t.order} ({t.error_order})" if t.adaptive else f"{t.order} (fixed step)"
        out += [f"   * - ``{name}``", f"     - {emb}", f"     - {t.n_stages}",
                f"     - {t.dense_order} ({extra})", f"     - {t.description}",
                f"     - {t.reference}"]
    out += ["", f'``method="auto"`` picks {auto_rule_doc()}.', "",
            "Runge-Kutta-Nystrom pairs, for special second-order systems q'' = g(t, q) "
            "written as y = (q, v), y' = (v, g(t, q)) (``solve_ivp`` and "
            "``compile_solver`` only; never chosen by ``\"auto\"``):", "",
            ".. list-table::", "   :header-rows: 1", "",
            "   * - method", "     - order (embedded)", "     - evaluations per step",
            "     - dense output order", "     - description", "     - reference"]
    for name, t in NYSTROM.items():
        dense = (f"{t.dense_order} (q), {t.dense_order - 1} (v)" if t.dense_order
                 else "5 (q), 4 (v): quintic Hermite")
        out += [f"   * - ``{name}``", f"     - {t.order} ({t.error_order})",
                f"     - {t.evals_per_step}", f"     - {dense}", f"     - {t.description}",
                f"     - {t.reference}"]
    return "\n".join(out)


def fill_method_doc(doc: str | None) -> str | None:
    """Put the registry's method lists into a docstring (``{METHODS}``,
    ``{ADAPTIVE_METHODS}`` placeholders, each on a line of its own)."""
    if doc is None:  # python -OO
        return doc
    doc = doc.replace("{ADAPTIVE_METHODS}", method_list_doc(adaptive_only=True))
    return doc.replace("{METHODS}", method_list_doc())
