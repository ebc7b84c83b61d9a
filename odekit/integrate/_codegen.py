"""Compile user functions and build the kernels specialised for them.

Why code generation: Numba keys its disk cache on the argument *types*, and a jitted
function passed as an argument is typed by its identity, which differs in every process,
so a driver that takes the right-hand side as an argument would recompile in every new
process. Instead, for each (right-hand side, events) combination we write a small module
to the kernel cache directory: a header binding ``rhs`` and ``events`` around the user's
functions (as globals, which Numba inlines), followed by the source of
:mod:`odekit.integrate._template`. The file name is a hash of everything the machine code
depends on (the user functions' code and source-file stamps, the template, odekit and
Numba versions), so an edited function gets a fresh kernel and an unchanged one reloads
from disk in milliseconds.

Where a user function has no source file (typed at a prompt, ``python -c``, a notebook
cell) or is a closure, the kernels are compiled in memory only: caching quietly falls back.
"""

from __future__ import annotations

import dis
import hashlib
import inspect
import os
import sys
import tempfile
import threading
import types

import numba
import numpy as np
from numba.core.registry import CPUDispatcher

from .. import __version__, _jit
from . import _rewrite

__all__ = ["as_dispatcher", "get_kernels", "kernel_cache_dir"]

_HERE = os.path.dirname(__file__)
_TEMPLATE_PATHS = (os.path.join(_HERE, "_template.py"), os.path.join(_HERE, "_template_events.py"))
_LOCK = threading.RLock()
_DISPATCHERS: dict = {}  # id(user function) -> (function, dispatcher, n parameters)
_KERNELS: dict = {}  # (ids of dispatchers) -> (dispatchers, module)
_TEMPLATE_SRC: tuple | None = None


def _after_fork_in_child():
    global _LOCK
    _LOCK = threading.RLock()  # a parent thread may have held it at the fork


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)

EXPECTED_FORM = (
    "expected a function fun(t, y, p) -> dydt, with t a float, y and p 1-D float64 "
    "arrays, returning a 1-D float64 array of len(y) (for example "
    "'def fun(t, y, p): return np.array([y[1], -p[0] * y[0]])'), or the in-place form "
    "fun(t, y, p, dydt) that writes into dydt and returns None"
)


_NO_EVENTS = """

@jit
def _step_events(t, h, t_new, y, y_new, p, A, c, P, ints, K, Q, ytmp, ybuf, G, ev_dir,
                 ev_term, ev_idx, ev_t, ev_y, n_ev, allow_reject):
    return n_ev, 2.0, False, 0, 1.0
"""


def _template_source(with_events: bool) -> str:
    global _TEMPLATE_SRC
    if _TEMPLATE_SRC is None:
        texts = []
        for path in _TEMPLATE_PATHS:
            with open(path, encoding="utf-8") as fh:
                texts.append(fh.read())
        _TEMPLATE_SRC = tuple(texts)
    main, ev = _TEMPLATE_SRC
    return (main + "\n\n" + _ensemble_advance_source(main) + "\n\n"
            + (ev if with_events else _NO_EVENTS))


def _ensemble_advance_source(main: str) -> str:
    """``_advance_ensemble``: the template's ``_advance`` with the error norm inlined too.

    The ensemble kernel's speed is multiplied by the number of trajectories while its
    compile is paid once, so it inlines more than ``solve_one`` does (about 5 % faster
    steps; inlining the error norm into ``solve_one`` as well would add seconds to the
    first compile of every right-hand side).
    """
    start = main.index('@jit(inline="always")\ndef _advance(')
    end = main.index("\n\n\n@jit", start)
    src = main[start:end].replace("def _advance(", "def _advance_ensemble(", 1)
    return src.replace("_k.error_norm(", "_k.error_norm_in(")


def _kernels_source() -> str:
    """Source of the shared compiled helpers (the generated kernels link against them)."""
    with open(os.path.join(_HERE, "_kernels.py"), encoding="utf-8") as fh:
        return fh.read()


def _private_dir(d: str) -> bool:
    """Create ``d`` (mode 0700) if needed; True only if it is a real directory owned by
    this user and closed to others (Numba unpickles files from it)."""
    try:
        os.makedirs(d, mode=0o700, exist_ok=True)
        st = os.lstat(d)
    except OSError:
        return False
    import stat

    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077):
        return False
    return True


