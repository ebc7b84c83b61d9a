"""Plots for the Mathieu / Kapitza family (matplotlib; imported on demand).

Every helper takes ``ax=None`` (a new figure's Axes then), passes ``**kwargs`` through to
matplotlib, draws, and returns the Axes. ``stability_chart`` here is a deprecated alias of
:func:`chart` (it shared its name with :func:`odekit.mathieu.stability_chart`, which
computes the chart).
"""

from __future__ import annotations

import numpy as np

from ..plotting import deprecated_alias, draw_figures, get_ax, new_figure
from .chart import StabilityChart, transition_curves
from .functions import ce, se
from .kapitza import KapitzaPendulum

__all__ = ["chart", "mathieu_functions", "kapitza_trajectory", "kapitza_stability_map",
           "make_figures", "FIGURES"]

#: The documentation figures of :func:`make_figures`: name -> one-line description.
FIGURES = {
    "mathieu_stability_chart": "Ince-Strutt chart: stable regions, transition curves a_n, b_n",
    "mathieu_stability_chart_damped": "the stability chart with damping gamma = 0.3",
    "mathieu_functions": "Mathieu functions ce_n and se_n at q = 5",
    "kapitza_trajectory": "Kapitza pendulum: simulated angle and the averaged approximation",
    "kapitza_stability_map": "where the upright Kapitza pendulum is stable in (omega, h0)",
}


def _axes(ax):
    return get_ax(ax, figsize=(6.4, 4.8))


def _stability_margin(chart):
    """A field that is > 0 exactly where the chart is stable, continuous across the edges.

    Undamped: 2 - abs(trace) (the edges are abs(trace) = 2); damped: minus the growth rate.
    Contouring it at 0 gives smooth band edges even on a coarse grid.
    """
    trace = getattr(chart, "trace", None)
    growth = getattr(chart, "growth_rate", None)
    if chart.damping and growth is not None:
        return -np.asarray(growth, dtype=float)
    if trace is not None:
        return 2.0 - np.abs(np.asarray(trace, dtype=float))
    return np.where(chart.stable, 1.0, -1.0)


def chart(chart, ax=None, curves=True, n_max=None, *, title=True, curve_kw=None, **kwargs):
    """Ince-Strutt diagram: stable regions shaded, transition curves a_n / b_n labelled.

    The stable region is drawn by contouring the chart's stability margin at zero
    (abs(trace) = 2 undamped, zero growth rate damped), so band edges are smooth even on a
    coarse grid.

    Parameters
    ----------
    chart : StabilityChart
        From :func:`odekit.mathieu.stability_chart`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).
    curves : bool
        Overlay the characteristic curves a_n(q) (solid) and b_n(q) (dashed).
    n_max : int, optional
        Highest order drawn (default: enough to cover the chart's a range).
    title : bool or str
        True: a default title; a string: that title; False: none.
    curve_kw : dict, optional
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the curves (``lw``, ``color``).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.contourf` for the stable region
        (``colors``, ``cmap``, ``alpha``); default a light blue fill.

    Returns
    -------
    matplotlib.axes.Axes
        q on the horizontal axis, a on the vertical one.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from odekit.mathieu import stability_chart
    >>> from odekit.mathieu.plot import chart
    >>> c = stability_chart(np.linspace(-1.0, 5.0, 25), np.linspace(0.0, 4.0, 20))
    >>> ax = chart(c, colors=["0.85"])
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('q', 'a')
    """
    ax = _axes(ax)
    a, q = chart.a, chart.q
    if "cmap" not in kwargs and "colors" not in kwargs:
        kwargs["colors"] = ["#c6dbef"]
    margin = _stability_margin(chart)
    if margin.shape == (q.size, a.size) and q.size > 1 and a.size > 1 and margin.max() > 0:
        ax.contourf(q, a, margin.T, levels=[0.0, max(float(margin.max()), 1e-300) * 1.01],
                    **kwargs)
    ckw = {"color": "k", "lw": 0.9}
    ckw.update(curve_kw or {})
    if curves:
        if n_max is None:
            n_max = int(np.ceil(np.sqrt(max(a.max(), 0.0)))) + 1
        qq = np.linspace(q.min(), q.max(), 200)
        ca, cb = transition_curves(n_max, qq)
        for n in range(n_max + 1):
            ax.plot(qq, ca[n], ls="-", **ckw)
            _label(ax, qq, ca[n], f"$a_{{{n}}}$", a)
        for n in range(1, n_max + 1):
            ax.plot(qq, cb[n - 1], ls="--", **ckw)
            _label(ax, qq, cb[n - 1], f"$b_{{{n}}}$", a)
    ax.set_xlim(q.min(), q.max())
    ax.set_ylim(a.min(), a.max())
    ax.set_xlabel("q")
    ax.set_ylabel("a")
    if title is True:
        title = "Mathieu stability chart (shaded: stable)"
        if chart.damping:
            title += f"\ndamping $\\gamma$ = {chart.damping:g}"
    if title:
        ax.set_title(title, fontsize="medium")
    return ax


