"""
Inviscid Burgers by characteristics: straight lines, steepening, and the breaking time
======================================================================================

u_t + u u_x = 0 with u(x, 0) = sin x: each characteristic is the straight line
x = x0 + t sin x0 carrying u = sin x0 (https://kexue.fm/archives/4718). Neighbouring lines
first cross at t = -1/min(u0') = 1, where the wave breaks; before that the solution is
single-valued and is read off the lines, after it the method of characteristics alone gives
no answer (on_grid returns NaN).
"""

# %%
import argparse
import pathlib

import matplotlib
import numpy as np


TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]

def burgers_speed(x, t, u):
    return u


def no_source(x, t, u):
    return 0.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--out", type=pathlib.Path, help="save PNGs here instead of showing")
    parser.add_argument("--quick", action="store_true", help="coarse grids")
    args = parser.parse_args(argv)
    if args.out:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.characteristics import solve_quasilinear
    from odekit.characteristics.plot import characteristic_lines

    n = 41 if args.quick else 121
    t = np.linspace(0.0, 1.5, 16 if args.quick else 61)
    res = solve_quasilinear(burgers_speed, no_source, np.sin,
                            np.linspace(0.0, 2 * np.pi, n), t)
    print(f"breaking time {res.breaking_time:.9f} (exact 1)")
    # %% the profile before breaking, read off the characteristics
    grid = np.linspace(0.0, 2 * np.pi, 400)
    U = res.on_grid(grid)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    characteristic_lines(res, every=2 if not args.quick else 1, ax=axes[0])
    cm = plt.get_cmap("viridis")
    for m in range(0, t.size, max(1, t.size // 6)):
        if np.all(np.isnan(U[m])):
            continue
        axes[1].plot(grid, U[m], color=cm(t[m] / t[-1]), label=f"t = {t[m]:.2f}")
    axes[1].set_xlabel("x")
    axes[1].set_ylabel("u(x, t)")
    axes[1].set_title("single-valued profiles before the breaking time", fontsize="medium")
    axes[1].legend(fontsize="small")
    fig.tight_layout()
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out / "burgers_characteristics.png", dpi=110)
        print("saved", args.out / "burgers_characteristics.png")
    else:
        plt.show()


if __name__ == "__main__":
    main()
