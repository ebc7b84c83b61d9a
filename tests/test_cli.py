"""The ``odekit`` command: figures, list, demo, info, cache, version; clean errors."""

import pathlib
import re
import subprocess
import sys
import types
import warnings

import pytest

from odekit import cli, plotting

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_version(capsys):
    assert cli.main(["version"]) == 0
    assert "odekit" in capsys.readouterr().out


def test_dash_dash_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("odekit ")


def test_bare_command_prints_help(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for cmd in ("figures", "list", "demo", "info", "cache", "version"):
        assert cmd in out


def test_figures_help_lists_families_and_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["figures", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for fam in cli.figure_families():
        assert fam in out
    assert "docs/_static/figures" in out and "./figures" in out


def test_families_are_discovered_in_order():
    fams = list(cli.figure_families())
    assert fams[:3] == ["integrate", "mathieu", "geoprob"]
    for fam in fams:
        assert (ROOT / "odekit" / fam / "plot.py").is_file()


def test_figures_quick_one_family(tmp_path, capsys):
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "integrate", "--quick"]) == 0
    pngs = sorted((tmp_path / "integrate").iterdir())
    assert [p.name for p in pngs] == sorted(f"{n}.png" for n in cli._family_figures("integrate"))
    assert all(p.stat().st_size > 10_000 for p in pngs)  # and no temporary files left


def test_core_is_an_alias_of_integrate(tmp_path):
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "core", "--quick"]) == 0
    assert list((tmp_path / "integrate").glob("*.png"))


def test_unknown_family_is_one_line(tmp_path, capsys):
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope" in err and "integrate" in err


