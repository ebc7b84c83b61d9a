"""
Diffusion ODEs in two dimensions: eight Gaussians by straight, VP and Poisson paths
===================================================================================

One data set, three constructions of the ODE between it and a prior: straight paths with a
Gaussian prior (rectified flow / flow matching; Liu et al. 2022, Lipman et al. 2022), the
variance-preserving Gaussian path (Song et al. 2021) and the Poisson field (PFGM, Xu et
al. 2022; https://kexue.fm/archives/9305). The data are eight small Gaussians, for which
every field is exact; the Poisson path takes the point set of their centres. The exact
log-likelihood by the ODE is checked against the closed-form mixture density.
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
    parser.add_argument("--quick", action="store_true", help="few trajectories")
    args = parser.parse_args(argv)
    if args.out:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.characteristics import (
        EmpiricalData,
        GaussianMixture,
        GaussianPath,
        LinearPath,
        MarginalField,
        PoissonPath,
        log_likelihood,
        sample,
    )
    from odekit.characteristics.plot import trajectories_2d

    n = 40 if args.quick else 120
    ang = np.arange(8) * np.pi / 4
    centres = 2.0 * np.column_stack([np.cos(ang), np.sin(ang)])
    gm = GaussianMixture(np.ones(8), centres, 0.02)
    fields = [MarginalField(LinearPath(), gm),
              MarginalField(GaussianPath.variance_preserving(), gm),
              MarginalField(PoissonPath(D=1, T=20.0), EmpiricalData(centres))]
    # %% likelihood by the ODE against the closed form
    x = gm.sample(5, 0)
    for f in fields[:2]:
        ll = log_likelihood(f, x)
        err = np.max(np.abs(ll - f.log_density(0.0, x)))
        print(f"{f.path!r}: ODE log-likelihood vs closed form, max error {err:.2e}")
    # %% samples and trajectories
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.8))
    for ax, f in zip(axes, fields):
        trajectories_2d(f, n=n, seed=3, ax=ax, extent=(-4, 4, -4, 4))
    xs = sample(fields[1], 400 if args.quick else 2000, seed=4)
    print("VP samples: mean radius", round(float(np.mean(np.linalg.norm(xs, axis=1))), 4),
          "(data: 2 plus a little spread)")
    fig.tight_layout()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out / "diffusion_ode_2d.png", dpi=110)
        print("saved", args.out / "diffusion_ode_2d.png")
    else:
        plt.show()


if __name__ == "__main__":
    main()
