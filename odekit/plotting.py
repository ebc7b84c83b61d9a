"""Shared plotting helpers for the families' ``plot`` modules.

Nothing here is imported by ``import odekit``; the functions import matplotlib when called.

* :func:`get_ax` -- the ``ax=None`` convention of every plot helper (a new figure with
  constrained layout when no Axes is given);
* :func:`new_figure` -- a figure for the documentation set (constrained layout);
* :func:`save_figure` -- write a PNG atomically (temporary name, then :func:`os.replace`), so an
  interrupted run never leaves a broken image, and close the figure;
* :func:`draw_figures` -- draw a family's documentation figures one by one: one figure's
  failure does not stop the others, and :class:`FigureFailures` lists what failed at the end;
* :func:`deprecated_alias` -- keep an old helper name working with a DeprecationWarning.

A family's ``plot`` module provides ``make_figures(outdir, quick=False) -> list[Path]``;
``odekit figures`` finds it (see :mod:`odekit.cli`).
"""

from __future__ import annotations

import functools
import os
import pathlib
import tempfile
import warnings

__all__ = ["get_ax", "new_figure", "save_figure", "draw_figures", "FigureFailures",
           "deprecated_alias", "use_agg", "set_figure_hook"]

#: Called as ``hook(name)`` before each figure that :func:`draw_figures` draws (the command
#: line uses it to name the figure on its progress bar).
_FIGURE_HOOK = None


def set_figure_hook(hook):
    """Install ``hook(name)`` to be called before each figure :func:`draw_figures` draws.

    Returns the previous hook (pass it back to restore). ``None`` removes the hook.

    Examples
    --------
    >>> old = set_figure_hook(print)
    >>> _ = set_figure_hook(old)
    """
    global _FIGURE_HOOK
    old, _FIGURE_HOOK = _FIGURE_HOOK, hook
    return old


def use_agg() -> None:
    """Switch matplotlib to the non-interactive Agg backend (for figure generation).

    Examples
    --------
    >>> use_agg()
    >>> import matplotlib
    >>> matplotlib.get_backend().lower()
    'agg'
    """
    import matplotlib

    matplotlib.use("Agg", force=True)


def get_ax(ax=None, **subplot_kw):
    """Return ``ax``, or the Axes of a new figure (constrained layout) when ``ax`` is None.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        The Axes to draw on.
    **subplot_kw
        Passed to :func:`matplotlib.pyplot.subplots` when a new figure is made
        (``figsize=(6, 4)``, say).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = get_ax(figsize=(4, 3))
    >>> get_ax(ax) is ax
    True
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    subplot_kw.setdefault("layout", "constrained")
    _, ax = plt.subplots(**subplot_kw)
    return ax


def new_figure(nrows=1, ncols=1, *, figsize=(6.4, 4.4), **kw):
    """A new figure and its Axes with constrained layout (no text falls off the edge).

    Parameters
    ----------
    nrows, ncols : int
        Grid of Axes.
    figsize : (float, float)
        Size in inches.
    **kw
        Passed to :func:`matplotlib.pyplot.subplots`.

    Returns
    -------
    (Figure, Axes or array of Axes)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, axs = new_figure(1, 2, figsize=(8, 3))
    >>> len(axs)
    2
    """
    import matplotlib.pyplot as plt

    kw.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=figsize, **kw)


def save_figure(fig, outdir, name: str, dpi: int = 110) -> pathlib.Path:
    """Save ``fig`` as ``outdir/name.png`` atomically, close it, and return the path.

    The image is written to a temporary file in ``outdir`` and renamed over the target
    (:func:`os.replace`), so a reader never sees a half-written PNG and an interrupted run
    leaves the previous image in place.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    outdir : str or path-like
        Created if missing.
    name : str
        File name without (or with) the ``.png`` suffix.
    dpi : int

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = new_figure(figsize=(2, 2))
    >>> p = save_figure(fig, tempfile.mkdtemp(), "empty")
    >>> p.name, p.stat().st_size > 0
    ('empty.png', True)
    """
    import matplotlib.pyplot as plt

    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    name = name[:-4] if name.endswith(".png") else name
    path = outdir / f"{name}.png"
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".png.tmp", dir=outdir)
    try:
        os.close(fd)
        fig.savefig(tmp, format="png", dpi=dpi)
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; images are for reading
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    finally:
        plt.close(fig)
    return path


class FigureFailures(Exception):
    """Some figures of a set failed; the others were written.

    Attributes
    ----------
    written : list of pathlib.Path
        The figures that were written.
    failures : list of (str, str)
        ``(figure name, "ExceptionType: message")`` for each failure.

    Examples
    --------
    >>> err = FigureFailures(["a.png"], [("b", "ValueError: no data")])
    >>> str(err)
    '1 figure(s) failed: b'
    """

    def __init__(self, written, failures):
        self.written = list(written)
        self.failures = list(failures)
        names = ", ".join(n for n, _ in self.failures)
        super().__init__(f"{len(self.failures)} figure(s) failed: {names}")


def draw_figures(outdir, drawers, *, dpi: int = 110) -> list[pathlib.Path]:
    """Draw and save a set of figures, going on past failures.

    Parameters
    ----------
    outdir : str or path-like
        Folder of the PNGs (created if missing).
    drawers : iterable of (str, callable)
        ``(name, draw)`` pairs; ``draw()`` returns a matplotlib Figure, saved as
        ``outdir/name.png`` with :func:`save_figure`.
    dpi : int

    Returns
    -------
    list of pathlib.Path
        The files written, in order.

    Raises
    ------
    FigureFailures
        After every figure was tried, if any failed (it carries the written paths too).

    Examples
    --------
    >>> import tempfile, matplotlib
    >>> matplotlib.use("Agg")
    >>> def one():
    ...     fig, ax = new_figure(figsize=(2, 2))
    ...     ax.plot([0, 1])
    ...     return fig
    >>> [p.name for p in draw_figures(tempfile.mkdtemp(), [("one", one)])]
    ['one.png']
    """
    import matplotlib.pyplot as plt

    written, failures = [], []
    for name, draw in drawers:
        if _FIGURE_HOOK is not None:
            _FIGURE_HOOK(name)
        try:
            fig = draw()
            written.append(save_figure(fig, outdir, name, dpi=dpi))
        except Exception as exc:  # one figure's failure must not stop the others
            failures.append((name, f"{type(exc).__name__}: {exc}"))
            plt.close("all")
    if failures:
        raise FigureFailures(written, failures)
    return written


def deprecated_alias(func, old_name: str):
    """Return a wrapper of ``func`` that warns ``old_name`` is deprecated (stacklevel 2).

    Examples
    --------
    >>> import warnings
    >>> def area(r):
    ...     return 3 * r * r
    >>> old = deprecated_alias(area, "old_area")
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     old(1.0)
    3.0
    >>> w[0].category.__name__
    'DeprecationWarning'
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        warnings.warn(f"{old_name} is deprecated; use {func.__module__}.{func.__name__}",
                      DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    wrapper.__name__ = old_name
    wrapper.__qualname__ = old_name
    wrapper.__doc__ = (f"Deprecated alias of :func:`{func.__module__}.{func.__name__}`.\n\n"
                       "It emits a DeprecationWarning; call the new name instead.\n")
    return wrapper