def kernel_cache_dir() -> str | None:
    """Directory holding generated kernel modules (and Numba's cache of them).

    ``ODEKIT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/odekit/kernels`` (default
    ``~/.cache``), else a per-user folder in the temporary directory, used only if it is
    this user's own and private (mode 0700: Numba unpickles what it finds there); None if
    none is usable (kernels are then compiled in memory).
    """
    candidates = []
    if os.environ.get("ODEKIT_CACHE_DIR"):
        candidates.append((os.environ["ODEKIT_CACHE_DIR"], False))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates.append((os.path.join(base, "odekit", "kernels"), False))
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    candidates.append((os.path.join(tempfile.gettempdir(), f"odekit-kernels-{uid}"), True))
    for d, shared in candidates:
        if shared:
            if _private_dir(d) and os.access(d, os.W_OK):
                return d
            continue
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    return None


#: names of the files odekit writes to the kernel cache directory (``odekit cache
#: --clear`` deletes these and nothing else)
KERNEL_GLOBS = ("_odekit_kernel_*.py", "_odekit_kernel_*.py.*.tmp",
                "__pycache__/_odekit_kernel_*.nbi", "__pycache__/_odekit_kernel_*.nbc",
                "__pycache__/_odekit_kernel_*.pyc")


def kernel_cache_files(directory) -> list:
    """odekit's own files in a kernel cache directory (generated modules, their caches)."""
    import pathlib

    d = pathlib.Path(directory)
    out = []
    for pattern in KERNEL_GLOBS:
        out.extend(p for p in d.glob(pattern) if p.is_file() and not p.is_symlink())
    return sorted(set(out))


def _py_func(f):
    return f.py_func if isinstance(f, CPUDispatcher) else f


def as_dispatcher(fun, name: str):
    """Return (compiled dispatcher, number of positional parameters) for ``fun``.

    A plain Python function is compiled once (and remembered) for the current values of
    the globals it reads (Numba freezes them into the machine code): when one of them
    changes, a fresh dispatcher is compiled. A Numba dispatcher is used as it is unless
    it reads global values, in which case a fresh one is compiled from its Python
    function for the same reason.
    """
    if not callable(fun):
        raise TypeError(f"{name} must be callable; {EXPECTED_FORM}")
    py = _py_func(fun)
    if not isinstance(py, types.FunctionType):
        raise TypeError(f"{name} must be a Python function or a numba.njit function "
                        f"(got {type(fun).__name__}); {EXPECTED_FORM}")
    gprint, frozen = globals_print(py)
    with _LOCK:
        hit = _DISPATCHERS.get(id(fun))
        if hit is not None and hit[0] is fun and hit[3] == gprint:
            return hit[1], hit[2]
    try:
        params = inspect.signature(py).parameters.values()
        npos = sum(1 for q in params
                   if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)
                   and q.default is q.empty)
    except (TypeError, ValueError):
        npos = -1
    with _LOCK:
        if _jit.DISABLED:
            disp = fun
        elif not frozen and isinstance(fun, CPUDispatcher):
            disp = fun
        elif not frozen:
            disp = _jit.jit(py)
        else:
            # the machine code holds the globals' values: compile a fresh function (in
            # memory: Numba's own disk cache is not keyed on global values), with helper
            # functions that read globals recompiled as well
            disp = _jit.jit(_snapshot(py), cache=False)
        _DISPATCHERS[id(fun)] = (fun, disp, npos, gprint)  # keeps fun alive: id stays unique
        return disp, npos


# ----------------------------------------------------------------------------------------
# the globals a function reads: part of every cache key (Numba freezes their values)
# ----------------------------------------------------------------------------------------
_NAMES: dict = {}  # id(code object) -> (code, names it loads as globals, nested included)
_CODE_PRINTS: dict = {}  # code object -> fingerprint of the code itself
_SIMPLE = (bool, int, float, complex, str, bytes, type(None))


class GlobalValueError(TypeError):
    """A function reads a global whose value cannot be fingerprinted."""


