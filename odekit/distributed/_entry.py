"""The distributed (and ``out=``) paths of odekit's entry points.

Each public entry point checks ``client``/``out`` at its top and hands over to a function
here. The work is cut into blocks of independent items (trajectories, rows of a chart,
undecided basin starts, Monte-Carlo chunks of ``geoprob.montecarlo.CHUNK`` samples,
bootstrap replicates); a task computes its block with the very code of the local run (on
one Numba thread), so every item comes out bitwise as it does locally, and the client puts
the blocks back in order. See :mod:`odekit.distributed`.
"""

from __future__ import annotations

import math

import numpy as np

from . import _engine as E

# rough costs per item on one core (seconds), only used to size the tasks
_COST = {
    "ensemble": 20e-6,    # an adaptive trajectory of a small system
    "hill": 25e-9,        # a chart point by Hill's determinant
    "integrate": 20e-6,   # a chart point by integration
    "basins": 30e-6,      # an undecided basin start (several stages)
    "mc": 25e-9,          # a Monte-Carlo sample (per uniform: x dim; 5-400 ns measured)
    "sector": 1.1e-9,     # a sector sample (per point: x n; integer angles)
    "bootstrap": 0.05,    # a least-squares refit
    "qmc": 30e-9,         # a QMC point (per uniform)
}


# ----------------------------------------------------------------------------------------
# solve_ensemble
# ----------------------------------------------------------------------------------------
def _ensemble_task(fun, t_span, y0, params, options, path, start):
    """Solve one block of trajectories locally (worker side)."""
    from ..integrate.ensemble import solve_ensemble

    fun = E.canonical(fun)
    with E.one_thread():
        res = solve_ensemble(fun, t_span, y0, params=params, raise_on_failure=False,
                             progress=False, **options)
    failed = np.flatnonzero(res.status < 0)
    if path is None:
        return res.t, res.y, res.status, res.nfev
    E.write_rows(path, start, {"y": res.y, "status": res.status, "nfev": res.nfev})
    return res.t, None, res.status[failed], failed + start


def solve_ensemble(fun, t_span, y0, *, params, client, out, raise_on_failure, progress,
                   **options):
    """:func:`odekit.solve_ensemble` on a Dask cluster and/or into a Zarr store."""
    from ..integrate import _validate as V
    from ..integrate._results import EnsembleResult
    from ..integrate.ensemble import ensemble_error, ensemble_size

    if client is not None:
        E.check_client(client)
    if out is not None:
        E.require_zarr()
    if not callable(fun):
        raise TypeError("fun must be callable (see odekit.solve_ivp for the expected form)")
    t0, t1 = V.check_t_span(t_span)
    y0 = V.check_y0(y0, ndim_allowed=(1, 2))
    p = V.check_params(params, ndim_allowed=(1, 2))
    k = ensemble_size(y0, p)
    ky = k if y0.ndim == 2 else None  # which of them is per trajectory
    kp = k if p.ndim == 2 else None
    n = y0.shape[-1]
    te = V.check_t_eval(options.get("t_eval"), t0, t1)
    m = 1 if te is None else te.size
    blocks = E.plan(k, _COST["ensemble"], E.cluster_threads(client), item_bytes=8 * (n * m + 2))
    path = None
    if out is not None:
        path = E.create_store(
            out, {"y": (("trajectory", "state", "time"), (k, n, m), np.float64),
                  "status": (("trajectory",), (k,), np.int64),
                  "nfev": (("trajectory",), (k,), np.int64)},
            coords={"time": np.array([t1]) if te is None else te, "trajectory": np.arange(k)},
            attrs={"odekit": "solve_ensemble", "method": str(options.get("method", "")),
                   "t_span": [t0, t1]},
            block_rows=blocks[0][1] - blocks[0][0])
    shipped = E.ship(fun)
    tasks = [(shipped, (t0, t1), y0[a:b].copy() if ky is not None else y0,
              p[a:b].copy() if kp is not None else p, options, path, a) for a, b in blocks]
    y = status = nfev = None
    t_out = [None]
    fails = []
    if path is None:
        y = np.empty((k, n, m))
        status = np.empty(k, dtype=np.int64)
        nfev = np.empty(k, dtype=np.int64)

    def put(i, result):
        a, b = blocks[i]
        t_out[0] = result[0]
        if path is None:
            y[a:b], status[a:b], nfev[a:b] = result[1], result[2], result[3]
        else:
            fails.append((result[3], result[2]))

    E.run(client, _ensemble_task, tasks, name="ensemble", on_result=put, progress=progress,
          expected_seconds=k * _COST["ensemble"] / E.cluster_threads(client))
    if path is None:
        failed = np.flatnonzero(status < 0)
        codes = status[failed]
    else:
        failed = np.concatenate([f for f, _ in fails] + [np.empty(0, np.int64)])
        codes = np.concatenate([c for _, c in fails] + [np.empty(0, np.int64)])
        order = np.argsort(failed, kind="stable")
        failed, codes = failed[order], codes[order]
        E.set_attrs(path, {"success": bool(failed.size == 0), "failed": int(failed.size)})
    if failed.size and raise_on_failure:
        raise ensemble_error(k, failed, codes)
    if path is not None:
        return E.open_result(path)
    return EnsembleResult(t=np.array(t_out[0]), y=y, status=status, nfev=nfev,
                          success=bool(failed.size == 0))


