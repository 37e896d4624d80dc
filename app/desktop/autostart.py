"""Start Cuecards at login, one interface per OS: an XDG autostart entry on Linux, the
per-user Run key on Windows, a LaunchAgent on macOS.

The entry runs the installed launcher (`/usr/bin/cuecards run`, `cuecardsw.exe run`, the
executable inside `Cuecards.app`); from a source checkout it runs this Python with `-m app`.
`sync_login_item` applies the `ui.autostart` setting; OS modules are imported only when used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from app.paths import packaged

if TYPE_CHECKING:
    from app.settings import Settings

ENTRY_NAME = "cuecards.desktop"
RUN_VALUE = "Cuecards"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
AGENT_LABEL = "example.cuecards.login"
COMMENT = "Tips for the app you are working in, at the moment you need them"
# Characters that make the Desktop Entry spec's Exec key quote an argument.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class LoginItem(Protocol):
    """The OS's "start at login" entry for Cuecards."""

    where: str

    def enabled(self) -> bool: ...

    def set(self, enabled: bool) -> None: ...


def launch_command(
    executable: str | None = None, frozen: bool | None = None, platform: str = sys.platform
) -> list[str]:
    """The command a login starts: the installed launcher, or this Python with `-m app`."""
    executable = executable or sys.executable
    frozen = packaged() if frozen is None else frozen
    exe = Path(executable)
    if not frozen:
        if platform == "win32" and (exe.parent / "pythonw.exe").is_file():
            exe = exe.parent / "pythonw.exe"  # no console window at login
        return [str(exe), "-m", "app", "run"]
    if platform == "win32":
        windowed = exe.parent / "cuecardsw.exe"
        return [str(windowed if windowed.is_file() else exe), "run"]
    if platform.startswith("linux"):
        # /usr/bin/cuecards for the .deb: a name that stays while /opt/cuecards is replaced.
        on_path = shutil.which("cuecards")
        if on_path and Path(on_path).resolve() == exe.resolve():
            return [on_path, "run"]
    return [str(exe), "run"]


# ----- Linux: XDG autostart ------------------------------------------------------------------


def exec_line(command: Sequence[str]) -> str:
    """`command` as a Desktop Entry `Exec` value (quoted per the spec, `%` doubled)."""
    parts = []
    for arg in command:
        arg = arg.replace("%", "%%")
        if arg and not _RESERVED & set(arg):
            parts.append(arg)
            continue
        quoted = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        parts.append(f'"{quoted}"')
    # The string-type escape applies on top of the quoting: a backslash is written twice.
    return " ".join(parts).replace("\\", "\\\\")


def desktop_entry(command: Sequence[str], hidden: bool = False) -> str:
    """The autostart `.desktop` file that starts `command` (or, hidden, turns a system one off)."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=Cuecards",
        f"Comment={COMMENT}",
        f"Exec={exec_line(command)}",
        # A session skips the entry once this file is gone (the package was removed).
        "TryExec=" + command[0].replace("\\", "\\\\"),
        "Icon=cuecards",
        "Terminal=false",
        "X-GNOME-Autostart-enabled=true",
    ]
    if hidden:
        lines.append("Hidden=true")  # the spec's per-user "off" for a system-wide entry
    return "\n".join(lines) + "\n"


def _entry_on(path: Path) -> bool:
    """An autostart entry that a session would start (not Hidden, not disabled for GNOME)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    keys = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            keys[name.strip()] = value.strip().lower()
    return keys.get("Hidden") != "true" and keys.get("X-GNOME-Autostart-enabled") != "false"


