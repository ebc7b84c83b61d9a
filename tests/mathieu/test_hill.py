"""The Floquet trace from Hill's determinant (odekit.mathieu.determinant) and its users.

References: 30-digit mpmath ODE integrations (hill_references.json, made by
make_hill_references.py), closed forms at q = 0, and odekit's own integration path.
"""

import json
import math
import pathlib

import numpy as np
import pytest

from odekit._jit import compile_count
from odekit.mathieu import characteristic_exponent, is_stable, stability_chart
from odekit.mathieu.chart import _half_period_trace
from odekit.mathieu.determinant import (
    A_MAX,
    Q_MAX,
    hill_factors,
    hill_odd_factors,
    hill_trace,
    hill_trace_grid,
    truncation_order,
)

REFS = json.loads(pathlib.Path(__file__).with_name("hill_references.json").read_text())["points"]
# near the curves a_0, a_2 at large q in the window: hard points for the even form
HARD = {("1.3813813813813818", "19.73973973973974"), ("1.881881881881882", "19.15915915915916"),
        ("-3.798798798798799", "11.31131131131131"), ("1.556556556556557", "19.53953953953954")}


def _window(a, q):
    return -5 <= a <= 20 and 0 <= q <= 20


def test_trace_against_mpmath_ode():
    worst_in = worst_out = 0.0
    for r in REFS:
        a, q, ref = float(r["a"]), float(r["q"]), float(r["trace"])
        got = float(hill_trace(a, q))
        err = abs(got - ref) / max(1.0, abs(ref))
        if _window(a, q):
            worst_in = max(worst_in, err)
        else:
            worst_out = max(worst_out, err)
    assert worst_in <= 1e-12, worst_in
    assert worst_out <= 1e-11, worst_out


def test_large_q_against_mpmath_ode():
    # q up to 2000, including the points where the recurrences in double lost up to 2.5e-11
    # (the strongly coupled rows now run in double-double): the bound is 1e-11
    big = [r for r in REFS if float(r["q"]) > 500]
    assert len(big) >= 8
    a = np.array([float(r["a"]) for r in big])
    q = np.array([float(r["q"]) for r in big])
    ref = np.array([float(r["trace"]) for r in big])
    for got in (hill_trace(a, q),
                np.array([hill_trace_grid(a[i:i + 1], q[i:i + 1])[0, 0] for i in range(a.size)])):
        err = np.abs(got - ref) / np.maximum(1.0, np.abs(ref))
        assert err.max() <= 1e-11, err.max()


def test_large_q_grid_matches_points():
    # a 200 x 200 chart up to q = 2000 (one truncation order for the whole grid, the
    # double-double rows chosen per grid row) against the point kernel (each point its own)
    a = np.linspace(-100, 600, 200)
    q = np.linspace(0, 2000, 200)
    grid = hill_trace_grid(a, q)
    A, Q = np.meshgrid(a, q)
    pts = hill_trace(A, Q)
    err = np.abs(grid - pts) / np.maximum(1.0, np.abs(pts))
    assert err.max() <= 1e-12, err.max()


def test_factor_identities_against_mpmath():
    # F_e = (2/pi) w_I'(pi/2), F_o = (2/pi) w_II(pi/2)
    for r in REFS:
        a, q = float(r["a"]), float(r["q"])
        fe, fo = hill_factors(a, q)
        dwI, wII = float(r["dwI"]), float(r["wII"])
        scale_e = max(1.0, abs(dwI))
        scale_o = max(1.0, abs(wII))
        assert abs(fe * math.pi / 2 - dwI) <= 1e-12 * scale_e, (a, q)
        assert abs(fo * math.pi / 2 - wII) <= 1e-12 * scale_o, (a, q)


def test_odd_factor_identities_against_mpmath():
    # G_+ = w_I(pi/2), G_- = w_II'(pi/2); and both forms of the trace agree
    for r in REFS:
        a, q = float(r["a"]), float(r["q"])
        gp, gm = hill_odd_factors(a, q)
        wI, dwII = float(r["wI"]), float(r["dwII"])
        assert abs(gp - wI) <= 1e-12 * max(1.0, abs(wI)), (a, q)
        assert abs(gm - dwII) <= 1e-12 * max(1.0, abs(dwII)), (a, q)


