"""``python -m odekit`` runs the command line (see :mod:`odekit.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
