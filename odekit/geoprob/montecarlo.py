"""The Monte-Carlo engine: reproducible, thread-count-independent estimates.

A problem is a compiled function of ``dim`` uniforms (see :mod:`odekit.geoprob._kernels`)
returning an event indicator or a value. The engine evaluates it

* ``method="mc"``: at uniforms from a counter-based SplitMix64 stream keyed by the seed.
  Draw ``j`` of sample ``s`` sits at stream position ``s * dim + j``; samples are cut into
  chunks of a fixed :data:`CHUNK` samples (independent of the thread count), chunks are
  spread over threads with ``prange``, and chunk sums are combined with ``math.fsum``
  (exactly rounded, so order-free). The same seed therefore gives bitwise the same
  estimate with 1, 2 or 64 threads, and with or without the progress bar's batching.
  The sector problem (``sampler="disk"`` or ``"angles"``) reads the same stream as 32-bit
  halves of each word and decides its event on integer angles (2**-32 turn resolution, a
  bias of order ``n * 2**-31``, far below any Monte-Carlo error; see
  :mod:`odekit.geoprob._kernels`): n = 4 costs two words per sample with angles, four
  with disk points. Hit counts per chunk are integers, so the sum is exact.
* ``method="qmc"``: at the points of ``scrambles`` independent scrambled Sobol sequences
  (:class:`scipy.stats.qmc.Sobol`, seeded by children of one ``SeedSequence``), each of
  ``2**m`` points; the error bar is the spread of the per-scramble means (Student t).

The seed is an int, a :class:`numpy.random.SeedSequence`, a :class:`numpy.random.Generator`
(one 64-bit key is drawn from it, advancing it) or None (fresh OS entropy, not
reproducible). An int seed is turned into the 64-bit key by
``SeedSequence(seed).generate_state(1, np.uint64)[0]``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from odekit._progress import Progress

from . import _kernels as K
from .exact import TWO_PI, _check_int, _check_theta_array

__all__ = ["Estimate", "estimate_kernel", "sector_probability_mc", "wilson_interval", "CHUNK"]

#: Samples per chunk of the parallel loop (fixed, independent of the thread count).
CHUNK = 1 << 14
_BATCH_CHUNKS = 256
_NO_POINTS = np.empty((0, 1))  # chunks per compiled call (progress bar granularity: 4 Mi samples)


@dataclass(frozen=True)
class Estimate:
    """A Monte-Carlo estimate with its error bar.

    Attributes
    ----------
    value : float
        The estimate (a probability or a mean value).
    stderr : float
        Its standard error: :math:`\\sqrt{\\hat p(1-\\hat p)/N}` for a probability by plain
        Monte Carlo, the sample standard deviation over :math:`\\sqrt N` for a value, and
        the spread of the per-scramble means over :math:`\\sqrt R` for QMC.
    ci : tuple of float
        Confidence interval at level ``confidence``: Wilson score interval for a
        probability by plain Monte Carlo, normal otherwise (Student t over scrambles for
        QMC), clipped to [0, 1] for probabilities.
    samples : int
        Number of samples actually used.
    hits : int or None
        Number of samples in which the event happened (None for value problems).
    confidence : float
        The level of ``ci``.
    method : str
        ``"mc"`` or ``"qmc"``.
    """

    value: float
    stderr: float
    ci: tuple
    samples: int
    hits: int | None
    confidence: float
    method: str

    def zscore(self, reference: float) -> float:
        """(value - reference) / stderr (inf or 0 when stderr is 0)."""
        diff = self.value - float(reference)
        if self.stderr == 0.0:
            return 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
        return diff / self.stderr

    def covers(self, reference: float) -> bool:
        """Whether ``reference`` lies in the confidence interval."""
        return self.ci[0] <= float(reference) <= self.ci[1]


# ----------------------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------------------
def _check_samples(samples) -> int:
    if isinstance(samples, bool) or not isinstance(samples, (numbers.Integral, float, np.floating)):
        raise TypeError(f"samples must be a positive integer, got {samples!r}")
    if isinstance(samples, (float, np.floating)):
        if not math.isfinite(samples) or samples != math.floor(samples):
            raise ValueError(f"samples must be a positive integer, got {samples!r}")
    s = int(samples)
    if s < 1:
        raise ValueError(f"samples must be >= 1, got {samples!r}")
    if s > 1 << 50:
        raise ValueError(f"samples must be <= 2**50, got {samples!r}")
    return s


def _check_confidence(confidence) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise TypeError(f"confidence must be a number in (0, 1), got {confidence!r}")
    c = float(confidence)
    if not (0.0 < c < 1.0):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return c


def _seed_sequence(seed) -> np.random.SeedSequence:
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**32, size=4, dtype=np.uint64).tolist())
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, a numpy Generator, a SeedSequence or None, "
                        f"got {seed!r}")
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def _key(ss: np.random.SeedSequence) -> np.uint64:
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + 0.5 * confidence))


def wilson_interval(hits: int, n: int, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion.

    ``hits`` in [0, n], ``n`` >= 1 integers and ``confidence`` in (0, 1) (ValueError or
    TypeError otherwise).

    Examples
    --------
    >>> from odekit.geoprob.montecarlo import wilson_interval
    >>> lo, hi = wilson_interval(50, 100)
    >>> round(lo, 4), round(hi, 4)
    (0.4038, 0.5962)
    """
    for name, v in (("hits", hits), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {v!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0 <= hits <= n:
        raise ValueError(f"hits must be in [0, n] = [0, {n}], got {hits}")
    confidence = _check_confidence(confidence)
    z = _z(confidence)
    p = hits / n
    z2n = z * z / n
    centre = (p + 0.5 * z2n) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


# ----------------------------------------------------------------------------------------
# the engine
# ----------------------------------------------------------------------------------------
def _scratch(nrows, dim, wlen, iwlen):
    return (np.empty((nrows, max(dim, 1))), np.empty((nrows, max(wlen, 1))),
            np.empty((nrows, max(iwlen, 1)), dtype=np.int64))


def _run_mc(kind, fpar, ipar, dim, wlen, iwlen, samples, key, progress, desc):
    nchunks = (samples + CHUNK - 1) // CHUNK
    sums = np.empty(nchunks)
    sumsq = np.empty(nchunks)
    rows = min(nchunks, _BATCH_CHUNKS)
    u_buf, w_buf, iw_buf = _scratch(rows, dim, wlen, iwlen)
    with Progress(samples, progress=progress, desc=desc) as bar:
        for c0 in range(0, nchunks, _BATCH_CHUNKS):
            nc = min(_BATCH_CHUNKS, nchunks - c0)
            K.run_chunks(kind, fpar, ipar, dim, key, _NO_POINTS, c0, nc, CHUNK, samples,
                         u_buf, w_buf, iw_buf, sums[c0:c0 + nc], sumsq[c0:c0 + nc])
            bar.update(min(samples, (c0 + nc) * CHUNK) - min(samples, c0 * CHUNK))
    return math.fsum(sums), math.fsum(sumsq)


def _run_sector_mc(kind, fpar, ipar, samples, key, progress, desc):
    """Plain Monte Carlo of the sector event on integer angles (:func:`K.sector_chunks`)."""
    n = int(ipar[0])
    t = K.sector_threshold(fpar[0])
    nchunks = (samples + CHUNK - 1) // CHUNK
    hits = np.empty(nchunks, dtype=np.int64)
    rows = min(nchunks, _BATCH_CHUNKS)
    a_buf = np.empty((rows, max(n, 1)), dtype=np.int64)
    with Progress(samples, progress=progress, desc=desc) as bar:
        for c0 in range(0, nchunks, _BATCH_CHUNKS):
            nc = min(_BATCH_CHUNKS, nchunks - c0)
            K.sector_chunks(n, kind == K.SECTOR_DISK, t, key, c0, nc, CHUNK, samples, a_buf,
                            hits[c0:c0 + nc])
            bar.update(min(samples, (c0 + nc) * CHUNK) - min(samples, c0 * CHUNK))
    total = float(int(hits.sum()))
    return total, total


def _run_points(kind, fpar, ipar, points, wlen, iwlen):
    """Evaluate the problem at the rows of ``points`` (uniforms in [0, 1))."""
    points = np.ascontiguousarray(points, dtype=np.float64)
    npts, dim = points.shape
    nchunks = (npts + CHUNK - 1) // CHUNK
    sums = np.empty(nchunks)
    sumsq = np.empty(nchunks)
    u_buf, w_buf, iw_buf = _scratch(nchunks, dim, wlen, iwlen)
    K.run_chunks(kind, fpar, ipar, dim, np.uint64(0), points, 0, nchunks, CHUNK, npts,
                 u_buf, w_buf, iw_buf, sums, sumsq)
    return math.fsum(sums), math.fsum(sumsq)


def estimate_kernel(kind, fpar, ipar, dim, wlen, iwlen, samples, *, seed=None, method="mc",
                    probability=True, confidence=0.95, scrambles=16, progress=None,
                    desc="Monte Carlo", client=None):
    """Run the engine on a problem given by its kernel code (used by :class:`Problem`).

    Parameters
    ----------
    kind : int
        Dispatch code of :func:`odekit.geoprob._kernels.evaluate`.
    fpar, ipar : numpy.ndarray
        Float64 and int64 parameter arrays of the problem.
    dim : int
        Uniforms per sample.
    wlen, iwlen : int
        Float and int scratch lengths per sample.
    samples : int
        Number of samples (for QMC: split over ``scrambles`` scrambles of ``2**m`` points,
        ``2**m`` the largest power of two <= samples / scrambles).
    seed : int, Generator, SeedSequence or None
    method : {"mc", "qmc"}
    probability : bool
        Whether the kernel returns an indicator (Wilson interval, hits counted).
    confidence : float
    scrambles : int
        Independent Sobol scrambles for ``method="qmc"`` (>= 2).
    progress : bool or None
        Progress bar on stderr (see :mod:`odekit._progress`).
    client : dask.distributed.Client, optional
        Run the chunks on a Dask cluster (:mod:`odekit.distributed`): bitwise the same
        estimate as locally.

    Returns
    -------
    Estimate
    """
    if client is not None:
        from odekit.distributed import _entry

        return _entry.estimate_kernel(kind, fpar, ipar, dim, wlen, iwlen, samples, seed=seed,
                                      method=method, probability=probability,
                                      confidence=confidence, scrambles=scrambles,
                                      progress=progress, desc=desc, client=client)
    samples = _check_samples(samples)
    confidence = _check_confidence(confidence)
    if method not in ("mc", "qmc"):
        raise ValueError(f"method must be 'mc' or 'qmc', got {method!r}")
    ss = _seed_sequence(seed)
    fpar = np.ascontiguousarray(fpar, dtype=np.float64)
    ipar = np.ascontiguousarray(ipar, dtype=np.int64)
    if method == "mc" and kind in (K.SECTOR_DISK, K.SECTOR_ANGLES):
        s1, s2 = _run_sector_mc(kind, fpar, ipar, samples, _key(ss), progress, desc)
    elif method == "mc":
        s1, s2 = _run_mc(kind, fpar, ipar, int(dim), wlen, iwlen, samples, _key(ss),
                         progress, desc)
    if method == "mc":
        return _finish_mc(s1, s2, samples, probability, confidence)
    return _run_qmc(kind, fpar, ipar, int(dim), wlen, iwlen, samples, ss, probability,
                    confidence, scrambles, progress, desc)


def _finish_mc(s1, s2, samples, probability, confidence):
    """The Estimate from the sum and sum of squares of all samples (plain Monte Carlo)."""
    mean = s1 / samples
    if probability:
        hits = int(round(s1))
        p = hits / samples
        stderr = math.sqrt(p * (1.0 - p) / samples)
        ci = wilson_interval(hits, samples, confidence)
        return Estimate(p, stderr, ci, samples, hits, confidence, "mc")
    var = max(0.0, (s2 - samples * mean * mean) / max(samples - 1, 1))
    stderr = math.sqrt(var / samples)
    z = _z(confidence)
    return Estimate(mean, stderr, (mean - z * stderr, mean + z * stderr), samples, None,
                    confidence, "mc")


def _run_qmc(kind, fpar, ipar, dim, wlen, iwlen, samples, ss, probability, confidence,
             scrambles, progress, desc):
    npts, block = _qmc_sizes(samples, scrambles)
    accs = []
    with Progress(npts * scrambles, progress=progress, desc=desc) as bar:
        for child in ss.spawn(scrambles):
            accs.append(_qmc_scramble(kind, fpar, ipar, dim, wlen, iwlen, child, npts, block,
                                      bar))
    return _finish_qmc(accs, npts, scrambles, probability, confidence)


def _qmc_sizes(samples, scrambles):
    """(points per scramble, points per compiled call) of ``method="qmc"``."""
    if isinstance(scrambles, bool) or not isinstance(scrambles, numbers.Integral):
        raise TypeError(f"scrambles must be an integer >= 2, got {scrambles!r}")
    if scrambles < 2:
        raise ValueError(f"scrambles must be >= 2, got {scrambles!r}")
    per = samples // scrambles
    if per < 1:
        raise ValueError(f"samples must be >= scrambles ({scrambles}) for method='qmc', "
                         f"got {samples}")
    m = per.bit_length() - 1
    return 1 << m, 1 << min(m, 16)


def _qmc_scramble(kind, fpar, ipar, dim, wlen, iwlen, child, npts, block, bar=None):
    """The sum of the problem over the ``npts`` points of the scramble seeded by ``child``."""
    import warnings

    from scipy.stats import qmc

    sob = qmc.Sobol(d=dim, scramble=True, seed=np.random.default_rng(child))
    acc = 0.0
    done = 0
    while done < npts:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            pts = sob.random(block)
        s1, _ = _run_points(kind, fpar, ipar, pts, wlen, iwlen)
        acc += s1
        done += block
        if bar is not None:
            bar.update(block)
    return acc


def _finish_qmc(accs, npts, scrambles, probability, confidence):
    """The Estimate from the per-scramble sums ``accs`` (in scramble order)."""
    from scipy.stats import t as student_t

    means = []
    total = 0.0
    for acc in accs:
        means.append(acc / npts)
        total += acc
    means = np.array(means)
    value = float(np.mean(means))
    stderr = float(np.std(means, ddof=1) / math.sqrt(scrambles))
    tq = float(student_t.ppf(0.5 + 0.5 * confidence, scrambles - 1))
    lo, hi = value - tq * stderr, value + tq * stderr
    if probability:
        lo, hi = max(0.0, lo), min(1.0, hi)
    hits = int(round(total)) if probability else None
    return Estimate(value, stderr, (lo, hi), npts * scrambles, hits, confidence, "qmc")


# ----------------------------------------------------------------------------------------
# the sector problem
# ----------------------------------------------------------------------------------------
#: most points per sample of the sector Monte Carlo (its scratch is n integers per chunk
#: row; larger n is refused up front rather than failing with MemoryError)
SECTOR_MC_MAX_N = 1_000_000


def _sector_kernel_args(n, theta, sampler):
    n = _check_int(n, "n")
    if n > SECTOR_MC_MAX_N:
        raise ValueError(f"n must be <= {SECTOR_MC_MAX_N} for the Monte-Carlo estimate, got "
                         f"{n} (sector_probability gives the exact value)")
    th = _check_theta_array(theta)
    if th.ndim != 0:
        raise TypeError(f"theta must be a scalar angle in radians, got {theta!r}")
    if sampler not in ("disk", "angles"):
        raise ValueError(f"sampler must be 'disk' or 'angles', got {sampler!r}")
    x = 1.0 - float(th) / TWO_PI
    fpar = np.array([x])
    ipar = np.array([n], dtype=np.int64)
    if sampler == "disk":
        return K.SECTOR_DISK, fpar, ipar, 2 * n, n, 1
    return K.SECTOR_ANGLES, fpar, ipar, n, n, 1


def sector_probability_mc(n, theta, samples, *, seed=None, method="mc", sampler="disk",
                          confidence=0.95, scrambles=16, progress=None,
                          client=None) -> Estimate:
    """Monte-Carlo estimate of :func:`~odekit.geoprob.sector_probability`.

    Parameters
    ----------
    n : int
        Number of points, >= 1.
    theta : float
        Central angle of the sector in radians, in [0, 2*pi].
    samples : int
        Number of random configurations of ``n`` points.
    seed : int, numpy.random.Generator, SeedSequence or None
        Fixes the result bitwise, whatever the number of threads (see the module docs).
    method : {"mc", "qmc"}
        Plain Monte Carlo or scrambled Sobol points.
    sampler : {"disk", "angles"}
        ``"disk"``: honest uniform points in the unit disk (radius :math:`\\sqrt U`, angle
        :math:`2\\pi V`; a point drawn exactly at the centre lies in every sector).
        ``"angles"``: only the angles (all the event depends on). With ``method="mc"``
        both draw ``U`` and ``V`` as 32-bit halves of one SplitMix64 word (angles on a
        :math:`2^{-32}`-turn grid, bias of order :math:`n\\,2^{-31}`; see
        :mod:`odekit.geoprob._kernels`); ``"angles"`` packs two angles per word.
    confidence : float
        Level of the confidence interval.
    scrambles : int
        Independent scrambles for ``method="qmc"``.
    progress : bool or None
        Progress bar on stderr for long runs (automatic when None).
    client : dask.distributed.Client, optional
        Run on a Dask cluster (:doc:`/distributed`): bitwise the same estimate.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.geoprob import sector_probability_mc
    >>> est = sector_probability_mc(4, np.pi, 100_000, seed=1)
    >>> abs(est.value - 0.5) < 4 * est.stderr
    True
    """
    kind, fpar, ipar, dim, wlen, iwlen = _sector_kernel_args(n, theta, sampler)
    return estimate_kernel(kind, fpar, ipar, dim, wlen, iwlen, samples, seed=seed,
                           method=method, probability=True, confidence=confidence,
                           scrambles=scrambles, progress=progress, desc="sector",
                           client=client)
