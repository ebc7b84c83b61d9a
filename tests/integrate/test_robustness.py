"""Never a wrong answer, never a hang (issue 13): each row of the issue's table, and the
items found by reading the code. Cases that could hang run in a subprocess with a timeout."""

import importlib
import math
import multiprocessing
import os
import pathlib
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import odekit
from odekit import _jit
from odekit.integrate import _codegen

from .problems import decay, falling, oscillator

ROOT = pathlib.Path(__file__).resolve().parents[2]

# ------------------------------------------------------------------ stale global values
K = 1.0
TABLE = np.array([1.0])


def _k_decay(t, y, p):
    return np.array([-K * y[0]])


def _helper_scale(x):
    return TABLE[0] * x


_helper_scale_jit = _jit.jit(_helper_scale)


def _k_helper(t, y, p, dydt):
    dydt[0] = -_helper_scale_jit(y[0])


def _solve_end(f):
    return odekit.solve_ivp(f, (0.0, 1.0), [1.0], rtol=1e-10, atol=1e-12).y[0, -1]


def test_changed_global_number_is_used_in_process():
    global K
    try:
        K = 1.0
        assert _solve_end(_k_decay) == pytest.approx(math.exp(-1.0), rel=1e-8)
        K = 3.0
        assert _solve_end(_k_decay) == pytest.approx(math.exp(-3.0), rel=1e-8)
        K = 1.0  # and back: the first kernel again, still right
        assert _solve_end(_k_decay) == pytest.approx(math.exp(-1.0), rel=1e-8)
    finally:
        K = 1.0


def test_changed_global_array_read_by_a_helper_is_used():
    global TABLE
    try:
        TABLE = np.array([1.0])
        assert _solve_end(_k_helper) == pytest.approx(math.exp(-1.0), rel=1e-8)
        TABLE[0] = 2.0  # mutated in place: the bytes are part of the key
        assert _solve_end(_k_helper) == pytest.approx(math.exp(-2.0), rel=1e-8)
    finally:
        TABLE = np.array([1.0])


def test_global_of_unknown_kind_is_refused_with_params_hint():
    class Box:
        pass

    g = {"np": np, "BOX": Box()}
    exec("def f(t, y, p):\n    return np.array([BOX.v * y[0]])", g)
    with pytest.raises(TypeError, match="params"):
        odekit.solve_ivp(g["f"], (0.0, 1.0), [1.0])


SCRIPT_K = """
import sys
import numpy as np
import odekit
K = float(sys.argv[1])
def f(t, y, p):
    return np.array([-K * y[0]])
print(repr(float(odekit.solve_ivp(f, (0.0, 1.0), [1.0], rtol=1e-10, atol=1e-12).y[0, -1])))
"""


def _env(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["ODEKIT_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_changed_global_from_argv_across_processes(tmp_path):
    script = tmp_path / "k_script.py"
    script.write_text(SCRIPT_K)
    out = []
    for k in ("1.0", "2.0", "1.0"):
        r = subprocess.run([sys.executable, str(script), k], env=_env(tmp_path),
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        out.append(float(r.stdout.strip().splitlines()[-1]))
    assert out[0] == pytest.approx(math.exp(-1.0), rel=1e-8)
    assert out[1] == pytest.approx(math.exp(-2.0), rel=1e-8)
    assert out[2] == out[0]


# ------------------------------------------------------------------ no hang, ever
SCRIPT_HANG = """
import numpy as np
import odekit
def fast_decay(t, y, p):
    return np.array([-1e3 * y[0], 1.0])
# atol = 0 on a component that decays to exactly 0: pure relative control must finish
r = odekit.solve_ivp(fast_decay, (0.0, 2.0), [1.0, 1.0], atol=[0.0, 1e-9])
print("pure-relative", r.status, abs(r.y[1, -1] - 3.0) < 1e-6)
try:
    odekit.solve_ivp(fast_decay, (0.0, 2.0), [0.0, 1.0], atol=0.0)
except ValueError as e:
    print("refused", "atol" in str(e))
def nan_later(t, y, p):
    return np.array([np.nan if t > 0.5 else -y[0]])
try:
    odekit.solve_ivp(nan_later, (0.0, 1.0), [1.0], atol=0.0)
except odekit.IntegrationError as e:
    print("failed-loudly", e.t <= 0.5 + 1e-9)
"""


def test_no_hang_with_pure_relative_control(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(SCRIPT_HANG)
    r = subprocess.run([sys.executable, str(script)], env=_env(tmp_path), capture_output=True,
                       text=True, timeout=240, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    assert "pure-relative 0 True" in lines
    assert "refused True" in lines
    assert "failed-loudly True" in lines


def test_atol_zero_at_a_zero_component_is_refused():
    with pytest.raises(ValueError, match="atol is 0 .* y0 is 0"):
        odekit.solve_ivp(decay, (0.0, 1.0), [0.0, 1.0], params=[1.0], atol=0.0)
    with pytest.raises(ValueError, match="atol"):
        odekit.solve_ensemble(decay, (0.0, 1.0), [[0.0], [1.0]], params=[1.0], atol=0.0)


# ------------------------------------------------------------------ out-of-range indices
def _writes_past_the_state(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = -y[0]
    dydt[2] = 1.0


def _reads_past_the_state(t, y, p):
    return np.array([y[1], y[2]])


def test_reading_p_without_params_names_params():
    with pytest.raises(ValueError, match="params"):
        odekit.solve_ivp(decay, (0.0, 1.0), [1.0])
    with pytest.raises(ValueError, match="params"):
        odekit.solve_ensemble(decay, (0.0, 1.0), [1.0])


def test_writing_past_the_state_names_the_state_size():
    with pytest.raises(ValueError, match="state size 2"):
        odekit.solve_ivp(_writes_past_the_state, (0.0, 1.0), [1.0, 0.0])
    with pytest.raises(ValueError, match="state size 2"):
        odekit.solve_ivp(_reads_past_the_state, (0.0, 1.0), [1.0, 0.0])


def test_empty_t_eval_is_refused():
    with pytest.raises(ValueError, match="t_eval"):
        odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], t_eval=[])
    with pytest.raises(ValueError, match="t_eval"):
        odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], t_eval=[])


# ------------------------------------------------------------------ events inside a step
def _slow(t, y, p):
    return np.array([-0.01 * y[0]])


def _fast_event(t, y, p):
    return np.sin(10.0 * t)


def test_fast_event_on_slow_solution_finds_every_root():
    res = odekit.solve_ivp(_slow, (0.0, 100.0), [1.0], events=[_fast_event])
    exact = np.arange(1, 319) * np.pi / 10.0  # sin(10 t) = 0 in (0, 100]
    te = res.t_events[0]
    assert te.size == 318
    np.testing.assert_allclose(te, exact, rtol=0, atol=1e-10)
    up = odekit.solve_ivp(_slow, (0.0, 100.0), [1.0],
                          events=[odekit.Event(_fast_event, direction=1.0)])
    np.testing.assert_allclose(up.t_events[0], exact[1::2], rtol=0, atol=1e-10)


# ------------------------------------------------------------------ fork
def _child(q):
    res = odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0],
                                params=np.linspace(0.5, 1.5, 64)[:, None])
    q.put(float(res.y[-1, 0, -1]))


