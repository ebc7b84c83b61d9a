"""Shared test set-up: a private kernel cache, a non-interactive matplotlib, figures closed
after every test, and the files the doctest collector must skip."""

import os
import sys
import tempfile

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
if "ODEKIT_CACHE_DIR" not in os.environ:
    # keep the generated kernels of the test run together (and out of ~/.cache)
    os.environ["ODEKIT_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "odekit-test-kernels")

# the driver templates are source text for generated kernel modules, not importable modules
collect_ignore = ["odekit/integrate/_template.py", "odekit/integrate/_template_events.py",
                  "docs/conf.py", "setup.py"]


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure after each test and doctest (many examples draw one;
    left open, matplotlib's "more than 20 figures" RuntimeWarning becomes an error)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
