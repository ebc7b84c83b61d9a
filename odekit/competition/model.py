"""Lotka–Volterra competition models: n species, and two species in the blog's notation.

Two species, each logistic on its own, each slowing the other in proportion to the product
of the two populations (the model of https://kexue.fm/archives/3120)::

    dx1/dt = r1 x1 (1 - x1/N1) - a1 x1 x2
    dx2/dt = r2 x2 (1 - x2/N2) - a2 x1 x2

is the n = 2 case of dx_i/dt = x_i (r_i - sum_j A_ij x_j) with A = [[r1/N1, a1], [a2, r2/N2]].
"""

from __future__ import annotations

import numpy as np

from ..integrate import OdeResult, solve_ivp
from . import _checks as C
from ._rhs import lv_log_rhs

__all__ = ["LotkaVolterra", "TwoSpecies", "MAX_SPECIES"]

#: Largest number of species accepted (equilibria enumerate 2**n supports).
MAX_SPECIES = 16

_SOLVER_OPTIONS = ("method", "rtol", "atol", "dense_output", "first_step", "max_step",
                   "max_steps")


class _DenseX:
    """Dense output in populations: exp of the log-state interpolant, zeros re-inserted."""

    def __init__(self, sol, support, n):
        self._sol, self._support, self.n = sol, support, n
        self.t_min, self.t_max = sol.t_min, sol.t_max

    def __call__(self, t):
        z = self._sol(t)
        scalar = np.ndim(t) == 0
        shape = (self.n,) if scalar else (self.n, np.size(t))
        out = np.zeros(shape)
        out[self._support] = np.exp(z)
        return out


