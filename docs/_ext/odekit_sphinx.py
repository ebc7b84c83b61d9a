"""odekit's small Sphinx extension: the gallery's argv and the benchmarks page.

* :func:`gallery_argv` -- sphinx-gallery's ``reset_argv``: ``["--quick"]`` when the
  environment has ``ODEKIT_DOCS_QUICK=1`` (CI), else no arguments (the full demos).
* On ``builder-inited`` the theory toctree of the index (every ``docs/FAMILY.rst``) is
  written to ``_generated/theory.inc``, and the benchmarks page's content is generated into
  ``_generated/benchmarks.inc`` (included by ``benchmarks.rst``): for every
  ``benchmarks/bench_*.py`` the latest ``benchmarks/results/<script>*-<commit>.txt`` (latest
  by commit time, else file time), shown in full, with one bar chart of the ratios or
  throughputs it reports, and the figures a script keeps in ``benchmarks/results/NAME/``
  (``NAME`` = the script's name without ``bench_``: the work-precision plots).
"""

from __future__ import annotations

import ast
import os
import pathlib
import re
import subprocess
import textwrap

HERE = pathlib.Path(__file__).resolve().parents[1]  # docs/
ROOT = HERE.parent


def gallery_argv(gallery_conf, script_vars):
    """Command-line arguments of each demo run by sphinx-gallery."""
    return ["--quick"] if os.environ.get("ODEKIT_DOCS_QUICK", "") not in ("", "0") else []


# -- benchmarks page ---------------------------------------------------------------------
def _commit_time(path: pathlib.Path) -> float:
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", path.name],
                             cwd=path.parent, capture_output=True, text=True, timeout=20)
        if out.returncode == 0 and out.stdout.strip():
            return float(out.stdout.strip())
    except (OSError, subprocess.SubprocessError, ValueError):
        pass
    return path.stat().st_mtime


def latest_results(results_dir: pathlib.Path, script: str):
    """The newest full results file of ``script`` (``bench_core-<commit>.txt``), or, when
    there is none, the newest partial one (``bench_core-<variant>-<commit>.txt``: one
    problem, a subset of contenders); None when there is neither."""
    files = [p for p in results_dir.glob(f"{script}*.txt")
             if re.match(rf"{re.escape(script)}(-[\w.-]+)?-[0-9a-f]{{6,40}}\.txt$", p.name)]
    full = [p for p in files
            if re.match(rf"{re.escape(script)}-[0-9a-f]{{6,40}}\.txt$", p.name)]
    files = full or files
    if not files:
        return None
    return max(files, key=lambda p: (_commit_time(p), p.name))


_RATIO = re.compile(r"^([0-9.]+)x$")


def _fixed_width_tables(lines):
    """Yield (title, header cells, rows of cells) of each fixed-width table (dash rule)."""
    title = ""
    for i, line in enumerate(lines):
        if re.fullmatch(r"=+", line.strip() or "x") and i > 0 and lines[i - 1].strip():
            title = lines[i - 1].strip()
        if i == 0 or not re.fullmatch(r"[- ]*-{3,}[- ]*", line):
            continue
        spans = [m.span() for m in re.finditer(r"-+", line)]
        header = [lines[i - 1][a:b].strip() for a, b in spans]
        rows = []
        for row in lines[i + 1:]:
            if not row.strip() or len(row) < spans[-1][0]:
                break
            cells = [row[a:b if k + 1 < len(spans) else None].strip()
                     for k, (a, b) in enumerate(spans)]
            rows.append(cells)
        yield title, header, rows


