"""The plot helpers draw on the Axes they are given, return it, and render the figures."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from odekit.characteristics import (  # noqa: E402
    EmpiricalData,
    GaussianMixture,
    GaussianPath,
    LinearPath,
    MarginalField,
    UniformPrior,
)
from odekit.characteristics import plot as P  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_helpers_return_the_given_axes():
    gm = GaussianMixture([0.5, 0.5], [[-1.0, 0.0], [1.0, 0.0]], 0.05)
    f2 = MarginalField(GaussianPath.variance_preserving(), gm)
    f1 = MarginalField(LinearPath(), EmpiricalData([0.5, 1.5]), prior=UniformPrior(0.0, 2.0))
    fig, axes = plt.subplots(2, 3)
    assert P.trajectories_1d(f1, n=5, ax=axes[0, 0], lw=2.0) is axes[0, 0]
    assert P.trajectories_2d(f2, n=5, ax=axes[0, 1]) is axes[0, 1]
    assert P.vector_field(f2, 0.5, res=6, ax=axes[0, 2]) is axes[0, 2]
    assert P.density_map(f2, 0.3, res=10, ax=axes[1, 0]) is axes[1, 0]
    assert P.density_map(f1, 0.3, ax=axes[1, 1]) is axes[1, 1]
    out = P.density_panels(f2, [0.1, 0.5], axes=axes[1, 1:], res=10)
    assert list(out) == list(axes[1, 1:])
    # every trajectory line of the 1-D plot ends on a data point at t = 0
    ends = {round(float(line.get_xdata()[-1]), 12) for line in axes[0, 0].get_lines()}
    assert ends <= {0.5, 1.5}
    with pytest.raises(ValueError, match="field"):
        P.trajectories_1d(f2)


def test_make_figures_quick(tmp_path):
    paths = P.make_figures(tmp_path, quick=True)
    assert len(paths) == 6
    assert all(p.exists() and p.stat().st_size > 10_000 for p in paths)
