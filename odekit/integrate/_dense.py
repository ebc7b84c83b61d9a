"""``DenseSolution``: the continuous solution assembled from the steps' interpolants."""

from __future__ import annotations

import numpy as np

__all__ = ["DenseSolution", "constant_solution"]


class DenseSolution:
    """Continuous solution assembled from the steps' interpolants.

    Call it with a scalar time (returns shape (n,)) or an array of k times (returns
    (n, k)).

    Outside the integrated interval (beyond a few ulps) it raises ValueError, unless
    ``extrapolate`` is True: then the first or last step's interpolating polynomial is
    evaluated there, as SciPy's ``OdeSolution`` does (an extrapolation, with no error
    control; its error grows quickly away from the interval).

    Parameters
    ----------
    t0, t_end : float
        Start of the integration and the time it reached.
    d_t, d_h, d_y, d_Q : ndarray
        Per step: start time (k,), step size (k,), state at the start (k, n), and the
        coefficients (k, D, n) of the interpolant ``y(t + theta h) = y + theta * (Q[0] +
        (1 - theta) * sum_{d >= 1} Q[d] theta^(d-1))``: ``Q[0]`` is the step's increment
        ``y_new - y`` exactly, so the interpolant meets every step's end point exactly.
    extrapolate : bool, optional
        Evaluate outside the interval instead of raising (also settable as an attribute).

    Examples
    --------
    >>> import numpy as np, odekit
    >>> def decay(t, y, p):
    ...     return -y
    >>> sol = odekit.solve_ivp(decay, (0.0, 1.0), [1.0], rtol=1e-10, atol=1e-12,
    ...                        dense_output=True).sol
    >>> bool(abs(sol(0.5)[0] - np.exp(-0.5)) < 1e-9)
    True
    >>> sol(2.0)
    Traceback (most recent call last):
    ...
    ValueError: t must lie within the integrated interval [0.0, 1.0] (or set extrapolate=True)
    >>> sol.extrapolate = True
    >>> sol(1.1).shape
    (1,)
    """

    def __init__(self, t0, t_end, d_t, d_h, d_y, d_Q, *, extrapolate=False):
        self.t_min, self.t_max = min(t0, t_end), max(t0, t_end)
        self._t0 = t0
        self._dir = 1.0 if t_end >= t0 else -1.0
        self._t, self._h, self._y, self._Q = d_t, d_h, d_y, d_Q
        self.n = d_y.shape[1]
        self.extrapolate = bool(extrapolate)

    def __call__(self, t):
        t_arr = np.asarray(t, dtype=float)
        scalar = t_arr.ndim == 0
        tt = t_arr.reshape(-1)
        if not np.all(np.isfinite(tt)):
            raise ValueError("t must be finite")
        if not self.extrapolate and tt.size:
            span = self.t_max - self.t_min
            scale = max(abs(self.t_min), abs(self.t_max), span)
            tol = 4 * np.finfo(float).eps * scale if np.isfinite(scale) else 0.0
            if tt.min() < self.t_min - tol or tt.max() > self.t_max + tol:
                raise ValueError(f"t must lie within the integrated interval "
                                 f"[{self.t_min}, {self.t_max}] (or set extrapolate=True)")
        key = self._dir * self._t
        idx = np.searchsorted(key, self._dir * tt, side="right") - 1
        idx = np.clip(idx, 0, self._t.size - 1)
        y = self._evaluate(tt, idx)
        return y[0] if scalar else y.T

    def _evaluate(self, tt, idx):
        """States (k, n) at the times tt (k,), each in step idx: the steps' interpolants."""
        theta = (tt - self._t[idx]) / self._h[idx]
        Q = self._Q[idx]  # (k, D, n): Δy, then the remainder R(θ) (see _kernels.dense_eval)
        th = theta[:, None]
        if Q.shape[1] > 1:
            acc = Q[:, -1, :]
            for d in range(Q.shape[1] - 2, 0, -1):
                acc = acc * th + Q[:, d, :]
            return self._y[idx] + th * (Q[:, 0, :] + (1.0 - th) * acc)
        return self._y[idx] + th * Q[:, 0, :]

    def __repr__(self):
        return f"DenseSolution(t in [{self.t_min}, {self.t_max}], n={self.n})"


def constant_solution(t0, t_end, y0) -> DenseSolution:
    """The dense solution y(t) = y0 (no step taken: t0 == t_end, or a system without
    state)."""
    n = y0.shape[0]
    return DenseSolution(t0, t_end, np.array([t0]), np.array([1.0]), y0.reshape(1, n).copy(),
                         np.zeros((1, 1, n)))
