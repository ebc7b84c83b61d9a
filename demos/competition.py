"""
Two competing species: the blog's case and the four outcomes
============================================================

Reproduces the three figures of https://kexue.fm/archives/3120 (r1 = 0.1, N1 = 500,
a1 = 1e-4, r2 = 0.3, N2 = 1/0.003, a2 = 2e-4, start (100, 150)): the populations settling at
(375, 250), the direction field, and the phase portrait with nullclines and equilibria. Then
one model per outcome side by side (species 1 wins, species 2 wins, coexistence,
bistability), with basins of attraction and, in the bistable case, the separatrix.

    python demos/competition.py                  # show
    python demos/competition.py --out DIR        # save PNGs
    python demos/competition.py --out DIR --quick
"""

# %%
# Setup: the command line, and matplotlib's backend (Agg when saving).
import argparse
import pathlib
import time

TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=TITLE)
    ap.add_argument("--out", type=pathlib.Path, default=None, help="save PNGs into DIR")
    ap.add_argument("--quick", action="store_true", help="coarse grids (a few seconds)")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.competition import TwoSpecies
    from odekit.competition import plot as cplot

    # %%
    # The blog's model: equilibria, their kinds, and the outcome rule.
    m = TwoSpecies(r1=0.1, N1=500.0, a1=1e-4, r2=0.3, N2=1 / 0.003, a2=2e-4)
    for e in m.equilibria():
        lam = ", ".join(f"{v.real:+.4f}" for v in e.eigenvalues)
        print(f"equilibrium ({e.x[0]:8.3f}, {e.x[1]:8.3f}): {e.kind:14s} eigenvalues {lam}")
    s1, s2 = m.invasion_rates()
    print(f"invasion rates r1 - a1 N2 = {s1:.4f}, r2 - a2 N1 = {s2:.4f} -> {m.outcome().name}")
    end = m.simulate([100.0, 150.0], (0.0, 400.0)).y[:, -1]
    print(f"from (100, 150) at t = 400: ({end[0]:.4f}, {end[1]:.4f})")

    # %%
    # The blog's three figures.
    figs = {}
    fig, axs = plt.subplots(1, 3, figsize=(19, 4.8))
    cplot.time_series(m, [100.0, 150.0], (0.0, 150.0), ax=axs[0])
    axs[0].set_title("populations from (100, 150)", fontsize=10)
    cplot.direction_field(m, ax=axs[1], xlim=(0, 600), ylim=(0, 450),
                          density=10 if args.quick else 20)
    axs[1].set_title("direction field (colour = speed)", fontsize=10)
    cplot.phase_portrait(m, ax=axs[2], xlim=(0, 600), ylim=(0, 450),
                         trajectories=[(100.0, 150.0)], unstable_manifolds=True,
                         legend="outside")
    axs[2].set_title("phase portrait", fontsize=10)
    fig.tight_layout()
    figs["competition_blog"] = fig

    # %%
    # The four outcomes side by side, basins shaded (one parallel ensemble each).
    t = time.perf_counter()
    figs["competition_outcomes"] = cplot.four_outcomes(quick=args.quick)
    print(f"four phase portraits with basins in {time.perf_counter() - t:.1f} s")

    # %%
    # Save or show.
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, f in figs.items():
            path = args.out / f"{name}.png"
            f.savefig(path, dpi=110, bbox_inches="tight")
            plt.close(f)
            print("saved", path)
    else:
        plt.show()


if __name__ == "__main__":
    main()
