"""The running app's uploads: planned by one single-shot timer, run on a worker thread against a
real HTTPS collector (throw-away CA), only with consent; the records window shows the exact
bytes `cuecards report preview --json` prints."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication
from pytest_httpserver import HTTPServer

import tests.unit.conftest as unit_fixtures
from app.desktop.watch.detect import Detection
from app.paths import DB_FILE
from app.settings import Policy
from app.store.outbox import Outbox
from app.store.services import Services
from app.sync.sources import HttpClient
from app.sync.upload import run_upload
from app.tray.companion import Companion
from app.tray.upload_scheduler import (
    AFTER_MIDNIGHT,
    MIDNIGHT_SPREAD,
    WAITING_RETRY,
    Run,
    UploadScheduler,
    next_delay,
    seconds_to_next_day,
)
from app.ui.records import NOT_SENT, SENT_NEXT
from tests.unit.conftest import Tls
from tests.unit.upload_helpers import TOKEN, Collector, fill_usage

ROOT = Path(__file__).resolve().parents[2]
tls = unit_fixtures.tls
https_server = unit_fixtures.https_server
UTC = dt.timezone.utc
YESTERDAY = dt.date.today() - dt.timedelta(days=1)


def _policy(tmp_path: Path, endpoint: str, allowed: bool = True) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(
        f'[locked]\nupload.allowed = {str(allowed).lower()}\nupload.endpoint = "{endpoint}"\n'
        "[defaults]\nupload.start_delay_seconds = 30\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def services(tmp_path: Path, https_server: HTTPServer) -> Iterator[tuple[Services, Collector]]:
    collector = Collector()
    policy = _policy(tmp_path, collector.attach(https_server))
    data = tmp_path / "data"
    data.mkdir()
    fill_usage(data / DB_FILE, YESTERDAY)
    opened = Services(data, Policy.load(policy))
    opened.settings.set("upload.enabled", True)
    try:
        yield opened, collector
    finally:
        opened.close()


def _runner(tls: Tls, threads: list[str]):  # noqa: ANN202
    """The real run_upload, with the test CA trusted and the token given (no keyring here);
    notes the thread each run is on."""

    def run(db_path: Path, settings) -> object:  # noqa: ANN001
        threads.append(threading.current_thread().name)
        return run_upload(
            db_path,
            settings,
            client=HttpClient(timeout=10, ssl_context=tls.client),
            secrets=lambda endpoint: TOKEN,
        )

    return run


def test_with_consent_the_first_run_waits_the_start_delay_then_uploads_on_a_worker_thread(
    qtbot, services: tuple[Services, Collector], tls: Tls
) -> None:
    svc, collector = services
    threads: list[str] = []
    scheduler = UploadScheduler(
        svc.data_dir / DB_FILE, svc.settings, runner=_runner(tls, threads), rng=random.Random(3)
    )
    scheduler.start()
    assert scheduler.timer.isActive() and 30_000 <= scheduler.timer.interval() <= 33_000
    assert collector.posts == []  # nothing before the delay
    with qtbot.waitSignal(scheduler.finished, timeout=30_000) as done:
        scheduler.timer.timeout.emit()  # the delay is over
    run = done.args[0]
    assert run.state == "delivered", run.message
    assert threads == ["cuecards-upload"]  # never the GUI thread
    assert len(collector.stored) == 1
    # The next run is after midnight: the report of the day just ended goes then.
    assert scheduler.timer.interval() >= AFTER_MIDNIGHT * 1000
    scheduler.stop()


def test_turning_uploads_off_stops_the_plan_and_notes_the_day_as_off(
    qtbot, services: tuple[Services, Collector], tls: Tls
) -> None:
    svc, collector = services
    threads: list[str] = []
    scheduler = UploadScheduler(svc.data_dir / DB_FILE, svc.settings, runner=_runner(tls, threads))
    scheduler.start()
    assert scheduler.timer.isActive()
    svc.settings.set("upload.enabled", False)
    with qtbot.waitSignal(scheduler.finished, timeout=30_000) as done:
        scheduler.setting_changed("upload.enabled")
        assert not scheduler.timer.isActive()  # the planned upload is gone at once
    assert done.args[0].state == "off" and "you have not turned them on" in done.args[0].message
    assert collector.posts == [] and threads == ["cuecards-upload"]
    outbox = Outbox(svc.db)
    assert outbox.pending() == [] and outbox.quiet_through() == dt.date.today()
    scheduler.stop()


def test_without_consent_the_app_never_loads_the_upload_code(tmp_path: Path) -> None:
    """Off by default: the tray app runs its daily note of the day without app.sync."""
    probe = (
        "import sys, pathlib; from app.settings import Settings, Policy;"
        "from app.tray.upload_scheduler import upload_run;"
        "d = pathlib.Path(sys.argv[1]); d.mkdir();"
        "run = upload_run(d / 'cuecards.db', Settings(d, Policy.empty()));"
        "print(run.state, any(m.startswith('app.sync') for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "data")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.split() == ["off", "False"], done.stderr


def test_the_next_run_is_after_midnight_sooner_for_a_due_retry() -> None:
    rng = random.Random(1)
    evening = dt.datetime(2026, 11, 21, 22, 0, tzinfo=UTC).timestamp()
    to_midnight = 2 * 3600
    after = seconds_to_next_day(evening, rng, UTC)
    assert to_midnight + AFTER_MIDNIGHT <= after <= to_midnight + AFTER_MIDNIGHT + MIDNIGHT_SPREAD
    assert next_delay(Run("failed", "500", evening + 240), evening, rng, UTC) == 240
    assert next_delay(Run("waiting", "no keyring"), evening, rng, UTC) == WAITING_RETRY
    assert next_delay(Run("delivered", "1 report(s) delivered"), evening, rng, UTC) > to_midnight


@pytest.fixture
def companion(qtbot, services: tuple[Services, Collector], monkeypatch) -> Iterator[Companion]:
    monkeypatch.setattr(
        "app.desktop.watch.detect.detect", lambda: Detection(None, "no watcher in this test", None)
    )
    svc, _ = services
    app = QApplication.instance()
    assert app is not None
    comp = Companion(app, svc, clock=lambda: 1_800_000_000.0)
    comp.start()
    yield comp
    comp.shutdown()
    for widget in [comp.moment.popup, comp.windows.cardview, *comp.windows.kept.values()]:
        if widget is not None:
            widget.close()
            widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _preview_json(data_dir: Path, policy: Path) -> bytes:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    env.update(CUECARDS_POLICY=str(policy), PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "report", "preview", "--json"],
        cwd=ROOT, env=env, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_records_window_shows_the_bytes_report_preview_json_prints(
    companion: Companion, tmp_path: Path
) -> None:
    assert companion.uploads is not None and companion.uploads.timer.isActive()
    companion.menu.records_requested.emit()
    records = companion.windows.kept["records"]
    assert records.payload_label.text() == SENT_NEXT
    assert f"the queued report for {YESTERDAY}" in records.payload_note.text()
    shown = records.payload_text().encode("utf-8")
    assert shown == _preview_json(companion.services.data_dir, tmp_path / "policy.toml")
    assert "Uploads are on" in records.summary.text()


def test_with_uploads_off_the_records_window_says_why_nothing_is_sent(
    companion: Companion,
) -> None:
    from tests.ui.test_companion import FakeDialog

    companion.change_setting(FakeDialog(), "upload.enabled", False)
    assert not companion.uploads.timer.isActive()  # no upload is planned any more
    companion.menu.records_requested.emit()
    records = companion.windows.kept["records"]
    assert records.payload_label.text() == NOT_SENT
    assert "you have not turned them on" in records.payload_note.text()
    assert "Uploads are off" in records.summary.text()
    assert Outbox(companion.services.db).pending() == []  # nothing was queued to go
