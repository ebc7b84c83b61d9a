"""Fuzzing every public entry point (see :mod:`tests.fuzz.entry_points`).

Each example runs in a worker process under a time limit and a memory limit. The property:
a result that passes its own checks, or ValueError / TypeError / IntegrationError with a
message; never a hang, a crash of the process, a silent NaN, or a MemoryError from a size
that was not refused up front.

Examples in all: ``ODEKIT_FUZZ_EXAMPLES`` (default 150, spread over the entry points, a
CI-sized run of well under a minute once the kernels are cached); e.g.
``ODEKIT_FUZZ_EXAMPLES=5000 pytest tests/fuzz`` for a long run by hand. Per-call time limit:
``ODEKIT_FUZZ_TIMEOUT`` seconds (default 60, generous for a first compile).
"""

import concurrent.futures as cf
import multiprocessing
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import worker
from .entry_points import ENTRY_POINTS

TOTAL = int(os.environ.get("ODEKIT_FUZZ_EXAMPLES", "150"))
WEIGHTS = sum(e.weight for e in ENTRY_POINTS)
PER_ENTRY = max(3, TOTAL // WEIGHTS)  # examples per unit of weight
TIMEOUT = float(os.environ.get("ODEKIT_FUZZ_TIMEOUT", "60"))
LONG = TOTAL > 150

def _profile(weight):
    return settings(max_examples=PER_ENTRY * weight, deadline=None, derandomize=not LONG,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much], print_blob=True)

COUNTS: dict = {}  # (entry point, verdict) -> count


class Pool:
    """One worker process, replaced after a hang or a crash."""

    def __init__(self):
        self._ex = None

    def _start(self):
        ctx = multiprocessing.get_context("spawn")
        self._ex = cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx,
                                          initializer=worker.init_worker)

    def call(self, ep, args, kwargs):
        if self._ex is None:
            self._start()
        fut = self._ex.submit(worker.run, ep.path, args, kwargs, ep.check)
        try:
            return fut.result(timeout=TIMEOUT)
        except cf.TimeoutError:
            self.kill()
            return "bad", f"no answer within {TIMEOUT} s (a hang)"
        except cf.process.BrokenProcessPool:
            self.kill()
            return "bad", "the worker process crashed"

    def kill(self):
        if self._ex is not None:
            for proc in list(getattr(self._ex, "_processes", {}).values()):
                proc.kill()
            self._ex.shutdown(wait=False, cancel_futures=True)
            self._ex = None


@pytest.fixture(scope="module")
def pool():
    p = Pool()
    yield p
    p.kill()
    ok = sum(v for (_, verdict), v in COUNTS.items() if verdict == "ok")
    refused = sum(v for (_, verdict), v in COUNTS.items() if verdict == "refused")
    print(f"\nfuzz: {ok} results checked, {refused} refusals ({len(ENTRY_POINTS)} entry "
          f"points, {PER_ENTRY} examples per unit of weight)")
    for ep in ENTRY_POINTS:
        print(f"  {ep.id}: {COUNTS.get((ep.id, 'ok'), 0)} ok, "
              f"{COUNTS.get((ep.id, 'refused'), 0)} refused")


def _run(pool, ep, data):
    args, kwargs = data.draw(ep.strategy, label="args, kwargs")
    verdict, detail = pool.call(ep, args, kwargs)
    assert verdict in ("ok", "refused"), f"{ep.path}{args!r} {kwargs!r}:\n{detail}"
    COUNTS[(ep.id, verdict)] = COUNTS.get((ep.id, verdict), 0) + 1


def _make_test(ep):
    @_profile(ep.weight)
    @given(data=st.data())
    def test(pool, data):
        _run(pool, ep, data)

    test.__name__ = f"test_{ep.id}"
    return test


# one test per entry point, each with its own number of examples
for _ep in ENTRY_POINTS:
    globals()[f"test_{_ep.id.replace('.', '_').replace(':', '_')}"] = _make_test(_ep)
del _ep
