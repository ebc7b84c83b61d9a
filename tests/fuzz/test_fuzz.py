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
PER_ENTRY = max(3, TOTAL // len(ENTRY_POINTS))
TIMEOUT = float(os.environ.get("ODEKIT_FUZZ_TIMEOUT", "60"))
LONG = TOTAL > 150

settings.register_profile(
    "odekit-fuzz", max_examples=PER_ENTRY, deadline=None, derandomize=not LONG,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much], print_blob=True)

COUNTS = {"ok": 0, "refused": 0}


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
    print(f"\nfuzz: {COUNTS['ok']} results checked, {COUNTS['refused']} refusals "
          f"({PER_ENTRY} examples per entry point, {len(ENTRY_POINTS)} entry points)")


@pytest.mark.parametrize("ep", ENTRY_POINTS, ids=[e.id for e in ENTRY_POINTS])
@settings(settings.get_profile("odekit-fuzz"))
@given(data=st.data())
def test_entry_point(pool, ep, data):
    args, kwargs = data.draw(ep.strategy, label="args, kwargs")
    verdict, detail = pool.call(ep, args, kwargs)
    assert verdict in ("ok", "refused"), f"{ep.path}{args!r} {kwargs!r}:\n{detail}"
    COUNTS[verdict] += 1
