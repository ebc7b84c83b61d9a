"""Peak memory of the big workloads (DESIGN.md: a 10^6-trajectory ensemble of a 4-state
system and a 10^6-point stability chart should peak well under 1 GB).

Each workload runs in its own subprocess; the peak resident set (VmHWM) is read from
/proc/self/status inside it, next to the resident set right after import (the baseline).

    python benchmarks/bench_memory.py
"""

import subprocess
import sys
import textwrap

WORKLOADS = {
    "ensemble 10^6 x 4 states (final states only)": """
        import numpy as np, odekit
        from odekit.mathieu.chart import mathieu_rhs
        P = np.random.default_rng(0).uniform([-5, 0], [20, 15], size=(1_000_000, 2))
        r = odekit.solve_ensemble(mathieu_rhs, (0.0, np.pi / 2), [1.0, 0.0, 0.0, 1.0],
                                  params=P, rtol=1e-8, atol=1e-10)
        assert r.y.shape == (1_000_000, 4, 1)
    """,
    "stability chart 1000 x 1000": """
        import numpy as np
        from odekit.mathieu import stability_chart
        c = stability_chart(np.linspace(-5, 20, 1000), np.linspace(0, 20, 1000))
        assert c.trace.shape == (1000, 1000)
    """,
}

PRELUDE = """
import time
def rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
import odekit, numpy
base = rss('VmRSS:')
t0 = time.perf_counter()
"""
EPILOGUE = """
print(f"RESULT {base:.0f} {rss('VmHWM:'):.0f} {time.perf_counter() - t0:.1f}")
"""


def main():
    print(f"{'workload':48s} {'baseline':>9s} {'peak':>9s} {'wall':>7s}")
    for name, code in WORKLOADS.items():
        src = PRELUDE + textwrap.dedent(code) + EPILOGUE
        out = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True,
                             check=True).stdout
        base, peak, wall = out.split("RESULT")[1].split()
        print(f"{name:48s} {base:>6s} MB {peak:>6s} MB {wall:>5s} s")


if __name__ == "__main__":
    main()
