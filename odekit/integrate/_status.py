"""Status codes of the integrators and their messages, in one place (as diffrax's RESULTS).

Used by the compiled driver (as plain integers), by :func:`odekit.solve_ivp`,
:func:`odekit.solve_ensemble`, :class:`odekit.IntegrationError` and
``OdeResult.message``.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["Status"]


class Status(IntEnum):
    """How an integration ended.

    Non-negative values are successes, negative ones failures (raised as
    :class:`odekit.IntegrationError`, or kept per trajectory by
    ``solve_ensemble(..., raise_on_failure=False)``).

    Examples
    --------
    >>> from odekit.integrate import Status
    >>> Status(1).message
    'A termination event occurred.'
    >>> Status.MAX_STEPS.failed
    True
    """

    SUCCESS = 0
    TERMINATED = 1
    BUFFER_FULL = 2  # internal: an output buffer is full; the driver resumes after growing it
    STEP_SIZE_UNDERFLOW = -1
    NONFINITE = -2
    MAX_STEPS = -3

    @property
    def message(self) -> str:
        """The message of this status (SciPy's wording for the successes)."""
        return _MESSAGES[self]

    @property
    def failed(self) -> bool:
        return self.value < 0


_MESSAGES = {
    Status.SUCCESS: "The solver successfully reached the end of the integration interval.",
    Status.TERMINATED: "A termination event occurred.",
    Status.BUFFER_FULL: "an output buffer is full (internal; never returned)",
    Status.STEP_SIZE_UNDERFLOW: "step size underflow",
    Status.NONFINITE: "non-finite state or derivative",
    Status.MAX_STEPS: "max_steps reached",
}
