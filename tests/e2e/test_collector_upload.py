"""The real tray app on a real X session uploads yesterday's report to a real `cuecards collect`
over HTTPS (a throw-away CA from trustme, trusted through SSL_CERT_FILE), with the token the
collector made, kept in a real Secret Service (GNOME Keyring on a private D-Bus). The collector
stores the report once, byte for byte as the app queued it; the token is in no file of the app
and in no line of the collector's log."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import trustme

from tests.e2e.apps import ROOT, start_app, stop_app, wait_for
from tests.e2e.secret_service import secret_service
from tests.e2e.xsession import XSession
from tests.server.collector import Collector, add_token, query, stored
from tests.unit.upload_helpers import fill_usage

pytestmark = pytest.mark.e2e


def _cli(env: dict[str, str], data: Path, *args: str, stdin: bytes = b"") -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        env=env, input=stdin, capture_output=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def _outbox(data: Path) -> list[tuple[str, bytes, float | None]]:
    conn = sqlite3.connect(f"file:{data / 'cuecards.db'}?mode=ro", uri=True, timeout=10)
    try:
        rows = conn.execute("SELECT batch_id, payload, delivered_at FROM outbox").fetchall()
    finally:
        conn.close()
    return [(str(b), bytes(p), d) for b, p, d in rows]


def test_the_tray_app_uploads_to_a_real_collector_over_https_with_its_keyring_token(
    x_tray: XSession, tmp_path: Path
) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    db = str(tmp_path / "collector.db")
    token = add_token(db, "--name", "e2e")
    collector = Collector(
        db, tmp_path / "collector.log", ("--cert", str(cert_file), "--key", str(key_file))
    )
    collector.start()
    try:
        policy = tmp_path / "policy.toml"
        policy.write_text(
            f'[locked]\nupload.allowed = true\nupload.endpoint = "{collector.url}"\n'
            'upload.kind = "https"\n[defaults]\nupload.start_delay_seconds = 1\n',
            encoding="utf-8",
        )
        data = tmp_path / "data"
        data.mkdir()
        yesterday = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
        fill_usage(data / "cuecards.db", yesterday)
        base = {
            **x_tray.env(),
            "CUECARDS_POLICY": str(policy),
            "SSL_CERT_FILE": str(ca_file),
            "TZ": "UTC",
        }
        with secret_service(tmp_path / "home", tmp_path / "run", base) as env:
            _cli(env, data, "config", "set", "upload.enabled", "true")
            _cli(env, data, "report", "secret", stdin=f"{token}\n".encode())
            app = start_app(env, data)
            try:
                wait_for(
                    lambda: any(d for _, _, d in _outbox(data)) or app.poll() is not None,
                    "the report delivered",
                    60,
                )
            finally:
                code, _, err = stop_app(app)
        assert code == 0, err
        assert "cuecards: upload: 1 report(s) delivered" in err, err
        assert collector.stop() == 0
    finally:
        collector.kill()

    [(batch, payload, delivered)] = _outbox(data)
    assert delivered is not None
    assert stored(db) == {batch: 1}
    assert query(db, f"SELECT day, payload FROM reports WHERE batch_id = '{batch}'") == [
        (yesterday.isoformat(), payload.decode())
    ]
    assert query(db, "SELECT app, contexts, matched FROM report_apps ORDER BY app")
    access = [line for line in collector.text().splitlines() if "collector.access" in line]
    assert [line.split(": ", 1)[1].split()[:3] for line in access] == [
        ["POST", "/v1/reports", "201"]
    ]
    assert token not in collector.text()
    for path in data.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
