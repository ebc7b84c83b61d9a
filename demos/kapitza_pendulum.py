"""
The Kapitza pendulum
====================

An inverted pendulum held upright by a vibrating pivot. The case of
https://kexue.fm/archives/2471 (l = 1 m, g = 10 m/s², h0 = 1 cm, ω = 500 /s): the linear
simulation against the slow-plus-ripple approximation, the nonlinear pendulum released
inside (0.1 rad) and beyond (1 rad) the barrier of the effective potential, and the stable
region in the (ω, h0) plane beside the classical limit h0 ω = √(2gl).

Run it as a script::

    python demos/kapitza_pendulum.py              # show the figure
    python demos/kapitza_pendulum.py --out DIR    # save the PNG into DIR
    python demos/kapitza_pendulum.py --quick      # shorter runs, coarser map
"""

# %%
# The pendulum and its Mathieu parameters
# ---------------------------------------
# Linearised about the top, the pendulum is Mathieu's equation with a = -4g/(lω²) and
# q = 2h0/l; Floquet theory decides whether the upright position is stable.
import argparse
import pathlib

import numpy as np

TITLE = ((__doc__ or "").strip().splitlines() or ["odekit demo"])[0]


def report():
    from odekit.mathieu import KapitzaPendulum

    p = KapitzaPendulum(length=1.0, amplitude=0.01, omega=500.0, g=10.0)
    a, q = p.mathieu_parameters()
    print(f"Mathieu parameters a = {a:.3e}, q = {q:.3e}; upright stable (Floquet): "
          f"{p.inverted_stable()}")
    print("stable frequency ranges (rad/s):", p.stable_frequency_ranges())
    print(f"slow frequency Omega = {p.slow_frequency():.4f} /s, barrier at "
          f"{p.barrier_angle():.4f} rad")
    return p


# %%
# Four views of the pendulum
# --------------------------
def draw(p, quick=False):
    from odekit.mathieu import plot as mplot
    from odekit.plotting import new_figure

    span = 3.0 if quick else 8.0
    fig, axs = new_figure(2, 2, figsize=(12, 8))
    mplot.kapitza_trajectory(p, 0.1, (0.0, span), ax=axs[0, 0],
                             n_points=1000 if quick else 3000)
    t = np.linspace(0, 0.75 * span, 1000 if quick else 3000)
    for th0 in (0.1, 1.0):
        res = p.simulate(th0, 0.0, (0.0, t[-1]), t_eval=t)
        axs[0, 1].plot(res.t, res.y[0], lw=0.8, label=fr"$\theta_0$ = {th0} rad")
    axs[0, 1].set_xlabel("t (s)")
    axs[0, 1].set_ylabel(r"$\theta$ (rad from upright)")
    axs[0, 1].set_title("nonlinear pendulum: inside and beyond the barrier")
    axs[0, 1].legend(fontsize="small")
    th = np.linspace(-np.pi, np.pi, 400)
    axs[1, 0].plot(th, p.effective_potential(th))
    axs[1, 0].set_xlabel(r"$\theta$ (rad)")
    axs[1, 0].set_ylabel(r"$U_\mathrm{eff}$ (1/s$^2$)")
    axs[1, 0].set_title("Kapitza effective potential")
    n_w, n_h = (120, 90) if quick else (400, 240)
    mplot.kapitza_stability_map(1.0, omega=np.linspace(2, 200, n_w),
                                amplitude=np.linspace(1e-3, 0.8, n_h), g=10.0, ax=axs[1, 1])
    return {"kapitza_pendulum": fig}


# %%
# The script
# ----------
def main(argv=None):
    ap = argparse.ArgumentParser(description=TITLE)
    ap.add_argument("--out", type=pathlib.Path, metavar="DIR",
                    help="save the PNGs into DIR instead of showing them")
    ap.add_argument("--quick", action="store_true", help="shorter runs, coarser map")
    args = ap.parse_args(argv)
    import matplotlib

    if args.out is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from odekit.plotting import save_figure

    figs = draw(report(), args.quick)
    if args.out is not None:
        for name, fig in figs.items():
            print("saved", save_figure(fig, args.out, name))
    else:
        plt.show()


if __name__ == "__main__":
    main()
