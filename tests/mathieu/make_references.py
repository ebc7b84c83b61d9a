"""Regenerate ``mpmath_references.json``: independent 40-digit references for the tests.

Characteristic values are eigenvalues of the (unsymmetrised-equivalent) Hill matrices
computed by mpmath's symmetric eigen-solver (Jacobi/QR, not Sturm bisection) in 40-digit
arithmetic, sorted, so the order of each value is fixed by its index in the full spectrum.
Mathieu function values use mpmath eigenvectors of the matrices with the *signed* q (no use
of the q -> -q relations), normalised per DLMF 28.2.30 and signed per DLMF's literal rule
ce_n(0, q) > 0, se_n'(0, q) > 0, which is resolvable at 40 digits for |q| <= 100.

Run:  python tests/mathieu/make_references.py [values] [functions]   (minutes each)
"""

import json
import pathlib

import mpmath as mp

mp.mp.dps = 40
HERE = pathlib.Path(__file__).with_name("mpmath_references.json")


def hill(kind, q, N):
    q = mp.mpf(q)
    A = mp.zeros(N, N)
    for k in range(N):
        if kind == 0:
            d = (2 * k) ** 2
        elif kind == 3:
            d = (2 * k + 2) ** 2
        else:
            d = (2 * k + 1) ** 2 if k > 0 else (1 + q if kind == 1 else 1 - q)
        A[k, k] = d
        if k > 0:
            e = q * (mp.sqrt(2) if (kind == 0 and k == 1) else 1)
            A[k, k - 1] = A[k - 1, k] = e
    return A


def order(kind, j):
    return {0: 2 * j, 1: 2 * j + 1, 2: 2 * j + 1, 3: 2 * j + 2}[kind]


def values():
    out = []
    qs = ["-1500.3", "-321.7", "-31.34", "-15.5147", "0.37", "3.2", "15.5147", "21", "31.34",
          "87.6", "250.5", "777.7", "1234.5", "2000"]
    for qs_ in qs:
        q = mp.mpf(qs_)
        N = 130 if abs(q) >= 700 else 100
        for kind in range(4):
            E = mp.eigsy(hill(kind, q, N), eigvals_only=True)
            E = sorted(E)
            for j in range(31):
                fam = "a" if kind in (0, 1) else "b"
                out.append([fam, order(kind, j), qs_, mp.nstr(E[j], 35)])
        print("values q =", qs_, flush=True)
    return out


def functions():
    out = []
    zs = ["0", "0.4", "1.1", str(mp.pi / 2), "2.6"]
    for qs_ in ["-60", "2.5", "25", "100"]:
        q = mp.mpf(qs_)
        N = 56
        for kind in range(4):
            E, Q = mp.eigsy(hill(kind, q, N))
            idx = sorted(range(N), key=lambda i: E[i])
            for j in range(16):
                n = order(kind, j)
                if n > 30:
                    continue
                col = idx[j]
                u = [Q[k, col] for k in range(N)]
                c = list(u)
                if kind == 0:
                    c[0] = u[0] / mp.sqrt(2)
                p = {0: 0, 1: 1, 2: 1, 3: 2}[kind]
                fun = "ce" if kind in (0, 1) else "se"
                h = [2 * k + p for k in range(N)]
                if fun == "ce":
                    f = lambda z: mp.fsum(c[k] * mp.cos(h[k] * z) for k in range(N))  # noqa
                    fp = lambda z: mp.fsum(-h[k] * c[k] * mp.sin(h[k] * z) for k in range(N))  # noqa
                    sgn = mp.sign(f(0))
                else:
                    f = lambda z: mp.fsum(c[k] * mp.sin(h[k] * z) for k in range(N))  # noqa
                    fp = lambda z: mp.fsum(h[k] * c[k] * mp.cos(h[k] * z) for k in range(N))  # noqa
                    sgn = mp.sign(fp(0))
                assert sgn != 0
                for zs_ in zs:
                    z = mp.mpf(zs_)
                    out.append([fun, n, qs_, zs_, mp.nstr(sgn * f(z), 30),
                                mp.nstr(sgn * fp(z), 30)])
        print("functions q =", qs_, flush=True)
    return out


if __name__ == "__main__":
    import sys

    parts = sys.argv[1:] or ["values", "functions"]
    data = json.loads(HERE.read_text()) if HERE.exists() else {}
    for part in parts:
        result = values() if part == "values" else functions()
        data = json.loads(HERE.read_text()) if HERE.exists() else {}
        data[part] = result
        HERE.write_text(json.dumps(data, indent=0))
        print("wrote", part, "to", HERE)
