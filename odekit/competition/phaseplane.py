"""The phase plane of two competing species: nullclines, manifolds of saddles, basins.

The manifolds integrate z = log x with the family's compiled right-hand side
(:func:`odekit.competition._rhs.lv_log_rhs`), so populations stay positive; the basins
integrate x itself with the polynomial :func:`odekit.competition._rhs.lv_rhs` (no exp, half
the cost per evaluation). One compile of each serves every parameter set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..integrate import Event, solve_ensemble, solve_ivp
from . import _checks as C
from ._rhs import lv_log_rhs, lv_rhs, window_event
from .analysis import Equilibrium, Outcome, equilibria, outcome
from .model import LotkaVolterra, TwoSpecies

__all__ = ["Nullclines", "nullclines", "separatrix", "unstable_manifold", "basins", "Basins"]

_WINDOW_EVENT = Event(window_event, terminal=True, direction=-1.0)


def _two(model) -> TwoSpecies:
    if isinstance(model, TwoSpecies):
        return model
    if isinstance(model, LotkaVolterra) and model.n == 2:
        return TwoSpecies.from_lotka_volterra(model)
    raise TypeError("model must be a TwoSpecies (or a 2-species LotkaVolterra), got "
                    f"{model!r}")


def _limits(m: TwoSpecies, xlim, ylim):
    dx, dy = m.window()
    xlim = dx if xlim is None else C.window(xlim, "xlim")
    ylim = dy if ylim is None else C.window(ylim, "ylim")
    return xlim, ylim


class Nullclines(NamedTuple):
    """Zero-growth lines inside a window; each entry is a list of (m, 2) arrays (x, y)."""

    species1: list
    species2: list


def _segment(a, b, c, xlim, ylim, num):
    """Points of the line a x + b y = c inside the window (an (m, 2) array, maybe empty)."""
    (x0, x1), (y0, y1) = xlim, ylim
    if abs(b) > 0:
        # x range where y = (c - a x) / b lies in [y0, y1]
        lo, hi = x0, x1
        if abs(a) > 0:
            xa, xb = (c - b * y0) / a, (c - b * y1) / a
            lo, hi = max(lo, min(xa, xb)), min(hi, max(xa, xb))
        elif not (y0 <= c / b <= y1):
            return np.empty((0, 2))
        if hi < lo:
            return np.empty((0, 2))
        xs = np.linspace(lo, hi, num)
        ys = np.clip((c - a * xs) / b, y0, y1)
        return np.column_stack([xs, ys])
    xv = c / a
    if not (x0 <= xv <= x1):
        return np.empty((0, 2))
    ys = np.linspace(y0, y1, num)
    return np.column_stack([np.full(num, xv), ys])


def nullclines(model, xlim=None, ylim=None, num: int = 200) -> Nullclines:
    """The nullclines, exactly (they are straight lines and the axes).

    Species 1 does not change on x1 = 0 and on r1/N1 x1 + a1 x2 = r1; species 2 on x2 = 0
    and on a2 x1 + r2/N2 x2 = r2.

    Parameters
    ----------
    model : TwoSpecies
    xlim, ylim : (float, float), optional
        The window (default :meth:`TwoSpecies.window`).
    num : int
        Points per segment.

    Returns
    -------
    Nullclines
        ``species1`` and ``species2``: lists of (m, 2) arrays of (x1, x2) points, the axis
        first, then the sloping line (empty where it misses the window).

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, nullclines
    >>> nc = nullclines(TwoSpecies(1.0, 100.0, 0.005, 1.0, 100.0, 0.005), (0, 200), (0, 300))
    >>> line = nc.species1[1]
    >>> [float(v) for v in line[0]], [float(v) for v in line[-1]]
    ([0.0, 200.0], [100.0, 0.0])
    """
    m = _two(model)
    xlim, ylim = _limits(m, xlim, ylim)
    num = C.count(num, "num", 2, 100_000)
    ax1 = np.column_stack([np.zeros(num), np.linspace(*ylim, num)]) if xlim[0] == 0 else \
        np.empty((0, 2))
    ax2 = np.column_stack([np.linspace(*xlim, num), np.zeros(num)]) if ylim[0] == 0 else \
        np.empty((0, 2))
    l1 = _segment(m.r1 / m.N1, m.a1, m.r1, xlim, ylim, num)
    l2 = _segment(m.a2, m.r2 / m.N2, m.r2, xlim, ylim, num)
    return Nullclines([ax1, l1], [ax2, l2])


def _interior_saddle(m: TwoSpecies):
    for e in equilibria(m):
        if e.support == (0, 1) and e.kind == "saddle":
            return e
    return None


def _eig_real(J):
    lam, vec = np.linalg.eig(J)
    lam, vec = lam.real, vec.real
    order = np.argsort(lam)
    return lam[order], vec[:, order]


def _resample(pts, num):
    """``num`` points equally spaced in arc length along the polyline ``pts`` (ends kept)."""
    seg = np.hypot(*np.diff(pts, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] == 0 or pts.shape[0] <= num:
        return pts
    targets = np.linspace(0.0, s[-1], num)
    idx = np.unique(np.searchsorted(s, targets))
    idx = idx[idx < pts.shape[0]]
    idx = np.union1d(idx, [0, pts.shape[0] - 1])
    return pts[idx]


def _branch(m, start, t_end, window, r_min, rtol, num, first=None, last=None):
    """Integrate one manifold branch in log coordinates from ``start`` over (0, t_end)."""
    p = np.concatenate([m.params, [window[0], window[1], r_min]])
    res = solve_ivp(lv_log_rhs, (0.0, t_end), np.log(start), params=p,
                    events=[_WINDOW_EVENT], dense_output=True, rtol=rtol,
                    atol=rtol * 1e-2, max_steps=200_000)
    t_stop = res.t[-1]
    ts = np.linspace(0.0, t_stop, 20 * num)
    pts = np.exp(res.sol(ts)).T
    if res.status == 1:  # ended on the window's edge: put the last point exactly there
        pts[-1] = np.exp(res.y_events[0][-1])
    if first is not None:
        pts = np.vstack([first, pts])
    return pts, res


def separatrix(model, xlim=None, ylim=None, *, offset: float = 1e-7, rtol: float = 1e-11,
               num: int = 400) -> list:
    """The separatrix of the bistable case: the stable manifold of the interior saddle.

    Each branch starts at the saddle x* displaced by ``offset * |x*|`` along the stable
    eigenvector (the displacement is off the manifold by O(offset**2), and that error
    shrinks further when integrating backward, the unstable direction contracting) and is
    integrated *backward* in time (in log coordinates) until it leaves the window or comes
    within 1e-9 |x*| of the origin. One branch runs down to the origin (the unstable node,
    which is appended as its last point), the other out to the window's edge.

    Parameters
    ----------
    model : TwoSpecies
        Must be in the bistable case (:attr:`Outcome.BISTABILITY`).
    xlim, ylim : (float, float), optional
        The window (default :meth:`TwoSpecies.window`).
    offset : float
        Relative initial displacement from the saddle.
    rtol : float
        Integration tolerance (atol = rtol / 100 on log x).
    num : int
        About how many points per branch (equally spaced in arc length).

    Returns
    -------
    list of ndarray
        Two (m, 2) arrays of (x1, x2) points, each starting at the saddle: the branch
        towards the origin first, then the outward branch. With symmetric parameters
        (r1 = r2, N1 = N2, a1 = a2) both lie on the diagonal x1 = x2.

    Raises
    ------
    ValueError
        The model is not bistable (there is no interior saddle).

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, separatrix
    >>> m = TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.5)
    >>> down, out = separatrix(m, (0, 1.5), (0, 1.5))
    >>> bool(abs(down - down[:, ::-1]).max() < 1e-12), [float(v) for v in out[-1]]
    (True, [1.5, 1.5])
    """
    m = _two(model)
    if outcome(m) is not Outcome.BISTABILITY:
        raise ValueError(f"separatrix: the model is not bistable (outcome "
                         f"{outcome(m).name}), so there is no interior saddle")
    xlim, ylim = _limits(m, xlim, ylim)
    offset = C.positive(offset, "offset")
    num = C.count(num, "num", 2, 100_000)
    sad = _interior_saddle(m)
    xs = np.asarray(sad.x)
    lam, vec = _eig_real(sad.jacobian)
    v = vec[:, 0] / np.linalg.norm(vec[:, 0])  # stable direction (lam[0] < 0)
    if v[0] < 0:
        v = -v  # +v points away from the origin
    if not (xlim[0] < xs[0] < xlim[1] and ylim[0] < xs[1] < ylim[1]):
        raise ValueError(f"the window must contain the saddle at {tuple(xs.tolist())}")
    d = offset * np.linalg.norm(xs)
    t_end = -200.0 / abs(lam[0]) - 200.0 / m.r.min()
    r_min = 1e-9 * np.linalg.norm(xs)
    out = []
    for sign in (-1.0, 1.0):
        pts, _ = _branch(m, xs + sign * d * v, t_end, (xlim[1], ylim[1]), r_min, rtol,
                         num, first=xs)
        if sign < 0:
            pts = np.vstack([pts, [0.0, 0.0]])
        out.append(_resample(pts, num))
    return out


def unstable_manifold(model, saddle=None, xlim=None, ylim=None, *, offset: float = 1e-7,
                      rtol: float = 1e-11, num: int = 400, tol: float = 1e-6) -> list:
    """Branches of the unstable manifold of a saddle that enter the open quadrant.

    Each branch starts at the saddle displaced by ``offset * |x_s|`` along its unstable
    eigenvector and is integrated forward (in log coordinates) until it comes within
    ``tol * |x_s|`` of a stable equilibrium (which is appended as its last point), leaves
    the window, or reaches a horizon long enough for both (3 (ln(1/offset) / lambda_u +
    ln(1/tol) / lambda_slow), with lambda_u the saddle's unstable eigenvalue and
    lambda_slow the slowest decay rate at the stable equilibria).

    Parameters
    ----------
    model : TwoSpecies
    saddle : Equilibrium or array_like, optional
        The saddle; default: the interior saddle if there is one, else every boundary
        saddle (a boundary saddle has one branch into the quadrant; the other leaves it).
    xlim, ylim : (float, float), optional
    offset, rtol, num
        As in :func:`separatrix`.
    tol : float
        Relative distance at which a branch counts as arrived at an attractor.

    Returns
    -------
    list of ndarray
        (m, 2) arrays of (x1, x2) points, each starting at its saddle.

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, unstable_manifold
    >>> m = TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.5)
    >>> branches = unstable_manifold(m)
    >>> sorted([round(float(v), 6) for v in b[-1]] for b in branches)
    [[0.0, 1.0], [1.0, 0.0]]
    """
    m = _two(model)
    xlim, ylim = _limits(m, xlim, ylim)
    offset = C.positive(offset, "offset")
    tol = C.positive(tol, "tol")
    num = C.count(num, "num", 2, 100_000)
    eqs = equilibria(m)
    attractors = [e for e in eqs if e.stable]
    if saddle is None:
        sad = _interior_saddle(m)
        saddles = [sad] if sad is not None else [e for e in eqs if e.kind == "saddle"]
    else:
        xs = saddle.x if isinstance(saddle, Equilibrium) else np.asarray(saddle, float)
        match = [e for e in eqs if e.kind == "saddle"
                 and np.allclose(e.x, xs, rtol=1e-9, atol=1e-12 * max(m.N1, m.N2))]
        if not match:
            raise ValueError(f"saddle: {np.asarray(xs).tolist()} is not a saddle of the model")
        saddles = match
    lam_slow = min((min(abs(e.eigenvalues.real)) for e in attractors), default=m.r.min())
    out = []
    for sad in saddles:
        xs = np.asarray(sad.x)
        lam, vec = _eig_real(sad.jacobian)
        v = vec[:, -1] / np.linalg.norm(vec[:, -1])
        t_end = 3.0 * (math.log(1.0 / offset) / lam[-1] + math.log(1.0 / tol) / lam_slow)
        d = offset * np.linalg.norm(xs)
        for sign in (1.0, -1.0):
            start = xs + sign * d * v
            if np.any(start <= 0):
                continue  # this branch leaves the closed quadrant
            pts, _ = _branch(m, start, t_end, (xlim[1] * 10, ylim[1] * 10), 0.0, rtol, num,
                             first=xs)
            for a in attractors:
                dist = np.hypot(*(pts - a.x).T)
                hit = np.flatnonzero(dist <= tol * np.linalg.norm(xs))
                if hit.size:
                    pts = np.vstack([pts[: hit[0] + 1], a.x])
                    break
            out.append(_resample(pts, num))
    return out


@dataclass
class Basins:
    """Which attractor each start of a grid reaches.

    Attributes
    ----------
    labels : ndarray of int, shape (resolution, resolution)
        labels[i, j] is the index into ``attractors`` reached from (x[j], y[i]) (rows = x2,
        as ``imshow(..., origin="lower")`` expects), or -1 where the start had not come
        within ``tol`` of any attractor by the horizon ``t_max`` (undecided: in practice a
        thin band along the separatrix).
    attractors : list of Equilibrium
    fractions : ndarray, shape (len(attractors),)
        Fraction of the window's cells in each basin.
    undecided : float
        Fraction labelled -1.
    x, y : ndarray, shape (resolution,)
        Cell centres.
    extent : tuple
        (x_lo, x_hi, y_lo, y_hi) for ``imshow``.
    t_max : float
        The horizon used.
    """

    labels: np.ndarray
    attractors: list
    fractions: np.ndarray
    undecided: float
    x: np.ndarray
    y: np.ndarray
    extent: tuple
    t_max: float

    def __repr__(self):
        fr = ", ".join(f"{f:.4f}" for f in self.fractions)
        return (f"Basins({self.labels.shape[0]}x{self.labels.shape[1]}, "
                f"{len(self.attractors)} attractor(s), fractions=[{fr}], "
                f"undecided={self.undecided:.4f})")


def basin_horizon(m: TwoSpecies, xlim, ylim, tol: float, band: float = 1e-6) -> tuple:
    """The two integration times (t_first, t_max) :func:`basins` uses (see there)."""
    eqs = equilibria(m)
    att = [e for e in eqs if e.stable]
    if not att:
        raise ValueError(f"model has no hyperbolic attractor (outcome {outcome(m).name}: a "
                         "degenerate case such as u = v = 1, where a whole line of "
                         "equilibria attracts), so basins of attraction are not defined")
    lam_slow = min(min(abs(e.eigenvalues.real)) for e in att)
    # growth from the smallest start (half a cell, at least 1/2000 of the window)
    lo = min((xlim[1] - xlim[0]), (ylim[1] - ylim[0])) / 2000.0
    t_first = 1.2 * (math.log(1.0 / tol) / lam_slow
                     + math.log(max(m.N1, m.N2) / lo) / m.r.min())
    t_max = t_first
    sad = _interior_saddle(m)
    if sad is not None:
        t_max += 1.2 * math.log(1.0 / band) / max(sad.eigenvalues.real)
    return t_first, t_max


_TRAP_MARGIN = 1e-4  # per-capita growth margin (relative to r_i) for the trapping test


def _label(m, end, att, radius, slack):
    """Label end states: within ``radius`` of an attractor, or inside a trapping region.

    For a planar competitive system (d f1/d x2 <= 0, d f2/d x1 <= 0) the set
    Q+ = {dx1/dt > 0, dx2/dt < 0} is forward invariant: on its edge dx1/dt = 0 the time
    derivative of dx1/dt is (d f1/d x2)(dx2/dt) > 0, and likewise on dx2/dt = 0. Inside it
    x1 rises and x2 falls, so the trajectory converges to an equilibrium e with
    e1 >= x1 and e2 <= x2, which (off the axes) can only be a stable one: a saddle is
    approached along its stable manifold, an increasing curve, never from the side where
    one coordinate is below and the other above. So a state in Q+ belongs to the basin of
    the unique attractor to its lower right (larger x1, smaller x2), if there is just one;
    Q- likewise to the upper left. ``slack`` absorbs integration error in that comparison.
    """
    labels = np.full(end.shape[0], -1, dtype=np.int64)
    x, y = end[:, 0], end[:, 1]
    for k, a in enumerate(att):
        near = np.hypot(x - a.x[0], y - a.x[1]) <= radius
        labels[near & (labels < 0)] = k
    g1 = m.r1 - m.A[0, 0] * x - m.A[0, 1] * y  # per-capita growth rates
    g2 = m.r2 - m.A[1, 0] * x - m.A[1, 1] * y
    up = (g1 > _TRAP_MARGIN * m.r1) & (g2 < -_TRAP_MARGIN * m.r2)  # x1 rises, x2 falls
    down = (g1 < -_TRAP_MARGIN * m.r1) & (g2 > _TRAP_MARGIN * m.r2)
    for region, sign in ((up, 1.0), (down, -1.0)):
        count = np.zeros(end.shape[0], dtype=np.int64)
        which = np.full(end.shape[0], -1, dtype=np.int64)
        for k, a in enumerate(att):
            ok = (sign * (a.x[0] - x) >= -slack) & (sign * (y - a.x[1]) >= -slack)
            count += ok
            which[ok] = k
        hit = region & (count == 1) & (labels < 0)
        labels[hit] = which[hit]
    return labels


def _follow(x, m, att, radius, slack, stops, rtol, atol, progress=None):
    """Labels of the undecided starts ``x``, integrated on from checkpoint to checkpoint
    (each stage only those still undecided); -1 for those undecided at the last one."""
    labels = np.full(x.shape[0], -1, dtype=np.int64)
    rest = np.arange(x.shape[0])
    t_prev = 0.0
    for t_next in stops:  # integrate only the undecided starts on to the next checkpoint
        if rest.size == 0:
            break
        ens = solve_ensemble(lv_rhs, (t_prev, t_next), x, params=m.params, rtol=rtol,
                             atol=atol, progress=progress)
        x_end = ens.y[:, :, -1]
        lab = _label(m, x_end, att, radius, slack)
        labels[rest] = lab
        keep = lab < 0
        rest, x, t_prev = rest[keep], np.ascontiguousarray(x_end[keep]), t_next
    return labels


def basins(model, xlim=None, ylim=None, resolution: int = 200, *, tol: float = 1e-3,
           t_max=None, rtol: float = 1e-6, progress=None, client=None) -> Basins:
    """Basins of attraction on a grid of starts, as parallel ensembles.

    Every cell centre of a ``resolution`` x ``resolution`` grid over the window is
    integrated with :func:`odekit.solve_ensemble` (all cores) and labelled by the stable
    equilibrium within ``tol * D`` of its state (D the window's diagonal), or earlier, as
    soon as it lies in a trapping region that leads to a single attractor: where
    dx1/dt > 0 > dx2/dt (with a margin of 1e-4 r_i in the per-capita rates) the state can
    only go on to the stable equilibrium to its lower right, and where dx1/dt < 0 < dx2/dt
    to the one at its upper left (these regions are forward invariant for competition; the
    argument is in ``_label``). The core's ensembles have no events, so these tests are made
    at t = 0 (a start already decided is not integrated at all) and at checkpoints
    t_first / 16, / 8, / 4, / 2, t_first and t_max (geometric: most starts enter a trapping
    region between t_first / 16 and / 8, and each checkpoint costs each start a restart of
    about 14 evaluations), each stage integrating only the starts still undecided, on from
    where they are. The populations themselves are integrated (a polynomial right-hand side,
    about half the cost per evaluation of log coordinates), with atol = rtol times half a
    cell, so that the smallest start is followed to a relative accuracy of about rtol; the
    axes are invariant, so a state leaves the open quadrant only by the integration error,
    and only once a population has decayed to about atol, in practice long after the start
    was labelled (the tests check tiny starts by the origin). Here

    * t_first = 1.2 (ln(1/tol) / lambda_slow + ln(N_max / h) / r_min) is the time to decay
      to ``tol`` at the slowest rate lambda_slow of any attractor plus the time to grow
      from the smallest start h (half a cell, at least 1/2000 of the window) at the
      smallest growth rate, by which nearly every start has arrived;
    * t_max = t_first + 1.2 ln(1e6) / lambda_u (bistable case; lambda_u the interior
      saddle's unstable rate) adds the time to leave the saddle from 1e-6 of the scale,
      for the thin band of starts along the separatrix that linger by the saddle.

    A start still undecided at t_max is labelled -1 (it lies within about 1e-6 of the scale
    from the separatrix). Once within ``tol * D`` of a stable node a trajectory cannot
    reach another attractor, so the checkpoints give the same labels as a terminal event.

    Parameters
    ----------
    model : TwoSpecies
    xlim, ylim : (float, float), optional
        The window (default :meth:`TwoSpecies.window`).
    resolution : int
        Cells per side (2 .. 4000).
    tol : float
        Relative arrival distance; ``tol * D`` must be under a quarter of the distance from
        each attractor to the nearest other equilibrium.
    t_max : float, optional
        Override the final horizon (then the first checkpoint is min(t_first, t_max)).
    rtol : float
        Integration tolerance (atol = rtol * half the smaller cell side).
    progress : bool or None
        Progress bar (see :func:`odekit.solve_ensemble`).
    client : dask.distributed.Client, optional
        Integrate the undecided starts on a Dask cluster, by blocks (:doc:`/distributed`):
        bitwise the same labels as locally.

    Returns
    -------
    Basins

    Examples
    --------
    >>> from odekit.competition import TwoSpecies, basins
    >>> b = basins(TwoSpecies(1.0, 1.0, 1.5, 1.0, 1.0, 1.5), (0, 1), (0, 1), 20)
    >>> b.labels.shape, len(b.attractors), [round(float(f), 3) for f in b.fractions]
    ((20, 20), 2, [0.475, 0.475])
    >>> b.undecided   # the 20 diagonal cells lie exactly on the separatrix x1 = x2
    0.05
    """
    m = _two(model)
    xlim, ylim = _limits(m, xlim, ylim)
    res = C.count(resolution, "resolution", 2, 4000)
    tol = C.positive(tol, "tol")
    t_first, t_full = basin_horizon(m, xlim, ylim, tol)
    if t_max is not None:
        t_full = C.positive(t_max, "t_max")
        t_first = min(t_first, t_full)
    eqs = equilibria(m)
    att = [e for e in eqs if e.stable]
    diag = math.hypot(xlim[1] - xlim[0], ylim[1] - ylim[0])
    radius = tol * diag
    for a in att:
        gap = min(np.hypot(*(e.x - a.x)) for e in eqs if e is not a)
        if radius >= 0.25 * gap:
            raise ValueError(f"tol={tol} is too large: tol * diagonal = {radius:.3g} must be "
                             f"under a quarter of the gap {gap:.3g} between the attractor "
                             f"{tuple(a.x.tolist())} and the nearest other equilibrium")
    dx = (xlim[1] - xlim[0]) / res
    dy = (ylim[1] - ylim[0]) / res
    xc = xlim[0] + (np.arange(res) + 0.5) * dx
    yc = ylim[0] + (np.arange(res) + 0.5) * dy
    X, Y = np.meshgrid(xc, yc)  # rows = y
    X0 = np.column_stack([X.ravel(), Y.ravel()])
    atol = rtol * 0.5 * min(dx, dy)  # relative accuracy rtol at the smallest start
    stops = sorted({t_first / 16.0, t_first / 8.0, t_first / 4.0, t_first / 2.0, t_first, t_full})
    slack = 1e-6 * diag
    # starts already in a trapping region (or by an attractor) need no integration at all
    labels = _label(m, X0, att, radius, slack)
    rest = np.flatnonzero(labels < 0)
    follow = (m, att, radius, slack, stops, rtol, atol)
    if client is not None:
        from odekit.distributed import _entry

        labels[rest] = _entry.basin_labels(X0[rest], follow, client=client, progress=progress)
    elif rest.size:
        labels[rest] = _follow(np.ascontiguousarray(X0[rest]), *follow, progress=progress)
    labels = labels.reshape(res, res)
    total = labels.size
    fractions = np.array([np.count_nonzero(labels == k) / total for k in range(len(att))])
    return Basins(labels=labels, attractors=att, fractions=fractions,
                  undecided=float(np.count_nonzero(labels < 0) / total), x=xc, y=yc,
                  extent=(xlim[0], xlim[1], ylim[0], ylim[1]), t_max=float(t_full))
