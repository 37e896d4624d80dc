"""Reading the usage log for reports: one GROUP BY over an indexed time range, in SQLite.

A day can hold a million events; grouping them in SQLite and folding the few hundred groups
in Python (core.aggregates.count_groups) is what keeps building a report under a second.
The query reads kind, ids, result counts and answers only: never the query text. A search
logged before answers were (`answered` NULL) counts as answered when it found any card, as
core.aggregates.is_answered says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from app.core.aggregates import DayCounts, Group, count_groups, day_bounds
from app.store.db import Database

_GROUPS = """
SELECT kind, pack_id, card_id, app_id, count(*), sum(kind = 'search' AND results = 0),
       sum(kind = 'search' AND NOT coalesce(answered, results > 0, 0))
FROM usage_events INDEXED BY {index}
WHERE ts >= ? AND ts < ?
GROUP BY kind, pack_id, card_id, app_id
"""
# Walking the whole log in group order costs about a fifth of sorting one event of the day
# (measured in tests/bench/bench_aggregates.py), so the group-order index wins once the day holds
# more than about a fifth of the log; below that, the time index and a sort win.
BY_TIME = "usage_events_by_ts"
BY_GROUP = "usage_events_for_reports"
_GROUP_SCAN_SHARE = 5


def plan(db: Database, start: float, end: float) -> str:
    """The index to count a time range with: by time for a small share of the log, else in
    group order."""
    conn = db.conn
    in_range = conn.execute(
        f"SELECT count(*) FROM usage_events INDEXED BY {BY_TIME} WHERE ts >= ? AND ts < ?",
        (start, end),
    ).fetchone()[0]
    total = conn.execute(f"SELECT count(*) FROM usage_events INDEXED BY {BY_TIME}").fetchone()[0]
    return BY_GROUP if in_range * _GROUP_SCAN_SHARE > total else BY_TIME


def day_groups(db: Database, start: float, end: float, index: str | None = None) -> list[Group]:
    """The log's events with start <= ts < end, grouped by kind, pack, card and app."""
    chosen = index or plan(db, start, end)
    if chosen not in (BY_TIME, BY_GROUP):
        raise ValueError(f"unknown index {chosen!r}")
    rows = db.conn.execute(_GROUPS.format(index=chosen), (start, end))
    return [
        (kind, pack, card, app, int(n), int(zero or 0), int(unanswered or 0))
        for kind, pack, card, app, n, zero, unanswered in rows
    ]


def day_counts(
    db: Database,
    day: dt.date,
    known_apps: Iterable[str],
    tz: dt.tzinfo | None = None,
    index: str | None = None,
) -> DayCounts:
    """The counts of one local calendar day of the usage log."""
    start, end = day_bounds(day, tz)
    return count_groups(day_groups(db, start, end, index), known_apps)


def active_days(
    db: Database, days: Iterable[dt.date], tz: dt.tzinfo | None = None
) -> list[dt.date]:
    """Those of `days` on which the log has any event (one indexed probe per day)."""
    found = []
    for day in days:
        start, end = day_bounds(day, tz)
        row = db.conn.execute(
            "SELECT 1 FROM usage_events WHERE ts >= ? AND ts < ? LIMIT 1", (start, end)
        ).fetchone()
        if row is not None:
            found.append(day)
    return found


def known_app_ids(db: Database) -> set[str]:
    """Every app id the installed packs know (alias targets and raw trigger apps), lower-cased:
    only these are named in a report; any other app is `other`."""
    rows = db.conn.execute("SELECT app_id FROM apps UNION SELECT app_ref FROM triggers")
    return {str(row[0]).strip().lower() for row in rows if row[0]}
