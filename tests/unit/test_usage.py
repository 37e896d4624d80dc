"""The usage log on a real SQLite file: what is kept, what is never kept, retention, reading."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.store.db import open_database
from app.store.usage import KINDS, OTHER_APP, UsageLog

CATALOG = {"packs", "apps", "skills", "cards", "triggers"}


class Clock:
    """A settable clock (Unix seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cuecards.db"


def _log(db_path: Path, clock: Clock | None = None) -> UsageLog:
    db, _ = open_database(db_path)
    return UsageLog(db, known_apps={"excel", "Libreoffice-Calc"}, clock=clock or Clock())


def test_each_event_is_committed_when_recorded(db_path: Path) -> None:
    log = _log(db_path)
    log.record("shown", "acme.finance", "go-to-cell", "excel")
    # Another connection (as after a crash and restart) sees it at once: nothing is pending.
    other = sqlite3.connect(db_path)
    rows = other.execute("SELECT kind, pack_id, card_id, app_id FROM usage_events").fetchall()
    other.close()
    assert rows == [("shown", "acme.finance", "go-to-cell", "excel")]


def test_apps_no_installed_pack_knows_are_stored_as_other(db_path: Path) -> None:
    log = _log(db_path)
    log.record("context", app="excel")
    log.record("context", app="LibreOffice-Calc")
    log.record("context", app="keepassxc")
    log.record("snoozed")
    assert [e.app for e in reversed(log.events())] == ["excel", "libreoffice-calc", OTHER_APP, None]
    log.set_known_apps({"keepassxc"})
    log.record("context", app="keepassxc")
    assert log.events(1)[0].app == "keepassxc"


def test_searches_keep_their_query_and_count_and_nothing_else_does(db_path: Path) -> None:
    log = _log(db_path)
    log.record("search", query="pivot refresh", results=3)
    event = log.events(1)[0]
    assert (event.kind, event.query, event.results) == ("search", "pivot refresh", 3)
    assert event.answered is None  # not told
    with pytest.raises(ValueError, match="only searches keep a query"):
        log.record("context", app="excel", query="Budget.xlsx")
    with pytest.raises(ValueError, match="only searches keep a query"):
        log.record("shown", "p", "c", answered=True)
    with pytest.raises(ValueError, match="is not one of"):
        log.record("keystroke", app="excel")
    assert log.count() == 1


def test_a_search_with_only_partial_matches_is_kept_as_unanswered(db_path: Path) -> None:
    log = _log(db_path)
    log.record("search", query="freeze panes", results=3, answered=False)
    log.record("search", query="pivot", results=4, answered=True)
    partial, full = log.events(2)[1], log.events(2)[0]
    assert (partial.query, partial.results, partial.answered) == ("freeze panes", 3, False)
    assert (full.query, full.results, full.answered) == ("pivot", 4, True)


def test_prune_drops_only_events_older_than_the_retention(db_path: Path) -> None:
    clock = Clock()
    log = _log(db_path, clock)
    log.record("context", app="excel")
    clock.now += 10 * 86400
    log.record("shown", "p", "c", "excel")
    clock.now += 1 * 86400
    assert log.prune(retention_days=5) == 1
    assert [e.kind for e in log.events()] == ["shown"]
    assert log.prune(retention_days=5) == 0
    assert log.oldest() is not None and log.oldest().timestamp() == clock.now - 86400


def test_recent_shown_lists_newest_first_with_the_feedback_given_after_each_show(
    db_path: Path,
) -> None:
    clock = Clock()
    log = _log(db_path, clock)
    log.record("shown", "p", "a", "excel")
    clock.now += 60
    log.record("helpful", "p", "a", "excel")
    clock.now += 60
    log.record("shown", "p", "b", "excel")
    clock.now += 60
    log.record("shown", "p", "a", "excel")  # a again: the earlier verdict is not this show's
    clock.now += 60
    log.record("never", "p", "b", "excel")
    rows = log.recent_shown()
    assert [(r.card, r.feedback) for r in rows] == [("a", None), ("b", "never"), ("a", "helpful")]
    assert rows[0].when.timestamp() == clock.now - 60
    assert [r.card for r in log.recent_shown(limit=1)] == ["a"]


def test_counts_and_events_read_back_what_was_recorded(db_path: Path) -> None:
    log = _log(db_path)
    for kind in ("context", "context", "matched", "shown", "dismissed"):
        log.record(kind, app="excel")
    assert log.counts() == {"context": 2, "matched": 1, "shown": 1, "dismissed": 1}
    assert [e.kind for e in log.events(limit=2)] == ["dismissed", "shown"]
    assert set(log.counts()) <= set(KINDS)


def test_no_table_outside_the_catalog_has_a_column_for_a_title_or_keystroke(
    db_path: Path,
) -> None:
    db, _ = open_database(db_path)
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if name not in CATALOG and not name.startswith("cards_fts")
    ]
    columns = {t: [row[1] for row in db.execute(f"PRAGMA table_info('{t}')")] for t in tables}
    db.close()
    assert {"usage_events", "pacing_state", "card_state"} <= set(columns)
    assert columns["usage_events"] == [
        "id",
        "ts",
        "kind",
        "pack_id",
        "card_id",
        "app_id",
        "query",
        "results",
        "answered",
    ]
    suspicious = [
        f"{t}.{c}"
        for t, cols in columns.items()
        for c in cols
        if any(word in c.lower() for word in ("title", "window", "key", "text", "name"))
    ]
    assert suspicious == []
