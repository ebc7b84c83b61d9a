"""Equilibria, their linear stability, and the outcome of competition.

For dx_i/dt = x_i (r_i - sum_j A_ij x_j), an equilibrium with support S (the species
present) solves the linear system A_SS x_S = r_S, with x_i = 0 off S. The Jacobian there is
J = diag(r - A x) - diag(x) A: on S the block -diag(x_S) A_SS, and off S the diagonal
entries r_i - (A x)_i (the invasion rates of the absent species).
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass

import numpy as np

from . import _checks as C
from .model import LotkaVolterra, TwoSpecies

__all__ = ["Equilibrium", "Outcome", "equilibria", "classify", "outcome", "invasion_rates",
           "KINDS"]

#: Every kind string :func:`classify` returns.
KINDS = ("stable node", "unstable node", "saddle", "stable focus", "unstable focus",
         "centre", "non-hyperbolic")


@dataclass(frozen=True)
class Equilibrium:
    """An equilibrium x >= 0 and its linearisation.

    Attributes
    ----------
    x : ndarray, shape (n,)
        The populations (components off the support are exactly 0).
    jacobian : ndarray, shape (n, n)
    eigenvalues : ndarray, shape (n,), complex
        Sorted by real part.
    kind : str
        One of :data:`KINDS`.
    stable : bool
        Every eigenvalue has real part < -tol * scale (asymptotically stable).
    support : tuple of int
        Indices of the species present.
    """

    x: np.ndarray
    jacobian: np.ndarray
    eigenvalues: np.ndarray
    kind: str
    stable: bool
    support: tuple

    def __repr__(self):
        xs = ", ".join(f"{v:.6g}" for v in self.x)
        return f"Equilibrium(x=({xs}), kind={self.kind!r}, stable={self.stable})"


class Outcome(enum.Enum):
    """The long-run outcome of two-species competition."""

    SPECIES_1_WINS = "species 1 excludes species 2 from every start with both present"
    SPECIES_2_WINS = "species 2 excludes species 1 from every start with both present"
    COEXISTENCE = "a stable interior equilibrium attracts every start with both present"
    BISTABILITY = "either species wins, depending on the start (an interior saddle)"
    DEGENERATE = "an invasion rate is zero (within tolerance): a non-generic boundary case"


def classify(eigenvalues, scale: float, tol: float = 1e-9) -> tuple[str, bool]:
    """(kind, stable) of an equilibrium from the eigenvalues of its Jacobian.

    A real part with ``|Re| <= tol * scale`` counts as zero (no exact equality is ever
    tested): then the point is a "centre" if every real part is zero and some imaginary
    part is not, otherwise "non-hyperbolic". An imaginary part with ``|Im| <= tol * scale``
    counts as zero too (node, not focus).

    Parameters
    ----------
    eigenvalues : array_like
    scale : float
        A rate scale of the model (odekit uses max r_i), > 0.
    tol : float
        Relative tolerance.

    Examples
    --------
    >>> from odekit.competition.analysis import classify
    >>> classify([-1.0, -2.0], 1.0)
    ('stable node', True)
    >>> classify([-1 + 1j, -1 - 1j], 1.0)
    ('stable focus', True)
    >>> classify([1e-13, -1.0], 1.0)
    ('non-hyperbolic', False)

    Raises
    ------
    ValueError
        Empty or non-finite eigenvalues, or ``scale`` or ``tol`` not positive and finite.
    """
    try:
        lam = np.asarray(eigenvalues, dtype=complex).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"eigenvalues must be an array of numbers, got {eigenvalues!r}"
                        ) from None
    if lam.size == 0 or not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be a non-empty array of finite numbers, got "
                         f"{lam.tolist()}")
    eps = C.positive(tol, "tol") * C.positive(scale, "scale")
    re, im = lam.real, lam.imag
    complex_pair = bool(np.any(np.abs(im) > eps))
    if np.any(np.abs(re) <= eps):
        if np.all(np.abs(re) <= eps) and complex_pair:
            return "centre", False
        return "non-hyperbolic", False
    if np.all(re < 0):
        return ("stable focus" if complex_pair else "stable node"), True
    if np.all(re > 0):
        return ("unstable focus" if complex_pair else "unstable node"), False
    return "saddle", False


def _make(model: LotkaVolterra, x, support, tol) -> Equilibrium:
    J = model.jacobian(x)
    lam = np.linalg.eigvals(J)
    lam = lam[np.lexsort((lam.imag, lam.real))]
    kind, stable = classify(lam, float(np.max(model.r)), tol)
    x = np.asarray(x, dtype=float)
    x.setflags(write=False)
    return Equilibrium(x=x, jacobian=J, eigenvalues=lam, kind=kind, stable=stable,
                       support=tuple(int(i) for i in support))


def _two_species(m: TwoSpecies, tol: float) -> list:
    """The closed forms: origin, (N1, 0), (0, N2), and the interior point when it exists."""
    out = [_make(m, [0.0, 0.0], (), tol), _make(m, [m.N1, 0.0], (0,), tol),
           _make(m, [0.0, m.N2], (1,), tol)]
    # interior: r1/N1 x + a1 y = r1, a2 x + r2/N2 y = r2
    det = m.r1 * m.r2 / (m.N1 * m.N2) - m.a1 * m.a2
    if abs(det) > tol * (m.r1 * m.r2 / (m.N1 * m.N2) + m.a1 * m.a2):
        xs = m.r2 * (m.r1 / m.N2 - m.a1) / det
        ys = m.r1 * (m.r2 / m.N1 - m.a2) / det
        if xs > tol * m.N1 and ys > tol * m.N2:
            out.append(_make(m, [xs, ys], (0, 1), tol))
    return out


def equilibria(model: LotkaVolterra, tol: float = 1e-9) -> list:
    """Every equilibrium with x >= 0, with its Jacobian, eigenvalues and kind.

    Two species use the closed forms (origin, (N1, 0), (0, N2) and, when it lies in the
    open quadrant, the interior point solving r1/N1 x + a1 y = r1, a2 x + r2/N2 y = r2).
    n species: every support S (2**n of them) gives the linear system A_SS x_S = r_S; a
    solution is kept when it is strictly positive on S (x_i > tol * r_i / A_ii), and
    duplicates are merged. A singular A_SS (condition number of its dimensionless form
    A_ij K_j / r_i above 1/tol: a line of equilibria, a non-generic case) contributes no
    point.

    Parameters
    ----------
    model : LotkaVolterra or TwoSpecies
    tol : float
        Relative tolerance for positivity, singularity and the classification
        (see :func:`classify`).

    Returns
    -------
    list of Equilibrium
        Ordered by support size, then by support.

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, equilibria
    >>> m = TwoSpecies(0.1, 500.0, 1e-4, 0.3, 1 / 0.003, 2e-4)   # kexue.fm/archives/3120
    >>> for e in equilibria(m):
    ...     print([round(float(v), 3) for v in e.x], e.kind)
    [0.0, 0.0] unstable node
    [500.0, 0.0] saddle
    [0.0, 333.333] saddle
    [375.0, 250.0] stable node
    """
    if not isinstance(model, LotkaVolterra):
        raise TypeError(f"model must be a LotkaVolterra or TwoSpecies, got "
                        f"{type(model).__name__}")
    tol = C.positive(tol, "tol")
    if isinstance(model, TwoSpecies):
        return _two_species(model, tol)
    n = model.n
    caps = model.capacities
    # the dimensionless interaction matrix B_ij = A_ij K_j / r_i (unit diagonal): its
    # condition number does not change with the units of each population or of time, so
    # the singularity test does not depend on them (A's own would, e.g. K = 1e-3 and 1e6)
    B = model.A * caps[None, :] / model.r[:, None]
    out: list = []
    for k in range(n + 1):
        for S in itertools.combinations(range(n), k):
            x = np.zeros(n)
            if k:
                idx = list(S)
                M = model.A[np.ix_(idx, idx)]
                if np.linalg.cond(B[np.ix_(idx, idx)]) * tol > 1.0:
                    continue
                xs = np.linalg.solve(M, model.r[idx])
                if np.any(xs <= tol * caps[idx]):
                    continue
                x[idx] = xs
            # per-component scale (each species' own capacity): one common atol would
            # merge a small species' boundary point into the origin
            if any(np.all(np.abs(x - e.x) <= 1e-9 * np.abs(e.x) + tol * caps) for e in out):
                continue
            out.append(_make(model, x, S, tol))
    return out


def invasion_rates(model: TwoSpecies) -> tuple:
    """(r1 - a1 N2, r2 - a2 N1): the per-capita growth rate of each species when rare while
    the other sits at its carrying capacity.

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, invasion_rates
    >>> [round(float(v), 6) for v in invasion_rates(TwoSpecies(1, 1, 1.5, 1, 1, 1.5))]
    [-0.5, -0.5]
    """
    if not isinstance(model, TwoSpecies):
        raise TypeError(f"model must be a TwoSpecies, got {type(model).__name__}")
    return (model.r1 - model.a1 * model.N2, model.r2 - model.a2 * model.N1)


def outcome(model: TwoSpecies, tol: float = 1e-9) -> Outcome:
    """The long-run outcome of two-species competition, from the invasion rates.

    With s1 = r1 - a1 N2 and s2 = r2 - a2 N1 (see :func:`invasion_rates`): both positive,
    each species can invade the other's monoculture, and the interior equilibrium is a
    stable node (COEXISTENCE); both negative, neither can, the interior point is a saddle
    and the winner depends on the start (BISTABILITY); s1 > 0 > s2: species 1 wins
    (SPECIES_1_WINS); s2 > 0 > s1: species 2 wins. If |s_i| <= tol * r_i the case is
    DEGENERATE (a boundary equilibrium is non-hyperbolic).

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, outcome
    >>> outcome(TwoSpecies(1, 1, 0.5, 1, 1, 1.5)).name
    'SPECIES_1_WINS'
    >>> outcome(TwoSpecies(1, 1, 1.5, 1, 1, 1.5)).name
    'BISTABILITY'
    """
    tol = C.positive(tol, "tol")
    s1, s2 = invasion_rates(model)
    if abs(s1) <= tol * model.r1 or abs(s2) <= tol * model.r2:
        return Outcome.DEGENERATE
    if s1 > 0 and s2 > 0:
        return Outcome.COEXISTENCE
    if s1 < 0 and s2 < 0:
        return Outcome.BISTABILITY
    return Outcome.SPECIES_1_WINS if s1 > 0 else Outcome.SPECIES_2_WINS
