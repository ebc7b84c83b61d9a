"""Classics of geometric probability: exact values beside Monte-Carlo and QMC estimates.

Run ``python demos/geometric_classics.py`` (table + figure) or ``--out DIR`` to save it.
"""

import argparse
import pathlib

import matplotlib


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, help="save PNGs here instead of showing")
    parser.add_argument("--samples", type=int, default=1 << 18)
    args = parser.parse_args(argv)
    if args.out:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.geoprob import CLASSICS

    names, z_mc, z_qmc = [], [], []
    print(f"{'problem':28s} {'exact':>9s} {'MC':>9s} {'z':>6s} {'QMC':>9s} {'z':>6s}")
    for name, p in CLASSICS.items():
        mc = p.estimate(args.samples, seed=1)
        q = p.estimate(args.samples, seed=1, method="qmc")
        print(f"{name:28s} {p.exact:9.6f} {mc.value:9.6f} {mc.zscore(p.exact):+6.2f} "
              f"{q.value:9.6f} {q.zscore(p.exact):+6.2f}")
        names.append(name)
        z_mc.append(mc.zscore(p.exact))
        z_qmc.append(q.zscore(p.exact))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    y = range(len(names))
    ax.plot(z_mc, y, "o", label="Monte Carlo")
    ax.plot(z_qmc, y, "s", label="scrambled Sobol")
    ax.axvspan(-2, 2, color="0.9")
    ax.set_yticks(list(y), names)
    ax.set_xlabel("(estimate - exact) / stderr")
    ax.set_title("classics: estimates agree with the exact values")
    ax.legend()
    fig.tight_layout()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out / "geometric_classics.png", dpi=110)
        print("saved", args.out / "geometric_classics.png")
    else:
        plt.show()


if __name__ == "__main__":
    main()
