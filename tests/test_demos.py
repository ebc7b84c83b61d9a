"""Every demo script is a sphinx-gallery example that runs on its own (``--out``, ``--quick``)."""

import ast
import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEMOS = sorted((ROOT / "demos").glob("*.py"))


def _load(path):
    spec = importlib.util.spec_from_file_location(f"demo_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
def test_demo_format(path):
    src = path.read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(src), clean=False)
    assert doc, f"{path.name}: no module docstring"
    lines = doc.strip().splitlines()
    assert len(lines) > 2 and re.fullmatch(r"=+", lines[1]) and len(lines[1]) >= len(lines[0]), \
        f"{path.name}: the docstring must open with a title underlined by '='"
    assert "\n# %%" in src, f"{path.name}: no '# %%' cells"
    assert re.search(r"^def main\(argv=None\):", src, re.M)
    assert 'if __name__ == "__main__":\n    main()' in src
    assert "--out" in src and "--quick" in src


@pytest.mark.slow
@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
def test_demo_runs_quick(path, tmp_path):
    _load(path).main(["--out", str(tmp_path), "--quick"])
    pngs = list(tmp_path.glob("*.png"))
    assert pngs and all(p.stat().st_size > 10_000 for p in pngs)


def test_demo_runs_as_a_script(tmp_path):
    """``python demos/NAME.py --quick --out DIR`` in a fresh interpreter (Agg, no window)."""
    path = ROOT / "demos" / "arenstorf_orbit.py"
    r = subprocess.run([sys.executable, str(path), "--quick", "--out", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path,
                       env={**__import__("os").environ, "PYTHONPATH": str(ROOT),
                            "MPLBACKEND": ""})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "arenstorf_orbit.png").is_file()
