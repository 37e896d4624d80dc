"""xAPI uploads through every fault, to a real LRS (Ralph) behind an HTTPS front on loopback
that plays the fault (tests/e2e/fault_proxy.py, throw-away CA): connection refused, 500, 429
with Retry-After, a stall past the timeout, a bad certificate, the server dying mid-upload and
the app killed mid-upload. After recovery the LRS holds each statement exactly once, counted
there."""

from __future__ import annotations

import os
import random
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tests.unit.conftest as unit_fixtures
from app.core.xapi import statement_id
from app.store.db import open_database
from app.sync.sources import HttpClient
from app.sync.upload import Uploader
from tests.e2e.apps import wait_for
from tests.e2e.fault_proxy import DIE, FaultProxy, Stall, Status, Step
from tests.e2e.lrs import PASSWORD, Lrs
from tests.unit.conftest import Tls
from tests.unit.upload_helpers import UTC, Clock, TestSettings, fill_usage

pytestmark = pytest.mark.e2e
tls = unit_fixtures.tls
# Generous for a loaded machine: only the stall case waits it out.
TIMEOUT = 3.0
ORG = "org-faults-41c2"
DAY = "2026-11-20"  # upload_helpers' yesterday


def _expected(batch: str) -> set[str]:
    """The ids of the one report's statements: its card, and its day summary."""
    return {
        statement_id(ORG, batch, "acme.finance", "pivot-refresh"),
        statement_id(ORG, batch, "", ""),
    }


def _settings(data: Path, endpoint: str) -> TestSettings:
    return TestSettings(data, endpoint, kind="xapi", extra={"upload.org_account": ORG})


def _uploader(
    data: Path, endpoint: str, user: str, clock: Clock, context: ssl.SSLContext | None
) -> Uploader:
    db_path = data / "cuecards.db"
    if not db_path.exists():
        fill_usage(db_path)
    db, _ = open_database(db_path)
    return Uploader(
        db,
        _settings(data, endpoint),
        client=HttpClient(timeout=TIMEOUT, ssl_context=context),
        clock=clock,
        rng=random.Random(7),
        secrets=lambda endpoint: f"{user}:{PASSWORD}",
        tz=UTC,
        known_apps=lambda: {"excel"},
    )


def _stored_once(lrs: Lrs, user: str) -> None:
    stored = lrs.statements(user)
    ids = [s["id"] for s in stored]
    batches = {s["context"]["extensions"]["https://cuecards.example/xapi/extensions/batch-id"]
               for s in stored}  # fmt: skip
    assert len(batches) == 1, batches
    assert sorted(ids) == sorted(_expected(batches.pop())), ids


@pytest.fixture
def proxy(request: pytest.FixtureRequest, lrs: Lrs, tls: Tls) -> Iterator[FaultProxy]:
    script: list[Step] = getattr(request, "param", [])
    with FaultProxy(lrs.endpoint, tls.server, script) as front:
        yield front


@pytest.mark.parametrize(
    ("proxy", "user", "said", "forwarded"),
    [
        ([Status(500)], 3, "the server answered 500", 1),
        ([Stall(2 * TIMEOUT)], 4, "no answer within 3 s", 2),
        ([DIE], 5, "tried again later", 2),
    ],
    indirect=["proxy"],
    ids=["500", "stall-past-timeout", "server-dies-mid-upload"],
)
def test_a_fault_then_recovery_stores_each_statement_once(
    tmp_path: Path, lrs: Lrs, tls: Tls, proxy: FaultProxy, user: int, said: str, forwarded: int
) -> None:
    name = lrs.users[user]
    clock = Clock()
    up = _uploader(tmp_path, proxy.url("/xAPI"), name, clock, tls.client)
    failed = up.run_due()
    assert failed.state == "failed" and said in failed.message, failed.message
    [waiting] = up.outbox.pending()
    clock.now = waiting.next_attempt  # the backoff is over
    done = up.run_due()
    assert done.state == "delivered", done.message
    assert proxy.forwarded == forwarded  # a stall or a death: the LRS had it already (409)
    _stored_once(lrs, name)
    assert up.run_due(now=True).state == "idle"


