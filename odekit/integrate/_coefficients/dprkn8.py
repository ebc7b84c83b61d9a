# ruff: noqa: E501
# (published coefficients: exact numbers, one per line, however long)
"""Dormand, El-Mikkawy & Prince's RKN8(6)9: a Runge-Kutta-Nystrom 8(6) pair for
special second-order systems q'' = g(t, q), 9 stages, FSAL (8 evaluations per step).

J. R. Dormand, M. E. A. El-Mikkawy, P. J. Prince, "High-order embedded
Runge-Kutta-Nystrom formulae", IMA J. Numer. Anal. 7 (1987) 423-430.
Values transcribed from SciML/OrdinaryDiffEq.jl,
lib/OrdinaryDiffEqRKN/src/rkn_tableaus.jl (commit b211787), and checked in
tests/integrate/test_nystrom.py against the order conditions at high precision.
"""

# Stage numbers are 1-based as in the source; A[(i, j)] is abar_ij (the coefficient of
# h^2 g_j in stage i's position), missing entries are 0. One step of
# q'' = g(t, q) from (q, v), stages g_i = g(t + c_i h, q + c_i h v + h^2 sum_j abar_ij g_j):
#   q_1 = q + h v + h^2 sum_i BBAR_i g_i,    v_1 = v + h sum_i B_i g_i;
# the embedded solution has weights BBAR + EBAR and B + EB (E = embedded - main).

N_STAGES = 9  # stages per step (the last is g(t + h, q_1) when FSAL)
FSAL = True
ORDER = 8
ERROR_ORDER = 6

# c_i (stage 1: 0)
C = {
    2: '1/20',
    3: '1/10',
    4: '3/10',
    5: '1/2',
    6: '7/10',
    7: '9/10',
    8: '1',
    9: '1',
}

# abar_ij
A = {
    (2, 1): '1/800',
    (3, 1): '1/600',
    (3, 2): '1/300',
    (4, 1): '9/200',
    (4, 2): '-9/100',
    (4, 3): '9/100',
    (5, 1): '-66701/197352',
    (5, 2): '28325/32892',
    (5, 3): '-2665/5482',
    (5, 4): '2170/24669',
    (6, 1): '227015747/304251000',
    (6, 2): '-54897451/30425100',
    (6, 3): '12942349/10141700',
    (6, 4): '-9499/304251',
    (6, 5): '539/9250',
    (7, 1): '-1131891597/901789000',
    (7, 2): '41964921/12882700',
    (7, 3): '-6663147/3220675',
    (7, 4): '270954/644135',
    (7, 5): '-108/5875',
    (7, 6): '114/1645',
    (8, 1): '13836959/3667458',
    (8, 2): '-17731450/1833729',
    (8, 3): '1063919505/156478208',
    (8, 4): '-33213845/39119552',
    (8, 5): '13335/28544',
    (8, 6): '-705/14272',
    (8, 7): '1645/57088',
    (9, 1): '223/7938',
    (9, 3): '1175/8064',
    (9, 4): '925/6048',
    (9, 5): '41/448',
    (9, 6): '925/14112',
    (9, 7): '1175/72576',
}

# position weights bbar_i
BBAR = {
    1: '223/7938',
    3: '1175/8064',
    4: '925/6048',
    5: '41/448',
    6: '925/14112',
    7: '1175/72576',
}

# velocity weights b_i
B = {
    1: '223/7938',
    3: '5875/36288',
    4: '4625/21168',
    5: '41/224',
    6: '4625/21168',
    7: '5875/36288',
    8: '223/7938',
}

# embedded minus main, position weights
EBAR = {
    1: '544307/12215700',
    3: '-544307/4963840',
    4: '544307/3722880',
    5: '-1632921/12409600',
    6: '544307/8686720',
    7: '-544307/44674560',
}

# embedded minus main, velocity weights
EB = {
    1: '544307/12215700',
    3: '-544307/4467456',
    4: '544307/2606016',
    5: '-1632921/6204800',
    6: '544307/2606016',
    7: '-544307/4467456',
    8: '-322012/3053925',
    9: '3/20',
}
