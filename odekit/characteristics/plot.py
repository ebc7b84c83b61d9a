"""Plots of the characteristic-lines family (imports matplotlib; never imported by odekit).

Every helper takes ``ax=None`` (a new figure when None), draws on it, passes ``**kwargs``
to the main matplotlib call, returns the Axes and never calls ``plt.show()``.
:func:`make_figures` renders the documentation figures. Convention: data at t = 0, prior
at t = T.
"""

from __future__ import annotations

import pathlib

import numpy as np

from ..plotting import draw_figures
from .data import EmpiricalData
from .fields import MarginalField

__all__ = ["trajectories_1d", "trajectories_2d", "vector_field", "density_map",
           "density_panels", "characteristic_lines", "make_figures", "FIGURES"]


def _axes(ax, figsize=(6.4, 4.4)):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _trajectories(field, n, seed, n_times):
    """Prior samples carried from T to t_min: times (m,), paths (n, d, m), end index (n,)."""
    from .data import _rng

    rng = _rng(seed)
    x_T = field.prior.sample(n, rng)
    t_end = field.t_min() if isinstance(field.data, EmpiricalData) else 0.0
    # denser near the data end, where the paths bend
    s = np.linspace(0.0, 1.0, n_times)
    times = t_end + (field.T - t_end) * (1 - s) ** 2
    times[0], times[-1] = field.T, t_end
    paths = field.flow(x_T, field.T, t_end, t_eval=times,
                       **({"rtol": 1e-10, "atol": 1e-12} if field.family == 1 else {}))
    if isinstance(field.data, EmpiricalData):
        idx = field.evaluate(t_end, paths[:, :, -1], divergence=False)["argmax"]
        # the last stretch, t_min -> 0, is the chosen point's own conditional path
        # (see sample): it ends on the point
        times = np.append(times, 0.0)
        paths = np.concatenate([paths, field.data.points[idx][:, :, None]], axis=2)
    else:
        idx = np.zeros(n, dtype=int)
    return times, paths, idx


def trajectories_1d(field, n=80, *, seed=0, n_times=160, ax=None, cmap="viridis",
                         **kwargs):
    """Trajectories of a 1-D field: t (vertical, prior at the top) against x, each line
    coloured by the data point it ends on, as in the figures of
    https://kexue.fm/archives/9497.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.characteristics import (EmpiricalData, LinearPath, MarginalField,
    ...                                     UniformPrior)
    >>> from odekit.characteristics.plot import trajectories_1d
    >>> f = MarginalField(LinearPath(), EmpiricalData([0.5, 1.2, 1.7], [2, 1, 1]),
    ...                   prior=UniformPrior(0.0, 2.0))
    >>> ax = trajectories_1d(f, n=10)
    """
    import matplotlib.pyplot as plt

    if field.dim != 1:
        raise ValueError("field must be one-dimensional for trajectories_1d")
    ax = _axes(ax)
    times, paths, idx = _trajectories(field, n, seed, n_times)
    cm = plt.get_cmap(cmap)
    size = max(field.data.size, 2) if isinstance(field.data, EmpiricalData) else 2
    opts = {"lw": 0.7, "alpha": 0.8}
    opts.update(kwargs)
    for k in range(n):
        ax.plot(paths[k, 0], times, color=cm(idx[k] / (size - 1) if size > 1 else 0.5), **opts)
    if isinstance(field.data, EmpiricalData):
        pts = field.data.points[:, 0]
        ax.scatter(pts, np.zeros_like(pts), s=40 + 400 * field.data.weights, c=[
            cm(i / (size - 1)) for i in range(field.data.size)], edgecolor="k", zorder=5,
            clip_on=False)
    ax.set_ylim(0.0, field.T)
    ax.set_xlabel("x")
    ax.set_ylabel(f"t   (data at 0, prior at T = {field.T:g})")
    ax.set_title(f"{field.path!r}: {n} trajectories", fontsize="medium")
    return ax


def _grid(field, extent, res):
    x = np.linspace(extent[0], extent[1], res)
    y = np.linspace(extent[2], extent[3], res)
    X, Y = np.meshgrid(x, y)
    return X, Y, np.column_stack([X.ravel(), Y.ravel()])


