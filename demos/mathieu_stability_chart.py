"""
The Mathieu stability chart
===========================

The Ince-Strutt chart of Mathieu's equation y'' + (a - 2q cos 2z) y = 0: a Floquet chart
computed in parallel (half-period integrations of both fundamental solutions, one compiled
kernel for the whole grid), with the characteristic curves a_n(q), b_n(q) on which the
stability boundaries sit, and the same chart with damping (y'' + 2γ y' + ...), which lifts
the unstable tongues off the q = 0 axis.

Run it as a script::

    python demos/mathieu_stability_chart.py              # show the figure
    python demos/mathieu_stability_chart.py --out DIR    # save the PNG into DIR
    python demos/mathieu_stability_chart.py --quick      # a coarse grid
"""

# %%
# Compute the charts
# ------------------
# Every grid point is one small ensemble member; the result keeps the trace of the
# monodromy matrix and the growth rate, not the trajectories.
import argparse
import pathlib
import time

import numpy as np

TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]


def compute(quick=False):
    from odekit.mathieu import stability_chart

    na, nq = (80, 60) if quick else (400, 300)
    a = np.linspace(-5.0, 20.0, na)
    q = np.linspace(0.0, 20.0, nq)
    t = time.perf_counter()
    chart = stability_chart(a, q)
    print(f"{a.size * q.size} points in {time.perf_counter() - t:.2f} s; "
          f"stable fraction {chart.stable.mean():.3f}")
    return chart, stability_chart(a, q, damping=0.5)


# %%
# Draw them side by side
# ----------------------
# The shading is the zero contour of the stability margin (2 - abs(trace) undamped, minus the
# growth rate damped), so the band edges stay smooth even on a coarse grid.
def draw(charts):
    from odekit.mathieu import plot as mplot
    from odekit.plotting import new_figure

    fig, axs = new_figure(1, 2, figsize=(12, 4.8))
    for ax, c in zip(axs, charts):
        mplot.chart(c, ax=ax)
    return {"mathieu_stability_chart": fig}


# %%
# The script
# ----------
def main(argv=None):
    ap = argparse.ArgumentParser(description=TITLE)
    ap.add_argument("--out", type=pathlib.Path, metavar="DIR",
                    help="save the PNGs into DIR instead of showing them")
    ap.add_argument("--quick", action="store_true", help="a coarse grid (a few seconds)")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.plotting import save_figure

    figs = draw(compute(args.quick))
    if args.out is not None:
        for name, fig in figs.items():
            print("saved", save_figure(fig, args.out, name))
    else:
        plt.show()


if __name__ == "__main__":
    main()
