"""The fuzzed public entry points, in one list: a family adds its own by appending an
:class:`EntryPoint` (a dotted path, a strategy of ``(args, kwargs)`` and the name of the
check its results must pass, see :data:`tests.fuzz.worker.CHECKS`).

Strategies mix plausible arguments with hostile ones (NaN/inf, negative and huge sizes,
wrong shapes and dtypes, wrong callables). Values must pickle: functions and odd objects
are named with :class:`tests.fuzz.targets.Ref`.
"""

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from .targets import Ref


@dataclass(frozen=True)
class EntryPoint:
    path: str  # "package.function", or "package.Class:method" (args = (ctor, method args))
    strategy: st.SearchStrategy = field(repr=False)  # of (args tuple, kwargs dict)
    check: str = "any"  # key of tests.fuzz.worker.CHECKS
    weight: int = 1  # share of the examples (the core gets more)

    @property
    def id(self):
        return self.path.replace("odekit.", "")


# ---------------------------------------------------------------- shared pieces
NASTY_FLOATS = [0.0, -0.0, 1e-308, 5e-324, -1.0, 1e308, -1e308, float("nan"), float("inf"),
                float("-inf")]
JUNK = st.sampled_from([None, "abc", b"x", True, 1j, Ref("AN_OBJECT"), {"a": 1}, [[1.0], 2.0]])

reals = st.one_of(st.floats(-1e3, 1e3), st.sampled_from(NASTY_FLOATS),
                  st.integers(-10**20, 10**20))
reals_or_junk = st.one_of(reals, reals, JUNK)
sizes = st.one_of(st.integers(-3, 12), st.sampled_from([0, 2**31, 2**62, 2**63, 10**18]),
                  st.floats(allow_nan=True), JUNK)


def arrays(max_side=4, elements=None):
    """Lists of numbers, nested lists, and numpy arrays of odd dtypes and shapes."""
    el = elements if elements is not None else reals
    flat = st.lists(el, max_size=max_side)
    nested = st.lists(st.lists(st.floats(-10, 10), min_size=1, max_size=3), max_size=3)
    dtyped = st.builds(lambda v, dt: np.array(v, dtype=dt),
                       st.lists(st.floats(-10, 10), max_size=max_side),
                       st.sampled_from(["f8", "f4", "i8", "c16", "?", "O"]))
    return st.one_of(flat, flat, nested, dtyped, JUNK)


t_spans = st.one_of(st.tuples(st.floats(-5, 5), st.floats(-5, 5)),
                    st.tuples(reals, reals), st.just((0.0, 1.0)), st.just((1.0, 0.0)), JUNK,
                    st.lists(reals, max_size=3))
rhs = st.sampled_from([Ref("decay"), Ref("oscillator"), Ref("rotation"), Ref("wrong_length"),
                       Ref("nan_rhs"), Ref("blowup"), Ref("two_args"), Ref("returns_scalar"),
                       Ref("NOT_CALLABLE"), Ref("A_LAMBDA")])
events = st.one_of(st.just(()), st.just([Ref("ev_first")]),
                   st.builds(lambda g, term, d: [("Event", g, term, d)],
                             st.sampled_from([Ref("ev_first"), Ref("ev_time"), Ref("ev_bad")]),
                             st.one_of(st.booleans(), JUNK), reals_or_junk),
                   st.just([Ref("ev_bad")]), st.just(Ref("NOT_CALLABLE")))


def _ivp_kwargs(ensemble=False):
    return st.fixed_dictionaries({}, optional=_ivp_kwargs_parts(ensemble))


