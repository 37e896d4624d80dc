"""Pack sync state in SQLite (migration 2): HTTP validators per URL, the last result of each
source, and where each installed pack came from (source, publisher, signing key).

None of these tables refers to the catalog's tables by foreign key: a pack update deletes and
re-inserts the pack's catalog rows, and a cascade would wipe what is kept here.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from app.store.db import Database, write_transaction

SourceState = Literal["updated", "unchanged", "error"]
PackState = Literal["installed", "updated", "unchanged", "refused", "failed"]


def utc_now() -> dt.datetime:
    """Now, in UTC, to the second (what every sync timestamp stores)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class PackResult:
    """What one sync did with one offered pack, with a sentence for the person."""

    status: PackState
    message: str
    location: str
    pack: str | None = None
    version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SourceResult:
    """The last sync of one `packs.sources` entry, as `doctor` and the Packs window show it.

    `status` is "error" when the source could not be read or any pack it offers was refused
    (the last good version stays installed), "updated" when something was installed, else
    "unchanged". `ok_at` is the last time the source was read without error.
    """

    source: str
    status: SourceState
    message: str
    checked_at: dt.datetime
    ok_at: dt.datetime | None = None
    packs: tuple[PackResult, ...] = field(default=())
    requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        row = asdict(self)
        row["checked_at"] = self.checked_at.isoformat()
        row["ok_at"] = self.ok_at.isoformat() if self.ok_at else None
        row["packs"] = [p.as_dict() for p in self.packs]
        return row


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an installed pack came from: the pack's publisher and signing key are remembered
    so another publisher cannot take over its id."""

    pack_id: str
    version: str
    publisher: str
    source: str
    location: str
    signed_by: str | None
    source_digest: str
    installed_at: dt.datetime


class SyncState:
    """Reads and writes the sync tables on one open database connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: sqlite3.Connection = db.conn

    # ----- HTTP validators -------------------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) remembered for `url`, or (None, None)."""
        row = self._conn.execute(
            "SELECT etag, last_modified FROM sync_http WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def remember_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep the validators of a response that was fully processed (or forget empty ones)."""
        with write_transaction(self._db) as conn:
            if etag or last_modified:
                conn.execute(
                    "INSERT OR REPLACE INTO sync_http (url, etag, last_modified, stored_at) "
                    "VALUES (?, ?, ?, ?)",
                    (url, etag, last_modified, utc_now().isoformat()),
                )
            else:
                conn.execute("DELETE FROM sync_http WHERE url = ?", (url,))

    # ----- source results --------------------------------------------------------------------

    def record(self, result: SourceResult) -> None:
        """Store the latest result of a source (replacing the previous one)."""
        with write_transaction(self._db) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sync_sources (source, status, message, checked_at, ok_at, "
                "packs_json, requests) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    result.source,
                    result.status,
                    result.message,
                    result.checked_at.isoformat(),
                    result.ok_at.isoformat() if result.ok_at else None,
                    json.dumps([p.as_dict() for p in result.packs], ensure_ascii=False),
                    result.requests,
                ),
            )

    def last_ok(self, source: str) -> dt.datetime | None:
        """When `source` was last read without error."""
        row = self._conn.execute(
            "SELECT ok_at FROM sync_sources WHERE source = ?", (source,)
        ).fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    def results(self) -> list[SourceResult]:
        """The latest result of every source, in source order."""
        rows = self._conn.execute(
            "SELECT source, status, message, checked_at, ok_at, packs_json, requests "
            "FROM sync_sources ORDER BY source"
        )
        return [
            SourceResult(
                source=source,
                status=status,
                message=message,
                checked_at=dt.datetime.fromisoformat(checked),
                ok_at=dt.datetime.fromisoformat(ok) if ok else None,
                packs=tuple(PackResult(**p) for p in json.loads(packs)),
                requests=requests,
            )
            for source, status, message, checked, ok, packs, requests in rows
        ]

    def keep_only(self, sources: Iterable[str]) -> None:
        """Forget results of sources no longer configured."""
        self._delete_except("sync_sources", "source", sources)

    # ----- origins ---------------------------------------------------------------------------

    def origin(self, pack_id: str) -> Origin | None:
        """Where the installed pack `pack_id` came from (None: unknown, e.g. the demo pack)."""
        row = self._conn.execute(
            "SELECT pack_id, version, publisher, source, location, signed_by, source_digest, "
            "installed_at FROM pack_origins WHERE pack_id = ?",
            (pack_id,),
        ).fetchone()
        if row is None:
            return None
        return Origin(*row[:7], installed_at=dt.datetime.fromisoformat(row[7]))

    def record_origin(self, origin: Origin) -> None:
        with write_transaction(self._db) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO pack_origins (pack_id, version, publisher, source, "
                "location, signed_by, source_digest, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    origin.pack_id,
                    origin.version,
                    origin.publisher,
                    origin.source,
                    origin.location,
                    origin.signed_by,
                    origin.source_digest,
                    origin.installed_at.isoformat(),
                ),
            )

    def forget_origins_except(self, pack_ids: Iterable[str]) -> None:
        """Drop origins of packs that are no longer installed (removed by the person)."""
        self._delete_except("pack_origins", "pack_id", pack_ids)

    def _delete_except(self, table: str, column: str, keep: Iterable[str]) -> None:
        """Delete the rows of `table` whose `column` is not in `keep` (all when it is empty)."""
        kept = list(keep)
        marks = ",".join("?" * len(kept))
        where = f" WHERE {column} NOT IN ({marks})" if kept else ""
        with write_transaction(self._db) as conn:
            conn.execute(f"DELETE FROM {table}{where}", kept)
