"""Plots of the geometric-probability family (imports matplotlib; never imported by odekit).

Every helper takes ``ax=None``, draws on it (a new figure when None), returns the Axes
and never calls ``plt.show()``. :func:`make_figures` renders the documentation figures.
"""

from __future__ import annotations

import math
import pathlib

import numpy as np

from .exact import sector_probability
from .montecarlo import sector_probability_mc

__all__ = ["plot_sector_curves", "plot_convergence", "plot_sample", "make_figures"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    return ax


def plot_sector_curves(ns=(2, 3, 4, 6, 10), *, mc_samples=20_000, mc_points=9, seed=0,
                       sampler="disk", ax=None):
    """P(theta) for several n, with Monte-Carlo points and their Wilson intervals.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.geoprob.plot import plot_sector_curves
    >>> ax = plot_sector_curves((3, 4), mc_samples=1000, mc_points=3)
    """
    ax = _axes(ax)
    th = np.linspace(0.0, 2 * np.pi, 400)
    ss = np.random.SeedSequence(seed)
    for n, child in zip(ns, ss.spawn(len(ns))):
        (line,) = ax.plot(th, sector_probability(n, th), label=f"n = {n}")
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
    ax.set_title(f"n points in a disk: exact (lines), Monte Carlo ({sampler}, 95% Wilson)")
    ax.legend(fontsize="small")
    return ax


def plot_convergence(n=4, theta=math.pi, *, max_log2=18, seeds=8, sampler="angles",
                     ax=None):
    """|error| against samples for plain MC and scrambled-Sobol QMC, with 1/sqrt(N) and 1/N.

    Each point is the root-mean-square error over ``seeds`` independent runs.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.geoprob.plot import plot_convergence
    >>> ax = plot_convergence(max_log2=12, seeds=2)
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
    ax.loglog(Ns, rms["mc"], "o-", label="Monte Carlo")
    ax.loglog(Ns, rms["qmc"], "s-", label="scrambled Sobol")
    c = rms["mc"][0] * math.sqrt(Ns[0])
    ax.loglog(Ns, c / np.sqrt(Ns), "k--", lw=0.8, label=r"$\propto N^{-1/2}$")
    ax.loglog(Ns, rms["qmc"][0] * Ns[0] / Ns, "k:", lw=0.8, label=r"$\propto N^{-1}$")
    ax.set_xlabel("samples N")
    ax.set_ylabel("rms |error|")
    ax.set_title(f"sector problem n = {n}, theta = {theta:.3g}")
    ax.legend(fontsize="small")
    return ax


def plot_sample(n=4, theta=math.pi, *, seed=0, ax=None):
    """One sample of n uniform points in the unit disk, with the covering sector shaded.

    The sector drawn is the one whose edges pass through the two points bounding the
    largest circular gap (the narrowest sector holding all points); it is shaded green
    when its angle is at most ``theta`` (the event happens) and red otherwise.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.geoprob.plot import plot_sample
    >>> ax = plot_sample(5, 2.0, seed=1)
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
    ax.plot(r * np.cos(phi), r * np.sin(phi), "ko", ms=5)
    ax.set_aspect("equal")
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_title(f"n = {n}: narrowest covering sector {span:.2f} rad "
                 f"{'<=' if ok else '>'} theta = {theta:.2f}")
    ax.axis("off")
    return ax


def make_figures(outdir) -> list[pathlib.Path]:
    """Render this family's documentation figures as PNGs (Agg backend) into ``outdir``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = pathlib.Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in [
        ("geoprob_sector_curves.png", lambda ax: plot_sector_curves(ax=ax)),
        ("geoprob_convergence.png", lambda ax: plot_convergence(ax=ax)),
        ("geoprob_sample.png", lambda ax: plot_sample(4, math.pi, seed=3, ax=ax)),
    ]:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        draw(ax)
        fig.tight_layout()
        path = out / name
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths
