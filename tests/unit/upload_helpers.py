"""Helpers for the upload tests: a settable clock, settings with consent, a counting collector."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.settings import Policy, Settings, Value
from app.store.db import open_database
from app.store.usage import UsageLog

UTC = dt.timezone.utc
TODAY = dt.date(2026, 11, 21)
YESTERDAY = TODAY - dt.timedelta(days=1)
NOON_TODAY = dt.datetime(2026, 11, 21, 12, tzinfo=UTC).timestamp()
TOKEN = "s3cret-token"
STALL_LIMIT = 120.0  # seconds a stalled answer waits for its release at most


class Clock:
    """A settable clock (Unix seconds)."""

    def __init__(self, now: float = NOON_TODAY) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class TestSettings:
    """Real Settings under a real policy that fixes the upload keys a test chooses."""

    __test__ = False

    def __init__(
        self,
        data_dir: Path,
        endpoint: str,
        *,
        allowed: bool = True,
        enabled: bool = True,
        kind: str = "https",
        cohort: str | None = None,
        extra: dict[str, Value] | None = None,
    ) -> None:
        locked: dict[str, Value] = {
            "upload.allowed": allowed,
            "upload.endpoint": endpoint,
            "upload.kind": kind,
        }
        if cohort is not None:
            locked["upload.cohort"] = cohort
        locked.update(extra or {})
        self.inner = Settings(data_dir, Policy(None, locked, {}))
        self.inner.set("upload.enabled", enabled)

    def get(self, key: str) -> Value:
        return self.inner.get(key)

    def origin(self, key: str) -> str:
        return self.inner.origin(key)

    def set(self, key: str, value: Value) -> None:
        self.inner.set(key, value)


def fill_usage(path: Path, day: dt.date = YESTERDAY, query: str = "vlookup") -> None:
    """A few events on `day` (UTC noon) in the usage log at `path`."""
    db, _ = open_database(path)
    at = dt.datetime.combine(day, dt.time(12), UTC).timestamp()
    log = UsageLog(db, known_apps={"excel"}, clock=lambda: at)
    log.record("context", app="excel")
    log.record("context", app="firefox")
    log.record("matched", "acme.finance", "pivot-refresh", "excel")
    log.record("shown", "acme.finance", "pivot-refresh", "excel")
    log.record("helpful", "acme.finance", "pivot-refresh", "excel")
    log.record("search", query=query, results=0, answered=False)
    db.close()


@dataclass
class Collector:
    """A report collector: stores each batch_id once (its idempotency contract), counts posts.

    `script` holds responses to give before answering normally: an int status, a
    (status, headers) pair, or a threading.Event (store, then answer 201 only once the test
    sets it: a stall that lasts past any client timeout however slow the machine is).
    """

    posts: list[bytes] = field(default_factory=list)
    stored: dict[str, bytes] = field(default_factory=dict)
    auth: list[str] = field(default_factory=list)
    script: list[object] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self, request: Request) -> Response:
        body = request.get_data()
        with self.lock:
            self.posts.append(body)
            self.auth.append(request.headers.get("Authorization", ""))
            step = self.script.pop(0) if self.script else None
        if isinstance(step, int):
            return Response("busy", status=step)
        if isinstance(step, tuple):
            return Response("slow down", status=step[0], headers=step[1])
        batch = json.loads(body)["batch_id"]
        with self.lock:
            self.stored.setdefault(batch, body)
        if isinstance(step, threading.Event):
            step.wait(STALL_LIMIT)
        return Response('{"ok":true}', status=201, content_type="application/json")

    def attach(self, server: HTTPServer, path: str = "/reports") -> str:
        server.expect_request(path, method="POST").respond_with_handler(self.handler)
        return server.url_for(path)
