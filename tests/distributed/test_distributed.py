"""odekit on Dask: every entry point with ``client=`` is bitwise equal to the local run, on a
LocalCluster of 2 worker processes (1 thread each); a killed worker changes nothing; Zarr
output; failures reported as locally; clear errors without Dask or with a closed client."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'odekit[distributed]')")

import odekit  # noqa: E402
from odekit.competition import TwoSpecies, basins, fit  # noqa: E402
from odekit.distributed import _engine, _entry, payload, plan, worker_status  # noqa: E402
from odekit.geoprob import CLASSICS, sector_probability_mc  # noqa: E402
from odekit.mathieu import stability_chart  # noqa: E402
from odekit.mathieu.chart import mathieu_rhs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    cl = distributed.Client(cluster, set_as_default=False)  # odekit must use this one
    yield cl
    cl.close()
    cluster.close()


@pytest.fixture(autouse=True)
def _many_tasks(monkeypatch):
    """Small problems would fit in one task: cut them into TASKS_PER_THREAD tasks per worker
    thread (16 here), so that the blocks' order and edges are really exercised."""
    monkeypatch.setattr(_engine, "TASK_SECONDS", (1e-9, 1e9))


def ensemble_inputs(k=3000, seed=0):
    g = np.random.default_rng(seed)
    y0 = g.normal(size=(k, 4))
    p = np.column_stack([g.uniform(-1.0, 6.0, k), g.uniform(0.0, 3.0, k)])
    return y0, p


def same(a, b):
    return np.array_equal(a, b, equal_nan=True)


# ----------------------------------------------------------------------------------------
# bitwise equality, entry point by entry point
# ----------------------------------------------------------------------------------------
def test_solve_ensemble_bitwise(client):
    y0, p = ensemble_inputs()
    kw = dict(params=p, t_eval=[0.5, 1.5, 3.0], rtol=1e-9, atol=1e-11)
    loc = odekit.solve_ensemble(mathieu_rhs, (0.0, 3.0), y0, **kw)
    with distributed.get_task_stream(client) as ts:
        dis = odekit.solve_ensemble(mathieu_rhs, (0.0, 3.0), y0, client=client, **kw)
    assert len([d for d in ts.data if "odekit-ensemble" in str(d["key"])]) == 16
    assert same(loc.y, dis.y) and same(loc.t, dis.t)
    assert same(loc.status, dis.status) and same(loc.nfev, dis.nfev) and dis.success
    # one shared start (1-D y0), per-trajectory parameters, backwards in time
    loc = odekit.solve_ensemble(mathieu_rhs, (2.0, 0.0), y0[0], params=p)
    dis = odekit.solve_ensemble(mathieu_rhs, (2.0, 0.0), y0[0], params=p, client=client)
    assert same(loc.y, dis.y) and same(loc.nfev, dis.nfev)


def test_solve_ensemble_failures_as_locally(client):
    y0, p = ensemble_inputs(2000)
    p[[7, 1500]] = [1e5, 0.0]  # stiff: these two need far more than max_steps steps
    errs = []
    for cl in (None, client):
        with pytest.raises(odekit.IntegrationError) as info:
            odekit.solve_ensemble(mathieu_rhs, (0.0, 3.0), y0, params=p, max_steps=300,
                                  client=cl)
        errs.append(info.value)
    assert str(errs[0]) == str(errs[1]) and "indices 7, 1500" in str(errs[1])
    assert same(errs[0].indices, errs[1].indices) and errs[0].reason == errs[1].reason
    loc, dis = (odekit.solve_ensemble(mathieu_rhs, (0.0, 3.0), y0, params=p, max_steps=300,
                                      raise_on_failure=False, client=cl)
                for cl in (None, client))
    assert not dis.success and same(loc.y, dis.y) and same(loc.status, dis.status)
    assert np.isnan(dis.y[7]).all() and dis.status[7] < 0


@pytest.mark.parametrize("method, damping", [("hill", 0.0), ("hill", 0.15),
                                             ("integrate", 0.1)])
def test_stability_chart_bitwise(client, method, damping):
    n = (400, 230) if method == "hill" else (23, 17)
    a = np.linspace(-2.0, 12.0, n[0])
    q = np.linspace(0.0, 9.0, n[1])
    loc = stability_chart(a, q, damping=damping, method=method)
    dis = stability_chart(a, q, damping=damping, method=method, client=client)
    for name in ("a", "q", "trace", "growth_rate", "stable"):
        assert same(getattr(loc, name), getattr(dis, name)), name
    assert dis.damping == loc.damping


