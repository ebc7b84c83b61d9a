"""
Points of a disk in one sector
==============================

n points chosen uniformly in a disk all lie in one sector of angle θ with a probability
that has a closed form (https://kexue.fm/archives/9324): four ducks in a round pond are all
in one half with probability 1/2. Exact curves beside Monte-Carlo estimates with their
Wilson intervals, the convergence of plain and quasi-Monte Carlo, and one sample.

Run it as a script::

    python demos/sector_probability.py              # show the figure
    python demos/sector_probability.py --out DIR    # save the PNG into DIR
    python demos/sector_probability.py --quick      # fewer samples
"""

# %%
# Four ducks in a pond
# --------------------
# Two samplers: points in the disk, or only their angles (the radius does not matter).
import argparse
import math
import pathlib

TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]


def four_ducks(samples):
    from odekit.geoprob import sector_probability, sector_probability_mc

    print("four ducks, exact:", sector_probability(4, math.pi))
    for sampler in ("disk", "angles"):
        est = sector_probability_mc(4, math.pi, samples, seed=2024, sampler=sampler)
        print(f"  Monte Carlo ({sampler}): {est.value:.5f} +- {est.stderr:.5f}, "
              f"95% CI {est.ci[0]:.5f} .. {est.ci[1]:.5f}")


# %%
# Curves, convergence and one sample
# ----------------------------------
def draw(quick=False):
    from odekit.geoprob import plot as gplot
    from odekit.plotting import new_figure

    fig, axs = new_figure(1, 3, figsize=(16, 4.8))
    gplot.sector_curves(ax=axs[0], **(dict(mc_samples=2000, mc_points=5) if quick else {}))
    gplot.convergence(ax=axs[1], max_log2=12 if quick else 16, seeds=3 if quick else 6)
    gplot.sample(4, math.pi, seed=3, ax=axs[2])
    return {"sector_probability": fig}


# %%
# The script
# ----------
def main(argv=None):
    ap = argparse.ArgumentParser(description=TITLE)
    ap.add_argument("--out", type=pathlib.Path, metavar="DIR",
                    help="save the PNGs into DIR instead of showing them")
    ap.add_argument("--quick", action="store_true", help="fewer samples (a few seconds)")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.plotting import save_figure

    four_ducks(20_000 if args.quick else 1_000_000)
    figs = draw(args.quick)
    if args.out is not None:
        for name, fig in figs.items():
            print("saved", save_figure(fig, args.out, name))
    else:
        plt.show()


if __name__ == "__main__":
    main()
