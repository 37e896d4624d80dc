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
    if args.json:
        print_json([search_row(hit) for hit in hits], sys.stdout)
        return EXIT_OK
    from app.core.ranking import split_partial

    full, partial = split_partial(hits)
    if not full:
        print(f"No card for {query.strip()!r}.")
    for i, hit in enumerate(full, 1):
        print(f"{i:2}. {hit.title}\n    {hit.summary}\n    [{hit.pack}/{hit.card}]")
    if partial:
        print("Partial matches:")
    for i, hit in enumerate(partial, len(full) + 1):
        matched = ", ".join(hit.matched)
        print(
            f"{i:2}. {hit.title}\n    {hit.summary}\n    [{hit.pack}/{hit.card}] "
            f"matches only: {matched}"
        )
    return EXIT_OK


def search_row(hit: Any) -> dict[str, Any]:
    """One `search --json` object (DESIGN.md's contract), best first: a `partial` hit misses
    some of the query's words (stop words aside); `matched` lists those it has."""
    return {
        "pack": hit.pack,
        "card": hit.card,
        "title": hit.title,
        "summary": hit.summary,
        "score": round(hit.score, 4),
        "partial": hit.partial,
        "matched": list(hit.matched),
    }


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
