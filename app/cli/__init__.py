"""Cuecards' command line (DESIGN.md "Command line" is the contract): `main` parses and runs it.
JSON goes to stdout, messages to stderr; heavy modules load inside the commands that need them."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_OK,
    BadInput,
    Failure,
    discard_stdout,
    print_err,
)
from app.cli.parser import build_parser, parse_command_line
from app.cli.run import cmd_run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; output into a pipe whose reader has gone (`| head -1`) ends
    quietly with exit 0, as it does for any Unix tool."""
    try:
        code = _dispatch(argv)
        sys.stdout.flush()  # here, so a closed pipe is seen inside this try
    except BrokenPipeError:
        discard_stdout()
        return EXIT_OK
    return code


def _dispatch(argv: Sequence[str] | None) -> int:
    """Parse the command line, run the command, and turn failures into one clear line."""
    parser = build_parser()
    try:
        args = parse_command_line(parser, argv)
    except SystemExit:
        sys.stdout.flush()  # --help and --version wrote to stdout: a closed pipe shows here
        raise
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
    except BrokenPipeError:
        raise
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("CUECARDS_DEBUG"):
            raise
        if _damaged_database(exc):
            print_err(
                f"the Cuecards database is damaged ({exc}); `cuecards doctor` checks every "
                "page, moves a damaged file aside and starts a fresh one"
            )
            return EXIT_FAIL
        print_err(
            f"unexpected error: {type(exc).__name__}: {exc} (set CUECARDS_DEBUG=1 for details)"
        )
        return EXIT_FAIL


def _damaged_database(exc: Exception) -> bool:
    """True for SQLite's word that a page of the file is damaged: short commands check only
    the file's structure when they open it (store.db), so such a page is met while reading."""
    import sqlite3

    from app.store.db import is_corruption

    return isinstance(exc, sqlite3.DatabaseError) and is_corruption(exc)
