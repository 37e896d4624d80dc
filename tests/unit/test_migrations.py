"""Upgrading a database written by the previous Cuecards: searches logged before answers were
kept (migration 5) and a catalog indexed before synonyms existed (migration 6)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app.store import db as store_db
from app.store.catalog import Catalog
from app.store.db import open_database, schema_version
from app.store.migrations import MIGRATIONS, SCHEMA_VERSION
from app.store.reports import day_counts
from app.store.usage import UsageLog
from tests.unit.factories import make_card, make_pack

UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 20)
NOON = dt.datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp()
BEFORE = 4  # the schema the previous release wrote


def _old_database(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file at schema 4, filled the way that release wrote it."""
    with monkeypatch.context() as patch:
        patch.setattr(store_db, "MIGRATIONS", MIGRATIONS[:BEFORE])
        patch.setattr(store_db, "SCHEMA_VERSION", BEFORE)
        db, _ = open_database(path)
    conn = db.conn
    conn.execute(
        "INSERT INTO packs (id, name, version, publisher, source, digest, installed_at, "
        "manifest_json) VALUES ('acme.it', 'IT', '1.0.0', 'ACME', 'test', 'd1', 't', '{}')"
    )
    conn.execute(
        "INSERT INTO cards (rowid, pack_id, id, title, summary, body) VALUES "
        "(1, 'acme.it', 'snap', 'Take a screenshot', 'Win+Shift+S copies the screen', '')"
    )
    conn.execute(
        "INSERT INTO cards_fts (rowid, title, summary, keywords, body, app_refs) "
        "SELECT rowid, title, summary, keywords, body, app_refs FROM cards"
    )
    conn.executemany(
        "INSERT INTO usage_events (ts, kind, query, results) VALUES (?, 'search', ?, ?)",
        [(NOON, "screenshot", 1), (NOON, "freeze panes", 0)],
    )
    conn.commit()
    db.close()


def test_a_database_from_the_previous_release_is_brought_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cuecards.db"
    _old_database(path, monkeypatch)
    db, notice = open_database(path)
    assert notice is None
    assert schema_version(db) == SCHEMA_VERSION

    # Old searches have no answer: one that found a card counts as answered, one that found
    # nothing as unanswered; new ones say it themselves.
    log = UsageLog(db, clock=lambda: NOON)
    log.record("search", query="snip", results=2, answered=False)
    assert [e.answered for e in reversed(log.events())] == [None, None, False]
    counts = day_counts(db, DAY, set(), UTC)
    assert (counts.searches, counts.unanswered, counts.zero_results) == (3, 2, 1)
    columns = [row[2] for row in db.conn.execute("PRAGMA index_info(usage_events_for_reports)")]
    assert columns[-1] == "answered"  # the report still reads the index alone

    # The catalog's index was made again with the synonyms column and keeps the old cards.
    catalog = Catalog(db)
    assert [hit.card for hit in catalog.search("screenshot")] == ["snap"]
    db.conn.execute("INSERT INTO cards_fts(cards_fts, rank) VALUES ('integrity-check', 1)")
    db.conn.commit()
    card = make_card("acme.it", "snap", "Take a screenshot", "Win+Shift+S copies the screen")
    pack = make_pack("acme.it", "1.1.0", [card], synonyms={"screenshot": ["snip"]})
    assert catalog.install(pack).status == "updated"
    assert [(hit.card, hit.partial) for hit in catalog.search("snip ")] == [("snap", False)]
    db.close()
