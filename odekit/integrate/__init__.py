"""The ODE core: adaptive Runge–Kutta integrators compiled with Numba."""

from ._results import EnsembleResult, Event, IntegrationError, OdeResult
from ._status import Status
from .compiled import CompiledSolver, compile_solver
from .ensemble import solve_ensemble
from .ivp import solve_ivp

__all__ = ["solve_ivp", "solve_ensemble", "compile_solver", "CompiledSolver", "Event",
           "OdeResult", "EnsembleResult", "IntegrationError", "Status"]
