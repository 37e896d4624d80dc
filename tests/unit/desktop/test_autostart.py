"""Start at login: the entry each OS reads, what it runs, on/off idempotence, and the rule that
a source checkout's untouched default never changes the person's login items. The Linux entry
is checked by desktop-file-validate; the Windows Run key is a dict here (winreg is not)."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from app import settings as app_settings
from app.desktop import autostart
from app.desktop.autostart import (
    AGENT_LABEL,
    LaunchAgent,
    WindowsRunKey,
    XdgAutostart,
    desktop_entry,
    exec_line,
    launch_command,
    sync_login_item,
)
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def env_for(tmp_path: Path, system: bool = False) -> dict[str, str]:
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CONFIG_DIRS": f"{tmp_path / 'xdg-a'}:{tmp_path / 'xdg-b'}",
    }
    if system:  # the .deb's /etc/xdg/autostart entry
        entry = tmp_path / "xdg-b" / "autostart" / "cuecards.desktop"
        entry.parent.mkdir(parents=True)
        entry.write_text(desktop_entry(["/usr/bin/cuecards", "run"]))
    return env


def validate(path: Path) -> None:
    if shutil.which("desktop-file-validate") is None:
        pytest.fail("desktop-file-validate is missing: sh tests/system-deps.sh", pytrace=False)
    done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout


class DictRunKey:
    """The Run key's values, as winreg would hold them."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def put(self, name: str, value: str) -> None:
        self.writes += 1
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


# ----- what runs at login ---------------------------------------------------------------------


def test_a_checkout_starts_its_own_python_with_dash_m_app() -> None:
    command = launch_command("/home/dev/cuecards/.venv/bin/python", frozen=False, platform="linux")
    assert command == ["/home/dev/cuecards/.venv/bin/python", "-m", "app", "run"]


def test_the_installed_linux_app_starts_the_launcher_on_path(tmp_path, monkeypatch) -> None:
    bundle = tmp_path / "opt" / "cuecards"
    bundle.mkdir(parents=True)
    exe = bundle / "cuecards"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    usr_bin = tmp_path / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    (usr_bin / "cuecards").symlink_to(exe)
    monkeypatch.setenv("PATH", str(usr_bin))
    assert launch_command(str(exe), frozen=True, platform="linux") == [
        str(usr_bin / "cuecards"),
        "run",
    ]
    monkeypatch.setenv("PATH", str(tmp_path / "elsewhere"))  # unpacked, not on PATH
    assert launch_command(str(exe), frozen=True, platform="linux") == [str(exe), "run"]


def test_the_installed_windows_app_starts_the_windowless_executable(tmp_path) -> None:
    (tmp_path / "cuecards.exe").write_bytes(b"MZ")
    (tmp_path / "cuecardsw.exe").write_bytes(b"MZ")
    command = launch_command(str(tmp_path / "cuecards.exe"), frozen=True, platform="win32")
    assert command == [str(tmp_path / "cuecardsw.exe"), "run"]


# ----- Linux: XDG autostart -------------------------------------------------------------------


def test_exec_line_quotes_per_the_desktop_entry_spec() -> None:
    assert exec_line(["/usr/bin/cuecards", "run"]) == "/usr/bin/cuecards run"
    assert exec_line(["/home/a b/py", "-m", "app"]) == '"/home/a b/py" -m app'
    assert exec_line(["/x/100%/$HOME"]) == '"/x/100%%/\\\\$HOME"'


def test_turning_it_on_writes_a_valid_entry_that_runs_the_launcher(tmp_path) -> None:
    item = XdgAutostart(["/opt/My Apps/cuecards", "run"], env_for(tmp_path))
    assert not item.enabled()
    item.set(True)
    path = tmp_path / "config" / "autostart" / "cuecards.desktop"
    assert item.path == path and item.enabled() and item.where == str(path)
    text = path.read_text()
    assert 'Exec="/opt/My Apps/cuecards" run\n' in text
    assert "TryExec=/opt/My Apps/cuecards\n" in text  # skipped once uninstalled
    validate(path)
    stamp = path.stat().st_mtime_ns
    item.set(True)
    assert path.stat().st_mtime_ns == stamp  # nothing rewritten
    item.set(False)
    assert not path.exists() and not item.enabled()
    item.set(False)  # off twice is fine
    assert not path.exists()


def test_a_system_wide_entry_is_turned_off_per_person_with_hidden(tmp_path) -> None:
    item = XdgAutostart(["/usr/bin/cuecards", "run"], env_for(tmp_path, system=True))
    assert item.enabled()  # the package's entry starts it for everyone
    assert item.where == str(tmp_path / "xdg-b" / "autostart" / "cuecards.desktop")
    item.set(False)
    assert item.path.read_text().endswith("Hidden=true\n")
    validate(item.path)
    assert not item.enabled()
    item.set(True)
    assert "Hidden" not in item.path.read_text() and item.enabled()


