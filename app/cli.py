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


def _match_row(m: Any, **extra: Any) -> dict[str, Any]:
    """One `match --json` / `pack test --json` object (DESIGN.md's contract), best first."""
    row = {
        "pack": m.pack,
        "card": m.card,
        "title": m.title,
        "summary": m.summary,
        "score": round(m.score, 4),
        "dwell": m.dwell,
    }
    return {**row, **extra, "reasons": m.reasons}


def cmd_match(args: argparse.Namespace) -> int:
    from app.core.context import Context

    services = _services(args)
    try:
        matcher = services.catalog.matcher(include_drafts=args.include_drafts)
    finally:
        services.close()
    context = Context(app=args.app.strip().lower(), title=args.title or "", backend="cli")
    matches = matcher.match(context, limit=args.limit)
    rows = [_match_row(m) for m in matches]
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
    from app.core.packs import read_manifest
    from app.core.problems import PackError
    from app.store.syncstate import Origin, SyncState, utc_now
    from app.sync.admission import check_owner, verify_for_install

    path = Path(args.path)
    if not path.exists():
        raise BadInput(f"{path}: no such folder or .cuepack file")
    services = _services(args, demo=False)
    try:
        state = SyncState(services.db)
        try:
            signed_by = verify_for_install(path, services.settings.get)
            manifest = read_manifest(path)
            installed = {p.id: p for p in services.catalog.packs()}.get(manifest.id)
            check_owner(manifest, signed_by, installed, state.origin(manifest.id))
        except PackError as exc:
            _report_problems(args.path, _Problems(exc.problems))
            raise BadInput(f"{args.path}: not installed; fix the problems above") from None
        result = _load(args.path)
        _report_problems(args.path, result)
        if result.pack is None:
            raise BadInput(f"{args.path}: not installed; fix the errors above")
        outcome = services.catalog.install(result.pack)
        if outcome.status in ("installed", "updated"):
            state.record_origin(
                Origin(
                    pack_id=manifest.id,
                    version=manifest.version,
                    publisher=manifest.publisher,
                    source="manual",
                    location=str(path.absolute()),
                    signed_by=signed_by,
                    source_digest=result.pack.digest,
                    installed_at=utc_now(),
                )
            )
    finally:
        services.close()
    print(outcome.message)
    if outcome.status == "refused":
        return EXIT_BAD_INPUT
    if result.errors:
        _err(f"{len(result.errors)} card(s) were skipped; the others are installed")
        return EXIT_BAD_INPUT
    return EXIT_OK


class _Problems:
    """Problems shaped like a LoadResult, for `_report_problems`."""

    def __init__(self, problems: list[Any]) -> None:
        self.problems = problems


def cmd_pack_list(args: argparse.Namespace) -> int:
    from app.store.syncstate import SyncState

    services = _services(args)
    try:
        packs = services.catalog.packs()
        state = SyncState(services.db)
        origins = {p.id: state.origin(p.id) for p in packs}
    finally:
        services.close()
    rows = []
    for p in packs:
        origin = origins.get(p.id)
        rows.append(
            {
                "id": p.id,
                "name": p.name,
                "version": p.version,
                "publisher": p.publisher,
                "cards": p.card_count,
                "source": p.source,
                "origin": origin.location if origin else None,
                "signed_by": origin.signed_by if origin else None,
            }
        )
    if args.json:
        _print_json(rows, sys.stdout)
    elif not rows:
        _err("no packs installed; add one with: cuecards pack install PATH")
    else:
        for row in rows:
            signed = "  signed" if row["signed_by"] else ""
            print(f"{row['id']} {row['version']}  {row['name']} ({row['cards']} cards){signed}")
    return EXIT_OK


def cmd_pack_new(args: argparse.Namespace) -> int:
    import datetime as dt

    from app.core.scaffold import Scaffold, ScaffoldError, new_pack, pack_id_for
    from app.paths import resources_dir

    target = Path(args.dir)
    pack_id = args.id or pack_id_for(target.absolute())
    if pack_id is None:
        raise BadInput(f"cannot make a pack id from the folder name {target.name!r}; pass --id")
    name = args.name or target.absolute().name.replace("-", " ").replace("_", " ").capitalize()
    values = Scaffold(pack_id, name, args.publisher, args.owner, dt.date.today())
    resources = resources_dir()
    try:
        written = new_pack(target, resources / "templates" / "pack", resources / "schema", values)
    except ScaffoldError as exc:
        raise BadInput(str(exc)) from None
    files = ", ".join(p.relative_to(target).as_posix() for p in written)
    print(f"created {target}/ (pack {pack_id}): {files}")
    print(
        f"next: edit pack.yaml and the cards, then\n"
        f"  cuecards pack validate {target}\n"
        f"  cuecards pack lint {target}\n"
        f"  cuecards pack test {target} --app gedit --title notes.txt\n"
        f"  cuecards pack build {target} -o {pack_id}-0.1.0.cuepack"
    )
    return EXIT_OK