def _extent(field, pad=0.8):
    if isinstance(field.data, EmpiricalData):
        pts = field.data.points
    else:
        pts = field.data.means
    lo, hi = pts.min(0) - pad, pts.max(0) + pad
    return (lo[0], hi[0], lo[1], hi[1])


def density_map(field, t, *, extent=None, res=120, ax=None, cmap="magma", **kwargs):
    """The density p_t: a curve for a 1-D field, an image for a 2-D one.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.characteristics import GaussianMixture, GaussianPath, MarginalField
    >>> from odekit.characteristics.plot import density_map
    >>> f = MarginalField(GaussianPath.variance_preserving(),
    ...                   GaussianMixture([0.5, 0.5], [[-1, 0], [1, 0]], 0.05))
    >>> ax = density_map(f, 0.3, res=30)
    """
    ax = _axes(ax)
    if field.dim == 1:
        lo, hi = extent if extent is not None else (
            np.min(getattr(field.data, "points", getattr(field.data, "means", None))) - 1.5,
            np.max(getattr(field.data, "points", getattr(field.data, "means", None))) + 1.5)
        x = np.linspace(lo, hi, 4 * res)
        ax.plot(x, np.exp(field.log_density(t, x[:, None])), **kwargs)
        ax.set_xlabel("x")
        ax.set_ylabel(f"$p_t(x)$, t = {t:g}")
        return ax
    if field.dim != 2:
        raise ValueError("density_map draws 1-D and 2-D fields only")
    ext = extent if extent is not None else _extent(field)
    X, Y, P = _grid(field, ext, res)
    dens = np.exp(field.log_density(t, P)).reshape(X.shape)
    opts = {"cmap": cmap, "origin": "lower", "extent": ext, "aspect": "auto"}
    opts.update(kwargs)
    ax.imshow(dens, **opts)
    ax.set_title(f"$p_t$ at t = {t:g}", fontsize="medium")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def density_panels(field, times, *, axes=None, **kwargs):
    """:func:`density_map` at several times side by side; returns the array of Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.characteristics import GaussianMixture, GaussianPath, MarginalField
    >>> from odekit.characteristics.plot import density_panels
    >>> f = MarginalField(GaussianPath.variance_exploding(),
    ...                   GaussianMixture([0.5, 0.5], [[-1, 0], [1, 0]], 0.05))
    >>> axes = density_panels(f, [0.0, 0.3, 0.6], res=20)
    >>> len(axes)
    3
    """
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, len(times), figsize=(2.6 * len(times), 2.8),
                               layout="constrained")
    axes = np.atleast_1d(axes)
    for a, t in zip(axes, times):
        density_map(field, t, ax=a, **kwargs)
    return axes


def vector_field(field, t, *, extent=None, res=22, ax=None, density=True, **kwargs):
    """The velocity field v_t on a grid (arrows), over the density p_t.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.characteristics import EmpiricalData, LinearPath, MarginalField
    >>> from odekit.characteristics.plot import vector_field
    >>> f = MarginalField(LinearPath(), EmpiricalData([[-1.0, 0.0], [1.0, 0.0]]))
    >>> ax = vector_field(f, 0.5, res=8)
    """
    if field.dim != 2:
        raise ValueError("vector_field draws 2-D fields")
    ax = _axes(ax, figsize=(4.4, 4.4))
    ext = extent if extent is not None else _extent(field, pad=1.5)
    if density:
        density_map(field, t, extent=ext, ax=ax, cmap="Greys", alpha=0.6, res=100)
    X, Y, P = _grid(field, ext, res)
    V = field.velocity(t, P)
    speed = np.linalg.norm(V, axis=1)
    opts = {"cmap": "viridis", "angles": "xy", "pivot": "mid"}
    opts.update(kwargs)
    # backwards in t is the sampling direction: draw -v
    ax.quiver(X, Y, -(V[:, 0] / (speed + 1e-300)).reshape(X.shape),
              -(V[:, 1] / (speed + 1e-300)).reshape(X.shape), np.log1p(speed).reshape(X.shape),
              **opts)
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.set_title(f"-v_t (sampling direction), t = {t:g}", fontsize="medium")
    ax.set_aspect("equal")
    return ax


