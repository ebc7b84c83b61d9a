"""Shared test set-up: a private kernel cache and a non-interactive matplotlib."""

import os
import tempfile

os.environ.setdefault("MPLBACKEND", "Agg")
if "ODEKIT_CACHE_DIR" not in os.environ:
    # keep the generated kernels of the test run together (and out of ~/.cache)
    os.environ["ODEKIT_CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "odekit-test-kernels")
