"""odekit on a Dask cluster: the same results, bitwise, on many machines.

Install the optional extra (``pip install 'odekit[distributed]'``: dask[distributed], zarr,
xarray) and pass a :class:`dask.distributed.Client` as ``client=`` to

* :func:`odekit.solve_ensemble` (blocks of trajectories),
* :func:`odekit.mathieu.stability_chart` (blocks of rows of q),
* :func:`odekit.geoprob.sector_probability_mc` and :meth:`odekit.geoprob.Problem.estimate`
  (blocks of Monte-Carlo chunks, or one task per QMC scramble),
* :func:`odekit.competition.basins` (blocks of undecided starts) and
  :meth:`odekit.competition.FitResult.outcome_probabilities` (blocks of bootstrap refits).

``client=None`` (the default) keeps the local threads. The work is cut into blocks of the
independent items the local run computes (trajectories, chart points, Monte-Carlo chunks of
a fixed size, replicates); every item is computed by the same code on the worker as
locally, so the result is bitwise identical whatever the number of workers, their threads
and the order tasks finish in (and when a lost worker's tasks are re-run). ``out=`` (charts
and ensembles) writes the result block by block into a new Zarr store, from the workers, and
returns it as an :class:`xarray.Dataset`.

Nothing in odekit imports Dask unless ``client`` or ``out`` is given. See
:doc:`/distributed` for clusters (LocalCluster, SLURM, Kubernetes) and for what travels to
the workers; :func:`payload` shows it for a given function.

Examples
--------
>>> from odekit.distributed import payload
>>> def decay(t, y, p, dydt):
...     dydt[0] = -p[0] * y[0]
>>> info = payload(decay)
>>> info["by"], info["name"]
('value', 'decay')
"""

from __future__ import annotations

from ._engine import EXTRA, TASK_SECONDS, TASKS_PER_THREAD, fingerprint, plan

__all__ = ["payload", "worker_status", "plan", "EXTRA", "TASK_SECONDS", "TASKS_PER_THREAD"]


def payload(fun) -> dict:
    """What is sent to the workers for the right-hand side ``fun``, and how.

    Dask pickles task arguments with cloudpickle: a function of an importable module
    travels *by reference* (its module and name; the workers import the module, which
    must be installed there), a function defined in ``__main__``, a notebook cell or a
    closure *by value* (its code, constants and the globals it reads). A Numba dispatcher
    (``@numba.njit``, wherever defined) travels by value too, as its Python function
    (Numba's own pickling), never as machine code. Either way each worker compiles the
    function once (or loads it from the disk cache) and reuses it for every task.

    Parameters
    ----------
    fun : callable

    Returns
    -------
    dict
        ``by`` ("reference" or "value"), ``bytes`` (the pickle's size; None when
        cloudpickle, which comes with dask, is missing and pickle cannot), ``module``,
        ``name``, ``source`` (the source text when available) and ``fingerprint`` (the key
        of the worker-side cache of compiled functions; None for objects it cannot key).

    Examples
    --------
    >>> from odekit.distributed import payload
    >>> from odekit.integrate.examples import arenstorf
    >>> payload(arenstorf)["by"]
    'reference'
    """
    import inspect
    import pickle
    import sys

    from ..integrate._codegen import _py_func

    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle comes with dask
        cloudpickle = None
    from numba.core.registry import CPUDispatcher

    py = _py_func(fun)
    module = getattr(py, "__module__", None)
    name = getattr(py, "__qualname__", None) or repr(fun)
    obj = sys.modules.get(module) if module not in (None, "__main__") else None
    for part in (name or "").split("."):
        obj = getattr(obj, part, None)
    by_ref = obj is not None and (obj is fun or obj is py)  # what cloudpickle decides
    if cloudpickle is not None:
        try:
            from cloudpickle.cloudpickle import _should_pickle_by_reference

            by_ref = bool(_should_pickle_by_reference(py)) and "<locals>" not in name
        except (ImportError, TypeError):
            pass
        if isinstance(fun, CPUDispatcher):
            by_ref = False  # Numba pickles the Python function by value (memoised by uuid)
        data = cloudpickle.dumps(fun)
    else:
        try:
            data = pickle.dumps(fun)
        except (pickle.PicklingError, AttributeError, TypeError):
            data = None  # only cloudpickle (installed with dask) can send it
    try:
        source = inspect.getsource(py)
    except (OSError, TypeError):
        source = None
    return {"by": "reference" if by_ref else "value",
            "bytes": None if data is None else len(data), "module": module, "name": name,
            "source": source, "fingerprint": fingerprint(fun)}


def worker_status(client) -> dict:
    """Per worker: its odekit version, kernel cache directory, Numba compile count, the
    number of distinct user functions it has seen and of kernel modules it has built
    (one per right-hand side: to check that each worker compiled or loaded a right-hand
    side once, not per task, and whether the workers share a disk cache).

    Parameters
    ----------
    client : dask.distributed.Client

    Returns
    -------
    dict
        worker address -> dict with ``version``, ``cache_dir``, ``compiles``, ``functions``,
        ``kernels``, ``pid``.
    """
    from ._engine import check_client

    check_client(client)
    return client.run(_worker_status)


def _worker_status():
    import os

    from .. import __version__, _jit
    from ..integrate import _codegen
    from . import _engine

    return {"version": __version__, "cache_dir": _codegen.kernel_cache_dir(),
            "compiles": _jit.compile_count(), "functions": len(_engine._FUNCS),
            "kernels": len(_codegen._KERNELS), "pid": os.getpid()}
