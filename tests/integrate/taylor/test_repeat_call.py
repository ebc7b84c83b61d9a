"""The repeat-call fast path of solve_taylor gives what the full path gives, keeps every
check, and re-traces whenever what the trace read has changed."""

import dataclasses
import math

import numpy as np
import pytest

import odekit
from odekit import _jit
from odekit.integrate import IntegrationError
from odekit.integrate.taylor import _solve, solve_taylor


def osc(t, y, p):
    return np.array([y[1], -p[0] * y[0]])


GAIN = np.array([1.0])


def decay(t, y, p, k=1.0):
    return np.array([-k * GAIN[0] * y[0]])


def _same(a, b):
    assert type(a) is type(b) and set(vars(a)) == set(vars(b)) \
        == {f.name for f in dataclasses.fields(a)}
    assert (a.sol, a.t_events, a.y_events, a.nrejected, a.njev, a.nlu) == \
        (b.sol, b.t_events, b.y_events, b.nrejected, b.njev, b.nlu)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.y, b.y)
    assert (a.nsteps, a.nfev, a.status, a.message, a.success) == \
        (b.nsteps, b.nfev, b.status, b.message, b.success)
    assert a.t.shape == (a.nsteps + 1,) and a.y.shape == (2, a.nsteps + 1)


def test_repeat_call_equals_full_path():
    _solve._LAST.clear()
    first = solve_taylor(osc, (0.0, 3.0), [1.0, 0.0], params=[2.0], tol=1e-11)
    assert (id(osc) in _solve._LAST) is not _jit.DISABLED  # the fast path is for compiled
    for y0 in ([1.0, 0.0], (1.0, 0.0), np.array([1.0, 0.0])):
        for p in ([2.0], (2.0,), np.array([2.0])):
            _same(solve_taylor(osc, (0.0, 3.0), y0, params=p, tol=1e-11), first)
    # a different span and tolerance on the same path
    back = solve_taylor(osc, (3.0, 0.0), first.y[:, -1], params=[2.0], tol=1e-11)
    np.testing.assert_allclose(back.y[:, -1], [1.0, 0.0], atol=1e-10)
    y0 = np.array([1.0, 0.0])
    solve_taylor(osc, (0.0, 3.0), y0, params=[2.0], tol=1e-11)
    assert y0.tolist() == [1.0, 0.0]  # the input is never written
    ivp = odekit.solve_ivp(osc, (0.0, 3.0), [1.0, 0.0], params=np.array([2.0]),
                           method="taylor", rtol=1e-11, atol=1e-11)
    # solve_ivp's event fields are SciPy's (None without events); solve_taylor's are lists
    assert ivp.t_events is None and ivp.y_events is None and first.t_events == []
    ivp.t_events, ivp.y_events = first.t_events, first.y_events
    _same(ivp, first)
    assert repr(ivp) == repr(first)


def test_repeat_call_keeps_every_check():
    solve_taylor(osc, (0.0, 1.0), [1.0, 0.0], params=[2.0], tol=1e-11)
    for y0, what in [([math.nan, 0.0], "y0"), (np.array([1.0, math.inf]), "y0")]:
        with pytest.raises(ValueError, match=what):
            solve_taylor(osc, (0.0, 1.0), y0, params=[2.0], tol=1e-11)
    with pytest.raises(ValueError, match="params"):
        solve_taylor(osc, (0.0, 1.0), [1.0, 0.0], params=[math.nan], tol=1e-11)
    with pytest.raises(ValueError, match="t_span"):
        solve_taylor(osc, (1.0, 1.0), [1.0, 0.0], params=[2.0], tol=1e-11)
    with pytest.raises(ValueError, match="t_span"):
        solve_taylor(osc, (0.0, math.inf), [1.0, 0.0], params=[2.0], tol=1e-11)
    with pytest.raises(ValueError, match="max_steps"):
        solve_taylor(osc, (0.0, 1.0), [1.0, 0.0], params=[2.0], tol=1e-11, max_steps=0)
    with pytest.raises(IntegrationError, match="max_steps"):
        solve_taylor(osc, (0.0, 100.0), [1.0, 0.0], params=[2.0], tol=1e-11, max_steps=3)
    with pytest.raises(IntegrationError, match="non-finite"):
        solve_taylor(osc, (0.0, 1.0), [1e300, 1e300], params=[1e300], tol=1e-11)
    # through solve_ivp's hook (its own repeat-call path): the same checks
    ivp = odekit.solve_ivp
    ivp(osc, (0.0, 1.0), [1.0, 0.0], params=[2.0], method="taylor", rtol=1e-11, atol=1e-11)
    for rtol, atol in [(math.nan, 1e-11), (1e-11, math.nan), (-1e-11, 1e-11)]:
        with pytest.raises(ValueError, match="rtol|atol|tol"):
            ivp(osc, (0.0, 1.0), [1.0, 0.0], params=[2.0], method="taylor", rtol=rtol,
                atol=atol)
    with pytest.raises(ValueError, match="y0"):
        ivp(osc, (0.0, 1.0), [math.nan, 0.0], params=[2.0], method="taylor", rtol=1e-11,
            atol=1e-11)
    with pytest.raises(ValueError, match="t_span"):
        ivp(osc, (0.0, math.inf), [1.0, 0.0], params=[2.0], method="taylor", rtol=1e-11,
            atol=1e-11)


def test_repeat_call_retraces_what_changed():
    global GAIN
    old = GAIN
    try:
        a = solve_taylor(decay, (0.0, 1.0), [1.0, ], tol=1e-14)
        GAIN[0] = 2.0  # mutated in place
        b = solve_taylor(decay, (0.0, 1.0), [1.0], tol=1e-14)
        GAIN = np.array([3.0])  # rebound
        c = solve_taylor(decay, (0.0, 1.0), [1.0], tol=1e-14)
        decay.__defaults__ = (0.5,)
        d = solve_taylor(decay, (0.0, 1.0), [1.0], tol=1e-14)
    finally:
        GAIN = old
        GAIN[0] = 1.0
        decay.__defaults__ = (1.0,)
    for r, k in [(a, 1.0), (b, 2.0), (c, 3.0), (d, 1.5)]:
        assert abs(r.y[0, -1] - math.exp(-k)) < 1e-13
