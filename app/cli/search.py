"""`cuecards search` and `cuecards match`: the cards a query finds and the cards a window fires."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.common import EXIT_OK, open_services, print_err, print_json


def cmd_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query)
    services = open_services(args)
    try:
        hits = services.catalog.search(query, app=args.app, limit=args.limit)
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
        print_json(rows, sys.stdout)
    elif not rows:
        print_err(f"no card matches {query!r}")
    else:
        for i, row in enumerate(rows, 1):
            print(f"{i:2}. {row['title']}\n    {row['summary']}\n    [{row['pack']}/{row['card']}]")
    return EXIT_OK


def match_row(m: Any, **extra: Any) -> dict[str, Any]:
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

    services = open_services(args)
    try:
        matcher = services.catalog.matcher(include_drafts=args.include_drafts)
    finally:
        services.close()
    context = Context(app=args.app.strip().lower(), title=args.title or "", backend="cli")
    matches = matcher.match(context, limit=args.limit)
    rows = [match_row(m) for m in matches]
    if args.json:
        print_json(rows, sys.stdout)
    elif not rows:
        print_err(
            f"no card fires for app {context.app!r}" + (" and that title" if args.title else "")
        )
    else:
        for i, row in enumerate(rows, 1):
            print(f"{i:2}. {row['title']}  [{row['pack']}/{row['card']}]")
            for reason in row["reasons"]:
                print(f"      - {reason}")
    return EXIT_OK
