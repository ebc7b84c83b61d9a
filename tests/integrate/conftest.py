"""Markers used by SciPy's test module, which ``test_scipy_suite.py`` loads (registered
so that ``--strict-markers`` accepts them; the suite drops them from the tests it collects)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "thread_unsafe: SciPy's marker (pytest-run-parallel)")
    config.addinivalue_line("markers", "fail_slow: SciPy's marker (pytest-fail-slow)")
