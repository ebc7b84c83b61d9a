"""Right-hand sides shared by the core tests (top level, so their kernels cache on disk)."""

import math

import numpy as np


def decay(t, y, p):
    return -p[0] * y


def oscillator(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = -p[0] * p[0] * y[0]


def oscillator_ret(t, y, p):
    return np.array([y[1], -y[0]])


def logistic(t, y, p):
    return p[0] * y * (1.0 - y / p[1])


def linear(t, y, p, dydt):
    """y' = M y with M = p reshaped to (n, n)."""
    n = y.shape[0]
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += p[i * n + j] * y[j]
        dydt[i] = acc


def lorenz(t, y, p):
    s, r, b = p[0], p[1], p[2]
    return np.array([s * (y[1] - y[0]), y[0] * (r - y[2]) - y[1], y[0] * y[1] - b * y[2]])


def vanderpol(t, y, p):
    return np.array([y[1], p[0] * (1.0 - y[0] ** 2) * y[1] - y[0]])


def arenstorf(t, y, p, dydt):
    mu = p[0]
    mup = 1.0 - mu
    x, vx, yy, vy = y[0], y[1], y[2], y[3]
    d1 = ((x + mu) ** 2 + yy ** 2) ** 1.5
    d2 = ((x - mup) ** 2 + yy ** 2) ** 1.5
    dydt[0] = vx
    dydt[1] = x + 2 * vy - mup * (x + mu) / d1 - mu * (x - mup) / d2
    dydt[2] = vy
    dydt[3] = yy - 2 * vx - mup * yy / d1 - mu * yy / d2


ARENSTORF_MU = 0.012277471
ARENSTORF_Y0 = np.array([0.994, 0.0, 0.0, -2.00158510637908252240537862224])
ARENSTORF_T = 17.0652165601579625588917206249


def falling(t, y, p):
    return np.array([y[1], -p[0]])


def height(t, y, p):
    return y[0]


def position(t, y, p):
    return y[0]


def blowup(t, y, p):
    return y * y


def sqrt_rhs(t, y, p):
    return np.array([-1.0 / np.sqrt(1.0 - t) + 0.0 * y[0]])


def wrong_length(t, y, p):
    return np.array([1.0, 2.0, 3.0])


def jacobi(t, y, p):
    """Euler's rigid body in Jacobi form: y = (sn, cn, dn)(t | m = p[0]) from (0, 1, 1)."""
    return np.array([y[1] * y[2], -y[0] * y[2], -p[0] * y[0] * y[1]])


# Pleiades (Hairer, Norsett & Wanner I, II.10; as benchmarks/_wp_problems.py): 7 bodies
# in the plane, 28 states, 343 elementary operations: the size that picks compact
PLEIADES_Y0 = [3.0, 3.0, -1.0, -3.0, 2.0, -2.0, 2.0, 3.0, -3.0, 2.0, 0.0, 0.0, -4.0, 4.0,
               0.0, 0.0, 0.0, 0.0, 0.0, 1.75, -1.5, 0.0, 0.0, 0.0, -1.25, 1.0, 0.0, 0.0]


def pleiades(t, y, p, dydt):
    for i in range(7):
        dydt[i] = y[14 + i]
        dydt[7 + i] = y[21 + i]
        dydt[14 + i] = 0.0
        dydt[21 + i] = 0.0
    for i in range(7):
        for j in range(i + 1, 7):
            dx = y[j] - y[i]
            dy = y[7 + j] - y[7 + i]
            r2 = dx * dx + dy * dy
            r3 = r2 * math.sqrt(r2)
            fx = dx / r3
            fy = dy / r3
            dydt[14 + i] += (j + 1.0) * fx
            dydt[21 + i] += (j + 1.0) * fy
            dydt[14 + j] -= (i + 1.0) * fx
            dydt[21 + j] -= (i + 1.0) * fy
