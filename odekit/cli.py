"""The ``odekit`` command (also ``python -m odekit``).

    odekit figures [--out DIR] [--only NAME ...] [--quick] [--jobs N]
    odekit list
    odekit demo NAME [--out DIR] [--quick]
    odekit info
    odekit cache [--clear]
    odekit version            (or odekit --version)

Figure families are found automatically: every subpackage ``odekit.NAME`` with a
``plot`` module providing ``make_figures(outdir, quick=False)``. Errors are one line on
stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import pathlib
import sys
import tempfile
import time

#: Families drawn first, in this order; any other family found follows alphabetically.
FAMILY_ORDER = ("integrate", "mathieu", "geoprob", "competition", "characteristics")
#: Other accepted spellings of family names.
FAMILY_ALIASES = {"core": "integrate"}

_PKG_DIR = pathlib.Path(__file__).resolve().parent


class CommandError(Exception):
    """A user-facing error: printed as one line, exit status ``code``."""

    def __init__(self, message, code=2):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------------
# discovery
# ---------------------------------------------------------------------------------------
def figure_families() -> dict[str, str]:
    """Families with a plot module: ``{name: "odekit.NAME.plot"}`` in drawing order.

    Found from the files (nothing is imported), so ``--help`` stays fast.

    Examples
    --------
    >>> fams = figure_families()
    >>> list(fams)[:3]
    ['integrate', 'mathieu', 'geoprob']
    """
    names = sorted(p.parent.name for p in _PKG_DIR.glob("*/plot.py")
                   if not p.parent.name.startswith("_"))
    rank = {n: i for i, n in enumerate(FAMILY_ORDER)}
    names.sort(key=lambda n: (rank.get(n, len(rank)), n))
    return {n: f"odekit.{n}.plot" for n in names}


def _family_figures(name: str) -> dict[str, str]:
    """The ``FIGURES`` dict of a family's plot module, read from its source (no import)."""
    path = _PKG_DIR / name / "plot.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign):
            target = node.target
        if isinstance(target, ast.Name) and target.id == "FIGURES" and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}
            if isinstance(value, dict):
                return {str(k): str(v) for k, v in value.items()}
    return {}


def checkout_root(start=None) -> pathlib.Path | None:
    """The root of an odekit source checkout containing ``start`` (default: the cwd), or None.

    A checkout is a folder with ``setup.cfg`` naming odekit and a ``docs/conf.py``.
    """
    here = pathlib.Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        cfg = d / "setup.cfg"
        if cfg.is_file() and (d / "docs" / "conf.py").is_file():
            try:
                if "name = odekit" in cfg.read_text(encoding="utf-8"):
                    return d
            except OSError:
                pass
    return None


def default_figure_dir() -> pathlib.Path:
    """``docs/_static/figures`` of the checkout holding the cwd, else ``./figures``."""
    root = checkout_root()
    if root is not None:
        return root / "docs" / "_static" / "figures"
    return pathlib.Path("figures")


def demo_dirs() -> list[pathlib.Path]:
    """Folders searched for demo scripts, in order.

    ``$ODEKIT_DEMOS``; the ``demos/`` of the source tree odekit was imported from; the
    ``demos/`` of the checkout holding the cwd; ``share/odekit/demos`` of the installation.
    """
    out = []
    if os.environ.get("ODEKIT_DEMOS"):
        out.append(pathlib.Path(os.environ["ODEKIT_DEMOS"]))
    out.append(_PKG_DIR.parent / "demos")
    root = checkout_root()
    if root is not None:
        out.append(root / "demos")
    out.append(pathlib.Path(sys.prefix) / "share" / "odekit" / "demos")
    seen, uniq = set(), []
    for d in out:
        key = str(d.resolve()) if d.exists() else str(d)
        if key not in seen:
            seen.add(key)
            uniq.append(d)
    return uniq


def find_demos() -> dict[str, pathlib.Path]:
    """``{name: path}`` of the demo scripts found (the first folder holding a name wins)."""
    found = {}
    for d in demo_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.py")):
                if not p.name.startswith("_"):
                    found.setdefault(p.stem, p)
    return found


def _first_doc_line(path: pathlib.Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError):
        return ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


