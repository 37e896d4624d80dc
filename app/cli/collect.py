"""`cuecards collect serve|token …`: the collector (extra `server`) and its bearer tokens.

Everything of the collector loads inside these handlers, so `import app.cli` stays light and a
machine without the extra gets one line saying how to install it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from app.cli.common import BadInput, Failure, print_err, print_json

if TYPE_CHECKING:
    from app.server.storage import Storage
    from app.server.tokens import Token

_EXTRA = "the collector needs the extra `server`: pip install 'cuecards[server]'"


def _server_modules() -> None:
    """Fail with the install line when the extra's packages are missing (found, not loaded)."""
    import importlib.util

    missing = [
        m for m in ("starlette", "uvicorn", "psycopg") if importlib.util.find_spec(m) is None
    ]
    if missing:
        raise Failure(f"{_EXTRA} (missing: {', '.join(missing)})")


def cmd_collect(args: argparse.Namespace) -> int:
    """`collect serve` or `collect token add|list|revoke`."""
    _server_modules()
    if args.collect_command == "serve":
        return _serve(args)
    storage = _open(args.db)
    try:
        if args.token_command == "add":
            return token_add(storage, args.name, args.cohort, sys.stdout)
        if args.token_command == "list":
            return token_list(storage, args.json, sys.stdout)
        return token_revoke(storage, args.token_id)
    finally:
        storage.close()


def _serve(args: argparse.Namespace) -> int:
    from app.server.ratelimit import DEFAULT_BURST, DEFAULT_RATE
    from app.server.serve import ServeOptions, SetupError, StartError, serve

    options = ServeOptions(
        db=args.db,
        host=args.host,
        port=args.port,
        cert=Path(args.cert) if args.cert else None,
        key=Path(args.key) if args.key else None,
        rate=DEFAULT_RATE if args.rate_limit is None else args.rate_limit,
        burst=DEFAULT_BURST if args.burst is None else args.burst,
    )
    try:
        return serve(options)
    except SetupError as exc:
        raise BadInput(str(exc)) from None
    except StartError as exc:
        raise Failure(str(exc)) from None


def _open(db: str) -> Storage:
    from app.server.storage import BadDatabase, StorageError, open_storage

    try:
        return open_storage(db)
    except BadDatabase as exc:
        raise BadInput(str(exc)) from None
    except StorageError as exc:
        raise Failure(str(exc)) from None


def _label(value: str | None, flag: str) -> str | None:
    """A name or cohort as given, or BadInput saying what a label may hold."""
    from app.server.tokens import MAX_NAME

    if value is None:
        return None
    if not 0 < len(value) <= MAX_NAME or value != value.strip() or not value.isprintable():
        raise BadInput(
            f"{flag} {value!r}: use 1 to {MAX_NAME} printable characters without surrounding spaces"
        )
    return value


def token_add(storage: Storage, name: str | None, cohort: str | None, out: TextIO) -> int:
    """Make a token, store its digest, print the token (only now, only on stdout)."""
    from app.server import tokens

    name, cohort = _label(name, "--name") or "", _label(cohort, "--cohort")
    text = tokens.new_token()
    token_digest = tokens.digest(text)
    token = tokens.Token(tokens.token_id(token_digest), token_digest, name, cohort, time.time())
    storage.add_token(token)
    out.write(text + "\n")
    out.flush()
    about = ", ".join(
        part
        for part in (f"name {name!r}" if name else "", f"cohort {cohort!r}" if cohort else "")
        if part
    )
    print_err(
        f"token {token.id} added{f' ({about})' if about else ''}. It is shown this once: give it "
        "to whoever sets up the app (it goes into the OS keyring with `cuecards report secret`); "
        f"revoke it with `cuecards collect token revoke {token.id}`"
    )
    return 0


def _when(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(token: Token) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "cohort": token.cohort,
        "created": _when(token.created_at),
        "revoked": _when(token.revoked_at),
    }


def token_list(storage: Storage, as_json: bool, out: TextIO) -> int:
    """Every token (never its text): id, name, cohort, when made and revoked."""
    rows = [_row(t) for t in storage.tokens()]
    if as_json:
        print_json(rows, out)
        return 0
    if not rows:
        print_err("no tokens yet; make one with `cuecards collect token add --db DB`")
        return 0
    head = ("ID", "NAME", "COHORT", "CREATED", "REVOKED")
    cells = [
        (r["id"], r["name"] or "-", r["cohort"] or "-", r["created"], r["revoked"] or "-")
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [head, *cells]) for i in range(len(head))]
    for line in [head, *cells]:
        out.write(
            "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n"
        )
    return 0


def token_revoke(storage: Storage, token_id: str) -> int:
    """Revoke a token by id: its requests are answered 403 from now on."""
    token = storage.revoke_token(token_id, time.time())
    if token is None:
        raise BadInput(f"no token has the id {token_id!r} (see: cuecards collect token list)")
    print_err(f"token {token.id} is revoked since {_when(token.revoked_at)}")
    return 0
