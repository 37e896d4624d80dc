"""Helpers for the collector tests and benchmark: a real `cuecards collect serve` process, the
CLI, a plain HTTP client, sample reports as the app builds them, and what the database holds."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.aggregates import DayCounts, build_report, canonical_bytes

ROOT = Path(__file__).resolve().parents[2]
READY = "cuecards: collecting reports at "
YESTERDAY = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)


def cli(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m app ARGS` from the worktree, output captured."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip


def add_token(db: str, *extra: str) -> str:
    """A new token made by `collect token add`; its text."""
    done = cli("collect", "token", "add", "--db", db, *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def report_bytes(
    batch_id: str | None = None,
    day: dt.date = YESTERDAY,
    cards: int = 2,
    cohort: str | None = None,
) -> bytes:
    """A report built by the app's own code (today's schema), with `cards` cards."""
    counts = DayCounts(
        cards={
            ("acme.finance", f"card-{i}"): {
                "shown": 3,
                "opened": 1,
                "helpful": 1,
                "unhelpful": 0,
                "dismissed": 1,
                "muted": 0,
            }
            for i in range(cards)
        },  # fmt: skip
        apps={"excel": [5, 2], "other": [7, 0]},
        searches=4,
        zero_results=1,
    )
    report = build_report(counts, day, batch_id=batch_id or str(uuid.uuid4()), cohort=cohort)
    return canonical_bytes(report)


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names) and the JSON body (or None)."""

    status: int
    headers: dict[str, str]
    body: Any


def post(
    url: str,
    body: bytes,
    token: str | None,
    headers: dict[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    method: str = "POST",
) -> Answer:
    """One request on a new connection (as the app makes them)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, context=context, timeout=30
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    sent = {"Content-Type": "application/json"}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers or {})
    try:
        conn.request(method, parts.path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data
    return Answer(response.status, found, parsed)


@dataclass
class Collector:
    """A running `cuecards collect serve`; its log file holds stderr (access log included)."""

    db: str
    log: Path
    args: tuple[str, ...] = ()
    proc: subprocess.Popen[bytes] | None = None
    base: str = ""
    port: int = 0
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.base + "/v1/reports"

    def start(self, port: int | None = None, timeout: float = 30) -> Collector:
        """Start it (on `port`, else its last one, else any free one); wait until it listens."""
        chosen = port if port is not None else self.port
        env = {**os.environ, "PYTHONPATH": str(ROOT), **self.env}
        handle = self.log.open("ab")
        offset = handle.tell()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "collect", "serve", "--db", self.db,
             "--port", str(chosen), *self.args],
            cwd=ROOT, env=env, stdout=handle, stderr=handle,
        )  # fmt: skip
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[offset:].decode(errors="replace")
            if READY in text:
                line = text.split(READY, 1)[1].split()[0]
                self.base = line.rsplit("/v1/reports", 1)[0]
                self.port = int(self.base.rsplit(":", 1)[1])
                return self
            if self.proc.poll() is not None:
                raise AssertionError(f"the collector exited {self.proc.returncode}:\n{text}")
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the collector did not start within {timeout} s:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (a graceful stop); its exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


def stored(db: str) -> dict[str, int]:
    """batch_id -> number of rows of that batch in `reports`, from SQLite or PostgreSQL."""
    query = "SELECT batch_id, count(*) FROM reports GROUP BY batch_id"
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn:
            return {str(r[0]): int(r[1]) for r in conn.execute(query).fetchall()}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {str(r[0]): int(r[1]) for r in conn.execute(query).fetchall()}
    finally:
        conn.close()


def query(db: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of one SELECT on the collector's database."""
    if db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()
