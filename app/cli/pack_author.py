"""`cuecards pack new|validate|lint|test`: writing a pack and checking it before it is built."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_BAD_INPUT, EXIT_OK, BadInput, open_services, print_err, print_json
from app.cli.pack import load_pack_path, print_problems, says_it_all
from app.cli.search import match_row


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


def cmd_pack_validate(args: argparse.Namespace) -> int:
    code = EXIT_OK
    summary: list[dict[str, Any]] = []
    for path in args.paths:
        result = load_pack_path(path)
        if not args.json:
            print_problems(path, result.problems)
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
                if not says_it_all(path, result.problems):
                    print_err(f"{path}: not a valid pack; fix the errors above")
            else:
                skipped = len(result.errors)
                note = f", {skipped} problem(s): those cards are skipped" if skipped else ""
                print(f"{path}: {pack.id} {pack.version}: {len(pack.cards)} card(s) valid{note}")
    if args.json:
        print_json(summary, sys.stdout)
    return code


def cmd_pack_lint(args: argparse.Namespace) -> int:
    import datetime as dt

    from app.core.lint import lint_pack

    loaded = [(path, load_pack_path(path)) for path in args.paths]
    services = open_services(args)
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
            print_problems(path, result.problems)
            for finding in findings:
                print(f"{path}/{finding}")
            if result.pack is None:
                if not says_it_all(path, result.problems):
                    print_err(f"{path}: not a valid pack; fix the errors above")
            else:
                print(
                    f"{path}: {result.pack.id} {result.pack.version}: {len(findings)} "
                    f"finding(s), {len(result.errors)} error(s)",
                    file=sys.stderr,
                )
    if args.json:
        print_json(report, sys.stdout)
    return code


def cmd_pack_test(args: argparse.Namespace) -> int:
    from app.core.replay import matcher_for

    if (args.app is None) == (args.replay is None):
        raise BadInput("pack test needs either --app A [--title T] or --replay FILE")
    result = load_pack_path(args.path)
    if result.pack is None and says_it_all(args.path, result.problems):
        raise BadInput(str(result.problems[0]))
    print_problems(args.path, result.problems)
    if result.pack is None:
        raise BadInput(f"{args.path}: not a valid pack; fix the errors above")
    services = open_services(args)
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
    rows = [match_row(m, draft=m.card in drafts) for m in matches]
    if args.json:
        print_json(rows, sys.stdout)
        return EXIT_OK
    if not rows:
        print_err(
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
        print_err(str(problem))
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
        print_json(
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
