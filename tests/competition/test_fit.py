"""Fitting: recovery of known parameters, the logistic closed form, Gause vs gauseR, the
bootstrap's determinism, bad input."""

import numpy as np
import pytest

from odekit.competition import Outcome, TwoSpecies, fit
from odekit.competition.datasets import gause_1934, gause_1934_counts

TRUE = TwoSpecies(1.2, 200.0, 0.004, 0.7, 150.0, 0.003)  # coexistence
T = np.arange(0.0, 30.0)


def synthetic(noise, seed=3):
    x = TRUE.simulate([2.0, 3.0], (0.0, T[-1]), t_eval=T, rtol=1e-12, atol=1e-14).y.T
    rng = np.random.default_rng(seed)
    return x * (1.0 + noise * rng.standard_normal(x.shape))


def test_recovers_exact_parameters_without_noise():
    f = fit(T, synthetic(0.0), starts=3, seed=1)
    np.testing.assert_allclose(list(f.params.values()), list(TRUE.values) + [2.0, 3.0],
                               rtol=1e-5)
    assert f.residual_standard_error < 1e-5 and f.success


def test_recovers_parameters_from_noisy_data_within_their_errors():
    f = fit(T, synthetic(0.03), starts=4, seed=0)
    for name, true in zip(TRUE.names, TRUE.values):
        est, se = f.params[name], f.stderr[name]
        assert abs(est - true) < 4 * se + 1e-12, (name, est, true, se)
    # a mixture alone pins down the equilibrium far better than N2 and a2 separately
    eq = [e.x for e in f.model.equilibria() if e.support == (0, 1)][0]
    true_eq = [e.x for e in TRUE.equilibria() if e.support == (0, 1)][0]
    np.testing.assert_allclose(eq, true_eq, rtol=0.05)
    for name in ("r1", "r2", "N1"):
        assert abs(f.params[name] - TRUE.as_dict()[name]) < 0.3 * TRUE.as_dict()[name]
    assert f.outcome() is Outcome.COEXISTENCE
    assert f.dof == 60 - 8
    # the predicted curves go through the data (relative RMS near the 3 % noise)
    rel = f.residuals / np.maximum(f.predict(T), 1.0)
    assert 0.01 < np.sqrt(np.mean(rel[5:] ** 2)) < 0.06


def test_logistic_matches_closed_form():
    t = np.linspace(0.0, 15.0, 16)
    r, N, x0 = 0.9, 250.0, 3.0
    x = N / (1 + (N / x0 - 1) * np.exp(-r * t))
    noise = 2.0 * np.random.default_rng(0).standard_normal(t.size)
    f = fit(t, np.maximum(x + noise, 0.0), model="logistic", starts=2)
    assert f.model.n == 1
    assert abs(f.params["r"] - r) < 4 * f.stderr["r"]
    assert abs(f.params["N"] - N) < 4 * f.stderr["N"]
    exact = fit(t, x, model="logistic", fit_initial=False)
    np.testing.assert_allclose([exact.params["r"], exact.params["N"]], [r, N], rtol=1e-6)
    with pytest.raises(ValueError, match="two-species"):
        f.outcome()


def test_gause_mixture_matches_gauser():
    """gauseR's vignette (nls on the same mixture series) reports r1 = 1.734873,
    r2 = 0.810376, a11 = 0.007675, a12 = 0.010787, a21 = 0.001688, a22 = 0.005377,
    N0 = (0.574824, 4.533909), residual standard error 10.1 on 38 degrees of freedom."""
    mix = gause_1934().subset("Mixture")
    f = fit(mix.day, mix.observations, starts=4, seed=0)
    p = f.params
    got = [p["r1"], p["r2"], p["r1"] / p["N1"], p["a1"], p["a2"], p["r2"] / p["N2"],
           p["x1_0"], p["x2_0"]]
    published = [1.734873, 0.810376, 0.007675, 0.010787, 0.001688, 0.005377, 0.574824,
                 4.533909]
    np.testing.assert_allclose(got, published, rtol=2e-3)  # published to 4 digits
    assert round(f.residual_standard_error, 1) == 10.1 and f.dof == 38
    np.testing.assert_allclose([f.stderr["r1"], f.stderr["r2"], f.stderr["x1_0"]],
                               [0.400458, 0.218226, 0.682966], rtol=5e-3)
    assert f.outcome() is Outcome.COEXISTENCE


