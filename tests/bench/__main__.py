"""`python -m tests.bench [--quick] [GROUP…]` (`make bench [QUICK=1] [ONLY=GROUP]`): see runner."""

from __future__ import annotations

import sys

import tests.bench as package
from tests.bench.runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], package, sys.stdout, sys.stderr))