@pytest.mark.parametrize(
    "proxy", [[Status(429, {"Retry-After": "120"})]], indirect=True, ids=["429"]
)
def test_429_waits_for_retry_after_then_stores_once(
    tmp_path: Path, lrs: Lrs, tls: Tls, proxy: FaultProxy
) -> None:
    name = lrs.users[6]
    clock = Clock()
    up = _uploader(tmp_path, proxy.url("/xAPI"), name, clock, tls.client)
    assert up.run_due().state == "failed"
    [waiting] = up.outbox.pending()
    assert waiting.next_attempt == clock.now + 120
    clock.now += 119
    assert up.run_due().state == "idle" and proxy.forwarded == 0  # not before its time
    clock.now += 1
    assert up.run_due().state == "delivered"
    _stored_once(lrs, name)


def test_connection_refused_then_recovery_stores_once(
    tmp_path: Path, lrs: Lrs, tls: Tls, proxy: FaultProxy
) -> None:
    name = lrs.users[7]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"https://127.0.0.1:{probe.getsockname()[1]}/xAPI"
    clock = Clock()
    failed = _uploader(tmp_path, closed, name, clock, tls.client).run_due()
    assert failed.message == (
        f"{closed}/statements: the connection was refused (is the upload server running?); "
        "tried again later"
    )
    assert lrs.statements(name) == []
    up = _uploader(tmp_path, proxy.url("/xAPI"), name, clock, tls.client)
    assert up.run_due(now=True).state == "delivered"
    _stored_once(lrs, name)


def test_a_bad_certificate_is_refused_before_anything_is_sent(
    tmp_path: Path, lrs: Lrs, tls: Tls, proxy: FaultProxy
) -> None:
    name = lrs.users[8]
    clock = Clock()
    # The first client trusts only the system's CAs, not the throw-away one of the front.
    failed = _uploader(tmp_path, proxy.url("/xAPI"), name, clock, None).run_due()
    assert failed.state == "failed" and "certificate is not trusted" in failed.message
    assert proxy.forwarded == 0 and lrs.statements(name) == []
    up = _uploader(tmp_path, proxy.url("/xAPI"), name, clock, tls.client)
    assert up.run_due(now=True).state == "delivered"
    _stored_once(lrs, name)


_KILLED_CHILD = """
import random, ssl, sys
from pathlib import Path
from app.store.db import open_database
from app.sync.sources import HttpClient
from app.sync.upload import Uploader
from tests.unit.upload_helpers import TestSettings, Clock, UTC
data, url, ca, secret, org = Path(sys.argv[1]), *sys.argv[2:]
db, _ = open_database(data / "cuecards.db")
settings = TestSettings(data, url, kind="xapi", extra={"upload.org_account": org})
client = HttpClient(timeout=600, ssl_context=ssl.create_default_context(cafile=ca))
up = Uploader(db, settings, client=client, clock=Clock(), tz=UTC, rng=random.Random(1),
              secrets=lambda e: secret, known_apps=lambda: {"excel"})
up.run_due()
"""


@pytest.mark.parametrize("proxy", [[Stall(600.0)]], indirect=True, ids=["answer-held"])
def test_the_app_killed_mid_upload_delivers_once_after_restart(
    tmp_path: Path, lrs: Lrs, tls: Tls, proxy: FaultProxy
) -> None:
    """Killed while the LRS has the statements but its answer has not come: the report is
    still in the outbox; after the restart it goes again and the LRS keeps one of each."""
    name = lrs.users[9]
    fill_usage(tmp_path / "cuecards.db")
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(tmp_path), proxy.url("/xAPI"),
         str(tls.ca_file), f"{name}:{PASSWORD}", ORG],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )  # fmt: skip
    try:
        wait_for(lambda: len(lrs.statements(name)) == 2, "the statements at the LRS", 60)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    up = _uploader(tmp_path, proxy.url("/xAPI"), name, Clock(), tls.client)
    [queued] = up.outbox.pending()
    assert queued.attempts == 0  # the killed attempt never finished
    assert up.run_due().state == "delivered"
    _stored_once(lrs, name)
    assert proxy.forwarded == 2
