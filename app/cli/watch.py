"""`cuecards watch`: print context changes as they happen (the OS side: desktop.watch.watch_cmd)."""

from __future__ import annotations

import argparse
import sys


def cmd_watch(args: argparse.Namespace) -> int:
    from app.desktop.watch.watch_cmd import run_watch

    return run_watch(args.json, sys.stdout, sys.stderr)
