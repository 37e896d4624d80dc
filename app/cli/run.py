"""`cuecards run` starts the tray app (the default command); `cuecards palette` asks the running
one to open its search."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli.common import EXIT_OK, Failure, data_dir_of, print_err

if TYPE_CHECKING:
    from app.store.services import Services


def cmd_run(args: argparse.Namespace) -> int:
    """The tray app; when one already runs for this data directory, it is asked to show itself.

    The tray icon comes first: the database and the packs open once the event loop runs.
    """
    from app.desktop.display import display_problem

    problem = display_problem()
    if problem:
        raise Failure(problem)
    from app.desktop.instance.channel import open_instance

    folder = data_dir_of(args)
    instance = open_instance(folder)
    if instance.try_handoff("show"):
        print_err("Cuecards is already running; it was asked to show its tray icon")
        return EXIT_OK
    from app.tray.companion import run_companion

    def open_services() -> Services:
        from app.store.services import Services

        return Services(folder)

    return run_companion(open_services, instance)


def cmd_palette(args: argparse.Namespace) -> int:
    """Ask the running tray app to open search (the hotkey's command-line twin)."""
    from app.desktop.instance.channel import open_instance

    if open_instance(data_dir_of(args, create=False)).try_handoff("palette"):
        return EXIT_OK
    raise Failure(
        "Cuecards is not running for this data directory; start it with `cuecards run` "
        "(or search from here: cuecards search WORDS)"
    )
