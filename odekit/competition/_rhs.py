"""Right-hand sides of the competition family, written once (parameters are data).

Kept in a module of their own: the ODE core keys its compiled kernels on the source file
of the function, so the kernels survive edits elsewhere in the family.

Parameter layout (``p``, 1-D float64) for a system of ``n = len(y)`` species::

    p[0:n]            growth rates r_i
    p[n:n + n*n]      interaction matrix A, row-major (A[i, j] = p[n + i*n + j])
    p[n + n*n:]       extra slots read only by the event function (window, see below)

The state is ``z = log x`` (component-wise): dz_i/dt = r_i - sum_j A_ij exp(z_j). Integrating
the logarithm keeps every population positive (exp never returns a negative number), and
an absent species is left out of the system altogether by the callers.
"""

import math


def lv_log_rhs(t, z, p, dzdt):
    """dz/dt for z = log x of dx_i/dt = x_i (r_i - sum_j A_ij x_j) (in place).

    One and two species are written out (one exp per species per call); more species take
    the general double loop (exp(z_j) recomputed in it: no scratch array is allocated).
    """
    n = z.shape[0]
    if n == 2:
        e0 = math.exp(z[0])
        e1 = math.exp(z[1])
        dzdt[0] = p[0] - p[2] * e0 - p[3] * e1
        dzdt[1] = p[1] - p[4] * e0 - p[5] * e1
        return
    if n == 1:
        dzdt[0] = p[0] - p[1] * math.exp(z[0])
        return
    for i in range(n):
        acc = p[i]
        base = n + i * n
        for j in range(n):
            acc -= p[base + j] * math.exp(z[j])
        dzdt[i] = acc


def window_event(t, z, p):
    """Positive while a 2-species state is inside the window; zero on its edge.

    Reads p[6] = x_max, p[7] = y_max, p[8] = r_min (stop once x + y < r_min, i.e. near the
    origin). The value is the smallest of the three margins, so its first zero is where the
    trajectory leaves the window or comes within r_min of the origin.
    """
    x = math.exp(z[0])
    y = math.exp(z[1])
    g = p[6] - x
    h = p[7] - y
    if h < g:
        g = h
    h = x + y - p[8]
    if h < g:
        g = h
    return g


def lv_rhs(t, x, p, dxdt):
    """dx/dt = x_i (r_i - sum_j A_ij x_j) for two species, in the populations themselves.

    A polynomial: no exp, about half the cost per evaluation of :func:`lv_log_rhs`, used
    where positivity matters less than speed (:func:`odekit.competition.basins`, which
    only asks which attractor a trajectory goes to; the axes are invariant, so a start in
    the open quadrant leaves it only by the integration error). Same parameter layout.
    Two species only, written out: a general n-species loop in the same function makes
    every call twice as slow (measured). Placed last in this file so that the cached
    kernels of the functions above keep their line numbers.
    """
    x0 = x[0]
    x1 = x[1]
    dxdt[0] = x0 * (p[0] - p[2] * x0 - p[3] * x1)
    dxdt[1] = x1 * (p[1] - p[4] * x0 - p[5] * x1)