def extract_series(text: str):
    """(label, values, unit, title) series worth one bar chart from a results file."""
    lines = text.splitlines()
    series = []
    for title, header, rows in _fixed_width_tables(lines):
        for k, h in enumerate(header):
            if h.lower().startswith("vs "):
                pts = []
                for cells in rows:
                    m = _RATIO.match(cells[k]) if k < len(cells) else None
                    if m:
                        pts.append((cells[0], float(m.group(1))))
                if pts:
                    series.append((title or "speed-up", pts, f"speed-up {h} (x)"))
    pts = [(m.group(1).strip(), float(m.group(2))) for line in lines
           if (m := re.search(r"^\s*(.*?):?\s+ratio scipy/odekit = ([0-9.]+)", line))]
    if pts:
        pts = [(re.sub(r"\s+scipy.*$", "", a), v) for a, v in pts]
        series.append(("odekit against SciPy", pts, "speed-up over SciPy (x)"))
    pts = [(f"{m.group(2)} vs {m.group(1)}", float(m.group(3))) for line in lines
           if (m := re.search(r"^\s*ratio (\w+)/(\w+) per point[^:]*: ([0-9.]+) \(medians\)",
                              line))]
    if pts:
        series.append(("speed-up per core", pts, "speed-up (x)"))
    pts, section = [], ""
    for line in lines:  # "== linear path: ..." sections, "equal-or-better max error: ... 5.1x"
        if line.startswith("== "):
            section = line.strip("= ").split(":")[0]
        m = re.search(r"^equal-or-better max error: .*?([0-9.]+)x faster", line)
        if m:
            pts.append((section or "odekit", float(m.group(1))))
    if pts:
        series.append(("odekit against the fastest peer at equal or better error", pts,
                       "speed-up (x)"))
    pts, seen = [], set()  # bench_taylor: "tol 1e-06 odekit ... | heyoka ... | ratio 1.22"
    for line in lines:
        m = re.search(r"^tol\s+(\S+)\s+odekit .*\| ratio ([0-9.]+)(\s+\(.*\))?\s*$", line)
        if m and m.group(1) not in seen:  # the first run in the file
            seen.add(m.group(1))
            pts.append((f"tol {m.group(1)}", float(m.group(2))))
    if pts:
        series.append(("heyoka's time over odekit's Taylor method, Arenstorf", pts,
                       "speed-up over heyoka (x)"))
    pts, section = [], ""  # bench_driver: "N. Title ..." then "... new/old per round: median X"
    for line in lines:
        m = re.search(r"^(\d+)\. (\w+)", line)
        if m:
            section = m.group(2)
        m = re.search(r"^\s*(\S*?)\s*new/old per round: median ([0-9.]+)", line)
        if m:
            pts.append(((section + " " + m.group(1)).strip(), float(m.group(2))))
    if pts:
        series.append(("new driver's time over the old kernels' (1 = parity)", pts,
                       "new / old time"))
    pts = [(m.group(1), float(m.group(2))) for line in lines  # bench_auto's summary
           if (m := re.search(r"^\s+(\w+)\s+time\s+([0-9.]+) \(range [0-9.]+-[0-9.]+\), nfev",
                              line))]
    if pts:
        series.append(("time per solve relative to DOP853 at equal achieved error", pts,
                       "time / DOP853's time (lower is faster)"))
    pts = [(m.group(1).strip(), float(m.group(2))) for line in lines
           if (m := re.search(r"^\s+(\S.*?)\s{2,}([0-9.]+) M samples/s", line))]
    if pts:
        seen, uniq = set(), []
        for a, v in pts:  # the first run of each contender
            if a not in seen:
                seen.add(a)
                uniq.append((a, v))
        series.append(("throughput", uniq, "M samples/s"))
    return series


def _short(label: str, width: int = 36) -> str:
    """A bar label: the part before a colon, at most ``width`` characters."""
    label = label.split(":")[0].strip()
    return label if len(label) <= width else label[: width - 1] + "…"


def _bar_chart(series, path: pathlib.Path, title: str) -> bool:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    series = series[:3]
    if not series:
        return False
    height = sum(0.35 * len(s[1]) + 0.9 for s in series) + 0.4
    fig, axs = plt.subplots(len(series), 1, figsize=(8, height), layout="constrained",
                            squeeze=False,
                            height_ratios=[len(s[1]) + 1.5 for s in series])
    for ax, (sub, pts, unit) in zip(axs[:, 0], series):
        labels = [_short(a) for a, _ in pts][::-1]
        vals = [v for _, v in pts][::-1]
        ax.barh(labels, vals, color="#4c72b0")
        if max(vals) / max(min(vals), 1e-300) > 30:
            ax.set_xscale("log")
        for y, v in enumerate(vals):
            ax.annotate(f"{v:g}", (v, y), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8)
        ax.set_xlabel(unit)
        ax.set_title(textwrap.fill(sub, 60), fontsize="medium")
        ax.margins(x=0.15)
    fig.suptitle(title)
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)
    return True


