"""
Classics of geometric probability
=================================

Exact values beside Monte-Carlo and scrambled-Sobol (QMC) estimates for the classics of
:mod:`odekit.geoprob`: Wendel's hemispheres, Sylvester's four points, Buffon's needle, the
triangle containing the centre, mean distances and the four ducks in a pond. Each estimate
carries its standard error, so ``(estimate - exact) / stderr`` should mostly lie in [-2, 2].

Run it as a script::

    python demos/geometric_classics.py              # table and figure
    python demos/geometric_classics.py --out DIR    # save the PNG into DIR
    python demos/geometric_classics.py --quick      # fewer samples
"""

# %%
# Estimate every classic
# ----------------------
# The same seed gives the same numbers on any number of threads.
import argparse
import pathlib

TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]


def estimate_all(samples):
    from odekit.geoprob import CLASSICS

    rows = []
    print(f"{'problem':28s} {'exact':>9s} {'MC':>9s} {'z':>6s} {'QMC':>9s} {'z':>6s}")
    for name, p in CLASSICS.items():
        mc = p.estimate(samples, seed=1)
        q = p.estimate(samples, seed=1, method="qmc")
        print(f"{name:28s} {p.exact:9.6f} {mc.value:9.6f} {mc.zscore(p.exact):+6.2f} "
              f"{q.value:9.6f} {q.zscore(p.exact):+6.2f}")
        rows.append((name, mc.zscore(p.exact), q.zscore(p.exact)))
    return rows


# %%
# Draw the z-scores
# -----------------
def draw(rows):
    from odekit.plotting import new_figure

    fig, ax = new_figure(figsize=(8, 4.5))
    names = [r[0] for r in rows]
    y = range(len(rows))
    ax.plot([r[1] for r in rows], y, "o", label="Monte Carlo")
    ax.plot([r[2] for r in rows], y, "s", label="scrambled Sobol")
    ax.axvspan(-2, 2, color="0.9")
    ax.set_yticks(list(y), names)
    ax.set_xlabel("(estimate - exact) / stderr")
    ax.set_title("classics: estimates agree with the exact values")
    ax.legend(fontsize="small")
    return {"geometric_classics": fig}


# %%
# The script
# ----------
def main(argv=None):
    ap = argparse.ArgumentParser(description=TITLE)
    ap.add_argument("--out", type=pathlib.Path, metavar="DIR",
                    help="save the PNGs into DIR instead of showing them")
    ap.add_argument("--quick", action="store_true", help="fewer samples (a few seconds)")
    ap.add_argument("--samples", type=int, default=None,
                    help="samples per estimate (default 2**18, 2**13 with --quick)")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.plotting import save_figure

    samples = args.samples or (1 << 13 if args.quick else 1 << 18)
    figs = draw(estimate_all(samples))
    if args.out is not None:
        for name, fig in figs.items():
            print("saved", save_figure(fig, args.out, name))
    else:
        plt.show()


if __name__ == "__main__":
    main()
