"""
Diffusion ODEs in one dimension: the exact fields of one, two and three points
==============================================================================

The construction of https://kexue.fm/archives/9497 (and /9370, /9379): put a uniform prior
on [0, 2] at t = 1, data points at t = 0, join every prior point to every data point by a
straight line, and average the lines' velocities with the posterior weights of the data
points. The resulting ODE dx/dt = v_t(x), run from t = 1 down to 0, sends each prior
sample to one data point, and the share reaching each point is its weight. The variance-
preserving Gaussian path (Song et al. 2021) is drawn beside it for the three points.
"""

# %%
import argparse
import pathlib

import matplotlib
import numpy as np


TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]

def main(argv=None):
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--out", type=pathlib.Path, help="save PNGs here instead of showing")
    parser.add_argument("--quick", action="store_true", help="few trajectories and samples")
    args = parser.parse_args(argv)
    if args.out:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.characteristics import (
        EmpiricalData,
        GaussianPath,
        LinearPath,
        MarginalField,
        UniformPrior,
        sample,
    )
    from odekit.characteristics.plot import trajectories_1d

    n_lines, n_samples = (15, 300) if args.quick else (60, 4000)
    prior = UniformPrior(0.0, 2.0)
    # %% the blog's examples: one point, two points, three points (0.5 counted twice)
    cases = [([1.0], None), ([0.5, 1.5], None), ([0.5, 1.2, 1.7], [2, 1, 1])]
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.4))
    for ax, (pts, w) in zip(axes, cases):
        field = MarginalField(LinearPath(), EmpiricalData(pts, w), prior=prior)
        trajectories_1d(field, n=n_lines, seed=1, ax=ax)
        x = sample(field, n_samples, seed=2)
        shares = [float(np.mean(x[:, 0] == p)) for p in pts]
        weights = field.data.weights
        se = np.sqrt(weights * (1 - weights) / n_samples)
        print(f"points {pts}: shares {np.round(shares, 3).tolist()}, weights "
              f"{np.round(weights, 3).tolist()} (+- {np.round(se, 3).tolist()})")
        ax.set_title(f"straight paths, {len(pts)} point(s)", fontsize="medium")
    # %% the same three points with the variance-preserving path and a Gaussian prior
    vp = MarginalField(GaussianPath.variance_preserving(),
                       EmpiricalData([0.5, 1.2, 1.7], [2, 1, 1]))
    trajectories_1d(vp, n=n_lines, seed=1, ax=axes[3])
    axes[3].set_xlim(-2.5, 3.5)
    axes[3].set_title("variance-preserving path, 3 points", fontsize="medium")
    fig.tight_layout()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out / "diffusion_ode_1d.png", dpi=110)
        print("saved", args.out / "diffusion_ode_1d.png")
    else:
        plt.show()


if __name__ == "__main__":
    main()