def write_benchmarks_page(srcdir: pathlib.Path = HERE, root: pathlib.Path = ROOT) -> str:
    gen = srcdir / "_generated"
    gen.mkdir(exist_ok=True)
    results = root / "benchmarks" / "results"
    out = []
    for script in sorted((root / "benchmarks").glob("bench_*.py")):
        name = script.stem
        out += [name, "-" * len(name), ""]
        try:
            doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
        except SyntaxError:
            doc = ""
        doc = " ".join(doc.split("\n\n")[0].split())
        if doc:
            out += [doc, ""]
        res = latest_results(results, name)
        if res is None:
            out += [f"No results file yet (``benchmarks/results/{name}-<commit>.txt``).", ""]
            continue
        text = res.read_text(encoding="utf-8", errors="replace")
        png = gen / f"{name}.png"
        if _bar_chart(extract_series(text), png, f"{name} ({res.stem.rsplit('-', 1)[-1]})"):
            out += [f".. image:: /_generated/{png.name}", f"   :alt: {name} results", ""]
        figdir = results / name.replace("bench_", "", 1)  # e.g. results/work_precision/*.png
        for fig in sorted(figdir.glob("*.png")) if figdir.is_dir() else []:
            out += [f".. image:: /../benchmarks/results/{figdir.name}/{fig.name}",
                    f"   :alt: {name}: {fig.stem}", "   :width: 49%", ""]
        out += [f"Latest results: ``benchmarks/results/{res.name}``", "",
                f".. literalinclude:: /../benchmarks/results/{res.name}", "   :language: text",
                ""]
    (gen / "benchmarks.inc").write_text("\n".join(out) + "\n", encoding="utf-8")
    return "\n".join(out)


#: Theory pages in this order; any other family's page (docs/NAME.rst) follows.
THEORY_ORDER = ("integrate", "mathieu", "geoprob", "competition", "characteristics")


def write_theory_toctree(srcdir: pathlib.Path = HERE, root: pathlib.Path = ROOT) -> list[str]:
    """Write ``_generated/theory.inc``: a toctree of the theory page of every family.

    A family is a subpackage of odekit (a folder with ``__init__.py``) or ``floquet``; its
    theory page is ``docs/NAME.rst`` when that file exists. So a new family's page joins
    the site by being written.
    """
    pkg = root / "odekit"
    fams = {p.parent.name for p in pkg.glob("*/__init__.py") if not p.parent.name.startswith("_")}
    pages = [n for n in sorted(fams | {"floquet"}) if (srcdir / f"{n}.rst").is_file()]
    rank = {n: i for i, n in enumerate(THEORY_ORDER)}
    pages.sort(key=lambda n: (rank.get(n, len(rank)), n))
    gen = srcdir / "_generated"
    gen.mkdir(exist_ok=True)
    text = ".. toctree::\n   :maxdepth: 2\n   :caption: Theory\n\n" + "".join(
        f"   {n}\n" for n in pages)
    (gen / "theory.inc").write_text(text, encoding="utf-8")
    return pages


def write_methods_table(srcdir: pathlib.Path = HERE) -> str:
    """Write ``_generated/methods.inc``: the method registry as a table."""
    from odekit.integrate._tableaux import method_table

    gen = srcdir / "_generated"
    gen.mkdir(exist_ok=True)
    text = method_table() + "\n"
    (gen / "methods.inc").write_text(text, encoding="utf-8")
    return text


def _on_builder_inited(app):
    src = pathlib.Path(app.srcdir)
    write_theory_toctree(src, src.parent)
    write_benchmarks_page(src, src.parent)
    write_methods_table(src)


# |x| in a plain-text docstring is an absolute value, not an RST substitution reference
_ABS = re.compile(r"(?<![\\`|])\|([^|\s`][^|\n`]*?)\|(?![_|])")


def escape_absolute_values(app, what, name, obj, options, lines):
    """autodoc-process-docstring: write ``|x|`` as ``\\|x\\|`` outside literals and math."""
    in_literal = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith((">>>", "...")) or in_literal:
            if in_literal and stripped and not line.startswith(" " * literal_indent):
                in_literal = False
            else:
                continue
        if stripped.endswith("::"):
            in_literal = True
            literal_indent = len(line) - len(line.lstrip()) + 1
        if ":math:" in line or "|" not in line:
            continue
        lines[i] = _ABS.sub(lambda m: "\\|" + m.group(1) + "\\|", line)


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    app.connect("autodoc-process-docstring", escape_absolute_values)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
