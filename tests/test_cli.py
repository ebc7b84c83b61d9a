"""The command line: figures are rendered, versions printed, bad input refused."""

import pytest

from odekit import cli


def test_version(capsys):
    assert cli.main(["version"]) == 0
    assert "odekit" in capsys.readouterr().out


def test_figures_core(tmp_path, capsys):
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "core"]) == 0
    pngs = list((tmp_path / "core").glob("*.png"))
    assert pngs and all(p.stat().st_size > 10_000 for p in pngs)


def test_unknown_family(tmp_path, capsys):
    assert cli.main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2


def test_cache_listing(capsys):
    assert cli.main(["cache"]) == 0
    assert "kernel" in capsys.readouterr().out


def test_requires_a_command():
    with pytest.raises(SystemExit):
        cli.main([])
