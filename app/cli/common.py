"""What the command handlers share: exit codes, the two failures `main` reports in one line,
the data directory of `--data-dir` with its services and settings, and printing JSON and
messages."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from app.store.services import Services

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A problem with what the person gave us: reported in one line, exit code 2."""


class Failure(Exception):
    """Something at run time did not work: reported in one line, exit code 1."""


def data_dir_of(args: argparse.Namespace, *, create: bool = True) -> Path:
    """The data directory (`--data-dir`, `$CUECARDS_DATA_DIR` or the user's), made if missing
    when `create`; BadInput naming where it came from when it is a file or cannot be made."""
    from app.paths import data_dir

    path = data_dir(args.data_dir)
    from_env = not args.data_dir and bool(os.environ.get("CUECARDS_DATA_DIR"))
    origin = (
        "CUECARDS_DATA_DIR" if from_env else "--data-dir" if args.data_dir else "the data folder"
    )
    fix = "set CUECARDS_DATA_DIR to a folder" if from_env else "give --data-dir a folder"
    if path.exists() and not path.is_dir():
        raise BadInput(f"{origin} {path} is a file, not a folder; {fix} (it is made if missing)")
    if create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise BadInput(
                f"{origin} {path} cannot be made ({reason}); {fix} you can write to"
            ) from None
    return path


def open_services(
    args: argparse.Namespace, *, demo: bool = True, every_page: bool = False
) -> Services:
    """The services of `--data-dir`, its notices told; the demo pack as `packs.demo` says.

    The database file's structure is checked, not every page, unless `every_page` (doctor):
    a command's cost must not grow with the catalog (DESIGN.md's budget for `search`).
    """
    from app.settings import SettingError
    from app.store.db import DatabaseError
    from app.store.services import Services

    path = data_dir_of(args)
    try:
        services = Services(path, every_page=every_page)
    except SettingError as exc:
        raise BadInput(str(exc)) from None
    except DatabaseError as exc:
        raise Failure(str(exc)) from None
    for notice in services.notices:
        print_err(notice)
    if demo:
        services.ensure_demo_pack()
    return services


def load_settings(args: argparse.Namespace, *, create: bool = False) -> Any:
    """Only the settings of `--data-dir` (with the admin policy): no database is opened; the
    folder is made first when `create` (the settings are about to be written)."""
    from app.settings import Policy, SettingError, Settings

    path = data_dir_of(args, create=create)
    try:
        return Settings(path, Policy.load())
    except SettingError as exc:
        raise BadInput(str(exc)) from None


def print_err(message: str) -> None:
    """One `cuecards: …` line on stderr."""
    print(f"cuecards: {message}", file=sys.stderr)


def discard_stdout() -> None:
    """Point stdout at the null device: its reader has gone (`| head`), and the interpreter's
    last flush would otherwise print "Exception ignored … BrokenPipeError" on the way out."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def print_json(value: Any, out: TextIO) -> None:
    """`value` as indented JSON and a newline (anything else as its str)."""
    json.dump(value, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
