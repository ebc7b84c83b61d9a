"""G. F. Gause's 1934 *Paramecium* competition experiments, shipped with odekit.

The numbers are Gause's (Science 79:16–17, 1934, figures 2–3; and *The Struggle for
Existence*, 1934, Appendix Table 3), as digitised by the authors of the R package gauseR
(Mühlbauer, Schulze, Harpole & Clark 2020, Ecology and Evolution 10:13275;
https://github.com/adamtclark/gauseR). See the README.md next to this file.
"""

from __future__ import annotations

import csv
import pathlib
from dataclasses import dataclass

import numpy as np

__all__ = ["GauseData", "gause_1934", "gause_1934_counts", "TREATMENTS"]

_HERE = pathlib.Path(__file__).resolve().parent
#: Treatment codes of :func:`gause_1934`.
TREATMENTS = ("Pc", "Pa", "Mixture")


@dataclass(frozen=True)
class GauseData:
    """Tidy arrays, one entry per (treatment, day).

    Attributes
    ----------
    day : ndarray of float
    caudatum, aurelia : ndarray of float
        The "volume" index of *P. caudatum* (species 1) and *P. aurelia* (species 2), in
        units of *P. caudatum* individuals; 0 where the species was not in the culture.
    treatment : ndarray of str
        "Pc" (caudatum alone), "Pa" (aurelia alone) or "Mixture".
    """

    day: np.ndarray
    caudatum: np.ndarray
    aurelia: np.ndarray
    treatment: np.ndarray

    def subset(self, treatment: str) -> "GauseData":
        """The rows of one treatment, sorted by day."""
        if treatment not in TREATMENTS:
            raise ValueError(f"treatment must be one of {TREATMENTS}, got {treatment!r}")
        keep = np.flatnonzero(self.treatment == treatment)
        keep = keep[np.argsort(self.day[keep], kind="stable")]
        return GauseData(self.day[keep], self.caudatum[keep], self.aurelia[keep],
                         self.treatment[keep])

    @property
    def observations(self) -> np.ndarray:
        """(m, 2) array of (caudatum, aurelia), the form :func:`odekit.competition.fit`
        takes."""
        return np.column_stack([self.caudatum, self.aurelia])


def gause_1934() -> GauseData:
    """Gause (1934, Science 79:16) figures 2–3: both species alone and mixed, by day.

    Examples
    --------
    >>> from odekit.competition.datasets import gause_1934
    >>> mix = gause_1934().subset("Mixture")
    >>> mix.day[:3], mix.observations.shape
    (array([2., 3., 4.]), (23, 2))
    """
    rows = _read("gause_1934_science_f02_03.csv")
    return GauseData(day=np.array([float(r["Day"]) for r in rows]),
                     caudatum=np.array([float(r["Volume_Species1"]) for r in rows]),
                     aurelia=np.array([float(r["Volume_Species2"]) for r in rows]),
                     treatment=np.array([r["Treatment"] for r in rows]))


def gause_1934_counts() -> dict:
    """Gause (1934), *The Struggle for Existence*, Appendix Table 3: counts of individuals.

    Returns
    -------
    dict of ndarray
        ``species`` (str), ``time`` (days), ``individuals`` (float, NaN where the table is
        empty) and ``treatment`` ("Monoculture" or "Mixture"), one entry per table cell.

    Examples
    --------
    >>> from odekit.competition.datasets import gause_1934_counts
    >>> c = gause_1934_counts()
    >>> sorted(set(c["treatment"].tolist())), c["time"].size
    (['Mixture', 'Monoculture'], 104)
    """
    rows = _read("gause_1934_book_app_t03.csv")
    return {"species": np.array([r["Species"] for r in rows]),
            "time": np.array([float(r["Time"]) for r in rows]),
            "individuals": np.array([float(r["Individuals"]) if r["Individuals"] != ""
                                     else np.nan for r in rows]),
            "treatment": np.array([r["Treatment"] for r in rows])}


def _read(name: str) -> list:
    with open(_HERE / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
