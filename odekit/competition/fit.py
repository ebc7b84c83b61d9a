"""Fitting competition models to time series by least squares on the ODE solution.

The residuals are (model(t_k) - observation_k) * weight_k over every finite observation;
the model is integrated by odekit (log-coordinate right-hand side, the one compiled
kernel) at the data times, and :func:`scipy.optimize.least_squares` adjusts the logarithms
of the parameters (so every rate, capacity, coefficient and initial value stays positive)
from several starts.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from .. import _jit
from ..integrate import IntegrationError, solve_ivp
from . import _checks as C
from ._rhs import lv_log_rhs
from .analysis import Outcome
from .model import LotkaVolterra, TwoSpecies

__all__ = ["fit", "FitResult", "MODELS"]

#: The model names :func:`fit` accepts.
MODELS = ("two-species", "logistic")

_NAMES = {"two-species": ("r1", "N1", "a1", "r2", "N2", "a2"), "logistic": ("r", "N")}
#: least_squares' Jacobian: central differences with relative step 1e-5 (truncation
#: error ~1e-10, integration noise ~rtol / 1e-5); with forward differences at the default
#: step the optimum in the flat directions moved by ~1e-5 with the integration tolerance.
_JAC = {"jac": "3-point", "diff_step": 1e-5}
_X0_NAMES = {"two-species": ("x1_0", "x2_0"), "logistic": ("x_0",)}


class _Problem:
    """Data, weights and the map from log-parameters to residuals (no state per call)."""

    def __init__(self, kind, t, obs, w, fit_initial, x0_fixed, rtol, fixed=None):
        self.kind, self.t, self.obs, self.w = kind, t, obs, w
        self.ns = obs.shape[1]
        self.fit_initial = fit_initial
        self.x0_fixed = x0_fixed
        self.rtol = rtol
        # an observation counts (in m, the dof and the bootstrap's residual pools) only
        # when it is present and has a positive weight
        self.mask = np.isfinite(obs) & (w > 0)
        self.names = _NAMES[kind] + (_X0_NAMES[kind] if fit_initial else ())
        fixed = fixed or {}
        self.free = np.array([nm not in fixed for nm in self.names])
        self.fixed_log = np.array([math.log(fixed[nm]) if nm in fixed else 0.0
                                   for nm in self.names])
        self.k = int(self.free.sum())
        self.m = int(self.mask.sum())
        self.span = (float(t[0]), float(t[-1]))
        self.penalty = 1e3 * float(np.nanmax(np.abs(obs)) * np.max(w) + 1.0)

    def lv_params(self, q):
        """Natural parameters -> (LV parameter vector p, x0)."""
        if self.kind == "two-species":
            r1, N1, a1, r2, N2, a2 = q[:6]
            p = np.array([r1, r2, r1 / N1, a1, a2, r2 / N2])
            x0 = q[6:8] if self.fit_initial else self.x0_fixed
        else:
            r, N = q[:2]
            p = np.array([r, r / N])
            x0 = q[2:3] if self.fit_initial else self.x0_fixed
        return p, np.asarray(x0, dtype=float)

    def predict(self, q, t_eval=None):
        p, x0 = self.lv_params(q)
        te = self.t if t_eval is None else t_eval
        t1 = max(self.span[1], float(te[-1]))
        if t1 <= self.span[0]:
            t1 = self.span[0] + 1.0
        res = solve_ivp(lv_log_rhs, (self.span[0], t1), np.log(x0), params=p, t_eval=te,
                        rtol=self.rtol, atol=self.rtol * 1e-2, max_steps=50_000)
        return np.exp(res.y).T  # (m, ns)

    def full(self, theta):
        """Free log-parameters -> every log-parameter (fixed ones inserted)."""
        out = self.fixed_log.copy()
        out[self.free] = theta
        return out

    def residuals(self, theta, obs=None):
        obs = self.obs if obs is None else obs
        try:
            pred = self.predict(np.exp(self.full(theta)))
        except IntegrationError:
            return np.full(self.m, self.penalty)
        r = (pred - obs) * self.w
        return r[self.mask]


@dataclass
class FitResult:
    """The result of :func:`fit`.

    Attributes
    ----------
    model : TwoSpecies or LotkaVolterra
        The fitted model (a one-species :class:`LotkaVolterra` for ``model="logistic"``).
    kind : str
        "two-species" or "logistic".
    params : dict
        Fitted values by name: r1, N1, a1, r2, N2, a2 (or r, N), and the initial values
        x1_0, x2_0 (or x_0) at the first observation time when they were fitted.
    stderr : dict
        Standard errors by name, from the Jacobian at the optimum: the covariance of the
        log-parameters is s^2 (J^T J)^-1 with s the residual standard error, and the delta
        method turns it into se(p) = p se(log p). NaN where J^T J is singular.
    residual_standard_error : float
        sqrt(sum of squared weighted residuals / (m - k)), m observations (finite, with
        a positive weight), k parameters.
    dof : int
        m - k.
    cost : float
        Half the sum of squared weighted residuals at the optimum.
    x0 : ndarray
        Initial populations at ``t[0]`` (fitted or given).
    t, observations, weights : ndarray
        The data fitted.
    start_costs : ndarray
        The final cost reached from each start.
    success : bool
        least_squares reported convergence from the best start.
    cov_log : ndarray
        Covariance of the free log-parameters (k x k, in the order of ``params`` without
        the fixed ones).
    """

    model: object
    kind: str
    params: dict
    stderr: dict
    residual_standard_error: float
    dof: int
    cost: float
    x0: np.ndarray
    t: np.ndarray
    observations: np.ndarray
    weights: np.ndarray
    start_costs: np.ndarray
    success: bool
    cov_log: np.ndarray
    nfev: int
    _problem: _Problem = field(repr=False)
    _theta: np.ndarray = field(repr=False)

    def __repr__(self):
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return (f"FitResult({self.kind}: {ps}; RSE={self.residual_standard_error:.4g} on "
                f"{self.dof} dof)")

    def predict(self, t) -> np.ndarray:
        """The fitted trajectories at times ``t`` (>= t[0], increasing): shape (len(t), ns)."""
        te = C.real_array(t, "t", 1)
        if te.size == 0 or te[0] < self.t[0] or np.any(np.diff(te) <= 0):
            raise ValueError("t must be strictly increasing and start at or after the first "
                             f"observation time {self.t[0]}")
        return self._problem.predict(np.exp(self._problem.full(self._theta)), te)

    @property
    def residuals(self) -> np.ndarray:
        """Observations minus fitted values (unweighted), shape of ``observations``."""
        return self.observations - self.predict(self.t)

    def outcome(self, tol: float = 1e-9) -> Outcome:
        """The long-run outcome of the fitted two-species model."""
        if self.kind != "two-species":
            raise ValueError("outcome() needs a two-species fit; this is a logistic fit")
        return self.model.outcome(tol=tol)

    def outcome_probabilities(self, n: int = 200, seed=0, *, workers=None,
                              client=None) -> dict:
        """Probability of each outcome under a parametric (residual) bootstrap.

        Each of ``n`` replicates adds residuals resampled with replacement (per species,
        from this fit's residuals) to the fitted curves, clips at 0, and refits from this
        fit's parameters; the outcome of each refitted model is counted. Replicate i draws
        from its own stream ``SeedSequence(seed).spawn(n)[i]``, so the answer depends on
        ``seed`` only, not on how many threads run the refits (``workers``, default
        Numba's thread count; the integrations release the GIL). A refit whose
        optimiser fails is not counted; the denominator is the number that succeeded.

        Parameters
        ----------
        n : int
            Bootstrap replicates (1 .. 100000).
        seed : int
        workers : int, optional
        client : dask.distributed.Client, optional
            Run the refits on a Dask cluster, by blocks of replicates
            (:doc:`/distributed`): the same probabilities as locally.

        Returns
        -------
        dict
            ``{Outcome: probability}`` for every member of :class:`Outcome`.

        Examples
        --------
        >>> import numpy as np
        >>> from odekit.competition import TwoSpecies, fit
        >>> true = TwoSpecies(1.0, 100.0, 0.004, 0.8, 80.0, 0.003)   # coexistence
        >>> t = np.arange(0.0, 25.0)
        >>> x = true.simulate([2.0, 2.0], (0.0, 24.0), t_eval=t).y.T
        >>> rng = np.random.default_rng(1)
        >>> f = fit(t, x * (1 + 0.02 * rng.standard_normal(x.shape)), starts=2)
        >>> probs = f.outcome_probabilities(n=10, seed=0)
        >>> round(sum(probs.values()), 12), max(probs, key=probs.get).name
        (1.0, 'COEXISTENCE')
        """
        if self.kind != "two-species":
            raise ValueError("outcome_probabilities() needs a two-species fit")
        n = C.count(n, "n", 1, 100_000)
        if isinstance(seed, np.random.Generator):
            raise TypeError("seed must be an int here (each replicate spawns its own stream)")
        C.rng(seed)
        workers = _jit.num_threads() if workers is None else C.count(workers, "workers", 1,
                                                                       1024)
        if client is not None:
            from odekit.distributed import _entry

            outs = _entry.bootstrap_outcomes(self, n, int(seed), client=client)
        elif workers == 1 or n == 1:
            outs = self._replicates(int(seed), 0, n)
        else:
            size = -(-n // (4 * min(workers, n)))  # contiguous blocks, a few per thread
            with ThreadPoolExecutor(max_workers=min(workers, n)) as pool:
                outs = [o for block in pool.map(lambda i: self._replicates(int(seed), i,
                                                                            min(i + size, n)),
                                                range(0, n, size)) for o in block]
        good = [o for o in outs if o is not None]
        if not good:
            raise RuntimeError("every bootstrap refit failed")
        return {o: sum(1 for g in good if g is o) / len(good) for o in Outcome}

    def _replicates(self, seed: int, start: int, stop: int) -> list:
        """Outcomes of bootstrap replicates start .. stop - 1 (None where a refit failed);
        replicate i draws from ``SeedSequence(seed).spawn(...)[i]`` whatever the block."""
        prob = self._problem
        fitted = self.predict(self.t)
        resid = self.observations - fitted
        pools = [resid[prob.mask[:, j], j] for j in range(prob.ns)]
        seqs = np.random.SeedSequence(seed).spawn(stop)[start:stop]
        lo, hi = _bounds(prob)
        outs = []
        for seq in seqs:
            g = np.random.default_rng(seq)
            obs = fitted.copy()
            for j in range(prob.ns):
                obs[:, j] += g.choice(pools[j], size=obs.shape[0], replace=True)
            obs = np.where(prob.mask, np.maximum(obs, 0.0), np.nan)
            sol = least_squares(prob.residuals, np.clip(self._theta, lo, hi), bounds=(lo, hi),
                                kwargs={"obs": obs}, method="trf", x_scale=1.0, **_JAC)
            if not sol.success:
                outs.append(None)
                continue
            q = np.exp(prob.full(sol.x))
            outs.append(TwoSpecies(*q[:6]).outcome())
        return outs


def _bounds(prob: _Problem):
    """Box bounds on the log-parameters (wide: they only keep the optimiser out of
    regions where the ODE is meaningless for the data)."""
    T = max(prob.span[1] - prob.span[0], 1e-12)
    top = float(np.nanmax(prob.obs))
    top = top if top > 0 else 1.0
    lr = (math.log(1e-3 / T), math.log(1e3 / T))
    lN = (math.log(1e-3 * top), math.log(1e3 * top))
    la = (math.log(1e-9 / (T * top)), math.log(1e3 / (T * top)))
    lx = (math.log(1e-8 * top), math.log(1e2 * top))
    if prob.kind == "two-species":
        parts = [lr, lN, la, lr, lN, la] + ([lx, lx] if prob.fit_initial else [])
    else:
        parts = [lr, lN] + ([lx] if prob.fit_initial else [])
    lo, hi = (np.array(v)[prob.free] for v in zip(*parts))
    return lo, hi


def _heuristic(prob: _Problem) -> np.ndarray:
    """A rough starting point from the data: capacities from the maxima, rates from the
    early rise, competition coefficients at half the self-limitation."""
    t, obs = prob.t, prob.obs
    T = max(t[-1] - t[0], 1e-12)
    q = []
    caps, rates, first = [], [], []
    for j in range(prob.ns):
        col = obs[:, j]
        ok = np.isfinite(col) & (col > 0)
        top = float(np.max(col[ok])) if ok.any() else 1.0
        x_first = float(col[ok][0]) if ok.any() else top * 1e-2
        caps.append(top)
        first.append(min(max(x_first, 1e-6 * top), top))
        # time to reach half the maximum
        half = np.flatnonzero(ok & (col >= 0.5 * top))
        th = (t[half[0]] - t[0]) if half.size else T / 2
        rates.append(max(math.log(max(0.5 * top / first[-1], 2.0)) / max(th, T / 50), 1e-2 / T))
    if prob.kind == "two-species":
        r1, r2 = rates
        N1, N2 = caps
        q = [r1, N1, 0.5 * r1 / N1, r2, N2, 0.5 * r2 / N2]
    else:
        q = [rates[0], caps[0]]
    if prob.fit_initial:
        q += first
    return np.log(np.array(q))[prob.free]


def fit(t, observations, *, model: str = "two-species", weights=None, fit_initial=True,
        x0=None, fixed=None, starts: int = 8, seed=0, rtol: float = 1e-10,
        tol: float = 1e-10) -> FitResult:
    """Fit a competition model (or a logistic curve) to observed populations.

    Minimises sum_k (w_k (x_model(t_k) - y_k))^2 over every finite observation with
    :func:`scipy.optimize.least_squares` (trust-region reflective; central-difference
    Jacobian with relative step 1e-5), each evaluation an odekit integration at the data
    times. The optimiser
    works on the logarithms of the parameters, so they stay positive, inside wide box
    bounds. The first start is a heuristic from the data (capacities from the maxima,
    rates from the early rise); the other ``starts - 1`` perturb it by uniform random
    amounts in [-1.5, 1.5] on the log scale, drawn from ``seed``. The best start wins.

    Parameters
    ----------
    t : array_like, shape (m,)
        Observation times, strictly increasing. The initial values refer to ``t[0]``.
    observations : array_like, shape (m, 2) or, for "logistic", (m,) or (m, 1)
        Observed populations (species in columns), >= 0; NaN marks a missing value.
    model : {"two-species", "logistic"}
        :class:`TwoSpecies` (r1, N1, a1, r2, N2, a2) or one logistic species (r, N).
    weights : array_like, optional
        Broadcastable to the observations (e.g. one weight per species; for "logistic"
        also one per time, shape (m,)), >= 0, finite. An observation of weight 0 is left
        out (it does not count in the degrees of freedom).
    fit_initial : bool
        Fit the populations at ``t[0]`` too (default). If False they are ``x0``, or the
        first observations (which must then be finite and positive).
    x0 : array_like, optional
        Initial populations when ``fit_initial`` is False.
    fixed : dict, optional
        Parameters held at given positive values, by name (e.g. ``{"r1": 0.9, "N1": 200}``
        from monoculture fits); they get standard error 0 and do not count as fitted.
    starts : int
        Number of starts (1 .. 1000).
    seed : int or numpy Generator
        For the random starts.
    rtol : float
        Integration tolerance (atol = rtol / 100 on log x). Keep it tight: the Jacobian is
        taken by finite differences.
    tol : float
        least_squares' ftol, xtol and gtol.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> import numpy as np
    >>> from odekit.competition import fit
    >>> t = np.arange(0.0, 20.0)
    >>> x = 100.0 / (1.0 + 99.0 * np.exp(-0.7 * t))        # logistic, r = 0.7, N = 100
    >>> f = fit(t, x, model="logistic", starts=2)
    >>> round(f.params["r"], 6), round(f.params["N"], 6), round(f.params["x_0"], 6)
    (0.7, 100.0, 1.0)
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    tt = C.real_array(t, "t", 1)
    if tt.size < 2 or np.any(np.diff(tt) <= 0):
        raise ValueError("t must hold at least 2 strictly increasing times")
    obs = _observations(observations, model, tt.size)
    ns = obs.shape[1]
    if weights is None:
        w = np.ones_like(obs)
    else:
        try:
            w = np.asarray(weights, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"weights must be an array of real numbers, got {weights!r}"
                            ) from None
        if model == "logistic" and w.ndim == 1 and w.shape == (tt.size,):
            w = w[:, None]  # one weight per time, as the (m,) observations
        try:
            w = np.broadcast_to(w, obs.shape).copy()
        except ValueError:
            raise ValueError(f"weights must broadcast to the observations' shape {obs.shape}"
                             ) from None
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("weights must be finite and non-negative")
    starts = C.count(starts, "starts", 1, 1000)
    g = C.rng(seed)
    rtol = C.positive(rtol, "rtol")
    tol = C.positive(tol, "tol")
    fit_initial = bool(fit_initial)
    x0_fixed = None
    if not fit_initial:
        x0_fixed = obs[0] if x0 is None else C.real_array(x0, "x0", 1)
        if x0_fixed.shape != (ns,) or not np.all(np.isfinite(x0_fixed)) or np.any(
                x0_fixed <= 0):
            raise ValueError(f"x0 must be {ns} finite positive populations (with "
                             "fit_initial=False it defaults to the first observations)")
    elif x0 is not None:
        raise ValueError("x0 is only used with fit_initial=False")
    fixed = {} if fixed is None else dict(fixed)
    allowed = _NAMES[model] + (_X0_NAMES[model] if fit_initial else ())
    for nm, val in fixed.items():
        if nm not in allowed:
            raise ValueError(f"fixed: unknown parameter {nm!r}; choose from {allowed}")
        fixed[nm] = C.positive(val, f"fixed[{nm!r}]")
    if len(fixed) == len(allowed):
        raise ValueError("fixed: at least one parameter must be left free")
    prob = _Problem(model, tt, obs, w, fit_initial, x0_fixed, rtol, fixed)
    if prob.m <= prob.k:
        raise ValueError(f"observations: {prob.m} finite values cannot determine "
                         f"{prob.k} parameters")
    sol, costs, nfev = _multistart(prob, starts, g, tol)
    return _package(prob, sol, costs, nfev)


def _multistart(prob, starts: int, g: np.random.Generator, tol: float):
    """least_squares from the heuristic start and ``starts - 1`` random perturbations of
    it; returns (best solution, final cost of each start, total nfev). ``prob`` is any
    object with ``residuals(theta)`` and the fields :func:`_bounds` reads (the benchmark
    passes one whose integrations are SciPy's)."""
    lo, hi = _bounds(prob)
    th0 = np.clip(_heuristic(prob), lo + 1e-9, hi - 1e-9)
    cands = [th0] + [np.clip(th0 + g.uniform(-1.5, 1.5, th0.size), lo + 1e-9, hi - 1e-9)
                     for _ in range(starts - 1)]
    best, costs, nfev = None, [], 0
    for c in cands:
        sol = least_squares(prob.residuals, c, bounds=(lo, hi), method="trf", ftol=tol,
                            xtol=tol, gtol=tol, x_scale=1.0, max_nfev=2000, **_JAC)
        nfev += sol.nfev
        costs.append(sol.cost)
        if best is None or sol.cost < best.cost:
            best = sol
    return best, np.array(costs), nfev


def _observations(observations, model, m):
    try:
        obs = np.array(observations, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"observations must be an array of numbers ({exc})") from None
    ns = 2 if model == "two-species" else 1
    if obs.ndim == 1 and ns == 1:
        obs = obs[:, None]
    if obs.ndim != 2 or obs.shape != (m, ns):
        raise ValueError(f"observations must have shape ({m}, {ns}) for model {model!r} "
                         f"(one row per time), got {obs.shape}")
    if np.any(np.isinf(obs)):
        raise ValueError("observations must be finite (NaN marks a missing value)")
    if np.any(obs[np.isfinite(obs)] < 0):
        raise ValueError("observations must be non-negative (populations)")
    if not np.any(np.isfinite(obs)):
        raise ValueError("observations are all missing")
    return obs


def _package(prob: _Problem, sol, costs, nfev) -> FitResult:
    q = np.exp(prob.full(sol.x))
    dof = prob.m - prob.k
    s2 = 2.0 * sol.cost / dof
    J = sol.jac
    try:
        cov = s2 * np.linalg.inv(J.T @ J)
        if not np.all(np.isfinite(cov)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.full((prob.k, prob.k), np.nan)
    se_free = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se_free[~np.isfinite(np.diag(cov))] = np.nan
    se_log = np.zeros(len(prob.names))
    se_log[prob.free] = se_free
    params = {k: float(v) for k, v in zip(prob.names, q)}
    stderr = {k: float(v * s) for k, v, s in zip(prob.names, q, se_log)}
    if prob.kind == "two-species":
        model = TwoSpecies(*q[:6])
    else:
        model = LotkaVolterra([q[0]], [[q[0] / q[1]]])
    _, x0 = prob.lv_params(q)
    return FitResult(model=model, kind=prob.kind, params=params, stderr=stderr,
                     residual_standard_error=math.sqrt(s2), dof=dof, cost=float(sol.cost),
                     x0=x0.copy(), t=prob.t.copy(), observations=prob.obs.copy(),
                     weights=prob.w.copy(), start_costs=costs, success=bool(sol.success),
                     cov_log=cov, nfev=int(nfev), _problem=prob, _theta=sol.x.copy())


