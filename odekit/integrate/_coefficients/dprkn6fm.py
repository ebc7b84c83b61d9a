# ruff: noqa: E501
# (published coefficients: exact numbers, one per line, however long)
"""Dormand, El-Mikkawy & Prince's RKN6(4)6FM: a Runge-Kutta-Nystrom 6(4) pair for
special second-order systems q'' = g(t, q), 6 stages, FSAL (5 evaluations per step).

J. R. Dormand, M. E. A. El-Mikkawy, P. J. Prince, "Families of Runge-Kutta-Nystrom
formulae", IMA J. Numer. Anal. 7 (1987) 235-250.
Values transcribed from SciML/OrdinaryDiffEq.jl,
lib/OrdinaryDiffEqRKN/src/rkn_tableaus.jl (commit b211787), and checked in
tests/integrate/test_nystrom.py against the order conditions at high precision.
"""

# Stage numbers are 1-based as in the source; A[(i, j)] is abar_ij (the coefficient of
# h^2 g_j in stage i's position), missing entries are 0. One step of
# q'' = g(t, q) from (q, v), stages g_i = g(t + c_i h, q + c_i h v + h^2 sum_j abar_ij g_j):
#   q_1 = q + h v + h^2 sum_i BBAR_i g_i,    v_1 = v + h sum_i B_i g_i;
# the embedded solution has weights BBAR + EBAR and B + EB (E = embedded - main).

N_STAGES = 6  # stages per step (the last is g(t + h, q_1) when FSAL)
FSAL = True
ORDER = 6
ERROR_ORDER = 4

# c_i (stage 1: 0)
C = {
    2: '1/10',
    3: '3/10',
    4: '7/10',
    5: '17/25',
    6: '1',
}

# abar_ij
A = {
    (2, 1): '1/200',
    (3, 1): '-1/2200',
    (3, 2): '1/22',
    (4, 1): '637/6600',
    (4, 2): '-7/110',
    (4, 3): '7/33',
    (5, 1): '225437/1968750',
    (5, 2): '-30073/281250',
    (5, 3): '65569/281250',
    (5, 4): '-9367/984375',
    (6, 1): '151/2142',
    (6, 2): '5/116',
    (6, 3): '385/1368',
    (6, 4): '55/168',
    (6, 5): '-6250/28101',
}

# position weights bbar_i
BBAR = {
    1: '151/2142',
    2: '5/116',
    3: '385/1368',
    4: '55/168',
    5: '-6250/28101',
}

# velocity weights b_i
B = {
    1: '151/2142',
    2: '25/522',
    3: '275/684',
    4: '275/252',
    5: '-78125/112404',
    6: '1/12',
}

# embedded minus main, position weights
EBAR = {
    1: '-165817/2677500',
    2: '165817/1450000',
    3: '-1160719/17100000',
    4: '-165817/2100000',
    5: '331634/3512625',
}

# embedded minus main, velocity weights
EB = {
    1: '-165817/2677500',
    2: '165817/1305000',
    3: '-165817/1710000',
    4: '-165817/630000',
    5: '165817/562020',
}