def trajectories_2d(field, n=150, *, seed=0, n_times=120, extent=None, ax=None,
                         cmap="viridis", **kwargs):
    """Trajectories of a 2-D field from the prior to the data, over the data density
    (mixtures) or the data points (point sets); lines coloured by where they end.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.characteristics import EmpiricalData, LinearPath, MarginalField
    >>> from odekit.characteristics.plot import trajectories_2d
    >>> f = MarginalField(LinearPath(), EmpiricalData([[-1.0, 0.0], [1.0, 0.0]]))
    >>> ax = trajectories_2d(f, n=10)
    """
    import matplotlib.pyplot as plt

    if field.dim != 2:
        raise ValueError("trajectories_2d draws 2-D fields")
    ax = _axes(ax, figsize=(4.6, 4.6))
    ext = extent if extent is not None else _extent(field, pad=2.0)
    times, paths, idx = _trajectories(field, n, seed, n_times)
    cm = plt.get_cmap(cmap)
    if isinstance(field.data, EmpiricalData):
        pts = field.data.points
        ang = np.arctan2(pts[:, 1] - pts[:, 1].mean(), pts[:, 0] - pts[:, 0].mean())
        col = (ang + np.pi) / (2 * np.pi)
        colours = [cm(col[i]) for i in idx]
    else:
        density_map(field, 0.0, extent=ext, ax=ax, cmap="Greys", alpha=0.8, res=300)
        end = paths[:, :, -1]
        ang = np.arctan2(end[:, 1], end[:, 0])
        colours = [cm((a + np.pi) / (2 * np.pi)) for a in ang]
    opts = {"lw": 0.5, "alpha": 0.6}
    opts.update(kwargs)
    for k in range(n):
        ax.plot(paths[k, 0], paths[k, 1], color=colours[k], **opts)
    ax.scatter(paths[:, 0, 0], paths[:, 1, 0], s=4, c="0.5", zorder=3, label="prior (t = T)")
    ax.scatter(paths[:, 0, -1], paths[:, 1, -1], s=6, c="k", zorder=4, label="end (t = 0)")
    if isinstance(field.data, EmpiricalData) and field.data.size <= 400:
        ax.scatter(field.data.points[:, 0], field.data.points[:, 1], s=14, facecolor="none",
                   edgecolor="crimson", lw=0.7, zorder=5, label="data")
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.set_aspect("equal")
    ax.set_title(f"{field.path!r}", fontsize="small")
    ax.legend(fontsize="x-small", loc="lower right")
    return ax


def characteristic_lines(res, *, every=1, ax=None, **kwargs):
    """Characteristic lines x(t) of a PDE solution (x horizontal, t vertical), with the
    breaking time marked.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from odekit.characteristics import solve_quasilinear
    >>> from odekit.characteristics.plot import characteristic_lines
    >>> def c(x, t, u):
    ...     return u
    >>> def s(x, t, u):
    ...     return 0.0
    >>> res = solve_quasilinear(c, s, np.sin, np.linspace(0, 2 * np.pi, 21),
    ...                         np.linspace(0, 1.5, 31))
    >>> ax = characteristic_lines(res)
    """
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    cm = plt.get_cmap("coolwarm")
    u0 = res.u[0]
    span = np.ptp(u0) or 1.0
    opts = {"lw": 0.8}
    opts.update(kwargs)
    tb = res.breaking_time
    for i in range(0, res.x0.size, every):
        ax.plot(res.x[:, i], res.t, color=cm((u0[i] - u0.min()) / span), **opts)
    if tb is not None and np.isfinite(tb):
        ax.axhline(tb, color="k", ls="--", lw=1.0)
        ax.text(ax.get_xlim()[0], tb, f"  breaking time {tb:.6f}", va="bottom",
                fontsize="small")
    ax.set_xlabel("x")
    ax.set_ylabel("t")
    ax.set_title("characteristics (colour: u)", fontsize="medium")
    return ax


# ---------------------------------------------------------------------------- figures
def _burgers_speed(x, t, u):
    return u


def _no_source(x, t, u):
    return 0.0


