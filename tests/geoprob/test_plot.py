"""Plot helpers draw on the given Axes and return it; import odekit stays light."""

import math
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from odekit.geoprob import plot  # noqa: E402


def test_helpers_return_axes():
    fig, axes = plt.subplots(1, 3)
    assert plot.sector_curves((3, 4), mc_samples=500, mc_points=3, ax=axes[0]) is axes[0]
    assert plot.convergence(max_log2=10, seeds=2, ax=axes[1]) is axes[1]
    assert plot.sample(5, math.pi, seed=1, ax=axes[2]) is axes[2]
    plt.close(fig)


def test_import_does_not_load_matplotlib():
    code = ("import sys, odekit, odekit.geoprob; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