def _ivp_kwargs_parts(ensemble=False):
    common = {
        "params": st.one_of(st.just([1.0]), st.just([]), arrays(3)),
        "rtol": st.one_of(st.just(1e-6), reals_or_junk),
        "atol": st.one_of(st.just(1e-9), reals_or_junk, arrays(3)),
        "method": st.one_of(st.sampled_from(["DOP853", "RK45", "RK4"]),
                            st.sampled_from(["Euler", "", "dop853"]), JUNK),
        "t_eval": st.one_of(st.none(), arrays(5)),
        "max_steps": st.one_of(st.just(100_000), st.integers(-5, 2000), sizes),
    }
    if not ensemble:
        common.update({
            "dense_output": st.one_of(st.booleans(), JUNK),
            "events": events,
            "first_step": st.one_of(st.none(), reals_or_junk),
            "max_step": st.one_of(st.just(np.inf), reals_or_junk),
            "step": st.one_of(st.none(), st.floats(1e-3, 1.0), reals_or_junk),
        })
    else:
        common["raise_on_failure"] = st.one_of(st.booleans(), JUNK)
    return common


# (right-hand side, y0 size, needs params): the functions that are right for their state
GOOD_RHS = [("decay", 1, True), ("decay", 2, True), ("oscillator", 2, True),
            ("rotation", 2, False), ("blowup", 1, False)]


@st.composite
def plausible_ivp(draw, ensemble=False):
    """A call that should succeed or fail cleanly (IntegrationError): right function and
    sizes, valid options; at most one argument is then replaced by a hostile value."""
    name, n, needs_p = draw(st.sampled_from(GOOD_RHS))
    t0 = draw(st.floats(-3, 3))
    t1 = t0 + draw(st.sampled_from([-1.0, 1.0])) * draw(st.floats(1e-3, 20.0))
    y0 = draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))
    if ensemble and draw(st.booleans()):
        k = draw(st.integers(1, 4))
        y0 = [draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n)) for _ in range(k)]
    kw = {"params": [draw(st.floats(0.1, 5.0))]} if needs_p else {}
    kw["method"] = draw(st.sampled_from(["DOP853", "RK45"] + ([] if ensemble else ["RK4"])))
    if kw["method"] == "RK4":
        kw["step"] = draw(st.floats(1e-2, 1.0))
    else:
        kw["rtol"] = draw(st.sampled_from([1e-3, 1e-6, 1e-9, 1e-12]))
        kw["atol"] = draw(st.sampled_from([1e-6, 1e-9, 1e-12]))
    if draw(st.booleans()):
        m = draw(st.integers(1, 6))
        te = sorted(set(draw(st.lists(st.floats(0.0, 1.0), min_size=m, max_size=m))))
        kw["t_eval"] = [t0 + f * (t1 - t0) for f in te]
    kw["max_steps"] = draw(st.sampled_from([50, 1000, 100_000]))
    if not ensemble:
        kw["dense_output"] = draw(st.booleans())
        if draw(st.booleans()):
            kw["events"] = [("Event", Ref(draw(st.sampled_from(["ev_first", "ev_time"]))),
                             draw(st.booleans()), draw(st.sampled_from([-1.0, 0.0, 1.0])))]
    args = [Ref(name), (t0, t1), y0]
    if draw(st.integers(0, 2)) == 0:  # one hostile value, in one place
        where = draw(st.sampled_from(["args"] * 3 + ["kw"] * 4))
        if where == "args":
            i = draw(st.integers(0, 2))
            args[i] = draw([rhs, t_spans, arrays(4)][i])
        else:
            key = draw(st.sampled_from(sorted(_ivp_kwargs_parts(ensemble))))
            kw[key] = draw(_ivp_kwargs_parts(ensemble)[key])
    return tuple(args), kw


def _ivp_args(ensemble=False):
    y0 = st.one_of(st.just([1.0, 0.5]), st.just([1.0]), arrays(4))
    if ensemble:
        y0 = st.one_of(y0, st.lists(st.lists(st.floats(-2, 2), min_size=2, max_size=2),
                                    min_size=1, max_size=4))
    return st.tuples(rhs, t_spans, y0)


_rates = st.one_of(st.floats(1e-3, 10), st.floats(1e-3, 10), reals_or_junk)

