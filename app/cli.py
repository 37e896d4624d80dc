"""Every command-line entry of Cuecards, in one place (DESIGN.md "Command line" is the contract).

JSON goes to stdout, messages to stderr. Exit codes: 0 ok, 1 runtime failure, 2 bad input.
Heavy modules (Qt, pydantic, the database) are imported inside the commands that need them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from app import __version__

if TYPE_CHECKING:
    from app.services import Services

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """A problem with what the person gave us: reported in one line, exit code 2."""


class Failure(Exception):
    """Something at run time did not work: reported in one line, exit code 1."""


def _services(args: argparse.Namespace, *, demo: bool = True) -> Services:
    from app.paths import data_dir
    from app.services import Services
    from app.settings import SettingError

    try:
        services = Services(data_dir(args.data_dir))
    except SettingError as exc:
        raise BadInput(str(exc)) from None
    for notice in services.notices:
        _err(notice)
    if demo:
        services.ensure_demo_pack()
    return services


def _err(message: str) -> None:
    print(f"cuecards: {message}", file=sys.stderr)


def _print_json(value: Any, out: TextIO) -> None:
    json.dump(value, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


# --- search and match -------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        hits = services.catalog.search(args.query, app=args.app, limit=args.limit)
    finally:
        services.close()
    rows = [
        {
            "pack": h.pack,
            "card": h.card,
            "title": h.title,
            "summary": h.summary,
            "score": round(h.score, 4),
        }
        for h in hits
    ]
    if args.json:
        _print_json(rows, sys.stdout)
    elif not rows:
        _err(f"no card matches {args.query!r}")
    else:
        for i, row in enumerate(rows, 1):
            print(f"{i:2}. {row['title']}\n    {row['summary']}\n    [{row['pack']}/{row['card']}]")
    return EXIT_OK


def cmd_match(args: argparse.Namespace) -> int:
    from app.core.context import Context

    services = _services(args)
    try:
        matcher = services.catalog.matcher(include_drafts=args.include_drafts)
    finally:
        services.close()
    context = Context(app=args.app.strip().lower(), title=args.title or "", backend="cli")
    matches = matcher.match(context, limit=args.limit)
    rows = [
        {
            "pack": m.pack,
            "card": m.card,
            "title": m.title,
            "summary": m.summary,
            "score": round(m.score, 4),
            "dwell": m.dwell,
            "reasons": m.reasons,
        }
        for m in matches
    ]
    if args.json:
        _print_json(rows, sys.stdout)
    elif not rows:
        _err(f"no card fires for app {context.app!r}" + (" and that title" if args.title else ""))
    else:
        for i, row in enumerate(rows, 1):
            print(f"{i:2}. {row['title']}  [{row['pack']}/{row['card']}]")
            for reason in row["reasons"]:
                print(f"      - {reason}")
    return EXIT_OK


# --- packs ------------------------------------------------------------------------------------


def _load(path_text: str) -> Any:
    from app.core.packs import load_pack

    path = Path(path_text)
    if not path.exists():
        raise BadInput(f"{path}: no such folder or .cuepack file")
    return load_pack(path)


def _report_problems(path: str, result: Any) -> None:
    for problem in result.problems:
        print(f"{path}/{problem}", file=sys.stderr)


def cmd_pack_validate(args: argparse.Namespace) -> int:
    code = EXIT_OK
    summary: list[dict[str, Any]] = []
    for path in args.paths:
        result = _load(path)
        if not args.json:
            _report_problems(path, result)
        if result.errors:
            code = EXIT_BAD_INPUT
        pack = result.pack
        summary.append(
            {
                "path": path,
                "pack": pack.id if pack else None,
                "version": pack.version if pack else None,
                "cards": len(pack.cards) if pack else 0,
                "errors": [str(p) for p in result.errors],
                "warnings": [str(p) for p in result.warnings],
            }
        )
        if not args.json:
            if pack is None:
                _err(f"{path}: not a valid pack; fix the errors above")
            else:
                skipped = len(result.errors)
                note = f", {skipped} problem(s): those cards are skipped" if skipped else ""
                print(f"{path}: {pack.id} {pack.version}: {len(pack.cards)} card(s) valid{note}")
    if args.json:
        _print_json(summary, sys.stdout)
    return code


def cmd_pack_install(args: argparse.Namespace) -> int:
    result = _load(args.path)
    _report_problems(args.path, result)
    if result.pack is None:
        raise BadInput(f"{args.path}: not installed; fix the errors above")
    services = _services(args, demo=False)
    try:
        outcome = services.catalog.install(result.pack)
    finally:
        services.close()
    print(outcome.message)
    if outcome.status == "refused":
        return EXIT_BAD_INPUT
    if result.errors:
        _err(f"{len(result.errors)} card(s) were skipped; the others are installed")
        return EXIT_BAD_INPUT
    return EXIT_OK


def cmd_pack_list(args: argparse.Namespace) -> int:
    services = _services(args)
    try:
        packs = services.catalog.packs()
    finally:
        services.close()
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "version": p.version,
            "publisher": p.publisher,
            "cards": p.card_count,
            "source": p.source,
        }
        for p in packs
    ]
    if args.json:
        _print_json(rows, sys.stdout)
    elif not rows:
        _err("no packs installed; add one with: cuecards pack install PATH")
    else:
        for row in rows:
            print(f"{row['id']} {row['version']}  {row['name']} ({row['cards']} cards)")
    return EXIT_OK


def cmd_pack_remove(args: argparse.Namespace) -> int:
    services = _services(args, demo=False)
    try:
        removed = services.catalog.remove(args.pack_id)
    finally:
        services.close()
    if not removed:
        raise BadInput(f"no installed pack has the id {args.pack_id!r}; see: cuecards pack list")
    print(f"removed {args.pack_id}")
    return EXIT_OK


# --- settings ---------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Any:
    from app.paths import data_dir
    from app.settings import Policy, SettingError, Settings

    try:
        return Settings(data_dir(args.data_dir), Policy.load())
    except SettingError as exc:
        raise BadInput(str(exc)) from None


def cmd_config(args: argparse.Namespace) -> int:
    from app.settings import SettingError

    settings = _settings(args)
    try:
        if args.action == "list":
            rows = [
                {
                    "key": s.key,
                    "value": value,
                    "default": s.default,
                    "origin": settings.origin(s.key),
                    "doc": s.doc,
                }
                for s, value in settings.items()
            ]
            if args.json:
                _print_json(rows, sys.stdout)
            else:
                for row in rows:
                    lock = "  (locked by policy)" if row["origin"] == "locked" else ""
                    print(f"{row['key']} = {json.dumps(row['value'])}{lock}")
        elif args.action == "get":
            print(json.dumps(settings.get(args.key)))
        elif args.action == "set":
            if args.value is None:
                raise BadInput("config set needs a KEY and a VALUE")
            value = settings.set(args.key, args.value)
            print(f"{args.key} = {json.dumps(value)}")
        elif args.action == "reset":
            settings.reset(args.key)
            print(f"{args.key} = {json.dumps(settings.get(args.key))} (default)")
    except SettingError as exc:
        raise BadInput(str(exc)) from None
    return EXIT_OK


# --- doctor, run ------------------------------------------------------------------------------


def cmd_doctor(args: argparse.Namespace) -> int:
    from app.doctor import run_checks

    services = _services(args)
    try:
        checks = run_checks(services)
    finally:
        services.close()
    if args.json:
        _print_json([c.as_dict() for c in checks], sys.stdout)
    else:
        for check in checks:
            print(f"{check.status:4}  {check.name}: {check.detail}")
    return EXIT_FAIL if any(c.status == "fail" for c in checks) else EXIT_OK


def cmd_watch(args: argparse.Namespace) -> int:
    from app.desktop.watch_cmd import run_watch

    return run_watch(args.json, sys.stdout, sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from app.desktop.display import display_problem

    problem = display_problem()
    if problem:
        raise Failure(problem)
    services = _services(args)
    from app.companion import run_companion

    return run_companion(services)


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each subcommand names its handler in `func`."""
    parser = argparse.ArgumentParser(
        prog="cuecards",
        description="Tips at the moment of need, from card packs your team writes.",
    )
    parser.add_argument("--version", action="version", version=f"cuecards {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep all state in DIR (default: $CUECARDS_DATA_DIR or the user data directory)",
    )
    # --data-dir is accepted after the subcommand too (`cuecards search x --data-dir D`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    sub = _Subparsers(parser.add_subparsers(dest="command", metavar="COMMAND"), common)

    run = sub.add_parser("run", help="start the tray app (the default)")
    run.set_defaults(func=cmd_run)

    search = sub.add_parser("search", help="search every card")
    search.add_argument("query")
    search.add_argument("--app", help="boost cards for this app id")
    search.add_argument("--json", action="store_true", help="print a JSON array, best first")
    search.add_argument("--limit", type=_positive_int, default=10)
    search.set_defaults(func=cmd_search)

    match = sub.add_parser("match", help="which cards would fire on a window, ranked, with reasons")
    match.add_argument("--app", required=True, help="app id, e.g. excel or libreoffice-calc")
    match.add_argument("--title", help="window title")
    match.add_argument("--json", action="store_true")
    match.add_argument("--limit", type=_positive_int, default=10)
    match.add_argument("--include-drafts", action="store_true", help="also draft cards (authors)")
    match.set_defaults(func=cmd_match)

    watch = sub.add_parser("watch", help="print context changes as they happen (for authors)")
    watch.add_argument("--json", action="store_true", help="one JSON object per line")
    watch.set_defaults(func=cmd_watch)

    pack = sub.add_parser("pack", help="validate, install, list and remove card packs")
    pack_sub = _Subparsers(
        pack.add_subparsers(dest="pack_command", metavar="ACTION", required=True), common
    )
    validate = pack_sub.add_parser("validate", help="check packs and print every problem")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="pack folder or .cuepack")
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(func=cmd_pack_validate)
    install = pack_sub.add_parser("install", help="install or update a pack")
    install.add_argument("path", metavar="PATH", help="pack folder or .cuepack")
    install.set_defaults(func=cmd_pack_install)
    listing = pack_sub.add_parser("list", help="installed packs")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_pack_list)
    remove = pack_sub.add_parser("remove", help="remove an installed pack")
    remove.add_argument("pack_id", metavar="ID")
    remove.set_defaults(func=cmd_pack_remove)

    config = sub.add_parser("config", help="settings from the typed schema")
    config.add_argument("action", choices=["list", "get", "set", "reset"])
    config.add_argument("key", nargs="?")
    config.add_argument("value", nargs="?")
    config.add_argument("--json", action="store_true")
    config.set_defaults(func=cmd_config)

    doctor = sub.add_parser("doctor", help="check display, data dir, database, packs, policy…")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=cmd_doctor)
    return parser


class _Subparsers:
    """Adds the shared options (e.g. --data-dir) to every subcommand's parser."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self.action, self.common = action, common

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return self.action.add_parser(name, parents=[self.common], **kwargs)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


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
        _err(str(exc))
        return EXIT_BAD_INPUT
    except Failure as exc:
        _err(str(exc))
        return EXIT_FAIL
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("CUECARDS_DEBUG"):
            raise
        _err(f"unexpected error: {type(exc).__name__}: {exc} (set CUECARDS_DEBUG=1 for details)")
        return EXIT_FAIL