def _global_names(code) -> tuple:
    hit = _NAMES.get(id(code))  # by id: hashing a code object hashes its contents
    if hit is not None and hit[0] is code:
        return hit[1]
    names = set()
    stack = [code]
    while stack:
        c = stack.pop()
        for ins in dis.get_instructions(c):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                names.add(ins.argval)
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    out = tuple(sorted(names))
    _NAMES[id(code)] = (code, out)  # keeps the code alive: its id stays unique
    return out


def _code_print(code) -> str:
    hit = _CODE_PRINTS.get(code)
    if hit is None:
        hit = hashlib.sha256("|".join((code.co_code.hex(), repr(code.co_consts),
                                       repr(code.co_names))).encode()).hexdigest()[:16]
        _CODE_PRINTS[code] = hit
    return hit


def _value_print(v, seen) -> tuple[str, bool]:
    """(fingerprint of a global's value, whether Numba freezes a *value* for it)."""
    if isinstance(v, _SIMPLE):
        return f"{type(v).__name__}:{v!r}", True
    if isinstance(v, types.ModuleType):
        return f"module:{v.__name__}", False
    if isinstance(v, np.ndarray):
        a = np.ascontiguousarray(v)
        digest = hashlib.sha1(a.view(np.uint8).reshape(-1) if a.size else b"").hexdigest()
        return f"ndarray:{a.dtype.str}:{a.shape}:{digest}", True
    if isinstance(v, np.generic):
        return f"{type(v).__name__}:{v!r}", True
    if isinstance(v, tuple):
        parts = [_value_print(x, seen) for x in v]
        return "(" + ",".join(p for p, _ in parts) + ")", any(f for _, f in parts)
    py = _py_func(v)
    if isinstance(py, types.FunctionType):
        if id(py) in seen:
            return f"fn:{py.__qualname__}", False
        seen.add(id(py))
        inner, frozen = _globals_print(py, seen)
        return f"fn:{py.__module__}.{py.__qualname__}:{_code_print(py.__code__)}{inner}", frozen
    if isinstance(v, type) or callable(v):  # classes, ufuncs, builtins, Numba types...
        mod = getattr(v, "__module__", None) or type(v).__module__
        return f"obj:{mod}.{getattr(v, '__qualname__', None) or repr(v)}", False
    try:
        from numba.core import types as nbtypes
        if isinstance(v, nbtypes.Type):
            return f"nbtype:{v}", False
    except ImportError:  # pragma: no cover
        pass
    raise GlobalValueError(type(v).__name__)


def _globals_print(py, seen) -> tuple[str, bool]:
    g = py.__globals__
    parts = []
    frozen = False
    for name in _global_names(py.__code__):
        if name not in g:
            continue  # a builtin, or undefined (Numba reports that)
        try:
            s, f = _value_print(g[name], seen)
        except GlobalValueError as exc:
            raise TypeError(
                f"{py.__qualname__} reads the global {name!r} (a {exc}), whose value Numba "
                "would freeze into the compiled code, where later changes are not seen; "
                "pass the value through `params` (p) instead") from None
        parts.append(f"{name}={s}")
        frozen = frozen or f
    if py.__closure__:
        for cell in py.__closure__:
            try:
                s, f = _value_print(cell.cell_contents, seen)
            except (ValueError, GlobalValueError):  # an empty cell, or an odd value
                s, f = f"cell:{id(cell)}", True
            parts.append(f"cell={s}")
            frozen = frozen or f
    return "[" + ";".join(parts) + "]", frozen


_IMMUTABLE = (bool, int, float, complex, str, bytes, type(None), types.ModuleType,
              types.BuiltinFunctionType, type, np.ufunc)
_GP_CACHE: dict = {}  # id(py) -> (py, (name, value) pairs read, fingerprint): immutables only
_MISSING = object()


