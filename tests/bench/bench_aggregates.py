"""Building a day's report from 1M usage events: SQL GROUP BY (the app's path) and pure Python."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from app.core.aggregates import build_report, canonical_bytes, count_events, day_bounds
from app.store.db import open_database
from app.store.reports import BY_GROUP, BY_TIME, day_counts, plan
from tests.bench.common import metric

EVENTS = 1_000_000
UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 20)
KINDS = ["context"] * 6 + ["matched"] * 2 + ["shown", "opened", "helpful", "dismissed", "search"]
APPS = [f"app{i}" for i in range(40)] + ["other"] * 20


def _events(start: float, rng: random.Random) -> list[tuple]:
    rows = []
    for i in range(EVENTS):
        kind = rng.choice(KINDS)
        ts = start + i * 86400 / EVENTS
        if kind == "search":
            found = i % 3
            rows.append((ts, kind, None, None, None, f"query {i % 977}", found, found > i % 2))
        elif kind in ("context", "matched"):
            card = f"card-{rng.randrange(2000)}" if kind == "matched" else None
            pack = "acme.finance" if card else None
            rows.append((ts, kind, pack, card, rng.choice(APPS), None, None, None))
        else:
            card = f"card-{rng.randrange(2000)}"
            rows.append((ts, kind, "acme.finance", card, None, None, None, None))
    return rows


def run() -> Iterator[dict]:
    rng = random.Random(42)
    start, end = day_bounds(DAY, UTC)
    # A day of events plus a day either side, as the log holds several days.
    events = _events(start - 86400, rng)[::4] + _events(start, rng) + _events(end, rng)[::4]
    known = set(APPS) - {"other"}
    with tempfile.TemporaryDirectory() as tmp:
        db, _ = open_database(Path(tmp) / "bench.db")
        db.conn.executemany(
            "INSERT INTO usage_events "
            "(ts, kind, pack_id, card_id, app_id, query, results, answered) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        db.conn.commit()
        sql_times, py_times = [], []
        by_plan: dict[str, list[float]] = {BY_TIME: [], BY_GROUP: []}
        chosen = plan(db, start, end)
        for _ in range(3):
            t0 = time.perf_counter()
            counts = day_counts(db, DAY, known, UTC)
            canonical_bytes(build_report(counts, DAY, batch_id="bench"))
            sql_times.append(time.perf_counter() - t0)
            for index, times in by_plan.items():
                t0 = time.perf_counter()
                day_counts(db, DAY, known, UTC, index=index)
                times.append(time.perf_counter() - t0)
        for _ in range(2):
            t0 = time.perf_counter()
            pure = count_events(events, start, end, known)
            canonical_bytes(build_report(pure, DAY, batch_id="bench"))
            py_times.append(time.perf_counter() - t0)
        assert pure == counts, "SQL and pure-Python counts differ"
        # The day before holds a sixth of the log: the time index is the cheaper way there.
        before = DAY - dt.timedelta(days=1)
        small_plan = plan(db, *day_bounds(before, UTC))
        small_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            day_counts(db, before, known, UTC)
            small_times.append(time.perf_counter() - t0)
        db.close()
    yield metric("report_1m_events_s", min(sql_times), "s", 1, path=chosen, log_events=len(events))
    for index, times in by_plan.items():
        yield metric(f"report_1m_events_{index}_s", min(times), "s", None)
    yield metric("report_250k_of_1_5m_events_s", min(small_times), "s", None, path=small_plan)
    yield metric("report_1m_events_python_s", min(py_times), "s", None, path="pure-python")
