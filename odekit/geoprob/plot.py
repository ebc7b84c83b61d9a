"""Plots of the geometric-probability family (imports matplotlib; never imported by odekit).

Every helper takes ``ax=None``, draws on it (a new figure when None), passes ``**kwargs``
through to matplotlib, returns the Axes and never calls ``plt.show()``.
:func:`make_figures` renders the documentation figures. The names ``plot_sector_curves``,
``plot_convergence`` and ``plot_sample`` are deprecated aliases of :func:`sector_curves`,
:func:`convergence` and :func:`sample`.
"""

from __future__ import annotations

import math

import numpy as np

from ..plotting import deprecated_alias, draw_figures, get_ax, new_figure
from .exact import sector_probability
from .montecarlo import sector_probability_mc

__all__ = ["sector_curves", "convergence", "sample", "make_figures", "FIGURES"]

#: The documentation figures of :func:`make_figures`: name -> one-line description.
FIGURES = {
    "geoprob_sector_curves": "P(n points of a disk in one sector of angle theta), exact and MC",
    "geoprob_convergence": "rms error of Monte Carlo and scrambled Sobol against samples",
    "geoprob_sample": "one sample of 4 points and its narrowest covering sector",
}


def _axes(ax):
    return get_ax(ax, figsize=(6, 4))


def sector_curves(ns=(2, 3, 4, 6, 10), *, mc_samples=20_000, mc_points=9, seed=0,
                  sampler="disk", ax=None, title=True, **kwargs):
    """P(theta) for several n, with Monte-Carlo points and their Wilson intervals.

    Parameters
    ----------
    ns : sequence of int
        Numbers of points, one curve each.
    mc_samples : int
        Samples per Monte-Carlo point.
    mc_points : int
        Monte-Carlo estimates per curve (0: exact curves only).
    seed : int or numpy.random.Generator
        Seed of the Monte-Carlo points.
    sampler : {"disk", "angles"}
        Sampler of :func:`~odekit.geoprob.sector_probability_mc`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).
    title : bool or str
        True: a two-line default title; a string: that title; False: none.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the exact curves (``lw``, ...).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.geoprob.plot import sector_curves
    >>> ax = sector_curves((3, 4), mc_samples=1000, mc_points=3, lw=2)
    >>> len(ax.get_legend().get_texts())
    2
    """
    ax = _axes(ax)
    th = np.linspace(0.0, 2 * np.pi, 400)
    ss = np.random.SeedSequence(seed)
    for n, child in zip(ns, ss.spawn(len(ns))):
        (line,) = ax.plot(th, sector_probability(n, th), label=f"n = {n}", **kwargs)
        if mc_points:
            rng = np.random.default_rng(child)
            tm = np.linspace(0.5, 2 * np.pi - 0.5, mc_points)
            ests = [sector_probability_mc(n, t, mc_samples, seed=rng, sampler=sampler)
                    for t in tm]
            val = np.array([e.value for e in ests])
            lo = np.maximum(val - np.array([e.ci[0] for e in ests]), 0.0)
            hi = np.maximum(np.array([e.ci[1] for e in ests]) - val, 0.0)
            ax.errorbar(tm, val, yerr=[lo, hi], fmt="o", ms=3, color=line.get_color(),
                        capsize=2)
    ax.axvline(np.pi, color="0.7", lw=0.8, ls=":")
    ax.set_xlabel(r"sector angle $\theta$ (rad)")
    ax.set_ylabel("P(all n points in one sector)")
    ax.set_xticks([0, np.pi / 2, np.pi, 3 * np.pi / 2, 2 * np.pi],
                  ["0", r"$\pi/2$", r"$\pi$", r"$3\pi/2$", r"$2\pi$"])
    if title is True:
        title = f"n points in a disk, all in one sector\nexact (lines), MC ({sampler}, 95% Wilson)"
    if title:
        ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small")
    return ax


