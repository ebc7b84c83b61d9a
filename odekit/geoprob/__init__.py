"""Geometric probability: exact results and reproducible Monte-Carlo estimates.

The central problem (Su Jianlin, https://kexue.fm/archives/9324): the probability that
``n`` points chosen uniformly in a disk lie in one sector of central angle ``theta``
(:func:`sector_probability`; four ducks in one half of a pond: 1/2). Beside it, classics
with known answers (Wendel's hemispheres, Sylvester's four points, Buffon's needle, the
triangle containing the centre, mean distances), each a :class:`Problem` with an
``exact`` value and an ``estimate(samples, seed=..., method="mc" | "qmc")`` method
returning an :class:`Estimate`. Plots live in :mod:`odekit.geoprob.plot` (imported on
demand, never by ``import odekit``).

Examples
--------
>>> import numpy as np
>>> from odekit import geoprob
>>> geoprob.sector_probability(4, np.pi)
0.5
>>> sorted(geoprob.CLASSICS)[:3]
['buffon', 'four_ducks', 'mean_distance_disk']
"""

from .exact import (
    buffon_probability,
    mean_distance_value,
    sector_probability,
    sector_probability_exact,
    sylvester_probability,
    wendel_probability,
    wendel_probability_exact,
)
from .montecarlo import Estimate, sector_probability_mc, wilson_interval
from .problems import (
    CLASSICS,
    Problem,
    buffon,
    mean_distance,
    sector,
    sylvester,
    triangle_contains_centre,
    wendel,
)

__all__ = [
    "sector_probability",
    "sector_probability_exact",
    "sector_probability_mc",
    "wendel_probability",
    "wendel_probability_exact",
    "sylvester_probability",
    "buffon_probability",
    "mean_distance_value",
    "Estimate",
    "Problem",
    "wilson_interval",
    "sector",
    "wendel",
    "sylvester",
    "triangle_contains_centre",
    "buffon",
    "mean_distance",
    "CLASSICS",
]
