"""Regenerate ``hill_references.json``: 30-digit Floquet data for the Hill-determinant tests.

Independent of odekit: mpmath's Taylor-series ODE solver (``mpmath.odefun``) integrates both
fundamental solutions of y'' + (a - 2q cos 2z) y = 0 over [0, pi/2] at 34 digits; the file
keeps w_I, w_I', w_II, w_II' at pi/2 and the trace 2 (w_I w_II' + w_I' w_II)(pi/2) to 30
digits, at the doubles float(a), float(q) exactly.  Points: the default chart window
a in [-5, 20], q in [0, 20] (corners, poles a = 4n^2
and their neighbours a +- 1e-14, negative a, band edges, points near a_0, a_2 at large q),
and a few with larger |a| and q.

Run:  python tests/mathieu/make_hill_references.py   (about five minutes)
"""

import json
import pathlib

import mpmath as mp

mp.mp.dps = 34
HERE = pathlib.Path(__file__).with_name("hill_references.json")

POINTS = [
    # (a, q) as strings (exact decimal inputs)
    ("-5", "0"), ("-5", "20"), ("20", "0.5"), ("20", "20"), ("-5", "7.3"), ("0", "1"),
    ("0.25", "0.1"), ("1", "0.1"), ("1.1", "0.5"), ("2.5", "3.7"), ("-1.75", "13.25"),
    ("4", "2"), ("16", "5"), ("4", "0.0001"), ("36", "1"), ("64", "10"),
    ("4.00000000000001", "2"), ("3.99999999999999", "2"), ("16.00000000000001", "5"),
    ("15.99999999999999", "5"), ("9.81", "18.2"), ("12.3", "0.02"), ("-0.3", "19.9"),
    ("6.6", "9.9"), ("-4.4", "1.1"), ("17.5", "11.0"), ("3", "-2.5"), ("-40", "3"),
    ("100", "25"), ("-80", "60"), ("250", "120"), ("-300", "150"),
    # near the curves a_0, a_2 at large q, where F_e = (2/pi) w_I'(pi/2) is small and the
    # even form alone loses about 1e-12 (the odd form takes over there)
    ("1.3813813813813818", "19.73973973973974"), ("1.881881881881882", "19.15915915915916"),
    ("-3.798798798798799", "11.31131131131131"), ("1.556556556556557", "19.53953953953954"),
    # large q (up to 2000): points of a 300 x 300 grid over a in [-100, 600], q in [0, 2000]
    # and of random samples where the double recurrences lost most (up to 2.5e-11) before
    # the strongly coupled rows ran in double-double, and the corners of q = 2000
    ("412.70903010033453", "1076.923076923077"), ("466.55518394648834", "1859.531772575251"),
    ("1936.0504436607778", "1215.4824701273933"), ("2760.4543941237935", "1555.857666685483"),
    ("48.17231982525735", "1541.6636578145835"), ("1500", "2000"), ("-100", "2000"),
    ("600", "1000"),
]


def fundamental(a, q):
    # at the binary doubles the tests pass in (float(a), float(q)) exactly: at large q the
    # trace moves by |d trace / d a| * 1e-16 between a decimal input and its double
    a = mp.mpf(float(a))
    q = mp.mpf(float(q))

    def f(z, y):
        k = a - 2 * q * mp.cos(2 * z)
        return [y[1], -k * y[0], y[3], -k * y[2]]

    y = mp.odefun(f, 0, [mp.mpf(1), mp.mpf(0), mp.mpf(0), mp.mpf(1)])(mp.pi / 2)
    return y


def main():
    out = []
    for a, q in POINTS:
        wI, dwI, wII, dwII = fundamental(a, q)
        tr = 2 * (wI * dwII + dwI * wII)
        rec = {"a": a, "q": q, "trace": mp.nstr(tr, 30), "wI": mp.nstr(wI, 30),
               "dwI": mp.nstr(dwI, 30), "wII": mp.nstr(wII, 30), "dwII": mp.nstr(dwII, 30),
               "wronskian_minus_1": mp.nstr(wI * dwII - dwI * wII - 1, 3)}
        print(a, q, rec["trace"], flush=True)
        out.append(rec)
    HERE.write_text(json.dumps({"method": "mpmath.odefun, dps 34, over [0, pi/2]",
                                "points": out}, indent=1) + "\n")


if __name__ == "__main__":
    main()