@pytest.mark.skipif(sys.platform == "win32", reason="no fork")
def test_ensemble_in_forked_child():
    saved = _jit.num_threads()
    import numba

    numba.set_num_threads(max(2, saved))
    try:
        odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0],
                              params=np.linspace(0.5, 1.5, 64)[:, None])  # the pool exists
        ctx = multiprocessing.get_context("fork")
        q = ctx.Queue()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
            proc = ctx.Process(target=_child, args=(q,))
            proc.start()
        proc.join(120)
        alive = proc.is_alive()
        if alive:
            proc.kill()
        assert not alive, "solve_ensemble hung in a forked child"
        assert proc.exitcode == 0
        assert q.get(timeout=5) == pytest.approx(math.cos(1.5), rel=1e-5)
    finally:
        numba.set_num_threads(saved)


# ------------------------------------------------------------------ the kernel cache
def test_cache_clear_deletes_only_odekit_files(tmp_path, monkeypatch, capsys):
    from odekit import cli

    d = tmp_path / "kc"
    (d / "__pycache__").mkdir(parents=True)
    pyc = d / "__pycache__"
    ours = [d / "_odekit_kernel_0123.py", pyc / "_odekit_kernel_0123.solve_one-9.py311.nbi",
            pyc / "_odekit_kernel_0123.solve_one-9.py311.1.nbc"]
    foreign = [d / "notes.txt", d / "__pycache__" / "other.solve-1.py311.nbi", d / "mine.py"]
    for f in ours + foreign:
        f.write_text("x")
    monkeypatch.setenv("ODEKIT_CACHE_DIR", str(d))
    assert cli.main(["cache", "--clear"]) == 0
    assert "cleared 3 files" in capsys.readouterr().out
    assert not any(f.exists() for f in ours)
    assert all(f.read_text() == "x" for f in foreign)


def test_shared_tmp_fallback_must_be_private(tmp_path, monkeypatch):
    monkeypatch.delenv("ODEKIT_CACHE_DIR", raising=False)
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the user cache cannot be made
    monkeypatch.setattr(_codegen.tempfile, "gettempdir", lambda: str(tmp_path))
    d = _codegen.kernel_cache_dir()
    assert d == str(tmp_path / f"odekit-kernels-{os.getuid()}")
    assert os.stat(d).st_mode & 0o777 == 0o700
    os.chmod(d, 0o777)  # opened to others (or planted by someone): not used
    assert _codegen.kernel_cache_dir() is None