def cmd_pack_lint(args: argparse.Namespace) -> int:
    import datetime as dt

    from app.core.lint import lint_pack

    loaded = [(path, _load(path)) for path in args.paths]
    services = _services(args)
    try:
        aliases: dict[str, list[str]] = {
            a: list(ids) for a, ids in services.catalog.aliases().items()
        }
    finally:
        services.close()
    for _, result in loaded:
        if result.pack is not None:
            for alias, ids in result.pack.manifest.apps.items():
                aliases.setdefault(alias, []).extend(ids)
    today = dt.date.today()
    code = EXIT_OK
    report: list[dict[str, Any]] = []
    for path, result in loaded:
        findings = lint_pack(result.pack, aliases=aliases, today=today) if result.pack else []
        if result.errors:
            code = EXIT_BAD_INPUT
        if findings and args.strict:
            code = EXIT_BAD_INPUT
        report.append(
            {
                "path": path,
                "pack": result.pack.id if result.pack else None,
                "problems": [str(p) for p in result.problems],
                "findings": [
                    {
                        "rule": f.rule,
                        "file": f.problem.file,
                        "field": f.problem.field,
                        "message": f.problem.message,
                        "hint": f.problem.hint,
                    }
                    for f in findings
                ],
            }
        )
        if not args.json:
            _report_problems(path, result)
            for finding in findings:
                print(f"{path}/{finding}")
            if result.pack is None:
                _err(f"{path}: not a valid pack; fix the errors above")
            else:
                print(
                    f"{path}: {result.pack.id} {result.pack.version}: {len(findings)} "
                    f"finding(s), {len(result.errors)} error(s)",
                    file=sys.stderr,
                )
    if args.json:
        _print_json(report, sys.stdout)
    return code


def cmd_pack_test(args: argparse.Namespace) -> int:
    from app.core.replay import matcher_for

    if (args.app is None) == (args.replay is None):
        raise BadInput("pack test needs either --app A [--title T] or --replay FILE")
    result = _load(args.path)
    _report_problems(args.path, result)
    if result.pack is None:
        raise BadInput(f"{args.path}: not a valid pack; fix the errors above")
    services = _services(args)
    try:
        aliases = services.catalog.aliases()
        settings = services.settings
    finally:
        services.close()
    matcher = matcher_for([result.pack], aliases, include_drafts=True)
    drafts = {c.id for c in result.pack.cards if c.front.status == "draft"}
    if args.replay is not None:
        return _pack_replay(args, matcher, settings, drafts)
    from app.core.context import Context

    context = Context(app=args.app.strip().lower(), title=args.title or "", backend="cli")
    matches = matcher.match(context, limit=args.limit)
    rows = [_match_row(m, draft=m.card in drafts) for m in matches]
    if args.json:
        _print_json(rows, sys.stdout)
        return EXIT_OK
    if not rows:
        _err(
            f"no card of {result.pack.id} fires for app {context.app!r}"
            + (" and that title" if args.title else "")
            + "; check the triggers' app aliases and title patterns"
        )
        return EXIT_OK
    for i, row in enumerate(rows, 1):
        draft = "  (draft: employees never see it)" if row["draft"] else ""
        fires = "fires" if i == 1 else "next"
        print(f"{i:2}. {fires}: {row['title']}  [{row['card']}]{draft}")
        for reason in row["reasons"]:
            print(f"      - {reason}")
        dwell = row["dwell"]
        print(f"      - after the window stays in front for {_dwell_text(dwell, settings)}")
    return EXIT_OK


def _dwell_text(dwell: float | None, settings: Any) -> str:
    if dwell is None:
        return f"{float(settings.get('pacing.default_dwell_seconds')):g} s (the default dwell)"
    return f"{dwell:g} s"


