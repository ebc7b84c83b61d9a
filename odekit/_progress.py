"""A tiny, dependency-free progress bar shared by odekit's long-running functions.

The whole API is :func:`progress_bar` (a context manager returning a :class:`Progress`)
and :func:`should_show`. A long function takes ``progress=None|True|False`` and does::

    from odekit._progress import progress_bar

    with progress_bar(total_work, progress=progress, desc="sector MC") as bar:
        for batch in batches:
            ...                       # do one batch of work
            bar.update(len(batch))    # report the amount of work done

Rules (so the bar never pollutes logs, pipes or test output):

* ``progress=False``: never shown.
* ``progress=True``: shown whenever stderr is a terminal (never into a pipe or file).
* ``progress=None`` (the default everywhere): shown only when stderr is a terminal *and*
  the run is expected to last more than :data:`AUTO_SECONDS` seconds. The expectation is
  extrapolated from the rate observed so far, so the bar appears only after the first
  updates show that the job will be long.

The bar is written to ``sys.stderr`` with carriage returns, throttled to at most ten
redraws a second, and is erased-then-finished with a newline when the context exits.
"""

from __future__ import annotations

import sys
import time

__all__ = ["Progress", "progress_bar", "should_show", "AUTO_SECONDS"]

#: With ``progress=None``, the bar appears only for runs expected to take longer than this.
AUTO_SECONDS = 2.0


def _stderr_is_tty() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def _in_notebook() -> bool:
    """A Jupyter kernel (its stderr is no terminal, but a tqdm.auto widget shows there)."""
    return "ipykernel" in sys.modules and not _stderr_is_tty()


def should_show(progress, expected_seconds: float = float("inf")) -> bool:
    """Decide whether to draw a bar.

    Parameters
    ----------
    progress : bool or None
        The user's choice: True (always, on a terminal), False (never), None (automatic).
    expected_seconds : float
        The expected duration of the run; only used when ``progress`` is None.

    Returns
    -------
    bool

    Examples
    --------
    >>> should_show(False)
    False
    """
    if progress is not None and not isinstance(progress, (bool, int)):
        raise TypeError(f"progress must be None, True or False, got {progress!r}")
    if progress is False or progress == 0:
        return False
    if not (_stderr_is_tty() or _in_notebook()):
        return False
    if progress is None:
        return expected_seconds > AUTO_SECONDS
    return True


class Progress:
    """A text progress bar on stderr (see the module docstring for when it is drawn).

    Parameters
    ----------
    total : int or float
        The total amount of work (samples, steps, ...), > 0.
    progress : bool or None
        See :func:`should_show`.
    desc : str
        A short label drawn before the bar.
    width : int
        Width of the bar in characters.

    Examples
    --------
    >>> with Progress(10, progress=False, desc="demo") as bar:
    ...     for _ in range(10):
    ...         bar.update(1)
    >>> bar.done
    10
    """

    def __init__(self, total, *, progress=None, desc: str = "", width: int = 30):
        if not total > 0:
            raise ValueError(f"total must be > 0, got {total!r}")
        should_show(progress)  # type check only
        self.total = total
        self.progress = progress
        self.desc = desc
        self.width = int(width)
        self.done = 0
        self._t0 = time.perf_counter()
        self._last_draw = 0.0
        self._shown = False
        self._enabled = progress is not False and (_stderr_is_tty() or _in_notebook())
        self._widget = None  # a tqdm.auto bar, in Jupyter

    # -- public -----------------------------------------------------------------------
    def update(self, amount=1) -> None:
        """Record ``amount`` more units of work and redraw if it is time to."""
        self.done += amount
        if not self._enabled:
            return
        now = time.perf_counter()
        elapsed = now - self._t0
        if not self._shown:
            frac = self.done / self.total
            expected = elapsed / frac if frac > 0 else float("inf")
            if not should_show(self.progress, expected):
                return
            self._shown = True
        if now - self._last_draw >= 0.1 or self.done >= self.total:
            self._last_draw = now
            self._draw(elapsed)

    def close(self) -> None:
        """Finish the line (only if the bar was drawn)."""
        if self._shown and self._widget is not None:
            self._draw(0.0)
            self._widget.close()
            self._shown = False
        elif self._shown:
            self._draw(time.perf_counter() - self._t0)
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._shown = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- private ----------------------------------------------------------------------
    def _draw(self, elapsed: float) -> None:
        if _in_notebook():
            try:
                if self._widget is None:
                    from tqdm.auto import tqdm

                    self._widget = tqdm(total=self.total, desc=self.desc or None)
                self._widget.n = min(self.done, self.total)
                self._widget.refresh()
                return
            except ImportError:  # no tqdm: the text bar below
                pass
        frac = min(1.0, self.done / self.total)
        filled = int(round(frac * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        eta = elapsed * (1.0 - frac) / frac if frac > 0 else float("nan")
        label = f"{self.desc}: " if self.desc else ""
        sys.stderr.write(f"\r{label}[{bar}] {100 * frac:5.1f}%  {elapsed:6.1f}s  eta {eta:6.1f}s")
        sys.stderr.flush()


def progress_bar(total, *, progress=None, desc: str = "") -> Progress:
    """Make a :class:`Progress` (use it as a context manager).

    Examples
    --------
    >>> with progress_bar(4, progress=None, desc="work") as bar:
    ...     bar.update(4)
    """
    return Progress(total, progress=progress, desc=desc)
