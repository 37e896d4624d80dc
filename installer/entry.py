"""The frozen bundle's entry point: the same `cuecards` command line as the pip script."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
