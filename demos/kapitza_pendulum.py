"""The Kapitza pendulum: an inverted pendulum held upright by a vibrating pivot.

Reproduces the case of https://kexue.fm/archives/2471 (l = 1 m, g = 10 m/s^2, h0 = 1 cm,
omega = 500 /s): the linear simulation against the slow-plus-ripple approximation, the
nonlinear pendulum released inside (0.1 rad) and beyond (1 rad) the effective-potential
barrier, and the stable region in the (omega, h0) plane with the classical limit.

    python demos/kapitza_pendulum.py            # show
    python demos/kapitza_pendulum.py --out DIR  # save PNGs
"""

import argparse
import pathlib

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=None, help="save PNGs into DIR")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.mathieu import KapitzaPendulum
    from odekit.mathieu import plot as mplot

    p = KapitzaPendulum(length=1.0, amplitude=0.01, omega=500.0, g=10.0)
    a, q = p.mathieu_parameters()
    print(f"Mathieu parameters a = {a:.3e}, q = {q:.3e}; upright stable (Floquet): "
          f"{p.inverted_stable()}")
    print("stable frequency ranges (rad/s):", p.stable_frequency_ranges())
    print(f"slow frequency Omega = {p.slow_frequency():.4f} /s, barrier at "
          f"{p.barrier_angle():.4f} rad")

    fig, axs = plt.subplots(2, 2, figsize=(12, 8))
    mplot.kapitza_trajectory(p, 0.1, (0.0, 8.0), ax=axs[0, 0])
    t = np.linspace(0, 6, 3000)
    for th0 in (0.1, 1.0):
        res = p.simulate(th0, 0.0, (0.0, 6.0), t_eval=t)
        axs[0, 1].plot(res.t, res.y[0], lw=0.8, label=f"theta0 = {th0} rad")
    axs[0, 1].set_xlabel("t (s)")
    axs[0, 1].set_ylabel("theta (rad from upright)")
    axs[0, 1].set_title("nonlinear pendulum: inside vs beyond the barrier", fontsize=9)
    axs[0, 1].legend(fontsize=8)
    th = np.linspace(-np.pi, np.pi, 400)
    axs[1, 0].plot(th, p.effective_potential(th))
    axs[1, 0].set_xlabel("theta (rad)")
    axs[1, 0].set_ylabel("U_eff (1/s^2)")
    axs[1, 0].set_title("Kapitza effective potential", fontsize=9)
    mplot.kapitza_stability_map(1.0, omega=np.linspace(2, 200, 400), g=10.0, ax=axs[1, 1])
    fig.tight_layout()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "kapitza_pendulum.png"
        fig.savefig(path, dpi=120)
        print("saved", path)
    else:
        plt.show()


if __name__ == "__main__":
    main()
