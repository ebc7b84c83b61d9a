"""An adaptive Taylor-series integrator, with SIMD batches for ensembles.

How it works:

* **Tracing** (:mod:`odekit.integrate.taylor._trace`): the right-hand side, in-place
  ``f(t, y, p, dydt)`` or returning ``f(t, y, p)``, is called once on symbols. Arithmetic,
  powers, ``sqrt exp log sin cos tan tanh arctan2`` (NumPy's ufuncs through
  ``__array_ufunc__``; :mod:`math`'s through a traced twin of the module put into a copy
  of the function's globals) are recorded, common subexpressions shared. A branch or
  comparison on a traced value, ``abs``, ``float()``, or a function the tracer does not
  know raises :class:`TraceError` (a ``TypeError``) naming the construct and pointing to an
  explicit method: never a wrong answer. Globals and closures are read at trace time and
  are part of the cache key (a changed value re-traces).
* **Taylor coefficients** (:mod:`odekit.integrate.taylor._codegen`): the recurrences of
  automatic differentiation (Jorba & Zou 2005, Experimental Math. 14:99), unrolled for the
  order ``P`` (a compile-time constant), terms known to be zero dropped (polynomials in t
  have a degree), pairwise sums with the terms of the order being computed added last as
  fused multiply-adds (they are the critical path of a step), divisions by a reciprocal
  computed once per step, the new state by Estrin's scheme. sin/cos
  of an argument linear in t (``cos 2t`` in a Mathieu equation) are carried as two extra
  states, so no step calls libm for them. The straight-line code is lowered directly to
  LLVM IR inside a Numba intrinsic (:mod:`odekit.integrate.taylor._llvm`) and compiled as a
  C-callable ``cfunc`` whose machine code Numba keeps in odekit's kernel cache directory
  under a hash of the decomposition and order.
* **Compact kernels** (:mod:`odekit.integrate.taylor._compact`) for big right-hand sides:
  the unrolled code grows like (operations) x P^2 / 2 and so does its compile time (the
  Pleiades problem, 28 states and 343 operations: 1-6 s at orders 8-15). Above an
  estimate of 8000 products (:func:`odekit.integrate.taylor._codegen.choose_mode`;
  Pleiades from order 11, tol 1e-8, on; the small systems never) the kernel loops over
  the order at run time: the linear operations straight inside that loop, the
  convolutions grouped by level and kind into loops over tables of slots, each sum a
  loop. Its code does not grow with P: 0.5-0.8 s to compile for Pleiades at any order,
  about 1.3x slower per step than unrolled (heyoka's speed there). Same buffer, step rule
  and interface; results equal to rounding. ``ODEKIT_TAYLOR_MODE=unrolled|compact``
  (read when a kernel is made) forces either.
* **The driver** (:mod:`odekit.integrate.taylor._driver`) is compiled once per
  installation and calls each kernel by address: a new right-hand side costs only its
  kernel (0.1-0.3 s at orders 8-15 on the development machine, Arenstorf), a cached one
  about 0.01 s. New parameters, initial values, spans, or tolerances of the same order never
  recompile.
* **Order and step** as heyoka (Biscani & Izzo 2021): ``P = ceil(-ln(tol) / 2 + 1)``, and
  ``h = e^-2 exp(-0.7 / (P - 1)) min_{k = P-1, P} (s / max_i |x_i^[k]|)^(1/k)`` with
  ``s = max(1, max_i |x_i|)``; no step is rejected. The same steps as heyoka, to rounding.
* **Dense output** is the steps' Taylor polynomials; **events** ``g(t, y, p)`` are traced
  into the same decomposition and their roots are found on g's own Taylor polynomial
  (16 samples per step, then bisection to the last bit), terminal or not, with direction.
* **Batches** (:mod:`odekit.integrate.taylor._batch`): W = 8 trajectories per kernel call
  as ``<8 x double>`` vectors, each lane with its own time and step; batches in parallel.
  A member is bitwise equal to its scalar solve, whatever the width and thread count.
  With events, the members run one by one through the scalar driver instead (each its
  own ``t_events``/``y_events``; a terminal event stops its member only).

Through the public API, ``odekit.solve_ivp(..., method="taylor")`` and
``odekit.solve_ensemble(..., method="taylor")`` use ``tol = min(rtol, min(atol))``
(clipped to [1e-16, 0.5]): the Taylor tolerance acts as an absolute one where the state
is below 1 and as a relative one above, so the smaller of the two holds everywhere.
``nfev`` counts Taylor steps (one evaluation of the recurrences each).

Limits: orders above about 16 (``tol`` below about 1e-14 on a system the size of the
restricted three-body problem) produce straight-line code larger than the CPU's
first-level instruction cache and run about 3x slower per step (the size rule keeps
such small systems unrolled at every order); every coefficient must be finite (a
singularity met in a step raises :class:`odekit.IntegrationError`). Near that size the
speed of a kernel also depends on where its machine code lands in memory: the same code, loaded at another
address, runs 1.3-3x slower in a few percent of the loads (heyoka's kernels too; see
``benchmarks/results/bench_taylor-c6e16c4.txt``), for the life of the process.
"""

from ._batch_solve import _solve_ensemble_hook, solve_taylor_ensemble  # noqa: F401
from ._codegen import order_from_tol
from ._solve import TaylorSolution, _solve_ivp_hook, solve_taylor  # noqa: F401
from ._trace import TraceError

__all__ = ["solve_taylor", "solve_taylor_ensemble", "TaylorSolution", "TraceError",
           "order_from_tol"]
