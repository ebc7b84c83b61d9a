"""Contenders of ``bench_work_precision.py``: how each solver is called.

A contender has a ``name``, a ``group`` (``"odekit"``, ``"peer"`` or ``"heyoka"``),
``setup(pb)`` (compile what does not depend on the tolerance; raise :class:`Skip` with a
reason when it cannot run this problem) and ``make(pb, rtol, atol)``, which returns a
zero-argument callable doing **one complete solve the way a user calls it** -- Python-level
call, argument checks and result packaging included -- and returning the final state
(shape (n,), or (k, n) for the ensemble). Every contender is given the in-place right-hand
side of the problem (compiled by Numba) except SciPy (a plain Python function returning a
list) and heyoka (the same formulas as a heyoka expression system).

odekit's methods are not listed here: :func:`odekit_contenders` loops over the method
registry of the odekit it imports (plus ``"auto"`` and ``"taylor"`` when ``solve_ivp``
accepts them), so the benchmark picks up every method that exists when it runs. Its
Runge-Kutta-Nystrom pairs (``NYSTROM_METHODS``) run only on the problems flagged
``special_second_order`` (y = (q, v), y' = (v, g(t, q)): Pleiades), and are skipped with
that reason elsewhere.
"""

from __future__ import annotations

import importlib
import inspect
import math

import numpy as np

MAX_STEPS = 5_000_000  # generous everywhere: a tight rtol must not fail on a step budget


class Skip(Exception):
    """A contender cannot run (peer missing, method not applicable): the message says why."""


class Contender:
    group = "peer"
    ensemble_mode = ""
    setup_calls = 0  # solves done by setup() (odekit's probe), for the compile-time figure

    def __init__(self, name):
        self.name = name

    def setup(self, pb):
        pass

    def make(self, pb, rtol, atol):
        raise NotImplementedError

    def __repr__(self):
        return self.name


def _njit_rhs(pb):
    """The problem's in-place RHS compiled with Numba (shared by numbalsoda and CyRK)."""
    import numba

    cache = getattr(pb, "_njit_cache", None)
    if cache is None:
        cache = pb._njit_cache = numba.njit(pb.inplace)
    return cache


# ---------------------------------------------------------------------------------------
# odekit
# ---------------------------------------------------------------------------------------
def _registry_methods(odekit):
    """Method names from odekit's registry, wherever this version keeps it."""
    names = []
    for modname, attr in (("odekit.integrate._tableaux", "METHODS"),
                          ("odekit.integrate._tableaux", "TABLEAUX"),
                          ("odekit.integrate.methods", "METHODS"),
                          ("odekit.integrate.methods", "REGISTRY"),
                          ("odekit.integrate", "METHODS"),
                          ("odekit", "METHODS")):
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        reg = getattr(mod, attr, None)
        if reg is None:
            continue
        for m in (list(reg) if not isinstance(reg, str) else [reg]):
            m = m if isinstance(m, str) else getattr(m, "name", None)
            if isinstance(m, str) and m not in names:
                names.append(m)
    for extra in ("auto", "taylor"):
        if extra not in names:
            names.append(extra)
    return names


def _accepted(fun, **kw):
    """The keyword arguments of ``kw`` that ``fun``'s signature takes (API drift)."""
    try:
        params = inspect.signature(fun).parameters
    except (TypeError, ValueError):
        return kw
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return kw
    return {k: v for k, v in kw.items() if k in params}


def _fixed_step(method):
    try:
        from odekit.integrate._tableaux import get_tableau

        return get_tableau(method).error_order == 0
    except Exception:  # not a tableau method (taylor, auto) or another layout
        return False


class OdekitMethod(Contender):
    group = "odekit"

    def __init__(self, method):
        super().__init__(f"odekit {method}")
        self.method = method
        self.ensemble_mode = "solve_ensemble"

    def setup(self, pb):
        import odekit

        self.odekit = odekit
        if _fixed_step(self.method):
            raise Skip("fixed-step method (no error control: not a work-precision contender)")
        self.setup_calls = 1
        rtol = getattr(pb, "probe_rtol", 1e-6)
        try:  # probe (one solve, compiles): an unknown method is a ValueError
            self.make(pb, rtol, pb.atol(rtol))()
        except (ValueError, TypeError, NotImplementedError) as exc:
            raise Skip(f"not accepted here: {type(exc).__name__}: {str(exc)[:160]}") from None

    def make(self, pb, rtol, atol):
        odekit, m, f = self.odekit, self.method, pb.inplace
        span, y0, p = (pb.t0, pb.t1), pb.y0, pb.params
        solve = odekit.solve_ensemble if pb.ensemble else odekit.solve_ivp
        kw = _accepted(solve, max_steps=MAX_STEPS, progress=False)
        if pb.ensemble:
            def run():
                r = solve(f, span, y0, params=p, method=m, rtol=rtol, atol=atol, **kw)
                return r.y[:, :, -1]
        else:
            def run():
                r = solve(f, span, y0, params=p, method=m, rtol=rtol, atol=atol, **kw)
                return r.y[:, -1]
        return run


