"""What the fuzzed calls may pass that cannot be pickled as data: right-hand sides, event
functions and odd objects, named by :class:`Ref` in the strategies and resolved in the
worker. Top level, so their compiled kernels are cached on disk between runs."""

import numpy as np


class Ref:
    """A reference by name to an object of this module (resolved in the worker)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Ref({self.name!r})"


# ---------------------------------------------------------------- right-hand sides
def decay(t, y, p):
    return -p[0] * y


def oscillator(t, y, p, dydt):
    dydt[0] = y[1]
    dydt[1] = -p[0] * y[0]


def rotation(t, y, p):
    return np.array([y[1], -y[0]])


def wrong_length(t, y, p):
    return np.array([y[0], y[0], y[0]])


def nan_rhs(t, y, p):
    return np.array([np.nan + y[0]])


def blowup(t, y, p):
    return y * y


def two_args(t, y):
    return y


def returns_scalar(t, y, p):
    return 1.0


# ---------------------------------------------------------------- event functions
def ev_first(t, y, p):
    return y[0]


def ev_time(t, y, p):
    return np.sin(3.0 * t)


def ev_bad(t, y):
    return y[0]


NOT_CALLABLE = 3.0
A_LAMBDA = lambda t, y, p: -y  # noqa: E731 - a lambda on purpose
AN_OBJECT = object()


def resolve(x):
    """Replace every Ref (also inside lists, tuples and dicts) by the object it names."""
    if isinstance(x, Ref):
        return globals()[x.name]
    if isinstance(x, tuple) and len(x) == 4 and x[0] == "Event":  # ("Event", g, term, dir)
        from odekit import Event

        return Event(resolve(x[1]), terminal=resolve(x[2]), direction=resolve(x[3]))
    if isinstance(x, list):
        return [resolve(v) for v in x]
    if isinstance(x, tuple):
        return tuple(resolve(v) for v in x)
    if isinstance(x, dict):
        return {k: resolve(v) for k, v in x.items()}
    return x
