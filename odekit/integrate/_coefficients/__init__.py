"""Butcher tableaux as data: one module per method (see :mod:`odekit.integrate._tableaux`).

Each module defines ``N_STAGES`` (main stages), ``FSAL_STAGE`` (the 1-based stage that is
``f(t + h, y_1)``, or 0), and dicts ``C``, ``A``, ``B``, ``E`` (= bhat - b) and ``R`` (dense
output, ``b_i(theta) = sum_d R[(i, d)] theta**d``) whose values are strings: exact rationals
``"p/q"``, elements of Q(sqrt 6) ``"p/q + r/s*sqrt(6)"``, or published decimals. Stage
numbers are 1-based, as in the sources; missing entries are zero.

The Runge-Kutta-Nystrom pairs (``dprkn*.py``, for q'' = g(t, q); see
:class:`odekit.integrate._tableaux.NystromTableau`) define ``N_STAGES``, ``FSAL``,
``ORDER``, ``ERROR_ORDER`` and dicts ``C``, ``A`` (abar), ``BBAR`` (position weights),
``B`` (velocity weights), ``EBAR``, ``EB`` (embedded minus main), and for a continuous
extension ``RBAR``, ``RB`` (keys (stage, power of theta), from 0) and ``DENSE_ORDER``;
values are rationals or elements of Q(sqrt 8581). ``dprkn6fm.py`` is not registered
(measured no better than ``DPRKN6`` on Pleiades, and without dense output; used by
``benchmarks/explore_rkn.py``).
"""