class OdekitCompiled(Contender):
    """odekit's ``compile_solver``: a compiled ``solve`` called straight from Python (one
    solve), or from a Numba ``prange`` loop (the ensemble), as numbalsoda and CyRK are."""

    group = "odekit"

    def __init__(self, method):
        super().__init__(f"odekit compiled {method}")
        self.method = method
        self.ensemble_mode = "Numba prange loop"

    def setup(self, pb):
        import odekit

        if not hasattr(odekit, "compile_solver"):
            raise Skip("this odekit has no compile_solver")
        self.odekit = odekit
        self.built = {}  # Taylor: one solver per order (compiled in make, as heyoka's)
        if self.method == "taylor":
            rtol = pb.probe_rtol
            self.setup_calls = 0
            self._solver(pb, rtol, pb.atol(rtol))
        else:
            self._solver(pb, None, None)

    def _solver(self, pb, rtol, atol):
        """(solve, ensemble) for this rtol: the one compiled solver of a Runge-Kutta pair;
        for Taylor, the solver compiled for the order of min(rtol, atol)."""
        key = None
        if self.method == "taylor":
            from odekit.integrate.taylor import order_from_tol

            key = order_from_tol(max(min(rtol, float(atol), 0.5), 1e-16))
        if key in self.built:
            return self.built[key]
        y0 = pb.y0
        p = pb.params[0] if pb.ensemble else pb.params
        kw = {"tols": min(rtol, float(atol))} if self.method == "taylor" else {}
        try:
            solver = self.odekit.compile_solver(pb.inplace, y0, p, method=self.method,
                                                max_steps=MAX_STEPS, **kw)
        except (ValueError, TypeError) as exc:
            raise Skip(f"not accepted: {exc}") from None
        ens = None
        if pb.ensemble:
            import numba

            solve = solver.solve
            n = pb.n

            @numba.njit(parallel=True)
            def ens(t0, t1, y0, P, rtol, atol):
                k = P.shape[0]
                out = np.empty((k, n))
                for i in numba.prange(k):
                    out[i, :] = solve(t0, t1, y0, P[i], rtol, atol)
                return out

        self.built[key] = (solver.solve, ens)
        return self.built[key]

    def make(self, pb, rtol, atol):
        t0, t1, y0, p = float(pb.t0), float(pb.t1), pb.y0, pb.params
        atol = float(atol)
        solve, ens = self._solver(pb, rtol, atol)
        if pb.ensemble:
            def run():
                return ens(t0, t1, y0, p, rtol, atol)
        else:
            def run():
                return solve(t0, t1, y0, p, rtol, atol)
        return run


def _nystrom_methods():
    """odekit's Runge-Kutta-Nystrom pairs (for special second-order systems), if any."""
    try:
        from odekit.integrate._tableaux import NYSTROM_METHODS
    except ImportError:
        return []
    return list(NYSTROM_METHODS)


def _second_order_only(pb, method):
    if not getattr(pb, "special_second_order", False):
        raise Skip(f"{method} is a Runge-Kutta-Nystrom pair: only for problems of the form "
                   "q'' = g(t, q), y = (q, v) (this one is not)")


class OdekitNystrom(OdekitMethod):
    """An odekit RKN pair through solve_ivp, on the special second-order problems only."""

    def setup(self, pb):
        _second_order_only(pb, self.method)
        super().setup(pb)


class OdekitNystromCompiled(OdekitCompiled):
    """An odekit RKN pair through compile_solver, on the special second-order problems."""

    def setup(self, pb):
        _second_order_only(pb, self.method)
        super().setup(pb)


def odekit_contenders():
    """One contender per method of the imported odekit's registry (+ auto/taylor), and one
    per adaptive method through ``compile_solver`` where it exists, or a (None, reason)
    pair when odekit cannot be imported."""
    try:
        import odekit
    except Exception as exc:  # pragma: no cover
        return [], f"odekit not importable: {exc}"
    out = [OdekitMethod(m) for m in _registry_methods(odekit)]
    nys = _nystrom_methods()
    out += [OdekitNystrom(m) for m in nys]
    if hasattr(odekit, "compile_solver"):
        from odekit.integrate._tableaux import ADAPTIVE_METHODS

        out += [OdekitCompiled(m) for m in ADAPTIVE_METHODS + ("taylor",)]
        out += [OdekitNystromCompiled(m) for m in nys]
    return out, ""


