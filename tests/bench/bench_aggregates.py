"""Building a day's report from 1M usage events: SQL GROUP BY (the app's path) and pure Python."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from app.core.aggregates import (
    DayCounts,
    build_report,
    canonical_bytes,
    count_events,
    day_bounds,
)
from app.store.db import open_database
from app.store.reports import BY_GROUP, BY_TIME, day_counts, plan
from tests.bench.common import metric, require

EVENTS = 1_000_000
QUICK_EVENTS = 20_000
METRICS = (
    "report_1m_events_s",
    f"report_1m_events_{BY_TIME}_s",
    f"report_1m_events_{BY_GROUP}_s",
    "report_250k_of_1_5m_events_s",
    "report_1m_events_python_s",
)
UTC = dt.timezone.utc
DAY = dt.date(2026, 11, 20)
KINDS = ["context"] * 6 + ["matched"] * 2 + ["shown", "opened", "helpful", "dismissed", "search"]
APPS = [f"app{i}" for i in range(40)] + ["other"] * 20


def _events(start: float, rng: random.Random, count: int) -> list[tuple]:
    rows = []
    for i in range(count):
        kind = rng.choice(KINDS)
        ts = start + i * 86400 / count
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


def _same(counts: DayCounts, expected: DayCounts, what: str) -> None:
    require(not counts.is_empty(), f"{what}: the day's counts are empty")
    require(counts == expected, f"{what}: the counts differ from the pure-Python ones")


def _report(counts: DayCounts) -> bytes:
    data = canonical_bytes(build_report(counts, DAY, batch_id="bench"))
    require(len(data) > 100, f"the report is {len(data)} bytes")
    return data


def run(quick: bool = False) -> Iterator[dict]:
    count = QUICK_EVENTS if quick else EVENTS
    repeat = 1 if quick else 3
    rng = random.Random(42)
    start, end = day_bounds(DAY, UTC)
    # A day of events plus a day either side, as the log holds several days.
    day = _events(start, rng, count)
    events = _events(start - 86400, rng, count)[::4] + day + _events(end, rng, count)[::4]
    known = set(APPS) - {"other"}
    expected = count_events(events, start, end, known)
    before = DAY - dt.timedelta(days=1)
    expected_before = count_events(events, *day_bounds(before, UTC), known)
    require(sum(c for c, _ in expected.apps.values()) > count // 3, "too few contexts counted")
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
        for _ in range(repeat):
            t0 = time.perf_counter()
            counts = day_counts(db, DAY, known, UTC)
            report = _report(counts)
            sql_times.append(time.perf_counter() - t0)
            _same(counts, expected, "SQL")
            for index, times in by_plan.items():
                t0 = time.perf_counter()
                indexed = day_counts(db, DAY, known, UTC, index=index)
                times.append(time.perf_counter() - t0)
                _same(indexed, expected, f"SQL by {index}")
        for _ in range(max(1, repeat - 1)):
            t0 = time.perf_counter()
            pure = count_events(events, start, end, known)
            pure_report = _report(pure)
            py_times.append(time.perf_counter() - t0)
            _same(pure, expected, "pure Python")
        require(pure_report == report, "SQL and pure-Python reports differ")
        # The day before holds a sixth of the log: the time index is the cheaper way there.
        small_plan = plan(db, *day_bounds(before, UTC))
        small_times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            small = day_counts(db, before, known, UTC)
            small_times.append(time.perf_counter() - t0)
            _same(small, expected_before, "SQL, the day before")
        db.close()
    yield metric("report_1m_events_s", min(sql_times), "s", 1, path=chosen, log_events=len(events))
    for index, times in by_plan.items():
        yield metric(
            f"report_1m_events_{index}_s",
            min(times),
            "s",
            None,
            info="the same count forced through one index, to check the planner's choice",
        )
    yield metric(
        "report_250k_of_1_5m_events_s",
        min(small_times),
        "s",
        None,
        path=small_plan,
        info="a small day of a large log, where the time index should win",
    )
    yield metric(
        "report_1m_events_python_s",
        min(py_times),
        "s",
        None,
        path="pure-python",
        info="the pure-Python count the SQL path is compared with",
    )
