"""What the command handlers share: exit codes, the two failures `main` reports in one line,
the services and settings of `--data-dir`, and printing JSON and messages."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from app.store.services import Services

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A problem with what the person gave us: reported in one line, exit code 2."""


class Failure(Exception):
    """Something at run time did not work: reported in one line, exit code 1."""


def open_services(args: argparse.Namespace, *, demo: bool = True) -> Services:
    """The services of `--data-dir`, its notices told; the demo pack as `packs.demo` says."""
    from app.paths import data_dir
    from app.settings import SettingError
    from app.store.services import Services

    try:
        services = Services(data_dir(args.data_dir))
    except SettingError as exc:
        raise BadInput(str(exc)) from None
    for notice in services.notices:
        print_err(notice)
    if demo:
        services.ensure_demo_pack()
    return services


def load_settings(args: argparse.Namespace) -> Any:
    """Only the settings of `--data-dir` (with the admin policy): no database is opened."""
    from app.paths import data_dir
    from app.settings import Policy, SettingError, Settings

    try:
        return Settings(data_dir(args.data_dir), Policy.load())
    except SettingError as exc:
        raise BadInput(str(exc)) from None


def print_err(message: str) -> None:
    """One `cuecards: …` line on stderr."""
    print(f"cuecards: {message}", file=sys.stderr)


def print_json(value: Any, out: TextIO) -> None:
    """`value` as indented JSON and a newline (anything else as its str)."""
    json.dump(value, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
