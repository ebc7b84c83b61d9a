"""Characteristic lines: first-order PDEs, density transport, and the construction of
diffusion / flow ODEs between a data distribution and a prior.

Convention throughout: data at t = 0, prior at t = T; sampling runs from T down to 0.

Examples
--------
>>> import numpy as np
>>> from odekit import characteristics as ch
>>> field = ch.MarginalField(ch.LinearPath(), ch.EmpiricalData([[0.0, 0.0], [1.0, 1.0]]))
>>> ch.sample(field, 4, seed=0).shape
(4, 2)
"""

from .data import EmpiricalData, GaussianMixture, GaussianPrior, HeavyTailedPrior, UniformPrior
from .fields import MarginalField, continuity_residual, log_likelihood, sample
from .paths import GaussianPath, LinearPath, PoissonPath
from .pde import Characteristics, solve_first_order, solve_quasilinear
from .transport import TransportResult, transport

__all__ = [
    "GaussianPath", "LinearPath", "PoissonPath",
    "EmpiricalData", "GaussianMixture", "GaussianPrior", "UniformPrior", "HeavyTailedPrior",
    "MarginalField", "sample", "log_likelihood", "continuity_residual",
    "transport", "TransportResult",
    "solve_quasilinear", "solve_first_order", "Characteristics",
]
