"""Cuecards' command line (DESIGN.md "Command line" is the contract): `main` parses and runs it.
JSON goes to stdout, messages to stderr; heavy modules load inside the commands that need them."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from app.cli.common import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_OK, BadInput, Failure, print_err
from app.cli.parser import build_parser
from app.cli.run import cmd_run


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the command, and turn failures into one clear line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "config" and args.action in ("get", "set", "reset") and not args.key:
        parser.error(f"config {args.action} needs a KEY (see: cuecards config list)")
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_run)
    try:
        return func(args)
    except BadInput as exc:
        print_err(str(exc))
        return EXIT_BAD_INPUT
    except Failure as exc:
        print_err(str(exc))
        return EXIT_FAIL
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("CUECARDS_DEBUG"):
            raise
        print_err(
            f"unexpected error: {type(exc).__name__}: {exc} (set CUECARDS_DEBUG=1 for details)"
        )
        return EXIT_FAIL
