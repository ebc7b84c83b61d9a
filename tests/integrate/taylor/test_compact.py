"""The compact kernel (loops over the order) against mpmath and against the unrolled one.

The operations of test_coefficients run in both modes there; here: every operation with
an argument that is a polynomial in t (degrees clip the compact loops' bounds), against
mpmath in both modes; a Pleiades-sized system (the size that picks compact) in both modes;
solves, events and batches in compact mode.
"""

import math

import mpmath
import numpy as np
import pytest

from odekit import _jit
from odekit.integrate import Event
from odekit.integrate.taylor import _codegen, _solve, solve_taylor, solve_taylor_ensemble
from odekit.integrate.taylor._driver import call_kernel

from ..problems import PLEIADES_Y0, pleiades

pytestmark = pytest.mark.skipif(_jit.DISABLED, reason="the compact kernel is compiled code")

P = 9

# q: a polynomial in t of degree 2; a: a series through the state x = y0 = c + t
OPS = [
    ("exp_q", lambda a, q: np.exp(0.5 * q) * a),
    ("sin_q", lambda a, q: np.sin(q)),
    ("cos_q", lambda a, q: np.cos(q) * a),
    ("log_q", lambda a, q: np.log(q)),
    ("sqrt_q", lambda a, q: np.sqrt(q)),
    ("pow_q", lambda a, q: q ** 1.3),
    ("pow_a", lambda a, q: a ** -0.7),
    ("tan_q", lambda a, q: np.tan(0.3 * q)),
    ("tanh_q", lambda a, q: np.tanh(q)),
    ("div_aq", lambda a, q: a / q),
    ("div_qa", lambda a, q: q / a),
    ("mul_qa", lambda a, q: q * a),
    ("atan2_qa", lambda a, q: np.arctan2(q, a)),
    ("atan2_aq", lambda a, q: np.arctan2(a, q)),
    ("add_sub", lambda a, q: (q + a) - (a * a - q)),
    ("exp_a", lambda a, q: np.exp(a)),
]
MP = {
    "exp_q": lambda a, q: mpmath.exp(q / 2) * a, "sin_q": lambda a, q: mpmath.sin(q),
    "cos_q": lambda a, q: mpmath.cos(q) * a, "log_q": lambda a, q: mpmath.log(q),
    "sqrt_q": lambda a, q: mpmath.sqrt(q), "pow_q": lambda a, q: q ** mpmath.mpf(1.3),
    "pow_a": lambda a, q: a ** mpmath.mpf(-0.7),
    "tan_q": lambda a, q: mpmath.tan(mpmath.mpf(0.3) * q), "tanh_q": lambda a, q: mpmath.tanh(q),
    "div_aq": lambda a, q: a / q, "div_qa": lambda a, q: q / a, "mul_qa": lambda a, q: q * a,
    "atan2_qa": lambda a, q: mpmath.atan2(q, a), "atan2_aq": lambda a, q: mpmath.atan2(a, q),
    "add_sub": lambda a, q: (q + a) - (a * a - q), "exp_a": lambda a, q: mpmath.exp(a),
}
N = len(OPS) + 1


def tops(t, y, p, dydt):
    x = y[0]
    a = p[0] + p[1] * x + 0.3 * x * x
    q = p[2] + 0.3 * t + 0.1 * t * t
    dydt[0] = 1.0
    for k, (_, op) in enumerate(OPS):
        dydt[k + 1] = op(a, q)


def _coefs(prep, y, t0, p):
    D = prep.D
    b = np.zeros(prep.nbuf)
    b[:y.size] = y
    b[D.t_slot] = t0
    b[prep.param_slots] = p
    call_kernel(prep.addr, b, np.zeros(1))
    return b[:(prep.P + 1) * D.nslots].reshape(prep.P + 1, D.nslots)[:, :D.n]


@pytest.fixture(scope="module", params=["unrolled", "compact"])
def tprep(request):
    pr = _solve.prepare(tops, N, 3, P, mode=request.param)
    assert pr.mode == request.param
    return pr


@pytest.mark.parametrize("seed", range(3))
def test_time_polynomial_arguments_against_mpmath(tprep, seed):
    rng = np.random.default_rng(100 + seed)
    c, t0 = rng.uniform(-0.5, 0.5), rng.uniform(-1, 1)
    p = np.array([rng.uniform(0.7, 1.0), rng.uniform(-0.4, 0.4), rng.uniform(1.0, 1.5)])
    y = np.concatenate([[c], rng.uniform(-1, 1, N - 1)])
    coef = _coefs(tprep, y, t0, p)
    # the degree-2 node q has no coefficient above 2 in D (a polynomial in t)
    assert any(0 < d < 1 << 30 for d in tprep.D.deg)
    with mpmath.workdps(40):
        pm = [mpmath.mpf(float(v)) for v in p]
        for k, (name, _) in enumerate(OPS):

            def F(s, name=name):
                x = mpmath.mpf(float(c)) + s
                tt = mpmath.mpf(float(t0)) + s
                a = pm[0] + pm[1] * x + mpmath.mpf(0.3) * x * x
                q = pm[2] + mpmath.mpf(0.3) * tt + mpmath.mpf(0.1) * tt * tt
                return MP[name](a, q)

            ref = mpmath.taylor(F, 0, P - 1)
            want = np.array([float(ref[j]) / (j + 1) for j in range(P)])
            scale = max(1.0, float(np.max(np.abs(want))))
            np.testing.assert_allclose(coef[1:, k + 1], want, rtol=1e-12, atol=1e-13 * scale,
                                       err_msg=f"op {name}, seed {seed}, {tprep.mode}")


