"""The ``odekit`` command: regenerate the documentation figures, inspect the caches.

    odekit figures [--out DIR] [--only FAMILY ...]
    odekit cache [--clear]
    odekit version
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
import shutil
import sys
import time

#: family -> module providing make_figures(outdir)
FIGURE_MODULES = {
    "core": "odekit.integrate.plot",
    "mathieu": "odekit.mathieu.plot",
    "geoprob": "odekit.geoprob.plot",
    "characteristics": "odekit.characteristics.plot",
}


def _available():
    out = {}
    for name, mod in FIGURE_MODULES.items():
        try:
            importlib.import_module(mod)
        except ImportError:
            continue
        out[name] = mod
    return out


def cmd_figures(args) -> int:
    from .plotting import use_agg

    use_agg()
    fams = _available()
    chosen = args.only or list(fams)
    unknown = [f for f in chosen if f not in fams]
    if unknown:
        print(f"odekit figures: unknown family {unknown}; choose from {sorted(fams)}",
              file=sys.stderr)
        return 2
    out = pathlib.Path(args.out)
    total = 0
    for fam in chosen:
        t0 = time.perf_counter()
        print(f"[{fam}] rendering ...", flush=True)
        paths = importlib.import_module(fams[fam]).make_figures(out / fam)
        total += len(paths)
        for p in paths:
            print(f"  {p}")
        print(f"[{fam}] {len(paths)} figure(s) in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"{total} figures written under {out}")
    return 0


def cmd_cache(args) -> int:
    from .integrate._codegen import kernel_cache_dir

    d = kernel_cache_dir()
    if d is None:
        print("no writable kernel cache directory (kernels are compiled in memory)")
        return 0
    files = list(pathlib.Path(d).glob("_odekit_kernel_*.py"))
    print(f"kernel cache: {d} ({len(files)} generated kernel modules)")
    if args.clear:
        shutil.rmtree(d, ignore_errors=True)
        print("cleared")
    return 0


def cmd_version(args) -> int:
    import numba
    import numpy

    from . import __version__

    print(f"odekit {__version__} (numba {numba.__version__}, numpy {numpy.__version__})")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="odekit", description="odekit command line")
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("figures", help="regenerate the documentation figures (PNG)")
    f.add_argument("--out", default="figures", help="output folder (default: ./figures)")
    f.add_argument("--only", nargs="*", help="families to render (default: all)")
    f.set_defaults(func=cmd_figures)
    c = sub.add_parser("cache", help="show (or --clear) the generated-kernel cache")
    c.add_argument("--clear", action="store_true")
    c.set_defaults(func=cmd_cache)
    v = sub.add_parser("version", help="print versions")
    v.set_defaults(func=cmd_version)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
