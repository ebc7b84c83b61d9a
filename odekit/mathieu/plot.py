"""Plots for the Mathieu / Kapitza family (matplotlib; imported on demand).

Every helper takes ``ax=None`` (a new figure's Axes then), draws, and returns the Axes.
"""

from __future__ import annotations

import pathlib

import numpy as np

from .chart import StabilityChart, transition_curves
from .functions import ce, se
from .kapitza import KapitzaPendulum

__all__ = ["stability_chart", "mathieu_functions", "kapitza_trajectory",
           "kapitza_stability_map", "make_figures"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 4.8))
    return ax


def stability_chart(chart: StabilityChart, ax=None, curves=True, n_max=None):
    """Ince-Strutt diagram: stable regions shaded, transition curves a_n / b_n labelled.

    Parameters
    ----------
    chart : StabilityChart
        From :func:`odekit.mathieu.stability_chart`.
    ax : matplotlib Axes, optional
    curves : bool
        Overlay the characteristic curves a_n(q) (solid) and b_n(q) (dashed).
    n_max : int, optional
        Highest order drawn (default: enough to cover the chart's a range).

    Returns
    -------
    matplotlib Axes
        q on the horizontal axis, a on the vertical one.
    """
    ax = _axes(ax)
    a, q = chart.a, chart.q
    ax.pcolormesh(q, a, chart.stable.T.astype(float), cmap="Blues", vmin=0.0, vmax=1.6,
                  shading="auto", rasterized=True)
    if curves:
        if n_max is None:
            n_max = int(np.ceil(np.sqrt(max(a.max(), 0.0)))) + 1
        qq = np.linspace(q.min(), q.max(), 200)
        ca, cb = transition_curves(n_max, qq)
        for n in range(n_max + 1):
            ax.plot(qq, ca[n], "k-", lw=0.9)
            _label(ax, qq, ca[n], f"$a_{{{n}}}$", a)
        for n in range(1, n_max + 1):
            ax.plot(qq, cb[n - 1], "k--", lw=0.9)
            _label(ax, qq, cb[n - 1], f"$b_{{{n}}}$", a)
    ax.set_xlim(q.min(), q.max())
    ax.set_ylim(a.min(), a.max())
    ax.set_xlabel("q")
    ax.set_ylabel("a")
    title = "Mathieu stability chart (shaded: stable)"
    if chart.damping:
        title += f", damping $\\gamma$ = {chart.damping:g}"
    ax.set_title(title)
    return ax


def _label(ax, qq, curve, text, a):
    inside = np.flatnonzero((curve > a.min()) & (curve < a.max()))
    if inside.size:
        frac = 0.85 if text.startswith("$a") else 0.55
        i = inside[min(inside.size - 1, int(frac * inside.size))]
        ax.annotate(text, (qq[i], curve[i]), fontsize=8, xytext=(2, 2),
                    textcoords="offset points")


def mathieu_functions(orders=(0, 1, 2, 3), q=5.0, kind="ce", ax=None, z=None):
    """Plot ce_n(z, q) or se_n(z, q) over a period for several orders.

    Parameters
    ----------
    orders : sequence of int
    q : float
    kind : {"ce", "se"}
    ax : matplotlib Axes, optional
    z : array_like, optional
        Abscissae in radians (default 0..pi, 400 points).

    Returns
    -------
    matplotlib Axes
    """
    if kind not in ("ce", "se"):
        raise ValueError(f"kind must be 'ce' or 'se', got {kind!r}")
    ax = _axes(ax)
    z = np.linspace(0.0, np.pi, 400) if z is None else np.asarray(z, dtype=float)
    f = ce if kind == "ce" else se
    for n in orders:
        ax.plot(z, f(n, q, z), label=f"{kind}$_{{{n}}}$(z, {q:g})")
    ax.axhline(0.0, color="0.7", lw=0.6)
    ax.set_xlabel("z (rad)")
    ax.set_ylabel(f"{kind}$_n$(z, q)")
    ax.legend(fontsize=8)
    return ax