# ----------------------------------------------------------------------------------------
# mathieu.stability_chart
# ----------------------------------------------------------------------------------------
def _chart_task(a, q_rows, gamma, method, rtol, atol, order, path, start):
    """Rows of the chart (worker side): trace, growth rate, verdict."""
    from ..mathieu import chart as ch

    with E.one_thread():
        if method == "hill":
            from ..mathieu.determinant import hill_trace_grid

            tr_u = hill_trace_grid(a - gamma * gamma, q_rows, progress=False, order=order)
        else:
            A, Q = np.meshgrid(a - gamma * gamma, q_rows)
            tr_u = ch._half_period_trace(A, Q, rtol, atol, False)
        trace, growth, stable = ch._classify(tr_u, gamma, overwrite=True)
    if path is None:
        return trace, growth, stable
    E.write_rows(path, start, {"trace": trace, "growth_rate": growth, "stable": stable})
    return None


def stability_chart(a, q, *, damping, method, rtol, atol, progress, client, out):
    """:func:`odekit.mathieu.stability_chart` on a Dask cluster and/or into a Zarr store."""
    from ..mathieu import chart as ch

    if client is not None:
        E.check_client(client)
    if out is not None:
        E.require_zarr()
    a = ch._grid(a, "a")
    q = ch._grid(q, "q")
    gamma = ch._damping(damping)
    method = ch._method(method)
    order = None
    if method == "hill":
        from ..mathieu import determinant as det

        a_eff = a - gamma * gamma
        det._check_range(a_eff, q)
        order = det.truncation_order(float(np.max(np.abs(a_eff))), float(np.max(np.abs(q))))
    na, nq = a.size, q.size
    cost = _COST[method] * na
    blocks = E.plan(nq, cost, E.cluster_threads(client), item_bytes=17.0 * na)
    path = None
    if out is not None:
        path = E.create_store(
            out, {"trace": (("q", "a"), (nq, na), np.float64),
                  "growth_rate": (("q", "a"), (nq, na), np.float64),
                  "stable": (("q", "a"), (nq, na), np.bool_)},
            coords={"a": a, "q": q},
            attrs={"odekit": "mathieu.stability_chart", "damping": gamma, "method": method},
            block_rows=blocks[0][1] - blocks[0][0])
    tasks = [(a, q[r0:r1].copy(), gamma, method, rtol, atol, order, path, r0)
             for r0, r1 in blocks]
    if path is None:
        trace = np.empty((nq, na))
        growth = np.empty((nq, na))
        stable = np.empty((nq, na), dtype=np.bool_)

    def put(i, result):
        if path is None:
            r0, r1 = blocks[i]
            trace[r0:r1], growth[r0:r1], stable[r0:r1] = result

    E.run(client, _chart_task, tasks, name="chart", on_result=put, progress=progress,
          expected_seconds=nq * cost / E.cluster_threads(client))
    if path is not None:
        return E.open_result(path)
    return ch.StabilityChart(a=a, q=q, damping=gamma, trace=trace, growth_rate=growth,
                             stable=stable)


# ----------------------------------------------------------------------------------------
# geoprob Monte Carlo
# ----------------------------------------------------------------------------------------
def _mc_task(kind, fpar, ipar, dim, wlen, iwlen, samples, key, c0, c1):
    """Per-chunk sums (and sums of squares) of chunks c0 .. c1 - 1 (worker side)."""
    from ..geoprob import _kernels as K
    from ..geoprob import montecarlo as mc

    nc_all = c1 - c0
    batch = min(nc_all, mc._BATCH_CHUNKS)
    with E.one_thread():
        if kind in (K.SECTOR_DISK, K.SECTOR_ANGLES):
            n = int(ipar[0])
            t = K.sector_threshold(fpar[0])
            hits = np.empty(nc_all, dtype=np.int64)
            a_buf = np.empty((batch, max(n, 1)), dtype=np.int64)
            for b0 in range(c0, c1, batch):
                nc = min(batch, c1 - b0)
                K.sector_chunks(n, kind == K.SECTOR_DISK, t, key, b0, nc, mc.CHUNK, samples,
                                a_buf, hits[b0 - c0:b0 - c0 + nc])
            return hits, None
        sums = np.empty(nc_all)
        sumsq = np.empty(nc_all)
        u_buf, w_buf, iw_buf = mc._scratch(batch, dim, wlen, iwlen)
        for b0 in range(c0, c1, batch):
            nc = min(batch, c1 - b0)
            K.run_chunks(kind, fpar, ipar, dim, key, mc._NO_POINTS, b0, nc, mc.CHUNK, samples,
                         u_buf, w_buf, iw_buf, sums[b0 - c0:b0 - c0 + nc],
                         sumsq[b0 - c0:b0 - c0 + nc])
        return sums, sumsq


