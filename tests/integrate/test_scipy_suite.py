"""SciPy's own ``solve_ivp`` tests, run against odekit.

SciPy ships its test module in the wheel (``scipy/integrate/_ivp/tests/test_ivp.py``). It
is loaded here as a fresh module whose global ``solve_ivp`` is the adapter of
:mod:`tests.integrate.scipy_adapter` (SciPy's calling convention mapped onto
:func:`odekit.solve_ivp`, nothing test-specific), and each of its test functions is
collected under its own name.

* Tests about methods odekit does not have (Radau, BDF, LSODA, RK23 while odekit has no
  BS3) or about SciPy's internal classes (``OdeSolver`` subclasses, ``OdeSolution``,
  ``ConstantDenseOutput``, ``num_jac``, ``select_initial_step``) are skipped, each with
  its reason (:data:`NOT_APPLICABLE`); so is a parametrisation whose ``method`` odekit
  lacks.
* Inside an applicable test, a call with a method odekit lacks goes to SciPy itself (the
  loops over SciPy's methods run through); a test that sends no call to odekit fails, so
  a test cannot pass on SciPy's merit alone.
* A test function Numba cannot compile is skipped with Numba's reason.
* Each deliberate difference is ``xfail(strict=True)`` with its reason
  (:data:`DIFFERENCES`, documented in ``docs/scipy_compat.rst``); everything else passes.
"""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import sys
import warnings

import pytest
import scipy

from . import scipy_adapter as adapter

_PATH = pathlib.Path(scipy.__file__).parent / "integrate" / "_ivp" / "tests" / "test_ivp.py"

_CLASSES = "SciPy's internal solver classes (OdeSolver subclasses and their step())"
NOT_APPLICABLE = {
    "test_integration_sparse_difference": "only BDF and Radau (implicit methods odekit lacks)",
    "test_integration_const_jac": "only Radau and BDF (implicit methods odekit lacks)",
    "test_integration_stiff": "only Radau, BDF and LSODA (stiff methods odekit lacks)",
    "test_event_dense_output_LSODA": "only LSODA, which odekit lacks",
    "test_no_integration_class": _CLASSES,
    "test_ConstantDenseOutput": "SciPy's internal class ConstantDenseOutput",
    "test_classes": _CLASSES,
    "test_OdeSolution": "SciPy's internal class OdeSolution",
    "test_num_jac": "SciPy's internal finite-difference Jacobian num_jac",
    "test_num_jac_sparse": "SciPy's internal finite-difference Jacobian num_jac",
    "test_inital_maxstep": "SciPy's internal select_initial_step",
    "test_args": "calls solve_ivp with method='Radau' only (an implicit method odekit lacks)",
}

#: deliberate differences (documented in docs/scipy_compat.rst): xfail(strict=True)
DIFFERENCES = {
    "test_t_eval_early_event": (
        "odekit returns empty arrays t (0,) and y (n, 0) when a terminal event comes before "
        "the first t_eval point; SciPy returns empty lists, and the test's `not res.t` is "
        "an error for an empty NumPy array"),
}

def _load():
    spec = importlib.util.spec_from_file_location("odekit_scipy_test_ivp", _PATH)
    mod = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        spec.loader.exec_module(mod)
    mod.solve_ivp = adapter.solve_ivp  # the one substitution
    return mod


_SCIPY = _load()
_KEEP_MARKS = ("parametrize", "slow")


@pytest.fixture
def num_parallel_threads():
    """SciPy's fixture from pytest-run-parallel: this suite runs single-threaded."""
    return 1


def _collect(name, fn):
    @functools.wraps(fn)
    def test(*args, **kwargs):
        method = kwargs.get("method")
        if method is not None and adapter.odekit_method(method) is None:
            pytest.skip(f"about {getattr(method, '__name__', method)}, a method odekit "
                        "does not have")
        adapter.reset()
        try:
            fn(*args, **kwargs)
        except adapter.NotCompilable as exc:
            pytest.skip(str(exc))
        except adapter.NotMappable as exc:
            pytest.skip(f"cannot be mapped onto odekit: {exc}")
        assert adapter.CALLS["odekit"] > 0, (
            "this test sent no call to odekit: list it in NOT_APPLICABLE")

    marks = [m for m in getattr(fn, "pytestmark", []) if m.name in _KEEP_MARKS]
    if name in NOT_APPLICABLE:
        marks.append(pytest.mark.skip(reason=f"not applicable: {NOT_APPLICABLE[name]}"))
    elif name in DIFFERENCES:
        marks.append(pytest.mark.xfail(strict=True, reason=DIFFERENCES[name]))
    test.pytestmark = marks
    test.__module__ = __name__
    return test


for _name, _fn in list(vars(_SCIPY).items()):
    if _name.startswith("test_") and callable(_fn):
        setattr(sys.modules[__name__], _name, _collect(_name, _fn))
del _name, _fn
