"""The upload outbox on a real SQLite file: queue, due, backoff with jitter, cap, crash safety."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

import pytest

from app.store.db import open_database
from app.store.outbox import MAX_DELAY, Outbox, OutboxFull, backoff

DAY = dt.date(2026, 11, 20)


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _outbox(path: Path, clock: Clock, **kw: object) -> Outbox:
    db, _ = open_database(path)
    return Outbox(db, clock=clock, rng=random.Random(3), **kw)  # type: ignore[arg-type]


def test_a_queued_report_is_due_at_once_and_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock)
    box.enqueue(b'{"a":1}', "batch-1", DAY)
    # Another connection, as after the app was killed: the report is there, bytes intact.
    again = _outbox(tmp_path / "c.db", clock)
    [due] = again.due()
    assert (due.batch_id, due.day, due.payload, due.attempts) == ("batch-1", DAY, b'{"a":1}', 0)


def test_a_delivered_report_is_not_due_and_its_day_is_not_queued_twice(tmp_path: Path) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock)
    box.enqueue(b"x", "batch-1", DAY)
    box.mark_delivered("batch-1")
    assert box.due() == [] and box.pending() == []
    assert box.has_day(DAY) and box.last_day() == DAY
    with pytest.raises(ValueError, match="already queued"):
        box.enqueue(b"y", "batch-2", DAY)


def test_failures_back_off_exponentially_with_jitter(tmp_path: Path) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock)
    box.enqueue(b"x", "b", DAY)
    delays = []
    for _ in range(12):
        pending = box.record_failure("b", "the server answered 500")
        delays.append(pending.next_attempt - clock.now)
        assert box.due() == []
        clock.now = pending.next_attempt
        assert [p.batch_id for p in box.due()] == ["b"]
    assert pending.attempts == 12 and pending.last_error == "the server answered 500"
    assert 30 <= delays[0] <= 60 and 60 <= delays[1] <= 120
    assert all(MAX_DELAY / 2 <= d <= MAX_DELAY for d in delays[-3:])
    # Jitter: two machines failing together do not retry together.
    assert backoff(5, random.Random(1)) != backoff(5, random.Random(2))


def test_retry_after_from_the_server_wins_over_backoff(tmp_path: Path) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock)
    box.enqueue(b"x", "b", DAY)
    pending = box.record_failure("b", "429", retry_after=7200)
    assert pending.next_attempt == clock.now + 7200


def test_the_cap_refuses_a_new_report_with_a_clear_message_and_drops_nothing(
    tmp_path: Path,
) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock, max_pending=3)
    for i in range(3):
        box.enqueue(b"x", f"b{i}", DAY + dt.timedelta(days=i))
    with pytest.raises(OutboxFull) as info:
        box.enqueue(b"x", "b3", DAY + dt.timedelta(days=3))
    message = str(info.value)
    assert "3 reports are waiting" in message and "2026-11-23" in message
    assert "upload.endpoint" in message
    assert [p.batch_id for p in box.pending()] == ["b0", "b1", "b2"]
    box.mark_delivered("b0")
    box.enqueue(b"x", "b3", DAY + dt.timedelta(days=3))
    assert len(box.pending()) == 3


def test_retry_now_makes_waiting_reports_due(tmp_path: Path) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock)
    box.enqueue(b"x", "b", DAY)
    box.record_failure("b", "down")
    assert box.due() == []
    assert box.retry_now() == 1
    assert [p.batch_id for p in box.due()] == ["b"]


def test_the_outbox_table_holds_only_report_bytes(tmp_path: Path) -> None:
    _outbox(tmp_path / "c.db", Clock())
    columns = {
        row[1] for row in sqlite3.connect(tmp_path / "c.db").execute("PRAGMA table_info(outbox)")
    }
    assert columns == {
        "batch_id", "day", "payload", "created_at", "attempts", "next_attempt", "last_error",
        "delivered_at",
    }  # fmt: skip


def test_old_delivered_reports_are_forgotten_but_the_latest_day_is_kept(tmp_path: Path) -> None:
    clock = Clock()
    box = _outbox(tmp_path / "c.db", clock)
    for i in range(3):
        box.enqueue(b"x", f"b{i}", DAY + dt.timedelta(days=i))
        box.mark_delivered(f"b{i}")
    box.enqueue(b"x", "waiting", DAY + dt.timedelta(days=3))
    clock.now += 200 * 86400
    box.enqueue(b"x", "newest", DAY + dt.timedelta(days=4))
    box.mark_delivered("newest")
    clock.now += 1
    assert box.prune_delivered(180) == 3
    assert [p.batch_id for p in box.pending()] == ["waiting"]
    assert box.last_day() == DAY + dt.timedelta(days=4)
    assert box.get("newest") is not None