def test_hill_blocks_keep_the_whole_grids_truncation_order(client, monkeypatch):
    """Many small row blocks: the first rows (small q) alone would pick a lower truncation
    order than the whole grid; the blocks must use the grid's."""
    monkeypatch.setattr(_engine, "TASK_SECONDS", (1e-9, 1e-6))
    a = np.linspace(-3.0, 15.0, 50)
    q = np.concatenate([np.linspace(0.0, 0.5, 20), [14.0]])
    loc = stability_chart(a, q)
    dis = stability_chart(a, q, client=client)
    assert same(loc.trace, dis.trace)


def test_monte_carlo_bitwise(client):
    for sampler in ("disk", "angles"):
        kw = dict(seed=11, sampler=sampler)
        loc = sector_probability_mc(5, 2.5, 3_000_001, **kw)
        dis = sector_probability_mc(5, 2.5, 3_000_001, client=client, **kw)
        assert loc == dis and loc.hits > 0
    prob = CLASSICS["mean_distance_disk"]  # a value problem: float chunk sums, fsum
    loc = prob.estimate(2_000_003, seed=4)
    dis = prob.estimate(2_000_003, seed=4, client=client)
    assert loc == dis and loc.hits is None
    loc = prob.estimate(40_000, seed=4, method="qmc", scrambles=4)
    dis = prob.estimate(40_000, seed=4, method="qmc", scrambles=4, client=client)
    assert loc == dis


def test_monte_carlo_many_small_tasks(client, monkeypatch):
    """Dozens of tasks finishing in any order: still the same estimate."""
    monkeypatch.setattr(_engine, "TASK_SECONDS", (1e-9, 1e-6))
    loc = sector_probability_mc(4, 3.0, 1_500_000, seed=2)
    dis = sector_probability_mc(4, 3.0, 1_500_000, seed=2, client=client)
    assert loc == dis


def test_basins_bitwise(client):
    m = TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.3)  # bistable, asymmetric
    loc = basins(m, (0, 1.2), (0, 1.2), 48)
    dis = basins(m, (0, 1.2), (0, 1.2), 48, client=client)
    assert same(loc.labels, dis.labels) and same(loc.fractions, dis.fractions)
    assert loc.undecided == dis.undecided and len(set(loc.labels.ravel())) >= 2


def test_bootstrap_same_replicates(client):
    edge = TwoSpecies(1.0, 100.0, 1.0 / 80.0, 0.8, 80.0, 0.5 * 0.8 / 100.0)
    t = np.arange(0.0, 25.0)
    x = edge.simulate([2.0, 2.0], (0.0, 24.0), t_eval=t).y.T
    f = fit(t, x * (1 + 0.05 * np.random.default_rng(2).standard_normal(x.shape)), starts=1)
    loc = f.outcome_probabilities(n=8, seed=5, workers=1)
    dis = f.outcome_probabilities(n=8, seed=5, client=client)
    assert loc == dis and 0 < loc[odekit.competition.Outcome.COEXISTENCE] < 1
    assert _entry.bootstrap_outcomes(f, 8, 5, client=client) == f._replicates(5, 0, 8)


def test_dask_progress_bar(client, monkeypatch, capsys):
    monkeypatch.setattr(_engine, "_show_progress", lambda progress, expected: True)
    chart = stability_chart([0.0, 1.0, 2.0], [0.0, 0.5], client=client, progress=True)
    assert chart.stable.shape == (2, 3)
    assert "100% Completed" in capsys.readouterr().out  # Dask's text bar


# ----------------------------------------------------------------------------------------
# Zarr output
# ----------------------------------------------------------------------------------------
def test_chart_to_zarr(client, tmp_path, monkeypatch):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("zarr")
    monkeypatch.setattr(_engine, "TASK_SECONDS", (1e-9, 1e-6))  # several blocks and chunks
    a = np.linspace(-2.0, 12.0, 120)
    q = np.linspace(0.0, 9.0, 61)
    loc = stability_chart(a, q, damping=0.05)
    ds = stability_chart(a, q, damping=0.05, client=client, out=tmp_path / "chart.zarr")
    assert isinstance(ds, xr.Dataset) and ds.trace.dims == ("q", "a")
    assert ds.trace.chunks[0][0] < q.size  # really written block by block
    again = xr.open_zarr(tmp_path / "chart.zarr")
    for name in ("trace", "growth_rate", "stable"):
        assert same(again[name].values, getattr(loc, name)), name
    assert same(again.a.values, a) and same(again.q.values, q)
    assert again.attrs["damping"] == 0.05 and again.attrs["method"] == "hill"
    with pytest.raises(FileExistsError, match="out="):
        stability_chart(a, q, client=client, out=tmp_path / "chart.zarr")
    # without a client: the same blocks, written from this process
    ds2 = stability_chart(a, q, damping=0.05, out=tmp_path / "local.zarr")
    assert same(ds2.trace.values, loc.trace)


