"""odekit: Numba-compiled solvers for ODEs, first-order PDEs and geometric probability.

The ODE core is re-exported here::

    import odekit
    res = odekit.solve_ivp(f, (0.0, 1.0), y0)

The problem families are subpackages, imported on first use (so ``import odekit`` stays
light and never imports matplotlib): :mod:`odekit.floquet`, :mod:`odekit.mathieu`,
:mod:`odekit.geoprob` and the others found in the package folder (the list is discovered,
so a new family joins by existing).
"""

from __future__ import annotations

import importlib
import os
import pkgutil

__version__ = "0.1.0"

from .integrate import (  # noqa: E402
    CompiledSolver,
    EnsembleResult,
    Event,
    IntegrationError,
    OdeResult,
    Status,
    compile_solver,
    solve_ensemble,
    solve_ivp,
)

# the public modules and subpackages that exist (names without a leading underscore;
# the core `integrate`, the command line and `__main__` are not families)
_SUBPACKAGES = tuple(sorted(
    m.name for m in pkgutil.iter_modules([os.path.dirname(__file__)])
    if not m.name.startswith("_") and m.name not in ("integrate", "cli")))

__all__ = [
    "__version__",
    "solve_ivp",
    "solve_ensemble",
    "compile_solver",
    "CompiledSolver",
    "Event",
    "OdeResult",
    "EnsembleResult",
    "IntegrationError",
    "Status",
    *_SUBPACKAGES,
]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'odekit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES))
