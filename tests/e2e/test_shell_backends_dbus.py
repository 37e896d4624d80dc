"""KDE and GNOME backends over a real D-Bus daemon, with the shells' D-Bus side played by fakes.

A private `dbus-daemon` carries the real QtDBus traffic; `fake_shells` plays KWin's scripting
interface and our GNOME extension's object, sending the payloads recorded from the scripts
(tests/samples/desktop) one step each time the watcher has printed a line. `cuecards watch`
(run_watch), the tray's Qt driver (qt_watch_probe) and `doctor` run in their own processes
with a Wayland environment, as a person on Plasma or GNOME would run them. The real shells
run in test_wayland_kwin.py and test_wayland_gnome.py; these fakes are the fast tier.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.xsession import end_process

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "samples" / "desktop"
DEADLINE = 30.0


def _require_dbus() -> None:
    if shutil.which("dbus-daemon"):
        return
    message = "dbus-daemon missing; install it with `sh tests/system-deps.sh` (package dbus)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run these tests: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def session_bus() -> Iterator[str]:
    """A private session bus; yields its address and stops the daemon afterwards."""
    _require_dbus()
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        address = read_line(daemon.stdout).strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        end_process(daemon)


def read_line(stream) -> str:  # noqa: ANN001 - a text pipe
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(DEADLINE)
    if not result or not result[0]:
        pytest.fail("no line within the deadline")
    return result[0]


def desktop_env(address: str, desktop: str) -> dict[str, str]:
    dropped = ("DISPLAY", "SWAYSOCK", "HYPRLAND_INSTANCE_SIGNATURE", "CUECARDS_WATCHER")
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        DBUS_SESSION_BUS_ADDRESS=address,
        XDG_SESSION_TYPE="wayland",
        WAYLAND_DISPLAY="wayland-test",
        XDG_CURRENT_DESKTOP=desktop,
        PYTHONPATH=str(REPO),
        QT_QPA_PLATFORM="offscreen",
    )
    return env


@pytest.fixture
def fake_shell(session_bus: str) -> Iterator[Callable[[str, str], subprocess.Popen]]:
    started: list[subprocess.Popen] = []

    def start(mode: str, samples: str, **env: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.fake_shells", mode, str(SAMPLES / samples)],
            env={**desktop_env(session_bus, "test"), **env},
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert json.loads(read_line(proc.stdout))["ready"] is True
        return proc

    yield start
    for proc in started:
        end_process(proc)


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


WATCH = (
    "import sys\nfrom app.desktop.watch.watch_cmd import run_watch\n"
    "sys.exit(run_watch({json}, sys.stdout, sys.stderr, stop_after={n}))\n"
)


def next_step(fake: subprocess.Popen, what: str = "next") -> None:
    """Tell the fake shell to send its next step (or `all` the rest)."""
    assert fake.stdin is not None
    fake.stdin.write(what + "\n")
    fake.stdin.flush()


def paced(fake: subprocess.Popen, argv: list[str], env: dict[str, str], count: int) -> list[str]:
    """Run a watcher and collect `count` lines, letting the fake send its next step after
    each line; the watcher is then stopped (stdin closed, or it stopped by itself)."""
    proc = subprocess.Popen(
        argv, env=env, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        for index in range(count):
            lines.append(read_line(proc.stdout).rstrip("\n"))
            if index < count - 1:
                next_step(fake)
        proc.stdin.close()
        assert proc.wait(timeout=DEADLINE) == 0, proc.stderr.read()
    finally:
        end_process(proc, kill=True)
    return lines


def watch(json_output: bool, count: int) -> list[str]:
    """argv of `cuecards watch` (run_watch) stopping after `count` lines."""
    return [sys.executable, "-c", WATCH.format(json=json_output, n=count)]


QT_PROBE = [sys.executable, "-m", "tests.e2e.qt_watch_probe"]


def test_watch_on_kde_loads_the_script_and_prints_its_reports(session_bus, fake_shell):
    kwin = fake_shell("kde", "kwin_reports.jsonl")
    lines = paced(kwin, watch(True, 5), desktop_env(session_bus, "KDE"), 5)

    rows = [json.loads(line) for line in lines]
    assert [(r["app"], r["title"], r["fullscreen"]) for r in rows] == [
        ("libreoffice-calc", "Budget.xlsx - LibreOffice Calc", False),
        ("org.kde.dolphin", "Documents — Dolphin", False),
        ("org.kde.dolphin", "Pictures — Dolphin", False),
        ("org.kde.dolphin", "Pictures — Dolphin", True),
        ("", "", False),
    ]
    assert {r["backend"] for r in rows} == {"kde"}
    assert [r["exe"] for r in rows] == [None] * 5  # pids 4242 and 5151 are nobody here
    kwin.terminate()
    calls = [json.loads(line) for line in kwin.communicate(timeout=DEADLINE)[0].splitlines()]
    loaded = [c["plugin"] for c in calls if c.get("call") == "loadScript"]
    assert len(loaded) == 1
    assert calls[-1] == {"call": "unloadScript", "plugin": loaded[0]}  # unloaded on exit
    run = next(c for c in calls if c.get("call") == "run")
    assert run["path"].startswith("/org/cuecards/Watcher/")


def test_doctor_on_kde_proves_delivery_and_reads_idle_time(session_bus, fake_shell):
    fake_shell("kde", "kwin_reports.jsonl")
    code = "import json\nfrom app.desktop.watch.doctor import watcher_report\n"
    code += "print(json.dumps(watcher_report(timeout=20)))"
    done = run_python(code, desktop_env(session_bus, "KDE"))
    report = json.loads(done.stdout)
    assert report["backend"] == "kde" and report["ok"] is True
    assert report["receiving"] is True and report["idle_seconds"] == 1.5


def test_kde_switch_through_a_null_activation_reports_no_false_no_window(session_bus, fake_shell):
    """KWin 5.27 sends clientActivated(null) right before the new window: neither
    `cuecards watch` nor the tray's Qt driver may report "no window" in between; closing the
    last window still does."""
    expected = [
        ("libreoffice-calc", "Budget.xlsx - LibreOffice Calc"),
        ("org.kde.dolphin", "Documents — Dolphin"),
        ("libreoffice-calc", "Budget.xlsx - LibreOffice Calc"),
        ("", ""),
    ]
    env = desktop_env(session_bus, "KDE")
    kwin = fake_shell("kde", "kwin527_null_switch.jsonl")
    rows = [json.loads(line) for line in paced(kwin, watch(True, 4), env, 4)]
    assert [(r["app"], r["title"]) for r in rows] == expected
    end_process(kwin)  # a fresh KWin stand-in (same bus name) for the tray's driver
    kwin = fake_shell("kde", "kwin527_null_switch.jsonl")
    rows = [json.loads(line) for line in paced(kwin, QT_PROBE, env, 4)]
    assert [(r["app"], r["title"]) for r in rows] == expected


def test_watch_on_gnome_prints_focus_changes_from_the_extension(session_bus, fake_shell):
    shell = fake_shell("gnome", "gnome_focus.jsonl")
    lines = paced(shell, watch(False, 5), desktop_env(session_bus, "ubuntu:GNOME"), 5)

    lines = [line.split("  ", 1)[1] for line in lines]
    assert lines == [
        'libreoffice-calc  "Budget.xlsx - LibreOffice Calc"',
        'org.gnome.nautilus  "Documents"',
        'org.gnome.nautilus  "Pictures"',
        'org.gnome.nautilus  "Pictures"  [full screen]',
        '(no active window)  ""',
    ]


@pytest.mark.parametrize(
    ("version", "first_code_line"),
    [("43.9", "const {Gio, GLib, Shell} = imports.gi;"), ("46.0", "import Gio from 'gi://Gio';")],
)
def test_gnome_without_the_extension_installs_the_one_the_shell_loads(
    session_bus, fake_shell, tmp_path, version, first_code_line
):
    fake_shell("gnome-no-extension", "gnome_focus.jsonl", FAKE_SHELL_VERSION=version)
    env = {**desktop_env(session_bus, "GNOME"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = run_python(WATCH.format(json=True, n=1), env)
    assert done.returncode == 1
    folder = tmp_path / "data" / "gnome-shell" / "extensions" / "cuecards@cuecards.example"
    assert done.stderr.splitlines() == [
        "cuecards watch: gnome: the Cuecards GNOME Shell extension was not running; Cuecards "
        f"installed the one for GNOME Shell {version} in {folder}: log out and back in (GNOME "
        "on Wayland loads new extensions only at login), then run `gnome-extensions enable "
        "cuecards@cuecards.example`"
    ]
    assert first_code_line in (folder / "extension.js").read_text(encoding="utf-8")
    shells = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))["shell-version"]
    assert version.split(".")[0] in shells

    code = "import json\nfrom app.desktop.watch.doctor import watcher_report\n"
    code += "print(json.dumps(watcher_report(timeout=1)))"
    report = json.loads(run_python(code, env).stdout)
    assert report["ok"] is False and report["backend"] == "gnome"
    assert "gnome-extensions enable" in report["message"]
    assert "search hotkey" in report["message"]


def test_gnome_extension_that_cannot_be_installed_says_how_to_copy_it(
    session_bus, fake_shell, tmp_path
):
    fake_shell("gnome-no-extension", "gnome_focus.jsonl", FAKE_SHELL_VERSION="43.9")
    (tmp_path / "data").write_text("a file where the data folder should be")
    env = {**desktop_env(session_bus, "GNOME"), "XDG_DATA_HOME": str(tmp_path / "data")}
    done = run_python(WATCH.format(json=True, n=1), env)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "could not be installed" in lines[0]
    assert "shell-42-to-44/cuecards@cuecards.example/. " in lines[0] and "cp -r " in lines[0]
    assert "gnome-extensions enable cuecards@cuecards.example" in lines[0]


def test_kde_without_kwin_exits_with_one_clear_line(session_bus):
    done = run_python(WATCH.format(json=True, n=1), desktop_env(session_bus, "KDE"))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "cuecards watch: kde: KWin is not reachable on D-Bus (org.freedesktop.DBus.Error."
        "ServiceUnknown: The name org.kde.KWin was not provided by any .service files); "
        "this backend needs a KDE Plasma 5.27 or 6 session"
    ]


def test_ctrl_c_stops_watch_waiting_in_the_qt_loop(session_bus, fake_shell):
    shell = fake_shell("gnome", "gnome_focus.jsonl")
    proc = subprocess.Popen(
        [sys.executable, "-c", WATCH.format(json=True, n=None)],
        env=desktop_env(session_bus, "GNOME"),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for index in range(5):  # all five reports printed: now it waits in the Qt loop
            json.loads(read_line(proc.stdout))
            if index < 4:
                next_step(shell)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        end_process(proc, kill=True)