# ---------------------------------------------------------------------------------------
# SciPy
# ---------------------------------------------------------------------------------------
class Scipy(Contender):
    ensemble_mode = "Python loop over a subsample"

    def __init__(self, method):
        super().__init__(f"SciPy {method}")
        self.method = method

    def setup(self, pb):
        import scipy.integrate

        self.solve_ivp = scipy.integrate.solve_ivp

    def make(self, pb, rtol, atol):
        solve_ivp, m, gen = self.solve_ivp, self.method, pb.generic
        span = (pb.t0, pb.t1)

        def one(p, y0):
            r = solve_ivp(lambda t, y: gen(t, y, p, math), span, y0, method=m, rtol=rtol,
                          atol=atol)
            if not r.success:
                raise RuntimeError(r.message)
            return r.y[:, -1]

        if pb.ensemble:
            P = pb.params[pb._sub_idx]

            def run():
                return np.array([one(p, pb.y0) for p in P])
        else:
            def run():
                return one(pb.params, pb.y0)
        return run


# ---------------------------------------------------------------------------------------
# numbalsoda (C++ LSODA and Hairer's DOP853 through ctypes; RHS as a Numba cfunc)
# ---------------------------------------------------------------------------------------
_NBL_KERNELS = {}


def _numbalsoda_drivers():
    """The njit wrappers (one solve; a prange ensemble): they take the RHS as an address,
    so they compile once per run, whatever the problem."""
    if "drivers" in _NBL_KERNELS:
        return _NBL_KERNELS["drivers"]
    import numba
    import numbalsoda

    dop853, lsoda = numbalsoda.dop853, numbalsoda.lsoda

    @numba.njit
    def one(kind, ptr, y0, teval, p, rtol, atol):
        if kind == 0:
            usol, ok = dop853(ptr, y0, teval, p, rtol, atol, MAX_STEPS)
        else:
            usol, ok = lsoda(ptr, y0, teval, p, rtol, atol, MAX_STEPS)
        return usol[-1].copy(), ok

    @numba.njit(parallel=True)
    def ens(kind, ptr, y0, teval, P, rtol, atol):
        k = P.shape[0]
        out = np.empty((k, y0.shape[0]))
        ok = np.empty(k, np.bool_)
        for i in numba.prange(k):
            if kind == 0:
                usol, s = dop853(ptr, y0, teval, P[i], rtol, atol, MAX_STEPS)
            else:
                usol, s = lsoda(ptr, y0, teval, P[i], rtol, atol, MAX_STEPS)
            out[i, :] = usol[-1]
            ok[i] = s
        return out, ok

    _NBL_KERNELS["drivers"] = (one, ens)
    return one, ens


def _numbalsoda_kernels(pb):
    key = (pb.name, pb.n, pb.params.shape[-1])
    if key in _NBL_KERNELS:
        return _NBL_KERNELS[key]
    import numba
    from numba import carray
    import numbalsoda

    f = _njit_rhs(pb)
    n, m = pb.n, pb.params.shape[-1]

    @numba.cfunc(numbalsoda.lsoda_sig)
    def rhs_c(t, u, du, p):
        f(t, carray(u, (n,)), carray(p, (m,)), carray(du, (n,)))

    one, ens = _numbalsoda_drivers()
    _NBL_KERNELS[key] = (rhs_c.address, one, ens)
    return _NBL_KERNELS[key]


class Numbalsoda(Contender):
    ensemble_mode = "Numba prange loop"

    def __init__(self, method):
        super().__init__(f"numbalsoda {method}")
        self.kind = 0 if method == "dop853" else 1

    def setup(self, pb):
        try:
            import numbalsoda  # noqa: F401
        except Exception as exc:
            raise Skip(f"numbalsoda not importable ({type(exc).__name__}: {exc}); install it "
                       "with `apt-get install gfortran && pip install numbalsoda`") from None
        self.ptr, self.one, self.ens = _numbalsoda_kernels(pb)

    def make(self, pb, rtol, atol):
        kind, ptr, one, ens = self.kind, self.ptr, self.one, self.ens
        teval = np.array([pb.t0, pb.t1])
        y0, p = pb.y0, pb.params

        if pb.ensemble:
            def run():
                out, ok = ens(kind, ptr, y0, teval, p, rtol, atol)
                if not ok.all():
                    raise RuntimeError(f"{int((~ok).sum())} trajectories failed")
                return out
        else:
            def run():
                y, ok = one(kind, ptr, y0, teval, p, rtol, atol)
                if not ok:
                    raise RuntimeError("numbalsoda reported failure")
                return y
        return run


