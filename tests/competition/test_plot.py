"""Plot helpers draw on the given Axes, return it, pass kwargs through; figures render."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from odekit.competition import TwoSpecies, fit  # noqa: E402
from odekit.competition import plot as cplot  # noqa: E402

BLOG = TwoSpecies(0.1, 500.0, 1e-4, 0.3, 1 / 0.003, 2e-4)
BI = TwoSpecies(0.8, 120.0, 0.012, 1.1, 90.0, 0.015)


def test_helpers_return_the_given_axes_and_pass_kwargs():
    fig, axs = plt.subplots(2, 3)
    assert cplot.time_series(BLOG, [100, 150], (0, 100), ax=axs[0, 0], ls="--") is axs[0, 0]
    assert axs[0, 0].lines[0].get_linestyle() == "--"
    assert cplot.direction_field(BLOG, ax=axs[0, 1], density=6, alpha=0.5) is axs[0, 1]
    ax = cplot.phase_portrait(BI, ax=axs[0, 2], basins=True, basin_resolution=12,
                              trajectories=[(10, 80), (80, 10)], unstable_manifolds=True,
                              color="0.3")
    assert ax is axs[0, 2]
    labels = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"separatrix", "saddle", "stable node", "unstable node", "trajectory",
            "species 1 nullcline", "species 2 nullcline", "unstable manifold"} <= labels
    assert ax.images  # the basins
    bare = cplot.phase_portrait(BLOG, ax=axs[1, 0], nullclines=False, equilibria=False,
                                separatrix=False, streamlines=False, legend=False)
    assert not bare.lines and bare.get_legend() is None
    assert cplot.outcome_diagram([BLOG, BI], ax=axs[1, 1], labels=["blog", "bi"],
                                 color="r") is axs[1, 1]
    t = np.arange(0.0, 12.0)
    f = fit(t, 50 / (1 + 49 * np.exp(-t)), model="logistic", starts=1)
    assert cplot.fit(f, ax=axs[1, 2], horizon=20, lw=3) is axs[1, 2]
    assert axs[1, 2].lines[1].get_linewidth() == 3
    plt.close(fig)


def test_fit_plot_rejects_other_objects():
    with pytest.raises(TypeError, match="FitResult"):
        cplot.fit("nope")


def test_make_figures_quick(tmp_path):
    paths = cplot.make_figures(tmp_path, quick=True)
    assert len(paths) == 5 and all(p.stat().st_size > 10_000 for p in paths)


def test_import_does_not_load_matplotlib():
    code = ("import sys, odekit.competition; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_degenerate_model_plots():
    """u = v = 1: no hyperbolic attractor (both boundary points non-hyperbolic); the
    default horizon of time_series and of the trajectories used to fail with 'min() arg
    is an empty sequence'."""
    m = TwoSpecies(1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert m.outcome().name == "DEGENERATE" and not any(e.stable for e in m.equilibria())
    fig, axs = plt.subplots(1, 2)
    assert cplot.time_series(m, [0.3, 0.2], ax=axs[0]).get_xlim()[1] == pytest.approx(100.0)
    ax = cplot.phase_portrait(m, ax=axs[1], trajectories=[(0.2, 0.3)], streamlines=False)
    assert "trajectory" in {t.get_text() for t in ax.get_legend().get_texts()}
    plt.close(fig)