# ---------------------------------------------------------------------------------------
# odekit figures
# ---------------------------------------------------------------------------------------
def _render_family(name: str, module: str, outdir: str, quick: bool):
    """Draw one family (also the worker of ``--jobs``): (paths, failures, seconds)."""
    t0 = time.perf_counter()
    from .plotting import FigureFailures, use_agg

    use_agg()
    try:
        mod = importlib.import_module(module)
        make = getattr(mod, "make_figures", None)
        if make is None:
            raise AttributeError(f"{module} has no make_figures(outdir, quick=False)")
        paths = [str(p) for p in make(outdir, quick=quick)]
        failures = []
    except FigureFailures as exc:
        paths = [str(p) for p in exc.written]
        failures = [(f"{name}/{n}", msg) for n, msg in exc.failures]
    except Exception as exc:  # a broken family must not stop the others
        paths = []
        failures = [(name, f"{type(exc).__name__}: {exc}")]
    finally:
        import matplotlib.pyplot as plt

        plt.close("all")
    return paths, failures, time.perf_counter() - t0


def _progress(total, desc):
    """A tqdm.auto bar (terminals and Jupyter), shown only for work lasting > 1.5 s."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return None
    return tqdm(total=total, desc=desc, unit="family", delay=1.5, leave=False,
                file=sys.stderr, disable=None)


def _check_writable(out: pathlib.Path, cmd: str = "figures"):
    if out.exists() and not out.is_dir():
        raise CommandError(f"odekit {cmd}: cannot write to {out}: it is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out, prefix=".odekit-write-test.")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise CommandError(f"odekit {cmd}: cannot write to {out}: {reason}") from None


def cmd_figures(args) -> int:
    fams = figure_families()
    chosen = []
    for n in args.only or list(fams):
        n = FAMILY_ALIASES.get(n, n)
        if n not in fams:
            raise CommandError(f"odekit figures: unknown figure family {n!r}; "
                               f"choose from: {', '.join(fams)}")
        if n not in chosen:
            chosen.append(n)
    if args.jobs is None:  # one process per family, up to the number of CPUs
        args.jobs = max(1, min(os.cpu_count() or 1, len(chosen)))
    if args.jobs < 1:
        raise CommandError(f"odekit figures: --jobs must be >= 1, got {args.jobs}")
    if args.out is not None and not args.out.strip():
        raise CommandError("odekit figures: --out is empty (give a folder, or leave --out out "
                           "for the default)")
    out = pathlib.Path(args.out) if args.out is not None else default_figure_dir()
    _check_writable(out)
    mode = "quick" if args.quick else "full"
    print(f"odekit figures: {len(chosen)} famil{'y' if len(chosen) == 1 else 'ies'} "
          f"({', '.join(chosen)}), {mode} mode -> {out}", flush=True)
    t_all = time.perf_counter()
    written, failures = [], []
    bar = _progress(len(chosen), "odekit figures")

    def report(name, paths, fails, secs):
        written.extend(paths)
        failures.extend(fails)
        line = f"[{name}] {len(paths)} figure(s) in {secs:.1f} s"
        if fails:
            line += f", {len(fails)} failed"
        if bar is not None:
            bar.write(line, file=sys.stdout)
            bar.update(1)
        else:
            print(line, flush=True)

    if args.jobs == 1 or len(chosen) == 1:
        from . import plotting

        for name in chosen:
            def hook(fig_name, name=name):
                if bar is not None:
                    bar.set_postfix_str(f"{name}: {fig_name}", refresh=True)
            old = plotting.set_figure_hook(hook)
            try:
                if bar is not None:
                    bar.set_postfix_str(name, refresh=True)
                report(name, *_render_family(name, fams[name], str(out / name), args.quick))
            finally:
                plotting.set_figure_hook(old)
    else:
        import concurrent.futures as cf
        import multiprocessing as mp

        ctx = mp.get_context("spawn")  # no fork of a process holding Numba's threads
        with cf.ProcessPoolExecutor(max_workers=args.jobs, mp_context=ctx) as pool:
            futs = {pool.submit(_render_family, n, fams[n], str(out / n), args.quick): n
                    for n in chosen}
            for fut in cf.as_completed(futs):
                name = futs[fut]
                try:
                    report(name, *fut.result())
                except Exception as exc:  # the worker process died
                    report(name, [], [(name, f"{type(exc).__name__}: {exc}")], 0.0)
    if bar is not None:
        bar.close()
    print(f"{len(written)} figure(s) written under {out} in "
          f"{time.perf_counter() - t_all:.1f} s", flush=True)
    if failures:
        print(f"{len(failures)} failed:", file=sys.stderr)
        for name, msg in failures:
            print(f"  {name}: {msg}", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------
# odekit list / demo
# ---------------------------------------------------------------------------------------
def cmd_list(args) -> int:
    demos = find_demos()
    print("demos (odekit demo NAME [--out DIR] [--quick]):")
    if not demos:
        print("  (none found: run from a source checkout, or set ODEKIT_DEMOS)")
    width = max((len(n) for n in demos), default=0)
    for name, path in demos.items():
        print(f"  {name:{width}s}  {_first_doc_line(path)}")
    print("figures (odekit figures [--only FAMILY]):")
    for fam in figure_families():
        figs = _family_figures(fam)
        print(f"  {fam}:")
        if not figs:
            print("    (the figures of its make_figures)")
        w = max((len(n) for n in figs), default=0)
        for name, desc in figs.items():
            print(f"    {name:{w}s}  {desc}")
    return 0


def cmd_demo(args) -> int:
    demos = find_demos()
    if args.name not in demos:
        choices = ", ".join(demos) or "none found (run from a source checkout or set ODEKIT_DEMOS)"
        raise CommandError(f"odekit demo: unknown demo {args.name!r}; choose from: {choices}")
    path = demos[args.name]
    argv = []
    if args.out is not None and not args.out.strip():
        raise CommandError("odekit demo: --out is empty (give a folder)")
    if args.out is not None:
        _check_writable(pathlib.Path(args.out), "demo")
        argv += ["--out", str(args.out)]
    if args.quick:
        argv.append("--quick")
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"odekit_demo_{args.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "main"):
        raise CommandError(f"odekit demo: {path} has no main(argv)")
    rc = module.main(argv)
    return int(rc) if isinstance(rc, int) else 0


# ---------------------------------------------------------------------------------------
# odekit info / cache / version
# ---------------------------------------------------------------------------------------
def _folder_size(path) -> tuple[int, int]:
    n = size = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                size += os.path.getsize(os.path.join(root, f))
                n += 1
            except OSError:
                pass
    return n, size


def _human(nbytes: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if nbytes < 1024 or unit == "GiB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return ""  # pragma: no cover


def cmd_info(args) -> int:
    import platform

    import numba
    import numpy
    import scipy

    from . import __version__
    from .integrate._codegen import kernel_cache_dir

    try:
        import matplotlib

        mpl = matplotlib.__version__
    except ImportError:  # pragma: no cover
        mpl = "not installed"
    print(f"odekit      {__version__} ({_PKG_DIR})")
    print(f"python      {platform.python_version()} ({sys.executable})")
    print(f"numpy       {numpy.__version__}")
    print(f"scipy       {scipy.__version__}")
    print(f"numba       {numba.__version__}")
    print(f"matplotlib  {mpl}")
    layer = getattr(numba.config, "THREADING_LAYER", "default")
    print(f"threads     {numba.get_num_threads()} Numba threads of {os.cpu_count()} CPUs "
          f"(NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}, threading layer {layer})")
    ncache = numba.config.CACHE_DIR or ""
    if ncache:
        n, size = _folder_size(ncache)
        print(f"numba cache {ncache} ({n} files, {_human(size)})")
    else:
        files = [p for pat in ("*.nbi", "*.nbc") for p in _PKG_DIR.rglob(f"__pycache__/{pat}")]
        size = sum(p.stat().st_size for p in files)
        print(f"numba cache __pycache__ folders beside odekit's sources ({len(files)} files, "
              f"{_human(size)}; NUMBA_CACHE_DIR moves it)")
    d = kernel_cache_dir()
    if d is None:
        print("kernels     no writable cache folder (kernels are compiled in memory)")
    else:
        n, size = _folder_size(d)
        print(f"kernels     {d} ({n} files, {_human(size)}; ODEKIT_CACHE_DIR moves it)")
    return 0


def cmd_cache(args) -> int:
    from .integrate._codegen import kernel_cache_dir, kernel_cache_files

    d = kernel_cache_dir()
    if d is None:
        print("no writable kernel cache directory (kernels are compiled in memory)")
        return 0
    files = kernel_cache_files(d)
    modules = [f for f in files if f.suffix == ".py"]
    print(f"kernel cache: {d} ({len(modules)} generated kernel modules, {len(files)} files)")
    if args.clear:
        removed = 0
        for f in files:  # odekit's own files only: anything else in the folder stays
            try:
                f.unlink()
                removed += 1
            except OSError:
                pass
        pyc = pathlib.Path(d) / "__pycache__"
        try:
            pyc.rmdir()  # only if now empty
        except OSError:
            pass
        print(f"cleared {removed} files")
    return 0


def _version_line() -> str:
    from . import __version__

    return f"odekit {__version__}"


def cmd_version(args) -> int:
    import numba
    import numpy

    print(f"{_version_line()} (numba {numba.__version__}, numpy {numpy.__version__})")
    return 0


# ---------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Argument errors as one line (and exit status 2), never a usage dump."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    fams = figure_families()
    ap = _Parser(prog="odekit",
                 description="odekit: regenerate the documentation figures, run the demos, "
                             "inspect the installation and its caches.")
    ap.add_argument("--version", action="version", version=_version_line())
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND", parser_class=_Parser)

    f = sub.add_parser(
        "figures", help="regenerate the documentation figures (PNG)",
        description="Regenerate every documentation figure (one folder per family). "
                    "Each PNG is written to a temporary name and renamed, so an interrupted "
                    "run never leaves a broken image; a failing figure does not stop the "
                    "others (they are listed at the end and the exit status is 1).",
        epilog=f"families: {', '.join(fams)}")
    f.add_argument("--out", metavar="DIR", default=None,
                   help="output folder (default: docs/_static/figures of the odekit checkout "
                        "holding the current folder, else ./figures)")
    f.add_argument("--only", nargs="+", metavar="NAME",
                   help=f"families to render (default: all): {', '.join(fams)}")
    f.add_argument("--quick", action="store_true",
                   help="coarse grids and few samples (the whole set in well under a minute)")
    f.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="render N families in parallel processes (default: the number of "
                        "CPUs; 1 draws them in this process)")
    f.set_defaults(func=cmd_figures)

    lst = sub.add_parser("list", help="list the demos and figures with a one-line description")
    lst.set_defaults(func=cmd_list)

    d = sub.add_parser("demo", help="run a demo script (see 'odekit list')")
    d.add_argument("name", metavar="NAME", help="demo name (file name without .py)")
    d.add_argument("--out", metavar="DIR", default=None,
                   help="save the demo's PNGs into DIR instead of showing them")
    d.add_argument("--quick", action="store_true", help="coarse grids, few samples")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser("info", help="versions, threads, cache folders and their sizes")
    i.set_defaults(func=cmd_info)

    c = sub.add_parser("cache", help="show (or --clear) the generated-kernel cache")
    c.add_argument("--clear", action="store_true", help="delete the cached kernels")
    c.set_defaults(func=cmd_cache)

    v = sub.add_parser("version", help="print versions")
    v.set_defaults(func=cmd_version)
    return ap


def main(argv=None) -> int:
    """Run the command line; returns the exit status (0 success, 1 failures, 2 usage).

    Examples
    --------
    >>> main(["version"])  # doctest: +ELLIPSIS
    odekit ...
    0
    """
    ap = build_parser()
    args = ap.parse_args(argv)
    if getattr(args, "func", None) is None:
        ap.print_help()
        return 0
    try:
        return args.func(args)
    except CommandError as exc:
        print(exc, file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("odekit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `odekit list | head`: the reader left; nothing to report
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0
    except Exception as exc:  # never a traceback for the user (ODEKIT_DEBUG=1 shows it)
        if os.environ.get("ODEKIT_DEBUG"):
            raise
        print(f"odekit {args.cmd}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
