"""Bad input raises ValueError/TypeError naming the argument; data change never recompiles."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odekit import _jit
from odekit.characteristics import (
    EmpiricalData,
    GaussianMixture,
    GaussianPath,
    GaussianPrior,
    HeavyTailedPrior,
    LinearPath,
    MarginalField,
    PoissonPath,
    UniformPrior,
    log_likelihood,
    sample,
)

GM = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], 0.1)


def test_dimension_mismatches():
    with pytest.raises(ValueError, match="prior"):
        MarginalField(LinearPath(), GM, prior=GaussianPrior(3))
    f = MarginalField(LinearPath(), GM)
    with pytest.raises(ValueError, match="x must have shape"):
        f.velocity(0.5, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="prior"):
        MarginalField(LinearPath(), EmpiricalData([[0.0, 1.0]]), prior=UniformPrior(0, 1))


def test_covariances_and_weights():
    with pytest.raises(ValueError, match="positive definite"):
        GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(ValueError, match="symmetric"):
        GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 0.5], [0.0, 1.0]]])
    with pytest.raises(ValueError, match="weights"):
        GaussianMixture([1.0, -0.5], [[0.0], [1.0]], 1.0)
    with pytest.raises(ValueError, match="weights"):
        EmpiricalData([[0.0], [1.0]], weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="weights"):
        EmpiricalData([[0.0], [1.0]], weights=[0.0, 0.0])


def test_times_outside_the_path():
    f = MarginalField(GaussianPath.variance_preserving(), GM)
    for bad in (-0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match="t must"):
            f.velocity(bad, [[0.0, 0.0]])
    fp = MarginalField(PoissonPath(), EmpiricalData([[0.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="t must"):
        fp.velocity(0.0, [[0.0, 0.0]])  # the point set's field is singular at t = 0
    with pytest.raises(ValueError, match="t0"):
        log_likelihood(MarginalField(LinearPath(), EmpiricalData([[0.0], [1.0]])), [[0.5]])


def test_wrong_pairings():
    with pytest.raises(ValueError, match="data"):
        MarginalField(PoissonPath(), GM)
    with pytest.raises(ValueError, match="prior"):
        MarginalField(GaussianPath.variance_exploding(), GM, prior=UniformPrior([0, 0], [1, 1]))
    with pytest.raises(ValueError, match="prior"):
        MarginalField(PoissonPath(D=2), EmpiricalData([[0.0, 0.0]]),
                      prior=HeavyTailedPrior(2, D=1))
    with pytest.raises(TypeError, match="path"):
        MarginalField("vp", GM)
    with pytest.raises(ValueError, match="kind"):
        GaussianPath("subvp")
    with pytest.raises(ValueError, match="sigma_max"):
        GaussianPath.variance_exploding(sigma_min=1.0, sigma_max=0.5)
    with pytest.raises(ValueError, match="D"):
        PoissonPath(D=0)
    with pytest.raises(TypeError, match="seed"):
        sample(MarginalField(LinearPath(), GM), 3, seed=1.5)
    with pytest.raises(ValueError, match="n must"):
        sample(MarginalField(LinearPath(), GM), 0, seed=1)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=2, max_size=6),
       st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6))
def test_point_field_is_finite_and_weights_sum_to_one(xs, ws):
    n = min(len(xs), len(ws))
    ws = np.asarray(ws[:n])
    if ws.sum() == 0:
        with pytest.raises(ValueError, match="weights"):
            EmpiricalData(np.asarray(xs[:n]), ws)
        return
    data = EmpiricalData(np.asarray(xs[:n]), ws)
    assert abs(data.weights.sum() - 1) < 1e-12
    f = MarginalField(GaussianPath.variance_exploding(), data)
    v = f.velocity(0.3, np.linspace(-50, 50, 7))
    assert np.all(np.isfinite(v))


def test_new_data_and_parameters_do_not_recompile():
    rng = np.random.default_rng(0)
    f = MarginalField(GaussianPath.variance_preserving(), EmpiricalData(rng.normal(size=(5, 2))))
    sample(f, 8, seed=0)
    f.log_density(0.5, [[0.0, 0.0]])
    before = _jit.compile_count()
    for path in (GaussianPath.variance_preserving(beta_max=10.0),
                 GaussianPath.variance_exploding(), LinearPath(), PoissonPath(D=2)):
        g = MarginalField(path, EmpiricalData(rng.normal(size=(9, 2))))
        sample(g, 8, seed=1)
        g.log_density(0.5, [[0.0, 0.0]])
    assert _jit.compile_count() == before
