"""Every documentation figure renders with all its text inside the picture.

For each family found by ``odekit figures`` the quick figure set is drawn; just before each
PNG is saved the figure is rendered and every text artist that was actually drawn (titles,
labels, tick labels, annotations, legends) is checked: its window extent lies inside the
figure box (inside its clip box when it is clipped), tick labels of one axis do not overlap
each other, and the titles of different Axes do not overlap.
"""

import itertools
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from odekit import cli  # noqa: E402
from odekit.plotting import FigureFailures, new_figure  # noqa: E402

TOL = 1.0  # pixels


def _label(t):
    return f"{type(t).__name__} {t.get_text()!r}"


def _inside(inner, outer, tol=TOL):
    return (inner.x0 >= outer.x0 - tol and inner.y0 >= outer.y0 - tol
            and inner.x1 <= outer.x1 + tol and inner.y1 <= outer.y1 + tol)


def _overlap(b1, b2, tol=TOL):
    return (min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > tol
            and min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > tol)


def text_problems(fig, tight=False):
    """Render ``fig`` and return a list of human-readable problems with its text."""
    drawn = {}
    original = Text.draw

    def recording_draw(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            drawn[id(self)] = (self, self.get_window_extent(renderer))

    Text.draw = recording_draw
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original
    problems = []
    box = fig.bbox
    for t, ext in drawn.values():
        clip = t.get_clip_box() if t.get_clip_on() else None
        if clip is not None and not _inside(ext, clip):
            problems.append(f"{_label(t)} is clipped by its Axes")
        elif not tight and not _inside(ext, box):
            problems.append(f"{_label(t)} falls outside the figure "
                            f"({ext.x0:.0f},{ext.y0:.0f})-({ext.x1:.0f},{ext.y1:.0f}) vs "
                            f"{box.width:.0f}x{box.height:.0f}")
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = [drawn[id(t)] for t in axis.get_ticklabels(which="both") if id(t) in drawn]
            for (t1, b1), (t2, b2) in itertools.combinations(labels, 2):
                if _overlap(b1, b2):
                    problems.append(f"tick labels {t1.get_text()!r} and {t2.get_text()!r} "
                                    "overlap")
    titles = [drawn[id(t)] for ax in fig.axes
              for t in (ax.title, ax._left_title, ax._right_title) if id(t) in drawn]
    for (t1, b1), (t2, b2) in itertools.combinations(titles, 2):
        if t1.axes is not t2.axes and _overlap(b1, b2):
            problems.append(f"titles {t1.get_text()!r} and {t2.get_text()!r} overlap")
    return problems


@pytest.fixture
def checked_savefig(monkeypatch):
    """Patch Figure.savefig to check the text of every figure saved; yields the problems."""
    found = []
    original = Figure.savefig

    def savefig(self, fname, *args, **kwargs):
        tight = kwargs.get("bbox_inches") == "tight"
        name = pathlib.Path(str(getattr(fname, "name", fname))).name
        found.extend(f"{name}: {p}" for p in text_problems(self, tight=tight))
        return original(self, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", savefig)
    yield found
    plt.close("all")


FAMILIES = list(cli.figure_families().items())


@pytest.mark.parametrize("family,module", FAMILIES, ids=[f for f, _ in FAMILIES])
def test_quick_figures_keep_text_inside(family, module, tmp_path, checked_savefig):
    import importlib

    mod = importlib.import_module(module)
    try:
        paths = mod.make_figures(tmp_path, quick=True)
    except FigureFailures as exc:
        pytest.fail(f"{family}: {exc.failures}")
    paths = [pathlib.Path(p) for p in paths]
    assert paths, f"{family}.make_figures wrote nothing"
    for p in paths:
        assert p.suffix == ".png" and p.stat().st_size > 5_000, p
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", p
    assert not checked_savefig, "\n".join(checked_savefig)
    figures = getattr(mod, "FIGURES", None)  # what `odekit list` shows
    assert figures, f"{module} has no FIGURES table (name -> one-line description)"
    assert sorted(p.stem for p in paths) == sorted(figures)


# -- the checker itself catches what it is meant to catch ---------------------------------
def test_checker_flags_a_title_cut_off():
    fig, ax = plt.subplots(figsize=(2.0, 1.5))  # no layout engine: the title overflows
    ax.set_title("a title far too long for so small a figure, cut at both edges")
    assert any("outside the figure" in p for p in text_problems(fig))
    plt.close(fig)


def test_checker_flags_overlapping_titles_and_ticks():
    fig, axs = plt.subplots(1, 2, figsize=(4, 2))
    for ax in axs:
        ax.set_title("a long title that runs into its neighbour's")
    axs[0].set_xticks([0.0, 0.01], ["a long tick label", "another long one"])
    problems = text_problems(fig)
    assert any("titles" in p for p in problems)
    assert any("tick labels" in p for p in problems)
    plt.close(fig)


def test_checker_passes_a_clean_figure():
    fig, ax = new_figure(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_title("short")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    assert text_problems(fig) == []
    plt.close(fig)