def test_near_the_zeros_of_one_form():
    # where F_e or F_o ~ 0 (near a_0, a_2, b_2 at large q) the even form alone loses ~1e-12;
    # the blend of both forms stays inside the 1e-12 budget (reference points listed last)
    worst = 0.0
    hard = [r for r in REFS if (r["a"], r["q"]) in HARD]
    assert len(hard) == 4
    for r in hard:
        a, q, ref = float(r["a"]), float(r["q"]), float(r["trace"])
        fe, fo = hill_factors(a, q)
        assert min(abs(fe), abs(fo)) < 0.1      # hard points for the even form
        worst = max(worst, abs(float(hill_trace(a, q)) - ref) / max(1.0, abs(ref)))
    assert worst <= 8e-13, worst


def test_q_zero_closed_form_including_poles():
    n = np.arange(0, 8)
    a = np.concatenate([np.linspace(-5, 20, 101), 4.0 * n**2, 4.0 * n**2 + 1e-14,
                        4.0 * n**2 - 1e-14, [-100.0, -37.5, 150.0]])
    got = hill_trace(a, 0.0)
    s = np.sqrt(np.abs(a))
    expect = np.where(a >= 0, 2 * np.cos(np.pi * s), 2 * np.cosh(np.pi * s))
    err = np.abs(got - expect) / np.maximum(1, np.abs(expect))
    assert err.max() <= 1e-13


def test_poles_are_regular():
    # a = 4 n^2 are poles of W&W's form only; the trace is smooth through them
    for n in range(1, 5):
        a0 = 4.0 * n * n
        for q in (0.3, 2.0, 11.0):
            tr = hill_trace(np.array([a0 - 1e-14, a0, a0 + 1e-14]), q)
            assert np.all(np.isfinite(tr))
            assert np.ptp(tr) <= 1e-12 * max(1.0, abs(tr[1]))
            ref = _half_period_trace(np.array([a0]), np.array([q]), 1e-13, 1e-15)[0]
            assert abs(tr[1] - ref) <= 2e-11 * max(1.0, abs(ref))


def test_against_integration_scattered():
    rng = np.random.default_rng(14)
    a = rng.uniform(-5, 20, 2000)
    q = rng.uniform(0, 20, 2000)
    ref = _half_period_trace(a, q, 1e-13, 1e-15)
    got = hill_trace(a, q)
    err = np.abs(got - ref) / np.maximum(1, np.abs(ref))
    # the integration itself is good to a few 1e-12 at rtol 1e-13 (mpmath checks Hill tighter)
    assert err.max() <= 2e-11, err.max()
    assert np.median(err) <= 1e-12


def test_against_integration_large_q():
    rng = np.random.default_rng(2000)
    q = rng.uniform(20, 2000, 60)
    a = rng.uniform(-50, 600, 60)
    ref = _half_period_trace(a, q, 1e-13, 1e-15)
    got = hill_trace(a, q)
    err = np.abs(got - ref) / np.maximum(1, np.abs(ref))
    assert err.max() <= 1e-10, err.max()


def test_negative_q_and_symmetry():
    a = np.linspace(-5, 20, 37)
    np.testing.assert_array_equal(hill_trace(a, -3.3), hill_trace(a, 3.3))


def test_grid_kernel_matches_point_kernel():
    a = np.linspace(-5, 20, 57)
    q = np.linspace(0, 20, 23)
    grid = hill_trace_grid(a, q)
    A, Q = np.meshgrid(a, q)
    pts = hill_trace(A, Q)
    # the grid uses one truncation order for all points, the points their own
    np.testing.assert_allclose(grid, pts, rtol=0,
                               atol=2e-13 * np.maximum(1, np.abs(pts)).max())


