"""Taylor coefficients of every elementary operation against mpmath.taylor.

One system carries all the operations: y0' = 1 makes y0 = c + t, and every other state is
y_i' = op(a, b, t) with a, b polynomial series in y0 whose constants come from p (so one
compilation serves many random inputs). Then y_i^[k+1] = F_i^[k] / (k + 1), where F_i(s)
= op(a(c + s), b(c + s)) is differentiated independently by mpmath at 40 digits.
"""

import mpmath
import numpy as np
import pytest

from odekit import _jit
from odekit.integrate.taylor import _solve
from odekit.integrate.taylor._driver import call_kernel

P = 10

OPS = [
    ("mul", lambda a, b, t: a * b),
    ("div", lambda a, b, t: a / b),
    ("square", lambda a, b, t: a * a),
    ("cube", lambda a, b, t: a ** 3),
    ("pow1.7", lambda a, b, t: a ** 1.7),
    ("pow-2.5", lambda a, b, t: a ** -2.5),
    ("sqrt", lambda a, b, t: np.sqrt(a)),
    ("exp", lambda a, b, t: np.exp(a)),
    ("log", lambda a, b, t: np.log(a)),
    ("sin", lambda a, b, t: np.sin(a)),
    ("cos", lambda a, b, t: np.cos(b)),
    ("tan", lambda a, b, t: np.tan(a)),
    ("tanh", lambda a, b, t: np.tanh(b)),
    ("atan2", lambda a, b, t: np.arctan2(a, b)),
    ("sub-neg", lambda a, b, t: -(a - 2.0 * b)),
    ("time", lambda a, b, t: a * t),
]
MP = {
    "mul": lambda a, b, s: a * b, "div": lambda a, b, s: a / b,
    "square": lambda a, b, s: a * a, "cube": lambda a, b, s: a ** 3,
    "pow1.7": lambda a, b, s: a ** mpmath.mpf(1.7),
    "pow-2.5": lambda a, b, s: a ** mpmath.mpf(-2.5),
    "sqrt": lambda a, b, s: mpmath.sqrt(a), "exp": lambda a, b, s: mpmath.exp(a),
    "log": lambda a, b, s: mpmath.log(a), "sin": lambda a, b, s: mpmath.sin(a),
    "cos": lambda a, b, s: mpmath.cos(b), "tan": lambda a, b, s: mpmath.tan(a),
    "tanh": lambda a, b, s: mpmath.tanh(b), "atan2": lambda a, b, s: mpmath.atan2(a, b),
    "sub-neg": lambda a, b, s: -(a - 2 * b), "time": lambda a, b, s: a * s,
}
def allops(t, y, p, dydt):
    x = y[0]
    a = p[0] + p[1] * x + 0.3 * x * x
    b = p[2] + p[3] * x - 0.2 * x * x * x
    dydt[0] = 1.0
    for k, (_, op) in enumerate(OPS):
        dydt[k + 1] = op(a, b, t)


N = len(OPS) + 1


@pytest.fixture(scope="module", params=["unrolled", "compact"])
def prep(request):
    # both kinds of kernel (see odekit/integrate/taylor/_compact.py)
    pr = _solve.prepare(allops, N, 4, P, mode=request.param)
    assert pr.mode == request.param or _jit.DISABLED  # plain Python: one kind
    return pr


@pytest.mark.parametrize("seed", range(6))
def test_coefficients_against_mpmath(prep, seed):
    rng = np.random.default_rng(seed)
    c = rng.uniform(-0.5, 0.5)
    t0 = rng.uniform(-1, 1)
    p = np.array([rng.uniform(0.6, 1.0), rng.uniform(-0.5, 0.5), rng.uniform(1.0, 1.5),
                  rng.uniform(-0.5, 0.5)])
    D = prep.D
    b = np.zeros(prep.nbuf)
    b[0] = c
    b[1:N] = rng.uniform(-1, 1, N - 1)
    b[D.t_slot] = t0
    b[prep.param_slots] = p
    call_kernel(prep.addr, b, np.zeros(1))
    coef = b[:(P + 1) * D.nslots].reshape(P + 1, D.nslots)[:, :N]
    with mpmath.workdps(40):  # restored afterwards (other modules use mpmath too)
        pm = [mpmath.mpf(float(v)) for v in p]
        for k, (name, _) in enumerate(OPS):

            def F(s, name=name):
                x = mpmath.mpf(float(c)) + s
                a = pm[0] + pm[1] * x + mpmath.mpf(0.3) * x * x
                bb = pm[2] + pm[3] * x - mpmath.mpf(0.2) * x * x * x
                return MP[name](a, bb, mpmath.mpf(float(t0)) + s)

            ref = mpmath.taylor(F, 0, P - 1)
            want = np.array([float(ref[j]) / (j + 1) for j in range(P)])
            got = coef[1:, k + 1]
            scale = max(1.0, float(np.max(np.abs(want))))
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * scale,
                                       err_msg=f"op {name}, seed {seed}")
    # y0' = 1: the linear state's coefficients are exact
    assert coef[1, 0] == 1.0 and np.all(coef[2:, 0] == 0.0)


def test_param_only_nodes_are_order_zero(prep):
    # a node of parameters only (degree 0) carries one coefficient; t has two
    D = prep.D
    assert D.deg[D.t_slot] == 1
    assert all(D.deg[s] == 0 for s in range(D.nslots) if D.kind[s] == "param")
