"""`python -m app` runs the command line, like the `cuecards` script."""

import sys

from app.cli import main

sys.exit(main())