#: The documentation figures of :func:`make_figures`: name -> one-line description.
FIGURES = {
    "characteristics_1d_trajectories": "the blog's 1-D example: straight paths onto 3 points",
    "characteristics_2d_trajectories": "eight Gaussians reached by straight and VP paths",
    "characteristics_density_panels": "the VP path's density p_t at four times",
    "characteristics_field": "the VP path's marginal velocity field at three times",
    "characteristics_poisson": "the Poisson-field (PFGM) construction onto eight points",
    "characteristics_burgers": "inviscid Burgers by characteristics, breaking time marked",
}

_EIGHT = 2.0 * np.column_stack([np.cos(np.arange(8) * np.pi / 4),
                                np.sin(np.arange(8) * np.pi / 4)])


def _eight_gaussians():
    from .data import GaussianMixture

    return GaussianMixture(np.ones(8), _EIGHT, 0.02)


def _fig_1d(quick):
    from .data import UniformPrior
    from .paths import LinearPath

    f1 = MarginalField(LinearPath(), EmpiricalData([0.5, 1.2, 1.7], [2, 1, 1]),
                       prior=UniformPrior(0.0, 2.0))
    ax = _axes(None, (6.4, 4.4))
    trajectories_1d(f1, n=30 if quick else 120, seed=1, ax=ax)
    return ax.figure


def _fig_2d(quick):
    import matplotlib.pyplot as plt

    from .paths import GaussianPath, LinearPath

    gm = _eight_gaussians()
    fig, axes = plt.subplots(1, 2, figsize=(9.2, 4.6), layout="constrained")
    for a, path in zip(axes, [LinearPath(), GaussianPath.variance_preserving()]):
        trajectories_2d(MarginalField(path, gm), n=30 if quick else 110, seed=2, ax=a,
                        extent=(-3.5, 3.5, -3.5, 3.5))
    return fig


def _fig_density_panels(quick):
    from .paths import GaussianPath

    fvp = MarginalField(GaussianPath.variance_preserving(), _eight_gaussians())
    axes = density_panels(fvp, [0.0, 0.2, 0.4, 0.7], extent=(-3.5, 3.5, -3.5, 3.5),
                          res=60 if quick else 150)
    return axes[0].figure


def _fig_field(quick):
    import matplotlib.pyplot as plt

    from .paths import GaussianPath

    fvp = MarginalField(GaussianPath.variance_preserving(), _eight_gaussians())
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), layout="constrained")
    for a, t in zip(axes, [0.1, 0.4, 0.8]):
        vector_field(fvp, t, ax=a, extent=(-3.5, 3.5, -3.5, 3.5), res=16 if quick else 22)
    return fig


def _fig_poisson(quick):
    from .paths import PoissonPath

    ax = _axes(None, (4.6, 4.6))
    trajectories_2d(MarginalField(PoissonPath(D=1, T=20.0), EmpiricalData(_EIGHT)),
                    n=30 if quick else 110, seed=3, ax=ax, extent=(-4, 4, -4, 4))
    return ax.figure


def _fig_burgers(quick):
    from . import pde

    res = pde.solve_quasilinear(_burgers_speed, _no_source, np.sin,
                                np.linspace(0, 2 * np.pi, 41), np.linspace(0, 1.6, 81))
    ax = _axes(None, (6.4, 4.4))
    characteristic_lines(res, ax=ax)
    return ax.figure


def make_figures(outdir, quick=False) -> list[pathlib.Path]:
    """Render this family's documentation figures (see :data:`FIGURES`) into ``outdir``.

    A figure that fails does not stop the others.

    Parameters
    ----------
    outdir : str or path-like
    quick : bool
        Fewer trajectories and coarser grids.

    Returns
    -------
    list of pathlib.Path

    Raises
    ------
    odekit.plotting.FigureFailures
        After drawing the others, if some figures failed.

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> from odekit.characteristics import plot
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = plot.make_figures(d, quick=True)
    ...     sorted(p.stem for p in paths) == sorted(plot.FIGURES)
    True
    """
    drawers = {"characteristics_1d_trajectories": _fig_1d,
               "characteristics_2d_trajectories": _fig_2d,
               "characteristics_density_panels": _fig_density_panels,
               "characteristics_field": _fig_field,
               "characteristics_poisson": _fig_poisson,
               "characteristics_burgers": _fig_burgers}
    return draw_figures(outdir, [(n, lambda d=d: d(quick)) for n, d in drawers.items()])