def globals_print(py) -> tuple[str, bool]:
    """Fingerprint of the values of the globals ``py`` reads at compile time (helper
    functions followed recursively), and whether any of them is a frozen value.

    Called on every solve, so the common case is fast: when every global read is the very
    same immutable object as last time (a module, a number...), the last answer stands.
    """
    g = py.__globals__
    hit = _GP_CACHE.get(id(py))
    if hit is not None and hit[0] is py:
        for name, v in hit[1]:
            if g.get(name, _MISSING) is not v:
                break
        else:
            return hit[2]
    out = _globals_print(py, {id(py)})
    pairs = tuple((n, g.get(n, _MISSING)) for n in _global_names(py.__code__))
    if py.__closure__ is None and all(isinstance(v, _IMMUTABLE) or v is _MISSING
                                      for _, v in pairs):
        if len(_GP_CACHE) > 256:
            _GP_CACHE.clear()
        _GP_CACHE[id(py)] = (py, pairs, out)
    return out


def _snapshot(py):
    """A copy of ``py`` whose helper functions that read global values are fresh
    dispatchers (compiled for the current values), so that no frozen value is stale."""
    g = py.__globals__
    repl = {}
    for name in _global_names(py.__code__):
        v = g.get(name)
        hp = _py_func(v)
        if v is not None and isinstance(hp, types.FunctionType) and hp is not py \
                and isinstance(v, CPUDispatcher) and globals_print(hp)[1]:
            opts = {k: o for k, o in v.targetoptions.items() if k != "nopython"}
            repl[name] = numba.njit(**{**opts, "cache": False})(_snapshot(hp))
    if not repl:
        return py
    new_g = dict(g)
    new_g.update(repl)
    f = types.FunctionType(py.__code__, new_g, py.__name__, py.__defaults__, py.__closure__)
    f.__qualname__ = py.__qualname__
    f.__module__ = py.__module__
    return f


_TWINS: dict = {}  # (id(function), n) -> (function, in-place twin dispatcher or None)


def inplace_dispatcher(fun, n: int):
    """The compiled in-place twin of a returning ``fun`` (see :mod:`._rewrite`), or None.

    Remembered per function and state size; cached on disk like any user function.
    """
    if _jit.DISABLED:
        return None
    py = _py_func(fun)
    gprint, frozen = globals_print(py)
    key = (id(fun), n)
    with _LOCK:
        hit = _TWINS.get(key)
        if hit is not None and hit[0] is fun and hit[2] == gprint:
            return hit[1]
        twin = _rewrite.inplace_twin(_snapshot(py) if frozen else py, n)
        disp = None
        if twin is not None:
            disp = _jit.jit(twin, cache=not frozen)
        _TWINS[key] = (fun, disp, gprint)
        return disp


def _stamp(py) -> tuple[str, bool]:
    """A fingerprint of a user function's code and of the values of the globals it reads
    (helpers followed), and whether it can be cached on disk."""
    code = py.__code__
    parts = [py.__module__ or "", py.__qualname__, code.co_code.hex(), repr(code.co_consts),
             repr(code.co_names), globals_print(py)[0]]
    cacheable = py.__closure__ is None and _jit.cache_ok(py)
    if cacheable:
        try:
            path = inspect.getsourcefile(py) or inspect.getfile(py)
            st = os.stat(path)
            parts += [os.path.abspath(path), str(st.st_mtime_ns), str(st.st_size)]
        except (TypeError, OSError):
            cacheable = False
    return "|".join(parts), cacheable


SPECIALISE_MAX_DIM = 8


def _stage_state_source(ndim: int) -> list[str]:
    """Source of ``_stage_state``: ytmp = y + h * sum_{m<i} A[i, m] K[m] (i >= 1).

    For a known dimension the sums are unrolled over the state into scalar accumulators
    (registers: independent chains that pipeline, no stores to ``ytmp`` until the end);
    the terms are added in the same order as the generic loop, so results are identical.
    """
    lines = ['@jit(inline="always")', "def _stage_state(i, h, y, A, K, ytmp):"]
    if ndim == 0:
        lines += ["    for j in range(y.shape[0]):",
                  "        acc = 0.0",
                  "        for m in range(i):",
                  "            acc += A[i, m] * K[m, j]",
                  "        ytmp[j] = y[j] + h * acc"]
        return lines
    lines.append("    w = A[i, 0]")
    lines += [f"    s{j} = w * K[0, {j}]" for j in range(ndim)]
    lines += ["    for m in range(1, i):", "        w = A[i, m]", "        if w != 0.0:"]
    lines += [f"            s{j} += w * K[m, {j}]" for j in range(ndim)]
    lines += [f"    ytmp[{j}] = y[{j}] + h * s{j}" for j in range(ndim)]
    return lines


