"""``python -m powergames.cli``: the same as the ``powergames`` command."""

import sys

from powergames.cli import main

sys.exit(main())
