"""``python -m bot.cli …`` runs the ``advisor`` command line (e.g. from a work tree)."""

import sys

from bot.cli import main

sys.exit(main())