# ---------------------------------------------------------------------------------------
# CyRK: the C++ CySolver through its Numba entry point nbsolve2_ivp (RHS as a cfunc:
# its fastest API from Python), and its pure-Numba nbsolve_ivp
# ---------------------------------------------------------------------------------------
_CYRK_KERNELS = {}


def _cyrk_drivers():
    """njit wrappers around nbsolve2_ivp (RHS by address: compiled once per run)."""
    if "drivers" in _CYRK_KERNELS:
        return _CYRK_KERNELS["drivers"]
    import numba
    import CyRK

    nbsolve2_ivp = CyRK.nbsolve2_ivp

    @numba.njit
    def one(addr, span, y0, p, method, rtol, atol):
        sol = nbsolve2_ivp(addr, span, y0, method=method, args=p, rtol=rtol, atol=atol,
                           max_num_steps=MAX_STEPS)
        ok = sol.success
        y = sol.y[:, -1].copy()
        sol.free()
        return y, ok

    @numba.njit(parallel=True)
    def ens(addr, span, y0, P, method, rtol, atol):
        k = P.shape[0]
        out = np.empty((k, y0.shape[0]))
        ok = np.empty(k, np.bool_)
        for i in numba.prange(k):
            sol = nbsolve2_ivp(addr, span, y0, method=method, args=P[i], rtol=rtol, atol=atol,
                               max_num_steps=MAX_STEPS)
            ok[i] = sol.success
            out[i, :] = sol.y[:, -1]
            sol.free()
        return out, ok

    _CYRK_KERNELS["drivers"] = (one, ens)
    return one, ens


def _cyrk_kernels(pb):
    key = (pb.name, pb.n, pb.params.shape[-1])
    if key in _CYRK_KERNELS:
        return _CYRK_KERNELS[key]
    import numba
    from numba import carray
    import CyRK

    f = _njit_rhs(pb)
    n, m = pb.n, pb.params.shape[-1]

    @numba.cfunc(CyRK.nb.numba_solver.cyjit_sig)
    def rhs_c(dy, t, y, args):
        f(t, carray(y, (n,)), carray(args, (m,)), carray(dy, (n,)))

    one, ens = _cyrk_drivers()

    # pure-Numba solver (the RHS is a compile-time argument: compiled per problem)
    @numba.njit
    def rhs_ret(t, y, p):
        dy = np.empty_like(y)
        f(t, y, p, dy)
        return dy

    nbsolve_ivp = CyRK.nbsolve_ivp

    @numba.njit
    def one_nb(span, y0, p, rk_method, rtol, atol):
        r = nbsolve_ivp(rhs_ret, span, y0, (p,), rtol=rtol, atol=atol, rk_method=rk_method,
                        warnings=False)
        return r.y[:, -1].copy(), r.success

    @numba.njit(parallel=True)
    def ens_nb(span, y0, P, rk_method, rtol, atol):
        k = P.shape[0]
        out = np.empty((k, y0.shape[0]))
        ok = np.empty(k, np.bool_)
        for i in numba.prange(k):
            r = nbsolve_ivp(rhs_ret, span, y0, (P[i],), rtol=rtol, atol=atol,
                            rk_method=rk_method, warnings=False)
            out[i, :] = r.y[:, -1]
            ok[i] = r.success
        return out, ok

    _CYRK_KERNELS[key] = (rhs_c.address, one, ens, one_nb, ens_nb)
    return _CYRK_KERNELS[key]


class Cyrk(Contender):
    """CyRK's C++ CySolver (``nbsolve2_ivp``, cfunc RHS) or its Numba ``nbsolve_ivp``."""

    def __init__(self, method, numba_solver=False):
        super().__init__(f"CyRK nbrk {method}" if numba_solver else f"CyRK {method}")
        self.method = method
        self.numba_solver = numba_solver
        self.ensemble_mode = "Numba prange loop"

    def setup(self, pb):
        try:
            import CyRK  # noqa: F401
        except Exception as exc:
            raise Skip(f"CyRK not importable ({type(exc).__name__}: {exc}); "
                       "`pip install CyRK`") from None
        self.k = _cyrk_kernels(pb)

    def make(self, pb, rtol, atol):
        addr, one, ens, one_nb, ens_nb = self.k
        span = (pb.t0, pb.t1)
        y0, p = pb.y0, pb.params
        meth = self.method
        if self.numba_solver:
            rk = {"RK23": 0, "RK45": 1, "DOP853": 2}[meth]
            if pb.ensemble:
                def run():
                    out, ok = ens_nb(span, y0, p, rk, rtol, atol)
                    if not ok.all():
                        raise RuntimeError(f"{int((~ok).sum())} trajectories failed")
                    return out
            else:
                def run():
                    y, ok = one_nb(span, y0, p, rk, rtol, atol)
                    if not ok:
                        raise RuntimeError("CyRK nbsolve_ivp reported failure")
                    return y
            return run
        if pb.ensemble:
            def run():
                out, ok = ens(addr, span, y0, p, meth, rtol, atol)
                if not ok.all():
                    raise RuntimeError(f"{int((~ok).sum())} trajectories failed")
                return out
        else:
            def run():
                y, ok = one(addr, span, y0, p, meth, rtol, atol)
                if not ok:
                    raise RuntimeError("CyRK reported failure")
                return y
        return run


