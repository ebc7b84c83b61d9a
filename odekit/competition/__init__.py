"""Competing species: Lotka–Volterra competition models, their phase plane, and fits.

Two species, each logistic alone, each slowing the other (https://kexue.fm/archives/3120):
:class:`TwoSpecies` in the blog's notation, :class:`LotkaVolterra` for n species. Analysis:
:func:`equilibria` (with Jacobians, eigenvalues and kinds), :func:`outcome` and
:func:`invasion_rates`; the phase plane: :func:`nullclines`, :func:`separatrix`,
:func:`unstable_manifold`, :func:`basins`; data: :func:`fit` and the Gause (1934)
*Paramecium* experiments in :mod:`odekit.competition.datasets`. Plots live in
:mod:`odekit.competition.plot` (imported on demand).
"""

from .analysis import KINDS, Equilibrium, Outcome, classify, equilibria, invasion_rates, outcome
from .fit import FitResult, fit
from .model import LotkaVolterra, TwoSpecies
from .phaseplane import Basins, basins, nullclines, separatrix, unstable_manifold

__all__ = ["LotkaVolterra", "TwoSpecies", "Equilibrium", "Outcome", "KINDS", "classify",
           "equilibria", "outcome", "invasion_rates", "nullclines", "separatrix",
           "unstable_manifold", "basins", "Basins", "fit", "FitResult"]
