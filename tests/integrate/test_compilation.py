"""Parameters are data: nothing recompiles when values change; caches survive processes."""

import os
import subprocess
import sys
import textwrap

import numpy as np

import odekit
from odekit import _jit

from .problems import decay, oscillator


def test_no_recompile_when_values_change():
    odekit.solve_ivp(oscillator, (0.0, 1.0), [1.0, 0.0], params=[1.0])
    odekit.solve_ensemble(oscillator, (0.0, 1.0), [1.0, 0.0], params=[[1.0], [2.0]])
    before = _jit.compile_count()
    for p, y0, tol, span, method in [([2.0], [0.5, 0.1], 1e-9, (0.0, 3.0), "DOP853"),
                                     ([0.3], [1.5, -2.0], 1e-4, (2.0, -1.0), "RK45"),
                                     ([5.0], [0.0, 1.0], 1e-12, (0.0, 0.1), "DOP853")]:
        odekit.solve_ivp(oscillator, span, y0, params=p, rtol=tol, atol=tol, method=method)
        odekit.solve_ivp(oscillator, span, y0, params=p, method="RK4", step=0.01)
        odekit.solve_ivp(oscillator, span, y0, params=p, t_eval=np.linspace(*span, 5),
                         dense_output=True)
        odekit.solve_ensemble(oscillator, span, y0, params=np.array([p, p, p]), rtol=tol)
    assert _jit.compile_count() == before


def test_interactive_function_falls_back_to_memory():
    ns = {"np": np}
    exec("def f(t, y, p):\n    return -p[0] * y\n", ns)  # no source file: cannot cache
    res = odekit.solve_ivp(ns["f"], (0.0, 1.0), [1.0], params=[2.0], rtol=1e-10, atol=1e-12)
    assert abs(res.y[0, -1] - np.exp(-2.0)) < 1e-9


def test_closures_are_not_confused():
    def make(k):
        def f(t, y, p):
            return -k * y
        return f
    a = odekit.solve_ivp(make(1.0), (0.0, 1.0), [1.0], rtol=1e-10, atol=1e-12)
    b = odekit.solve_ivp(make(3.0), (0.0, 1.0), [1.0], rtol=1e-10, atol=1e-12)
    assert abs(a.y[0, -1] - np.exp(-1.0)) < 1e-9
    assert abs(b.y[0, -1] - np.exp(-3.0)) < 1e-9


def test_numba_function_accepted():
    import numba

    f = numba.njit(decay.__wrapped__ if hasattr(decay, "__wrapped__") else decay)
    res = odekit.solve_ivp(f, (0.0, 1.0), [1.0], params=[1.0], rtol=1e-10, atol=1e-12)
    assert abs(res.y[0, -1] - np.exp(-1.0)) < 1e-9


SCRIPT = textwrap.dedent("""
    import numpy as np, odekit
    from odekit import _jit
    def rhs(t, y, p):
        return np.array([y[1], -p[0] * y[0]])
    r = odekit.solve_ivp(rhs, (0.0, 1.0), [1.0, 0.0], params=[4.0])
    print("COMPILES", _jit.compile_count(), r.y[0, -1])
""")


def test_disk_cache_across_processes(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, ODEKIT_CACHE_DIR=str(tmp_path / "kernels"),
               NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    outs = []
    for _ in range(2):
        out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                             text=True, timeout=600, check=True).stdout
        outs.append(out.split("COMPILES")[1].split())
    assert int(outs[0][0]) > 0
    assert int(outs[1][0]) == 0  # everything loaded from disk
    assert outs[0][1] == outs[1][1]


def test_import_does_not_import_matplotlib():
    code = "import sys, odekit; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert out.strip() == "False"


TWIN = textwrap.dedent("""
    import numpy as np, odekit
    from tests.integrate.problems import vanderpol, height, falling
    r = odekit.solve_ivp(vanderpol, (0.0, 3.0), [2.0, 0.0], params=[1.0], rtol=1e-9,
                         atol=1e-11, t_eval=np.linspace(0, 3, 7))
    e = odekit.solve_ivp(falling, (0.0, 5.0), [10.0, 0.0], params=[9.81],
                         events=[odekit.Event(height, terminal=True)])
    m = odekit.solve_ensemble(vanderpol, (0.0, 3.0), [2.0, 0.0], params=[[1.0], [2.0]],
                              rtol=1e-9, atol=1e-11)
    np.save("{out}", np.concatenate([r.y.ravel(), e.y[:, -1], [e.t[-1]], m.y.ravel()]))
""")


def test_compiled_kernels_match_pure_python_twin(tmp_path):
    """Layer 7: the same driver source run as plain Python (ODEKIT_DISABLE_JIT=1)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    results = []
    for flag in ("0", "1"):
        out = tmp_path / f"twin{flag}.npy"
        code = TWIN.format(out=out)
        env = dict(os.environ, ODEKIT_DISABLE_JIT=flag, PYTHONPATH=root)
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=600,
                       cwd=root)
        results.append(np.load(out))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-13, atol=1e-14)


STAMP_SCRIPT = textwrap.dedent("""
    import sys
    from odekit import _jit
    if sys.argv[1] != "-":
        _jit._STAMP.append(sys.argv[1])  # as if odekit's source were another
    from odekit.geoprob import exact  # noqa: F401 (imports the package's kernels)
    from odekit.integrate import _kernels
    import numpy as np
    before = _jit.compile_count()
    assert _kernels.all_finite(np.ones(3), 3)
    print("COMPILES", _jit.compile_count() - before)
""")


def test_kernel_cache_is_keyed_on_the_whole_source(tmp_path):
    """A disk-cached kernel loads in a later process with the same odekit source, and
    recompiles when any of odekit's files differs (a callee in another module could have
    changed: Numba's own key sees only the function's file)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root, NUMBA_CACHE_DIR=str(tmp_path / "numba"))

    def run(stamp):
        out = subprocess.run([sys.executable, "-c", STAMP_SCRIPT, stamp], env=env,
                             check=True, capture_output=True, text=True, timeout=600,
                             cwd=root).stdout
        return int(out.split("COMPILES")[-1])

    assert run("-") >= 1  # an empty cache: compiled
    assert run("-") == 0  # the same source: loaded from the disk cache
    assert run("another source") >= 1  # another source: never the stale entry
    assert run("-") == 0  # and the first entry is still there
