"""Uploading reports to a real HTTPS collector on loopback (trustme CA), with real faults.

After every fault and recovery, each report is stored at the collector exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import keyring
import pytest
from keyring.backends import fail
from pytest_httpserver import HTTPServer

from app.settings import SettingError
from app.store.db import open_database
from app.sync.sources import HttpClient
from app.sync.upload import (
    Uploader,
    UploadStatus,
    next_payload_preview,
    read_secret,
    run_upload,
)
from tests.unit.conftest import Tls
from tests.unit.upload_helpers import (
    TOKEN,
    UTC,
    YESTERDAY,
    Clock,
    Collector,
    TestSettings,
    fill_usage,
)

# Generous: a loaded machine answers on loopback well within it. The stall test's collector
# does not answer at all until the client has given up, so no timeout is too short there.
CLIENT_TIMEOUT = 10.0
STALL_TIMEOUT = 2.0


def _uploader(
    tmp_path: Path,
    endpoint: str,
    tls: Tls | None,
    clock: Clock,
    timeout: float = CLIENT_TIMEOUT,
    **kw: object,
) -> Uploader:
    db_path = tmp_path / "cuecards.db"
    if not db_path.exists():
        fill_usage(db_path)
    db, _ = open_database(db_path)
    settings = TestSettings(tmp_path, endpoint, **kw)  # type: ignore[arg-type]
    client = HttpClient(timeout=timeout, ssl_context=tls.client if tls else None)
    return Uploader(
        db,
        settings,
        client=client,
        clock=clock,
        rng=random.Random(5),
        secrets=lambda endpoint: TOKEN,
        tz=UTC,
        known_apps=lambda: {"excel"},
    )


def test_without_consent_nothing_is_queued_or_sent(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    collector = Collector()
    url = collector.attach(https_server)
    for allowed, enabled, word in ((False, True, "policy"), (True, False, "you have not")):
        box = tmp_path / f"{allowed}-{enabled}"
        box.mkdir()
        up = _uploader(box, url, tls, Clock(), allowed=allowed, enabled=enabled)
        status = up.run_due(now=True)
        assert status.state == "off" and word in status.message
        assert up.outbox.pending() == []
    assert collector.posts == []


def test_the_preview_bytes_are_the_bytes_the_collector_receives(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    collector = Collector()
    up = _uploader(tmp_path, collector.attach(https_server), tls, Clock(), cohort="finance")
    preview, note = up.next_payload()
    assert "2026-11-20" in note
    status = up.run_due()
    assert (status.state, status.delivered, status.pending) == ("delivered", 1, 0)
    assert collector.posts == [preview]
    assert collector.auth == [f"Bearer {TOKEN}"]
    report = json.loads(preview)
    assert report["day"] == "2026-11-20" and report["cohort"] == "finance"
    assert report["apps"] == [
        {"app": "excel", "contexts": 1, "matched": 1},
        {"app": "other", "contexts": 1, "matched": 0},
    ]
    assert report["search"] == {"searches": 1, "unanswered": 1, "zero_results": 1}
    # The next day the same report is not sent again.
    assert up.run_due(now=True).state == "idle"
    assert len(collector.stored) == 1


def test_a_cohort_the_person_set_is_never_sent(tmp_path: Path, tls: Tls) -> None:
    (tmp_path / "settings.json").write_text('{"upload.cohort": "my-own-label"}')
    up = _uploader(tmp_path, "https://127.0.0.1:9/reports", tls, Clock())
    with pytest.raises(SettingError, match="can only be set by your administrator's policy"):
        up.settings.set("upload.cohort", "my-own-label")  # type: ignore[attr-defined]
    payload, _ = up.next_payload()
    assert b"my-own-label" not in payload and "cohort" not in json.loads(payload)


def test_500_then_recovery_delivers_once(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    clock = Clock()
    collector = Collector(script=[500])
    up = _uploader(tmp_path, collector.attach(https_server), tls, clock)
    failed = up.run_due()
    assert failed.state == "failed" and "answered 500" in failed.message
    [waiting] = up.outbox.pending()
    assert waiting.attempts == 1 and 30 <= waiting.next_attempt - clock.now <= 60
    assert up.run_due().state == "idle"  # not due yet: no hammering
    clock.now = waiting.next_attempt
    assert up.run_due().state == "delivered"
    assert len(collector.posts) == 2 and len(collector.stored) == 1


def test_429_retry_after_is_honoured(tmp_path: Path, tls: Tls, https_server: HTTPServer) -> None:
    clock = Clock()
    collector = Collector(script=[(429, {"Retry-After": "120"})])
    up = _uploader(tmp_path, collector.attach(https_server), tls, clock)
    assert up.run_due().state == "failed"
    [waiting] = up.outbox.pending()
    assert waiting.next_attempt == clock.now + 120
    clock.now += 119
    assert up.run_due().state == "idle"
    clock.now += 1
    assert up.run_due().state == "delivered"
    assert len(collector.stored) == 1


def test_connection_refused_waits_and_retries(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    clock = Clock()
    endpoint = f"https://127.0.0.1:{closed_port}/reports"
    up = _uploader(tmp_path, endpoint, tls, clock)
    failed = up.run_due()
    assert failed.state == "failed"
    assert failed.message == (
        f"{endpoint}: the connection was refused (is the upload server running?); tried again later"
    )
    assert len(up.outbox.pending()) == 1
    collector = Collector()
    up2 = _uploader(tmp_path, collector.attach(https_server), tls, clock)
    assert up2.run_due(now=True).state == "delivered"
    assert len(collector.stored) == 1


def test_a_stall_past_the_timeout_is_retried_and_stored_once(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    clock = Clock()
    stall = threading.Event()
    collector = Collector(script=[stall])  # stores the report, then answers only when released
    up = _uploader(tmp_path, collector.attach(https_server), tls, clock, timeout=STALL_TIMEOUT)
    try:
        failed = up.run_due()
    finally:
        stall.set()
    assert failed.state == "failed" and "no answer within 2 s" in failed.message
    assert up.run_due(now=True).state == "delivered"
    # The collector got it twice with the same batch_id, and keeps it once.
    assert len(collector.posts) == 2 and collector.posts[0] == collector.posts[1]
    assert len(collector.stored) == 1


def test_a_bad_certificate_is_refused(tmp_path: Path, tls: Tls, https_server: HTTPServer) -> None:
    collector = Collector()
    url = collector.attach(https_server)
    # The client trusts only the system store, not the throw-away CA of this server.
    up = _uploader(tmp_path, url, None, Clock())
    failed = up.run_due()
    assert failed.state == "failed" and "certificate is not trusted" in failed.message
    assert collector.posts == [] and len(up.outbox.pending()) == 1
    # Once the certificate is trusted (IT installed the CA), the report goes, once.
    assert _uploader(tmp_path, url, tls, Clock()).run_due(now=True).state == "delivered"
    assert len(collector.posts) == 1 and len(collector.stored) == 1


def test_plain_http_is_refused_except_to_loopback(tmp_path: Path) -> None:
    up = _uploader(tmp_path, "http://collector.example/reports", None, Clock())
    status = up.run_due()
    assert status.state == "waiting"
    assert status.message == (
        "waiting: upload.endpoint http://collector.example/reports: plain http is refused "
        "(anyone on the network could read or change the reports); use an https:// URL"
    )
    ftp = _uploader(tmp_path, "ftp://collector.example/reports", None, Clock()).run_due()
    assert "upload.endpoint takes an https:// URL" in ftp.message
    assert len(up.outbox.pending()) == 1


@pytest.fixture
def dying_server(tls: Tls) -> Iterator[str]:
    """An HTTPS server on loopback that reads the start of the request, then dies (closes the
    connection without an answer)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        raw, _ = listener.accept()
        with tls.server.wrap_socket(raw, server_side=True) as conn:
            conn.recv(64)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/reports"
    listener.close()
    thread.join(timeout=5)


