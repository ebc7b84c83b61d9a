"""The one Numba policy of odekit.

Every compiled kernel in the package is made with :func:`jit` from this module, so the
policy lives in one place:

* ``cache=True``: compiled machine code is kept on disk and reused by later processes.
  Where Numba cannot locate a cache (a function typed at an interactive prompt, in
  ``python -c`` or in a notebook cell), caching quietly falls back to memory. A cache entry
  that cannot be read (a truncated or corrupt file) is flushed and recompiled, with a
  RuntimeWarning. Every entry's key includes a hash of odekit's whole source
  (:func:`source_stamp`): Numba's own key sees only the function's file, and a kernel
  that inlines a helper from another module would otherwise load stale after that module
  changed (after an upgrade, say).
* No ``fastmath``: the flags ``nnan``/``ninf`` would let LLVM delete the NaN and
  infinity checks that make failures loud.
* ``error_model="numpy"``: division by zero gives inf/NaN (which the kernels check)
  instead of a Python exception, and keeps the inner loops free of exception branches.
* ``ODEKIT_DISABLE_JIT=1`` in the environment runs every kernel as plain Python (slow, but
  useful for debugging and for checking kernels against their Python twins).

:func:`compile_count` counts real compilations (cache loads are not counted), so tests can
prove that changing parameters, initial values, tolerances or time spans never recompiles.

Parallel kernels (``parallel=True``) are called through a thin wrapper that serialises
them with a lock while Numba's threading layer is ``workqueue`` (or not known yet, before
the first parallel call): that layer is not thread-safe, and two Python threads running
parallel kernels at once would abort the process. With ``omp`` or ``tbb`` (the usual
layers) calls run concurrently as before.
"""

from __future__ import annotations

import os
import threading

import numba
from numba.core import event as _event

__all__ = ["jit", "prange", "DISABLED", "compile_count", "cache_ok", "num_threads",
           "parallel_serialised", "source_stamp"]

#: True when ``ODEKIT_DISABLE_JIT`` is set to a non-empty value other than ``"0"``.
DISABLED: bool = os.environ.get("ODEKIT_DISABLE_JIT", "") not in ("", "0")

prange = numba.prange

_BASE_OPTIONS = {"nogil": True, "error_model": "numpy"}


def cache_ok(func) -> bool:
    """Whether Numba can keep a disk cache for ``func`` (it needs a real source file)."""
    try:
        from numba.core.caching import FunctionCache

        FunctionCache(func)
    except Exception:  # RuntimeError "no locator available" and similar
        return False
    return True


def jit(func=None, *, parallel: bool = False, cache: bool = True, inline: str = "never",
        signature=None):
    """Compile ``func`` with the odekit policy (usable bare or with options).

    Parameters
    ----------
    func : callable, optional
        The Python function to compile.
    parallel : bool
        Compile with ``parallel=True`` (needed for ``prange``).
    cache : bool
        Keep compiled code on disk; silently ignored where Numba cannot cache.
    inline : {"never", "always"}
        Numba-level inlining. Calls between separately compiled functions stay real calls
        (LLVM does not inline across them), which matters in per-step code.
    signature : numba signature, optional
        Compile eagerly for this one signature (a function passed to the ODE driver as a
        pointer needs its exact type).

    Examples
    --------
    >>> from odekit._jit import jit
    >>> @jit
    ... def twice(x):
    ...     return 2.0 * x
    >>> twice(1.5)
    3.0
    """

    def wrap(f):
        if DISABLED:
            return f
        opts = dict(_BASE_OPTIONS)
        opts["parallel"] = parallel
        if inline != "never":
            opts["inline"] = inline
        opts["cache"] = bool(cache) and cache_ok(f)
        disp = (numba.njit(**opts)(f) if signature is None
                else numba.njit(signature, **opts)(f))
        if opts["cache"]:
            disp._cache = _safe_cache(f)
        return _Serialised(disp) if parallel else disp

    return wrap if func is None else wrap(func)


_SAFE_CACHE_CLASS = None


def _safe_cache(py_func):
    """Numba's function cache, except that an unreadable entry (a truncated or corrupt
    file: EOFError, UnpicklingError, ...) is flushed and recompiled instead of raising."""
    global _SAFE_CACHE_CLASS
    if _SAFE_CACHE_CLASS is None:
        import warnings

        from numba.core.caching import FunctionCache

        class SafeFunctionCache(FunctionCache):
            def _index_key(self, sig, codegen):
                # Numba keys an entry on the function's own bytecode and file only: a
                # kernel that calls or inlines a function from another module would stay
                # stale when only that module changes (an upgrade of odekit, say). The
                # stamp of odekit's whole source makes any change recompile.
                return (super()._index_key(sig, codegen), source_stamp())

            def load_overload(self, sig, target_context):
                try:
                    return super().load_overload(sig, target_context)
                except Exception as exc:  # noqa: BLE001 - any unreadable entry
                    name = getattr(self._py_func, "__qualname__", "a kernel")
                    warnings.warn(f"odekit: the Numba cache of {name} in "
                                  f"{self._cache_path} is unreadable ({type(exc).__name__}: "
                                  f"{exc}); recompiling", RuntimeWarning, stacklevel=2)
                    try:
                        self.flush()
                    except OSError:
                        pass
                    return None

        _SAFE_CACHE_CLASS = SafeFunctionCache
    return _SAFE_CACHE_CLASS(py_func)


_STAMP: list = []


def source_stamp() -> str:
    """A hash of the source of the whole odekit package (every ``.py`` file below it, with
    its path), computed once per process: part of every disk-cache key of odekit's
    kernels, so that no kernel compiled from other sources is ever loaded."""
    if not _STAMP:
        import hashlib
        import pathlib

        root = pathlib.Path(__file__).resolve().parent
        h = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
        _STAMP.append(h.hexdigest())
    return _STAMP[0]


_PAR_LOCK = threading.Lock()
_PAR_SAFE = False  # True once the threading layer is known to be thread-safe


def parallel_serialised() -> bool:
    """Whether parallel kernels are serialised now (workqueue layer, or not known yet)."""
    return not _PAR_SAFE


class _Serialised:
    """A parallel dispatcher, called under a lock while the threading layer may be
    ``workqueue`` (see the module docstring). Attributes are those of the dispatcher."""

    def __init__(self, disp):
        self._disp = disp
        self.__doc__ = disp.__doc__
        self.__name__ = getattr(disp, "__name__", "kernel")
        self.__wrapped__ = disp

    def __call__(self, *args, **kwargs):
        global _PAR_SAFE
        if _PAR_SAFE:
            return self._disp(*args, **kwargs)
        with _PAR_LOCK:
            out = self._disp(*args, **kwargs)
            try:
                _PAR_SAFE = numba.threading_layer() != "workqueue"
            except ValueError:  # no parallel region has run yet
                pass
        return out

    def __getattr__(self, name):
        return getattr(self._disp, name)

    def __repr__(self):
        return f"<serialised parallel kernel {self._disp!r}>"


def _after_fork_in_child():
    global _PAR_LOCK
    _PAR_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _Counter(_event.Listener):
    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def on_start(self, ev):
        with self._lock:
            self.count += 1

    def on_end(self, ev):
        pass


_COUNTER = _Counter()
_event.register("numba:compile", _COUNTER)


def compile_count() -> int:
    """Number of Numba compilations (of any function) since odekit was imported.

    Loads from the disk cache are not compilations and are not counted.
    """
    return _COUNTER.count


def num_threads() -> int:
    """The number of threads Numba's parallel loops use now."""
    return 1 if DISABLED else numba.get_num_threads()