def test_unwritable_folder_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli.main(["figures", "--out", str(blocker / "sub"), "--only", "integrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot write" in err


def test_bad_option_is_one_line(capfd):
    r = subprocess.run([sys.executable, "-m", "odekit", "figures", "--jobs", "x"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def _fake_family(monkeypatch, name, make_figures):
    mod = types.ModuleType(f"odekit_fake_{name}")
    mod.make_figures = make_figures
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    fams = dict(cli.figure_families())
    fams[name] = mod.__name__
    monkeypatch.setattr(cli, "figure_families", lambda: fams)


def test_one_failure_does_not_stop_the_others(tmp_path, monkeypatch, capsys):
    def good():
        fig, ax = plotting.new_figure(figsize=(2, 2))
        ax.plot([0, 1])
        return fig

    def bad():
        raise RuntimeError("this figure is broken")

    def make_figures(outdir, quick=False):
        return plotting.draw_figures(outdir, [("first", good), ("broken", bad),
                                              ("last", good)])

    def make_nothing(outdir, quick=False):
        raise ImportError("a missing optional package")

    _fake_family(monkeypatch, "fake", make_figures)
    _fake_family(monkeypatch, "fake2", make_nothing)
    rc = cli.main(["figures", "--out", str(tmp_path), "--only", "fake", "fake2",
                   "--jobs", "1"])  # the fake families exist in this process only
    assert rc == 1
    assert sorted(p.name for p in (tmp_path / "fake").iterdir()) == ["first.png", "last.png"]
    err = capsys.readouterr().err
    assert "fake/broken: RuntimeError: this figure is broken" in err
    assert "fake2: ImportError: a missing optional package" in err


def test_jobs_renders_families_in_parallel(tmp_path):
    rc = cli.main(["figures", "--out", str(tmp_path), "--only", "integrate", "geoprob",
                   "--quick", "--jobs", "2"])
    assert rc == 0
    assert list((tmp_path / "integrate").glob("*.png"))
    assert list((tmp_path / "geoprob").glob("*.png"))


def test_default_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT / "odekit")
    assert cli.default_figure_dir() == ROOT / "docs" / "_static" / "figures"
    monkeypatch.chdir(tmp_path)
    assert cli.default_figure_dir() == pathlib.Path("figures")


def test_list_names_every_demo_and_figure(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for demo in (ROOT / "demos").glob("*.py"):
        assert demo.stem in out
    for fam in cli.figure_families():
        figs = cli._family_figures(fam)
        assert figs, f"odekit.{fam}.plot has no FIGURES table: 'odekit list' cannot name them"
        for fig, desc in figs.items():
            assert re.search(rf"^\s+{re.escape(fig)}\s+{re.escape(desc)}$", out, re.M), fig


def test_demo_runs_and_saves(tmp_path, capsys):
    assert cli.main(["demo", "arenstorf_orbit", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "arenstorf_orbit.png").stat().st_size > 10_000


def test_unknown_demo(capsys):
    assert cli.main(["demo", "no_such_demo"]) == 2
    err = capsys.readouterr().err
    assert "no_such_demo" in err and "arenstorf_orbit" in err


def test_info(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    for word in ("python", "numpy", "scipy", "numba", "matplotlib", "threads", "kernels",
                 "numba cache"):
        assert word in out


def test_cache_listing(capsys):
    assert cli.main(["cache"]) == 0
    assert "kernel" in capsys.readouterr().out


def test_python_dash_m(tmp_path):
    r = subprocess.run([sys.executable, "-m", "odekit", "--version"], capture_output=True,
                       text=True, cwd=tmp_path,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0 and r.stdout.startswith("odekit ")


def test_save_figure_is_atomic(tmp_path):
    import matplotlib.pyplot as plt

    target = tmp_path / "fig.png"
    target.write_bytes(b"previous image")
    fig, ax = plotting.new_figure(figsize=(2, 2))

    def broken_savefig(fname, *args, **kwargs):
        pathlib.Path(fname).write_bytes(b"half a PNG")
        raise OSError("disk full")

    fig.savefig = broken_savefig
    with pytest.raises(OSError):
        plotting.save_figure(fig, tmp_path, "fig")
    assert target.read_bytes() == b"previous image"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]  # no temporary file left
    plt.close("all")


@pytest.mark.parametrize("module,old,new", [
    ("odekit.geoprob.plot", "plot_sample", "sample"),
    ("odekit.geoprob.plot", "plot_sector_curves", "sector_curves"),
    ("odekit.geoprob.plot", "plot_convergence", "convergence"),
    ("odekit.mathieu.plot", "stability_chart", "chart"),
])
def test_old_plot_names_warn(module, old, new):
    import importlib

    mod = importlib.import_module(module)
    assert getattr(mod, new).__name__ == new
    alias = getattr(mod, old)
    assert alias.__wrapped__ is getattr(mod, new)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        import matplotlib.pyplot as plt

        if old == "stability_chart":
            import numpy as np

            from odekit.mathieu import stability_chart

            alias(stability_chart(np.linspace(0.0, 2.0, 8), np.linspace(0.0, 1.0, 6)))
        elif old == "plot_sample":
            alias(4, 3.0, seed=1)
        elif old == "plot_sector_curves":
            alias((3,), mc_points=0)
        else:
            alias(max_log2=9, seeds=1)
        plt.close("all")
    dep = [x for x in w if issubclass(x.category, DeprecationWarning)]
    assert dep and new in str(dep[0].message)
    assert dep[0].filename == __file__  # stacklevel=2 points at the caller


def test_progress_shows_in_jupyter(monkeypatch):
    """In a Jupyter kernel (stderr no terminal) the bar is drawn with tqdm.auto."""
    from odekit import _progress

    drawn = []

    class FakeTqdm:
        def __init__(self, total, desc=None):
            drawn.append(("new", total, desc))
            self.n = 0

        def refresh(self):
            drawn.append(("at", self.n))

        def close(self):
            drawn.append(("closed",))

    import tqdm.auto

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(tqdm.auto, "tqdm", FakeTqdm)
    monkeypatch.setattr(_progress, "_stderr_is_tty", lambda: False)
    with _progress.progress_bar(4, progress=True, desc="solve_ensemble") as bar:
        for _ in range(4):
            bar.update(1)
    assert drawn[0] == ("new", 4, "solve_ensemble")
    assert ("at", 4) in drawn and drawn[-1] == ("closed",)
    monkeypatch.delitem(sys.modules, "ipykernel")
    with _progress.progress_bar(4, progress=True) as bar:  # a pipe: nothing drawn
        bar.update(4)
    assert drawn[-1] == ("closed",)


def test_cache_clear_removes_only_kernels(tmp_path, monkeypatch, capsys):
    """ODEKIT_CACHE_DIR may name a folder holding other files: --clear leaves them alone."""
    (tmp_path / "_odekit_kernel_0123.py").write_text("# a kernel\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "_odekit_kernel_0123.solve_one-1.py311.nbi").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "project").mkdir()
    monkeypatch.setenv("ODEKIT_CACHE_DIR", str(tmp_path))
    assert cli.main(["cache", "--clear"]) == 0
    assert "cleared 2 files" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "project"]


def test_demo_unwritable_folder_names_the_demo_command(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli.main(["demo", "arenstorf_orbit", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("odekit demo: cannot write to") and "not a folder" in err


@pytest.mark.parametrize("cmd", [["figures", "--only", "integrate"], ["demo", "arenstorf_orbit"]])
def test_empty_out_is_an_error_not_the_default_folder(cmd, capsys):
    """`--out "$DIR"` with DIR unset must not write into the checkout's docs folder."""
    assert cli.main([*cmd, "--out", ""]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--out is empty" in err
