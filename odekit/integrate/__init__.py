"""The ODE core: adaptive Runge–Kutta integrators compiled with Numba."""

from ._results import EnsembleResult, Event, IntegrationError, OdeResult
from ._status import Status
from .ensemble import solve_ensemble
from .ivp import solve_ivp

__all__ = ["solve_ivp", "solve_ensemble", "Event", "OdeResult", "EnsembleResult",
           "IntegrationError", "Status"]