# ---------------------------------------------------------------------------------------
# heyoka: Taylor method, RHS as expressions compiled with LLVM; tol = rtol
# ---------------------------------------------------------------------------------------
class Heyoka(Contender):
    group = "heyoka"

    def __init__(self):
        super().__init__("heyoka")
        self.ensemble_mode = "taylor_adaptive_batch (SIMD lanes, one thread)"

    def setup(self, pb):
        try:
            import heyoka as hy
        except Exception as exc:
            raise Skip(f"heyoka not importable ({type(exc).__name__}: {exc}); "
                       "`pip install heyoka`") from None
        self.hy = hy
        xs = hy.make_vars(*[f"x{i}" for i in range(pb.n)])
        if pb.n == 1:
            xs = [xs]
        m = pb.params.shape[-1]
        rhs = pb.generic(hy.time, list(xs), [hy.par[i] for i in range(m)], hy)
        self.sys = [(x, hy.expression(r) if isinstance(r, float) else r)
                    for x, r in zip(xs, rhs)]
        self.batch = hy.recommended_simd_size()

    def make(self, pb, rtol, atol):
        hy = self.hy
        y0 = pb.y0
        t0, t1 = pb.t0, pb.t1
        if not pb.ensemble:
            p = pb.params
            try:
                ta = hy.taylor_adaptive(self.sys, y0, pars=p, tol=rtol)
            except ValueError:  # the system uses no parameter (Pleiades' p is a dummy)
                ta = hy.taylor_adaptive(self.sys, y0, tol=rtol)
                p = ta.pars.copy()

            def run():
                ta.time = t0
                ta.state[:] = y0
                ta.pars[:] = p
                res = ta.propagate_until(t1)
                if res[0] != hy.taylor_outcome.time_limit:
                    raise RuntimeError(f"heyoka: {res[0]}")
                return ta.state.copy()
            return run
        B = self.batch
        P = pb.params
        k = P.shape[0]
        nb = -(-k // B)
        Ppad = np.concatenate([P, np.repeat(P[-1:], nb * B - k, axis=0)])
        parts = [np.ascontiguousarray(Ppad[i * B:(i + 1) * B].T) for i in range(nb)]
        st0 = np.repeat(y0[:, None], B, axis=1)
        ta = hy.taylor_adaptive_batch(self.sys, st0, pars=parts[0], tol=rtol)
        tl = hy.taylor_outcome.time_limit

        def run():
            out = np.empty((nb * B, pb.n))
            for i in range(nb):
                ta.set_time(t0)
                ta.state[:] = st0
                ta.pars[:] = parts[i]
                ta.propagate_until(t1)
                for r in ta.propagate_res:
                    if r[0] != tl:
                        raise RuntimeError(f"heyoka batch: {r[0]}")
                out[i * B:(i + 1) * B] = ta.state.T
            return out[:k]
        return run


def peer_contenders():
    return [Scipy("RK45"), Scipy("DOP853"), Scipy("LSODA"),
            Numbalsoda("dop853"), Numbalsoda("lsoda"),
            Cyrk("DOP853"), Cyrk("Vern7"), Cyrk("DOP853", numba_solver=True),
            Heyoka()]


def peer_versions():
    out = {}
    for mod in ("scipy", "numba", "numbalsoda", "CyRK", "heyoka"):
        try:
            m = importlib.import_module(mod)
            out[mod] = getattr(m, "__version__", "?")
        except Exception as exc:
            out[mod] = f"absent ({type(exc).__name__})"
    if out.get("numbalsoda", "").startswith("absent") is False and out["numbalsoda"] == "?":
        try:
            from importlib.metadata import version

            out["numbalsoda"] = version("numbalsoda")
        except Exception:
            pass
    return out

