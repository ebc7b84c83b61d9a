"""Mathieu functions, Floquet stability charts and the Kapitza pendulum.

DLMF chapter 28 conventions: y'' + (a - 2q cos 2z) y = 0, z in radians.
The plotting helpers live in :mod:`odekit.mathieu.plot` (imported on demand: it needs
matplotlib).
"""

from .functions import (
    ce,
    ce_prime,
    characteristic_a,
    characteristic_b,
    fourier_coefficients,
    se,
    se_prime,
)

__all__ = [
    "characteristic_a",
    "characteristic_b",
    "fourier_coefficients",
    "ce",
    "se",
    "ce_prime",
    "se_prime",
]

from .chart import (  # noqa: E402
    StabilityChart,
    characteristic_exponent,
    is_stable,
    stability_chart,
    transition_curves,
)
from .kapitza import KapitzaPendulum  # noqa: E402

__all__ += [
    "characteristic_exponent",
    "stability_chart",
    "is_stable",
    "StabilityChart",
    "transition_curves",
    "KapitzaPendulum",
]
