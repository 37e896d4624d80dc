"""Installing and removing packs in the catalog database: one transaction each, the version
rule that refuses a downgrade, and the rows (cards, full-text index, triggers) a pack becomes,
with the index's vocabulary that search reads (migration 7)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from app.store.db import Database, write_transaction
from app.store.fulltext import SEQUENCE_MASK, app_token, card_rowid
from app.store.synonyms import SynonymTable

if TYPE_CHECKING:  # the pack models (pydantic) load only where a pack is installed
    from app.core.model import Card, Pack

InstallStatus = Literal["installed", "updated", "unchanged", "refused"]

# The columns of cards that cards_fts indexes, in its column order.
_FTS_COLUMNS = "title, summary, keywords, body, app_refs, synonyms"
# Cards written per step of an install (each step reports its progress).
_STEP_CARDS = 2000

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class InstallOutcome:
    """What install() did, with a sentence for the person."""

    status: InstallStatus
    message: str
    pack_id: str
    version: str
    previous_version: str | None = None


def pack_is_current(conn: sqlite3.Connection, pack_id: str, version: str, digest: str) -> bool:
    """True when exactly this pack version and content is installed (callers skip loading)."""
    row = conn.execute(
        "SELECT 1 FROM packs WHERE id = ? AND version = ? AND digest = ?",
        (pack_id, version, digest),
    ).fetchone()
    return row is not None


def install_pack(db: Database, pack: Pack, progress: Progress | None = None) -> InstallOutcome:
    """Install or replace a pack in one transaction; a failure leaves the old one intact.

    Same version and digest: "unchanged", nothing is written. Same version, new digest
    (an author iterating) or a newer version: "updated". An older version: "refused".
    `progress(done, total)` follows the cards written.
    """
    manifest = pack.manifest
    if pack_is_current(db.conn, pack.id, pack.version, pack.digest):
        return _unchanged(pack)
    with write_transaction(db) as conn:
        row = conn.execute("SELECT version, digest FROM packs WHERE id = ?", (pack.id,))
        installed = row.fetchone()
        previous = installed[0] if installed else None
        if installed is not None:
            if installed == (pack.version, pack.digest):
                return _unchanged(pack)
            if compare_versions(pack.version, previous) < 0:
                return InstallOutcome(
                    "refused",
                    f"{manifest.name} {pack.version} was not installed: installed "
                    f"{previous} is newer; remove it first (cuecards pack remove {pack.id})",
                    pack.id,
                    pack.version,
                    previous,
                )
            if progress is not None:
                progress(0, len(pack.cards))
            _delete_pack(conn, pack.id)
        _insert(conn, pack, progress)
        _refresh_vocabulary(conn)
    counted = _count_phrase(pack)
    if previous is None:
        message = f"installed {manifest.name} {pack.version} ({counted})"
        return InstallOutcome("installed", message, pack.id, pack.version)
    if previous == pack.version:
        message = f"replaced {manifest.name} {pack.version}: its content changed ({counted})"
    else:
        message = f"updated {manifest.name} from {previous} to {pack.version} ({counted})"
    return InstallOutcome("updated", message, pack.id, pack.version, previous)


def remove_pack(db: Database, pack_id: str) -> bool:
    """Remove a pack with its cards and triggers; False when it was not installed."""
    with write_transaction(db) as conn:
        removed = _delete_pack(conn, pack_id)
        if removed:
            _refresh_vocabulary(conn)
        return removed


def compare_versions(a: str, b: str) -> int:
    """Semantic-version precedence: -1, 0 or 1 (build metadata ignored, pre-releases first)."""
    key_a, key_b = _semver_key(a), _semver_key(b)
    return (key_a > key_b) - (key_a < key_b)


def _semver_key(version: str) -> tuple:
    core, _, _build = version.partition("+")
    release, dash, pre = core.partition("-")
    numbers = tuple(int(part) for part in release.split("."))
    if not dash:
        return (numbers, 1, ())
    identifiers = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")
    )
    return (numbers, 0, identifiers)


def _insert(conn: sqlite3.Connection, pack: Pack, progress: Progress | None) -> None:
    """Write one pack's rows; the caller owns the transaction."""
    manifest = pack.manifest
    conn.execute(
        "INSERT INTO packs (id, name, version, publisher, description, source, digest, "
        "installed_at, manifest_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            pack.id,
            manifest.name,
            pack.version,
            manifest.publisher,
            manifest.description,
            pack.source,
            pack.digest,
            dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            manifest.model_dump_json(),
        ),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO apps (pack_id, alias, app_id) VALUES (?, ?, ?)",
        [(pack.id, alias, app_id) for alias, ids in manifest.apps.items() for app_id in ids],
    )
    conn.executemany(
        "INSERT INTO skills (pack_id, id, name) VALUES (?, ?, ?)",
        [(pack.id, skill.id, skill.name) for skill in manifest.skills],
    )
    first = conn.execute(
        f"SELECT coalesce(max(rowid & {SEQUENCE_MASK}), 0) + 1 FROM cards"
    ).fetchone()[0]
    numbered = sorted(
        (card_rowid(sequence, card.front.priority, card.front.status == "draft"), card)
        for sequence, card in enumerate(pack.cards, start=first)
    )
    synonyms = SynonymTable(pack.manifest.synonyms)
    # In rowid order, step by step: FTS5 flushes its pending index data whenever a rowid
    # arrives out of order, and a flush per card makes an install several times slower.
    for start in range(0, len(numbered), _STEP_CARDS):
        step = numbered[start : start + _STEP_CARDS]
        rowids = [rowid for rowid, _ in step]
        cards = [card for _, card in step]
        conn.executemany(
            "INSERT INTO cards (rowid, pack_id, id, title, summary, body, keywords, skills, "
            "priority, owner, reviewed, review_every, status, file, app_refs, synonyms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _card_rows(pack.id, cards, rowids, synonyms),
        )
        conn.execute(
            f"INSERT INTO cards_fts (rowid, {_FTS_COLUMNS}) "
            f"SELECT rowid, {_FTS_COLUMNS} FROM cards "
            "WHERE rowid BETWEEN ? AND ? AND pack_id = ? ORDER BY rowid",
            (rowids[0], rowids[-1], pack.id),
        )
        conn.executemany(
            "INSERT INTO triggers (card_rowid, idx, app_ref, title_pattern, dwell) "
            "VALUES (?, ?, ?, ?, ?)",
            _trigger_rows(cards, rowids),
        )
        if progress is not None:
            progress(start + len(step), len(numbered))


