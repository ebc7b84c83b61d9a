"""A user function reading a module global: a changed value is used, never a stale kernel
(the core's rule, issue 13, for the functions the family composes into a right-hand side)."""

import numpy as np

from odekit.characteristics import solve_quasilinear

C = 1.0


def _speed(x, t, u):
    return C


def _no_source(x, t, u):
    return 0.0


def test_changed_global_is_used():
    global C
    x0 = np.array([0.0, 1.0])
    t = np.array([0.0, 2.0])
    for c in (1.0, 3.0, 1.0):
        C = c
        res = solve_quasilinear(_speed, _no_source, np.sin, x0, t)
        assert np.allclose(res.x[-1], x0 + 2.0 * c, rtol=1e-9, atol=1e-9)
    C = 1.0
