"""``python -m odekit`` runs the command line (see :mod:`odekit.cli`)."""

import sys

from .cli import main

sys.exit(main())
