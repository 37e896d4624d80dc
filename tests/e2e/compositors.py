"""Real Wayland compositors, headless, for the watcher tiers (TESTING.md has the recipes).

* `SwaySession`: sway 1.7 on wlroots' headless backend with the pixman renderer. sway refuses
  to run as root, so as root it runs as the plain user `wl` (created once) with a private
  runtime folder; clients and watchers connect as root. `grim` takes screenshots.
* `KWinSession`: KWin 5.27's `kwin_wayland --virtual` on a private session bus. The packaged
  binary carries a file capability this kind of sandbox refuses, so a plain copy runs.
  Focus is switched by a throw-away KWin script loaded over D-Bus; KWin's own ScreenShot2
  interface takes screenshots (kwin_screenshot.py).
* `GnomeSession`: GNOME Shell 43 `--headless --virtual-monitor` in a private mount namespace
  (an empty /run/systemd, so no leftover seats; its own system bus in /run/dbus) on a private
  session bus. Our extension is installed by the backend's own installer in the format the
  shell loads (42-44); a test-only extension turns on `unsafe_mode` so the test can focus
  windows through `org.gnome.Shell.Eval` and take screenshots.

Each `start()` returns once the session accepts clients; `stop()` ends exactly the processes
it started (their process groups).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.desktop.watch import gnome_extension
from tests.e2e.wayland import (
    ARTIFACTS,
    DEADLINE,
    REPO,
    Compositor,
    base_env,
    bus_config,
    private_bus,
    stop_group,
    wait_for,
)

SWAY_USER = "wl"
HERE = Path(__file__).resolve().parent
EVAL_EXTENSION = HERE / "gnome_eval_extension"
EVAL_UUID = "cuecards-test-eval@cuecards.example"


def _dbus_send(env: dict[str, str], dest: str, path: str, method: str, *args: str) -> str:
    done = subprocess.run(
        ["dbus-send", "--session", "--print-reply", f"--dest={dest}", path, method, *args],
        env=env, capture_output=True, text=True, timeout=DEADLINE, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{method} failed: {done.stderr.strip()}")
    return done.stdout


class SwaySession(Compositor):
    """sway, headless; see the module docstring."""

    name = backend = "sway"

    def start(self) -> SwaySession:
        began = time.monotonic()
        # pytest's temporary folders are private to root: sway's user could not reach them.
        self.own = Path(tempfile.mkdtemp(prefix="cuecards-sway-"))
        self.own.chmod(0o755)
        run = self.own / "run"
        run.mkdir(mode=0o700)
        config = self.own / "sway.conf"
        config.write_text("output HEADLESS-1 resolution 1280x800\nxwayland disable\n")
        config.chmod(0o644)
        env = {
            "HOME": str(self.own), "PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(run),
            "WLR_BACKENDS": "headless", "WLR_LIBINPUT_NO_DEVICES": "1", "WLR_RENDERER": "pixman",
        }  # fmt: skip
        argv = ["sway", "-c", str(config)]
        if os.geteuid() == 0:
            _ensure_user(SWAY_USER)
            os.chown(run, pwd.getpwnam(SWAY_USER).pw_uid, -1)
            argv = ["runuser", "-u", SWAY_USER, "--", "env", "-i"] + [
                f"{k}={v}" for k, v in env.items()
            ] + argv  # fmt: skip
            env = {}
        self.log = (self.folder / "sway.log").open("w")
        self.proc = subprocess.Popen(
            argv, env=env or None, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.run = run
        self.display = wait_for(lambda: self._socket("wayland-*"), "sway's Wayland socket")
        self.sock = str(run / wait_for(lambda: self._socket("sway-ipc.*.sock"), "sway's IPC"))
        self.started_in = time.monotonic() - began
        return self

    def client_env(self) -> dict[str, str]:
        return base_env(
            XDG_RUNTIME_DIR=str(self.run), WAYLAND_DISPLAY=self.display, SWAYSOCK=self.sock,
            XDG_CURRENT_DESKTOP="sway", XDG_SESSION_TYPE="wayland",
        )  # fmt: skip

    def msg(self, command: str) -> list[dict]:
        """Run a sway command list with swaymsg; each command must succeed."""
        done = subprocess.run(
            ["swaymsg", "-s", self.sock, command],
            capture_output=True, text=True, timeout=DEADLINE, check=False,
        )  # fmt: skip
        replies = json.loads(done.stdout) if done.stdout.strip().startswith("[") else []
        assert done.returncode == 0 and all(r.get("success") for r in replies), done.stdout
        return replies

    def activate(self, app_id: str) -> None:
        self.msg(f"[app_id={app_id}] focus")

    def screenshot(self, name: str) -> Path | None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        env = {**self.client_env(), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        subprocess.run(["grim", str(path)], env=env, check=True, timeout=DEADLINE)
        return path

    def stop(self) -> None:
        super().stop()
        stop_group(getattr(self, "proc", None))
        if getattr(self, "log", None):
            self.log.close()
        if getattr(self, "own", None):
            shutil.rmtree(self.own, ignore_errors=True)

    def _socket(self, pattern: str) -> str | None:
        found = sorted(p.name for p in self.run.glob(pattern) if not p.name.endswith(".lock"))
        return found[0] if found else None


class KWinSession(Compositor):
    """KWin 5.27 with a virtual output; see the module docstring."""

    name, backend = "kwin", "kde"

    def start(self) -> KWinSession:
        began = time.monotonic()
        self.run = self.folder / "run"
        self.run.mkdir(mode=0o700)
        self.bus, self.address = private_bus(self.folder)
        binary = self.folder / "kwin_wayland"
        shutil.copy(shutil.which("kwin_wayland") or "/usr/bin/kwin_wayland", binary)
        env = base_env(
            XDG_RUNTIME_DIR=str(self.run), DBUS_SESSION_BUS_ADDRESS=self.address,
            HOME=str(self.folder), XDG_CONFIG_HOME=str(self.folder / "config"),
            KWIN_SCREENSHOT_NO_PERMISSION_CHECKS="1",  # lets kwin_screenshot.py ask for one
        )  # fmt: skip
        self.log = (self.folder / "kwin.log").open("w")
        self.proc = subprocess.Popen(
            [str(binary), "--virtual", "--width", "1280", "--height", "800", "--socket",
             "wayland-k", "--no-lockscreen", "--no-global-shortcuts", "--no-kactivities"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: (self.run / "wayland-k").exists(), "KWin's Wayland socket")
        wait_for(self._scripting, "KWin's scripting interface on D-Bus")
        self.started_in = time.monotonic() - began
        self._scripts = 0
        return self

    def client_env(self) -> dict[str, str]:
        return base_env(
            XDG_RUNTIME_DIR=str(self.run), WAYLAND_DISPLAY="wayland-k",
            DBUS_SESSION_BUS_ADDRESS=self.address, XDG_CURRENT_DESKTOP="KDE",
            XDG_SESSION_TYPE="wayland",
        )  # fmt: skip

    def run_script(self, source: str) -> None:
        """Load, run and unload a throw-away KWin script (Plasma 5.27 object paths)."""
        self._scripts += 1
        plugin = f"cuecards-test-{self._scripts}"
        path = self.folder / f"{plugin}.js"
        path.write_text(source, encoding="utf-8")
        env = self.client_env()
        reply = _dbus_send(env, "org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting.loadScript",
                           f"string:{path}", f"string:{plugin}")  # fmt: skip
        script_id = int(reply.split("int32")[1].split()[0])
        _dbus_send(env, "org.kde.KWin", f"/{script_id}", "org.kde.kwin.Script.run")

    def activate(self, app_id: str) -> None:
        self.run_script(
            "const cs = workspace.clientList();\n"
            "for (let i = 0; i < cs.length; i++)\n"
            f"    if (cs[i].resourceClass == {json.dumps(app_id)})\n"
            "        workspace.activeClient = cs[i];\n"
        )

    def screenshot(self, name: str) -> Path | None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        subprocess.run(
            [sys.executable, "-m", "tests.e2e.kwin_screenshot", str(path), "1280", "800"],
            env={**self.client_env(), "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
            cwd=REPO, check=True, timeout=DEADLINE,
        )  # fmt: skip
        return path

    def stop(self) -> None:
        super().stop()
        stop_group(getattr(self, "proc", None))
        stop_group(getattr(self, "bus", None))
        if getattr(self, "log", None):
            self.log.close()

    def _scripting(self) -> bool:
        try:
            _dbus_send(self.client_env(), "org.kde.KWin", "/Scripting",
                       "org.freedesktop.DBus.Introspectable.Introspect")  # fmt: skip
        except RuntimeError:
            return False
        return True


class GnomeSession(Compositor):
    """GNOME Shell 43, headless; see the module docstring."""

    name = backend = "gnome"

    def start(self) -> GnomeSession:
        began = time.monotonic()
        self.run = self.folder / "run"
        self.run.mkdir(mode=0o700)
        home = self.folder / "home"
        self.version = _gnome_shell_version()
        extensions = home / ".local" / "share" / "gnome-shell" / "extensions"
        gnome_extension.install(self.version, extensions)  # the backend's own installer
        shutil.copytree(EVAL_EXTENSION, extensions / EVAL_UUID)
        settings = home / ".config" / "glib-2.0" / "settings"
        settings.mkdir(parents=True)
        (settings / "keyfile").write_text(
            "[org/gnome/shell]\ndisable-user-extensions=false\n"
            f"enabled-extensions=['{EVAL_UUID}', '{gnome_extension.UUID}']\n",
            encoding="utf-8",
        )
        self.bus, self.address = private_bus(self.folder)
        system_conf = self.folder / "system-bus.conf"
        system_conf.write_text(bus_config("system", "/run/dbus/system_bus_socket"))
        script = (
            "set -e; mkdir -p /run/systemd /run/dbus; mount -t tmpfs none /run/systemd; "
            "mount -t tmpfs none /run/dbus; "
            f"dbus-daemon --config-file={system_conf} --nofork & "
            "while [ ! -S /run/dbus/system_bus_socket ]; do sleep 0.05; done; "
            "exec gnome-shell --headless --wayland --no-x11 --virtual-monitor 1280x800 "
            "--wayland-display=wayland-g"
        )
        env = base_env(
            HOME=str(home), XDG_RUNTIME_DIR=str(self.run), DBUS_SESSION_BUS_ADDRESS=self.address,
            XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local" / "share"),
            GSETTINGS_BACKEND="keyfile", XDG_CURRENT_DESKTOP="GNOME", NO_AT_BRIDGE="1",
            GTK_A11Y="none", XDG_SESSION_TYPE="wayland",
        )  # fmt: skip
        self.log = (self.folder / "gnome-shell.log").open("w")
        self.proc = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", script], env=env, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for(self._extension_answers, "GNOME Shell with the Cuecards extension", 60)
        # The shell starts in the overview (after its start-up animation, so ask until it
        # has gone): there no window has the focus.
        hidden = "Main.overview.hide(); !Main.overview.visible && !Main.layoutManager._startingUp"
        wait_for(lambda: self.eval(hidden) == "true", "the overview to hide")
        self.started_in = time.monotonic() - began
        return self

    def client_env(self) -> dict[str, str]:
        return base_env(
            XDG_RUNTIME_DIR=str(self.run), WAYLAND_DISPLAY="wayland-g",
            DBUS_SESSION_BUS_ADDRESS=self.address, XDG_CURRENT_DESKTOP="GNOME",
            XDG_SESSION_TYPE="wayland",
        )  # fmt: skip

    def eval(self, code: str) -> str:
        """Run JavaScript in the shell (test-only unsafe mode); its JSON result."""
        reply = _dbus_send(self.client_env(), "org.gnome.Shell", "/org/gnome/Shell",
                           "org.gnome.Shell.Eval", f"string:{code}")  # fmt: skip
        ok, _, value = reply.partition("boolean ")[2].partition("\n")
        assert ok.strip() == "true", reply
        return value.split('string "', 1)[1].rsplit('"', 1)[0]

    def activate(self, app_id: str) -> None:
        found = self.eval(
            "const w = global.get_window_actors().map(a => a.meta_window)"
            f".find(w => w.get_wm_class() === {json.dumps(app_id)});"
            "if (w) w.activate(global.get_current_time()); Boolean(w)"
        )
        assert found == "true", f"no window {app_id} in GNOME Shell"

    def screenshot(self, name: str) -> Path | None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        _dbus_send(self.client_env(), "org.gnome.Shell.Screenshot", "/org/gnome/Shell/Screenshot",
                   "org.gnome.Shell.Screenshot.Screenshot", "boolean:false", "boolean:false",
                   f"string:{path}")  # fmt: skip
        return path

    def stop(self) -> None:
        super().stop()
        stop_group(getattr(self, "proc", None))
        stop_group(getattr(self, "bus", None))
        if getattr(self, "log", None):
            self.log.close()

    def _extension_answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"gnome-shell exited ({self.proc.returncode}); see {self.log.name}")
        try:
            _dbus_send(self.client_env(), "org.gnome.Shell", "/org/cuecards/Shell",
                       "org.cuecards.Shell.Current")  # fmt: skip
        except RuntimeError:
            return False
        return True


def _gnome_shell_version() -> str:
    """`gnome-shell --version` → "43.9"."""
    out = subprocess.run(
        ["gnome-shell", "--version"], capture_output=True, text=True, timeout=DEADLINE, check=True
    ).stdout
    return out.split()[-1]


def _ensure_user(name: str) -> None:
    """Create the plain user sway runs as (once per machine; root only)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-m", name], check=True, timeout=DEADLINE)
