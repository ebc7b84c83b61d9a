"""The in-place twins of right-hand sides written as ``return np.array([...])``."""

import math

import numpy as np
import numpy as numpy_alias
import pytest

import odekit
from odekit.integrate._rewrite import inplace_twin


def lorenz(t, y, p):
    s, r, b = p[0], p[1], p[2]
    dx = s * (y[1] - y[0])
    return np.array([dx, y[0] * (r - y[2]) - y[1], y[0] * y[1] - b * y[2]])


def lorenz_inplace(t, y, p, out):
    s, r, b = p[0], p[1], p[2]
    out[0] = s * (y[1] - y[0])
    out[1] = y[0] * (r - y[2]) - y[1]
    out[2] = y[0] * y[1] - b * y[2]


def tuple_alias(t, y, p):
    return numpy_alias.array((y[1], -math.sin(y[0])))


def two_returns(t, y, p):
    if t > 1.0:
        return np.array([y[1], -y[0]])
    return np.array([y[1], y[0]])


def comprehension(t, y, p):
    return np.array([-v for v in y])


def with_dtype(t, y, p):
    return np.array([y[1], -y[0]], dtype=np.float64)


def not_numpy(t, y, p):
    return array([y[1], -y[0]])  # noqa: F821 - never called


def shadowing(t, y, p):
    _odekit_out = y[0]
    return np.array([y[1], -_odekit_out])


def nested_return(t, y, p):
    def inner():
        return 1.0
    return np.array([y[1], -inner() * y[0]])


def test_twin_computes_the_same_numbers():
    twin = inplace_twin(lorenz, 3)
    assert twin is not None
    rng = np.random.default_rng(1)
    for _ in range(20):
        y, p = rng.normal(size=3), rng.uniform(1, 30, size=3)
        out = np.full(3, np.nan)
        assert twin(0.3, y, p, out) is None
        np.testing.assert_array_equal(out, lorenz(0.3, y, p))
    out = np.empty(2)
    inplace_twin(tuple_alias, 2)(0.0, np.array([0.5, 2.0]), np.empty(0), out)
    np.testing.assert_array_equal(out, [2.0, -math.sin(0.5)])
    assert inplace_twin(nested_return, 2) is not None


@pytest.mark.parametrize("fun, n", [(lorenz, 2), (two_returns, 2), (comprehension, 2),
                                    (with_dtype, 2), (not_numpy, 2), (shadowing, 2),
                                    (lorenz_inplace, 3), (print, 2)])
def test_no_twin_unless_the_pattern_is_exact(fun, n):
    assert inplace_twin(fun, n) is None


def test_no_twin_for_closures():
    k = 2.0

    def closure(t, y, p):
        return np.array([y[1], -k * y[0]])

    assert inplace_twin(closure, 2) is None


def test_returning_form_solves_exactly_like_the_in_place_form():
    kw = dict(params=[10.0, 28.0, 8.0 / 3.0], rtol=1e-10, atol=1e-12)
    a = odekit.solve_ivp(lorenz, (0.0, 2.0), [1.0, 1.0, 1.0], **kw)
    b = odekit.solve_ivp(lorenz_inplace, (0.0, 2.0), [1.0, 1.0, 1.0], **kw)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.y, b.y)
    e = odekit.solve_ensemble(lorenz, (0.0, 1.0), np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]),
                              **kw)
    f = odekit.solve_ensemble(lorenz_inplace, (0.0, 1.0),
                              np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]), **kw)
    np.testing.assert_array_equal(e.y, f.y)


def test_no_twin_when_the_file_changed_after_import(tmp_path, monkeypatch):
    import importlib
    import linecache

    path = tmp_path / "edited_rhs.py"
    head = "import numpy as np\n\n\ndef f(t, y, p):\n"
    path.write_text(head + "    return np.array([y[1], -y[0]])\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    mod = importlib.import_module("edited_rhs")
    assert inplace_twin(mod.f, 2) is not None
    path.write_text(head + "    return np.array([y[1], -2.0 * y[0]])\n")
    linecache.checkcache()
    assert inplace_twin(mod.f, 2) is None  # the source no longer matches the loaded code