def test_bootstrap_is_deterministic_whatever_the_thread_count():
    """On a model at the edge of two outcomes (u = a1 N2 / r1 = 1, v = 0.5) the replicates
    split, so equal answers from 1 and 3 threads (and a different one from another seed)
    show that each replicate's stream depends on the seed only. (On Gause's mixture every
    replicate says coexistence: equality there would prove nothing.)"""
    edge = TwoSpecies(1.0, 100.0, 1.0 / 80.0, 0.8, 80.0, 0.5 * 0.8 / 100.0)
    t = np.arange(0.0, 25.0)
    x = edge.simulate([2.0, 2.0], (0.0, 24.0), t_eval=t).y.T
    f = fit(t, x * (1 + 0.05 * np.random.default_rng(2).standard_normal(x.shape)), starts=1)
    a = f.outcome_probabilities(n=8, seed=5, workers=1)
    b = f.outcome_probabilities(n=8, seed=5, workers=3)
    assert a == b and abs(sum(a.values()) - 1) < 1e-12 and set(a) == set(Outcome)
    assert 0 < a[Outcome.COEXISTENCE] < 1 and a[Outcome.SPECIES_2_WINS] > 0  # a split
    assert f.outcome_probabilities(n=8, seed=6, workers=2) != a


def test_missing_values_and_weights():
    y = synthetic(0.0)
    y[4, 0] = np.nan
    f = fit(T, y, weights=[1.0, 2.0], starts=1)
    np.testing.assert_allclose(f.params["r1"], 1.2, rtol=1e-5)