def convergence(n=4, theta=math.pi, *, max_log2=18, seeds=8, sampler="angles", ax=None,
                **kwargs):
    """|error| against samples for plain MC and scrambled-Sobol QMC, with 1/sqrt(N) and 1/N.

    Each point is the root-mean-square error over ``seeds`` independent runs.

    Parameters
    ----------
    n : int
        Number of points.
    theta : float
        Sector angle (radians).
    max_log2 : int
        Largest sample count is ``2**max_log2`` (from 2**8 in steps of 4x).
    seeds : int
        Independent runs per point.
    sampler : {"disk", "angles"}
        Sampler of :func:`~odekit.geoprob.sector_probability_mc`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.loglog` for the two error curves (``ms``, ...).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.geoprob.plot import convergence
    >>> ax = convergence(max_log2=12, seeds=2, ms=4)
    >>> ax.get_xscale()
    'log'
    """
    ax = _axes(ax)
    exact = sector_probability(n, theta)
    Ns = 2 ** np.arange(8, max_log2 + 1, 2)
    rms = {"mc": [], "qmc": []}
    for N in Ns:
        for method in ("mc", "qmc"):
            errs = []
            for s in range(seeds):
                if method == "mc":
                    e = sector_probability_mc(n, theta, int(N), seed=s, sampler=sampler)
                else:
                    e = sector_probability_mc(n, theta, int(N), seed=s, sampler=sampler,
                                              method="qmc", scrambles=4)
                errs.append(e.value - exact)
            rms[method].append(math.sqrt(np.mean(np.square(errs))))
    ax.loglog(Ns, rms["mc"], "o-", label="Monte Carlo", **kwargs)
    ax.loglog(Ns, rms["qmc"], "s-", label="scrambled Sobol", **kwargs)
    c = rms["mc"][0] * math.sqrt(Ns[0])
    ax.loglog(Ns, c / np.sqrt(Ns), "k--", lw=0.8, label=r"$\propto N^{-1/2}$")
    ax.loglog(Ns, rms["qmc"][0] * Ns[0] / Ns, "k:", lw=0.8, label=r"$\propto N^{-1}$")
    from matplotlib.ticker import NullFormatter

    ax.set_xticks(Ns, [f"$2^{{{int(round(math.log2(N)))}}}$" for N in Ns])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("samples N")
    ax.set_ylabel("rms |error|")
    ax.set_title(f"sector problem n = {n}, $\\theta$ = {theta:.3g}", fontsize="medium")
    ax.legend(fontsize="small")
    return ax


def sample(n=4, theta=math.pi, *, seed=0, ax=None, **kwargs):
    """One sample of n uniform points in the unit disk, with the covering sector shaded.

    The sector drawn is the one whose edges pass through the two points bounding the
    largest circular gap (the narrowest sector holding all points); it is shaded green
    when its angle is at most ``theta`` (the event happens) and red otherwise.

    Parameters
    ----------
    n : int
        Number of points.
    theta : float
        Sector angle (radians) of the event.
    seed : int or numpy.random.Generator
        Seed of the sample.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on (a new figure when None).
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot` for the points (``ms``, ``color``, ...).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.geoprob.plot import sample
    >>> ax = sample(5, 2.0, seed=1, ms=4)
    >>> ax.get_aspect()
    1.0
    """
    from matplotlib.patches import Circle, Wedge

    ax = _axes(ax)
    rng = np.random.default_rng(seed)
    r = np.sqrt(rng.random(n))
    phi = 2 * np.pi * rng.random(n)
    a = np.sort(phi)
    gaps = np.diff(np.concatenate([a, [a[0] + 2 * np.pi]]))
    i = int(np.argmax(gaps))
    start = a[(i + 1) % n]  # sector runs counter-clockwise from here ...
    span = 2 * np.pi - gaps[i]  # ... over the complement of the largest gap
    ok = span <= theta
    ax.add_patch(Circle((0, 0), 1, fill=False, color="0.3"))
    ax.add_patch(Wedge((0, 0), 1, np.degrees(start), np.degrees(start + span),
                       color="tab:green" if ok else "tab:red", alpha=0.25))
    kwargs.setdefault("ms", 5)
    ax.plot(r * np.cos(phi), r * np.sin(phi), "ko", **kwargs)
    ax.set_aspect("equal")
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_title(f"n = {n}: narrowest covering sector {span:.2f} rad\n"
                 f"{'<=' if ok else '>'} $\\theta$ = {theta:.2f}", fontsize="medium")
    ax.axis("off")
    return ax


def make_figures(outdir, quick=False):
    """Render this family's documentation figures as PNGs into ``outdir``.

    Parameters
    ----------
    outdir : str or path-like
        Output folder (created if missing).
    quick : bool
        Fewer Monte-Carlo samples (same figures, drawn in a fraction of the time).

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
    >>> from odekit.geoprob.plot import FIGURES, make_figures
    >>> paths = make_figures(tempfile.mkdtemp(), quick=True)
    >>> sorted(p.stem for p in paths) == sorted(FIGURES)
    True
    """
    mc = dict(mc_samples=2_000, mc_points=5) if quick else {}
    conv = dict(max_log2=14, seeds=3) if quick else {}

    def one(draw):
        def go():
            fig, ax = new_figure(figsize=(6.4, 4.4))
            draw(ax)
            return fig
        return go

    return draw_figures(outdir, [
        ("geoprob_sector_curves", one(lambda ax: sector_curves(ax=ax, **mc))),
        ("geoprob_convergence", one(lambda ax: convergence(ax=ax, **conv))),
        ("geoprob_sample", one(lambda ax: sample(4, math.pi, seed=3, ax=ax))),
    ])


plot_sector_curves = deprecated_alias(sector_curves, "plot_sector_curves")
plot_convergence = deprecated_alias(convergence, "plot_convergence")
plot_sample = deprecated_alias(sample, "plot_sample")