def test_pleiades_both_modes_agree_to_rounding():
    Pp = 8
    pc = _solve.prepare(pleiades, 28, 1, Pp, mode="compact")
    pu = _solve.prepare(pleiades, 28, 1, Pp, mode="unrolled")
    assert (pc.mode, pu.mode) == ("compact", "unrolled")
    rng = np.random.default_rng(7)
    y = np.array(PLEIADES_Y0) + rng.uniform(-0.1, 0.1, 28)
    cc, cu = _coefs(pc, y, 0.3, np.zeros(1)), _coefs(pu, y, 0.3, np.zeros(1))
    scale = np.max(np.abs(cu), axis=1, keepdims=True)  # per order
    assert np.max(np.abs(cc - cu) / scale) < 1e-14
    assert np.any(cc != cu)  # another summation order: equal to rounding, not bitwise
    # a whole solve: the same steps, states to rounding (times the problem's growth)
    y0 = np.array(PLEIADES_Y0)
    rc = _solve._run(pc, 0.0, 1.0, y0, np.zeros(1), None, [], False, 10_000, math.inf)
    ru = _solve._run(pu, 0.0, 1.0, y0, np.zeros(1), None, [], False, 10_000, math.inf)
    assert rc.nsteps == ru.nsteps
    np.testing.assert_allclose(rc.y[:, -1], ru.y[:, -1], rtol=0, atol=1e-11)


def test_auto_mode_by_size(monkeypatch):
    from odekit.integrate.taylor._decomp import decompose
    from odekit.integrate.taylor._trace import trace

    def dec(f, n, m):
        g, outs, ev, _ = trace(f, n, m)
        return decompose(g, outs, ev, n, m)

    monkeypatch.delenv("ODEKIT_TAYLOR_MODE", raising=False)
    Dp = dec(pleiades, 28, 1)
    Dk = dec(kepler, 4, 0)
    # the orders of tol 1e-6 ... 1e-12 (8 ... 15): Pleiades compact from order 11 on,
    # small systems unrolled up to order 20
    assert _codegen.choose_mode(Dp, 15) == "compact"
    assert _codegen.choose_mode(Dp, 11) == "compact"
    assert _codegen.choose_mode(Dp, 10) == "unrolled"
    assert _codegen.choose_mode(Dk, 20) == "unrolled"
    assert _codegen.choose_mode(Dp, 15, "unrolled") == "unrolled"
    monkeypatch.setenv("ODEKIT_TAYLOR_MODE", "compact")
    assert _codegen.choose_mode(Dk, 8) == "compact"
    monkeypatch.setenv("ODEKIT_TAYLOR_MODE", "fast")
    with pytest.raises(ValueError, match="mode"):
        _codegen.choose_mode(Dk, 8)


def kepler(t, y, p, dydt):
    r3 = (y[0] * y[0] + y[1] * y[1]) ** 1.5
    dydt[0] = y[2]
    dydt[1] = y[3]
    dydt[2] = -y[0] / r3
    dydt[3] = -y[1] / r3


def test_compact_kepler_invariants_and_unrolled_agreement():
    e = 0.9
    y0 = np.array([1 - e, 0.0, 0.0, math.sqrt((1 + e) / (1 - e))])
    P13 = 13
    out = {}
    for mode in ("compact", "unrolled"):
        pr = _solve.prepare(kepler, 4, 0, P13, mode=mode)
        out[mode] = _solve._run(pr, 0.0, 4 * np.pi, y0, np.empty(0), None, [], False,
                                100_000, math.inf)
    x, y, vx, vy = out["compact"].y
    energy = 0.5 * (vx ** 2 + vy ** 2) - 1 / np.hypot(x, y)
    assert np.max(np.abs(energy + 0.5)) < 1e-9
    assert out["compact"].nsteps == out["unrolled"].nsteps
    np.testing.assert_allclose(out["compact"].y[:, -1], out["unrolled"].y[:, -1],
                               rtol=0, atol=1e-10)


def osc_c(t, y, p):
    return np.array([y[1], -y[0]])


def y0_zero_c(t, y, p):
    return y[0]


def test_compact_events_against_known_roots(monkeypatch):
    # cos t crosses zero at pi/2 + j pi: the event outputs need order P (kmax = P)
    monkeypatch.setenv("ODEKIT_TAYLOR_MODE", "compact")
    ev = Event(y0_zero_c)
    res = solve_taylor(osc_c, (0.0, 10.0), [1.0, 0.0], tol=1e-13, events=[ev],
                       dense_output=True)
    want = np.pi / 2 + np.pi * np.arange(3)
    np.testing.assert_allclose(res.t_events[0], want, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.sol(np.array([1.0, 7.0]))[0], np.cos([1.0, 7.0]),
                               atol=1e-12)


def mathieu_c(t, y, p, dydt):
    c = p[0] - 2.0 * p[1] * np.cos(2.0 * t)  # cos 2t: two extra states (init kernel)
    dydt[0] = y[1]
    dydt[1] = -c * y[0]


def test_compact_batch_equals_compact_scalar_bitwise(monkeypatch):
    monkeypatch.setenv("ODEKIT_TAYLOR_MODE", "compact")
    pars = np.stack([np.linspace(-2, 8, 11), np.linspace(0, 4, 11)], 1)
    span = (0.0, 2.0)
    ens = solve_taylor_ensemble(mathieu_c, span, [1.0, 0.0], params=pars, tol=1e-11)
    assert ens.success
    for i in (0, 5, 10):
        pr = _solve.prepare(mathieu_c, 2, 2, _codegen.order_from_tol(1e-11), mode="compact")
        s = _solve._run(pr, 0.0, 2.0, np.array([1.0, 0.0]), pars[i], None, [], False,
                        100_000, math.inf)
        np.testing.assert_array_equal(ens.y[i, :, -1], s.y[:, -1])
        assert ens.nfev[i] == s.nsteps
