"""The whole argparse command line (DESIGN.md "Command line"); each subcommand names its handler."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from app import __version__
from app.cli.collect import cmd_collect
from app.cli.config import cmd_config
from app.cli.doctor import cmd_doctor
from app.cli.pack import cmd_pack_install, cmd_pack_list, cmd_pack_remove, cmd_pack_sync
from app.cli.pack_author import cmd_pack_lint, cmd_pack_new, cmd_pack_test, cmd_pack_validate
from app.cli.pack_publish import cmd_pack_build, cmd_pack_keygen, cmd_pack_sign, cmd_pack_verify
from app.cli.report import cmd_report
from app.cli.run import cmd_palette, cmd_run
from app.cli.search import cmd_match, cmd_search
from app.cli.watch import cmd_watch


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

    palette = sub.add_parser("palette", help="open the search of the running Cuecards")
    palette.set_defaults(func=cmd_palette)

    search = sub.add_parser("search", help="search every card")
    search.add_argument(
        "query", nargs="+", metavar="WORD", help="what to look for (no quotes needed)"
    )
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

    pack = sub.add_parser("pack", help="author, check, build, sign, install and sync card packs")
    pack_sub = _Subparsers(
        pack.add_subparsers(dest="pack_command", metavar="ACTION", required=True), common
    )
    new = pack_sub.add_parser("new", help="create a commented example pack to start from")
    new.add_argument("dir", metavar="DIR", help="the new pack folder (must not exist or be empty)")
    new.add_argument("--id", help="pack id (default: from the folder name)")
    new.add_argument("--name", help="pack name (default: from the folder name)")
    new.add_argument("--publisher", default="Your team", help="who publishes the pack")
    new.add_argument("--owner", default="you@example.com", help="owner of the example cards")
    new.set_defaults(func=cmd_pack_new)
    validate = pack_sub.add_parser("validate", help="check packs and print every problem")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="pack folder or .cuepack")
    validate.add_argument("--json", action="store_true")
    validate.set_defaults(func=cmd_pack_validate)
    lint = pack_sub.add_parser(
        "lint", help="find cards without owner or review, drafts, unknown aliases, long cards…"
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="pack folder or .cuepack")
    lint.add_argument("--json", action="store_true")
    lint.add_argument("--strict", action="store_true", help="exit 2 when there is any finding")
    lint.set_defaults(func=cmd_pack_lint)
    test = pack_sub.add_parser(
        "test", help="which card of a pack fires on a window, or replay a recorded session"
    )
    test.add_argument("path", metavar="PATH", help="pack folder or .cuepack (not installed)")
    test.add_argument("--app", help="app id, e.g. excel or libreoffice-calc")
    test.add_argument("--title", help="window title")
    test.add_argument(
        "--replay", metavar="FILE", help="a recording made with: cuecards watch --json > FILE"
    )
    test.add_argument("--json", action="store_true")
    test.add_argument("--limit", type=_positive_int, default=10)
    test.set_defaults(func=cmd_pack_test)
    build = pack_sub.add_parser("build", help="build a .cuepack (zip with SHA-256 manifest)")
    build.add_argument("dir", metavar="DIR", help="the pack folder")
    build.add_argument("-o", "--output", metavar="FILE", help="default: ID-VERSION.cuepack")
    build.add_argument("--key", metavar="KEYFILE", help="also sign it with this private key")
    build.set_defaults(func=cmd_pack_build)
    keygen = pack_sub.add_parser("keygen", help="create an Ed25519 signing key")
    keygen.add_argument(
        "-o", "--output", metavar="KEYFILE", required=True, help="private key file (mode 0600)"
    )
    keygen.set_defaults(func=cmd_pack_keygen)
    sign = pack_sub.add_parser("sign", help="sign a built .cuepack")
    sign.add_argument("file", metavar="FILE", help="the .cuepack")
    sign.add_argument("--key", metavar="KEYFILE", required=True, help="private key file")
    sign.set_defaults(func=cmd_pack_sign)
    verify = pack_sub.add_parser("verify", help="check a .cuepack's files and signature")
    verify.add_argument("files", nargs="+", metavar="FILE", help=".cuepack file(s)")
    verify.add_argument(
        "--key",
        action="append",
        metavar="PUBKEY",
        help="trust this public key (base64) instead of packs.trusted_keys; repeatable",
    )
    verify.add_argument("--require-signature", action="store_true", help="fail when unsigned")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_pack_verify)
    install = pack_sub.add_parser("install", help="install or update a pack")
    install.add_argument("path", metavar="PATH", help="pack folder or .cuepack")
    install.set_defaults(func=cmd_pack_install)
    sync = pack_sub.add_parser("sync", help="sync every packs.sources entry now")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(func=cmd_pack_sync)
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

    report = sub.add_parser("report", help="anonymised daily reports: preview, upload, export")
    report_sub = _Subparsers(
        report.add_subparsers(dest="report_command", metavar="ACTION", required=True), common
    )
    preview = report_sub.add_parser("preview", help="show the next report exactly as it is sent")
    preview.add_argument("--json", action="store_true", help="only the exact bytes that are sent")
    report_sub.add_parser("upload", help="try to deliver waiting reports now (needs consent)")
    report_sub.add_parser(
        "secret", help="store the upload token (or LRS key:secret) in the keyring"
    )
    export = report_sub.add_parser("export", help="local per-day counts for a spreadsheet")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--days", type=_positive_int, default=30, metavar="N")
    report.set_defaults(func=cmd_report)

    _add_collect(sub, common)

    doctor = sub.add_parser("doctor", help="check display, data dir, database, packs, policy…")
    doctor.add_argument("--json", action="store_true")
    doctor.set_defaults(func=cmd_doctor)
    return parser


def parse_command_line(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None
) -> argparse.Namespace:
    """Parse like `parse_args`, except that `search` takes its words anywhere among its options
    (`search pivot --app excel table`); argparse alone stops the words at the first option."""
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "command", None) == "search":
        words = [word for word in extra if not word.startswith("-")]
        if len(words) == len(extra):
            args.query = [*args.query, *words]
            extra = []
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _add_collect(sub: _Subparsers, common: argparse.ArgumentParser) -> None:
    """`collect serve|token …`: the collector (extra `server`)."""
    collect = sub.add_parser(
        "collect", help="the collector that receives the reports (extra `server`)"
    )
    collect_sub = _Subparsers(
        collect.add_subparsers(dest="collect_command", metavar="ACTION", required=True), common
    )
    db = argparse.ArgumentParser(add_help=False)
    db.add_argument(
        "--db",
        required=True,
        metavar="DB",
        help="a SQLite file (made when missing) or a postgresql://user@host/dbname URL",
    )
    serve = collect_sub.add_parser(
        "serve", parents=(db,), help="receive reports at /v1/reports until SIGTERM or Ctrl+C"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; plain http only on loopback)",
    )
    serve.add_argument(
        "--port", type=_port, help="default 8443 with --cert, 8080 without; 0: any free port"
    )
    serve.add_argument("--cert", metavar="FILE", help="TLS certificate chain (PEM)")
    serve.add_argument("--key", metavar="FILE", help="its private key (PEM)")
    serve.add_argument(
        "--rate-limit",
        type=_positive_float,
        metavar="N",
        help="reports a second per token, on average (default 20); more are answered 429",
    )
    serve.add_argument(
        "--burst", type=_positive_int, metavar="N", help="short bursts (default 200)"
    )
    serve.set_defaults(func=cmd_collect)
    token = collect_sub.add_parser("token", help="bearer tokens: add, list, revoke")
    token_sub = _Subparsers(
        token.add_subparsers(dest="token_command", metavar="ACTION", required=True), common
    )
    add = token_sub.add_parser("add", parents=(db,), help="make a token; it is printed once")
    add.add_argument("--name", help="who it is for, e.g. the team or site")
    add.add_argument("--cohort", help="a cohort label the reports sent with it belong to")
    listing = token_sub.add_parser("list", parents=(db,), help="every token (never its text)")
    listing.add_argument("--json", action="store_true")
    revoke = token_sub.add_parser("revoke", parents=(db,), help="refuse a token from now on (403)")
    revoke.add_argument("token_id", metavar="ID", help="the id `token list` shows")
    token.set_defaults(func=cmd_collect)


class _Subparsers:
    """Adds the shared options (e.g. --data-dir) to every subcommand's parser."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self.action, self.common = action, common

    def add_parser(
        self, name: str, parents: tuple[argparse.ArgumentParser, ...] = (), **kwargs: Any
    ) -> argparse.ArgumentParser:
        return self.action.add_parser(name, parents=[self.common, *parents], **kwargs)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number above 0")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("a port is 0 to 65535")
    return value
