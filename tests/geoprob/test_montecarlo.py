"""Monte Carlo: statistics with fixed seeds, coverage, reproducibility across threads."""

import math

import numba
import numpy as np
import pytest
from scipy.stats import binom

from odekit.geoprob import CLASSICS, Estimate, sector, sector_probability, sector_probability_mc
from odekit.geoprob.montecarlo import wilson_interval


@pytest.mark.parametrize("sampler", ["disk", "angles"])
@pytest.mark.parametrize("n,theta", [(4, math.pi), (3, 2.0), (6, 4.5), (10, 5.2), (2, 0.7)])
def test_sector_mc_z_scores(sampler, n, theta):
    exact = sector_probability(n, theta)
    sd = math.sqrt(exact * (1 - exact) / 50_000)
    for seed in (1, 2, 3):
        est = sector_probability_mc(n, theta, 50_000, seed=seed, sampler=sampler)
        assert abs(est.value - exact) < 4 * sd


@pytest.mark.parametrize("sampler", ["disk", "angles"])
def test_wilson_coverage_close_to_nominal(sampler):
    # 300 independent runs of 2000 samples: the number of intervals covering the truth is
    # Binomial(300, ~0.95); accept the central 99.9% range of that law.
    exact = sector_probability(5, 3.5)
    ss = np.random.SeedSequence(2024)
    covered = sum(
        sector_probability_mc(5, 3.5, 2000, seed=np.random.default_rng(child),
                              sampler=sampler).covers(exact)
        for child in ss.spawn(300))
    lo, hi = binom.ppf([0.0005, 0.9995], 300, 0.95)
    assert lo <= covered <= hi


def test_qmc_agrees_and_has_error_bar():
    for sampler in ("disk", "angles"):
        est = sector_probability_mc(4, math.pi, 2**15, seed=5, method="qmc", sampler=sampler)
        assert est.method == "qmc" and est.samples == 2**15
        assert 0 < est.stderr < 0.01
        assert abs(est.zscore(0.5)) < 5


def test_qmc_beats_mc_on_sector():
    # same budget: QMC's scramble spread is well below MC's binomial standard error
    qmc = sector_probability_mc(4, math.pi, 2**16, seed=11, method="qmc", sampler="angles")
    mc_sd = math.sqrt(0.25 / 2**16)
    assert qmc.stderr < 0.7 * mc_sd


def test_bitwise_reproducible_across_threads():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 threads")
    old = numba.get_num_threads()
    try:
        res = {}
        for t in (1, 2):
            numba.set_num_threads(t)
            res[t] = (sector_probability_mc(5, 3.0, 100_003, seed=7),
                      CLASSICS["mean_distance_disk"].estimate(70_001, seed=7),
                      CLASSICS["wendel_sphere_4"].estimate(40_000, seed=9))
        assert res[1] == res[2]
    finally:
        numba.set_num_threads(old)


def test_seed_semantics():
    a = sector_probability_mc(4, 2.0, 30_000, seed=3)
    b = sector_probability_mc(4, 2.0, 30_000, seed=3)
    c = sector_probability_mc(4, 2.0, 30_000, seed=4)
    assert a == b and a.hits != c.hits
    g1 = np.random.default_rng(5)
    g2 = np.random.default_rng(5)
    assert sector_probability_mc(4, 2.0, 9999, seed=g1) == sector_probability_mc(4, 2.0, 9999,
                                                                                   seed=g2)
    # a Generator is advanced: the next estimate differs
    assert sector_probability_mc(4, 2.0, 9999, seed=g1).hits != \
        sector_probability_mc(4, 2.0, 9999, seed=np.random.default_rng(5)).hits


def test_prefix_consistency_of_stream():
    # sample s always uses the same draws: a longer run extends a shorter one, chunk by
    # chunk (each chunk's hits computed on its own by the kernel add up to the longer run)
    from odekit.geoprob import _kernels as K
    from odekit.geoprob.montecarlo import CHUNK, _key, _seed_sequence, _sector_kernel_args

    p = sector(4, 2.0)
    a = p.estimate(CHUNK, seed=1)
    b = p.estimate(2 * CHUNK + 7, seed=1)
    c = p.estimate(CHUNK, seed=1)
    assert a == c and a.samples == CHUNK
    kind, fpar, ipar, _, _, _ = _sector_kernel_args(4, 2.0, "disk")
    key = _key(_seed_sequence(1))
    t = K.sector_threshold(fpar[0])
    hits = []
    for first in range(3):  # chunks 0, 1, 2 (7 samples), each alone
        h = np.zeros(1, dtype=np.int64)
        K.sector_chunks(4, True, t, key, first, 1, CHUNK, 2 * CHUNK + 7,
                        np.empty((1, 4), dtype=np.int64), h)
        hits.append(int(h[0]))
    assert hits[0] == a.hits
    assert sum(hits) == b.hits
    assert 0 <= hits[2] <= 7 and hits[1] != hits[0]  # distinct draws per chunk


def test_estimate_fields():
    est = sector_probability_mc(3, 2.0, 1000, seed=0, confidence=0.9)
    assert isinstance(est, Estimate)
    assert est.samples == 1000 and est.hits == round(est.value * 1000)
    assert est.ci == wilson_interval(est.hits, 1000, 0.9)
    assert est.ci[0] <= est.value <= est.ci[1]
    assert est.confidence == 0.9 and est.method == "mc"


def test_wilson_interval_reference():
    # Wilson (1927) score interval written out independently
    z = 1.959963984540054
    for h, n in [(0, 10), (3, 10), (10, 10), (500, 1000)]:
        p = h / n
        c = (p + z * z / (2 * n)) / (1 + z * z / n)
        w = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo, hi = wilson_interval(h, n, 0.95)
        assert abs(lo - max(0, c - w)) < 1e-12 and abs(hi - min(1, c + w)) < 1e-12


@pytest.mark.parametrize("name", sorted(CLASSICS))
def test_classics_mc_and_qmc(name):
    p = CLASSICS[name]
    for seed in (1, 2):
        est = p.estimate(40_000, seed=seed)
        assert abs(est.zscore(p.exact)) < 4, (name, est)
        if p.probability:
            assert est.hits is not None
        else:
            assert est.hits is None
    q = p.estimate(2**14, seed=3, method="qmc")
    assert abs(q.value - p.exact) < 5 * q.stderr + 1e-4, (name, q)


def test_value_ci_is_normal():
    est = CLASSICS["mean_distance_square"].estimate(10_000, seed=1, confidence=0.95)
    half = 1.959963984540054 * est.stderr
    assert abs(est.ci[0] - (est.value - half)) < 1e-12
