"""Entry point for `python -m harness` (called by `./run`)."""

import sys

from harness.cli import main

sys.exit(main())
