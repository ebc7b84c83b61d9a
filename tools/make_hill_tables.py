"""Make ``odekit/mathieu/_hill_tables.py``: the analytic tails of Hill's determinants.

The Floquet trace of y'' + (a - 2q cos 2z) y = 0 is 2 + pi^2 F_e F_o, with F_e, F_o the even
and odd Hill determinants (see ``odekit/mathieu/hill.py``).  Both are built from the
semi-infinite tridiagonal determinants T_M (rows n >= M: diagonal d_n = 1 - x/n^2, x = a/4,
products of the off-diagonal pairs P_n = Q p_n, Q = q^2, p_n = 1/(16 n^2 (n+1)^2)).  The
kernels run the three-term recurrence T_n = d_n T_{n+1} - P_n T_{n+2} for n < M and need
log T_M and log T_{M+1} in closed form.  This script tabulates them as polynomials

    log T_M(x, Q) = sum_{k <= K, j <= J} C[M][k, j] x^k Q^j

(to about 40 digits, then rounded to float64).  Derivation:

* T_n = r_n T_{n+1} with r_n = d_n (1 - eps_n), eps_n = beta_n / (1 - eps_{n+1}) and
  beta_n = P_n / (d_n d_{n+1}) (the continued fraction of the ratio), so
  log T_M = sum_{n >= M} [log d_n + log(1 - eps_n)].
* Each summand is expanded as a truncated power series in x and Q: 1/d_m = sum_k x^k m^(-2k),
  log d_n = -sum_k x^k n^(-2k) / k, and eps_n to order Q^J needs only beta_n .. beta_{n+J-1}.
  The summand's coefficients are rational functions of n with poles at n = 0, -1, ..., -J-1.
* The sum over n is done exactly in two parts: n = M .. N-1 directly (50-digit arithmetic, N = M + 400) and
  n >= N through the expansion of the summand in 1/n, whose coefficients g_t are Cauchy
  integrals over a circle |1/n| = rho (trapezoidal rule, exponentially accurate because the
  summand is analytic for |n| > J + 1), and sum_{n >= N} n^(-t) = zeta(t, N) (Hurwitz zeta, by Euler-Maclaurin: mpmath's own
  loses accuracy at large t).

The validity region of a table M is |x| <= XI_MAX M^2 and Q <= ETA_MAX 16 M^4 (that is
|a| <= 4 XI_MAX M^2, q <= 4 sqrt(ETA_MAX) M^2); there the terms left out of the K x J box
are below about 1e-17 M (checked below against a box of K + 6, J + 3).

The same tables with n + 1/2 in place of n (``CH``) serve the odd-harmonic determinants
G_+ = w_I(pi/2), G_- = w_II'(pi/2) (diagonal 1 - a/(2n+1)^2 = 1 - x/(n+1/2)^2, pair products
q^2/((2n+1)^2 (2n+3)^2) = Q/(16 (n+1/2)^2 (n+3/2)^2)).

Run: python tools/make_hill_tables.py [--full-check]   (minutes; needs mpmath)
"""

import pathlib
import sys
import time

import mpmath as mp

mp.mp.dps = 50
K, J = 12, 6
XI_MAX = mp.mpf(1) / 20          # |x| / M^2
ETA_MAX = mp.mpf(1) / 1000       # Q / (16 M^4)
#: tabulated truncation orders M (each also needs M + 1)
M_LIST = [8, 10, 12, 13, 14, 16, 18, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80, 96, 112, 128,
          144, 160]
#: 0: the even-harmonic rows n (Hill's F_e, F_o); 1/2: the odd-harmonic rows, n + 1/2
SHIFTS = (0, mp.mpf(1) / 2)
OUT = pathlib.Path(__file__).resolve().parents[1] / "odekit" / "mathieu" / "_hill_tables.py"


def zeros(K_, J_):
    return [[mp.mpf(0)] * (K_ + 1) for _ in range(J_ + 1)]   # S[j][k]


def xconv(a, b, K_):
    out = [mp.mpf(0)] * (K_ + 1)
    for i, ai in enumerate(a):
        if ai == 0:
            continue
        for l in range(K_ + 1 - i):
            out[i + l] += ai * b[l]
    return out


