"""Shared plotting style helpers (imported only by the families' ``plot`` modules).

Nothing here is imported by ``import odekit``; importing this module imports matplotlib.
"""

from __future__ import annotations

import pathlib

__all__ = ["get_ax", "save_figure", "use_agg"]


def use_agg() -> None:
    """Switch matplotlib to the non-interactive Agg backend (for figure generation)."""
    import matplotlib

    matplotlib.use("Agg", force=True)


def get_ax(ax=None, **subplot_kw):
    """Return ``ax``, or a new Axes on a new figure when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(**subplot_kw)
    return ax


def save_figure(fig, outdir, name: str, dpi: int = 120) -> pathlib.Path:
    """Save ``fig`` as ``outdir/name.png``, close it, and return the path."""
    import matplotlib.pyplot as plt

    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return path
