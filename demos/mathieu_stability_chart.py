"""Ince-Strutt stability chart of the Mathieu equation y'' + (a - 2q cos 2z) y = 0.

Computes a 400 x 300 Floquet chart in parallel (half-period integrations of both fundamental
solutions), overlays the characteristic curves a_n(q), b_n(q) on which the stability
boundaries sit, and shows how damping (y'' + 2 gamma y' + ...) lifts the tongues.

    python demos/mathieu_stability_chart.py            # show
    python demos/mathieu_stability_chart.py --out DIR  # save PNGs
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

    from odekit.mathieu import plot as mplot
    from odekit.mathieu import stability_chart

    a = np.linspace(-5.0, 20.0, 400)
    q = np.linspace(0.0, 20.0, 300)
    t = time.perf_counter()
    chart = stability_chart(a, q)
    print(f"{a.size * q.size} points in {time.perf_counter() - t:.2f} s; "
          f"stable fraction {chart.stable.mean():.3f}")
    damped = stability_chart(a, q, damping=0.5)
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.8))
    mplot.stability_chart(chart, ax=axs[0])
    mplot.stability_chart(damped, ax=axs[1])
    fig.tight_layout()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "mathieu_stability_chart.png"
        fig.savefig(path, dpi=120)
        print("saved", path)
    else:
        plt.show()


if __name__ == "__main__":
    main()
