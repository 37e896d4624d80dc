"""`cuecards report …` as a person or script runs it: real processes, a real database file."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import json
import socket
import sqlite3
from pathlib import Path

import pytest

from app.store.db import open_database
from app.store.usage import UsageLog
from tests.unit.test_cli import cuecards

YESTERDAY = dt.date.today() - dt.timedelta(days=1)
CANARY_QUERY = f"salary of {getpass.getuser()} on {socket.gethostname()}"
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _fill(data_dir: Path) -> None:
    db, _ = open_database(data_dir / "cuecards.db")
    at = dt.datetime.combine(YESTERDAY, dt.time(12)).astimezone().timestamp()
    log = UsageLog(db, known_apps=set(), clock=lambda: at)
    log.record("context", app="canary-private-app")
    log.record("shown", "acme.finance", "pivot-refresh")
    log.record("opened", "acme.finance", "pivot-refresh")
    log.record("search", query=CANARY_QUERY, results=0, answered=False)
    log.record("search", query="pivot", results=4, answered=True)
    log.record("search", query="freeze panes", results=3, answered=False)
    db.close()


def _policy(tmp_path: Path, allowed: bool) -> dict[str, str]:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f"[locked]\nupload.allowed = {str(allowed).lower()}\n"
        'upload.endpoint = "https://127.0.0.1:9/reports"\nupload.cohort = "finance"\n',
        encoding="utf-8",
    )
    return {"CUECARDS_POLICY": str(policy), **NO_KEYRING}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    _fill(data)
    return data


def test_preview_json_prints_only_the_report_bytes_and_nothing_personal(
    tmp_path: Path, data_dir: Path
) -> None:
    done = cuecards("report", "preview", "--json", data_dir=data_dir, env=_policy(tmp_path, False))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["day"] == YESTERDAY.isoformat()
    assert report["cards"][0]["shown"] == 1 and report["cards"][0]["opened"] == 1
    assert report["apps"] == [{"app": "other", "contexts": 1, "matched": 0}]
    assert report["search"] == {"searches": 3, "unanswered": 2, "zero_results": 1}
    assert report["schema"] == 2
    assert report["cohort"] == "finance"
    assert done.stdout == json.dumps(report, sort_keys=True, separators=(",", ":"))
    for canary in (CANARY_QUERY, getpass.getuser(), socket.gethostname(), "canary-private-app"):
        assert canary not in done.stdout
    assert "policy does not allow" in done.stderr


def test_the_plain_preview_says_how_many_searches_went_unanswered(
    tmp_path: Path, data_dir: Path
) -> None:
    done = cuecards("report", "preview", data_dir=data_dir, env=_policy(tmp_path, False))
    assert done.returncode == 0, done.stderr
    assert (
        "searches: 3, unanswered (no card matched every word): 2, with no result at all: 1"
        in done.stdout
    )
    assert CANARY_QUERY not in done.stdout and "freeze panes" not in done.stdout


def test_upload_without_consent_exits_1_with_the_reason(tmp_path: Path, data_dir: Path) -> None:
    done = cuecards("report", "upload", data_dir=data_dir, env=_policy(tmp_path, False))
    assert done.returncode == 1
    assert "your organisation's policy does not allow them" in done.stderr
    env = _policy(tmp_path, True)
    done = cuecards("report", "upload", data_dir=data_dir, env=env)
    assert done.returncode == 1 and "you have not turned them on" in done.stderr


def test_with_consent_the_preview_is_queued_and_an_upload_without_keyring_waits(
    tmp_path: Path, data_dir: Path
) -> None:
    env = _policy(tmp_path, True)
    assert (
        cuecards("config", "set", "upload.enabled", "true", data_dir=data_dir, env=env).returncode
        == 0
    )
    first = cuecards("report", "preview", "--json", data_dir=data_dir, env=env)
    again = cuecards("report", "preview", "--json", data_dir=data_dir, env=env)
    assert first.returncode == 0 and first.stdout == again.stdout
    assert "queued report" in first.stderr
    upload = cuecards("report", "upload", data_dir=data_dir, env=env)
    assert upload.returncode == 1
    assert "no usable keyring" in upload.stderr and "1 report(s) wait" in upload.stderr
    # The outbox holds exactly the previewed bytes and nothing personal.
    conn = sqlite3.connect(data_dir / "cuecards.db")
    [(payload, delivered)] = conn.execute("SELECT payload, delivered_at FROM outbox").fetchall()
    assert bytes(payload).decode() == first.stdout and delivered is None
    dump = "\n".join(conn.iterdump())
    outbox_lines = [line for line in dump.splitlines() if "outbox" in line]
    for canary in (CANARY_QUERY, "canary-private-app"):
        assert all(canary not in line for line in outbox_lines)
    # The person can always turn it off again.
    assert (
        cuecards("config", "set", "upload.enabled", "false", data_dir=data_dir, env=env).returncode
        == 0
    )
    off = cuecards("report", "upload", data_dir=data_dir, env=env)
    assert off.returncode == 1 and "you have not turned them on" in off.stderr


def test_export_writes_csv_and_json_of_the_local_counts(tmp_path: Path, data_dir: Path) -> None:
    env = _policy(tmp_path, False)
    done = cuecards("report", "export", "--format", "csv", "--days", "3", data_dir=data_dir,
                    env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    card = [r for r in rows if r["row"] == "card"]
    assert card == [
        {**{k: "" for k in rows[0]}, "day": YESTERDAY.isoformat(), "row": "card",
         "pack": "acme.finance", "card": "pivot-refresh", "shown": "1", "opened": "1",
         "helpful": "0", "unhelpful": "0", "dismissed": "0", "muted": "0"}
    ]  # fmt: skip
    assert sum(r["row"] == "search" for r in rows) == 3  # one per day, empty days too
    as_json = cuecards("report", "export", "--format", "json", "--days", "2", data_dir=data_dir,
                       env=env)  # fmt: skip
    days = json.loads(as_json.stdout)
    assert [d["day"] for d in days] == [YESTERDAY.isoformat(), dt.date.today().isoformat()]
    assert days[0]["search"] == {"searches": 3, "unanswered": 2, "zero_results": 1}
    search = [r for r in rows if r["row"] == "search" and r["day"] == YESTERDAY.isoformat()]
    assert (search[0]["unanswered"], search[0]["zero_results"]) == ("2", "1")
    assert CANARY_QUERY not in as_json.stdout and CANARY_QUERY not in done.stdout


def test_doctor_says_when_no_keyring_can_keep_the_upload_secret(
    tmp_path: Path, data_dir: Path
) -> None:
    env = _policy(tmp_path, True)
    off = cuecards("doctor", "--json", data_dir=data_dir, env=env)
    check = next(c for c in json.loads(off.stdout) if c["name"] == "keyring")
    assert check["status"] == "ok" and "uploads are off, so nothing waits now" in check["detail"]
    cuecards("config", "set", "upload.enabled", "true", data_dir=data_dir, env=env)
    on = cuecards("doctor", "--json", data_dir=data_dir, env=env)
    check = next(c for c in json.loads(on.stdout) if c["name"] == "keyring")
    assert check == {
        "name": "keyring",
        "status": "warn",
        "detail": "keyring.backends.fail.Keyring: no usable keyring (NoKeyringError). The upload "
        "secret is kept only in the OS keyring, never in a file: start a Secret Service (GNOME "
        "Keyring or KWallet) and unlock it; uploads wait until then",
    }