def _label(ax, qq, curve, text, a):
    """Label a curve where it runs well inside the axes (never at the top or bottom edge)."""
    span = a.max() - a.min()
    inside = np.flatnonzero((curve > a.min() + 0.04 * span) & (curve < a.max() - 0.10 * span)
                            & (qq < qq.min() + 0.93 * (qq.max() - qq.min())))
    if inside.size:
        frac = 0.85 if text.startswith("$a") else 0.55
        i = inside[min(inside.size - 1, int(frac * inside.size))]
        ax.annotate(text, (qq[i], curve[i]), fontsize=8, xytext=(3, 4),
                    textcoords="offset points", annotation_clip=True,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))


def mathieu_functions(orders=(0, 1, 2, 3), q=5.0, kind="ce", ax=None, z=None, **kwargs):
    """Plot ce_n(z, q) or se_n(z, q) over a period for several orders.

    Parameters
    ----------
    orders : sequence of int
    q : float
    kind : {"ce", "se"}
    ax : matplotlib Axes, optional
    z : array_like, optional
        Abscissae in radians (default 0..pi, 400 points).
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for every curve (``lw``, ...).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.mathieu.plot import mathieu_functions
    >>> ax = mathieu_functions((1, 2), q=2.0, kind="se", lw=1)
    >>> len(ax.get_lines())     # two curves and the zero line
    3
    """
    if kind not in ("ce", "se"):
        raise ValueError(f"kind must be 'ce' or 'se', got {kind!r}")
    ax = _axes(ax)
    z = np.linspace(0.0, np.pi, 400) if z is None else np.asarray(z, dtype=float)
    f = ce if kind == "ce" else se
    for n in orders:
        ax.plot(z, f(n, q, z), label=f"{kind}$_{{{n}}}$(z, {q:g})", **kwargs)
    ax.axhline(0.0, color="0.7", lw=0.6)
    ax.set_xlabel("z (rad)")
    ax.set_ylabel(f"{kind}$_n$(z, q)")
    ax.legend(fontsize=8)
    return ax


def kapitza_trajectory(pendulum: KapitzaPendulum, theta0=0.1, t_span=(0.0, 10.0), ax=None,
                       linear=True, n_points=3000, approximation=True, **kwargs):
    """Simulated angle theta(t) of a Kapitza pendulum with the averaged approximation overlaid.

    Parameters
    ----------
    pendulum : KapitzaPendulum
    theta0 : float
        Initial angle from the upright (rad), released at rest.
    t_span : (float, float)
    ax : matplotlib Axes, optional
    linear : bool
        Simulate the linearised equation (default) or the full pendulum.
    n_points : int
        Output samples.
    approximation : bool
        Overlay theta0 cos(Omega t) + (h0/l) theta0 cos(omega t) when the averaged theory
        has a stable upright position.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.plot` for the simulated curve.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.mathieu import KapitzaPendulum
    >>> from odekit.mathieu.plot import kapitza_trajectory
    >>> p = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)
    >>> ax = kapitza_trajectory(p, 0.1, (0.0, 2.0), n_points=500, color="k")
    >>> ax.get_xlabel()
    't (s)'
    """
    ax = _axes(ax)
    t = np.linspace(t_span[0], t_span[1], int(n_points))
    res = pendulum.simulate(theta0, 0.0, t_span, linear=linear, t_eval=t)
    kwargs.setdefault("lw", 0.8)
    ax.plot(res.t, res.y[0], label="simulation" + (" (linear)" if linear else ""), **kwargs)
    if approximation:
        try:
            ax.plot(t, pendulum.approximate_solution(t, theta0), "--", lw=1.0,
                    label="slow + ripple approximation")
        except ValueError:
            pass
    ax.set_xlabel("t (s)")
    ax.set_ylabel(r"$\theta$ (rad from upright)")
    ax.set_title(f"Kapitza pendulum: l = {pendulum.length:g} m, $h_0$ = {pendulum.amplitude:g} m,"
                 f" $\\omega$ = {pendulum.omega:g}/s", fontsize="medium")
    ax.legend(fontsize=8)
    return ax


