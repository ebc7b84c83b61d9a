"""A small tracer: a right-hand side called once on symbols becomes an expression graph.

The user's function ``f(t, y, p)`` (returning) or ``f(t, y, p, dydt)`` (in place) is called
once with ``t`` a :class:`Sym`, ``y`` and ``p`` object arrays of :class:`Sym` (so indexing,
slicing, ``len``, ``y.shape`` and element-wise NumPy arithmetic all work), and ``dydt`` an
object array that records what is written into it.

What is recorded (each distinct operation once: common subexpressions are shared by
hash-consing, so ``y[0] * y[1]`` written twice is one node):

* ``+ - * /``, unary ``-``/``+``, ``**`` with a constant exponent (integers 2 and 3 become
  products, other exponents the power recurrence) or a traced one (``exp(b log a)``);
* ``sqrt exp log sin cos tan tanh arctan2 arctan`` and ``square``, ``power``, the arithmetic
  ufuncs, through NumPy's ``__array_ufunc__`` (``np.sin(y[0])`` and ``np.sin(y)`` both work);
* the same names of the :mod:`math` module: the function is called with its globals copied
  and every reference to the ``math`` module (or to a function imported from it, as in
  ``from math import sin``) replaced by a traced twin; likewise the ``numpy`` module is
  replaced by a thin shim whose ``array``/``asarray``/``zeros``/``empty`` (and ``*_like``)
  build object arrays that can hold symbols (everything else is NumPy's own). Helper
  functions the right-hand side calls keep their own globals: a ``math.sin`` there meets a
  symbol and fails loudly (``float()`` of a symbol raises :class:`TypeError`).

What is refused, always with a :class:`TypeError` that names the construct and points to an
explicit method (``method="DOP853"``): a branch or comparison on a traced value
(``if y[0] > 0``, ``max``, ``abs``, ``np.where``), ``float()``/``int()`` of one, any NumPy
ufunc or function the tracer does not know, an output that is not set. A wrong answer is
never produced: every value the function computes from ``t``, ``y`` or ``p`` passes through
the symbols, and anything else is a constant of the trace (closures and globals are read
once; parameters that change must be passed in ``p``).
"""

from __future__ import annotations

import math
import types

import numpy as np

__all__ = ["Graph", "Sym", "trace", "TraceError"]

SUGGEST = ("; the Taylor method needs a right-hand side made of arithmetic, powers and "
           "sqrt/exp/log/sin/cos/tan/tanh/arctan2 of t, y and p only: use an explicit "
           "method instead (method=\"DOP853\") for this function")


class TraceError(TypeError):
    """The right-hand side uses a construct the Taylor tracer cannot follow."""


