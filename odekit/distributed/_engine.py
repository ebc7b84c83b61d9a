"""The shared machinery of odekit on Dask: checks, task planning, submission, gathering,
Zarr stores and the worker-side cache of compiled functions.

Nothing here imports Dask, Zarr or xarray at module level: they are imported when a
``client=`` (or ``out=``) is given, with an ImportError naming the extra when missing.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import types
import uuid

import numpy as np

__all__ = ["EXTRA", "require", "require_zarr", "check_client", "cluster_threads", "plan",
           "run", "ship", "canonical", "one_thread", "create_store", "write_rows", "open_result",
           "TASK_SECONDS", "TASKS_PER_THREAD"]

#: what to install for ``client=`` and ``out=``
EXTRA = "pip install 'odekit[distributed]'"

#: (shortest, longest) wanted duration of one task in seconds: long enough that Dask's
#: cost per task (a no-op round trip took 3-10 ms on a loaded 2-core machine in
#: benchmarks/bench_distributed.py) stays under a few percent, short enough that a lost
#: worker costs little and the progress bar moves
TASK_SECONDS = (0.2, 4.0)
#: tasks per worker thread wanted for load balance (when the work allows it)
TASKS_PER_THREAD = 8
#: largest result block of one task (bytes), and so the largest Zarr chunk
MAX_BLOCK_BYTES = 64 << 20
#: worker threads assumed while a cluster has none yet (an adaptive cluster scaling up)
DEFAULT_THREADS = 16


# ----------------------------------------------------------------------------------------
# imports and checks (client side)
# ----------------------------------------------------------------------------------------
def require():
    """Import and return :mod:`distributed` (ImportError naming the extra if absent)."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "client= needs dask.distributed, which is not installed: "
            f"{EXTRA} (it installs dask[distributed], zarr and xarray)") from exc
    return distributed


def require_zarr():
    """Import and return (zarr, xarray) for ``out=`` (ImportError naming the extra)."""
    try:
        import xarray
        import zarr
    except ImportError as exc:
        raise ImportError(
            f"out= writes a Zarr store and needs zarr and xarray ({exc.name} is not "
            f"installed): {EXTRA}") from exc
    return zarr, xarray


def check_client(client):
    """``client`` checked: a running, synchronous :class:`distributed.Client`."""
    distributed = require()
    if not isinstance(client, distributed.Client):
        raise TypeError("client must be a dask.distributed.Client (or None for local "
                        f"threads), got {type(client).__name__}")
    if getattr(client, "asynchronous", False):
        raise TypeError("client must be a synchronous Client (asynchronous=False)")
    status = getattr(client, "status", "running")
    if status not in ("running", "connecting", "newly-created"):
        raise ValueError(f"client is {status}: connect a new Client (for example "
                         "Client(LocalCluster())) or pass client=None for local threads")
    return client


def cluster_threads(client) -> int:
    """Total worker threads of the cluster now (``DEFAULT_THREADS`` while it has none)."""
    if client is None:
        from .. import _jit

        return _jit.num_threads()
    try:
        total = sum(client.nthreads().values())
    except Exception:  # noqa: BLE001 - a closed or broken connection
        check_client(client)
        raise
    return int(total) if total > 0 else DEFAULT_THREADS