def test_truncation_order_grows_and_range_errors():
    _, m_small = truncation_order(5.0, 1.0)
    _, m_win = truncation_order(20.0, 20.0)
    _, m_big = truncation_order(20.0, 2000.0)
    assert 0 < m_small <= m_win <= 20 < m_big
    assert truncation_order(2 * A_MAX, 1.0)[0] == -1
    with pytest.raises(ValueError, match="method='integrate'"):
        hill_trace(2 * A_MAX, 1.0)
    with pytest.raises(ValueError, match="method='integrate'"):
        stability_chart([0.0, 1.0], [0.0, 2 * Q_MAX])
    # the integration path still takes it
    ch = stability_chart([1.0], [2 * Q_MAX], method="integrate", rtol=1e-8, atol=1e-10)
    assert ch.trace.shape == (1, 1)


def test_verdict_matches_integration_on_a_grid():
    a = np.linspace(-5, 20, 101)
    q = np.linspace(0, 20, 81)
    h = stability_chart(a, q)
    i = stability_chart(a, q, method="integrate", rtol=1e-12, atol=1e-14)
    differ = h.stable != i.stable
    assert np.all(np.abs(np.abs(i.trace[differ]) - 2) < 1e-9)
    assert np.all(np.abs(h.trace - i.trace) <= 1e-9 * np.maximum(1, np.abs(i.trace)))