@pytest.mark.parametrize("kw, match", [
    (dict(model="nope"), "model"), (dict(starts=0), "starts"), (dict(seed=-1), "seed"),
    (dict(weights=[1.0, 2.0, 3.0]), "weights"), (dict(weights=[-1.0, 1.0]), "weights"),
    (dict(x0=[1.0, 1.0]), "x0"), (dict(fit_initial=False, x0=[0.0, 1.0]), "x0"),
])
def test_bad_options(kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fit(T, synthetic(0.0), **kw)


def test_bad_data():
    y = synthetic(0.0)
    with pytest.raises(ValueError, match="observations"):
        fit(T, y[:, :1])
    with pytest.raises(ValueError, match="non-negative"):
        fit(T, -y)
    with pytest.raises(ValueError, match="t must"):
        fit(T[::-1], y)
    with pytest.raises(ValueError, match="cannot determine"):
        fit(T[:4], y[:4])


def test_datasets():
    g = gause_1934()
    assert set(g.treatment.tolist()) == {"Pc", "Pa", "Mixture"}
    pc = g.subset("Pc")
    assert np.all(pc.aurelia == 0) and pc.day.size == 23
    c = gause_1934_counts()
    assert c["individuals"].shape == c["time"].shape == (104,)
    assert np.isnan(c["individuals"]).any()
    with pytest.raises(ValueError, match="treatment"):
        g.subset("both")


def test_datasets_match_the_shipped_csv_files():
    """The loaders against a plain split of the CSV lines (no quoting in these files)."""
    import pathlib

    import odekit.competition.datasets as ds

    here = pathlib.Path(ds.__file__).parent

    def columns(name):
        lines = (here / name).read_text(encoding="utf-8").splitlines()
        head = lines[0].split(",")
        rows = [ln.split(",") for ln in lines[1:] if ln]
        return {h: [r[i] for r in rows] for i, h in enumerate(head)}

    raw = columns("gause_1934_science_f02_03.csv")
    g = gause_1934()
    np.testing.assert_array_equal(g.day, np.array(raw["Day"], float))
    np.testing.assert_array_equal(g.caudatum, np.array(raw["Volume_Species1"], float))
    np.testing.assert_array_equal(g.aurelia, np.array(raw["Volume_Species2"], float))
    assert g.treatment.tolist() == raw["Treatment"]
    assert g.caudatum[0] == 8.486437927 and g.subset("Pa").day.size == 17
    raw = columns("gause_1934_book_app_t03.csv")
    c = gause_1934_counts()
    np.testing.assert_array_equal(c["time"], np.array(raw["Time"], float))
    np.testing.assert_array_equal(c["individuals"],
                                  [float(v) if v else np.nan for v in raw["Individuals"]])
    assert c["species"].tolist() == raw["Species"]
    assert c["treatment"].tolist() == raw["Treatment"]
    assert "gauseR" in (here / "README.md").read_text(encoding="utf-8")


def test_fixed_parameters():
    y = synthetic(0.0)
    f = fit(T, y, fixed={"r1": 1.2, "N1": 200.0}, starts=2)
    assert f.params["r1"] == pytest.approx(1.2, rel=1e-14) and f.stderr["N1"] == 0.0
    np.testing.assert_allclose(f.params["a2"], 0.003, rtol=1e-5)
    assert f.dof == 60 - 6
    with pytest.raises(ValueError, match="unknown parameter"):
        fit(T, y, fixed={"K": 1.0})
    with pytest.raises(ValueError, match="fixed"):
        fit(T, y, fixed={"r1": -1.0})


def _logistic(t, r, N, x0):
    return N / (1 + (N / x0 - 1) * np.exp(-r * t))


def test_logistic_standard_errors_match_curve_fit_with_weights():
    """Against scipy.optimize.curve_fit (closed-form logistic, sigma = 1 / weight): the
    estimates, their standard errors and the dof; weights of shape (m,) as the (m,)
    observations; weight-0 observations are left out (they do not count as data)."""
    from scipy.optimize import curve_fit

    t = np.linspace(0.0, 15.0, 16)
    y = np.maximum(_logistic(t, 0.9, 250.0, 3.0)
                   + 4.0 * np.random.default_rng(0).standard_normal(t.size), 0.0)
    w = 1.0 / (1.0 + 0.1 * t)
    w[:4] = 0.0
    keep = w > 0
    p, cov = curve_fit(_logistic, t[keep], y[keep], p0=[1.0, 200.0, 2.0], sigma=1 / w[keep],
                       xtol=1e-14, ftol=1e-14, gtol=1e-14)
    f = fit(t, y, model="logistic", weights=w, starts=2)
    assert f.dof == keep.sum() - 3
    np.testing.assert_allclose([f.params[k] for k in ("r", "N", "x_0")], p, rtol=1e-6)
    np.testing.assert_allclose([f.stderr[k] for k in ("r", "N", "x_0")],
                               np.sqrt(np.diag(cov)), rtol=1e-4)
    rse = np.sqrt(np.sum(((_logistic(t, *p) - y) * w)[keep] ** 2) / (keep.sum() - 3))
    np.testing.assert_allclose(f.residual_standard_error, rse, rtol=1e-6)


def test_standard_errors_match_an_independent_jacobian():
    """All eight standard errors of the Gause mixture fit against s^2 (J^T J)^-1 with J
    the central-difference Jacobian (in log-parameters) of residuals integrated by SciPy's
    DOP853 at rtol 1e-12 (agreement ~1e-7 when written)."""
    from scipy.integrate import solve_ivp as scipy_solve_ivp

    mix = gause_1934().subset("Mixture")
    f = fit(mix.day, mix.observations, starts=2, seed=0)
    names = list(f.params)
    q0 = np.log([f.params[k] for k in names])
    t, y = mix.day, mix.observations

    def resid(lq):
        r1, N1, a1, r2, N2, a2, x10, x20 = np.exp(lq)

        def rhs(s, x):
            return [x[0] * (r1 * (1 - x[0] / N1) - a1 * x[1]),
                    x[1] * (r2 * (1 - x[1] / N2) - a2 * x[0])]
        sol = scipy_solve_ivp(rhs, (t[0], t[-1]), [x10, x20], t_eval=t, method="DOP853",
                              rtol=1e-12, atol=1e-12)
        return (sol.y.T - y).ravel()

    J = np.empty((y.size, len(names)))
    for j in range(len(names)):
        d = np.zeros(len(names))
        d[j] = 1e-5
        J[:, j] = (resid(q0 + d) - resid(q0 - d)) / 2e-5
    r = resid(q0)
    s2 = r @ r / (y.size - len(names))
    se = np.exp(q0) * np.sqrt(np.diag(s2 * np.linalg.inv(J.T @ J)))
    np.testing.assert_allclose([f.stderr[k] for k in names], se, rtol=1e-5)
    np.testing.assert_allclose(f.residual_standard_error, np.sqrt(s2), rtol=1e-8)
