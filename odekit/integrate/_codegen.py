"""Compile user functions into the small wrappers the driver calls through pointers.

The driver (:mod:`odekit.integrate._driver`) is compiled once for every right-hand side:
it takes the user's function as a function pointer of one fixed signature. Each user
function gets a wrapper of that signature (``rhs(t, y, p, K, i)`` writing f into row i of
K; ``events(t, y, p, G, i)`` writing every event function into row i of G), a few lines of
source written to the kernel cache directory with the user's functions bound as globals
(Numba inlines them into the wrapper). The file name is a hash of everything the machine
code depends on (the user functions' code and source-file stamps, odekit and Numba
versions), so an edited function gets a fresh wrapper and an unchanged one reloads from
disk in milliseconds. Compiling a new right-hand side costs only its own code.

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

__all__ = ["as_dispatcher", "get_wrapper", "addresses", "kernel_cache_dir"]

_LOCK = threading.RLock()
_DISPATCHERS: dict = {}  # id(user function) -> (function, dispatcher, n parameters)
_KERNELS: dict = {}  # (kind, ids of functions) -> (functions, (wrapper, addresses), module)


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


def write_cached_source(directory: str, modname: str, source: str) -> str:
    """Path of ``modname``.py in ``directory``, written atomically (a temporary file renamed)
    unless it exists: its name is a hash of its contents, so an existing file is current."""
    path = os.path.join(directory, modname + ".py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(source)
        os.replace(tmp, path)
    return path


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


def _wrapper_source(kind: str, n_events: int, cache: bool) -> str:
    """Source of the compiled wrapper the driver calls through a pointer (FN_SIG)."""
    lines = [
        "# Generated by odekit: the compiled wrapper of one user function, called by the",
        "# driver (odekit.integrate._driver) through a pointer. Safe to delete.",
        "from numba import carray as _carray",
        "from odekit._jit import jit as _odekit_jit",
        "from odekit.integrate._driver import FN_SIG",
        "",
        "",
        f"@_odekit_jit(signature=FN_SIG, cache={cache})",
        "def rhs(t, y_, p_, out_, n, n_p):",
    ]
    if _jit.DISABLED:  # the driver passes the arrays themselves
        lines += ["    y, p, out = y_, p_, out_"]
    else:
        n_out = "n" if kind != "events" else str(n_events)
        lines += ["    y = _carray(y_, (n,))", "    p = _carray(p_, (n_p,))",
                  f"    out = _carray(out_, ({n_out},))"]
    if kind == "inplace":
        lines += ["    _f(t, y, p, out)"]
    elif kind == "returning":
        lines += ["    r = _f(t, y, p)", "    for j in range(n):", "        out[j] = r[j]"]
    else:
        lines += [f"    out[{k}] = _g{k}(t, y, p)" for k in range(n_events)]
    return "\n".join(lines) + "\n"


def _cached_wrapper(key, funcs):
    hit = _KERNELS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], funcs)):
        return hit[1]
    return None


def addresses(disp) -> tuple:
    """(C wrapper address, Numba entry address) of a wrapper compiled for FN_SIG; under
    ODEKIT_DISABLE_JIT the Python function itself (see :func:`._driver._fn`)."""
    if _jit.DISABLED:
        return disp, 0
    from numba.experimental.function_type import _get_jit_address, _get_wrapper_address

    from ._driver import FN_SIG
    return _get_wrapper_address(disp, FN_SIG), _get_jit_address(disp, FN_SIG)


#: the compile options of a function that may be inlined into its wrapper: those of
#: odekit's own policy (:mod:`odekit._jit`), so that inlining changes no semantics
_INLINE_OK = {"nopython": True, "error_model": "numpy", "parallel": False,
              "boundscheck": None, "inline": "never"}


def _inline_copy(disp):
    """``disp`` (a right-hand side or an event function) compiled for Numba-level
    inlining into the wrapper, where its compile options are odekit's own; else ``disp``
    itself (called from the wrapper).

    The wrapper is reached through a pointer on every stage; a second, ordinary call from
    it into the user's function passes each array as seven arguments on the stack.
    Inlined, that call goes: measured on DOP853 at n = 2 (710 evaluations), 12.4 ->
    10.9 us per solve. A user's own ``numba.njit`` function with other options
    (``fastmath``, Python's error model, ...) is called as it is, so that it keeps them.
    """
    if _jit.DISABLED or not isinstance(disp, CPUDispatcher):
        return disp
    opts = disp.targetoptions
    if opts.get("error_model") != "numpy" or any(
            k != "nogil" and _INLINE_OK.get(k, object()) != v for k, v in opts.items()):
        return disp
    return numba.njit(inline="always", nogil=True, error_model="numpy")(disp.py_func)


def get_wrapper(kind: str, funcs: tuple):
    """The compiled wrapper (and its addresses) of a right-hand side or of event functions.

    ``kind`` is "inplace" or "returning" (``funcs`` = (rhs,)) or "events" (``funcs`` = the
    event functions). Returns (wrapper, (c_addr, jit_addr)). The wrapper is a few lines of
    source written to the kernel cache directory under a name hashed from the user
    functions' code and source-file stamps, so that Numba keeps its machine code on disk;
    the driver itself is compiled once for all functions (:mod:`._driver`).
    """
    key = (kind,) + tuple(id(f) for f in funcs)
    hit = _cached_wrapper(key, funcs)  # lock-free (dict reads are atomic)
    if hit is not None:
        return hit
    with _LOCK:
        hit = _cached_wrapper(key, funcs)
        if hit is not None:
            return hit
        stamps = [_stamp(_py_func(f)) for f in funcs]
        cacheable = all(c for _, c in stamps) and not _jit.DISABLED
        source = _wrapper_source(kind, len(funcs), cacheable)
        h = hashlib.sha256()
        for part in (__version__, numba.__version__, np.__version__, sys.version, source,
                     *(s for s, _ in stamps)):
            h.update(part.encode())
            h.update(b"\0")
        if not cacheable:
            h.update(f"memory-{id(funcs[0]) if funcs else 0}-{len(_KERNELS)}".encode())
        digest = h.hexdigest()[:20]
        modname = f"_odekit_kernel_{digest}"
        directory = kernel_cache_dir() if cacheable else None
        if directory is not None:
            path = write_cached_source(directory, modname, source)
        else:
            path = f"<odekit wrapper {digest}>"
            if cacheable:  # no writable directory: compile in memory
                source = source.replace("cache=True", "cache=False", 1)
        mod = types.ModuleType(modname)
        mod.__file__ = path
        if kind == "events":
            for k, g in enumerate(funcs):
                setattr(mod, f"_g{k}", _inline_copy(g))
        else:
            mod._f = _inline_copy(funcs[0])
        sys.modules[modname] = mod  # Numba's cache re-imports the module by name
        exec(compile(source, path, "exec"), mod.__dict__)
        out = (mod.rhs, addresses(mod.rhs))
        _KERNELS[key] = (funcs, out, mod)
        return out
