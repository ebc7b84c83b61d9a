#!/usr/bin/env bash
# Set up a virtualenv with the peers of bench_work_precision.py (none is an odekit dependency).
#
#   bash benchmarks/setup_wp_venv.sh [VENV]        # default VENV: /work/venv-wp
#
# numbalsoda has no wheel for this platform: pip builds it from source with CMake, which needs a
# Fortran compiler. If gfortran is missing and apt-get is available (root), it is installed
# first. Any peer that fails to install is reported and left out: the benchmark then skips it
# with a printed reason.
set -u
VENV=${1:-/work/venv-wp}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q numpy scipy numba matplotlib mpmath tqdm || exit 1
if ! command -v gfortran >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
        echo "installing gfortran (numbalsoda builds Fortran code) ..."
        apt-get install -y -q gfortran >/dev/null || echo "apt-get install gfortran failed"
    else
        echo "no gfortran and no root apt-get: numbalsoda will probably fail to build"
    fi
fi
for peer in numbalsoda CyRK heyoka; do
    if "$VENV/bin/pip" install -q "$peer" >/tmp/setup_wp_$peer.log 2>&1; then
        echo "$peer: installed ($("$VENV/bin/pip" show "$peer" 2>/dev/null | sed -n 's/^Version: //p'))"
    else
        echo "$peer: FAILED (see /tmp/setup_wp_$peer.log); the benchmark will skip it"
    fi
done
echo "run: PYTHONPATH=. $VENV/bin/python benchmarks/bench_work_precision.py [--quick]"