def summand(n, K_=K, J_=J):
    """Series S[j][k] of log d_n + log(1 - eps_n) in x^k Q^j (n real, complex or mpf)."""
    inv_d = []
    for i in range(J_ + 1):
        m2 = 1 / ((n + i) * (n + i))
        c, row = mp.mpf(1), []
        for _ in range(K_ + 1):
            row.append(c)
            c = c * m2
        inv_d.append(row)
    b = []
    for i in range(J_):
        m = n + i
        p = 1 / (16 * m * m * (m + 1) * (m + 1))
        b.append([p * v for v in xconv(inv_d[i], inv_d[i + 1], K_)])
    eps = zeros(K_, J_)                      # eps_{n+J} ~ 0 to order Q^J
    for i in range(J_ - 1, -1, -1):
        # G = 1 / (1 - eps):  G_0 = 1, G_j = sum_{l=1..j} eps_l * G_{j-l}
        G = zeros(K_, J_)
        G[0][0] = mp.mpf(1)
        for j in range(1, J_ + 1):
            acc = [mp.mpf(0)] * (K_ + 1)
            for l in range(1, j + 1):
                t = xconv(eps[l], G[j - l], K_)
                acc = [u + v for u, v in zip(acc, t)]
            G[j] = acc
        new = zeros(K_, J_)
        for j in range(1, J_ + 1):
            new[j] = xconv(b[i], G[j - 1], K_)
        eps = new
    # L = log(1 - eps): j L_j = -sum_{l=1..j} l eps_l * G_{j-l}, G = 1/(1 - eps)
    G = zeros(K_, J_)
    G[0][0] = mp.mpf(1)
    for j in range(1, J_ + 1):
        acc = [mp.mpf(0)] * (K_ + 1)
        for l in range(1, j + 1):
            t = xconv(eps[l], G[j - l], K_)
            acc = [u + v for u, v in zip(acc, t)]
        G[j] = acc
    L = zeros(K_, J_)
    for j in range(1, J_ + 1):
        acc = [mp.mpf(0)] * (K_ + 1)
        for l in range(1, j + 1):
            t = xconv(eps[l], G[j - l], K_)
            acc = [u + l * v for u, v in zip(acc, t)]
        L[j] = [-v / j for v in acc]
    n2 = 1 / (n * n)
    c = n2
    for k in range(1, K_ + 1):
        L[0][k] -= c / k
        c = c * n2
    return L


def hurwitz_zeta(t, N, direct=64, terms=40):
    """sum_{m >= 0} (N + m)^-t for integer t >= 2, N > 0 (direct terms, then Euler-Maclaurin).

    (mpmath.zeta(t, N) loses all accuracy for t in the tens and N in the hundreds.)
    """
    t = mp.mpf(t)
    N = mp.mpf(N)
    s = mp.fsum((N + m) ** -t for m in range(direct))
    A = N + direct
    s += A ** (1 - t) / (t - 1) + A ** -t / 2
    rising = t            # t (t+1) ... (t + 2m - 2)
    for m in range(1, terms + 1):
        term = mp.bernoulli(2 * m) / mp.factorial(2 * m) * rising * A ** (-t - 2 * m + 1)
        s += term
        rising *= (t + 2 * m - 1) * (t + 2 * m)
        if abs(term) < mp.mpf(10) ** (-mp.mp.dps - 5) * abs(s):
            break
    return s


def far_tail(N, K_=K, J_=J, shift=0):
    """sum_{n >= N} summand(n + shift), from the 1/n expansion (Cauchy integrals) and Hurwitz
    zeta values zeta(t, N + shift)."""
    rho = mp.mpf(1) / (2 * (J_ + 2))
    # the (k, j) coefficient starts at n^-(2k + 4j); its 1/n series converges like
    # binom(t, 2k + 4j) ((J + 1) / N)^t, so 60 more terms are ample for N >= 400
    t_max = 2 * K_ + 4 * J_ + 60
    samples = 2 * t_max + 16
    vals = []
    for s in range(samples):
        u = rho * mp.expjpi(mp.mpf(2 * s) / samples)
        vals.append((u, summand(1 / u, K_, J_)))
    out = zeros(K_, J_)
    for t in range(0, t_max + 1):
        g = zeros(K_, J_)
        for u, S in vals:
            w = u ** (-t)
            for j in range(J_ + 1):
                for k in range(K_ + 1):
                    g[j][k] += S[j][k] * w
        if t <= 1:
            big = max(abs(v) for row in g for v in row) / samples
            assert big < mp.mpf(10) ** (-30), (t, big)   # no n^0, n^-1 terms
            continue
        z = hurwitz_zeta(t, N + shift)
        for j in range(J_ + 1):
            for k in range(K_ + 1):
                # the (k, j) summand is O(n^-(2k + 4j)): its lower coefficients vanish
                # exactly and are left out (their rounding, at the level of the summand's
                # size on the circle, would swamp the tiny tail of high orders)
                if t >= 2 * k + 4 * j:
                    out[j][k] += (g[j][k] / samples).real * z
    return out


