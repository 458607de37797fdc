"""``python -m bot.cli …``: the ``advisor`` command without the console script (e.g. from a worktree)."""

import sys

from bot.cli import main

sys.exit(main())
