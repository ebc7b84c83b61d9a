"""Part 3 of explore_rkn.py: compiled twins of the prototype, to turn evaluations into time.

Two generic Numba loops with the same controller, the same starting step and the same
right-hand side (the benchmark's Pleiades, called directly as a jitted function, so both
loops get the same call cost): a first-order explicit pair (run on odekit's Vern7/Vern9
tableaux) and a Runge-Kutta-Nystrom pair (DPRKN8, DPRKN12). Their time ratio at equal
achieved error, applied to odekit's compiled Vern7, predicts what an RKN driver in odekit
would give. (A prototype: no dense output, events or checks.)
"""
import numba
import numpy as np


def make_loops(rhs):
    @numba.njit
    def hairer_h0(t0, y, f0, rtol, atol, t1, order, ytmp, f1):
        n = y.shape[0]
        d0 = 0.0
        d1 = 0.0
        for j in range(n):
            sc = atol + abs(y[j]) * rtol
            d0 += (y[j] / sc) ** 2
            d1 += (f0[j] / sc) ** 2
        d0 = np.sqrt(d0 / n)
        d1 = np.sqrt(d1 / n)
        h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
        h0 = min(h0, t1 - t0)
        for j in range(n):
            ytmp[j] = y[j] + h0 * f0[j]
        rhs(t0 + h0, ytmp, np.empty(0), f1)
        d2 = 0.0
        for j in range(n):
            sc = atol + abs(y[j]) * rtol
            d2 += ((f1[j] - f0[j]) / sc) ** 2
        d2 = np.sqrt(d2 / n) / h0
        if max(d1, d2) <= 1e-15:
            h1 = max(1e-6, h0 * 1e-3)
        else:
            h1 = (0.01 / max(d1, d2)) ** (1.0 / (order + 1))
        return min(100 * h0, h1, t1 - t0)

    @numba.njit
    def erk(t0, t1, y0, p, A, c, b, E, s, fsal, err_order, rtol, atol):
        n = y0.shape[0]
        y = y0.copy()
        K = np.zeros((s + 1, n))
        ytmp = np.empty(n)
        ynew = np.empty(n)
        rhs(t0, y, p, K[0])
        nfev = 2
        h = hairer_h0(t0, y, K[0], rtol, atol, t1, err_order, ytmp, K[1])
        ee = -1.0 / (err_order + 1)
        t = t0
        while t < t1:
            rej = False
            if not fsal:
                rhs(t, y, p, K[0])
                nfev += 1
            while True:
                tn = min(t + h, t1)
                h = tn - t
                for i in range(1, s):
                    for j in range(n):
                        acc = 0.0
                        for m in range(i):
                            acc += A[i, m] * K[m, j]
                        ytmp[j] = y[j] + h * acc
                    rhs(t + c[i] * h, ytmp, p, K[i])
                nfev += s - 1
                for j in range(n):
                    acc = 0.0
                    for m in range(s):
                        acc += b[m] * K[m, j]
                    ynew[j] = y[j] + h * acc
                if fsal:
                    rhs(tn, ynew, p, K[s])
                    nfev += 1
                err = 0.0
                for j in range(n):
                    acc = 0.0
                    for m in range(s + 1):
                        acc += E[m] * K[m, j]
                    sc = atol + rtol * max(abs(y[j]), abs(ynew[j]))
                    err += (h * acc / sc) ** 2
                err = np.sqrt(err / n)
                if err < 1.0:
                    fac = 10.0 if err == 0.0 else min(10.0, 0.9 * err ** ee)
                    if rej:
                        fac = min(1.0, fac)
                    hn = h * fac
                    break
                h = h * max(0.2, 0.9 * err ** ee)
                rej = True
            t = tn
            for j in range(n):
                y[j] = ynew[j]
            if fsal:
                for j in range(n):
                    K[0, j] = K[s, j]
            h = hn
        return y, nfev

    @numba.njit
    def rkn(t0, t1, y0, p, A, c, bb, b, eb, e, s, fsal, err_order, rtol, atol):
        n = y0.shape[0]
        m2 = n // 2
        y = y0.copy()
        G = np.zeros((s, n))  # full derivative rows (the rhs writes n); the second half used
        ytmp = np.empty(n)
        ynew = np.empty(n)
        rhs(t0, y, p, G[0])
        nfev = 2
        h = hairer_h0(t0, y, G[0], rtol, atol, t1, err_order, ytmp, G[1])
        ee = -1.0 / (err_order + 1)
        t = t0
        last = s - 1 if fsal else s
        while t < t1:
            rej = False
            while True:
                tn = min(t + h, t1)
                h = tn - t
                h2 = h * h
                for j in range(m2, n):
                    ytmp[j] = y[j]
                for i in range(1, last):
                    for j in range(m2):
                        acc = 0.0
                        for k in range(i):
                            acc += A[i, k] * G[k, m2 + j]
                        ytmp[j] = y[j] + c[i] * h * y[m2 + j] + h2 * acc
                    rhs(t + c[i] * h, ytmp, p, G[i])
                nfev += last - 1
                for j in range(m2):
                    acc = 0.0
                    for k in range(last):
                        acc += bb[k] * G[k, m2 + j]
                    ynew[j] = y[j] + h * y[m2 + j] + h2 * acc
                if fsal:
                    for j in range(m2):
                        ytmp[j] = ynew[j]
                    rhs(tn, ytmp, p, G[s - 1])
                    nfev += 1
                for j in range(m2):
                    acc = 0.0
                    for k in range(s):
                        acc += b[k] * G[k, m2 + j]
                    ynew[m2 + j] = y[m2 + j] + h * acc
                err = 0.0
                for j in range(m2):
                    a1 = 0.0
                    a2 = 0.0
                    for k in range(s):
                        a1 += eb[k] * G[k, m2 + j]
                        a2 += e[k] * G[k, m2 + j]
                    sc = atol + rtol * max(abs(y[j]), abs(ynew[j]))
                    err += (h2 * a1 / sc) ** 2
                    sc = atol + rtol * max(abs(y[m2 + j]), abs(ynew[m2 + j]))
                    err += (h * a2 / sc) ** 2
                err = np.sqrt(err / n)
                if err < 1.0:
                    fac = 10.0 if err == 0.0 else min(10.0, 0.9 * err ** ee)
                    if rej:
                        fac = min(1.0, fac)
                    hn = h * fac
                    break
                h = h * max(0.2, 0.9 * err ** ee)
                rej = True
            t = tn
            for j in range(n):
                y[j] = ynew[j]
            if fsal:
                for j in range(m2, n):
                    G[0, j] = G[s - 1, j]
            else:
                rhs(t, y, p, G[0])
                nfev += 1
            h = hn
        return y, nfev

    return erk, rkn