class XdgAutostart:
    """`$XDG_CONFIG_HOME/autostart/cuecards.desktop`, aware of a system-wide entry (the .deb's
    `/etc/xdg/autostart/cuecards.desktop`) that a per-user `Hidden=true` entry turns off."""

    def __init__(self, command: Sequence[str], environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        home = Path(env.get("HOME") or Path.home())
        config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        dirs = [d for d in (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if d]
        self.command = list(command)
        self.path = config_home / "autostart" / ENTRY_NAME
        self.system = [Path(d) / "autostart" / ENTRY_NAME for d in dirs]

    @property
    def where(self) -> str:
        """The entry a session reads: the person's own, else the system-wide one."""
        system = self._system_entry()
        return str(system if system is not None and not self.path.is_file() else self.path)

    def _system_entry(self) -> Path | None:
        return next((p for p in self.system if p.is_file()), None)

    def enabled(self) -> bool:
        if self.path.is_file():
            return _entry_on(self.path)
        system = self._system_entry()
        return system is not None and _entry_on(system)

    def set(self, enabled: bool) -> None:
        if enabled:
            self._write(desktop_entry(self.command))
        elif self._system_entry() is not None:
            self._write(desktop_entry(self.command, hidden=True))
        else:
            self.path.unlink(missing_ok=True)

    def _write(self, text: str) -> None:
        data = text.encode("utf-8")
        if self.path.is_file() and self.path.read_bytes() == data:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{ENTRY_NAME}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.path)


# ----- Windows: HKCU\...\Run ------------------------------------------------------------------


class RunKeyStore(Protocol):
    """The values of the current user's Run key (winreg in the app, a dict in tests)."""

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WinregRunKey:
    """HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run through winreg."""

    def get(self, name: str) -> str | None:
        import winreg  # type: ignore[import-not-found]  # Windows only

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                return str(winreg.QueryValueEx(key, name)[0])
        except FileNotFoundError:
            return None

    def put(self, name: str, value: str) -> None:
        import winreg  # type: ignore[import-not-found]

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)

    def delete(self, name: str) -> None:
        import winreg  # type: ignore[import-not-found]

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, name)
        except FileNotFoundError:
            pass


class WindowsRunKey:
    """The `Cuecards` value of the per-user Run key: no admin rights, removed by the uninstaller."""

    def __init__(self, command: Sequence[str], store: RunKeyStore | None = None) -> None:
        # The executable always quoted, as the installer writes it: one value, whoever wrote it.
        self.value = " ".join([f'"{command[0]}"', subprocess.list2cmdline(list(command[1:]))])
        self.store = store if store is not None else WinregRunKey()
        self.where = f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"

    def enabled(self) -> bool:
        return self.store.get(RUN_VALUE) is not None

    def set(self, enabled: bool) -> None:
        if enabled:
            if self.store.get(RUN_VALUE) != self.value:
                self.store.put(RUN_VALUE, self.value)
        else:
            self.store.delete(RUN_VALUE)


# ----- macOS: a LaunchAgent -------------------------------------------------------------------


def launch_agent(command: Sequence[str]) -> bytes:
    """The LaunchAgent property list: run `command` once per login, in the GUI session."""
    plist = {
        "Label": AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "KeepAlive": False,
        "LimitLoadToSessionType": "Aqua",
        "ProcessType": "Interactive",
    }
    import plistlib  # macOS only: its XML parser stays out of the tray elsewhere

    return plistlib.dumps(plist, fmt=plistlib.FMT_XML, sort_keys=True)


class LaunchAgent:
    """`~/Library/LaunchAgents/example.cuecards.login.plist`, loaded by launchd at the next
    login (macOS 13 and later say so in a "Background item added" notice)."""

    def __init__(self, command: Sequence[str], home: Path | None = None) -> None:
        self.command = list(command)
        self.path = (home or Path.home()) / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist"
        self.where = str(self.path)

    def enabled(self) -> bool:
        return self.path.is_file()

    def set(self, enabled: bool) -> None:
        if not enabled:
            self.path.unlink(missing_ok=True)
            return
        data = launch_agent(self.command)
        if self.path.is_file() and self.path.read_bytes() == data:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.path)


# ----- choosing and applying -------------------------------------------------------------------


def for_this_os(platform: str = sys.platform) -> LoginItem:
    """The login item for this OS, starting the command from `launch_command`."""
    command = launch_command(platform=platform)
    if platform == "win32":
        return WindowsRunKey(command)
    if platform == "darwin":
        return LaunchAgent(command)
    return XdgAutostart(command)


def sync_login_item(
    settings: Settings, changed: bool = False, item: LoginItem | None = None
) -> str | None:
    """Make the login item match `ui.autostart`; None when done, else what went wrong.

    `changed`: the person just set or reset it. Otherwise (at start) a source checkout's
    untouched default leaves the login items alone: a developer's run, or a test's data
    directory, never removes the installed app's entry.
    """
    if not changed and not packaged() and settings.origin("ui.autostart") == "default":
        return None
    wanted = bool(settings.get("ui.autostart"))
    item = item or for_this_os()
    try:
        item.set(wanted)
    except OSError as exc:
        verb = "add Cuecards to" if wanted else "remove Cuecards from"
        return f"cannot {verb} the programs started at login ({item.where}): {exc}"
    return None
