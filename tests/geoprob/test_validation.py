"""Input validation (hypothesis) and the progress bar."""

import io
import math
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odekit import _progress
from odekit.geoprob import (
    buffon,
    mean_distance,
    sector,
    sector_probability,
    sector_probability_exact,
    sector_probability_mc,
    sylvester,
    wendel,
)

FAST = settings(max_examples=40, deadline=None)


@FAST
@given(st.integers(max_value=0))
def test_n_below_one(n):
    with pytest.raises(ValueError, match="n"):
        sector_probability(n, 1.0)
    with pytest.raises(ValueError, match="n"):
        sector_probability_mc(n, 1.0, 10, seed=0)


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v != math.floor(v)))
def test_non_integer_n(n):
    with pytest.raises(ValueError, match="n"):
        sector_probability(n, 1.0)


@FAST
@given(st.one_of(st.floats(max_value=-1e-300), st.floats(min_value=2 * math.pi, exclude_min=True),
                 st.just(float("nan"))))
def test_theta_outside(theta):
    with pytest.raises(ValueError, match="theta"):
        sector_probability(3, theta)
    with pytest.raises(ValueError, match="theta"):
        sector_probability_mc(3, theta, 10, seed=0)


@FAST
@given(st.integers(max_value=0))
def test_samples_below_one(samples):
    with pytest.raises(ValueError, match="samples"):
        sector_probability_mc(3, 1.0, samples, seed=0)


@FAST
@given(st.integers(1, 60), st.floats(0, 2 * math.pi))
def test_valid_input_gives_probability(n, theta):
    p = sector_probability(n, theta)
    assert 0.0 <= p <= 1.0


def test_type_errors_name_argument():
    with pytest.raises(TypeError, match="n"):
        sector_probability("4", 1.0)
    with pytest.raises(TypeError, match="n"):
        sector_probability(True, 1.0)
    with pytest.raises(TypeError, match="theta"):
        sector_probability(4, "pi")
    with pytest.raises(TypeError, match="fraction"):
        sector_probability_exact(4, 0.5)
    with pytest.raises(ValueError, match="fraction"):
        sector_probability_exact(4, Fraction(3, 2))
    with pytest.raises(TypeError, match="seed"):
        sector_probability_mc(4, 1.0, 10, seed="x")
    with pytest.raises(TypeError, match="samples"):
        sector_probability_mc(4, 1.0, "10", seed=0)
    with pytest.raises(ValueError, match="samples"):
        sector_probability_mc(4, 1.0, float("nan"), seed=0)
    with pytest.raises(ValueError, match="method"):
        sector_probability_mc(4, 1.0, 10, seed=0, method="sobol")
    with pytest.raises(ValueError, match="sampler"):
        sector_probability_mc(4, 1.0, 10, seed=0, sampler="square")
    with pytest.raises(ValueError, match="confidence"):
        sector_probability_mc(4, 1.0, 10, seed=0, confidence=1.5)
    with pytest.raises(ValueError, match="scrambles"):
        sector(4, 1.0).estimate(64, seed=0, method="qmc", scrambles=1)
    with pytest.raises(ValueError, match="shape"):
        sylvester("hexagon")
    with pytest.raises(ValueError, match="shape"):
        mean_distance("cube")
    with pytest.raises(ValueError, match="length"):
        buffon(-1.0, 1.0)
    with pytest.raises(ValueError, match="spacing"):
        buffon(1.0, float("nan"))
    with pytest.raises(ValueError, match="d"):
        wendel(5, 0)
    with pytest.raises(ValueError, match="n"):
        wendel(100, 3)


# ---------------------------------------------------------------------------- progress
class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_silent_when_not_a_tty(capsys):
    sector_probability_mc(4, 1.0, 10_000, seed=0, progress=True)
    assert capsys.readouterr().err == ""


def test_progress_drawn_on_a_tty(monkeypatch):
    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    with _progress.progress_bar(10, progress=True, desc="demo") as bar:
        for _ in range(10):
            bar.update(1)
    out = fake.getvalue()
    assert "demo" in out and "100.0%" in out and out.endswith("\n")


def test_progress_auto_only_for_long_runs(monkeypatch):
    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    with _progress.progress_bar(10, progress=None) as bar:
        bar.update(10)  # finished at once: expected time ~0 s, never drawn
    assert fake.getvalue() == ""
    assert _progress.should_show(None, 100.0) is True
    assert _progress.should_show(None, 0.1) is False
    assert _progress.should_show(False, 100.0) is False
    with pytest.raises(TypeError, match="progress"):
        _progress.should_show("yes")


def test_numpy_integer_and_array_inputs():
    assert sector_probability(np.int64(4), np.float32(math.pi)) == pytest.approx(0.5, abs=1e-6)
    assert sector_probability(4.0, math.pi) == 0.5
    assert sector_probability_mc(np.int32(4), math.pi, np.int64(1000), seed=np.uint8(3)).samples \
        == 1000