def _header(inplace: bool, n_events: int, cache: bool, ndim: int) -> str:
    lines = [
        "# Generated by odekit: a kernel module specialised for one right-hand side.",
        "# Safe to delete; it is rebuilt on demand.",
        "import functools",
        "import numpy as np",
        "from odekit._jit import jit as _odekit_jit, prange",
        f"jit = functools.partial(_odekit_jit, cache={cache})",
        "# state dimension as a compile-time constant (0: generic), so small loops unroll",
        f"NDIM = {ndim}",
        f"HAS_EVENTS = {n_events > 0}",
        "",
        "",
        '@jit(inline="always")',
        "def rhs(t, y, p, out):",
    ]
    if inplace:
        lines.append("    _f(t, y, p, out)")
    else:
        lines += ["    r = _f(t, y, p)", "    for i in range(out.shape[0]):",
                  "        out[i] = r[i]"]
    lines += ["", ""] + _stage_state_source(ndim)
    lines += ["", "", "@jit", "def events(t, y, p, out):"]
    if n_events == 0:
        lines.append("    return")
    for k in range(n_events):
        lines.append(f"    out[{k}] = _g{k}(t, y, p)")
    return "\n".join(lines) + "\n\n"


def _cached_kernels(key, fun_disp, event_disps):
    """The kernel module built before for exactly these function objects, or None."""
    hit = _KERNELS.get(key)
    if hit is not None and hit[0][0] is fun_disp and all(
            a is b for a, b in zip(hit[0][1:], event_disps)):
        return hit[1]
    return None


def get_kernels(fun_disp, inplace: bool, event_disps=(), n: int = 0):
    """The kernel module (``solve_one``, ``_run_chunk``) for these compiled functions.

    Systems of up to ``SPECIALISE_MAX_DIM`` states get kernels specialised for their
    dimension ``n`` (constant loop bounds unroll: about 2x faster steps); larger systems
    share one generic kernel.
    """
    ndim = n if 0 < n <= SPECIALISE_MAX_DIM else 0
    key = (id(fun_disp), inplace, ndim) + tuple(id(g) for g in event_disps)
    mod = _cached_kernels(key, fun_disp, event_disps)  # lock-free (dict reads are atomic)
    if mod is not None:
        return mod
    with _LOCK:
        mod = _cached_kernels(key, fun_disp, event_disps)
        if mod is not None:
            return mod
        funcs = (fun_disp, *event_disps)
        stamps = [_stamp(_py_func(f)) for f in funcs]
        cacheable = all(c for _, c in stamps) and not _jit.DISABLED
        header = _header(inplace, len(event_disps), cacheable, ndim)
        source = header + _template_source(len(event_disps) > 0)
        h = hashlib.sha256()
        for part in (__version__, numba.__version__, np.__version__, sys.version, source,
                     _kernels_source(),
                     *(s for s, _ in stamps)):
            h.update(part.encode())
            h.update(b"\0")
        if not cacheable:
            h.update(f"memory-{id(fun_disp)}-{len(_KERNELS)}".encode())
        digest = h.hexdigest()[:20]
        modname = f"_odekit_kernel_{digest}"
        directory = kernel_cache_dir() if cacheable else None
        if directory is not None:
            path = os.path.join(directory, modname + ".py")
            if not os.path.exists(path):
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "w", encoding="utf-8") as fh:
                    fh.write(source)
                os.replace(tmp, path)
        else:
            path = f"<odekit kernel {digest}>"
            if cacheable:  # no writable directory: compile in memory
                source = source.replace("cache=True", "cache=False", 1)
        mod = types.ModuleType(modname)
        mod.__file__ = path
        mod._f = fun_disp
        for k, g in enumerate(event_disps):
            setattr(mod, f"_g{k}", g)
        sys.modules[modname] = mod  # Numba's cache re-imports the module by name
        exec(compile(source, path, "exec"), mod.__dict__)
        _KERNELS[key] = (funcs, mod)
        return mod
