"""Solvers callable from your own Numba code: :func:`compile_solver`.

:func:`odekit.solve_ivp` checks every argument in Python and builds a full result, which
costs a few microseconds per call: nothing for one long solve, but the whole cost of a
short one repeated many times (a fit that solves the same system for each trial
parameter, a custom ensemble, a shooting method). :func:`compile_solver` checks the
right-hand side once and returns a :class:`CompiledSolver` whose ``solve`` and
``solve_at`` are compiled functions: call them from Python, or from inside your own
``numba.njit`` functions (also in ``prange`` loops: they release the GIL and share
nothing between calls), as numbalsoda and CyRK solvers are called.

They run the same driver as :func:`odekit.solve_ivp` (same steps, same results bit for
bit) without events or dense output. The driver is reached through a function pointer,
so compiling a solver takes well under a second and a function of yours that calls it
compiles as fast as without it. The machine code holds the addresses of this process's
compiled functions, so a solver is compiled once per process (not cached on disk; the
right-hand side and the driver are).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _jit
from . import _validate as V
from ._results import IntegrationError
from ._tableaux import ADAPTIVE_METHODS, NYSTROM_METHODS, get_tableau

__all__ = ["compile_solver", "CompiledSolver"]


def loop_pointer(name, dispatcher, argt):
    """(a maker of the first-class function value, the wrapper and Numba addresses) of a
    compiled loop (the first-order driver, the Nyström loop) for the argument types
    ``argt``, made once per process under ``name``: a compiled solver calls the loop
    through this pointer, so compiling a solver never compiles or links the loop again
    (its machine code is the disk-cached one of solve_ivp's call, whose types these are)."""
    hit = _DRIVER.get(name)
    if hit is not None:
        return hit
    from numba import types as nbt
    from numba.experimental.function_type import _get_jit_address, _get_wrapper_address

    from ._driver import function_value

    dispatcher.compile(argt)
    sig = next(s for s in dispatcher.overloads if tuple(s) == argt)
    sig = dispatcher.overloads[sig].signature
    hit = (function_value(nbt.FunctionType(sig)), _get_wrapper_address(dispatcher, sig),
           _get_jit_address(dispatcher, sig))
    _DRIVER[name] = hit
    return hit


def _driver_pointer():
    """:func:`loop_pointer` of the driver's solve_one."""
    from numba import types as nbt

    from . import _driver

    F, i8, B = nbt.float64, nbt.int64, nbt.boolean
    A1, A2, A3, I1 = nbt.float64[::1], nbt.float64[:, ::1], nbt.float64[:, :, ::1], \
        nbt.int64[::1]
    argt = (i8, i8, i8, i8, F, F, A1, A2, A1, A1, A1, A1, A2, I1, F, F, A1, F, F, i8, A1,
            B, B, A1, I1, I1, A2, A2, A2, A2, A1, I1, A1, A2, I1, A1, A2, A1, A1, A2, A3)
    return loop_pointer("driver", _driver.solve_one, argt)


_DRIVER: dict = {}
#: the right-hand sides whose wrappers' addresses compiled solvers hold: kept alive for
#: the process (a solver's ``solve`` may outlive the solver object; a freed function's id
#: could otherwise be reused and its wrapper replaced under a live address)
_KEEP: list = []


class CompiledSolver:
    """A solver of y' = fun(t, y, p) compiled for one right-hand side and one method.

    Made by :func:`compile_solver`. Its two functions are Numba-compiled: call them from
    Python or from inside ``numba.njit`` code.

    Attributes
    ----------
    solve : compiled function ``solve(t0, t1, y0, p, rtol, atol) -> y1``
        The state at ``t1`` (an array of shape (n,)) from ``y0`` at ``t0``.
    solve_at : compiled function ``solve_at(t0, t_eval, y0, p, rtol, atol) -> Y``
        The states at the times ``t_eval`` (shape (n, len(t_eval)), like
        ``solve_ivp(...).y``), integrating from ``t0`` to ``t_eval[-1]``; ``t_eval``
        strictly monotone, in the direction of the integration, from ``t0`` on.
    n, n_params : int
        The state size and the parameter count the right-hand side was checked with.
    method : str
    max_steps : int

    orders : tuple of int
        ``method="taylor"``: the Taylor orders compiled (see ``tols``); empty otherwise.

    Both take ``p`` as a float64 array of length ``n_params``, ``rtol`` (>= 100 machine
    epsilons) and ``atol`` (>= 0) as floats (for ``"taylor"``: both > 0, and
    ``min(rtol, atol)`` of an order in ``orders``). Bad input raises ValueError; a failed
    integration raises :class:`odekit.IntegrationError` (step size underflow, non-finite
    state or derivative, ``max_steps`` reached). ``t0 == t1`` returns a copy of ``y0``.
    """

    def __init__(self, solve, solve_at, n, n_params, method, max_steps, orders=()):
        self.solve = solve
        self.solve_at = solve_at
        self.n = n
        self.n_params = n_params
        self.method = method
        self.max_steps = max_steps
        self.orders = tuple(orders)

    def __repr__(self):
        return (f"CompiledSolver(method={self.method!r}, n={self.n}, "
                f"n_params={self.n_params}, max_steps={self.max_steps})")


def compile_solver(fun, y0, params=(), *, method="DOP853", max_steps=100_000, tols=None):
    """Compile a solver of y' = fun(t, y, p) callable from Numba code.

    Parameters
    ----------
    fun : callable
        The right-hand side, in either of :func:`odekit.solve_ivp`'s forms
        (``fun(t, y, p)`` returning dy/dt, or ``fun(t, y, p, dydt)`` writing it). It is
        compiled and checked once at ``(0, y0, params)``.
    y0 : array_like, shape (n,)
        A typical initial state: sets the state size n (and is used for the check).
    params : array_like, shape (m,), optional
        Typical parameters: set their count m.
    method : str
        An adaptive method of the registry (one of
        ``DOP853, RK45, Tsit5, BS3, Vern6, Vern7, Vern9``), ``"taylor"``, or a
        Runge-Kutta-Nystrom pair (``DPRKN6, DPRKN8, DPRKN12``) for a special
        second-order system (see :func:`odekit.solve_ivp`); not ``"auto"``, which
        chooses by tolerance, nor the fixed-step RK4.
    max_steps : int
        Most accepted steps of one solve.
    tols : float or sequence of float, optional
        ``method="taylor"`` only: the tolerances ``min(rtol, atol)`` the solver will be
        called with. The Taylor order follows from the tolerance and each order has a
        kernel of its own (a fraction of a second to compile the first time, then cached
        on disk), so only the orders these need are compiled; a call at a tolerance of
        another order raises ValueError. Default: every order (tolerances 1e-16 ... 0.5).

    Returns
    -------
    CompiledSolver
        With compiled ``solve(t0, t1, y0, p, rtol, atol)`` and
        ``solve_at(t0, t_eval, y0, p, rtol, atol)``.

    Raises
    ------
    ValueError, TypeError
        Bad arguments, or a right-hand side that cannot be compiled.

    Examples
    --------
    >>> import numba, numpy as np, odekit
    >>> def decay(t, y, p, dydt):
    ...     dydt[0] = -p[0] * y[0]
    >>> s = odekit.compile_solver(decay, [1.0], [0.5])
    >>> y1 = s.solve(0.0, 2.0, np.array([1.0]), np.array([0.5]), 1e-10, 1e-12)
    >>> bool(abs(y1[0] - np.exp(-1.0)) < 1e-9)
    True
    >>> solve = s.solve
    >>> @numba.njit
    ... def final_states(ks):
    ...     out = np.empty(ks.shape[0])
    ...     p = np.empty(1)
    ...     y0 = np.ones(1)
    ...     for i in range(ks.shape[0]):
    ...         p[0] = ks[i]
    ...         out[i] = solve(0.0, 1.0, y0, p, 1e-10, 1e-12)[0]
    ...     return out
    >>> bool(np.allclose(final_states(np.array([0.5, 1.0])), np.exp([-0.5, -1.0])))
    True
    """
    if tols is not None and method != "taylor":
        raise ValueError("compile_solver: tols is for method='taylor' only (the Runge-Kutta "
                         "pairs take any rtol and atol at run time)")
    if isinstance(method, str) and method in NYSTROM_METHODS:  # special 2nd-order systems
        from ._nystrom import compile_rkn_solver

        return compile_rkn_solver(method, fun, V.check_y0(y0), V.check_params(params),
                                  V.check_max_steps(max_steps))
    if not isinstance(method, str) or method not in ADAPTIVE_METHODS + ("taylor",):
        raise ValueError(f"compile_solver: method must be one of {ADAPTIVE_METHODS} (an "
                         f"adaptive Runge-Kutta pair), 'taylor', or {NYSTROM_METHODS} (a "
                         f"Runge-Kutta-Nystrom pair, for special second-order systems), "
                         f"got {method!r}")
    y0 = V.check_y0(y0)
    p = V.check_params(params)
    max_steps = V.check_max_steps(max_steps)
    if method == "taylor":
        from .taylor._compiled import compile_taylor

        return compile_taylor(fun, y0, p, tols, max_steps)
    n, m = y0.shape[0], p.shape[0]
    tab = get_tableau(method)
    disp, inplace = V.prepare_rhs(fun, 0.0, y0, p)
    if _jit.DISABLED:
        solve, solve_at = _python_twins(fun, n, m, method, max_steps)
        return CompiledSolver(solve, solve_at, n, m, method, max_steps)
    from .ivp import kernel_arrays, no_events_addresses, rhs_addresses

    fa, fj = rhs_addresses(disp, inplace)
    ga, gj = no_events_addresses()
    driver_fn, da, dj = _driver_pointer()
    karr = kernel_arrays(tab)
    solve, solve_at = _build(driver_fn, np.array([fa, fj, ga, gj, da, dj, max_steps],
                                                 dtype=np.int64),
                             karr, tab.n_total, tab.dense_degree, n, m)
    _KEEP.append(disp)
    return CompiledSolver(solve, solve_at, n, m, method, max_steps)


@_jit.jit
def check_state(t0, y0, p, N, M):
    """The checks every compiled solve makes of its state, parameters and start (the
    solver was compiled for N states and M parameters); ValueError naming the argument."""
    if y0.shape[0] != N:
        raise ValueError("compiled solver: y0 has a different length from the one it was "
                         "compiled for")
    if p.shape[0] != M:
        raise ValueError("compiled solver: p has a different length from the one it was "
                         "compiled for")
    if not np.isfinite(t0):
        raise ValueError("compiled solver: t0 must be finite")
    for j in range(N):
        if not np.isfinite(y0[j]):
            raise ValueError("compiled solver: y0 must be finite")
    for j in range(M):
        if not np.isfinite(p[j]):
            raise ValueError("compiled solver: p must be finite")


@_jit.jit
def check_t_eval(t0, t_eval):
    """``solve_at``'s output times: not empty, finite, from t0 on, strictly monotone in
    the direction of the integration. Returns the last one (where the solve ends)."""
    m = t_eval.shape[0]
    if m == 0:
        raise ValueError("compiled solver: t_eval is empty")
    t1 = t_eval[m - 1]
    if not np.isfinite(t1):
        raise ValueError("compiled solver: t_eval must be finite")
    d = 1.0 if t1 >= t0 else -1.0
    prev = t0
    for i in range(m):
        if not np.isfinite(t_eval[i]) or d * (t_eval[i] - prev) < 0.0 \
                or (i > 0 and t_eval[i] == prev):
            raise ValueError("compiled solver: t_eval must be finite, from t0 on and "
                             "strictly monotone in the direction of the integration")
        prev = t_eval[i]
    return t1


@_jit.jit
def raise_for_status(st):
    """:class:`odekit.IntegrationError` for a driver's failure status (anything but 0,
    reached t1; a compiled solve has no events and grows no buffers)."""
    if st == -1:
        raise IntegrationError("compiled solver: integration failed: step size underflow "
                               "(the problem may be stiff or singular)")
    if st == -2:
        raise IntegrationError("compiled solver: integration failed: non-finite state or "
                               "derivative")
    if st == -3:
        raise IntegrationError("compiled solver: integration failed: max_steps reached")
    if st != 0:
        raise IntegrationError("compiled solver: integration failed")


def rk_checks(N, M):
    """The compiled ``check(t0, y0, p, rtol, atol)`` of a Runge-Kutta solver (first-order
    or Nyström) for N states and M parameters."""
    floor = V.RTOL_FLOOR

    @_jit.jit(cache=False)
    def check(t0, y0, p, rtol, atol):
        check_state(t0, y0, p, N, M)
        if not (rtol >= floor and rtol < np.inf):
            raise ValueError("compiled solver: rtol must be finite and at least 100 "
                             "machine epsilons")
        if not (atol >= 0.0 and atol < np.inf):
            raise ValueError("compiled solver: atol must be finite and non-negative")

    return check


def _build(driver_fn, ADDR, karr, S, D, N, M):
    """The two compiled functions, with the addresses and the tableau as constants."""
    from ._driver import _unref
    from ._kernels import EVENT_SUBSTEPS

    A0, c0, b0, E0, E30, P0, ints0, err_exp = karr
    GR = 5 + EVENT_SUBSTEPS
    jit = _jit.jit

    _check = rk_checks(N, M)

    @jit(cache=False)
    def _run(t0, t1, y0, p, rtol, atol, t_eval, ts, ys):
        drv = driver_fn(ADDR[4], ADDR[5])
        K = np.zeros((S, N))
        Q = np.zeros((D, N))
        W = np.zeros((5, N))
        for j in range(N):
            W[0, j] = y0[j]
        G = np.zeros((GR, 1))
        fs = np.zeros(2)
        ist = np.zeros(8, np.int64)
        pc = np.empty(M)
        for j in range(M):
            pc[j] = p[j]
        at = np.empty(N)
        for j in range(N):
            at[j] = atol
        nf = np.empty(0)
        ni = np.empty(0, np.int64)
        ny = np.empty((0, N))
        nq = np.empty((0, D, N))
        no = N < 0  # False, typed as a plain bool (a literal would retype the driver)
        A, c, b, E, E3, Pd, ints = (A0.copy(), c0.copy(), b0.copy(), E0.copy(),
                                    E30.copy(), P0.copy(), ints0.copy())
        # the driver's views of arrays that live here until it returns, without their
        # reference counts (_driver._unref): Numba would otherwise increment and
        # decrement each of them (atomic operations) around the call, a third of the
        # cost of a short solve
        u = _unref
        st = drv(ADDR[0], ADDR[1], ADDR[2], ADDR[3], t0, t1, u(pc), u(A), u(c), u(b),
                 u(E), u(E3), u(Pd), u(ints), err_exp, rtol, u(at), 0.0, np.inf, ADDR[6],
                 u(t_eval), no, no, u(nf), u(ni), u(ni), u(K), u(Q), u(W), u(G), u(fs),
                 u(ist), u(ts), u(ys), u(ni), u(nf), u(ny), u(nf), u(nf), u(ny), u(nq))
        raise_for_status(st)
        return W, ist[3]

    return rk_entry_points(_check, _run, N)


def rk_entry_points(check, run, N):
    """:func:`entry_points` of a Runge-Kutta solver (first-order or Nyström) whose
    ``run(t0, t1, y0, p, rtol, atol, t_eval, ts, ys)`` returns (W, number of t_eval
    outputs), W[0] the state at the end."""
    jit = _jit.jit

    @jit(cache=False)
    def final_state(t0, t1, y0, p, rtol, atol, out):
        nf = np.empty(0)
        W, _ = run(t0, t1, y0, p, rtol, atol, nf, nf, np.empty((0, N)))
        for j in range(N):
            out[j] = W[0, j]

    @jit(cache=False)
    def states_at(t0, te, y0, p, rtol, atol, out):
        m = te.shape[0]
        ts = np.empty(m + 1)
        ys = np.empty((m + 1, N))
        _, n_out = run(t0, te[m - 1], y0, p, rtol, atol, te, ts, ys)
        if n_out != m:  # (cannot happen without events; never return unset values)
            raise IntegrationError("compiled solver: not every t_eval point was reached")
        for i in range(m):
            for j in range(N):
                out[j, i] = ys[i, j]

    return entry_points(check, final_state, states_at, N)


def entry_points(check, final_state, states_at, N):
    """A compiled solver's ``solve`` and ``solve_at`` around a method's own pieces:
    ``check(t0, y0, p, rtol, atol)`` (ValueError for bad input), ``final_state(t0, t1,
    y0, p, rtol, atol, out)`` (writes y(t1) into out, t1 != t0) and ``states_at(t0, te,
    y0, p, rtol, atol, out)`` (writes the states at the checked times te, a fresh array,
    into out (N, len(te)), te[-1] != t0)."""
    jit = _jit.jit

    @jit(cache=False)
    def solve(t0, t1, y0, p, rtol, atol):
        check(t0, y0, p, rtol, atol)
        if not np.isfinite(t1):
            raise ValueError("compiled solver: t1 must be finite")
        out = np.empty(N)
        if t1 == t0:
            for j in range(N):
                out[j] = y0[j]
        else:
            final_state(t0, t1, y0, p, rtol, atol, out)
        return out

    @jit(cache=False)
    def solve_at(t0, t_eval, y0, p, rtol, atol):
        check(t0, y0, p, rtol, atol)
        t1 = check_t_eval(t0, t_eval)
        m = t_eval.shape[0]
        out = np.empty((N, m))
        if t1 == t0:  # t_eval == [t0]
            for j in range(N):
                out[j, 0] = y0[j]
        else:
            te = np.empty(m)
            for i in range(m):
                te[i] = t_eval[i]
            states_at(t0, te, y0, p, rtol, atol, out)
        return out

    return solve, solve_at


def _python_twins(fun, n, m, method, max_steps):
    """Under ODEKIT_DISABLE_JIT: the same functions on top of solve_ivp."""
    from .ivp import solve_ivp

    def _kw(p, rtol, atol):
        p = np.asarray(p, dtype=float)
        if len(p) != m:
            raise ValueError("compiled solver: p has a different length from the one it "
                             "was compiled for")
        if not (rtol >= V.RTOL_FLOOR and math.isfinite(rtol)):
            raise ValueError("compiled solver: rtol must be finite and at least 100 "
                             "machine epsilons")
        return dict(params=p, method=method, rtol=float(rtol), atol=float(atol),
                    max_steps=max_steps)

    def solve(t0, t1, y0, p, rtol, atol):
        if len(y0) != n:
            raise ValueError("compiled solver: y0 has a different length from the one it "
                             "was compiled for")
        return solve_ivp(fun, (t0, t1), y0, **_kw(p, rtol, atol)).y[:, -1].copy()

    def solve_at(t0, t_eval, y0, p, rtol, atol):
        if len(y0) != n:
            raise ValueError("compiled solver: y0 has a different length from the one it "
                             "was compiled for")
        t_eval = np.asarray(t_eval, dtype=float)
        return solve_ivp(fun, (t0, float(t_eval[-1])), y0, t_eval=t_eval,
                         **_kw(p, rtol, atol)).y

    return solve, solve_at
