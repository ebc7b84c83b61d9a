"""An adaptive Taylor-series integrator (Jorba & Zou 2005; heyoka's step rule).

The right-hand side is traced once into elementary operations (:mod:`._trace`), its
Taylor coefficients are generated as straight-line Numba code per function and order
(:mod:`._codegen`), and the step loop advances with the order set by the tolerance and
the step from the last two coefficients (:func:`solve_taylor`). :func:`solve_taylor_ensemble`
advances W trajectories together in SIMD lanes.
"""

from ._batch_solve import _solve_ensemble_hook, solve_taylor_ensemble  # noqa: F401
from ._codegen import order_from_tol
from ._solve import TaylorSolution, _solve_ivp_hook, solve_taylor  # noqa: F401
from ._trace import TraceError

__all__ = ["solve_taylor", "solve_taylor_ensemble", "TaylorSolution", "TraceError",
           "order_from_tol"]
