"""`cuecards doctor` next to a GNOME Keyring started by D-Bus activation with its collection
locked, under a real X session where its password prompt could show and wait: doctor must
finish, say the keyring is locked, and leave it locked with no prompt opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.secret_service import (
    PROMPTER_NAMES,
    SECRETS_NAME,
    activated_secret_service,
    owned,
    secret_service,
)
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
ENDPOINT = "https://127.0.0.1:9/reports"
# doctor answers in a few seconds; a prompt waiting for a password would wait forever
DOCTOR_DEADLINE = 90

_LOCKED = """
import secretstorage
connection = secretstorage.dbus_init()
print(secretstorage.Collection(connection).is_locked())
"""


def _cli(env: dict[str, str], data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args],
        env=env, capture_output=True, text=True, timeout=DOCTOR_DEADLINE, cwd=REPO,
    )  # fmt: skip


def _keyring_check(env: dict[str, str], data: Path) -> dict[str, str]:
    try:
        done = _cli(env, data, "doctor", "--json")
    except subprocess.TimeoutExpired:
        pytest.fail(f"cuecards doctor did not finish within {DOCTOR_DEADLINE} s", pytrace=False)
    return next(c for c in json.loads(done.stdout) if c["name"] == "keyring")


def test_doctor_neither_waits_on_nor_unlocks_a_locked_keyring(
    tmp_path: Path, x_session: XSession
) -> None:
    home, run = tmp_path / "home", tmp_path / "run"
    base = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    base["PYTHONPATH"] = str(REPO)
    # A login keyring with a password and the upload secret in it, as a past session left it.
    with secret_service(home, run, base) as env:
        code = f"import keyring; keyring.set_password('cuecards', {ENDPOINT!r}, 'tok-1')"
        stored = subprocess.run([sys.executable, "-c", code], env=env, timeout=60, check=False)
        assert stored.returncode == 0

    policy = tmp_path / "policy.toml"
    policy.write_text(
        f'[locked]\nupload.allowed = true\nupload.endpoint = "{ENDPOINT}"\n', encoding="utf-8"
    )
    with activated_secret_service(home, run, base) as env:
        # Uploads off, no endpoint: no secret is needed, so the keyring is not even started.
        off = _keyring_check(env, tmp_path / "off")
        assert off["status"] == "ok"
        assert off["detail"] == (
            "keyring.backends.SecretService.Keyring: not asked: uploads are off and no "
            "upload.endpoint is set, so no secret is needed"
        )
        assert not owned(env, SECRETS_NAME)

        # Uploads on: the lookup is needed, and the activated keyring is locked.
        on_env = {**env, "CUECARDS_POLICY": str(policy)}
        data = tmp_path / "on"
        assert _cli(on_env, data, "config", "set", "upload.enabled", "true").returncode == 0
        check = _keyring_check(on_env, data)
        assert check["status"] == "warn"
        assert check["detail"].startswith(
            "keyring.backends.SecretService.Keyring: the keyring is locked; doctor does not "
            "unlock it"
        )
        assert "uploads wait until then" in check["detail"]
        assert owned(env, SECRETS_NAME)  # it was asked, through D-Bus activation
        assert not any(owned(env, name) for name in PROMPTER_NAMES)  # and nothing prompted
        still = subprocess.run(
            [sys.executable, "-c", _LOCKED], env=env, capture_output=True, text=True, timeout=60
        )
        assert still.stdout.strip() == "True", still.stderr
