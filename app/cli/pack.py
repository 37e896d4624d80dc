"""`cuecards pack install|list|sync|remove`: the packs on this computer; and reading a PATH and
printing its problems, which every pack command shares."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_OK,
    BadInput,
    open_services,
    print_err,
    print_json,
)
from app.cli.progress import Progress


def load_pack_path(path_text: str, progress: Callable[[int, int], None] | None = None) -> Any:
    """The LoadResult of a pack folder or .cuepack given on the command line (BadInput if none)."""
    from app.core.packs import load_pack

    path = Path(path_text)
    if not path.exists():
        raise BadInput(f"{path}: no such folder or .cuepack file")
    return load_pack(path, progress=progress)


def print_problems(path: str, problems: list[Any]) -> None:
    """Each problem of the pack at `path` on its own stderr line, located in it: a file's as
    `PATH/FILE:LINE: …`, the whole pack's as `PATH: …` (or as it is, when it names PATH)."""
    for problem in problems:
        print(_located(path, problem), file=sys.stderr)


def says_it_all(path: str, problems: list[Any]) -> bool:
    """True when the one problem is with the path as a whole and names it (`/etc/passwd` is
    not a pack): its line says what and how to fix, so no summary line repeats the path."""
    errors = [p for p in problems if p.severity == "error"]
    return len(problems) == len(errors) == 1 and not errors[0].file and _names(path, errors[0])


def _located(path: str, problem: Any) -> str:
    if problem.file:
        return f"{path}/{problem}"
    return str(problem) if _names(path, problem) else f"{path}: {problem}"


def _names(path: str, problem: Any) -> bool:
    return f"'{Path(path)}'" in problem.message


def cmd_pack_install(args: argparse.Namespace) -> int:
    from app.core.packs import read_manifest
    from app.core.problems import PackError
    from app.store.syncstate import Origin, SyncState, utc_now
    from app.sync.admission import check_owner, verify_for_install

    path = Path(args.path)
    if not path.exists():
        raise BadInput(f"{path}: no such folder or .cuepack file")
    services = open_services(args, demo=False)
    progress = Progress.on_terminal()
    try:
        state = SyncState(services.db)
        try:
            signed_by = verify_for_install(path, services.settings.get)
            manifest = read_manifest(path)
            installed = {p.id: p for p in services.catalog.packs()}.get(manifest.id)
            check_owner(manifest, signed_by, installed, state.origin(manifest.id))
        except PackError as exc:
            if says_it_all(args.path, exc.problems):
                raise BadInput(f"not installed: {exc.problems[0]}") from None
            print_problems(args.path, exc.problems)
            raise BadInput(f"{args.path}: not installed; fix the problems above") from None
        result = load_pack_path(args.path, progress.counter(f"Reading {manifest.id}"))
        progress.clear()
        print_problems(args.path, result.problems)
        if result.pack is None:
            raise BadInput(f"{args.path}: not installed; fix the errors above")
        outcome = services.catalog.install(
            result.pack, progress.counter(f"Installing {manifest.id}")
        )
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
        progress.clear()
        services.close()
    print(outcome.message)
    if outcome.status == "refused":
        return EXIT_BAD_INPUT
    if result.errors:
        print_err(f"{len(result.errors)} card(s) were skipped; the others are installed")
        return EXIT_BAD_INPUT
    return EXIT_OK


def cmd_pack_list(args: argparse.Namespace) -> int:
    from app.store.syncstate import SyncState

    services = open_services(args)
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
        print_json(rows, sys.stdout)
    elif not rows:
        print_err("no packs installed; add one with: cuecards pack install PATH")
    else:
        for row in rows:
            signed = "  signed" if row["signed_by"] else ""
            print(f"{row['id']} {row['version']}  {row['name']} ({row['cards']} cards){signed}")
    return EXIT_OK


def cmd_pack_sync(args: argparse.Namespace) -> int:
    from app.sync.syncer import Syncer

    services = open_services(args)
    progress = Progress.on_terminal(quiet=args.json)
    try:
        syncer = Syncer(
            settings=services.settings,
            catalog=services.catalog,
            db=services.db,
            data_dir=services.data_dir,
            progress=progress.update,
        )
        if not syncer.sources():
            print_err(
                "no pack sources: set packs.sources (cuecards config set packs.sources URL) "
                "or ask your administrator"
            )
            if args.json:
                print_json([], sys.stdout)
            return EXIT_OK
        results = syncer.sync_all()
    finally:
        progress.clear()
        services.close()
    if args.json:
        print_json([r.as_dict() for r in results], sys.stdout)
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
    services = open_services(args, demo=False)
    try:
        removed = services.catalog.remove(args.pack_id)
    finally:
        services.close()
    if not removed:
        raise BadInput(f"no installed pack has the id {args.pack_id!r}; see: cuecards pack list")
    print(f"removed {args.pack_id}")
    return EXIT_OK
