"""Classic test problems with known answers, as compiled-ready right-hand sides.

Used by the demos, the benchmarks and the documentation figures; handy for trying the
solvers. Each right-hand side uses the in-place form ``f(t, y, p, dydt)``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["arenstorf", "ARENSTORF_PARAMS", "ARENSTORF_Y0", "ARENSTORF_PERIOD",
           "harmonic_oscillator", "van_der_pol"]

#: Mass ratio mu of the Arenstorf orbit (Earth–Moon restricted three-body problem).
ARENSTORF_PARAMS = np.array([0.012277471])
#: Initial state (x, x', y, y') of the periodic Arenstorf orbit.
ARENSTORF_Y0 = np.array([0.994, 0.0, 0.0, -2.00158510637908252240537862224])
#: Its period: the orbit returns to ARENSTORF_Y0 at this time.
ARENSTORF_PERIOD = 17.0652165601579625588917206249


def arenstorf(t, y, p, dydt):
    """Restricted three-body problem in the rotating frame (Hairer, Nørsett & Wanner I, II.0).

    State (x, x', y, y'); ``p[0]`` is the mass ratio mu.

    Examples
    --------
    >>> import odekit
    >>> from odekit.integrate import examples as ex
    >>> res = odekit.solve_ivp(ex.arenstorf, (0.0, ex.ARENSTORF_PERIOD), ex.ARENSTORF_Y0,
    ...                        params=ex.ARENSTORF_PARAMS, rtol=1e-10, atol=1e-12)
    >>> bool(abs(res.y[0, -1] - ex.ARENSTORF_Y0[0]) < 1e-5)
    True
    """
    mu = p[0]
    mup = 1.0 - mu
    x = y[0]
    yy = y[2]
    r1 = (x + mu) * (x + mu) + yy * yy
    r2 = (x - mup) * (x - mup) + yy * yy
    i1 = 1.0 / (r1 * math.sqrt(r1))
    i2 = 1.0 / (r2 * math.sqrt(r2))
    dydt[0] = y[1]
    dydt[1] = x + 2.0 * y[3] - mup * (x + mu) * i1 - mu * (x - mup) * i2
    dydt[2] = y[3]
    dydt[3] = yy - 2.0 * y[1] - mup * yy * i1 - mu * yy * i2


def harmonic_oscillator(t, y, p, dydt):
    """y'' = -p[0]^2 y as a first-order system (y, y')."""
    dydt[0] = y[1]
    dydt[1] = -p[0] * p[0] * y[0]


def van_der_pol(t, y, p, dydt):
    """Van der Pol oscillator y'' = p[0] (1 - y^2) y' - y as (y, y')."""
    dydt[0] = y[1]
    dydt[1] = p[0] * (1.0 - y[0] * y[0]) * y[1] - y[0]
