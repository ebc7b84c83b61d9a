"""
The Arenstorf orbit
===================

A periodic orbit of the restricted three-body problem (Earth, Moon and a satellite, in the
rotating frame; Hairer, Nørsett & Wanner I, II.0), solved with odekit's adaptive DOP853 and
dense output, and timed against SciPy's ``solve_ivp`` with the same method and tolerances.
The orbit closes after one period, so ``|y(T) - y0|`` is the global error each solver achieved.

Run it as a script::

    python demos/arenstorf_orbit.py              # show the figure
    python demos/arenstorf_orbit.py --out DIR    # save PNGs into DIR
    python demos/arenstorf_orbit.py --quick      # looser tolerances, a few seconds
"""

# %%
# Solve with odekit and with SciPy
# --------------------------------
# The first odekit call compiles the right-hand side (or loads it from the disk cache); the
# timed call reuses the machine code. SciPy calls the same function through a Python wrapper.
import argparse
import pathlib
import time

import numpy as np

TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]


def solve(quick=False):
    import scipy.integrate

    import odekit
    from odekit.integrate import examples as ex

    rtol, atol = (1e-8, 1e-10) if quick else (1e-10, 1e-12)
    span = (0.0, ex.ARENSTORF_PERIOD)
    kw = dict(params=ex.ARENSTORF_PARAMS, rtol=rtol, atol=atol)
    odekit.solve_ivp(ex.arenstorf, span, ex.ARENSTORF_Y0, **kw)  # compile (or load)
    t0 = time.perf_counter()
    res = odekit.solve_ivp(ex.arenstorf, span, ex.ARENSTORF_Y0, dense_output=True, **kw)
    t_odekit = time.perf_counter() - t0

    def f(t, y):
        out = np.empty(4)
        ex.arenstorf(t, y, ex.ARENSTORF_PARAMS, out)
        return out

    t0 = time.perf_counter()
    ref = scipy.integrate.solve_ivp(f, span, ex.ARENSTORF_Y0, method="DOP853", rtol=rtol,
                                    atol=atol)
    t_scipy = time.perf_counter() - t0
    for name, y, t in [("odekit", res.y[:, -1], t_odekit), ("scipy", ref.y[:, -1], t_scipy)]:
        print(f"{name:7s} {t * 1e3:8.2f} ms   return error |y(T) - y0| = "
              f"{np.linalg.norm(y - ex.ARENSTORF_Y0):.2e}")
    return res


# %%
# Draw the orbit and its components
# ---------------------------------
# The curve comes from the dense output (``res.sol``) between the accepted steps (dots):
# DOP853 takes long steps far from the Moon and short ones near it.
def draw(res):
    from odekit.integrate import examples as ex
    from odekit.integrate import plot as iplot
    from odekit.plotting import new_figure

    fig, axs = new_figure(1, 2, figsize=(11, 4.4), width_ratios=[1, 1.3])
    iplot.phase_portrait(res, 0, 2, ax=axs[0], labels=("x", "y"), lw=1)
    axs[0].plot(res.y[0], res.y[2], ".", ms=3, label=f"{res.nsteps} steps")
    mu = ex.ARENSTORF_PARAMS[0]
    axs[0].plot([-mu, 1 - mu], [0, 0], "ko", ms=4, label="Earth, Moon")
    axs[0].set_title("Arenstorf orbit (rotating frame)")
    axs[0].legend(loc="lower left", fontsize="small")
    iplot.trajectory(res, ax=axs[1], components=[0, 2], labels=["x", "x'", "y", "y'"], lw=1)
    axs[1].set_title("components against time")
    return {"arenstorf_orbit": fig}


# %%
# The script
# ----------
def main(argv=None):
    ap = argparse.ArgumentParser(description=TITLE)
    ap.add_argument("--out", type=pathlib.Path, metavar="DIR",
                    help="save the PNGs into DIR instead of showing them")
    ap.add_argument("--quick", action="store_true", help="looser tolerances (a few seconds)")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.plotting import save_figure

    figs = draw(solve(args.quick))
    if args.out is not None:
        for name, fig in figs.items():
            print("saved", save_figure(fig, args.out, name))
    else:
        plt.show()


if __name__ == "__main__":
    main()