# ---------------------------------------------------------------- the list
ENTRY_POINTS = [
    EntryPoint("odekit.solve_ivp", st.one_of(plausible_ivp(), plausible_ivp(),
                                             st.tuples(_ivp_args(), _ivp_kwargs())), "ode", 4),
    EntryPoint("odekit.solve_ensemble",
               st.one_of(plausible_ivp(True), plausible_ivp(True),
                         st.tuples(_ivp_args(True), _ivp_kwargs(True))), "ensemble", 3),
    EntryPoint("odekit.Event", st.tuples(
        st.tuples(st.one_of(st.sampled_from([Ref("ev_first"), Ref("NOT_CALLABLE")]), JUNK),
                  st.one_of(st.booleans(), JUNK), reals_or_junk), st.just({})), "any"),
    # geometric probability
    EntryPoint("odekit.geoprob.sector_probability",
               st.tuples(st.tuples(st.one_of(st.integers(1, 50), sizes),
                                   st.one_of(st.floats(0, 2 * np.pi), reals_or_junk,
                                             arrays(3, st.floats(0, 7)))), st.just({})),
               "probability"),
    EntryPoint("odekit.geoprob.sector_probability_mc",
               st.tuples(st.tuples(st.one_of(st.integers(1, 20), sizes),
                                   st.one_of(st.floats(0, 2 * np.pi), reals_or_junk),
                                   st.one_of(st.integers(1, 3000), sizes)),
                         st.fixed_dictionaries({}, optional={
                             "seed": st.one_of(st.integers(0, 5), st.integers(-5, -1), JUNK),
                             "method": st.sampled_from(["mc", "qmc", "x"]),
                             "sampler": st.sampled_from(["disk", "angles", "box"]),
                             "confidence": reals_or_junk})), "estimate"),
    EntryPoint("odekit.geoprob.wilson_interval",
               st.tuples(st.tuples(st.one_of(st.integers(-2, 12), sizes),
                                   st.one_of(st.integers(-2, 12), sizes), reals_or_junk),
                         st.just({})), "interval"),
    EntryPoint("odekit.geoprob.wendel_probability",
               st.tuples(st.tuples(st.one_of(st.integers(1, 40), sizes),
                                   st.one_of(st.integers(1, 10), sizes)), st.just({})),
               "probability"),
    EntryPoint("odekit.geoprob.wendel_probability_exact",
               st.tuples(st.tuples(st.one_of(st.integers(1, 40), sizes),
                                   st.one_of(st.integers(1, 10), sizes)), st.just({})), "any"),
    EntryPoint("odekit.geoprob.sector_probability_exact",
               st.tuples(st.tuples(st.one_of(st.integers(1, 30), sizes),
                                   st.one_of(st.builds(__import__("fractions").Fraction,
                                                       st.integers(-2, 12),
                                                       st.integers(1, 12)), reals_or_junk)),
                         st.just({})), "any"),
    EntryPoint("odekit.geoprob.wendel",
               st.tuples(st.tuples(st.one_of(st.integers(1, 70), sizes),
                                   st.one_of(st.integers(1, 10), sizes)), st.just({})), "any"),
    EntryPoint("odekit.geoprob.buffon_probability",
               st.tuples(st.tuples(reals_or_junk, reals_or_junk), st.just({})), "probability"),
    # Mathieu / Kapitza
    EntryPoint("odekit.mathieu.characteristic_a",
               st.tuples(st.tuples(st.one_of(st.integers(0, 30), sizes, arrays(3)),
                                   st.one_of(st.floats(-50, 50), reals_or_junk, arrays(3))),
                         st.just({})), "finite"),
    EntryPoint("odekit.mathieu.characteristic_b",
               st.tuples(st.tuples(st.one_of(st.integers(1, 30), sizes),
                                   st.one_of(st.floats(-50, 50), reals_or_junk)),
                         st.just({})), "finite"),
    EntryPoint("odekit.mathieu.ce",
               st.tuples(st.tuples(st.one_of(st.integers(0, 10), sizes),
                                   st.one_of(st.floats(-20, 20), reals_or_junk),
                                   st.one_of(st.floats(-10, 10), reals_or_junk, arrays(4))),
                         st.just({})), "finite"),
    EntryPoint("odekit.mathieu.KapitzaPendulum:barrier_angle",
               st.tuples(st.tuples(st.tuples(reals_or_junk, reals_or_junk, reals_or_junk),
                                   st.just(())), st.just({})), "finite"),
    *[EntryPoint(f"odekit.mathieu.KapitzaPendulum:{m}",
                 st.tuples(st.tuples(st.tuples(st.one_of(st.floats(0.1, 2), reals_or_junk),
                                               st.one_of(st.floats(1e-3, 0.1), reals_or_junk),
                                               st.one_of(st.floats(10, 600), reals_or_junk)),
                                     st.just(())), st.just({})), "finite")
      for m in ("mathieu_parameters", "slow_frequency", "floquet_growth_rate")],
    # competing species (rates, capacities and coefficients mostly valid)
    EntryPoint("odekit.competition.TwoSpecies",
               st.tuples(st.tuples(*[st.one_of(st.floats(1e-3, 10), reals_or_junk)
                                     for _ in range(6)]), st.just({})), "any"),
    *[EntryPoint(f"odekit.competition.TwoSpecies:{m}",
                 st.tuples(st.tuples(st.tuples(*[_rates] * 6), st.just(())), st.just({})),
                 check)
      for m, check in (("equilibria", "any"), ("outcome", "any"),
                       ("invasion_rates", "finite"))],
    EntryPoint("odekit.competition.LotkaVolterra",
               st.tuples(st.tuples(arrays(3, st.floats(0, 5)), arrays(3, st.floats(0, 5))),
                         st.just({})), "any"),
    EntryPoint("odekit.competition.TwoSpecies:simulate",
               st.tuples(st.tuples(st.tuples(*[st.floats(1e-2, 5) for _ in range(6)]),
                                   st.tuples(st.one_of(arrays(3, st.floats(0, 10)),
                                                       st.lists(st.floats(0, 10), min_size=2,
                                                                max_size=2)),
                                             st.one_of(st.just((0.0, 5.0)), t_spans))),
                         st.just({})), "any"),
    # characteristic lines: data, priors and paths (validation of every argument)
    EntryPoint("odekit.characteristics.EmpiricalData",
               st.tuples(st.tuples(arrays(4)), st.fixed_dictionaries(
                   {}, optional={"weights": arrays(4, st.floats(-1, 5))})), "any"),
    EntryPoint("odekit.characteristics.GaussianMixture",
               st.tuples(st.tuples(arrays(3, st.floats(-1, 3)), arrays(3), arrays(3)),
                         st.just({})), "any"),
    EntryPoint("odekit.characteristics.GaussianPrior",
               st.tuples(st.tuples(st.one_of(st.integers(1, 4), sizes),
                                   st.one_of(st.floats(0.1, 3), reals_or_junk)), st.just({})),
               "any"),
    EntryPoint("odekit.characteristics.UniformPrior",
               st.tuples(st.tuples(arrays(3), arrays(3)), st.just({})), "any"),
    EntryPoint("odekit.characteristics.GaussianPath.variance_exploding",
               st.tuples(st.tuples(st.one_of(st.floats(1e-3, 1), reals_or_junk),
                                   st.one_of(st.floats(1, 100), reals_or_junk)), st.just({})),
               "any"),
    EntryPoint("odekit.characteristics.PoissonPath",
               st.tuples(st.tuples(st.one_of(st.integers(1, 5), sizes),
                                   st.one_of(st.floats(1, 50), reals_or_junk)), st.just({})),
               "any"),
]
