"""Result objects, the event description and the integration error."""

from __future__ import annotations

import numbers
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


def check_terminal(terminal, name="terminal"):
    """``terminal`` as False, True or an int n >= 2 (stop at the n-th zero).

    SciPy's rule: None or 0 is not terminal, True or 1 stops at the first zero, a positive
    integer n (or an integral float) at the n-th. Anything else (a negative number, a
    non-integral float) is a ValueError; a non-number a TypeError.
    """
    if terminal is None or isinstance(terminal, (bool, np.bool_)):
        return bool(terminal)
    if isinstance(terminal, numbers.Integral):
        n = int(terminal)
        if n >= 0:
            return n if n >= 2 else bool(n)
    elif isinstance(terminal, numbers.Real):
        v = float(terminal)
        if v == 0:
            return False
        if v > 0 and v.is_integer():  # SciPy accepts an integral float (2.0)
            return int(v) if v >= 2 else True
    else:
        raise TypeError(f"{name} must be a bool or a positive integer (the number of zeros "
                        f"after which the integration stops), got {terminal!r}")
    raise ValueError(f"{name} must be a bool or a positive integer (the number of zeros "
                     f"after which the integration stops), got {terminal!r}")


@dataclass(frozen=True)
class Event:
    """An event function ``g(t, y, p)`` whose zeros are located during integration.

    Parameters
    ----------
    g : callable
        ``g(t, y, p) -> float``; compiled with Numba on the way in, like the right-hand side.
    terminal : bool or int
        False (or 0, None): only record the zeros. True (or 1): stop the integration at
        the first zero found. An integer n >= 2: stop at the n-th zero (SciPy's rule).
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
    terminal: bool | int = False
    direction: float = 0.0

    @classmethod
    def from_function(cls, g):
        """``Event(g)`` with SciPy's attributes ``g.terminal`` and ``g.direction`` honoured
        (and validated as SciPy does: ``terminal`` a bool or a positive integer).

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
        terminal = check_terminal(getattr(g, "terminal", False),
                                  "The `terminal` attribute of an event function")
        direction = getattr(g, "direction", 0.0)
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
        object.__setattr__(self, "terminal", check_terminal(self.terminal, "Event: terminal"))


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
    t_events, y_events : list of ndarray, or None
        For each event, the times (k,) and states (k, n) of its zeros; an event that
        found no zero has ``t_events[i]`` and ``y_events[i]`` of shape (0,) (SciPy's
        shapes). None when no ``events`` were given.
    nfev, nsteps, nrejected : int
        Right-hand-side evaluations, accepted steps, rejected steps.
    njev, nlu : int
        Jacobian evaluations and LU decompositions (SciPy's fields; 0 for the explicit
        methods).
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
    njev: int = 0
    nlu: int = 0

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