def test_a_server_dying_mid_upload_leaves_the_report_queued(
    tmp_path: Path, tls: Tls, https_server: HTTPServer, dying_server: str
) -> None:
    clock = Clock()
    up = _uploader(tmp_path, dying_server, tls, clock)
    failed = up.run_due()
    assert failed.state == "failed" and "tried again later" in failed.message
    assert len(up.outbox.pending()) == 1
    collector = Collector()
    up2 = _uploader(tmp_path, collector.attach(https_server), tls, clock)
    assert up2.run_due(now=True).state == "delivered"
    assert len(collector.stored) == 1 and len(collector.posts) == 1


_KILLED_CHILD = """
import random, sys, time, datetime as dt
from pathlib import Path
from app.store.db import open_database
from app.sync.upload import Uploader
from tests.unit.upload_helpers import TestSettings, Clock, UTC
tmp = Path(sys.argv[1])
db, _ = open_database(tmp / "cuecards.db")
up = Uploader(db, TestSettings(tmp, sys.argv[2]), clock=Clock(), tz=UTC,
              secrets=lambda e: "t", known_apps=lambda: {"excel"})
up.prepare()
print("queued", flush=True)
time.sleep(600)
"""


def test_the_app_killed_with_reports_queued_delivers_them_once_after_restart(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    fill_usage(tmp_path / "cuecards.db")
    collector = Collector()
    url = collector.attach(https_server)
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(tmp_path), url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "queued"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    up = _uploader(tmp_path, url, tls, Clock())
    [queued] = up.outbox.pending()
    assert up.run_due().state == "delivered"
    assert list(collector.stored) == [queued.batch_id] and len(collector.posts) == 1


def test_without_a_usable_keyring_the_upload_waits_and_says_why(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    collector = Collector()
    up = _uploader(tmp_path, collector.attach(https_server), tls, Clock())
    up._secrets = read_secret  # the real keyring lookup
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        status = up.run_due()
    finally:
        keyring.set_keyring(previous)
    assert status.state == "waiting"
    assert "no usable keyring" in status.message and "never in a file" in status.message
    assert collector.posts == [] and len(up.outbox.pending()) == 1
    assert not any(p.suffix in (".json", ".txt") and "secret" in p.name for p in tmp_path.iterdir())


def test_the_outbox_cap_is_reported_and_nothing_is_dropped(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    clock = Clock()
    for days_back in range(1, 5):
        fill_usage(tmp_path / "cuecards.db", YESTERDAY.replace(day=21 - days_back))
    collector = Collector(script=[500])
    up = _uploader(tmp_path, collector.attach(https_server), tls, clock)
    # An earlier report went out on the 16th; the app then did not run until today.
    up.outbox.enqueue(b"{}", "earlier", YESTERDAY.replace(day=16))
    up.outbox.mark_delivered("earlier")
    up.outbox.max_pending = 2
    status = up.run_due()
    assert status.state == "failed" and status.pending == 2
    payload, note = up.next_payload()
    assert "2 reports are waiting" in note
    clock.now += 10 * 3600
    done = up.run_due()
    assert done.state == "delivered" and "2 report(s) delivered" in done.message
    # Room again: the remaining days are queued and delivered on the next run.
    assert up.run_due().delivered == 2
    assert len(collector.stored) == 4
    assert payload in collector.stored.values()


def test_the_first_report_covers_yesterday_only(tmp_path: Path, tls: Tls) -> None:
    for days_back in range(1, 4):
        fill_usage(tmp_path / "cuecards.db", YESTERDAY.replace(day=21 - days_back))
    up = _uploader(tmp_path, "https://127.0.0.1:9/reports", tls, Clock())
    assert [p.day for p in up.prepare()] == [YESTERDAY]
    assert up.prepare() == []


def test_the_records_window_text_is_the_exact_next_payload(tmp_path: Path, tls: Tls) -> None:
    up = _uploader(tmp_path, "https://127.0.0.1:9/reports", tls, Clock())
    services = SimpleNamespace(db=up._db, settings=up.settings)
    payload, note = up.next_payload()
    shown = next_payload_preview(services)
    assert (shown.payload, shown.note, shown.queued) == (payload, note, True)
    up.settings.set("upload.enabled", False)  # type: ignore[attr-defined]
    off = next_payload_preview(services)
    assert not off.queued and "you have not turned them on" in off.note


def test_a_worker_thread_uploads_on_its_own_connection(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    fill_usage(tmp_path / "cuecards.db")
    collector = Collector()
    settings = TestSettings(tmp_path, collector.attach(https_server))
    results: list[UploadStatus] = []
    worker = threading.Thread(
        target=lambda: results.append(
            run_upload(
                tmp_path / "cuecards.db",
                settings,
                client=HttpClient(timeout=CLIENT_TIMEOUT, ssl_context=tls.client),
                clock=Clock(),
                tz=UTC,
                secrets=lambda endpoint: TOKEN,
                known_apps=lambda: {"excel"},
            )
        )
    )
    worker.start()
    worker.join(timeout=60)
    assert [r.state for r in results] == ["delivered"]
    assert len(collector.stored) == 1


def test_days_with_uploads_off_are_never_reported(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    clock = Clock()
    collector = Collector()
    url = collector.attach(https_server)
    up = _uploader(tmp_path, url, tls, clock, enabled=False)
    assert up.run_due().state == "off"  # seen off on the 21st
    fill_usage(tmp_path / "cuecards.db", YESTERDAY.replace(day=21))
    fill_usage(tmp_path / "cuecards.db", YESTERDAY.replace(day=22))
    up.settings.set("upload.enabled", True)  # type: ignore[attr-defined]
    assert up.run_due().state == "idle"  # the 20th had uploads off
    clock.now += 86400  # the 22nd: the 21st had uploads off too
    assert up.run_due().state == "idle"
    clock.now += 86400  # the 23rd: the 22nd is the first day fully with uploads on
    assert up.run_due().delivered == 1
    assert [json.loads(b)["day"] for b in collector.stored.values()] == ["2026-11-22"]


def test_a_day_queued_by_another_connection_meanwhile_is_not_queued_twice(
    tmp_path: Path, tls: Tls
) -> None:
    app_run = _uploader(tmp_path, "https://127.0.0.1:9/reports", tls, Clock())
    preview = _uploader(tmp_path, "https://127.0.0.1:9/reports", tls, Clock())
    days = preview.days_to_queue()  # the preview decided what to queue …
    [queued] = app_run.prepare()  # … when the app's daily run queued it first
    preview.days_to_queue = lambda: days  # type: ignore[method-assign]
    assert preview.prepare() == []
    assert [p.batch_id for p in preview.outbox.pending()] == [queued.batch_id]


def test_turning_uploads_off_during_a_run_stops_before_the_next_report(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    for days_back in (1, 2):
        fill_usage(tmp_path / "cuecards.db", YESTERDAY.replace(day=21 - days_back))
    collector = Collector()
    up = _uploader(tmp_path, collector.attach(https_server), tls, Clock())
    up.outbox.enqueue(b"{}", "earlier", YESTERDAY.replace(day=18))
    up.outbox.mark_delivered("earlier")
    sink = up.sink()

    class TurnedOffAfterOne:
        def deliver(self, pending):  # noqa: ANN001, ANN202
            outcome = sink.deliver(pending)
            up.settings.set("upload.enabled", False)  # type: ignore[attr-defined]
            return outcome

    up.sink = lambda: TurnedOffAfterOne()  # type: ignore[method-assign]
    status = up.run_due()
    assert status.state == "off" and status.delivered == 1 and status.pending == 1
    assert len(collector.stored) == 1
