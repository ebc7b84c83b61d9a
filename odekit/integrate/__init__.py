"""The ODE core: adaptive Runge–Kutta integrators compiled with Numba."""

from ._results import EnsembleResult, Event, IntegrationError, OdeResult
from .ivp import solve_ivp
from .ensemble import solve_ensemble

__all__ = ["solve_ivp", "solve_ensemble", "Event", "OdeResult", "EnsembleResult",
           "IntegrationError"]
