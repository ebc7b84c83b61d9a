"""The integer-angle sector kernel of plain Monte Carlo against a NumPy twin."""

import math

import numba
import numpy as np
import pytest

from odekit.geoprob import _kernels as K
from odekit.geoprob import sector_probability, sector_probability_mc

M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix_words(key, pos):
    """SplitMix64 output at stream positions ``pos`` (uint64 array), NumPy arithmetic."""
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (pos + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def twin_hits(n, disk, x, key, nsamples):
    """Per-sample events from the documented stream scheme, in floats (turns)."""
    s = np.arange(nsamples, dtype=np.uint64)[:, None]
    if disk:
        z = splitmix_words(key, s * np.uint64(n) + np.arange(n, dtype=np.uint64))
        ang = (z >> np.uint64(32)).astype(np.float64) * 2.0**-32
        r = np.sqrt((z & np.uint64(0xFFFFFFFF)).astype(np.float64) * 2.0**-32)
        keep = r > 0.0
    else:
        h = (n + 1) // 2
        z = splitmix_words(key, s * np.uint64(h) + np.arange(h, dtype=np.uint64))
        halves = np.empty((nsamples, 2 * h), dtype=np.uint64)
        halves[:, 0::2] = z >> np.uint64(32)
        halves[:, 1::2] = z & np.uint64(0xFFFFFFFF)
        ang = halves[:, :n].astype(np.float64) * 2.0**-32
        keep = np.ones_like(ang, dtype=bool)
    out = np.empty(nsamples, dtype=np.int64)
    for i in range(nsamples):
        a = np.sort(ang[i][keep[i]])
        if len(a) <= 1:
            out[i] = 1
            continue
        g = max(1.0 - a[-1] + a[0], np.diff(a).max())
        out[i] = int(g >= x)
    return out


def per_sample_hits(n, disk, x, key, nsamples):
    hits = np.empty(nsamples, dtype=np.int64)
    a_buf = np.empty((nsamples, max(n, 1)), dtype=np.int64)
    K.sector_chunks(n, disk, K.sector_threshold(x), np.uint64(key), 0, nsamples, 1, nsamples,
                    a_buf, hits)
    return hits


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 33, 40])
@pytest.mark.parametrize("disk", [False, True])
def test_sector_chunks_twin(n, disk):
    x = 1.3 / n if n > 1 else 0.5
    key = 0x0123_4567_89AB_CDEF + n
    np.testing.assert_array_equal(per_sample_hits(n, disk, x, key, 3000),
                                  twin_hits(n, disk, x, key, 3000))


def test_chunk_sums_match_per_sample():
    # the vectorised n = 4 loops over a long chunk agree with the per-sample values
    key = 99
    for disk in (False, True):
        one = per_sample_hits(4, disk, 0.5, key, 5000)
        hits = np.empty(2, dtype=np.int64)
        K.sector_chunks(4, disk, K.sector_threshold(0.5), np.uint64(key), 0, 2, 4096, 5000,
                        np.empty((2, 4), dtype=np.int64), hits)
        assert hits.tolist() == [one[:4096].sum(), one[4096:].sum()]


def test_threshold_is_exact_float_test():
    for x in (0.5, 1 / 3, 0.25 + 2.0**-40, 1.0, 0.0, 1 - 2.0**-33):
        t = K.sector_threshold(x)
        for g in (t - 1, t):
            if 0 <= g <= 2**32:
                assert (g >= t) == (g * 2.0**-32 >= x)


def test_disk4_centre_rule():
    t = K.sector_threshold(1 - 0.2 / (2 * math.pi))
    q = 2**32 // 100  # 0.01 turn
    # point 1 at the centre: the others span 0.02 turn (0.126 rad) < 0.2 rad -> event
    assert K._disk4_centre(0, 50 * q, q, 2 * q, 0.7, 0.0, 0.7, 0.7, t) == 1
    assert K._disk4_centre(0, 50 * q, q, 2 * q, 0.7, 0.1, 0.7, 0.7, t) == 0
    assert K._disk4_centre(0, 50 * q, q, 2 * q, 0.0, 0.0, 0.0, 0.0, t) == 1
    assert K._gap4_int(0, 50 * q, q, 2 * q, t) == 0


@pytest.mark.parametrize("sampler", ["disk", "angles"])
def test_n4_bitwise_across_threads_and_z(sampler):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 threads")
    old = numba.get_num_threads()
    try:
        res = {}
        for t in (1, 2):
            numba.set_num_threads(t)
            res[t] = sector_probability_mc(4, math.pi, 300_007, seed=3, sampler=sampler)
        assert res[1] == res[2]
    finally:
        numba.set_num_threads(old)
    assert abs(res[1].zscore(sector_probability(4, math.pi))) < 4