def test_corrupt_cache_entry_is_recompiled(tmp_path, monkeypatch):
    mod = tmp_path / "odk_corrupt_mod.py"
    mod.write_text("def twice(x):\n    return 2.0 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("odk_corrupt_mod")
    assert _jit.jit(m.twice)(1.5) == 3.0  # compiled and saved to disk
    files = list((tmp_path / "__pycache__").glob("odk_corrupt_mod.twice-*.nb*"))
    assert files
    for f in files:
        f.write_bytes(f.read_bytes()[:10])  # truncated
    with pytest.warns(RuntimeWarning, match="unreadable"):
        assert _jit.jit(m.twice)(2.5) == 5.0
    assert _jit.jit(m.twice)(0.5) == 1.0  # and the rewritten entry loads cleanly


# ------------------------------------------------------------------ workqueue layer
SCRIPT_WQ = """
import threading
import numpy as np
from odekit._jit import jit, prange, parallel_serialised

@jit(parallel=True)
def work(out):
    for i in prange(out.shape[0]):
        acc = 0.0
        for j in range(2000):
            acc += np.sin(i + j)
        out[i] = acc

outs = [np.zeros(20000) for _ in range(4)]
work(np.zeros(10))
threads = [threading.Thread(target=lambda o=o: [work(o) for _ in range(5)]) for o in outs]
for th in threads: th.start()
for th in threads: th.join()
import numba
print(numba.threading_layer(), parallel_serialised(), all(np.array_equal(o, outs[0]) for o in outs))
"""


def test_workqueue_layer_is_serialised(tmp_path):
    script = tmp_path / "wq.py"
    script.write_text(SCRIPT_WQ)
    env = _env(tmp_path)
    env["NUMBA_THREADING_LAYER"] = "workqueue"
    env["NUMBA_NUM_THREADS"] = "2"
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["workqueue", "True", "True"]


# ------------------------------------------------------------------ the public surface
def test_star_import_and_help():
    code = textwrap.dedent("""
        import pydoc
        from odekit import *
        import odekit
        assert 'solve_ivp' in dir() and 'mathieu' in dir() and 'geoprob' in dir()
        text = pydoc.render_doc(odekit)
        print(sorted(odekit._SUBPACKAGES))
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    found = {p.name for p in (ROOT / "odekit").iterdir()
             if p.is_dir() and (p / "__init__.py").exists() and not p.name.startswith("_")}
    listed = set(eval(r.stdout.strip().splitlines()[-1]))
    assert found - {"integrate"} <= listed


# ------------------------------------------------------------------ SciPy-style events
def _ground(t, y, p):
    return y[0]


_ground.terminal = True
_ground.direction = -1


def test_scipy_event_attributes_are_honoured():
    res = odekit.solve_ivp(falling, (0.0, 10.0), [10.0, 0.0], params=[9.81], events=_ground)
    assert res.status == 1
    assert res.t[-1] == pytest.approx(math.sqrt(2 * 10 / 9.81), rel=1e-9)
    assert res.t_events[0].size == 1


def test_scipy_event_count_is_honoured_and_checked():
    """SciPy's terminal=n (stop at the n-th zero) is supported; a negative or fractional
    count is refused."""
    def g(t, y, p):
        return y[0]

    g.terminal = 3
    assert odekit.Event.from_function(g).terminal == 3
    g.terminal = -1
    with pytest.raises(ValueError, match="terminal"):
        odekit.solve_ivp(falling, (0.0, 1.0), [10.0, 0.0], params=[9.81], events=[g])


# ------------------------------------------------------------------ messages
def _undefined_name(t, y, p):
    return np.array([gg * y[0]])  # noqa: F821


def _plain_helper(x):
    return 2.0 * x


def _calls_plain_helper(t, y, p):
    return np.array([_plain_helper(y[0])])


def test_compile_failure_states_cause_and_fix():
    with pytest.raises(TypeError, match="NameError: name 'gg' is not defined.*Fix"):
        odekit.solve_ivp(_undefined_name, (0.0, 1.0), [1.0])
    with pytest.raises(TypeError, match="_plain_helper.*numba.njit"):
        odekit.solve_ivp(_calls_plain_helper, (0.0, 1.0), [1.0])


def _stiff(t, y, p):
    return np.array([-1000.0 * (y[0] - np.cos(t))])


def test_max_steps_names_stiffness():
    with pytest.raises(odekit.IntegrationError, match="looks stiff.*Radau"):
        odekit.solve_ivp(_stiff, (0.0, 10.0), [1.0], max_steps=300)
    with pytest.raises(odekit.IntegrationError) as info:  # not stiff: no such hint
        odekit.solve_ivp(oscillator, (0.0, 1000.0), [1.0, 0.0], params=[1.0],
                         max_steps=100)
    assert "stiff" not in str(info.value)


def test_rk4_honours_max_step_and_refuses_first_step():
    res = odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], method="RK4",
                           step=0.5, max_step=0.1)
    assert res.nsteps == 10
    np.testing.assert_allclose(np.diff(res.t), 0.1, rtol=1e-12)
    with pytest.raises(ValueError, match="first_step"):
        odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], method="RK4",
                         step=0.5, first_step=0.1)
    with pytest.raises(ValueError, match="max_steps"):  # found by the fuzzer: was OverflowError
        odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0], method="RK4",
                         step=0.5, max_step=1e-308)