def _qmc_task(kind, fpar, ipar, dim, wlen, iwlen, child, npts, block):
    from ..geoprob import montecarlo as mc

    with E.one_thread():
        return mc._qmc_scramble(kind, fpar, ipar, dim, wlen, iwlen, child, npts, block)


def estimate_kernel(kind, fpar, ipar, dim, wlen, iwlen, samples, *, seed, method, probability,
                    confidence, scrambles, progress, desc, client):
    """:func:`odekit.geoprob.montecarlo.estimate_kernel` on a Dask cluster."""
    from ..geoprob import _kernels as K
    from ..geoprob import montecarlo as mc

    E.check_client(client)
    samples = mc._check_samples(samples)
    confidence = mc._check_confidence(confidence)
    if method not in ("mc", "qmc"):
        raise ValueError(f"method must be 'mc' or 'qmc', got {method!r}")
    ss = mc._seed_sequence(seed)
    fpar = np.ascontiguousarray(fpar, dtype=np.float64)
    ipar = np.ascontiguousarray(ipar, dtype=np.int64)
    dim = int(dim)
    threads = E.cluster_threads(client)
    if method == "qmc":
        npts, block = mc._qmc_sizes(samples, scrambles)
        tasks = [(kind, fpar, ipar, dim, wlen, iwlen, child, npts, block)
                 for child in ss.spawn(scrambles)]
        accs = [None] * len(tasks)

        def put_q(i, acc):
            accs[i] = acc

        E.run(client, _qmc_task, tasks, name="qmc", on_result=put_q, progress=progress,
              expected_seconds=npts * scrambles * dim * _COST["qmc"] / threads)
        return mc._finish_qmc(accs, npts, scrambles, probability, confidence)
    key = mc._key(ss)
    nchunks = -(-samples // mc.CHUNK)
    sector = kind in (K.SECTOR_DISK, K.SECTOR_ANGLES)
    chunk_s = mc.CHUNK * (_COST["sector"] * int(ipar[0]) if sector else _COST["mc"] * dim)
    blocks = E.plan(nchunks, chunk_s, threads)
    sums = np.empty(nchunks, dtype=np.int64 if sector else np.float64)
    sumsq = None if sector else np.empty(nchunks)

    def put(i, result):
        c0, c1 = blocks[i]
        sums[c0:c1] = result[0]
        if sumsq is not None:
            sumsq[c0:c1] = result[1]

    tasks = [(kind, fpar, ipar, dim, wlen, iwlen, samples, key, c0, c1) for c0, c1 in blocks]
    E.run(client, _mc_task, tasks, name="mc", on_result=put, progress=progress,
          expected_seconds=nchunks * chunk_s / threads)
    if sector:  # as geoprob.montecarlo._run_sector_mc: exact integer counts
        s1 = s2 = float(int(sums.sum()))
    else:       # as _run_mc: math.fsum is exactly rounded, so the cut does not matter
        s1, s2 = math.fsum(sums), math.fsum(sumsq)
    return mc._finish_mc(s1, s2, samples, probability, confidence)


# ----------------------------------------------------------------------------------------
# competition: basins and the bootstrap
# ----------------------------------------------------------------------------------------
def _basins_task(x, follow):
    from ..competition.phaseplane import _follow

    with E.one_thread():
        return _follow(x, *follow, progress=False)


def basin_labels(x, follow, *, client, progress=None):
    """Labels of the undecided starts ``x`` (rows), as ``phaseplane._follow`` gives them."""
    E.check_client(client)
    k = x.shape[0]
    labels = np.full(k, -1, dtype=np.int64)
    if k == 0:
        return labels
    threads = E.cluster_threads(client)
    blocks = E.plan(k, _COST["basins"], threads)
    tasks = [(np.ascontiguousarray(x[a:b]), follow) for a, b in blocks]

    def put(i, result):
        a, b = blocks[i]
        labels[a:b] = result

    E.run(client, _basins_task, tasks, name="basins", on_result=put, progress=progress,
          expected_seconds=k * _COST["basins"] / threads)
    return labels


def _bootstrap_task(fitres, seed, start, stop):
    with E.one_thread():
        return fitres._replicates(seed, start, stop)


def bootstrap_outcomes(fitres, n, seed, *, client, progress=False):
    """Outcomes of replicates 0 .. n - 1 of ``FitResult.outcome_probabilities``, in order."""
    E.check_client(client)
    threads = E.cluster_threads(client)
    blocks = E.plan(n, _COST["bootstrap"], threads)
    outs = [None] * n

    def put(i, result):
        a, b = blocks[i]
        outs[a:b] = result

    E.run(client, _bootstrap_task, [(fitres, seed, a, b) for a, b in blocks], name="bootstrap",
          on_result=put, progress=progress, expected_seconds=n * _COST["bootstrap"] / threads)
    return outs