def test_damping_against_integration_path():
    a = np.linspace(-2, 12, 29)
    q = np.linspace(0, 8, 9)
    for gam in (0.05, 0.4):
        h = stability_chart(a, q, damping=gam)
        i = stability_chart(a, q, damping=gam, method="integrate", rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h.trace, i.trace, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(h.growth_rate, i.growth_rate, rtol=0, atol=1e-8)
        # verdicts may differ only on the boundary (q = 0, a = 0 is exactly marginal:
        # rho = exp(gamma pi) undamped, growth rate 0 after damping)
        differ = h.stable != i.stable
        assert np.all(np.abs(i.growth_rate[differ]) < 1e-9)


def test_is_stable_broadcast_and_scalar():
    assert is_stable(2.0, 0.5) is True
    assert is_stable(1.1, 0.5) is False
    assert is_stable(1.0, 0.1) is False
    assert is_stable(1.0, 0.1, damping=0.2) is True
    a = np.linspace(-2.1, 9.9, 13)       # no a = n^2 at q = 0 (marginal, |trace| = 2)
    q = np.array([[0.0], [1.5], [4.0]])
    got = is_stable(a, q)
    assert got.shape == (3, 13) and got.dtype == bool
    ch = stability_chart(a, q.ravel())
    np.testing.assert_array_equal(got, ch.stable)
    np.testing.assert_array_equal(is_stable(a, q, method="integrate"), got)
    with pytest.raises(ValueError, match="method"):
        is_stable(1.0, 1.0, method="fast")
    with pytest.raises(ValueError, match="damping"):
        is_stable(1.0, 1.0, damping=-0.1)
    with pytest.raises(ValueError, match="finite"):
        is_stable(np.nan, 1.0)


def test_characteristic_exponent_uses_hill_and_falls_back():
    # inside the tables: Hill (agrees with the integration path far below its 1e-11)
    a, q = np.array([0.3, 2.0, 7.5]), np.array([0.4, 1.0, 3.0])
    nu = characteristic_exponent(a, q)
    c_int = 0.5 * _half_period_trace(a, q, 1e-13, 1e-15)
    np.testing.assert_allclose(np.cos(np.pi * nu).real, c_int, rtol=1e-11, atol=1e-11)
    # beyond the tables: the integration path (finite, stable band interior is real)
    nu_far = characteristic_exponent(2 * A_MAX + 0.3, 0.5)
    assert np.isfinite(nu_far.real)


def test_no_recompile_for_new_values():
    hill_trace(1.0, 1.0)
    hill_trace_grid(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    before = compile_count()
    hill_trace(np.array([3.0, -1.0]), np.array([7.0, 0.5]))
    hill_trace_grid(np.linspace(-3, 9, 11), np.linspace(0, 5, 3))
    stability_chart(np.linspace(-1, 5, 7), np.linspace(0, 3, 4), damping=0.1)
    assert compile_count() == before


def test_exponent_from_factors_against_mpmath():
    # nu from sin^2(pi nu / 2) = -w_I'(pi/2) w_II(pi/2): every branch, against 30 digits
    import cmath

    for r in REFS:
        a, q = float(r["a"]), float(r["q"])
        s2_ref = -float(r["dwI"]) * float(r["wII"])
        c_ref = 1 - 2 * s2_ref
        nu = characteristic_exponent(a, q)
        c = cmath.cos(math.pi * nu).real
        assert abs(c - c_ref) <= 1e-12 * max(1.0, abs(c_ref)), (a, q)
        if nu.imag == 0 and 0 < nu.real and s2_ref < 0.01:
            # relative accuracy of small nu: sin(pi nu / 2)^2 against the reference
            assert abs(math.sin(math.pi * nu.real / 2) ** 2 - s2_ref) <= 1e-13 * s2_ref + 1e-300


def test_blocked_grid_with_progress_matches(monkeypatch):
    import odekit.mathieu.determinant as det

    a = np.linspace(-5, 20, 41)
    q = np.linspace(0, 20, 17)
    whole = det.hill_trace_grid(a, q)
    monkeypatch.setattr(det, "_BLOCK_WORK", 500.0)
    blocked = det.hill_trace_grid(a, q, progress=False)
    np.testing.assert_array_equal(blocked, whole)


def test_non_finite_input_is_refused():
    with pytest.raises(ValueError, match="finite"):
        hill_trace(np.nan, 1.0)
    with pytest.raises(ValueError, match="finite"):
        hill_trace_grid(np.array([0.0, np.inf]), np.array([1.0]))


def test_q_parts_of_the_tails_are_small_in_every_region():
    # the grid kernel takes exp of the q-dependent part of each tail log by a Taylor series
    # valid for |u| <= 0.06; check that bound at the corners of every table's region
    from odekit.mathieu import _hill_tables as tab

    for m in tab.M_LIST:
        for C in (tab.C, tab.CH):
            c0 = np.array(C[m])          # [k][j]
            c1 = np.array(C[m + 1])
            Q = 16 * tab.ETA_MAX * m**4
            for x in (tab.XI_MAX * m * m, -tab.XI_MAX * m * m):
                xp = x ** np.arange(c0.shape[0])
                qp = Q ** np.arange(c0.shape[1])
                g0 = xp @ c0[:, 1:] @ qp[1:]
                g1 = xp @ c1[:, 1:] @ qp[1:]
                assert abs(g0) < 0.06 and abs(g1 - g0) < 0.06, (m, x, g0, g1)


def test_double_double_primitives_against_fractions():
    from fractions import Fraction

    from odekit.mathieu import _dd

    rng = np.random.default_rng(5)
    for _ in range(200):
        x, y = rng.standard_normal(2) * 10.0 ** rng.integers(-8, 9, 2)
        p, e = _dd.two_prod(x, y)
        assert Fraction(p) + Fraction(e) == Fraction(x) * Fraction(y)
        s, e = _dd.two_sum(x, y)
        assert Fraction(s) + Fraction(e) == Fraction(x) + Fraction(y)
        xl, yl = x * 1e-17 * rng.uniform(-1, 1), y * 1e-17 * rng.uniform(-1, 1)
        exact = (Fraction(x) + Fraction(xl)) * (Fraction(y) + Fraction(yl))
        h, lo = _dd.mul(x, xl, y, yl)
        assert abs(Fraction(h) + Fraction(lo) - exact) <= abs(exact) * Fraction(1, 10**30)
        exact = Fraction(x) + Fraction(xl) - Fraction(y) - Fraction(yl)
        h, lo = _dd.add(x, xl, -y, -yl)
        assert abs(Fraction(h) + Fraction(lo) - exact) <= abs(exact) * Fraction(1, 10**30) + \
            (abs(Fraction(x)) + abs(Fraction(y))) * Fraction(1, 10**32)