def kapitza_trajectory(pendulum: KapitzaPendulum, theta0=0.1, t_span=(0.0, 10.0), ax=None,
                       linear=True, n_points=3000, approximation=True):
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

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    t = np.linspace(t_span[0], t_span[1], int(n_points))
    res = pendulum.simulate(theta0, 0.0, t_span, linear=linear, t_eval=t)
    ax.plot(res.t, res.y[0], lw=0.8, label="simulation" + (" (linear)" if linear else ""))
    if approximation:
        try:
            ax.plot(t, pendulum.approximate_solution(t, theta0), "--", lw=1.0,
                    label="slow + ripple approximation")
        except ValueError:
            pass
    ax.set_xlabel("t (s)")
    ax.set_ylabel(r"$\theta$ (rad from upright)")
    ax.set_title(f"Kapitza pendulum: l={pendulum.length:g} m, h0={pendulum.amplitude:g} m, "
                 f"$\\omega$={pendulum.omega:g}/s", fontsize=9)
    ax.legend(fontsize=8)
    return ax


def kapitza_stability_map(length=1.0, omega=None, amplitude=None, g=9.81, ax=None,
                          damping=0.0):
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

    Returns
    -------
    matplotlib Axes
    """
    from .kapitza import stability_map

    ax = _axes(ax)
    w0 = np.sqrt(g / length)
    omega = np.linspace(0.5 * w0, 60 * w0, 300) if omega is None else np.asarray(omega, float)
    amplitude = (np.linspace(1e-3, 0.8, 240) * length if amplitude is None
                 else np.asarray(amplitude, float))
    stable = stability_map(length, omega, amplitude, g=g, damping=damping)
    ax.pcolormesh(omega, amplitude, stable.astype(float), cmap="Greens", vmin=0, vmax=1.5,
                  shading="auto", rasterized=True)
    ax.plot(omega, np.sqrt(2 * g * length) / omega, "r--", lw=1.0,
            label=r"classical limit $h_0\omega=\sqrt{2gl}$")
    ax.set_ylim(amplitude.min(), amplitude.max())
    ax.set_xlabel(r"$\omega$ (rad/s)")
    ax.set_ylabel(r"$h_0$ (m)")
    ax.set_title(f"Upright Kapitza pendulum stable (shaded), l = {length:g} m", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def make_figures(outdir):
    """Render this family's documentation figures as PNG files (Agg) into ``outdir``.

    Returns
    -------
    list of pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .chart import stability_chart as compute_chart

    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []

    def save(fig, name):
        p = out / name
        fig.savefig(p, dpi=110, bbox_inches="tight")
        plt.close(fig)
        paths.append(p)

    chart = compute_chart(np.linspace(-4.0, 16.0, 300), np.linspace(0.0, 15.0, 240))
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    stability_chart(chart, ax=ax)
    save(fig, "mathieu_stability_chart.png")

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    stability_chart(compute_chart(np.linspace(-4.0, 16.0, 200), np.linspace(0.0, 15.0, 160),
                                  damping=0.3), ax=ax)
    save(fig, "mathieu_stability_chart_damped.png")

    fig, axs = plt.subplots(1, 2, figsize=(10, 3.8))
    mathieu_functions((0, 1, 2, 3), 5.0, "ce", ax=axs[0])
    mathieu_functions((1, 2, 3, 4), 5.0, "se", ax=axs[1])
    save(fig, "mathieu_functions.png")

    pend = KapitzaPendulum(1.0, 0.01, 500.0, g=10.0)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    kapitza_trajectory(pend, 0.1, (0.0, 8.0), ax=ax)
    save(fig, "kapitza_trajectory.png")

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    kapitza_stability_map(1.0, g=10.0, ax=ax)
    save(fig, "kapitza_stability_map.png")
    return paths