def kapitza_stability_map(length=1.0, omega=None, amplitude=None, g=9.81, ax=None,
                          damping=0.0, **kwargs):
    """Region of the (omega, h0) plane where the upright pendulum is linearly stable.

    Computed by :func:`odekit.mathieu.kapitza.stability_map` (the Floquet trace from Hill's
    determinant at q = 2 h0 / l, a = -4 g / (l omega^2); no integration).  The classical
    averaged limit h0 omega = sqrt(2 g l) is drawn for comparison.

    Parameters
    ----------
    length : float
    omega : array_like, optional
        Frequency grid (rad/s); default 0.5..40 sqrt(g/l)-scaled.
    amplitude : array_like, optional
        Amplitude grid h0 (m); default up to 0.8 l.
    g : float
    ax : matplotlib Axes, optional
    damping : float, optional
        Viscous damping rate c (1/s), >= 0.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.contourf` for the stable region
        (``colors``, ``cmap``, ``alpha``); default a light green fill.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from odekit.mathieu.plot import kapitza_stability_map
    >>> ax = kapitza_stability_map(1.0, omega=np.linspace(2, 100, 40),
    ...                            amplitude=np.linspace(0.01, 0.5, 30), colors=["0.8"])
    >>> ax.get_ylabel()
    '$h_0$ (m)'
    """
    from .kapitza import stability_margin

    ax = _axes(ax)
    w0 = np.sqrt(g / length)
    omega = np.linspace(0.5 * w0, 60 * w0, 300) if omega is None else np.asarray(omega, float)
    amplitude = (np.linspace(1e-3, 0.8, 240) * length if amplitude is None
                 else np.asarray(amplitude, float))
    # positive exactly where the upright position is stable, continuous across the band
    # edges, so its zero contour is smooth on any grid
    margin = stability_margin(length, omega, amplitude, g=g, damping=damping)
    if "cmap" not in kwargs and "colors" not in kwargs:
        kwargs["colors"] = ["#c7e9c0"]
    top = float(np.max(margin))
    if top > 0:
        ax.contourf(omega, amplitude, margin, levels=[0.0, top * 1.01], **kwargs)
    ax.plot(omega, np.sqrt(2 * g * length) / omega, "r--", lw=1.0,
            label=r"classical limit $h_0\omega=\sqrt{2gl}$")
    ax.set_ylim(amplitude.min(), amplitude.max())
    ax.set_xlabel(r"$\omega$ (rad/s)")
    ax.set_ylabel(r"$h_0$ (m)")
    ax.set_title(f"Upright Kapitza pendulum stable (shaded), l = {length:g} m",
                 fontsize="medium")
    ax.legend(fontsize=8, loc="upper right")
    return ax


def make_figures(outdir, quick=False):
    """Render this family's documentation figures as PNG files into ``outdir``.

    Parameters
    ----------
    outdir : str or path-like
        Output folder (created if missing).
    quick : bool
        Coarse chart grids (the same figures, drawn in a few seconds).

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
    >>> from odekit.mathieu.plot import FIGURES, make_figures
    >>> paths = make_figures(tempfile.mkdtemp(), quick=True)
    >>> sorted(p.stem for p in paths) == sorted(FIGURES)
    True
    """
    from .chart import stability_chart as compute_chart

    na, nq = (60, 48) if quick else (300, 240)
    nad, nqd = (50, 40) if quick else (200, 160)

    def fig_chart():
        fig, ax = new_figure(figsize=(6.4, 4.8))
        chart(compute_chart(np.linspace(-4.0, 16.0, na), np.linspace(0.0, 15.0, nq)), ax=ax)
        return fig

    def fig_damped():
        fig, ax = new_figure(figsize=(6.4, 4.8))
        chart(compute_chart(np.linspace(-4.0, 16.0, nad), np.linspace(0.0, 15.0, nqd),
                            damping=0.3), ax=ax)
        return fig

    def fig_functions():
        fig, axs = new_figure(1, 2, figsize=(10, 3.8))
        mathieu_functions((0, 1, 2, 3), 5.0, "ce", ax=axs[0])
        mathieu_functions((1, 2, 3, 4), 5.0, "se", ax=axs[1])
        return fig

    def fig_trajectory():
        pend = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)
        fig, ax = new_figure(figsize=(7, 3.8))
        kapitza_trajectory(pend, 0.1, (0.0, 8.0), ax=ax, n_points=1500 if quick else 3000)
        return fig

    def fig_map():
        fig, ax = new_figure(figsize=(6.4, 4.8))
        if quick:
            kapitza_stability_map(1.0, g=10.0, ax=ax, omega=np.linspace(1.6, 190.0, 120),
                                  amplitude=np.linspace(1e-3, 0.8, 90))
        else:
            kapitza_stability_map(1.0, g=10.0, ax=ax)
        return fig

    return draw_figures(outdir, [
        ("mathieu_stability_chart", fig_chart),
        ("mathieu_stability_chart_damped", fig_damped),
        ("mathieu_functions", fig_functions),
        ("kapitza_trajectory", fig_trajectory),
        ("kapitza_stability_map", fig_map),
    ])


stability_chart = deprecated_alias(chart, "stability_chart")
