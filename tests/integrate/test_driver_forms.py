"""The per-step arithmetic's two forms: blocks of components with the stage sums in
registers below ``VEC_MIN`` components, loops over the state (vectorised) from it on. Both
add the same terms in the same order, so each is bit for bit the plain sequential sum;
solves on either side of ``VEC_MIN`` take SciPy's DOP853 and RK45 steps (the error norms
have the two forms too), and ensembles equal one-by-one solves there as well."""

import numba
import numpy as np
import pytest
import scipy.integrate

import odekit
from odekit.integrate import _kernels as _k
from odekit.integrate._tableaux import get_tableau

from .problems import linear

DIMS = [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 28]


def _matrix(n, seed):
    """A damped rotation: skew-symmetric plus -0.1 I (oscillating, decaying)."""
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, n))
    return (B - B.T) / np.sqrt(n) - 0.1 * np.eye(n)


def _sequential(w, K, terms, y, h):
    """y + h * (w_0 K_0 + w_1 K_1 + ...), summed one term at a time in Python floats."""
    out = np.empty(y.shape[0])
    for j in range(y.shape[0]):
        acc = float(w[0]) * float(K[0, j])
        for m in range(1, terms):
            acc += float(w[m]) * float(K[m, j])
        out[j] = float(y[j]) + h * acc
    return out


@pytest.mark.parametrize("method", ["DOP853", "Vern9"])
def test_stage_sums_are_the_sequential_sums_bit_for_bit(method):
    tab = get_tableau(method)
    A, b = tab.A, tab.b
    S = A.shape[0]
    for n in DIMS:
        rng = np.random.default_rng(n)
        K = rng.standard_normal((S, n))
        y = rng.standard_normal(n)
        h = 0.3710937
        out = np.empty(n)
        for i in range(1, S):
            _k.stage_state(i, h, y, A, K, out)
            assert out.tobytes() == _sequential(A[i], K, i, y, h).tobytes(), (n, i)
        _k.combine(y, h, b, K, tab.n_stages, out, n)
        assert out.tobytes() == _sequential(b, K, tab.n_stages, y, h).tobytes(), n


@pytest.mark.parametrize("n", [3, _k.VEC_MIN - 1, _k.VEC_MIN, 13])
@pytest.mark.parametrize("method", ["RK45", "DOP853"])
def test_same_steps_as_scipy_on_both_sides_of_vec_min(method, n):
    M = _matrix(n, n)
    y0 = np.linspace(1.0, -1.0, n)
    ref = scipy.integrate.solve_ivp(lambda t, y: M @ y, (0.0, 8.0), y0, method=method,
                                    rtol=1e-8, atol=1e-10)
    res = odekit.solve_ivp(linear, (0.0, 8.0), y0, params=M.ravel(), method=method,
                           rtol=1e-8, atol=1e-10)
    assert res.nsteps == len(ref.t) - 1
    assert res.nfev == ref.nfev
    np.testing.assert_allclose(res.y[:, -1], ref.y[:, -1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ["DOP853", "Vern7"])
def test_ensemble_equals_one_by_one_in_the_vectorised_form(method):
    n = 13
    M = _matrix(n, 7)
    P = np.array([M.ravel() * s for s in (0.5, 1.0, 1.5)])
    Y0 = np.array([np.linspace(1.0, -1.0, n) * s for s in (1.0, 0.5, 2.0)])
    t_eval = np.linspace(0.0, 6.0, 7)
    before = numba.get_num_threads()
    runs = []
    try:
        for threads in (1, numba.config.NUMBA_NUM_THREADS):
            numba.set_num_threads(threads)
            runs.append(odekit.solve_ensemble(linear, (0.0, 6.0), Y0, params=P,
                                              method=method, rtol=1e-9, atol=1e-11,
                                              t_eval=t_eval))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(runs[0].y, runs[1].y)
    for ens in runs:
        for i in range(3):
            one = odekit.solve_ivp(linear, (0.0, 6.0), Y0[i], params=P[i], method=method,
                                   rtol=1e-9, atol=1e-11, t_eval=t_eval)
            np.testing.assert_array_equal(ens.y[i], one.y)