# ----------------------------------------------------------------------------------------
# planning
# ----------------------------------------------------------------------------------------
def plan(n_items: int, item_seconds: float, threads: int, *, align: int = 1,
         item_bytes: float = 0.0) -> list[tuple[int, int]]:
    """Cut ``n_items`` independent items into blocks ``[(start, stop), ...]`` for tasks.

    Blocks are regular (the same size, the last one shorter) and their edges multiples of
    ``align``. The results never depend on the cut (every item is computed the same way
    whichever block holds it); the cut only balances the load: about
    ``TASKS_PER_THREAD`` tasks per thread, each lasting between ``TASK_SECONDS`` (by the
    estimate ``item_seconds`` per item) and holding at most ``MAX_BLOCK_BYTES`` of result.

    Examples
    --------
    >>> from odekit.distributed import plan
    >>> plan(10, 1.0, threads=1)              # 10 s of work: 8 tasks wanted, blocks of 2
    [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    >>> plan(10**6, 1e-6, threads=2)          # 1 s of work: five tasks of 0.2 s
    [(0, 200000), (200000, 400000), (400000, 600000), (600000, 800000), (800000, 1000000)]
    """
    if n_items <= 0:
        return []
    units = -(-n_items // align)
    unit_s = max(item_seconds * align, 1e-12)
    total = units * unit_s
    lo_s, hi_s = TASK_SECONDS
    want = TASKS_PER_THREAD * max(int(threads), 1)
    most = max(1, math.floor(total / lo_s))         # tasks no shorter than lo_s
    least = max(1, math.ceil(total / hi_s))         # tasks no longer than hi_s
    if item_bytes > 0:
        least = max(least, math.ceil(units * align * item_bytes / MAX_BLOCK_BYTES))
    n_tasks = min(units, max(least, min(want, most)))
    size = -(-units // n_tasks) * align
    return [(s, min(s + size, n_items)) for s in range(0, n_items, size)]


# ----------------------------------------------------------------------------------------
# submission and gathering
# ----------------------------------------------------------------------------------------
def _show_progress(progress, expected_seconds) -> bool:
    from .._progress import should_show

    return should_show(progress, expected_seconds)


def run(client, func, task_args, *, name: str, on_result, progress=None,
        expected_seconds: float = math.inf):
    """Run ``func(*task_args[i])`` for every i and call ``on_result(i, result)``.

    With a client, the tasks go to Dask (keys ``odekit-<name>-<i>-<token>``), Dask's
    progress bar is shown when ``progress`` says so (:func:`odekit._progress.should_show`),
    results are handed over as they arrive and released, and a task that fails cancels
    the others and raises its exception here. Without a client, the tasks run one after
    the other in this process (for ``out=`` on one machine).
    """
    if client is None:
        from .._progress import progress_bar

        _IN_PROCESS.active = True  # the tasks keep this process's threads
        try:
            with progress_bar(max(len(task_args), 1), progress=progress, desc=name) as bar:
                for i, args in enumerate(task_args):
                    on_result(i, func(*args))
                    bar.update(1)
        finally:
            _IN_PROCESS.active = False
        return
    distributed = require()
    check_client(client)
    token = uuid.uuid4().hex
    futures = [client.submit(func, *args, key=f"odekit-{name}-{i}-{token}", pure=False)
               for i, args in enumerate(task_args)]
    index = {f.key: i for i, f in enumerate(futures)}
    try:
        if _show_progress(progress, expected_seconds):
            dask_progress_bar(client, futures)
        for fut, result in distributed.as_completed(futures, with_results=True,
                                                    loop=client.loop):
            on_result(index[fut.key], result)
            fut.release()
    finally:
        client.cancel([f for f in futures if not f.done()])


def dask_progress_bar(client, futures):
    """Dask's progress bar for ``futures``: a widget in Jupyter (returns at once), else
    its text bar on stdout (returns when every task is done)."""
    distributed = require()
    from .._progress import _in_notebook

    addr = client.scheduler.address
    if _in_notebook():
        bar = distributed.progress(futures, notebook=True, multi=False, scheduler=addr)
        try:
            from IPython.display import display

            display(bar)
        except ImportError:  # pragma: no cover - a kernel without IPython
            pass
        return
    distributed.progress(futures, notebook=False, multi=False, scheduler=addr)


# ----------------------------------------------------------------------------------------
# the worker side
# ----------------------------------------------------------------------------------------
_FUNCS: dict = {}  # fingerprint -> the first function object of that fingerprint seen here
_FUNCS_LOCK = threading.Lock()


def _after_fork_in_child():
    global _FUNCS_LOCK
    _FUNCS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def fingerprint(fun):
    """The key of ``fun`` in the worker cache: its type, module, name, code, constants and
    the values of the globals it reads (helpers followed), or None if it has none."""
    from ..integrate._codegen import _py_func, _stamp

    py = _py_func(fun)
    if not isinstance(py, types.FunctionType):
        return None
    try:
        return (type(fun).__module__, type(fun).__qualname__, _stamp(py)[0])
    except TypeError:  # a global odekit refuses: the solver itself says why
        return None


class Shipped:
    """A function that travels by value, with the source file it came from.

    cloudpickle replaces a by-value function's file name with ``"<dynamic-code>"``, which
    leaves Numba no file to key a disk cache on. Where the workers see the same file (a
    shared file system, or a LocalCluster), :func:`canonical` puts the name back, so the
    worker loads the kernels the client (or another worker) compiled instead of compiling
    them again; the file's SHA-256 must match, so a different file at that path is never
    trusted.
    """

    __slots__ = ("fun", "filename", "digest")

    def __init__(self, fun, filename, digest):
        self.fun, self.filename, self.digest = fun, filename, digest

    def __getstate__(self):
        return (self.fun, self.filename, self.digest)

    def __setstate__(self, state):
        self.fun, self.filename, self.digest = state


def _file_digest(path):
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def ship(fun):
    """``fun`` ready to send: wrapped in :class:`Shipped` if it travels by value from a
    real source file, else unchanged (client side)."""
    if not isinstance(fun, types.FunctionType) or fun.__closure__ is not None:
        return fun
    try:
        from cloudpickle.cloudpickle import _should_pickle_by_reference

        if _should_pickle_by_reference(fun):
            return fun
    except (ImportError, TypeError, AttributeError):  # pragma: no cover - other versions
        pass
    filename = fun.__code__.co_filename
    digest = _file_digest(filename) if os.path.isfile(filename) else None
    return fun if digest is None else Shipped(fun, filename, digest)


_FILES: dict = {}  # (filename, digest) -> whether this worker sees that very file


def _unship(obj):
    if not isinstance(obj, Shipped):
        return obj
    fun = obj.fun
    if fun.__code__.co_filename != obj.filename:
        key = (obj.filename, obj.digest)
        ok = _FILES.get(key)
        if ok is None:
            ok = _FILES[key] = _file_digest(obj.filename) == obj.digest
        if ok:
            fun.__code__ = fun.__code__.replace(co_filename=obj.filename)
    return fun


def canonical(fun):
    """The function object this process first saw with ``fun``'s fingerprint.

    ``fun`` may come wrapped by :func:`ship` (its file name is then restored). A function
    pickled by value (defined in ``__main__``, a notebook or a closure) arrives as a new
    object with every task; the compiled-function caches of the core are keyed by
    object, so without this each task would compile it again. With it, a worker compiles
    a right-hand side once (or loads it from the disk cache) and reuses it for every task.
    """
    fun = _unship(fun)
    key = fingerprint(fun)
    if key is None:
        return fun
    with _FUNCS_LOCK:
        return _FUNCS.setdefault(key, fun)


_IN_PROCESS = threading.local()  # .active: tasks run by run(client=None), in this process


@contextlib.contextmanager
def one_thread():
    """Run a task on one Numba thread (a worker's parallelism is its Dask threads); no
    change for tasks run in the calling process (``out=`` without a client)."""
    from .. import _jit

    if _jit.DISABLED or getattr(_IN_PROCESS, "active", False):
        yield
        return
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(1)  # thread-local: other tasks of the worker are unaffected
    try:
        yield
    finally:
        numba.set_num_threads(old)


# ----------------------------------------------------------------------------------------
# Zarr stores
# ----------------------------------------------------------------------------------------
def _path(out):
    p = os.fspath(out)
    if not isinstance(p, str):
        raise TypeError(f"out must be a path (str or os.PathLike), got {out!r}")
    if "://" not in p:
        p = os.path.abspath(p)
        if os.path.exists(p):
            raise FileExistsError(f"out={out!r} exists: remove it or choose a new path "
                                  "(odekit never overwrites a store)")
    return p


def create_store(out, variables: dict, coords: dict, attrs: dict, block_rows: int):
    """Create the Zarr store ``out`` (metadata and coordinates only, no data yet).

    ``variables`` maps name -> (dims, shape, dtype); the first dimension of each is cut in
    Zarr chunks of ``block_rows`` rows (one per task, so that tasks never write to the same
    chunk). Returns the absolute path the workers will write to.
    """
    _, xr = require_zarr()
    import dask.array as da

    path = _path(out)
    data = {}
    for name, (dims, shape, dtype) in variables.items():
        chunks = (min(block_rows, shape[0]),) + tuple(shape[1:])
        data[name] = (dims, da.zeros(shape, dtype=dtype, chunks=chunks))
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    # Zarr format 2: consolidated metadata is part of it (xarray opens it with no warning)
    ds.to_zarr(path, mode="w-", compute=False, consolidated=True, zarr_format=2)
    return path


def write_rows(path: str, start: int, arrays: dict):
    """Write ``arrays[name]`` into rows ``start:start + len`` of each variable (worker side)."""
    import zarr

    group = zarr.open_group(path, mode="r+")
    for name, a in arrays.items():
        group[name][start:start + a.shape[0]] = a


def set_attrs(path: str, attrs: dict):
    """Update the store's attributes (client side, after every task has written)."""
    import zarr

    zarr.open_group(path, mode="r+").attrs.update(attrs)
    zarr.consolidate_metadata(path)


def open_result(path: str):
    """The finished store as an :class:`xarray.Dataset` (lazy: read on demand)."""
    _, xr = require_zarr()
    return xr.open_zarr(path)


def as_rows(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of a row block (so tasks carry only their rows)."""
    return np.ascontiguousarray(a)
