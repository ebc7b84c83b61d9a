"""Problem objects: an exact value beside a reproducible Monte-Carlo estimator."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _kernels as K
from .exact import (
    TRIANGLE_CONTAINS_CENTRE,
    _check_int,
    buffon_probability,
    mean_distance_value,
    sector_probability,
    sylvester_probability,
    wendel_probability,
)
from .montecarlo import Estimate, _sector_kernel_args, estimate_kernel

__all__ = [
    "Problem",
    "sector",
    "wendel",
    "sylvester",
    "triangle_contains_centre",
    "buffon",
    "mean_distance",
    "CLASSICS",
]

#: Largest (n, d) the Monte-Carlo Wendel kernel accepts (it enumerates C(n, d-1) subsets).
WENDEL_MAX_N = 64
WENDEL_MAX_D = 8
#: most hyperplanes C(n, d-1) the Wendel estimator may test per sample
WENDEL_MAX_HYPERPLANES = 100_000


@dataclass(frozen=True)
class Problem:
    """A geometric-probability problem with its exact value and a Monte-Carlo estimator.

    Attributes
    ----------
    name : str
        Short identifier.
    description : str
        The question in words.
    exact : float
        The exact value (a probability, or a mean for ``mean_distance``).
    probability : bool
        True when the problem asks for a probability (estimates count hits and use Wilson
        intervals), False for a mean value.
    dim : int
        Uniform variates per sample (the Sobol dimension for ``method="qmc"``).

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.geoprob import sector
    >>> p = sector(4, np.pi)
    >>> p.exact
    0.5
    >>> est = p.estimate(20_000, seed=3)
    >>> abs(est.zscore(p.exact)) < 4
    True
    """

    name: str
    description: str
    exact: float
    probability: bool
    dim: int
    _kind: int = field(repr=False)
    _fpar: tuple = field(repr=False)
    _ipar: tuple = field(repr=False)
    _wlen: int = field(repr=False, default=1)
    _iwlen: int = field(repr=False, default=1)

    def estimate(self, samples, *, seed=None, method="mc", confidence=0.95, scrambles=16,
                 progress=None, client=None) -> Estimate:
        """Estimate the problem's value from ``samples`` random configurations.

        Parameters
        ----------
        samples : int
            Number of samples (>= 1). For ``method="qmc"`` the samples are split over
            ``scrambles`` independent scrambles of ``2**m`` Sobol points each, ``2**m``
            the largest power of two <= samples / scrambles.
        seed : int, numpy.random.Generator, SeedSequence or None
            Fixes the result bitwise whatever the number of threads.
        method : {"mc", "qmc"}
        confidence : float
            Level of ``Estimate.ci``.
        scrambles : int
            Independent Sobol scrambles (QMC only), >= 2.
        progress : bool or None
            Progress bar on stderr for long runs.
        client : dask.distributed.Client, optional
            Run on a Dask cluster (:doc:`/distributed`): bitwise the same estimate.

        Returns
        -------
        Estimate
        """
        return estimate_kernel(self._kind, np.array(self._fpar, dtype=np.float64),
                               np.array(self._ipar, dtype=np.int64), self.dim, self._wlen,
                               self._iwlen, samples, seed=seed, method=method,
                               probability=self.probability, confidence=confidence,
                               scrambles=scrambles, progress=progress, desc=self.name,
                               client=client)


def sector(n, theta, *, sampler="disk") -> Problem:
    """n uniform points in a disk lie in one sector of central angle ``theta`` (radians).

    ``sampler="disk"`` samples honest disk points, ``"angles"`` only their angles.

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.geoprob import sector
    >>> sector(3, np.pi / 2).exact
    0.1875
    """
    kind, fpar, ipar, dim, wlen, iwlen = _sector_kernel_args(n, theta, sampler)
    exact = sector_probability(n, theta)
    return Problem(f"sector(n={int(n)}, theta={float(theta):.6g})",
                   f"{int(n)} uniform points in a disk lie in one sector of angle "
                   f"{float(theta):.6g} rad", exact, True, dim, kind, tuple(fpar),
                   tuple(ipar), wlen, iwlen)


def wendel(n, d) -> Problem:
    """Wendel (1962): n uniform points on the sphere S^(d-1) lie in some hemisphere.

    The Monte-Carlo estimator draws Gaussian vectors and tests every hyperplane through
    the origin and d-1 of the points; it accepts n <= 64, d <= 8 and at most
    ``WENDEL_MAX_HYPERPLANES`` (1e5) hyperplanes C(n, d-1) per sample (ValueError beyond:
    the work per sample would be unbounded in practice).

    Examples
    --------
    >>> from odekit.geoprob import wendel
    >>> wendel(4, 3).exact
    0.875
    """
    n = _check_int(n, "n")
    d = _check_int(d, "d")
    if n > WENDEL_MAX_N:
        raise ValueError(f"n must be <= {WENDEL_MAX_N} for the Wendel estimator, got {n}")
    if d > WENDEL_MAX_D:
        raise ValueError(f"d must be <= {WENDEL_MAX_D} for the Wendel estimator, got {d}")
    planes = math.comb(n, d - 1)
    if planes > WENDEL_MAX_HYPERPLANES:
        raise ValueError(
            f"wendel(n={n}, d={d}): the estimator tests C(n, d-1) = {planes} hyperplanes per "
            f"sample (more than {WENDEL_MAX_HYPERPLANES}); refused as unbounded work. The "
            "exact value is wendel_probability(n, d)")
    dim = n * d + (n * d) % 2
    wlen = n * d + (d - 1) ** 2 + 1 + d
    return Problem(f"wendel(n={n}, d={d})",
                   f"{n} uniform points on the sphere S^{d - 1} lie in some hemisphere",
                   wendel_probability(n, d), True, dim, K.WENDEL, (0.0,), (n, d), wlen,
                   max(d - 1, 1))


_SYL_KIND = {"disk": K.SYLVESTER_DISK, "triangle": K.SYLVESTER_TRIANGLE,
             "square": K.SYLVESTER_SQUARE}


def sylvester(shape) -> Problem:
    """Sylvester's four-point problem in a ``"disk"``, ``"triangle"`` or ``"square"``.

    Examples
    --------
    >>> from odekit.geoprob import sylvester
    >>> round(sylvester("triangle").exact, 6)
    0.666667
    """
    exact = sylvester_probability(shape)
    return Problem(f"sylvester({shape})",
                   f"four uniform points in a {shape} are in convex position", exact, True, 8,
                   _SYL_KIND[shape], (0.0,), (0,), 8, 1)


def triangle_contains_centre() -> Problem:
    """Three uniform points in a disk span a triangle containing the centre (1/4).

    Examples
    --------
    >>> from odekit.geoprob import triangle_contains_centre
    >>> triangle_contains_centre().exact
    0.25
    """
    return Problem("triangle_contains_centre",
                   "the triangle of three uniform points in a disk contains its centre",
                   TRIANGLE_CONTAINS_CENTRE, True, 6, K.TRIANGLE_CENTRE, (0.0,), (0,), 1, 1)


def buffon(length, spacing) -> Problem:
    """Buffon's needle of ``length`` on parallel lines ``spacing`` apart crosses a line.

    Examples
    --------
    >>> import math
    >>> from odekit.geoprob import buffon
    >>> buffon(1.0, 1.0).exact == 2 / math.pi
    True
    """
    exact = buffon_probability(length, spacing)
    return Problem(f"buffon(length={float(length):.6g}, spacing={float(spacing):.6g})",
                   "a needle dropped on ruled lines crosses one", exact, True, 2, K.BUFFON,
                   (float(length), float(spacing)), (0,), 1, 1)


def mean_distance(shape) -> Problem:
    """Mean distance of two uniform points in the unit ``"disk"`` or unit ``"square"``.

    Examples
    --------
    >>> from odekit.geoprob import mean_distance
    >>> round(mean_distance("disk").exact, 6)
    0.905415
    """
    exact = mean_distance_value(shape)
    kind = K.DISTANCE_DISK if shape == "disk" else K.DISTANCE_SQUARE
    return Problem(f"mean_distance({shape})",
                   f"mean distance between two uniform points in the unit {shape}", exact,
                   False, 4, kind, (0.0,), (0,), 1, 1)


#: The classic problems by name.
CLASSICS: dict[str, Problem] = {
    "four_ducks": sector(4, math.pi),
    "wendel_circle_3": wendel(3, 2),
    "wendel_sphere_4": wendel(4, 3),
    "sylvester_disk": sylvester("disk"),
    "sylvester_triangle": sylvester("triangle"),
    "sylvester_square": sylvester("square"),
    "triangle_contains_centre": triangle_contains_centre(),
    "buffon": buffon(1.0, 1.0),
    "mean_distance_disk": mean_distance("disk"),
    "mean_distance_square": mean_distance("square"),
}
