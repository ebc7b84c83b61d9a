"""Plots for the competing-species family (matplotlib; imported on demand).

Every helper takes ``ax=None`` (a new figure's Axes then), draws on it, passes extra keyword
arguments to the main matplotlib call it makes, and returns the Axes. Nothing here calls
``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from ..plotting import draw_figures, get_ax
from .analysis import Outcome, equilibria
from .fit import FitResult
from .model import TwoSpecies
from .phaseplane import _two, basins as _basins, nullclines as _nullclines
from .phaseplane import separatrix as _separatrix
from .phaseplane import unstable_manifold as _unstable

__all__ = ["time_series", "direction_field", "phase_portrait", "outcome_diagram", "fit",
           "make_figures", "FIGURES"]

_C1, _C2 = "#1f77b4", "#d62728"  # species 1 blue, species 2 red
_KIND_STYLE = {  # marker, face colour, label
    "stable node": ("o", "k", "stable node"),
    "stable focus": ("o", "k", "stable focus"),
    "unstable node": ("o", "white", "unstable node"),
    "unstable focus": ("o", "white", "unstable focus"),
    "saddle": ("X", "#ff7f0e", "saddle"),
    "centre": ("s", "0.6", "centre"),
    "non-hyperbolic": ("D", "#9467bd", "non-hyperbolic"),
}
_OUTCOME_COLOURS = {Outcome.SPECIES_1_WINS: "#c6dbef", Outcome.SPECIES_2_WINS: "#fcbba1",
                    Outcome.COEXISTENCE: "#c7e9c0", Outcome.BISTABILITY: "#fdd0a2"}


def _horizon(m: TwoSpecies) -> float:
    """A few decay times of the slowest attractor, plus a few growth times; a degenerate
    model (no hyperbolic attractor, slow algebraic approach) gets 100 growth times."""
    rates = [min(abs(e.eigenvalues.real)) for e in equilibria(m) if e.stable]
    if not rates:
        return 100.0 / min(m.r1, m.r2)
    return 12.0 / min(rates) + 12.0 / min(m.r1, m.r2)


def time_series(model, x0, t_span=None, ax=None, *, num: int = 600, equilibrium=True,
                labels=("species 1", "species 2"), **kwargs):
    """Populations against time from ``x0``.

    Parameters
    ----------
    model : TwoSpecies or LotkaVolterra
    x0 : array_like
        Initial populations.
    t_span : (float, float), optional
        Default: from 0 to a few decay times of the slowest attractor (two species), or 100.
    ax : matplotlib Axes, optional
    num : int
        Output samples.
    equilibrium : bool
        Dotted lines at the stable equilibrium the trajectory approaches (if any).
    labels : sequence of str
    **kwargs
        Passed to ``ax.plot`` for every species.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.competition import TwoSpecies
    >>> from odekit.competition import plot
    >>> ax = plot.time_series(TwoSpecies(0.1, 500, 1e-4, 0.3, 1 / 0.003, 2e-4), [100, 150],
    ...                       (0, 200))
    >>> len(ax.lines) >= 2
    True
    """
    ax = get_ax(ax)
    if t_span is None:
        t_span = (0.0, _horizon(model) if isinstance(model, TwoSpecies) else 100.0)
    t = np.linspace(t_span[0], t_span[1], int(num))
    res = model.simulate(x0, t_span, t_eval=t)
    colours = [_C1, _C2] + [None] * max(0, model.n - 2)
    for i in range(model.n):
        lab = labels[i] if labels is not None and i < len(labels) else f"species {i + 1}"
        kw = {"lw": 1.8, "label": lab}
        if colours[i] is not None:
            kw["color"] = colours[i]
        kw.update(kwargs)
        ax.plot(res.t, res.y[i], **kw)
    if equilibrium:
        end = res.y[:, -1]
        stable = [e for e in model.equilibria() if e.stable]
        if stable:
            e = min(stable, key=lambda e: np.linalg.norm(e.x - end))
            for i, v in enumerate(e.x):
                if v > 0:
                    ax.axhline(v, color=colours[i] or "0.5", ls=":", lw=1.0)
                    ax.annotate(f"{v:.4g}", (t[-1], v), xytext=(-4, 3),
                                textcoords="offset points", ha="right", va="bottom",
                                fontsize=8, color=colours[i] or "0.3")
    ax.set_xlabel("t")
    ax.set_ylabel("population")
    ax.set_xlim(t[0], t[-1])
    ax.set_ylim(0, 1.08 * float(np.max(res.y)))
    ax.legend(fontsize=8, loc="best")
    return ax


def _window(m, xlim, ylim):
    dx, dy = m.window()
    return (dx if xlim is None else tuple(xlim)), (dy if ylim is None else tuple(ylim))


def direction_field(model, ax=None, *, xlim=None, ylim=None, density: int = 20,
                    cmap="viridis", colorbar=True, **kwargs):
    """Arrows of the vector field on a grid, all of one length, coloured by speed |dx/dt|.

    Parameters
    ----------
    model : TwoSpecies
    ax : matplotlib Axes, optional
    xlim, ylim : (float, float), optional
        Default :meth:`TwoSpecies.window`.
    density : int
        Arrows per side.
    cmap : str or Colormap
    colorbar : bool
    **kwargs
        Passed to ``ax.quiver``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.competition import TwoSpecies, plot
    >>> ax = plot.direction_field(TwoSpecies(0.1, 500, 1e-4, 0.3, 1 / 0.003, 2e-4), density=8)
    >>> ax.get_xlabel()
    '$x_1$ (species 1)'
    """
    m = _two(model)
    ax = get_ax(ax)
    xlim, ylim = _window(m, xlim, ylim)
    xs = np.linspace(xlim[0], xlim[1], int(density) + 2)[1:-1]
    ys = np.linspace(ylim[0], ylim[1], int(density) + 2)[1:-1]
    X, Y = np.meshgrid(xs, ys)
    U = X * (m.r1 * (1 - X / m.N1) - m.a1 * Y)
    V = Y * (m.r2 * (1 - Y / m.N2) - m.a2 * X)
    speed = np.hypot(U, V)
    # unit arrows in screen proportions: scale components by the window's extents
    sx, sy = xlim[1] - xlim[0], ylim[1] - ylim[0]
    u, v = U / sx, V / sy
    norm = np.hypot(u, v)
    norm[norm == 0] = 1.0
    kw = {"cmap": cmap, "pivot": "mid", "angles": "xy", "scale_units": "xy",
          "width": 0.004}
    kw.update(kwargs)
    frac = 0.75 / (int(density) + 1)  # arrow length as a fraction of the window
    q = ax.quiver(X, Y, u / norm * frac * sx, v / norm * frac * sy, speed, scale=1.0, **kw)
    if colorbar:
        ax.figure.colorbar(q, ax=ax, label="speed |dx/dt|", shrink=0.85)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    _labels(ax)
    return ax


def _labels(ax):
    ax.set_xlabel("$x_1$ (species 1)")
    ax.set_ylabel("$x_2$ (species 2)")


def phase_portrait(model, ax=None, *, xlim=None, ylim=None, nullclines=True,
                   equilibria=True, separatrix=True, streamlines=True, trajectories=(),
                   basins=False, basin_resolution: int = 200, unstable_manifolds=False,
                   legend=True, **kwargs):
    """The phase plane of two competing species.

    Parameters
    ----------
    model : TwoSpecies
    ax : matplotlib Axes, optional
    xlim, ylim : (float, float), optional
        Default :meth:`TwoSpecies.window`.
    nullclines : bool
        The zero-growth lines of each species (solid, in the species' colour).
    equilibria : bool
        Every equilibrium, the marker by kind, with a legend.
    separatrix : bool
        In the bistable case, the stable manifold of the interior saddle (dashed black).
    streamlines : bool
        Grey streamlines of the flow.
    trajectories : sequence of array_like
        Starts to integrate and draw (each ends near its attractor).
    basins : bool
        Shade each attractor's basin (:func:`odekit.competition.basins`).
    basin_resolution : int
        Grid of the basins.
    unstable_manifolds : bool
        Also draw the unstable manifolds of the saddles (thin, dotted).
    legend : bool or "outside"
        Draw a legend (inside, upper right; or outside, right of the Axes).
    **kwargs
        Passed to ``ax.streamplot``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.competition import TwoSpecies, plot
    >>> ax = plot.phase_portrait(TwoSpecies(1, 1, 1.5, 1, 1, 1.5), basins=True,
    ...                          basin_resolution=20, trajectories=[(0.2, 0.9)])
    >>> sorted(t.get_text() for t in ax.get_legend().get_texts())[:2]
    ['saddle', 'separatrix']
    """
    m = _two(model)
    ax = get_ax(ax)
    xlim, ylim = _window(m, xlim, ylim)
    if basins:
        b = _basins(m, xlim, ylim, basin_resolution)
        cols = []
        for a in b.attractors:
            if a.support == (0,):
                cols.append("#deebf7")
            elif a.support == (1,):
                cols.append("#fee0d2")
            else:
                cols.append("#e5f5e0")
        from matplotlib.colors import ListedColormap

        rgba = np.ones(b.labels.shape + (4,))
        cmap = ListedColormap(cols or ["white"])
        for k in range(len(b.attractors)):
            rgba[b.labels == k] = cmap(k)
        ax.imshow(rgba, origin="lower", extent=b.extent, aspect="auto", interpolation="nearest",
                  zorder=0)
    if streamlines:
        xs = np.linspace(xlim[0], xlim[1], 60)
        ys = np.linspace(ylim[0], ylim[1], 60)
        X, Y = np.meshgrid(xs, ys)
        U = X * (m.r1 * (1 - X / m.N1) - m.a1 * Y)
        V = Y * (m.r2 * (1 - Y / m.N2) - m.a2 * X)
        kw = {"color": "0.6", "density": 1.1, "linewidth": 0.6, "arrowsize": 0.8}
        kw.update(kwargs)
        ax.streamplot(X, Y, U, V, zorder=1, **kw)
    if nullclines:
        nc = _nullclines(m, xlim, ylim)
        for pts, lab in zip(nc.species1[1:], ["species 1 nullcline"]):
            if pts.size:
                ax.plot(pts[:, 0], pts[:, 1], color=_C1, lw=1.8, label=lab, zorder=3)
        for pts, lab in zip(nc.species2[1:], ["species 2 nullcline"]):
            if pts.size:
                ax.plot(pts[:, 0], pts[:, 1], color=_C2, lw=1.8, label=lab, zorder=3)
    if separatrix and m.outcome() is Outcome.BISTABILITY:
        for k, br in enumerate(_separatrix(m, xlim, ylim)):
            ax.plot(br[:, 0], br[:, 1], "k--", lw=1.6, label="separatrix" if k == 0 else None,
                    zorder=4)
    if unstable_manifolds:
        for k, br in enumerate(_unstable(m, None, xlim, ylim)):
            ax.plot(br[:, 0], br[:, 1], ":", color="0.2", lw=1.2,
                    label="unstable manifold" if k == 0 else None, zorder=4)
    for k, x0 in enumerate(trajectories):
        res = m.simulate(x0, (0.0, _horizon(m)), t_eval=np.linspace(0, _horizon(m), 800))
        ax.plot(res.y[0], res.y[1], color="#2ca02c", lw=1.4,
                label="trajectory" if k == 0 else None, zorder=5)
        ax.plot(res.y[0, 0], res.y[1, 0], "o", color="#2ca02c", ms=4, zorder=5)
    if equilibria:
        seen = set()
        for e in m.equilibria():
            mk, fc, lab = _KIND_STYLE[e.kind]
            ax.plot(e.x[0], e.x[1], mk, mfc=fc, mec="k", ms=8, clip_on=False, zorder=6,
                    label=None if lab in seen else lab)
            seen.add(lab)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    _labels(ax)
    if legend == "outside":
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    elif legend:
        ax.legend(fontsize=7, loc="upper right", framealpha=0.9)
    return ax


def outcome_diagram(model=None, ax=None, *, lim: float = 3.0, labels=None, **kwargs):
    """The four outcomes in the plane of u = a1 N2 / r1 against v = a2 N1 / r2.

    Species 1 can invade species 2's monoculture when u < 1 (its invasion rate
    r1 - a1 N2 = r1 (1 - u) is positive), species 2 when v < 1: u < 1 < v, species 1 wins;
    v < 1 < u, species 2 wins; both < 1, coexistence; both > 1, bistability.

    Parameters
    ----------
    model : TwoSpecies or sequence of TwoSpecies, optional
        Marked on the diagram.
    ax : matplotlib Axes, optional
    lim : float
        Axes run from 0 to ``lim`` (widened to hold the marked models).
    labels : sequence of str, optional
        Labels of the marked models.
    **kwargs
        Passed to ``ax.plot`` for the markers.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.competition import TwoSpecies, plot
    >>> ax = plot.outcome_diagram(TwoSpecies(0.1, 500, 1e-4, 0.3, 1 / 0.003, 2e-4))
    >>> ax.get_xlabel()
    '$u = a_1 N_2 / r_1$'
    """
    ax = get_ax(ax)
    models = [] if model is None else ([model] if isinstance(model, TwoSpecies) else
                                       list(model))
    uv = [(m.a1 * m.N2 / m.r1, m.a2 * m.N1 / m.r2) for m in models]
    top = max([lim] + [1.15 * max(p) for p in uv])
    regions = {Outcome.COEXISTENCE: (0, 1, 0, 1), Outcome.SPECIES_1_WINS: (0, 1, 1, top),
               Outcome.SPECIES_2_WINS: (1, top, 0, 1), Outcome.BISTABILITY: (1, top, 1, top)}
    names = {Outcome.COEXISTENCE: "coexistence", Outcome.SPECIES_1_WINS: "species 1 wins",
             Outcome.SPECIES_2_WINS: "species 2 wins", Outcome.BISTABILITY: "bistability"}
    for oc, (u0, u1, v0, v1) in regions.items():
        ax.fill_between([u0, u1], v0, v1, color=_OUTCOME_COLOURS[oc], zorder=0)
        ax.text(u0 + 0.03 * top, v1 - 0.03 * top, names[oc], ha="left", va="top",
                fontsize=9, color="0.25")
    ax.axvline(1.0, color="0.4", lw=0.8)
    ax.axhline(1.0, color="0.4", lw=0.8)
    for k, (u, v) in enumerate(uv):
        kw = {"marker": "*", "ms": 13, "color": "k", "ls": "none", "zorder": 5}
        kw.update(kwargs)
        lab = labels[k] if labels is not None and k < len(labels) else None
        ax.plot(u, v, label=lab, **kw)
        if lab is None:
            ax.annotate(f"({u:.3g}, {v:.3g})", (u, v), xytext=(6, 6),
                        textcoords="offset points", fontsize=8)
    if labels is not None and models:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel("$u = a_1 N_2 / r_1$")
    ax.set_ylabel("$v = a_2 N_1 / r_2$")
    return ax


def fit(result: FitResult, ax=None, *, t=None, labels=None, horizon=None, **kwargs):
    """Observations (points) with the fitted curves (lines).

    Parameters
    ----------
    result : FitResult
    ax : matplotlib Axes, optional
    t : array_like, optional
        Times for the curves (default: the data's span, or up to ``horizon``).
    labels : sequence of str, optional
        Species names.
    horizon : float, optional
        Extend the curves to this time (to show the predicted long run).
    **kwargs
        Passed to ``ax.plot`` for the fitted curves.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from odekit.competition import fit as fit_model, plot
    >>> t = np.arange(0.0, 15.0)
    >>> f = fit_model(t, 80 / (1 + 79 * np.exp(-0.8 * t)), model="logistic", starts=1)
    >>> len(plot.fit(f).lines)
    2
    """
    if not isinstance(result, FitResult):
        raise TypeError(f"result must be a FitResult, got {type(result).__name__}")
    ax = get_ax(ax)
    t0, t1 = result.t[0], result.t[-1]
    if horizon is not None:
        t1 = max(t1, float(horizon))
    tt = np.linspace(t0, t1, 600) if t is None else np.asarray(t, float)
    pred = result.predict(tt)
    ns = result.observations.shape[1]
    if labels is None:
        labels = ["species 1", "species 2"][:ns] if ns == 2 else ["population"]
    for j in range(ns):
        col = [_C1, _C2][j % 2]
        ax.plot(result.t, result.observations[:, j], "o", ms=4, color=col, mfc="none",
                label=f"{labels[j]} (data)")
        kw = {"color": col, "lw": 1.8, "label": f"{labels[j]} (fit)"}
        kw.update(kwargs)
        ax.plot(tt, pred[:, j], **kw)
    if horizon is not None and horizon > result.t[-1]:
        ax.axvspan(result.t[-1], t1, color="0.93", zorder=0)
        ax.text(0.5 * (result.t[-1] + t1), 0.02, "prediction", transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color="0.4")
    ax.set_xlabel("t")
    ax.set_ylabel("population")
    ax.set_xlim(tt[0], tt[-1])
    ax.set_ylim(0, 1.08 * max(float(np.max(pred)), float(np.nanmax(result.observations))))
    ax.legend(fontsize=8, loc="best")
    return ax


# --- documentation figures --------------------------------------------------------------
BLOG = dict(r1=0.1, N1=500.0, a1=1e-4, r2=0.3, N2=1 / 0.003, a2=2e-4)
BLOG_START = (100.0, 150.0)
#: One model per outcome (the blog's case is the coexistence one).
EXAMPLES = {
    Outcome.COEXISTENCE: TwoSpecies(**BLOG),
    Outcome.SPECIES_1_WINS: TwoSpecies(1.0, 100.0, 0.006, 0.8, 80.0, 0.012),
    Outcome.SPECIES_2_WINS: TwoSpecies(1.0, 100.0, 0.016, 0.8, 80.0, 0.004),
    Outcome.BISTABILITY: TwoSpecies(0.8, 120.0, 0.012, 1.1, 90.0, 0.015),
}
_TITLES = {Outcome.COEXISTENCE: "coexistence (kexue.fm/archives/3120)",
           Outcome.SPECIES_1_WINS: "species 1 wins", Outcome.SPECIES_2_WINS: "species 2 wins",
           Outcome.BISTABILITY: "bistability"}


def four_outcomes(fig=None, quick: bool = False):
    """A 2 x 2 panel: one phase portrait (with basins) per outcome; returns the Figure."""
    import matplotlib.pyplot as plt

    if fig is None:
        fig = plt.figure(figsize=(11, 9.5))
    axs = fig.subplots(2, 2)
    res = 60 if quick else 200
    order = [Outcome.COEXISTENCE, Outcome.SPECIES_1_WINS, Outcome.SPECIES_2_WINS,
             Outcome.BISTABILITY]
    for ax, oc in zip(axs.ravel(), order):
        m = EXAMPLES[oc]
        phase_portrait(m, ax=ax, basins=True, basin_resolution=res, unstable_manifolds=True,
                       legend=False, density=0.9)
        u, v = m.a1 * m.N2 / m.r1, m.a2 * m.N1 / m.r2
        ax.set_title(f"{_TITLES[oc]}\nu = {u:.3g}, v = {v:.3g}", fontsize=10)
    handles, labels = [], []
    for ax in axs.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    from matplotlib.patches import Patch

    for colour, lab in (("#deebf7", "basin of (N1, 0)"), ("#fee0d2", "basin of (0, N2)"),
                        ("#e5f5e0", "basin of the interior point")):
        handles.append(Patch(facecolor=colour, edgecolor="0.6"))
        labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


#: The documentation figures of :func:`make_figures`: name -> one-line description.
FIGURES = {
    "competition_blog_time_series": "the blog's species from (100, 150), settling at (375, 250)",
    "competition_blog_direction_field": "the blog's direction field, arrows coloured by speed",
    "competition_blog_phase_portrait": "the blog's phase plane, its nullclines and equilibria",
    "competition_four_outcomes": "the four outcomes side by side, with their basins",
    "competition_gause_fit": "Gause's 1934 mixture data, the fit, its predicted outcome",
}


def _fig_time_series(quick):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    time_series(TwoSpecies(**BLOG), BLOG_START, (0.0, 150.0), ax=ax)
    ax.set_title("Two competing species from (100, 150) (kexue.fm/archives/3120)", fontsize=10)
    return fig


def _fig_direction_field(quick):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5.5), layout="constrained")
    direction_field(TwoSpecies(**BLOG), ax=ax, xlim=(0, 600), ylim=(0, 450),
                    density=10 if quick else 22)
    ax.set_title("Direction field (arrows of equal length, colour = speed)", fontsize=10)
    return fig


def _fig_phase_portrait(quick):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.6, 5.5), layout="constrained")
    phase_portrait(TwoSpecies(**BLOG), ax=ax, xlim=(0, 600), ylim=(0, 450),
                   trajectories=[BLOG_START], unstable_manifolds=True, legend="outside")
    ax.set_title("Phase portrait: nullclines, equilibria, the trajectory from (100, 150)",
                 fontsize=10)
    return fig


def _fig_gause_fit(quick):
    import matplotlib.pyplot as plt

    from . import fit as fit_model
    from .datasets import gause_1934

    mix = gause_1934().subset("Mixture")
    f = fit_model(mix.day, mix.observations, starts=2 if quick else 8, seed=0)
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.6), gridspec_kw={"width_ratios": [1.6, 1]})
    globals()["fit"](f, ax=axs[0], labels=["P. caudatum", "P. aurelia"], horizon=60.0)
    axs[0].set_title("Gause (1934) mixture, volume index; fitted Lotka-Volterra", fontsize=10)
    axs[0].set_xlabel("day")
    outcome_diagram(f.model, ax=axs[1], labels=[f"fit: {f.outcome().name.lower()}"])
    axs[1].set_title("Where the fitted model falls", fontsize=10)
    fig.text(0.01, 0.01, "Data: G. F. Gause (1934), Science 79:16, digitised by gauseR "
             "(Mühlbauer et al. 2020)", fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def make_figures(outdir, quick: bool = False) -> list:
    """Render the family's documentation figures into ``outdir``; return their paths.

    The blog's three figures (time series settling at (375, 250), direction field, phase
    portrait), the four outcomes side by side, and the fit to Gause's mixture data (see
    :data:`FIGURES`). A figure that fails does not stop the others.

    Raises
    ------
    odekit.plotting.FigureFailures
        After drawing the others, if some figures failed.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.competition import plot
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = plot.make_figures(d, quick=True)
    ...     sorted(p.stem for p in paths) == sorted(plot.FIGURES)
    True
    """
    drawers = {"competition_blog_time_series": _fig_time_series,
               "competition_blog_direction_field": _fig_direction_field,
               "competition_blog_phase_portrait": _fig_phase_portrait,
               "competition_four_outcomes": lambda quick: four_outcomes(quick=quick),
               "competition_gause_fit": _fig_gause_fit}
    return draw_figures(outdir, [(n, lambda d=d: d(quick)) for n, d in drawers.items()])
