"""Entry point for `python -m harness` (called by `./run`)."""

import os
import sys

from harness.cli import main

try:
    sys.exit(main())
except BrokenPipeError:
    # The reader (e.g. `| head`) closed the pipe: stop quietly, as a shell tool does.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