def _delete_pack(conn: sqlite3.Connection, pack_id: str) -> bool:
    """Take a pack's cards out of the full-text index (in rowid order, see _insert), then
    delete the pack; its apps, skills, cards and triggers follow by cascade.

    False when the pack was not installed.
    """
    conn.execute(
        f"INSERT INTO cards_fts (cards_fts, rowid, {_FTS_COLUMNS}) "
        f"SELECT 'delete', rowid, {_FTS_COLUMNS} FROM cards WHERE pack_id = ? ORDER BY rowid",
        (pack_id,),
    )
    return conn.execute("DELETE FROM packs WHERE id = ?", (pack_id,)).rowcount > 0


def _refresh_vocabulary(conn: sqlite3.Connection) -> None:
    """Rewrite `vocabulary` and `catalog_size` from the index as it now is (pending writes of
    this transaction included), so search reads them instead of walking the whole index."""
    conn.execute("DELETE FROM vocabulary")
    conn.execute("INSERT INTO vocabulary (term, cards) SELECT term, doc FROM cards_fts_vocab")
    conn.execute("UPDATE catalog_size SET cards = (SELECT count(*) FROM cards) WHERE id = 1")


def _unchanged(pack: Pack) -> InstallOutcome:
    message = f"{pack.manifest.name} {pack.version} is already installed"
    return InstallOutcome("unchanged", message, pack.id, pack.version, pack.version)


def _count_phrase(pack: Pack) -> str:
    drafts = sum(1 for card in pack.cards if card.front.status == "draft")
    phrase = f"{len(pack.cards)} card" + ("" if len(pack.cards) == 1 else "s")
    return phrase + (f", {drafts} draft" + ("" if drafts == 1 else "s") if drafts else "")


def _card_rows(
    pack_id: str, cards: Sequence[Card], rowids: Sequence[int], table: SynonymTable
) -> Iterable[tuple]:
    """The `cards` rows of a pack; `synonyms` holds what the pack's synonyms add to each card."""
    for rowid, card in zip(rowids, cards, strict=True):
        front = card.front
        said = table.expand((front.title, front.summary, *front.keywords, card.body))
        yield (
            rowid,
            pack_id,
            front.id,
            front.title,
            front.summary,
            card.body,
            json.dumps(front.keywords, ensure_ascii=False),
            json.dumps(front.skills, ensure_ascii=False),
            front.priority,
            front.owner,
            front.reviewed.isoformat() if front.reviewed else None,
            front.review_every,
            front.status,
            card.file,
            " ".join(sorted({app_token(trigger.app) for trigger in front.triggers})),
            said,
        )


def _trigger_rows(cards: Sequence[Card], rowids: Sequence[int]) -> Iterable[tuple]:
    for rowid, card in zip(rowids, cards, strict=True):
        for idx, trigger in enumerate(card.front.triggers):
            yield (rowid, idx, trigger.app, trigger.title, trigger.dwell)