def test_ensemble_to_zarr_with_failures(client, tmp_path):
    xr = pytest.importorskip("xarray")
    y0, p = ensemble_inputs(1500)
    p[3] = [1e5, 0.0]
    kw = dict(params=p, t_eval=[1.0, 2.0], max_steps=300)
    loc = odekit.solve_ensemble(mathieu_rhs, (0.0, 2.0), y0, raise_on_failure=False, **kw)
    with pytest.raises(odekit.IntegrationError, match="indices 3[.]"):
        odekit.solve_ensemble(mathieu_rhs, (0.0, 2.0), y0, client=client,
                              out=tmp_path / "e.zarr", **kw)
    ds = xr.open_zarr(tmp_path / "e.zarr")  # written anyway: failed rows NaN, status < 0
    assert same(ds.y.values, loc.y) and same(ds.status.values, loc.status)
    assert same(ds.nfev.values, loc.nfev) and same(ds.time.values, [1.0, 2.0])
    assert ds.attrs["success"] is False and ds.attrs["failed"] == 1


# ----------------------------------------------------------------------------------------
# faults: a worker killed in the middle of a run
# ----------------------------------------------------------------------------------------
def test_killed_worker_changes_nothing(client, monkeypatch):
    y0, p = ensemble_inputs(60_000, seed=9)
    kw = dict(params=p, rtol=1e-10, atol=1e-12)
    loc = odekit.solve_ensemble(mathieu_rhs, (0.0, 6.0), y0, **kw)
    monkeypatch.setattr(_engine, "TASK_SECONDS", (0.02, 0.1))  # many short tasks
    odekit.solve_ensemble(mathieu_rhs, (0.0, 6.0), y0[:50], client=client, params=p[:50])
    pids = client.run(os.getpid)
    victim = sorted(pids)[0]
    killed = {}

    def killer():
        deadline = time.monotonic() + 300  # generous: a loaded machine is slow
        while time.monotonic() < deadline:  # wait until the victim runs a task of ours
            if any("odekit-ensemble" in str(key) for key in client.processing().get(victim, ())):
                time.sleep(0.05)  # inside its first task: most of the run is still to come
                os.kill(pids[victim], signal.SIGKILL)
                killed["at"] = time.monotonic()
                return
            time.sleep(0.02)

    th = threading.Thread(target=killer, daemon=True)
    th.start()
    dis = odekit.solve_ensemble(mathieu_rhs, (0.0, 6.0), y0, client=client, **kw)
    done = time.monotonic()
    th.join(5)
    assert "at" in killed and killed["at"] < done, "the worker was not killed mid-run"
    assert same(loc.y, dis.y) and same(loc.nfev, dis.nfev)
    client.wait_for_workers(2, timeout=300)  # the nanny restarts it, for the later tests
    assert pids[victim] not in client.run(os.getpid).values()


# ----------------------------------------------------------------------------------------
# a right-hand side defined in __main__ travels by value and compiles once per worker
# ----------------------------------------------------------------------------------------
SCRIPT = '''
import numpy as np
from distributed import Client, LocalCluster
import odekit
from odekit.distributed import payload, worker_status


def spring(t, y, p, dydt):          # defined in __main__: cloudpickle sends it by value
    dydt[0] = y[1]
    dydt[1] = -p[0] * y[0] - 0.1 * y[1]


if __name__ == "__main__":
    odekit.distributed._engine.TASK_SECONDS = (1e-9, 1e-6)   # many tasks per worker
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, \\
            Client(cluster) as client:
        assert payload(spring)["by"] == "value", payload(spring)
        k = np.linspace(0.5, 4.0, 400)[:, None]
        loc = odekit.solve_ensemble(spring, (0.0, 5.0), [1.0, 0.0], params=k)
        dis = odekit.solve_ensemble(spring, (0.0, 5.0), [1.0, 0.0], params=k, client=client)
        assert np.array_equal(loc.y, dis.y) and np.array_equal(loc.nfev, dis.nfev)
        before = worker_status(client)
        odekit.solve_ensemble(spring, (0.0, 5.0), [1.0, 0.0], params=k, client=client)
        after = worker_status(client)
        # 8 tasks per worker, yet one function object and one kernel module on each
        for w in after:
            assert after[w]["kernels"] == before[w]["kernels"] <= 1, (before, after)
            assert after[w]["functions"] <= 1 and after[w]["compiles"] == before[w]["compiles"]
        print("OK", after)
'''


def test_rhs_defined_in_main(tmp_path):
    script = tmp_path / "run_main.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr[-3000:]


# ----------------------------------------------------------------------------------------
# errors, and what travels
# ----------------------------------------------------------------------------------------
def test_clear_error_without_dask(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ImportError, match=r"odekit\[distributed\]"):
        odekit.solve_ensemble(mathieu_rhs, (0.0, 1.0), [1.0, 0.0, 0.0, 1.0],
                              params=[1.0, 0.1], client=object())
    with pytest.raises(ImportError, match=r"odekit\[distributed\]"):
        sector_probability_mc(4, 1.0, 1000, seed=1, client=object())


