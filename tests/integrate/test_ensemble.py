"""solve_ensemble: equals one-by-one solves, independent of the thread count."""

import numba
import numpy as np
import pytest

import odekit

from .problems import blowup, oscillator, vanderpol

T_EVAL = np.linspace(0.0, 5.0, 11)


def _ens(**kw):
    mus = np.linspace(0.2, 3.0, 37)[:, None]
    y0 = np.column_stack([np.linspace(-2, 2, 37), np.zeros(37)])
    return mus, y0, odekit.solve_ensemble(vanderpol, (0.0, 5.0), y0, params=mus,
                                          rtol=1e-10, atol=1e-12, **kw)


def test_ensemble_equals_one_by_one():
    mus, y0, ens = _ens(t_eval=T_EVAL)
    assert ens.y.shape == (37, 2, T_EVAL.size) and ens.success
    for i in range(0, 37, 6):
        one = odekit.solve_ivp(vanderpol, (0.0, 5.0), y0[i], params=mus[i], rtol=1e-10,
                               atol=1e-12, t_eval=T_EVAL)
        np.testing.assert_array_equal(ens.y[i], one.y)


def test_final_state_only_without_t_eval():
    mus, y0, ens = _ens()
    assert ens.t.tolist() == [5.0]
    assert ens.y.shape == (37, 2, 1)
    one = odekit.solve_ivp(vanderpol, (0.0, 5.0), y0[3], params=mus[3], rtol=1e-10,
                           atol=1e-12)
    np.testing.assert_array_equal(ens.y[3, :, 0], one.y[:, -1])


def test_thread_count_independence():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        _, _, one = _ens(t_eval=T_EVAL)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        _, _, many = _ens(t_eval=T_EVAL)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one.y, many.y)
    np.testing.assert_array_equal(one.nfev, many.nfev)


def test_broadcasting_shapes():
    y0 = np.array([1.0, 0.0])
    res = odekit.solve_ensemble(oscillator, (0.0, np.pi), y0, params=[[1.0], [2.0], [0.5]],
                                rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(res.y[:, 0, 0], np.cos(np.pi * np.array([1.0, 2.0, 0.5])),
                               atol=1e-9)
    res = odekit.solve_ensemble(oscillator, (0.0, np.pi), [[1.0, 0.0], [0.0, 1.0]],
                                params=[1.0], rtol=1e-11, atol=1e-13)
    assert res.y.shape == (2, 2, 1)
    with pytest.raises(ValueError, match="rows"):
        odekit.solve_ensemble(oscillator, (0.0, 1.0), np.zeros((3, 2)),
                              params=np.ones((2, 1)))


def test_failed_trajectory_is_nan_and_reported():
    y0 = np.array([[0.5], [2.0], [0.1]])  # y' = y^2 blows up at t = 1/y0
    with pytest.raises(odekit.IntegrationError) as info:
        odekit.solve_ensemble(blowup, (0.0, 1.0), y0)
    assert list(info.value.indices) == [1]
    res = odekit.solve_ensemble(blowup, (0.0, 1.0), y0, raise_on_failure=False)
    assert not res.success
    assert res.status[1] < 0 and res.status[0] == 0 and res.status[2] == 0
    assert np.all(np.isnan(res.y[1])) and np.all(np.isfinite(res.y[[0, 2]]))
    np.testing.assert_allclose(res.y[[0, 2], 0, 0], [1.0, 0.1 / 0.9], rtol=1e-6)


def test_backward_ensemble():
    res = odekit.solve_ensemble(oscillator, (np.pi, 0.0), [-1.0, 0.0], params=[[1.0]],
                                rtol=1e-12, atol=1e-14, t_eval=[np.pi, np.pi / 2, 0.0])
    np.testing.assert_allclose(res.y[0, 0], [-1.0, 0.0, 1.0], atol=1e-11)


def test_rk4_not_allowed():
    with pytest.raises(ValueError, match="adaptive"):
        odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], method="RK4")


def test_progress_argument(capsys):
    res = odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0], params=[[1.0], [2.0]],
                                progress=False)
    assert res.success
    with pytest.raises(TypeError, match="progress"):
        odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0],
                              progress="yes")