def _pack_replay(args: argparse.Namespace, matcher: Any, settings: Any, drafts: set[str]) -> int:
    import datetime as dt

    from app.core.pacing import PacingConfig
    from app.core.replay import parse_watch, replay

    path = Path(args.replay)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read the recording: {exc}") from None
    events, problems = parse_watch(lines, str(path))
    for problem in problems:
        _err(str(problem))
    if not events:
        raise BadInput(f"{path}: no window changes; record one with: cuecards watch --json > FILE")
    steps = replay(events, matcher, PacingConfig.from_settings(settings.get))
    start = events[0].at

    def clock(at: float) -> str:
        return dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%H:%M:%S")

    def offset(at: float) -> str:
        seconds = int(round(at - start))
        return f"+{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    if args.json:
        _print_json(
            [
                {
                    "ts": dt.datetime.fromtimestamp(s.event.at, dt.timezone.utc).isoformat(),
                    "app": s.event.app,
                    "title": s.event.title,
                    "matched": [m.card for m in s.matched],
                    "popups": [
                        {
                            "ts": dt.datetime.fromtimestamp(p.at, dt.timezone.utc).isoformat(),
                            "after_s": round(p.at - s.event.at, 3),
                            "pack": p.pack,
                            "card": p.card,
                            "title": p.title,
                            "draft": p.card in drafts,
                        }
                        for p in s.popups
                    ],
                    "quiet": s.quiet,
                }
                for s in steps
            ],
            sys.stdout,
        )
        return EXIT_OK if not problems else EXIT_BAD_INPUT
    print(f"replaying {len(events)} window change(s) from {path} (times in UTC)")
    shown = quiet = 0
    for step in steps:
        event = step.event
        title = json.dumps(event.title, ensure_ascii=False)
        print(f"{clock(event.at)} {offset(event.at)}  {event.app}  {title}")
        for popup in step.popups:
            shown += 1
            draft = " (draft)" if popup.card in drafts else ""
            after = popup.at - event.at
            print(f"    popup after {after:g} s: {popup.title}  [{popup.card}]{draft}")
        if step.quiet:
            quiet += 1
            print(f"    quiet ({', '.join(m.card for m in step.matched)} matched): {step.quiet}")
    print(
        f"{shown} popup(s); {quiet} window(s) matched but stayed quiet; "
        f"{sum(1 for s in steps if not s.matched)} window(s) without a matching card"
    )
    return EXIT_OK if not problems else EXIT_BAD_INPUT


def cmd_pack_build(args: argparse.Namespace) -> int:
    from app.core.packfiles import size_text
    from app.core.packs import read_manifest
    from app.core.problems import PackError
    from app.sync.cuepack import build_cuepack
    from app.sync.signing import KeyFileError, load_private_key, public_key_text, sign_cuepack

    folder = Path(args.dir)
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a pack folder (build takes the folder with pack.yaml)")
    try:
        key = load_private_key(args.key) if args.key else None
        out = Path(args.output) if args.output else None
        if out is None:
            manifest = read_manifest(folder)
            out = Path(f"{manifest.id}-{manifest.version}.cuepack")
        built = build_cuepack(folder, out)
        if key is not None:
            sign_cuepack(built.path, key)
    except KeyFileError as exc:
        raise BadInput(str(exc)) from None
    except PackError as exc:
        _report_problems(args.dir, _Problems(exc.problems))
        raise BadInput(f"{args.dir}: not built; fix the problems above") from None
    for warning in built.warnings:
        print(f"{args.dir}/{warning}", file=sys.stderr)
    size = size_text(built.path.stat().st_size)
    print(
        f"built {built.path}: {built.pack_id} {built.version}, {built.cards} card(s), "
        f"{built.files} file(s), {size}"
    )
    if key is not None:
        print(f"signed with key {public_key_text(key)}")
    else:
        print(f"not signed; sign it with: cuecards pack sign {built.path} --key KEYFILE")
    return EXIT_OK


