"""``python -m attribution_reporting``: see ``cli.py``."""

import sys

from .cli import main

sys.exit(main())