class LotkaVolterra:
    """n competing species: dx_i/dt = x_i (r_i - sum_j A_ij x_j).

    Parameters
    ----------
    r : array_like, shape (n,)
        Intrinsic growth rates (per unit time), positive and finite.
    A : array_like, shape (n, n)
        Interaction matrix: A[i, i] > 0 is self-limitation (the carrying capacity of species
        i alone is r_i / A[i, i]); A[i, j] >= 0 (i != j) is how much species j slows i.

    Notes
    -----
    :meth:`simulate` integrates z = log x, dz_i/dt = r_i - sum_j A_ij e^{z_j}, so no
    population can become negative; a species that starts at exactly 0 is absent and stays
    absent (it is left out of the integrated system and reported as 0).

    Examples
    --------
    >>> from odekit.competition import LotkaVolterra
    >>> m = LotkaVolterra([1.0, 1.0], [[1.0, 0.5], [0.5, 1.0]])
    >>> m.n
    2
    >>> [round(float(v), 6) for v in m.capacities]
    [1.0, 1.0]
    """

    def __init__(self, r, A):
        r = C.real_array(r, "r", 1)
        A = C.real_array(A, "A", 2)
        n = r.shape[0]
        if n == 0:
            raise ValueError("r must hold at least one growth rate")
        if n > MAX_SPECIES:
            raise ValueError(f"r: at most {MAX_SPECIES} species are supported, got {n}")
        if A.shape != (n, n):
            raise ValueError(f"A must have shape ({n}, {n}) to match r, got {A.shape}")
        if np.any(r <= 0):
            raise ValueError(f"r must be positive (growth rates), got {r.tolist()}")
        if np.any(A < 0):
            raise ValueError("A must be non-negative (competition coefficients), got "
                             f"{A.tolist()}")
        if np.any(np.diag(A) <= 0):
            raise ValueError("A must have a positive diagonal (self-limitation), got "
                             f"{np.diag(A).tolist()}")
        self.r = r
        self.A = A
        self.r.setflags(write=False)
        self.A.setflags(write=False)

    @property
    def n(self) -> int:
        """Number of species."""
        return self.r.shape[0]

    @property
    def capacities(self) -> np.ndarray:
        """Carrying capacities r_i / A_ii (each species alone)."""
        return self.r / np.diag(self.A)

    @property
    def params(self) -> np.ndarray:
        """The parameter vector the compiled right-hand side reads: [r, A.ravel()]."""
        return np.concatenate([self.r, self.A.ravel()])

    def rhs(self, x) -> np.ndarray:
        """dx/dt at the state ``x`` (NumPy; for plotting and checks)."""
        x = np.asarray(x, dtype=float)
        return x * (self.r - self.A @ x)

    def jacobian(self, x) -> np.ndarray:
        """The Jacobian d(dx/dt)/dx at ``x``: diag(r - A x) - diag(x) A."""
        x = np.asarray(x, dtype=float)
        return np.diag(self.r - self.A @ x) - x[:, None] * self.A

    def __repr__(self):
        return f"LotkaVolterra(r={self.r.tolist()}, A={self.A.tolist()})"

    def __eq__(self, other):
        return (isinstance(other, LotkaVolterra) and np.array_equal(self.r, other.r)
                and np.array_equal(self.A, other.A))

    __hash__ = None

    # --- simulation -------------------------------------------------------------------
    def _check_x0(self, x0) -> np.ndarray:
        x0 = C.real_array(x0, "x0", 1)
        if x0.shape != (self.n,):
            raise ValueError(f"x0 must have shape ({self.n},), got {x0.shape}")
        if np.any(x0 < 0):
            raise ValueError(f"x0 must be non-negative (populations), got {x0.tolist()}")
        return x0

    def simulate(self, x0, t_span, t_eval=None, **solver_options) -> OdeResult:
        """Integrate the populations from ``x0`` over ``t_span``.

        Parameters
        ----------
        x0 : array_like, shape (n,)
            Initial populations, >= 0. A species at exactly 0 is absent and stays at 0.
        t_span : (float, float)
            Interval (t0, t1) (forward or backward in time).
        t_eval : array_like, optional
            Output times (default: every step).
        **solver_options
            ``method``, ``rtol`` (default 1e-8), ``atol`` (default 1e-10; it applies to
            log x, i.e. it is a relative tolerance on x), ``dense_output``, ``first_step``,
            ``max_step``, ``max_steps`` of :func:`odekit.solve_ivp`.

        Returns
        -------
        OdeResult
            ``y`` holds the populations x (not their logarithms), shape (n, len(t));
            ``sol`` (with ``dense_output=True``) returns populations too.

        Notes
        -----
        The state integrated is z = log x of the species present, so populations stay
        positive by construction. A population can only reach 0 in infinite time; in
        floating point it may underflow to 0 after a very long exclusion.

        Examples
        --------
        >>> from odekit.competition import TwoSpecies
        >>> m = TwoSpecies(0.1, 500.0, 1e-4, 0.3, 1 / 0.003, 2e-4)   # kexue.fm/archives/3120
        >>> res = m.simulate([100.0, 150.0], (0.0, 400.0))
        >>> [round(float(v), 3) for v in res.y[:, -1]]
        [375.0, 250.0]
        >>> res = m.simulate([100.0, 0.0], (0.0, 400.0))   # species 2 absent
        >>> [round(float(v), 3) for v in res.y[:, -1]]
        [500.0, 0.0]
        """
        unknown = set(solver_options) - set(_SOLVER_OPTIONS)
        if unknown:
            raise TypeError(f"simulate() got unexpected option(s) {sorted(unknown)}; "
                            f"accepted: {list(_SOLVER_OPTIONS)}")
        x0 = self._check_x0(x0)
        opts = {"rtol": 1e-8, "atol": 1e-10}
        opts.update(solver_options)
        support = np.flatnonzero(x0 > 0)
        n = self.n
        if support.size == 0:  # nobody there: nothing happens
            from ..integrate._validate import check_t_eval, check_t_span

            t0, t1 = check_t_span(t_span)
            te = check_t_eval(t_eval, t0, t1)
            t = np.array([t0, t1]) if te is None else te
            return OdeResult(t=t, y=np.zeros((n, t.size)), sol=None, t_events=[],
                             y_events=[], nfev=0, nsteps=0, nrejected=0, status=0,
                             message="All populations are zero: nothing to integrate.",
                             success=True)
        sub = LotkaVolterra(self.r[support], self.A[np.ix_(support, support)])
        res = solve_ivp(lv_log_rhs, t_span, np.log(x0[support]), params=sub.params,
                        t_eval=t_eval, **opts)
        y = np.zeros((n, res.t.size))
        y[support] = np.exp(res.y)
        sol = _DenseX(res.sol, support, n) if res.sol is not None else None
        return OdeResult(t=res.t, y=y, sol=sol, t_events=[], y_events=[], nfev=res.nfev,
                         nsteps=res.nsteps, nrejected=res.nrejected, status=res.status,
                         message=res.message, success=res.success)

    # --- analysis (see odekit.competition.analysis) ------------------------------------
    def equilibria(self, tol: float = 1e-9):
        """Every equilibrium with x >= 0; see :func:`odekit.competition.equilibria`."""
        from .analysis import equilibria

        return equilibria(self, tol=tol)


