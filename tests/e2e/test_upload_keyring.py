"""Upload secrets in a real Secret Service (gnome-keyring under dbus-run-session): stored and
read through `keyring`, sent as the bearer token, and never written to a file of ours."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

import tests.unit.conftest as unit_fixtures
from tests.e2e.secret_service import secret_service
from tests.unit.conftest import Tls
from tests.unit.upload_helpers import Collector, fill_usage

pytestmark = pytest.mark.e2e
# The HTTPS collector fixtures of the unit tests (a real server with a throw-away CA).
tls = unit_fixtures.tls
https_server = unit_fixtures.https_server
TOKEN = "kr-token-5d1c9e"
CompletedBytes = subprocess.CompletedProcess[bytes]

_CHILD = """
import random, ssl, sys
from pathlib import Path
import keyring
from app.store.db import open_database
from app.sync.sources import HttpClient
from app.sync.upload import Uploader, store_secret
from tests.unit.upload_helpers import TestSettings, Clock, UTC
data, url, ca, token = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
print("backend", type(keyring.get_keyring()).__module__, flush=True)
store_secret(url, token)
db, _ = open_database(data / "cuecards.db")
up = Uploader(db, TestSettings(data, url), client=HttpClient(
    timeout=10, ssl_context=ssl.create_default_context(cafile=ca)), clock=Clock(), tz=UTC,
    rng=random.Random(1), known_apps=lambda: {"excel"})
status = up.run_due()
print(status.state, status.message, flush=True)
"""


def test_the_token_comes_from_the_secret_service_and_no_file_of_ours_holds_it(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is missing: run tests/system-deps.sh (packages dbus, gnome-keyring)"
            )
    data = tmp_path / "data"
    data.mkdir()
    fill_usage(data / "cuecards.db")
    collector = Collector()
    url = collector.attach(https_server)
    home = tmp_path / "home"
    home.mkdir()
    script = (
        'eval "$(printf test | gnome-keyring-daemon --unlock --components=secrets)"; exec "$0" "$@"'
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "share"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    (tmp_path / "run").mkdir(mode=0o700)
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script, sys.executable, "-c", _CHILD,
         str(data), url, str(tls.ca_file), TOKEN],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "backend keyring.backends.SecretService" in done.stdout, done.stdout + done.stderr
    assert "delivered" in done.stdout, done.stdout + done.stderr
    assert collector.auth == [f"Bearer {TOKEN}"]
    for path in data.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def _cli(env: dict[str, str], data: Path, *args: str, stdin: bytes = b"") -> CompletedBytes:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        env=env, input=stdin, capture_output=True, timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip


def test_the_command_line_with_a_real_secret_service_sends_exactly_the_previewed_bytes(
    tmp_path: Path, tls: Tls, https_server: HTTPServer
) -> None:
    """`report secret` stores the token in GNOME Keyring, doctor says it is there (never what
    it is), and `report upload` sends byte for byte what `report preview --json` printed."""
    data = tmp_path / "data"
    data.mkdir()
    collector = Collector()
    url = collector.attach(https_server)
    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[locked]\nupload.allowed = true\nupload.endpoint = "{url}"\n', encoding="utf-8"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    base.update(CUECARDS_POLICY=str(policy), SSL_CERT_FILE=str(tls.ca_file), TZ="UTC")
    with secret_service(tmp_path / "home", tmp_path / "run", base) as env:
        assert _cli(env, data, "config", "set", "upload.enabled", "true").returncode == 0

        def keyring_check() -> dict[str, str]:
            done = _cli(env, data, "doctor", "--json")
            assert TOKEN.encode() not in done.stdout + done.stderr
            return next(c for c in json.loads(done.stdout) if c["name"] == "keyring")

        missing = keyring_check()
        assert missing["status"] == "warn"
        assert missing["detail"] == (
            f"keyring.backends.SecretService.Keyring: works; no secret is stored for {url}; "
            "run: cuecards report secret"
        )
        stored = _cli(env, data, "report", "secret", stdin=f"{TOKEN}\n".encode())
        assert stored.returncode == 0, stored.stderr
        assert keyring_check() == {
            "name": "keyring",
            "status": "ok",
            "detail": "keyring.backends.SecretService.Keyring: works; "
            f"a secret is stored for {url}",
        }
        fill_usage(data / "cuecards.db", dt.date.today() - dt.timedelta(days=1))
        preview = _cli(env, data, "report", "preview", "--json")
        assert preview.returncode == 0, preview.stderr
        sent = _cli(env, data, "report", "upload")
        assert sent.returncode == 0, sent.stderr
    assert collector.posts == [preview.stdout]  # byte for byte, once
    assert collector.auth == [f"Bearer {TOKEN}"]
    for path in data.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