def cmd_pack_keygen(args: argparse.Namespace) -> int:
    from app.sync.signing import KeyFileError, generate_key, public_key_text, write_private_key

    key = generate_key()
    try:
        write_private_key(key, args.output)
    except KeyFileError as exc:
        raise BadInput(str(exc)) from None
    public = public_key_text(key)
    print(public)
    print(
        f"wrote the private key to {args.output} (keep it secret; it signs your packs).\n"
        "The line above is the public key: give it to your administrator for the policy:\n"
        "  [locked]\n"
        f'  packs.trusted_keys = ["{public}"]\n'
        "  packs.require_signatures = true",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_pack_sign(args: argparse.Namespace) -> int:
    from app.core.problems import PackError
    from app.sync.signing import KeyFileError, load_private_key, sign_cuepack

    path = Path(args.file)
    if not path.is_file():
        raise BadInput(f"{path}: no such .cuepack file; build one with: cuecards pack build DIR")
    try:
        public = sign_cuepack(path, load_private_key(args.key))
    except KeyFileError as exc:
        raise BadInput(str(exc)) from None
    except PackError as exc:
        _report_problems(args.file, _Problems(exc.problems))
        raise BadInput(f"{args.file}: not signed; fix the problems above") from None
    print(f"signed {path} with key {public}")
    return EXIT_OK


def cmd_pack_verify(args: argparse.Namespace) -> int:
    from app.core.problems import PackError
    from app.sync.signing import KeyFileError, parse_public_key, verify_cuepack

    settings = _settings(args)
    keys = list(args.key or [])
    for text in keys:
        try:
            parse_public_key(text)
        except KeyFileError as exc:
            raise BadInput(f"--key: {exc}") from None
    trusted = keys or [str(k) for k in settings.get("packs.trusted_keys")]
    required = args.require_signature or bool(settings.get("packs.require_signatures"))
    code = EXIT_OK
    rows: list[dict[str, Any]] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise BadInput(f"{path}: no such .cuepack file")
        try:
            verified = verify_cuepack(path, trusted_keys=trusted, require_signature=required)
        except PackError as exc:
            code = EXIT_BAD_INPUT
            rows.append({"path": name, "ok": False, "problems": [str(p) for p in exc.problems]})
            if not args.json:
                _report_problems(name, _Problems(exc.problems))
                _err(f"{name}: verification failed")
            continue
        rows.append(
            {
                "path": name,
                "ok": True,
                "pack": verified.pack_id,
                "version": verified.version,
                "files": verified.files,
                "signed_by": verified.signed_by,
            }
        )
        if not args.json:
            if not verified.listed:
                what = "no MANIFEST.json (a hand-made zip); not signed"
            else:
                what = f"{verified.files} file(s) match MANIFEST.json; " + (
                    f"signed by trusted key {verified.signed_by}"
                    if verified.signed_by
                    else "not signed"
                )
            print(f"{name}: {verified.pack_id} {verified.version}: {what}")
    if args.json:
        _print_json(rows, sys.stdout)
    return code


def cmd_pack_sync(args: argparse.Namespace) -> int:
    from app.sync.syncer import Syncer

    services = _services(args)
    try:
        syncer = Syncer(
            settings=services.settings,
            catalog=services.catalog,
            db=services.db,
            data_dir=services.data_dir,
        )
        if not syncer.sources():
            _err(
                "no pack sources: set packs.sources (cuecards config set packs.sources URL) "
                "or ask your administrator"
            )
            if args.json:
                _print_json([], sys.stdout)
            return EXIT_OK
        results = syncer.sync_all()
    finally:
        services.close()
    if args.json:
        _print_json([r.as_dict() for r in results], sys.stdout)
    else:
        for result in results:
            print(f"{result.source}: {result.status}: {result.message}")
    packs = [p for r in results for p in r.packs]
    if any(r.status == "error" and not r.packs for r in results) or any(
        p.status == "failed" for p in packs
    ):
        return EXIT_FAIL
    if any(p.status == "refused" for p in packs):
        return EXIT_BAD_INPUT
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
    if args.action in ("set", "reset") and args.key == "ui.autostart":
        from app.desktop.autostart import sync_login_item

        problem = sync_login_item(settings, changed=True)
        if problem:
            raise Failure(problem)
    return EXIT_OK


# --- report -----------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace) -> int:
    from app import report_cmd

    services = _services(args, demo=False)
    try:
        if args.report_command == "preview":
            return report_cmd.preview(services, args.json, sys.stdout, sys.stderr)
        if args.report_command == "upload":
            return report_cmd.upload(services, sys.stdout)
        if args.report_command == "secret":
            return report_cmd.store(services, sys.stdin)
        return report_cmd.export(services, args.format, args.days, sys.stdout)
    except report_cmd.ReportFailure as exc:
        raise Failure(str(exc)) from None
    finally:
        services.close()


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
    """The tray app; when one already runs for this data directory, it is asked to show itself.

    The tray icon comes first: the database and the packs open once the event loop runs.
    """
    from app.desktop.display import display_problem
    from app.paths import data_dir

    problem = display_problem()
    if problem:
        raise Failure(problem)
    from app.desktop.instance import open_instance

    instance = open_instance(data_dir(args.data_dir))
    if instance.try_handoff("show"):
        _err("Cuecards is already running; it was asked to show its tray icon")
        return EXIT_OK
    from app.tray.companion import run_companion

    def open_services() -> Services:
        from app.services import Services

        return Services(data_dir(args.data_dir))

    return run_companion(open_services, instance)


def cmd_palette(args: argparse.Namespace) -> int:
    """Ask the running tray app to open search (the hotkey's command-line twin)."""
    from app.desktop.instance import open_instance
    from app.paths import data_dir

    if open_instance(data_dir(args.data_dir)).try_handoff("palette"):
        return EXIT_OK
    raise Failure(
        "Cuecards is not running for this data directory; start it with `cuecards run` "
        "(or search from here: cuecards search WORDS)"
    )


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

    palette = sub.add_parser("palette", help="open the search of the running Cuecards")
    palette.set_defaults(func=cmd_palette)

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