def test_an_entry_disabled_for_gnome_counts_as_off(tmp_path) -> None:
    item = XdgAutostart(["cuecards", "run"], env_for(tmp_path))
    item.path.parent.mkdir(parents=True)
    item.path.write_text(desktop_entry(["cuecards"]).replace("enabled=true", "enabled=false"))
    assert not item.enabled()


# ----- Windows: the Run key -------------------------------------------------------------------


def test_the_run_key_value_is_one_quoted_command_line_set_once() -> None:
    store = DictRunKey()
    item = WindowsRunKey(
        [r"C:\Users\Ann Lee\AppData\Local\Programs\Cuecards\cuecardsw.exe", "run"], store
    )
    assert not item.enabled()
    item.set(True)
    item.set(True)
    assert store.values == {
        "Cuecards": r'"C:\Users\Ann Lee\AppData\Local\Programs\Cuecards\cuecardsw.exe" run'
    }
    assert store.writes == 1 and item.enabled()
    assert item.where == r"HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run\Cuecards"
    item.set(False)
    item.set(False)
    assert store.values == {} and not item.enabled()


# ----- macOS: a LaunchAgent -------------------------------------------------------------------


def test_the_launch_agent_is_a_valid_plist_that_runs_once_per_login(tmp_path) -> None:
    exe = "/Applications/Cuecards.app/Contents/MacOS/cuecards"
    item = LaunchAgent([exe, "run"], home=tmp_path)
    item.set(True)
    path = tmp_path / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
    assert item.enabled() and item.where == str(path)
    agent = plistlib.loads(path.read_bytes())
    assert agent["Label"] == AGENT_LABEL
    assert agent["ProgramArguments"] == [exe, "run"]
    assert agent["RunAtLoad"] is True and agent["KeepAlive"] is False
    assert agent["LimitLoadToSessionType"] == "Aqua"
    stamp = path.stat().st_mtime_ns
    item.set(True)
    assert path.stat().st_mtime_ns == stamp
    item.set(False)
    item.set(False)
    assert not path.exists() and not item.enabled()


def test_the_agent_label_belongs_to_the_app_bundle_id() -> None:
    info = plistlib.loads((ROOT / "installer" / "macos" / "Info.plist").read_bytes())
    assert AGENT_LABEL.startswith(info["CFBundleIdentifier"] + ".")


# ----- applying the setting -------------------------------------------------------------------


def test_a_checkout_leaves_login_items_alone_until_the_person_chooses(tmp_path, monkeypatch):
    monkeypatch.setattr(autostart, "packaged", lambda: False)
    item = XdgAutostart(["cuecards", "run"], env_for(tmp_path))
    item.set(True)  # e.g. the installed app's own entry
    settings = Settings(tmp_path / "data")
    assert settings.get("ui.autostart") is False
    assert sync_login_item(settings, item=item) is None
    assert item.enabled()  # a developer's run did not remove it
    settings.set("ui.autostart", False)
    assert sync_login_item(settings, item=item) is None
    assert not item.enabled()
    settings.set("ui.autostart", True)
    sync_login_item(settings, item=item)
    assert item.enabled()
    settings.reset("ui.autostart")
    sync_login_item(settings, changed=True, item=item)  # reset to the checkout's "off"
    assert not item.enabled()


def installed_app(monkeypatch) -> None:
    """This process as the frozen bundle: packaged, so ui.autostart defaults to on."""
    monkeypatch.setattr(autostart, "packaged", lambda: True)
    setting = app_settings.BY_KEY["ui.autostart"]
    monkeypatch.setitem(app_settings.BY_KEY, "ui.autostart", replace(setting, default=True))


def test_ui_autostart_defaults_on_in_the_frozen_bundle_only() -> None:
    code = (
        "import sys; frozen = len(sys.argv) > 1\n"
        "if frozen: sys.frozen = True\n"
        "from app.settings import BY_KEY; print(BY_KEY['ui.autostart'].default)"
    )
    for args, expected in (([], "False"), (["frozen"], "True")):
        done = subprocess.run(
            [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True
        )
        assert done.stdout.strip() == expected, done.stderr


def test_the_installed_app_applies_its_default_at_start(tmp_path, monkeypatch) -> None:
    installed_app(monkeypatch)
    item = XdgAutostart(["/usr/bin/cuecards", "run"], env_for(tmp_path))
    settings = Settings(tmp_path / "data")
    assert sync_login_item(settings, item=item) is None
    assert item.enabled()


def test_a_login_item_that_cannot_be_written_is_reported(tmp_path, monkeypatch) -> None:
    installed_app(monkeypatch)
    blocker = tmp_path / "config"
    blocker.write_text("a file where the config folder should be")
    item = XdgAutostart(["/usr/bin/cuecards", "run"], env_for(tmp_path))
    message = sync_login_item(Settings(tmp_path / "data"), item=item)
    assert message is not None
    assert message.startswith("cannot add Cuecards to the programs started at login (")
    assert str(item.path) in message
