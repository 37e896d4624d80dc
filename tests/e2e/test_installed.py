"""The .deb as an admin installs it and a person's session runs it: `make dist`'s package is
installed (apt-get as root, else unpacked), then the installed launcher, not the checkout,
answers `--version` and `doctor --json`, reads the example policy, docks in a real tray, pops a
card over a matching window and adds itself to the session's autostart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import __version__
from tests.e2e.apps import stop_app, wait_for
from tests.e2e.installed import Installed, installed_package
from tests.e2e.moment import FAST, MAIL, PACK, window_titled
from tests.e2e.popups import XObserver
from tests.e2e.test_moment import WELCOME, docked
from tests.e2e.xsession import XSession

pytestmark = pytest.mark.e2e

# What Qt's xcb platform needs from Debian (TESTING.md) and what keeps fonts and D-Bus working.
QT_RUNTIME = (
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxkbcommon-x11-0",
    "libegl1",
    "libfontconfig1",
    "libdbus-1-3",
    "libx11-6",
)
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    for tool in ("dpkg-deb", "desktop-file-validate"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run sh tests/system-deps.sh", pytrace=False)
    with installed_package(tmp_path_factory.mktemp("installed")) as package:
        print(f"bundle and .deb built in {package.build_seconds:.0f} s")
        yield package


def person_env(base: dict[str, str], home: Path) -> dict[str, str]:
    """A person's session with its own home: no checkout on any path, no test settings."""
    dropped = ("PYTHONPATH", "QT_QPA_PLATFORM", "CUECARDS_POLICY", "CUECARDS_DATA_DIR")
    env = {k: v for k, v in base.items() if k not in dropped}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_DIRS=str(home / "no-system-xdg"),  # the installed /etc/xdg entry stays out
    )
    home.mkdir(parents=True, exist_ok=True)
    return env


