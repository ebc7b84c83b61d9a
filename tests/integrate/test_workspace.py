"""solve_ivp reuses its work arrays between solves (a pool): results must never alias them,
a failed or grown solve must not leak into the next one, and threads must not share them."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import odekit


def decay(t, y, p, dydt):
    for i in range(y.shape[0]):
        dydt[i] = -p[0] * (i + 1.0) * y[i]


def oscillator(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = -p[0] * p[0] * y[0]


def blow_up(t, y, p, dydt):
    dydt[0] = y[0] * y[0]


def _exact(t, y0, k):
    return np.array([y0[i] * np.exp(-k * (i + 1.0) * t) for i in range(len(y0))])


@pytest.mark.parametrize("n", [1, 2, 5])
@pytest.mark.parametrize("t_eval", [None, np.linspace(0.0, 1.0, 7)])
def test_results_do_not_alias_the_pool(n, t_eval):
    y0 = np.linspace(1.0, 2.0, n)
    kw = dict(params=[0.5], rtol=1e-9, atol=1e-12, t_eval=t_eval)
    r1 = odekit.solve_ivp(decay, (0.0, 1.0), y0, **kw)
    t1, y1 = r1.t.copy(), r1.y.copy()
    for k in range(3):  # same shapes: the same work arrays are taken again
        odekit.solve_ivp(decay, (0.0, 1.0), y0 * (k + 3.0), **kw)
    assert np.array_equal(r1.t, t1)
    assert np.array_equal(r1.y, y1)
    assert r1.y.flags.c_contiguous and r1.y.flags.owndata
    assert np.allclose(r1.y, _exact(r1.t, y0, 0.5), rtol=1e-7, atol=1e-10)


def test_dense_output_and_events_do_not_alias_the_pool():
    ev = odekit.Event(lambda t, y, p: y[0])
    kw = dict(params=[1.0], rtol=1e-10, atol=1e-12, dense_output=True, events=[ev])
    r1 = odekit.solve_ivp(oscillator, (0.0, 10.0), [1.0, 0.0], **kw)
    te, ye, s5 = r1.t_events[0].copy(), r1.y_events[0].copy(), r1.sol(5.0).copy()
    odekit.solve_ivp(oscillator, (0.0, 10.0), [3.0, 1.0], **kw)
    assert np.array_equal(r1.t_events[0], te)
    assert np.array_equal(r1.y_events[0], ye)
    assert np.array_equal(r1.sol(5.0), s5)
    assert np.allclose(te, (np.arange(len(te)) + 0.5) * np.pi, atol=1e-8)


def test_a_failed_solve_does_not_leak_into_the_next():
    ref = odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[2.0], rtol=1e-9, atol=1e-12)
    with pytest.raises(odekit.IntegrationError):  # y' = y^2 from 1 blows up at t = 1
        odekit.solve_ivp(blow_up, (0.0, 2.0), [1.0], rtol=1e-9, atol=1e-12)
    with pytest.raises(odekit.IntegrationError):
        odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[2.0], rtol=1e-9, atol=1e-12,
                         max_steps=3)
    again = odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=[2.0], rtol=1e-9, atol=1e-12)
    assert np.array_equal(ref.t, again.t) and np.array_equal(ref.y, again.y)
    assert (ref.nfev, ref.nsteps) == (again.nfev, again.nsteps)


def test_grown_buffers_then_a_short_solve():
    long = odekit.solve_ivp(oscillator, (0.0, 2000.0), [1.0, 0.0], params=[1.0],
                            rtol=1e-10, atol=1e-12)
    assert long.t.size > 4096  # the step record grew past its first size (1024) twice
    assert np.allclose(long.y[0], np.cos(long.t), atol=1e-6)
    short = odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0],
                             rtol=1e-10, atol=1e-12)
    assert np.allclose(short.y[0], np.cos(short.t), atol=1e-9)


def test_threads_never_share_a_workspace():
    ks = np.linspace(0.1, 3.0, 24)
    y0 = np.array([1.0, 2.0, 3.0])
    serial = [odekit.solve_ivp(decay, (0.0, 2.0), y0, params=[k], rtol=1e-10,
                               atol=1e-12).y for k in ks]
    out = [None] * len(ks)
    errors = []

    def work(idx):
        try:
            for _ in range(20):
                for i in idx:
                    out[i] = odekit.solve_ivp(decay, (0.0, 2.0), y0, params=[ks[i]],
                                              rtol=1e-10, atol=1e-12).y
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(range(j, len(ks), 4),)) for j in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    for a, b in zip(serial, out):
        assert np.array_equal(a, b)


def test_params_array_is_read_not_copied_or_written():
    p = np.array([0.5])
    r = odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=p, rtol=1e-9, atol=1e-12)
    assert p.tolist() == [0.5]
    p[0] = 1.0  # changing it afterwards changes nothing already computed
    assert np.isclose(r.y[0, -1], np.exp(-0.5), rtol=1e-8)
    bad = np.array([np.nan])
    with pytest.raises(ValueError, match="params"):
        odekit.solve_ivp(decay, (0.0, 1.0), [1.0], params=bad)
    with pytest.raises(ValueError, match="y0"):
        odekit.solve_ivp(decay, (0.0, 1.0), np.array([np.inf]), params=p)
