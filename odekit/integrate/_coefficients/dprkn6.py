# ruff: noqa: E501
# (published coefficients: exact numbers, one per line, however long)
"""Dormand & Prince's RKN6(4)6 triple: a Runge-Kutta-Nystrom 6(4) pair for special
second-order systems q'' = g(t, q), 6 stages, FSAL (5 evaluations per step), with a
continuous extension of order 6 that needs no extra stage.

J. R. Dormand, P. J. Prince, "Runge-Kutta-Nystrom triples", Comput. Math. Appl. 13
(1987) 937-949.
Values transcribed from SciML/OrdinaryDiffEq.jl,
lib/OrdinaryDiffEqRKN/src/rkn_tableaus.jl (commit b211787; elements of Q(sqrt 8581)),
and checked in tests/integrate/test_nystrom.py against the order conditions at high
precision.
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
    2: '209/900-1/900*sqrt(8581)',
    3: '209/450-1/450*sqrt(8581)',
    4: '209/450+1/450*sqrt(8581)',
    5: '9/10',
    6: '1',
}

# abar_ij
A = {
    (2, 1): '26131/810000-209/810000*sqrt(8581)',
    (3, 1): '26131/607500-209/607500*sqrt(8581)',
    (3, 2): '26131/303750-209/303750*sqrt(8581)',
    (4, 1): '980403512254/11694469921875+7781688431/11694469921875*sqrt(8581)',
    (4, 2): '-1262884486208/11694469921875-15385481287/11694469921875*sqrt(8581)',
    (4, 3): '7166233891441/46777879687500+78694563299/46777879687500*sqrt(8581)',
    (5, 1): '-148167/1352000-28629/27040000*sqrt(8581)',
    (5, 2): '948483/13520000+89937/13520000*sqrt(8581)',
    (5, 3): '-1744281/54080000-838088829/464060480000*sqrt(8581)',
    (5, 4): '152541/320000-10399869/2745920000*sqrt(8581)',
    (6, 1): '329/4212',
    (6, 3): '9803/47736+366727/409622616*sqrt(8581)',
    (6, 4): '9803/47736-366727/409622616*sqrt(8581)',
    (6, 5): '200/17901',
}

# position weights bbar_i
BBAR = {
    1: '329/4212',
    3: '9803/47736+366727/409622616*sqrt(8581)',
    4: '9803/47736-366727/409622616*sqrt(8581)',
    5: '200/17901',
}

# velocity weights b_i
B = {
    1: '329/4212',
    3: '45359/119340+24214/256014135*sqrt(8581)',
    4: '45359/119340-24214/256014135*sqrt(8581)',
    5: '2000/17901',
    6: '1/20',
}

# embedded minus main, position weights
EBAR = {
    1: '28135/54756+23/4563*sqrt(8581)',
    2: '-9829/9126-131/9126*sqrt(8581)',
    3: '483881/620568+44830729/5325094008*sqrt(8581)',
    4: '-9803/47736+366727/409622616*sqrt(8581)',
    5: '-200/17901',
}

# embedded minus main, velocity weights
EB = {
    1: '-11/468',
    3: '-683/13260+38057/28446015*sqrt(8581)',
    4: '-683/13260-38057/28446015*sqrt(8581)',
    5: '550/1989',
    6: '-3/20',
}

# continuous extension, theta in [0, 1]:
#   q(t + theta h) = q + theta h v + (theta h)^2 sum_i bbar_i(theta) g_i,
#   v(t + theta h) = v + theta h sum_i b_i(theta) g_i,
# bbar_i(theta) = sum_d RBAR[(i, d)] theta^d, b_i(theta) = sum_d RB[(i, d)] theta^d
DENSE_ORDER = 6
RBAR = {
    (1, 0): '1/2',
    (1, 1): '-437/351',
    (1, 2): '3193/2106',
    (1, 3): '-1273/1404',
    (1, 4): '25/117',
    (3, 1): '9481/145860+25954829/1251624660*sqrt(8581)',
    (3, 2): '2586011/2625480-1109665151/22529243880*sqrt(8581)',
    (3, 3): '-143621/109395+156109769/3754873980*sqrt(8581)',
    (3, 4): '3415/7293-761140/62581233*sqrt(8581)',
    (4, 1): '9481/145860-25954829/1251624660*sqrt(8581)',
    (4, 2): '2586011/2625480+1109665151/22529243880*sqrt(8581)',
    (4, 3): '-143621/109395-156109769/3754873980*sqrt(8581)',
    (4, 4): '3415/7293+761140/62581233*sqrt(8581)',
    (5, 1): '1000/459',
    (5, 2): '-124000/17901',
    (5, 3): '43400/5967',
    (5, 4): '-5000/1989',
    (6, 1): '-117/110',
    (6, 2): '757/220',
    (6, 3): '-823/220',
    (6, 4): '15/11',
}

RB = {
    (1, 0): '1',
    (1, 1): '-437/117',
    (1, 2): '6386/1053',
    (1, 3): '-6365/1404',
    (1, 4): '50/39',
    (3, 1): '9481/48620+25954829/417208220*sqrt(8581)',
    (3, 2): '2586011/656370-1109665151/5632310970*sqrt(8581)',
    (3, 3): '-143621/21879+156109769/750974796*sqrt(8581)',
    (3, 4): '6830/2431-1522280/20860411*sqrt(8581)',
    (4, 1): '9481/48620-25954829/417208220*sqrt(8581)',
    (4, 2): '2586011/656370+1109665151/5632310970*sqrt(8581)',
    (4, 3): '-143621/21879-156109769/750974796*sqrt(8581)',
    (4, 4): '6830/2431+1522280/20860411*sqrt(8581)',
    (5, 1): '1000/153',
    (5, 2): '-496000/17901',
    (5, 3): '217000/5967',
    (5, 4): '-10000/663',
    (6, 1): '-351/110',
    (6, 2): '757/55',
    (6, 3): '-823/44',
    (6, 4): '90/11',
}