class TwoSpecies(LotkaVolterra):
    """Two competing species in the notation of https://kexue.fm/archives/3120.

    dx1/dt = r1 x1 (1 - x1/N1) - a1 x1 x2,  dx2/dt = r2 x2 (1 - x2/N2) - a2 x1 x2.

    Parameters
    ----------
    r1, r2 : float
        Intrinsic growth rates (> 0, per unit time).
    N1, N2 : float
        Carrying capacities of each species alone (> 0).
    a1, a2 : float
        Competition coefficients (>= 0): a1 is how much species 2 slows species 1 per
        individual pair, a2 the reverse.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.competition import TwoSpecies
    >>> m = TwoSpecies(0.1, 500.0, 1e-4, 0.3, 1 / 0.003, 2e-4)
    >>> m.outcome().name
    'COEXISTENCE'
    >>> [round(float(v), 6) for v in m.invasion_rates()]
    [0.066667, 0.2]
    >>> back = TwoSpecies.from_lotka_volterra(m.to_lotka_volterra())
    >>> bool(np.allclose(back.values, m.values, rtol=1e-14))
    True
    """

    def __init__(self, r1, N1, a1, r2, N2, a2):
        r1, N1, a1 = (C.positive(r1, "r1"), C.positive(N1, "N1"),
                      C.positive(a1, "a1", allow_zero=True))
        r2, N2, a2 = (C.positive(r2, "r2"), C.positive(N2, "N2"),
                      C.positive(a2, "a2", allow_zero=True))
        self.r1, self.N1, self.a1, self.r2, self.N2, self.a2 = r1, N1, a1, r2, N2, a2
        super().__init__([r1, r2], [[r1 / N1, a1], [a2, r2 / N2]])

    names = ("r1", "N1", "a1", "r2", "N2", "a2")

    @property
    def values(self) -> tuple:
        """(r1, N1, a1, r2, N2, a2)."""
        return (self.r1, self.N1, self.a1, self.r2, self.N2, self.a2)

    def as_dict(self) -> dict:
        """The six parameters by name."""
        return dict(zip(self.names, self.values))

    def to_lotka_volterra(self) -> LotkaVolterra:
        """The same model as an n = 2 :class:`LotkaVolterra` (A = [[r1/N1, a1], [a2, r2/N2]])."""
        return LotkaVolterra(self.r, self.A)

    @classmethod
    def from_lotka_volterra(cls, model: LotkaVolterra) -> "TwoSpecies":
        """The two-species model with the same r and A (N_i = r_i / A_ii)."""
        if not isinstance(model, LotkaVolterra):
            raise TypeError(f"model must be a LotkaVolterra, got {type(model).__name__}")
        if model.n != 2:
            raise ValueError(f"model must have 2 species, got {model.n}")
        r, A = model.r, model.A
        return cls(r[0], r[0] / A[0, 0], A[0, 1], r[1], r[1] / A[1, 1], A[1, 0])

    @classmethod
    def from_alphas(cls, r1, K1, alpha12, r2, K2, alpha21) -> "TwoSpecies":
        """From the textbook form dx1/dt = r1 x1 (1 - (x1 + alpha12 x2) / K1) (and 1 <-> 2).

        Then N_i = K_i, a1 = r1 alpha12 / K1 and a2 = r2 alpha21 / K2.

        Examples
        --------
        >>> from odekit.competition import TwoSpecies
        >>> m = TwoSpecies.from_alphas(1.0, 100.0, 0.5, 2.0, 80.0, 0.25)
        >>> round(m.a1, 6), round(m.a2, 6)
        (0.005, 0.00625)
        """
        r1, K1, r2, K2 = (C.positive(r1, "r1"), C.positive(K1, "K1"),
                          C.positive(r2, "r2"), C.positive(K2, "K2"))
        alpha12 = C.positive(alpha12, "alpha12", allow_zero=True)
        alpha21 = C.positive(alpha21, "alpha21", allow_zero=True)
        return cls(r1, K1, r1 * alpha12 / K1, r2, K2, r2 * alpha21 / K2)

    @property
    def alphas(self) -> tuple:
        """(alpha12, alpha21) of the textbook form: a1 N1 / r1 and a2 N2 / r2."""
        return (self.a1 * self.N1 / self.r1, self.a2 * self.N2 / self.r2)

    def __repr__(self):
        return ("TwoSpecies(" + ", ".join(f"{k}={v:.6g}" for k, v in self.as_dict().items())
                + ")")

    # --- analysis shortcuts -------------------------------------------------------------
    def invasion_rates(self) -> tuple:
        """(r1 - a1 N2, r2 - a2 N1): each species' growth rate when rare, the other at
        its capacity; see :func:`odekit.competition.invasion_rates`."""
        from .analysis import invasion_rates

        return invasion_rates(self)

    def outcome(self, tol: float = 1e-9):
        """The long-run :class:`~odekit.competition.Outcome`; see
        :func:`odekit.competition.outcome`."""
        from .analysis import outcome

        return outcome(self, tol=tol)

    def nullclines(self, xlim=None, ylim=None, num: int = 200):
        """See :func:`odekit.competition.nullclines`."""
        from .phaseplane import nullclines

        return nullclines(self, xlim, ylim, num=num)

    def separatrix(self, xlim=None, ylim=None, **kwargs):
        """See :func:`odekit.competition.separatrix`."""
        from .phaseplane import separatrix

        return separatrix(self, xlim, ylim, **kwargs)

    def unstable_manifold(self, saddle=None, xlim=None, ylim=None, **kwargs):
        """See :func:`odekit.competition.unstable_manifold`."""
        from .phaseplane import unstable_manifold

        return unstable_manifold(self, saddle, xlim, ylim, **kwargs)

    def basins(self, xlim=None, ylim=None, resolution: int = 200, **kwargs):
        """See :func:`odekit.competition.basins`."""
        from .phaseplane import basins

        return basins(self, xlim, ylim, resolution, **kwargs)

    def window(self, margin: float = 1.25) -> tuple:
        """A default plotting window ((0, x_max), (0, y_max)) holding every equilibrium."""
        xs = [self.N1]
        ys = [self.N2]
        for e in self.equilibria():
            xs.append(e.x[0])
            ys.append(e.x[1])
        return (0.0, margin * max(xs)), (0.0, margin * max(ys))


