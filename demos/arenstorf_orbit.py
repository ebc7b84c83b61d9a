"""The Arenstorf orbit: adaptive DOP853 with dense output, against SciPy.

    python demos/arenstorf_orbit.py            # show
    python demos/arenstorf_orbit.py --out DIR  # save the PNG
"""

import argparse
import pathlib
import time

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=None, help="save PNGs into DIR")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import scipy.integrate

    import odekit
    from odekit.integrate import examples as ex
    from odekit.integrate import plot as iplot

    span = (0.0, ex.ARENSTORF_PERIOD)
    kw = dict(params=ex.ARENSTORF_PARAMS, rtol=1e-10, atol=1e-12)
    odekit.solve_ivp(ex.arenstorf, span, ex.ARENSTORF_Y0, **kw)  # compile (or load)
    t0 = time.perf_counter()
    res = odekit.solve_ivp(ex.arenstorf, span, ex.ARENSTORF_Y0, dense_output=True, **kw)
    t_odekit = time.perf_counter() - t0

    def f(t, y):
        out = np.empty(4)
        ex.arenstorf(t, y, ex.ARENSTORF_PARAMS, out)
        return out

    t0 = time.perf_counter()
    ref = scipy.integrate.solve_ivp(f, span, ex.ARENSTORF_Y0, method="DOP853", rtol=1e-10,
                                    atol=1e-12)
    t_scipy = time.perf_counter() - t0
    for name, y, t in [("odekit", res.y[:, -1], t_odekit), ("scipy", ref.y[:, -1], t_scipy)]:
        print(f"{name:7s} {t * 1e3:8.2f} ms   return error |y(T) - y0| = "
              f"{np.linalg.norm(y - ex.ARENSTORF_Y0):.2e}")

    fig, ax = plt.subplots(figsize=(6, 5))
    iplot.phase_portrait(res, 0, 2, ax=ax, lw=1)
    ax.plot(res.y[0], res.y[2], ".", ms=3, label=f"{res.nsteps} steps")
    ax.set_title("Arenstorf orbit")
    ax.legend()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out / "arenstorf_orbit.png", dpi=120)
    else:
        plt.show()


if __name__ == "__main__":
    main()