def run(
    package: Installed, *args: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(package.launcher), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def validate(path: Path) -> None:
    done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_package_installs_the_bundle_launcher_menu_entry_icons_and_example_policy(
    installed: Installed,
) -> None:
    root = installed.root
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(installed.deb), "Package", "Version", "Depends"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Package: cuecards" in fields and f"Version: {__version__}" in fields
    depends = {d.strip().split(" ")[0] for d in fields.split("Depends:")[1].split(",")}
    assert set(QT_RUNTIME) <= depends, set(QT_RUNTIME) - depends
    assert os.access(root / "opt/cuecards/cuecards", os.X_OK)
    assert (root / "opt/cuecards/_internal/resources/packs/demo/pack.yaml").is_file()
    assert os.readlink(root / "usr/bin/cuecards") == "/opt/cuecards/cuecards"
    menu = root / "usr/share/applications/cuecards.desktop"
    validate(menu)
    assert "Exec=cuecards run" in menu.read_text()
    for size in ICON_SIZES:
        assert (root / f"usr/share/icons/hicolor/{size}x{size}/apps/cuecards.png").is_file()
    assert (root / "usr/share/icons/hicolor/scalable/apps/cuecards.svg").is_file()
    assert (root / "etc/cuecards/policy.toml.example").is_file()
    autostart = root / "etc/xdg/autostart/cuecards.desktop"
    validate(autostart)
    assert "Exec=/usr/bin/cuecards run" in autostart.read_text()
    if installed.real:  # dpkg keeps the admin's edits of /etc files across upgrades
        conffiles = Path("/var/lib/dpkg/info/cuecards.conffiles").read_text().split()
        assert conffiles == [
            "/etc/cuecards/policy.toml.example",
            "/etc/xdg/autostart/cuecards.desktop",
        ]


def test_the_installed_launcher_runs_without_the_checkout(
    installed: Installed, tmp_path: Path
) -> None:
    env = person_env(dict(os.environ), tmp_path / "home")
    done = run(installed, "--version", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"cuecards {__version__}"
    found = run(installed, "search", "reopen tab", "--json", env=env, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)[0]["pack"] == "cuecards.demo"  # the bundled demo pack
    # The person's data directory, not the checkout or the bundle.
    assert (tmp_path / "home/.local/share/cuecards/cuecards.db").is_file()


def test_installed_doctor_sees_the_display_the_watcher_and_the_secret_service(
    installed: Installed, x_session: XSession, tmp_path: Path
) -> None:
    for tool in ("dbus-run-session", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run sh tests/system-deps.sh", pytrace=False)
    env = person_env(x_session.env(), tmp_path / "home")
    env["XDG_RUNTIME_DIR"] = str(tmp_path / "run")
    (tmp_path / "run").mkdir(mode=0o700)
    unlock = 'eval "$(printf test | gnome-keyring-daemon --unlock --components=secrets)"'
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", f'{unlock}; exec "$0" "$@"',
         str(installed.launcher), "doctor", "--json"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert checks["version"]["detail"].startswith(f"cuecards {__version__}")
    assert checks["display"] == {"name": "display", "status": "ok", "detail": x_session.display}
    assert checks["watcher"]["status"] == "ok" and checks["watcher"]["detail"].startswith("x11")
    assert checks["hotkey"]["status"] == "ok", checks["hotkey"]
    assert checks["keyring"] == {
        "name": "keyring",
        "status": "ok",
        "detail": "keyring.backends.SecretService.Keyring: not asked: uploads are off and no "
        "upload.endpoint is set, so no secret is needed",
    }
    assert "cuecards.demo" in checks["packs"]["detail"]


def test_the_example_policy_is_read_and_locks_what_it_says(
    installed: Installed, tmp_path: Path
) -> None:
    env = person_env(dict(os.environ), tmp_path / "home")
    env["CUECARDS_POLICY"] = str(installed.root / "etc/cuecards/policy.toml.example")
    done = run(installed, "config", "list", "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {r["key"]: r for r in json.loads(done.stdout)}
    assert rows["packs.require_signatures"]["origin"] == "locked"
    assert rows["packs.require_signatures"]["value"] is True
    assert rows["ui.autostart"]["origin"] == "policy"
    refused = run(installed, "config", "set", "packs.sources", "/tmp", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "locked by the administrator" in refused.stderr


def test_installed_app_pops_a_card_and_starts_at_login(
    installed: Installed, x_tray: XSession, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = person_env(x_tray.env(), home)
    data = tmp_path / "data"

    def cli(*args: str) -> None:
        done = run(installed, "--data-dir", str(data), *args, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr

    for key, value in {**FAST, "packs.demo": "false"}.items():
        cli("config", "set", key, value)
    cli("pack", "install", str(PACK))
    entry = home / ".config/autostart/cuecards.desktop"
    assert not entry.exists()

    mail = x_tray.spawn_window("Inbox - Mail", MAIL.app)
    blank = x_tray.spawn_window("notes.txt", "e2e-plain")
    observer = XObserver(x_tray.display).start()
    proc = subprocess.Popen(
        [str(installed.launcher), "--data-dir", str(data), "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: docked(x_tray) or proc.poll() is not None, "the installed tray icon")
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        welcome = wait_for(lambda: window_titled(x_tray.display, WELCOME), "the welcome card")
        x_tray.tool("xdotool", "windowactivate", "--sync", str(welcome), "key", "Return")
        wait_for(lambda: window_titled(x_tray.display, WELCOME) is None, "the welcome to close")
        x_tray.activate(blank)  # closing the welcome may hand the focus back to the mail
        observer.settle()
        since = observer.mark()
        x_tray.activate(mail)
        shown = observer.wait("map", since, title=MAIL.popup)
        assert shown.title == f"Cuecards: {MAIL.title}"
        assert x_tray.active_window() == mail.wid  # the popup did not take the focus
        # The installed app starts at login by default: the session's autostart entry runs
        # the installed launcher, never a checkout's Python.
        validate(entry)
        text = entry.read_text()
        assert f"Exec={installed.launcher} run\n" in text, text
        assert f"TryExec={installed.launcher}\n" in text
    finally:
        observer.stop()
        x_tray.close(mail)
        x_tray.close(blank)
        code, _, err = stop_app(proc)
    assert code == 0, err
    assert "Traceback" not in err, err
    cli("config", "set", "ui.autostart", "false")  # and off again, at once
    assert not entry.exists()