def test_clear_error_without_zarr(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "zarr", None)
    with pytest.raises(ImportError, match=r"zarr.*odekit\[distributed\]"):
        stability_chart([0.0, 1.0], [0.0, 1.0], out=tmp_path / "c.zarr")


def test_closed_or_wrong_client(client):
    other = distributed.Client(client.cluster, set_as_default=False)
    other.close()
    with pytest.raises(ValueError, match="client is closed"):
        stability_chart([0.0, 1.0], [0.0, 1.0], client=other)
    with pytest.raises(ValueError, match="client is closed"):
        basins(TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.5), (0, 1), (0, 1), 8, client=other)
    with pytest.raises(TypeError, match="dask.distributed.Client"):
        odekit.solve_ensemble(mathieu_rhs, (0.0, 1.0), [1.0, 0.0, 0.0, 1.0],
                              params=[1.0, 0.1], client="tcp://127.0.0.1:8786")


def test_errors_on_the_workers_come_back_as_locally(client):
    def not_numba(t, y, p, dydt):
        dydt[0] = len(y.tolist()) * y[0]  # Numba cannot compile tolist()

    with pytest.raises(TypeError) as local:
        odekit.solve_ensemble(not_numba, (0.0, 1.0), [1.0])
    with pytest.raises(TypeError) as remote:
        odekit.solve_ensemble(not_numba, (0.0, 1.0), [1.0], client=client)
    for err in (local.value, remote.value):
        assert "could not be compiled by Numba" in str(err) and "tolist" in str(err)
    with pytest.raises(ValueError, match="t_span"):
        odekit.solve_ensemble(mathieu_rhs, (1.0, 1.0), [1.0] * 4, client=client)


def test_import_odekit_does_not_import_dask():
    code = ("import sys, odekit, odekit.distributed, odekit.mathieu, odekit.geoprob; "
            "bad = [m for m in ('dask', 'distributed', 'zarr', 'xarray') if m in sys.modules]; "
            "assert not bad, bad")
    env = dict(os.environ, PYTHONPATH=ROOT)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_payload_and_worker_status(client):
    from odekit.integrate.examples import arenstorf

    info = payload(arenstorf)
    assert info["by"] == "reference" and info["module"] == "odekit.integrate.examples"
    assert "def arenstorf" in info["source"] and info["fingerprint"] is not None
    assert payload(mathieu_rhs)["by"] == "value"  # a Numba dispatcher: its Python function
    status = worker_status(client)
    assert len(status) == 2
    assert all(v["version"] == odekit.__version__ for v in status.values())


def test_plan_covers_every_item_once():
    for n, cost, threads, align in [(1, 1.0, 1, 1), (10, 1e-3, 64, 1), (10**6, 1e-6, 2, 1),
                                    (12345, 1e-4, 7, 16), (10**9, 1e-8, 1000, 1),
                                    (5, 100.0, 2, 1)]:
        blocks = plan(n, cost, threads, align=align)
        edges = [b for blk in blocks for b in blk]
        assert edges[0] == 0 and edges[-1] == n
        assert all(b1 == a2 for (_, b1), (a2, _) in zip(blocks, blocks[1:]))
        assert all(a % align == 0 for a, _ in blocks)
        assert len({b - a for a, b in blocks[:-1]}) <= 1  # regular (Zarr chunks)
        seconds = [(b - a) * cost for a, b in blocks]
        if len(blocks) > 1:
            assert min(seconds[:-1]) >= _engine.TASK_SECONDS[0] * 0.99
        assert len(blocks) <= max(_engine.TASKS_PER_THREAD * threads,
                                  np.ceil(n * cost / _engine.TASK_SECONDS[1])) + 1


def test_shipped_function_gets_its_file_back_only_if_it_is_the_same_file(tmp_path):
    src = tmp_path / "mod.py"
    src.write_text("def f(t, y, p, dydt):\n    dydt[0] = -y[0]\n")
    ns = {}
    exec(compile(src.read_text(), str(src), "exec"), ns)
    f = ns["f"]
    shipped = _engine.ship(f)
    assert isinstance(shipped, _engine.Shipped) and shipped.filename == str(src)
    for digest, restored in ((shipped.digest, str(src)), ("0" * 64, "<dynamic-code>")):
        g = type(f)(f.__code__.replace(co_filename="<dynamic-code>"), {}, "f")  # as unpickled
        _engine._unship(_engine.Shipped(g, str(src), digest))
        assert g.__code__.co_filename == restored
    assert _engine.ship(mathieu_rhs) is mathieu_rhs  # importable / Numba: unchanged