def tables(M_list, N, K_=K, J_=J, shift=0):
    S = far_tail(N, K_, J_, shift)
    want = set(M_list) | {m + 1 for m in M_list}
    res = {}
    for n in range(N - 1, min(want) - 1, -1):
        s = summand(mp.mpf(n) + shift, K_, J_)
        S = [[u + v for u, v in zip(r1, r2)] for r1, r2 in zip(S, s)]
        if n in want:
            res[n] = [row[:] for row in S]
    return res


def _write_table(lines, name, res):
    lines.append(name + " = {")
    for m in sorted(res):
        lines.append(f"    {m}: [")
        for k in range(K + 1):
            row = ", ".join(repr(float(res[m][j][k])) for j in range(J + 1))
            lines.append(f"        [{row}],")
        lines.append("    ],")
    lines.append("}")


def main(argv=None):
    full = "--full-check" in (sys.argv[1:] if argv is None else argv)
    t0 = time.time()
    N = max(M_LIST) + 400
    res = {shift: tables(M_LIST, N, shift=shift) for shift in SHIFTS}
    print(f"tables in {time.time() - t0:.0f} s", file=sys.stderr)
    # check 1: a different split point of the sum (N + 25) gives the same tables
    M_chk = [max(M_LIST) + 1, M_LIST[0]]
    for shift in SHIFTS:
        chk = tables([m - 1 for m in M_chk], N + 25, shift=shift)
        worst = 0
        for m in M_chk:
            for j in range(J + 1):
                for k in range(K + 1):
                    # the difference as it enters log T_M at the corner of the region
                    scale = (XI_MAX * m * m) ** k * (ETA_MAX * 16 * m ** 4) ** j
                    worst = max(worst, abs(res[shift][m][j][k] - chk[m][j][k]) * scale)
        print(f"shift {shift}: split-point check: max difference {mp.nstr(worst, 3)}",
              file=sys.stderr)
        assert worst < mp.mpf(10) ** -25
    # check 2: the truncation at the corners of each validity region, against a larger box
    # (M = 160 takes about 20 minutes: --full-check; it gave 1.0e-17 for shift 0)
    trunc = {}
    for shift in SHIFTS:
        for m in (M_LIST[0], 20) + ((max(M_LIST),) if full else ()):
            big = tables([m], m + 150, K + 6, J + 3, shift=shift)[m]
            x = XI_MAX * m * m
            Q = ETA_MAX * 16 * m ** 4
            worst = 0
            for sx in (1, -1):
                lb = sum(big[j][k] * (sx * x) ** k * Q ** j for j in range(J + 4)
                         for k in range(K + 7))
                ls = sum(res[shift][m][j][k] * (sx * x) ** k * Q ** j for j in range(J + 1)
                         for k in range(K + 1))
                worst = max(worst, abs(lb - ls))
            trunc[(float(shift), m)] = worst
            print(f"shift {shift}, M={m}: truncation of log T_M at the region corners "
                  f"{mp.nstr(worst, 3)}", file=sys.stderr)
    lines = [
        '"""Tables of the analytic tails of Hill\'s determinants (generated, do not edit).',
        "",
        "Made by tools/make_hill_tables.py (mpmath, 50 digits).  C[M][k][j] is the coefficient",
        "of x^k Q^j in log T_M(x, Q), the log of the tridiagonal determinant of rows n >= M",
        "(x = a/4, Q = q^2; diagonal 1 - x/n^2, pair products Q/(16 n^2 (n+1)^2)); CH the same",
        "with n + 1/2 in place of n (the odd-harmonic class).  Valid for |x| <= XI_MAX M^2 and",
        "Q <= 16 ETA_MAX M^4.",
        '"""',
        "",
        f"K = {K}",
        f"J = {J}",
        f"XI_MAX = {float(XI_MAX)!r}",
        f"ETA_MAX = {float(ETA_MAX)!r}",
        f"M_LIST = {M_LIST!r}",
        "#: measured truncation error of log T_M at the corners of the region (vs a (K+6) x (J+3)",
        "#: box), keyed by (shift, M)",
        "TRUNCATION = {" + ", ".join(f"{k!r}: {float(v):.2e}" for k, v in trunc.items()) + "}",
    ]
    _write_table(lines, "C", res[0])
    _write_table(lines, "CH", res[SHIFTS[1]])
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} in {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
