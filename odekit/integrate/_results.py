"""Result objects, the event description and the integration error."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["IntegrationError", "Event", "OdeResult", "EnsembleResult"]


class IntegrationError(RuntimeError):
    """An integration failed: step size underflow, non-finite values or too many steps.

    Attributes
    ----------
    t : float
        The time the integration had reached (for an ensemble: NaN).
    reason : str
        Why it stopped.
    indices : numpy.ndarray or None
        For an ensemble, the indices of the failing trajectories.
    status : odekit.integrate.Status or None
        The failure's status code (for an ensemble: that of the first failing trajectory).
    """

    def __init__(self, message: str, *, t: float = float("nan"), reason: str = "",
                 indices=None, status=None):
        super().__init__(message)
        self.t = t
        self.reason = reason
        self.indices = indices
        self.status = status


def _check_terminal(terminal, name):
    """True/False, or a positive int n > 1 (stop at the n-th zero)."""
    if isinstance(terminal, (bool, np.bool_)):
        return bool(terminal)
    if isinstance(terminal, (int, np.integer)) and terminal >= 0:
        return int(terminal) if terminal > 1 else bool(terminal)
    raise ValueError(f"{name}={terminal!r}: give True or False (stop at the first zero or "
                     "not), or a positive integer n (stop at the n-th zero)")


@dataclass(frozen=True)
class Event:
    """An event function ``g(t, y, p)`` whose zeros are located during integration.

    Parameters
    ----------
    g : callable
        ``g(t, y, p) -> float``; compiled with Numba on the way in, like the right-hand side.
    terminal : bool or int
        Stop the integration at the first zero found (True), or at the n-th (a positive
        int n, as SciPy's ``terminal=n``); False or 0: never.
    direction : float
        0 finds every zero; > 0 only zeros where g goes from negative to positive;
        < 0 only zeros where g goes from positive to negative.

    Examples
    --------
    >>> import numpy as np, odekit
    >>> def f(t, y, p):
    ...     return np.array([y[1], -9.81])
    >>> def ground(t, y, p):
    ...     return y[0]
    >>> res = odekit.solve_ivp(f, (0.0, 10.0), [10.0, 0.0],
    ...                        events=[odekit.Event(ground, terminal=True, direction=-1)])
    >>> round(float(res.t_events[0][0]), 6)   # sqrt(2 * 10 / 9.81)
    1.427843
    """

    g: Callable
    terminal: bool = False
    direction: float = 0.0

    @classmethod
    def from_function(cls, g):
        """``Event(g)`` with SciPy's attributes ``g.terminal`` and ``g.direction`` honoured.

        SciPy's integer ``terminal`` (stop after that many occurrences) is refused unless
        it is 0/1 or a bool: use :class:`Event` and count the events afterwards.

        Examples
        --------
        >>> from odekit import Event
        >>> def g(t, y, p):
        ...     return y[0]
        >>> g.terminal = True; g.direction = -1
        >>> Event.from_function(g)
        Event(g=<function g at ...>, terminal=True, direction=-1.0)
        """
        if isinstance(g, cls):
            return g
        terminal = getattr(g, "terminal", False)
        direction = getattr(g, "direction", 0.0)
        terminal = _check_terminal(terminal, "event function attribute terminal")
        try:
            direction = float(direction)
        except (TypeError, ValueError):
            raise ValueError(f"event function attribute direction={direction!r} must be a "
                             "number (its sign is used)") from None
        return cls(g, terminal=terminal, direction=direction)

    def __post_init__(self):
        if not callable(self.g):
            raise TypeError(f"Event: g must be callable g(t, y, p) -> float, got {self.g!r}")
        d = float(self.direction)
        if not np.isfinite(d):
            raise ValueError("Event: direction must be a finite number (its sign is used)")
        object.__setattr__(self, "direction", float(np.sign(d)))
        object.__setattr__(self, "terminal", _check_terminal(self.terminal, "Event: terminal"))


@dataclass
class OdeResult:
    """The result of :func:`odekit.solve_ivp` (SciPy's field names and shapes).

    Attributes
    ----------
    t : ndarray, shape (m,)
        Output times.
    y : ndarray, shape (n, m)
        States at ``t``.
    sol : callable or None
        Dense output ``sol(t)`` (scalar -> (n,), array of k times -> (n, k)) when
        ``dense_output=True``.
    t_events, y_events : list of ndarray
        For each event, the times (k,) and states (k, n) of its zeros.
    nfev, nsteps, nrejected : int
        Right-hand-side evaluations, accepted steps, rejected steps.
    status : int
        0: reached the end of ``t_span``; 1: stopped by a terminal event.
    message : str
    success : bool
    """

    t: np.ndarray
    y: np.ndarray
    sol: Callable | None
    t_events: list
    y_events: list
    nfev: int
    nsteps: int
    nrejected: int
    status: int
    message: str
    success: bool = True

    def __repr__(self):
        return (f"OdeResult(status={self.status}, message={self.message!r}, "
                f"t.shape={self.t.shape}, y.shape={self.y.shape}, nfev={self.nfev}, "
                f"nsteps={self.nsteps}, nrejected={self.nrejected})")


@dataclass
class EnsembleResult:
    """The result of :func:`odekit.solve_ensemble`.

    Attributes
    ----------
    t : ndarray, shape (m,)
        Output times (``[t1]`` when no ``t_eval`` was given).
    y : ndarray, shape (k, n, m)
        States of every trajectory at ``t``; the rows of a failed trajectory are NaN.
    status : ndarray of int, shape (k,)
        0 success; 1 stopped by a terminal event; negative values are failures (-1 step size underflow, -2 non-finite
        state or derivative, -3 ``max_steps`` reached).
    nfev : ndarray of int, shape (k,)
    success : bool
        Every trajectory succeeded.
    t_final : ndarray, shape (k,) or None
        Where each trajectory ended (t1, or the time of its terminal event).
    t_events, y_events : list or None
        With events: ``t_events[i][j]`` (q,) and ``y_events[i][j]`` (q, n), the times and
        states of event j's zeros on trajectory i; None without events.
    """

    t: np.ndarray
    y: np.ndarray
    status: np.ndarray
    nfev: np.ndarray
    success: bool = field(default=True)
    t_final: np.ndarray | None = None
    t_events: list | None = None
    y_events: list | None = None

    def __repr__(self):
        return (f"EnsembleResult(k={self.y.shape[0]}, n={self.y.shape[1]}, "
                f"len(t)={self.t.size}, success={self.success})")