# op codes of graph nodes; args are node indices (floats for constant exponents)
# "const" (value), "param" (i), "state" (i), "time", "add", "sub", "mul", "div", "neg",
# "pow" (a, exponent float), "sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "atan2"
UNARY = ("neg", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh")
BINARY = ("add", "sub", "mul", "div", "atan2")


class Graph:
    """An expression DAG with hash-consing (common subexpressions shared).

    ``nodes[i] = (op, args)``. Constants are folded: an operation on constants only is a
    constant node. Nodes are in topological order by construction.
    """

    def __init__(self):
        self.nodes: list = []
        self._index: dict = {}

    def node(self, op, *args):
        key = (op, args)
        i = self._index.get(key)
        if i is None:
            i = len(self.nodes)
            self.nodes.append(key)
            self._index[key] = i
        return i

    def const(self, v):
        v = float(v)
        if not math.isfinite(v):
            raise TraceError(f"the right-hand side produced the non-finite constant {v}")
        # -0.0 and 0.0 are one constant
        return self.node("const", v + 0.0)

    def is_const(self, i, value=None):
        op, args = self.nodes[i]
        return op == "const" and (value is None or args[0] == value)

    def value(self, i):
        return self.nodes[i][1][0]


def _fold(op, vals):
    if op == "add":
        return vals[0] + vals[1]
    if op == "sub":
        return vals[0] - vals[1]
    if op == "mul":
        return vals[0] * vals[1]
    if op == "div":
        return vals[0] / vals[1]
    if op == "neg":
        return -vals[0]
    if op == "atan2":
        return math.atan2(vals[0], vals[1])
    return getattr(math, op)(vals[0])


class Sym:
    """A traced scalar: a node of a :class:`Graph`. Arithmetic records new nodes."""

    __slots__ = ("g", "i")
    __array_priority__ = 1000

    def __init__(self, g: Graph, i: int):
        self.g = g
        self.i = i

    # --- building nodes -------------------------------------------------------------
    def _wrap(self, x):
        if isinstance(x, Sym):
            if x.g is not self.g:
                raise TraceError("a symbol of another trace was used")
            return x.i
        if isinstance(x, (bool, np.bool_)):
            raise TraceError(f"a boolean ({x!r}) in arithmetic with a traced value" + SUGGEST)
        if isinstance(x, (int, float, np.integer, np.floating)):
            return self.g.const(x)
        return None

    def _op(self, op, *args):
        g = self.g
        if all(g.is_const(a) for a in args):
            try:
                return Sym(g, g.const(_fold(op, [g.value(a) for a in args])))
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise TraceError(f"{op} of constants failed in the right-hand side: "
                                 f"{exc}") from None
        # light algebraic simplification (exact in floating point)
        if op == "add":
            a, b = args
            if g.is_const(a, 0.0):
                return Sym(g, b)
            if g.is_const(b, 0.0):
                return Sym(g, a)
            if a > b:  # commutative: one canonical order for CSE
                a, b = b, a
            args = (a, b)
        elif op == "sub":
            a, b = args
            if g.is_const(b, 0.0):
                return Sym(g, a)
            if g.is_const(a, 0.0):
                return Sym(g, g.node("neg", b))
        elif op == "mul":
            a, b = args
            if g.is_const(a, 1.0):
                return Sym(g, b)
            if g.is_const(b, 1.0):
                return Sym(g, a)
            if g.is_const(a, -1.0):
                return Sym(g, g.node("neg", b))
            if g.is_const(b, -1.0):
                return Sym(g, g.node("neg", a))
            if a > b:
                a, b = b, a
            args = (a, b)
        elif op == "div":
            a, b = args
            if g.is_const(b, 1.0):
                return Sym(g, a)
            bop, bargs = g.nodes[b]
            if bop == "pow":  # a / x**c -> a * x**(-c)
                return Sym(g, a)._op("mul", a, g.node("pow", bargs[0], -bargs[1]))
            if bop == "sqrt":  # a / sqrt(x) -> a * x**-0.5
                return Sym(g, a)._op("mul", a, g.node("pow", bargs[0], -0.5))
        elif op == "neg":
            (a,) = args
            aop, aargs = g.nodes[a]
            if aop == "neg":
                return Sym(g, aargs[0])
        return Sym(g, g.node(op, *args))

    def _bin(self, op, other, reflected=False):
        o = self._wrap(other)
        if o is None:
            return NotImplemented
        return self._op(op, o, self.i) if reflected else self._op(op, self.i, o)

    def __add__(self, o):
        return self._bin("add", o)

    def __radd__(self, o):
        return self._bin("add", o, True)

    def __sub__(self, o):
        return self._bin("sub", o)

    def __rsub__(self, o):
        return self._bin("sub", o, True)

    def __mul__(self, o):
        return self._bin("mul", o)

    def __rmul__(self, o):
        return self._bin("mul", o, True)

    def __truediv__(self, o):
        return self._bin("div", o)

    def __rtruediv__(self, o):
        return self._bin("div", o, True)

    def __neg__(self):
        return self._op("neg", self.i)

    def __pos__(self):
        return self

    def __pow__(self, o):
        return _power(self, o)

    def __rpow__(self, o):
        if self._wrap(o) is None:
            return NotImplemented
        return _power(Sym(self.g, self._wrap(o)), self)

    # --- refusals ---------------------------------------------------------------------
    def _refuse(self, what):
        raise TraceError(f"{what} of a traced value (t, y or p) in the right-hand side"
                         + SUGGEST)

    def __bool__(self):
        self._refuse("a branch or truth test (if/while/and/or/min/max/abs/comparison)")

    def __float__(self):
        self._refuse("float() (or a function that needs a number, such as math.* called "
                     "from a helper function or np.array(..., dtype=float))")

    def __int__(self):
        self._refuse("int()")

    def __index__(self):
        self._refuse("indexing with")

    def __lt__(self, o):
        self._refuse("a comparison (<)")

    def __le__(self, o):
        self._refuse("a comparison (<=)")

    def __gt__(self, o):
        self._refuse("a comparison (>)")

    def __ge__(self, o):
        self._refuse("a comparison (>=)")

    def __eq__(self, o):
        self._refuse("a comparison (==)")

    def __ne__(self, o):
        self._refuse("a comparison (!=)")

    __hash__ = object.__hash__

    def __abs__(self):
        self._refuse("abs() (not smooth)")

    def __floordiv__(self, o):
        self._refuse("floor division //")

    __rfloordiv__ = __floordiv__

    def __mod__(self, o):
        self._refuse("the modulo operator %")

    __rmod__ = __mod__

    def __round__(self, nd=None):
        self._refuse("round()")

    # --- element methods NumPy's object loops call ---------------------------------
    def sqrt(self):
        return self._op("sqrt", self.i)

    def exp(self):
        return self._op("exp", self.i)

    def log(self):
        return self._op("log", self.i)

    def sin(self):
        return self._op("sin", self.i)

    def cos(self):
        return self._op("cos", self.i)

    def tan(self):
        return self._op("tan", self.i)

    def tanh(self):
        return self._op("tanh", self.i)

    def arctan(self):
        return _atan2(self, 1.0)

    def arctan2(self, other):
        return _atan2(self, other)

    def conjugate(self):
        return self

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs.get("out") is not None:
            raise TraceError(f"numpy.{ufunc.__name__}.{method} (or out=) on a traced value"
                             + SUGGEST)
        f = _UFUNCS.get(ufunc.__name__)
        if f is None:
            raise TraceError(f"numpy.{ufunc.__name__} is not supported by the Taylor "
                             "tracer" + SUGGEST)
        if any(isinstance(x, np.ndarray) and x.ndim > 0 for x in inputs):
            # element-wise on arrays: let NumPy loop, with the arrays as object arrays
            arrs = [np.asarray(x, dtype=object) if isinstance(x, np.ndarray) else x
                    for x in inputs]
            return np.vectorize(f, otypes=[object])(*arrs)
        return f(*inputs)

    def __repr__(self):
        return f"Sym({self.g.nodes[self.i]})"


def _sym_of(g, x):
    if isinstance(x, Sym):
        return x
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
        if isinstance(x, Sym):
            return x
    if isinstance(x, (bool, np.bool_)):
        raise TraceError(f"a boolean ({x!r}) in arithmetic with a traced value" + SUGGEST)
    try:
        return Sym(g, g.const(x))
    except (TypeError, ValueError):
        raise TraceError(f"a value of type {type(x).__name__} met a traced value"
                         + SUGGEST) from None


def _graph_of(*xs):
    for x in xs:
        if isinstance(x, Sym):
            return x.g
    return None


def _power(base, expo):
    g = base.g
    if isinstance(expo, Sym):
        if g.is_const(expo.i):
            expo = g.value(expo.i)
        else:  # a ** b = exp(b log a)
            return (expo * _sym_of(g, base).log()).exp()
    if isinstance(expo, (bool, np.bool_)) or not isinstance(
            expo, (int, float, np.integer, np.floating)):
        raise TraceError(f"a power with exponent of type {type(expo).__name__}" + SUGGEST)
    c = float(expo)
    if g.is_const(base.i):
        return Sym(g, g.const(g.value(base.i) ** c))
    if c == 0.0:
        return Sym(g, g.const(1.0))
    if c == 1.0:
        return base
    if c == 2.0:
        return base * base
    if c == 3.0:
        return base * base * base
    if c == -1.0:
        return 1.0 / base
    if c == 0.5:
        return base.sqrt()
    return Sym(g, g.node("pow", base.i, c))


def _atan2(a, b):
    g = _graph_of(a, b)
    a, b = _sym_of(g, a), _sym_of(g, b)
    return a._op("atan2", a.i, b.i)


def _u(name):
    def f(x):
        g = _graph_of(x)
        if g is None:
            return getattr(np, name)(x)
        return getattr(_sym_of(g, x), name)()
    f.__name__ = name
    return f


def _b(fn):
    def f(a, b):
        g = _graph_of(a, b)
        if g is None:
            return fn(a, b)
        return fn(_sym_of(g, a), _sym_of(g, b))
    return f


_UFUNCS = {
    "add": _b(lambda a, b: a + b),
    "subtract": _b(lambda a, b: a - b),
    "multiply": _b(lambda a, b: a * b),
    "true_divide": _b(lambda a, b: a / b),
    "divide": _b(lambda a, b: a / b),
    "power": _b(lambda a, b: _power(a, b)),
    "float_power": _b(lambda a, b: _power(a, b)),
    "arctan2": _b(lambda a, b: _atan2(a, b)),
    "negative": lambda a: -a,
    "positive": lambda a: a,
    "square": lambda a: a * a,
    "reciprocal": lambda a: 1.0 / a,
    "sqrt": _u("sqrt"), "exp": _u("exp"), "log": _u("log"), "sin": _u("sin"),
    "cos": _u("cos"), "tan": _u("tan"), "tanh": _u("tanh"),
    "arctan": lambda a: _atan2(a, 1.0),
}


# --- the math and numpy shims put into the function's globals ---------------------------
def _math_fn(name):
    real = getattr(math, name)

    def f(*args):
        if _graph_of(*args) is None:
            return real(*args)
        if name == "atan2":
            return _atan2(*args)
        if name == "atan":
            return _atan2(args[0], 1.0)
        if name == "pow":
            return _power(_sym_of(_graph_of(*args), args[0]), args[1])
        return getattr(_sym_of(_graph_of(*args), args[0]), name)()
    f.__name__ = name
    return f


_MATH_TRACED = ("sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "atan2", "atan", "pow")


class _MathShim(types.ModuleType):
    def __init__(self):
        super().__init__("math")
        for name in dir(math):
            if not name.startswith("_"):
                setattr(self, name, getattr(math, name))
        for name in _MATH_TRACED:
            setattr(self, name, _math_fn(name))
        for name in dir(math):
            obj = getattr(math, name)
            if callable(obj) and name not in _MATH_TRACED and not name.startswith("_"):
                setattr(self, name, _math_refuse(name, obj))


def _math_refuse(name, real):
    def f(*args, **kw):
        if _graph_of(*args) is not None:
            raise TraceError(f"math.{name} is not supported by the Taylor tracer" + SUGGEST)
        return real(*args, **kw)
    f.__name__ = name
    return f


def _objarray(x):
    a = np.empty(np.shape(x), dtype=object)
    flat = a.reshape(-1)
    src = list(np.asarray(x, dtype=object).reshape(-1)) if np.ndim(x) else [x]
    for k, v in enumerate(src):
        flat[k] = v
    return a


class _NumpyShim(types.ModuleType):
    """numpy, except that array constructors make object arrays that can hold symbols."""

    def __init__(self):
        super().__init__("numpy")

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def array(x, dtype=None, **kw):
        return _objarray(x)

    asarray = array
    ascontiguousarray = array

    @staticmethod
    def zeros(shape, dtype=None, **kw):
        a = np.empty(shape, dtype=object)
        a.fill(0.0)
        return a

    @staticmethod
    def empty(shape, dtype=None, **kw):
        a = np.empty(shape, dtype=object)
        a.fill(None)
        return a

    @staticmethod
    def zeros_like(x, dtype=None, **kw):
        return _NumpyShim.zeros(np.shape(x))

    @staticmethod
    def empty_like(x, dtype=None, **kw):
        return _NumpyShim.empty(np.shape(x))

    @staticmethod
    def stack(xs, *a, **kw):
        return _objarray([_objarray(x) for x in xs])

    @staticmethod
    def where(*a, **kw):
        raise TraceError("numpy.where (a branch on values)" + SUGGEST)

    @staticmethod
    def abs(x):
        raise TraceError("numpy.abs (not smooth)" + SUGGEST)

    absolute = abs


_MATH_SHIM = None
_NP_SHIM = None


def _shimmed(func):
    """``func`` with its globals copied and math/numpy replaced by the tracing shims."""
    global _MATH_SHIM, _NP_SHIM
    if _MATH_SHIM is None:
        _MATH_SHIM, _NP_SHIM = _MathShim(), _NumpyShim()
    gl = dict(func.__globals__)
    math_fns = {id(getattr(math, n)): n for n in dir(math) if callable(getattr(math, n))}
    for k, v in list(gl.items()):
        if v is math:
            gl[k] = _MATH_SHIM
        elif v is np:
            gl[k] = _NP_SHIM
        elif id(v) in math_fns and getattr(math, math_fns[id(v)]) is v:
            gl[k] = getattr(_MATH_SHIM, math_fns[id(v)])
    new = types.FunctionType(func.__code__, gl, func.__name__, func.__defaults__,
                             func.__closure__)
    new.__kwdefaults__ = func.__kwdefaults__
    return new


def _outputs_of(g, value, n, what):
    """Node indices of the n values the traced function produced."""
    if value is None:
        raise TraceError(f"{what} returned None")
    try:
        arr = np.asarray(value, dtype=object).reshape(-1) if not isinstance(value, Sym) \
            else np.array([value], dtype=object)
    except Exception:  # noqa: BLE001
        raise TraceError(f"{what} returned {type(value).__name__}, not an array") from None
    if arr.size != n:
        raise TraceError(f"{what} returned {arr.size} values; expected {n}")
    out = []
    for k, v in enumerate(arr):
        if v is None:
            raise TraceError(f"{what}: output {k} was never set")
        out.append(_sym_of(g, v).i)
    return out


def trace(fun, n: int, m: int, inplace: bool | None = None, events=()):
    """Trace ``fun`` (and the event functions ``events``) into one :class:`Graph`.

    Returns ``(graph, outputs, event_outputs, inplace)``: node indices of dy_i/dt and of
    each event function's value.
    """
    py = getattr(fun, "py_func", fun)
    if not isinstance(py, types.FunctionType):
        raise TypeError(f"fun must be a Python function for method='taylor' (got "
                        f"{type(fun).__name__})")
    g = Graph()
    t = Sym(g, g.node("time"))
    y = np.empty(n, dtype=object)
    for i in range(n):
        y[i] = Sym(g, g.node("state", i))
    p = np.empty(m, dtype=object)
    for i in range(m):
        p[i] = Sym(g, g.node("param", i))
    if inplace is None:
        try:
            import inspect

            npos = sum(1 for q in inspect.signature(py).parameters.values()
                       if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)
                       and q.default is q.empty)
        except (TypeError, ValueError):
            npos = 3
        inplace = npos == 4
    f = _shimmed(py)
    try:
        if inplace:
            dydt = np.empty(n, dtype=object)
            dydt.fill(None)
            f(t, y, p, dydt)
            outs = _outputs_of(g, dydt, n, "fun (in place: dydt)")
        else:
            outs = _outputs_of(g, f(t, y, p), n, "fun")
    except TraceError:
        raise
    except (TypeError, ValueError) as exc:
        raise TraceError(f"tracing fun failed: {type(exc).__name__}: {exc}" + SUGGEST) \
            from None
    ev_outs = []
    for k, ev in enumerate(events):
        gp = getattr(ev, "py_func", ev)
        if not isinstance(gp, types.FunctionType):
            raise TypeError(f"events[{k}] must be a Python function for method='taylor'")
        try:
            val = _shimmed(gp)(t, y, p)
        except TraceError:
            raise
        except (TypeError, ValueError) as exc:
            raise TraceError(f"tracing events[{k}] failed: {type(exc).__name__}: {exc}"
                             + SUGGEST) from None
        ev_outs.append(_outputs_of(g, val, 1, f"events[{k}]")[0])
    return g, outs, ev_outs, inplace
