"""Plot helpers for solutions of the core integrators (import matplotlib on use)."""

from __future__ import annotations

import numpy as np

from ..plotting import get_ax, save_figure

__all__ = ["trajectory", "phase_portrait", "make_figures"]


def trajectory(res, ax=None, components=None, labels=None, dense=200, **kw):
    """Plot components of an :class:`~odekit.OdeResult` against time.

    With dense output (``res.sol``) the curves are drawn from the interpolant on ``dense``
    points per component and the steps marked; otherwise the steps are joined.
    Returns the Axes.
    """
    ax = get_ax(ax)
    comps = range(res.y.shape[0]) if components is None else components
    if res.sol is not None:
        t = np.linspace(res.t[0], res.t[-1], dense)
        y = res.sol(t)
    else:
        t, y = res.t, res.y
    for k in comps:
        label = labels[k] if labels is not None else f"$y_{k}$"
        (line,) = ax.plot(t, y[k], label=label, **kw)
        if res.sol is not None:
            ax.plot(res.t, res.y[k], ".", color=line.get_color(), ms=3)
    ax.set_xlabel("t")
    ax.legend(loc="best")
    return ax


def phase_portrait(res, i=0, j=1, ax=None, dense=2000, **kw):
    """Plot component j against component i of a solution; returns the Axes."""
    ax = get_ax(ax)
    if res.sol is not None:
        y = res.sol(np.linspace(res.t[0], res.t[-1], dense))
    else:
        y = res.y
    ax.plot(y[i], y[j], **kw)
    ax.set_xlabel(f"$y_{i}$")
    ax.set_ylabel(f"$y_{j}$")
    return ax


def make_figures(outdir):
    """Render the core's documentation figures (PNG) into ``outdir``; returns their paths."""
    import matplotlib.pyplot as plt

    import odekit

    from . import examples as ex

    res = odekit.solve_ivp(ex.arenstorf, (0.0, ex.ARENSTORF_PERIOD), ex.ARENSTORF_Y0,
                           params=ex.ARENSTORF_PARAMS, rtol=1e-10, atol=1e-12,
                           dense_output=True)
    fig, ax = plt.subplots(figsize=(6, 5))
    phase_portrait(res, 0, 2, ax=ax, lw=1)
    ax.plot(res.y[0], res.y[2], ".", ms=3, label=f"{res.nsteps} DOP853 steps")
    ax.plot([-ex.ARENSTORF_PARAMS[0], 1 - ex.ARENSTORF_PARAMS[0]], [0, 0], "ko", ms=4)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title("Arenstorf orbit: dense output between adaptive steps")
    ax.legend(loc="lower left")
    paths = [save_figure(fig, outdir, "core_arenstorf_orbit")]
    return paths
