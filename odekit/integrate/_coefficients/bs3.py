"""Bogacki and Shampine's 3(2) pair (4 stages, FSAL) with the cubic Hermite interpolant.

P. Bogacki and L. F. Shampine, "A 3(2) pair of Runge-Kutta formulas", Appl. Math. Lett. 2
(1989) 321-325. The dense output is the cubic Hermite polynomial through (y_0, f_0) and
(y_1, f_1), written on the stages: with Delta = y_1 - y_0 = h sum_i b_i k_i and
k_4 = f(t + h, y_1),
y(t + theta h) = y_0 + theta h k_1 + theta^2 (3 Delta - 2 h k_1 - h k_4)
                 + theta^3 (-2 Delta + h k_1 + h k_4).
"""

# Values are exact rationals (p/q). Stage numbers are 1-based; missing entries are 0.

# the published digits satisfy the order conditions of b, bhat to 1e-30 (all of them)
# and of the dense output to:
DENSE_TOL = 1e-40

N_STAGES = 3  # main stages
FSAL_STAGE = 4

C = {2: "1/2", 3: "3/4", 4: "1"}

A = {
    (2, 1): "1/2",
    (3, 2): "3/4",
    (4, 1): "2/9", (4, 2): "1/3", (4, 3): "4/9",
}

# b_i: the 3rd-order solution
B = {1: "2/9", 2: "1/3", 3: "4/9"}

# E_i = bhat_i - b_i with the 2nd-order bhat = (7/24, 1/4, 1/3, 1/8)
E = {1: "5/72", 2: "-1/12", 3: "-1/9", 4: "1/8"}

# dense output: b_i(theta) = sum_d R[(i, d)] theta**d (cubic Hermite, see above)
R = {
    (1, 1): "1", (1, 2): "-4/3", (1, 3): "5/9",
    (2, 2): "1", (2, 3): "-2/3",
    (3, 2): "4/3", (3, 3): "-8/9",
    (4, 2): "-1", (4, 3): "1",
}
