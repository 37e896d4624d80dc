"""`cuecards doctor` on the keyring and on starting at login, and `config set ui.autostart`
changing the session's autostart entry at once (the real command line, a private XDG home)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.test_cli import cuecards


def checks(data: Path, env: dict[str, str]) -> dict[str, dict]:
    done = cuecards("doctor", "--json", data_dir=data, env=env)
    assert done.returncode == 0, done.stderr
    return {c["name"]: c for c in json.loads(done.stdout)}


def test_without_a_secret_service_doctor_says_the_secret_has_nowhere_to_go(
    tmp_path: Path,
) -> None:
    env = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}", "HOME": str(tmp_path)}
    keyring = checks(tmp_path / "data", env)["keyring"]
    # uploads are off, so nothing waits on it: said, but not a warning
    assert keyring["status"] == "ok"
    assert "no usable keyring (" in keyring["detail"]
    assert "never in a file" in keyring["detail"] and "uploads are off" in keyring["detail"]


def test_config_set_ui_autostart_adds_and_removes_the_entry_doctor_reports(tmp_path: Path):
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CONFIG_DIRS": str(tmp_path / "no-system"),
    }
    entry = tmp_path / "config" / "autostart" / "cuecards.desktop"
    data = tmp_path / "data"
    before = checks(data, env)["autostart"]
    assert before == {
        "name": "autostart",
        "status": "ok",
        "detail": f"does not start at login ({entry})",
    }
    done = cuecards("config", "set", "ui.autostart", "true", data_dir=data, env=env)
    assert done.returncode == 0, done.stderr
    assert entry.is_file()
    assert checks(data, env)["autostart"]["detail"] == f"starts at login ({entry})"
    entry.unlink()  # removed behind the app's back: doctor notices the difference
    drift = checks(data, env)["autostart"]
    assert drift["status"] == "warn" and "but ui.autostart is true" in drift["detail"]
    done = cuecards("config", "reset", "ui.autostart", data_dir=data, env=env)
    assert done.returncode == 0, done.stderr
    assert not entry.exists()
