"""n points in a disk, all in one sector: exact curves, Monte Carlo, one sample.

Four ducks in a round pond are all in one half with probability 1/2
(https://kexue.fm/archives/9324). Run ``python demos/sector_probability.py`` to show the
figures, or ``--out DIR`` to save PNGs instead.
"""

import argparse
import math
import pathlib

import matplotlib


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, help="save PNGs here instead of showing")
    args = parser.parse_args(argv)
    if args.out:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.geoprob import sector_probability, sector_probability_mc
    from odekit.geoprob.plot import plot_convergence, plot_sample, plot_sector_curves

    print("four ducks, exact:", sector_probability(4, math.pi))
    for sampler in ("disk", "angles"):
        est = sector_probability_mc(4, math.pi, 1_000_000, seed=2024, sampler=sampler)
        print(f"  Monte Carlo ({sampler}): {est.value:.5f} +- {est.stderr:.5f}, "
              f"95% CI {est.ci[0]:.5f} .. {est.ci[1]:.5f}")
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    plot_sector_curves(ax=axes[0])
    plot_convergence(ax=axes[1], max_log2=16, seeds=6)
    plot_sample(4, math.pi, seed=3, ax=axes[2])
    fig.tight_layout()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out / "sector_probability.png", dpi=110)
        print("saved", args.out / "sector_probability.png")
    else:
        plt.show()


if __name__ == "__main__":
    main()
