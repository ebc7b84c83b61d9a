"""The vectorisable exponential of the 2-D point-set kernel against mpmath and libm."""

import math
import os
import subprocess
import sys

import mpmath
import numpy as np
import pytest

from odekit._jit import jit
from odekit.characteristics._kernels import SCRATCH, as_array, stack_buffer, vexp, vexp_weight


@jit(cache=False)  # compiled per run: a cache would not see changes to vexp
def vexp_array(x, out):
    for i in range(x.shape[0]):
        out[i] = vexp(x[i])


@jit(cache=False)  # compiled per run: a cache would not see changes to vexp
def vexp_weight_array(x, out):
    for i in range(x.shape[0]):
        out[i] = vexp_weight(x[i])


@jit(cache=False)  # compiled per run: a cache would not see changes to vexp
def through_stack_buffer(x, out):
    """Blocks of SCRATCH values through the stack buffer, as the kernel uses it."""
    buf = as_array(stack_buffer(), (SCRATCH,))
    i = 0
    while i < x.shape[0]:
        nb = min(SCRATCH, x.shape[0] - i)
        for j in range(nb):
            buf[j] = vexp(x[i + j])
        for j in range(nb):
            out[i + j] = buf[j]
        i += nb


def run(x):
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(x)
    vexp_array(x, out)
    return out


def ulp_errors(x, y):
    """|y - exp(x)| in units of the last place of exp(x) (exact, by mpmath)."""
    errs = np.empty(x.size)
    with mpmath.workdps(60):
        for i, (xi, yi) in enumerate(zip(x, y)):
            ex = mpmath.exp(mpmath.mpf(float(xi)))
            ulp = np.spacing(float(ex)) if float(ex) > 0 else 2.0 ** -1074
            ulp = max(ulp, 2.0 ** -1074)  # subnormal results: the smallest step
            errs[i] = float(abs(mpmath.mpf(float(yi)) - ex) / mpmath.mpf(ulp))
    return errs


def test_within_one_ulp_of_the_exact_value():
    rng = np.random.default_rng(0)
    x = np.concatenate([
        rng.uniform(-60.0, 0.0, 1500),          # what the kernel uses
        rng.uniform(-745.1, 709.7, 1500),       # the whole range, subnormal results too
        rng.uniform(-1e-3, 1e-3, 200),
        np.log(2.0) * (np.arange(-20, 21) + 0.5),  # the ends of the reduced range
        [-708.0, -708.5, -744.0, 709.0, 709.78, 1e-300, -1e-300]])
    err = ulp_errors(x, run(x))
    assert err.max() <= 1.0, (err.max(), x[np.argmax(err)])


def test_weight_exp_within_one_ulp_on_its_domain():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.uniform(-61.0, 0.0, 2500), rng.uniform(-708.0, 0.0, 500),
                        np.log(2.0) * (-np.arange(0, 88) - 0.5), [0.0, -61.0, -708.0]])
    out = np.empty_like(x)
    vexp_weight_array(x, out)
    err = ulp_errors(x, out)
    assert err.max() <= 1.0, (err.max(), x[np.argmax(err)])
    assert out[-3] == 1.0


def test_agrees_with_libm():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-60.0, 0.0, 50_000), rng.uniform(-745.0, 709.0, 50_000)])
    ref = np.array([math.exp(v) for v in x])
    got = run(x)
    ulp = np.maximum(np.spacing(ref), 2.0 ** -1074)
    assert np.max(np.abs(got - ref) / ulp) <= 1.0
    # most values are the correctly rounded ones
    assert np.mean(got == ref) > 0.9


@pytest.mark.parametrize("x, expected", [
    (0.0, 1.0), (-0.0, 1.0), (np.inf, np.inf), (-np.inf, 0.0), (800.0, np.inf),
    (709.79, np.inf), (-800.0, 0.0), (-745.14, 0.0), (-745.13, math.exp(-745.13)),
    (-740.0, math.exp(-740.0)), (709.78, math.exp(709.78)), (1.0, math.e)])
def test_special_values(x, expected):
    got = run([x])[0]
    if np.isfinite(expected) and expected > 0:
        assert abs(got - expected) <= np.spacing(expected)
    else:
        assert got == expected


def test_nan_propagates():
    out = run([np.nan, 0.0, -np.nan])
    assert np.isnan(out[0]) and np.isnan(out[2]) and out[1] == 1.0


def test_stack_buffer_blocks():
    x = np.linspace(-50.0, 5.0, 3 * SCRATCH + 7)
    out = np.empty_like(x)
    through_stack_buffer(x, out)
    np.testing.assert_array_equal(out, run(x))


TWIN = """
import numpy as np
from odekit.characteristics import EmpiricalData, GaussianPath, MarginalField
rng = np.random.default_rng(3)
pts = rng.normal(size=(150, 2))
f = MarginalField(GaussianPath.variance_preserving(), EmpiricalData(pts))
X = np.concatenate([rng.normal(size=(4, 2)), pts[:2] + 1e-3, [[50.0, 50.0]]])
out = []
for t in (0.9, 0.05, 1e-3):
    ev = f.evaluate(t, X, score=True)
    out.append(np.column_stack([ev["velocity"], ev["score"], ev["divergence"],
                                ev["log_density"]]))
np.save({out!r}, np.stack(out))
"""


def test_2d_kernel_matches_its_pure_python_twin(tmp_path):
    """The block-wise 2-D kernel, stack buffer and vexp run as plain Python
    (ODEKIT_DISABLE_JIT=1): the same numbers."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    results = []
    for flag in ("0", "1"):
        out = tmp_path / f"twin{flag}.npy"
        env = dict(os.environ, ODEKIT_DISABLE_JIT=flag, PYTHONPATH=root)
        subprocess.run([sys.executable, "-c", TWIN.format(out=str(out))], env=env, check=True,
                       timeout=600, cwd=root)
        results.append(np.load(out))
    assert np.all(np.isfinite(results[0]))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-13, atol=0.0)
