"""`python -m tests.bench [NAME…]`: run every bench_*.py (or those named) and print JSON lines."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import traceback

import tests.bench as package


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("bench_")
    )
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed = 0
    for name in names:
        module = importlib.import_module(f"tests.bench.{name}")
        try:
            for row in module.run():
                print(json.dumps(row), flush=True)
        except Exception:  # a broken benchmark is reported, the others still run
            failed += 1
            print(f"bench {name} failed:", file=sys.stderr)
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
