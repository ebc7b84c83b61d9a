"""Plot helpers for solutions of the core integrators (matplotlib, imported on use).

Every helper takes ``ax=None`` (a new figure then), passes ``**kwargs`` through to
matplotlib, returns the Axes and never calls ``plt.show()``. :func:`make_figures` renders
the documentation figures of the core.
"""

from __future__ import annotations

import numpy as np

from ..plotting import draw_figures, get_ax, new_figure

__all__ = ["trajectory", "phase_portrait", "make_figures", "FIGURES"]

#: The documentation figures of :func:`make_figures`: name -> one-line description.
FIGURES = {
    "core_arenstorf_orbit": "Arenstorf orbit: DOP853 dense output between adaptive steps",
    "core_arenstorf_components": "Arenstorf orbit: x(t), y(t) with the accepted steps marked",
}


def trajectory(res, ax=None, components=None, labels=None, dense=200, steps=True,
               ylabel="state", legend=True, **kwargs):
    """Plot components of an :class:`~odekit.OdeResult` against time.

    With dense output (``res.sol``) the curves are drawn from the interpolant on ``dense``
    points and the accepted steps are marked; otherwise the steps are joined by lines.

    Parameters
    ----------
    res : OdeResult
        A solution of :func:`odekit.solve_ivp`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).
    components : sequence of int, optional
        Which components to draw (default all).
    labels : sequence of str, optional
        One label per component of the state (default ``y_0, y_1, ...``).
    dense : int
        Points of the dense-output curve.
    steps : bool
        Mark the accepted steps (only with dense output).
    ylabel : str
        Label of the vertical axis.
    legend : bool
        Draw a legend (outside the axes, on the right, so it never covers the curves).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the curves (``lw``, ``alpha``, ...).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import odekit
    >>> from odekit.integrate import examples as ex
    >>> from odekit.integrate.plot import trajectory
    >>> res = odekit.solve_ivp(ex.arenstorf, (0.0, ex.ARENSTORF_PERIOD), ex.ARENSTORF_Y0,
    ...                        params=ex.ARENSTORF_PARAMS, dense_output=True)
    >>> ax = trajectory(res, components=[0, 2], labels=["x", "x'", "y", "y'"], lw=1)
    >>> ax.get_ylabel()
    'state'
    """
    ax = get_ax(ax)
    comps = range(res.y.shape[0]) if components is None else components
    if res.sol is not None:
        t = np.linspace(res.t[0], res.t[-1], int(dense))
        y = res.sol(t)
    else:
        t, y = res.t, res.y
    for k in comps:
        label = labels[k] if labels is not None else f"$y_{{{k}}}$"
        (line,) = ax.plot(t, y[k], label=label, **kwargs)
        if res.sol is not None and steps:
            ax.plot(res.t, res.y[k], ".", color=line.get_color(), ms=3)
    ax.set_xlabel("t")
    ax.set_ylabel(ylabel)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  fontsize="small")
    return ax


def phase_portrait(res, i=0, j=1, ax=None, dense=2000, labels=None, **kwargs):
    """Plot component ``j`` against component ``i`` of a solution.

    Parameters
    ----------
    res : OdeResult
        A solution of :func:`odekit.solve_ivp` (dense output gives a smooth curve).
    i, j : int
        Components on the horizontal and vertical axes.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).
    dense : int
        Points of the dense-output curve.
    labels : (str, str), optional
        Axis labels (default ``y_i``, ``y_j``).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` (``color``, ``lw``, ...).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import odekit
    >>> from odekit.integrate import examples as ex
    >>> from odekit.integrate.plot import phase_portrait
    >>> res = odekit.solve_ivp(ex.arenstorf, (0.0, ex.ARENSTORF_PERIOD), ex.ARENSTORF_Y0,
    ...                        params=ex.ARENSTORF_PARAMS, dense_output=True)
    >>> ax = phase_portrait(res, 0, 2, labels=("x", "y"), color="k")
    >>> ax.get_xlabel()
    'x'
    """
    ax = get_ax(ax)
    if res.sol is not None:
        y = res.sol(np.linspace(res.t[0], res.t[-1], int(dense)))
    else:
        y = res.y
    ax.plot(y[i], y[j], **kwargs)
    xl, yl = labels if labels is not None else (f"$y_{{{i}}}$", f"$y_{{{j}}}$")
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    return ax


def _arenstorf(quick):
    import odekit

    from . import examples as ex

    tol = dict(rtol=1e-7, atol=1e-9) if quick else dict(rtol=1e-10, atol=1e-12)
    return odekit.solve_ivp(ex.arenstorf, (0.0, ex.ARENSTORF_PERIOD), ex.ARENSTORF_Y0,
                            params=ex.ARENSTORF_PARAMS, dense_output=True, **tol)


def _fig_orbit(quick):
    from . import examples as ex

    res = _arenstorf(quick)
    fig, ax = new_figure(figsize=(6, 5))
    phase_portrait(res, 0, 2, ax=ax, labels=("x", "y"), lw=1, label="dense output")
    ax.plot(res.y[0], res.y[2], ".", ms=3, label=f"{res.nsteps} DOP853 steps")
    mu = ex.ARENSTORF_PARAMS[0]
    ax.plot([-mu, 1 - mu], [0, 0], "ko", ms=4, label="Earth, Moon")
    ax.set_title("Arenstorf orbit: dense output between adaptive steps")
    ax.legend(loc="lower left", fontsize="small")
    return fig


def _fig_components(quick):
    res = _arenstorf(quick)
    fig, ax = new_figure(figsize=(7, 3.6))
    trajectory(res, ax=ax, components=[0, 2], labels=["x", "x'", "y", "y'"], lw=1)
    ax.set_title("Arenstorf orbit: components, accepted steps marked")
    return fig


def make_figures(outdir, quick=False):
    """Render the core's documentation figures (PNG) into ``outdir``.

    Parameters
    ----------
    outdir : str or path-like
        Output folder (created if missing).
    quick : bool
        Looser tolerances (same figures, drawn faster).

    Returns
    -------
    list of pathlib.Path
        The files written (see :data:`FIGURES`).

    Raises
    ------
    odekit.plotting.FigureFailures
        After drawing the others, if some figures failed.

    Examples
    --------
    >>> import tempfile
    >>> from odekit.integrate.plot import FIGURES, make_figures
    >>> paths = make_figures(tempfile.mkdtemp(), quick=True)
    >>> sorted(p.stem for p in paths) == sorted(FIGURES)
    True
    """
    drawers = {"core_arenstorf_orbit": _fig_orbit, "core_arenstorf_components": _fig_components}
    return draw_figures(outdir, [(n, lambda d=d: d(quick)) for n, d in drawers.items()])
