"""Normalised application ids, the same rules on every platform (DESIGN.md, Context).

Windows: the exe name lower-cased without `.exe` (`C:\\…\\EXCEL.EXE` → `excel`). macOS: the
bundle id lower-cased (`com.microsoft.Excel` → `com.microsoft.excel`). X11: the WM_CLASS
class lower-cased, the instance when the class is empty. Wayland: the app_id lower-cased with
a trailing `.desktop` removed (GNOME reports desktop-file ids). Pure functions, no OS calls
except `exe_for_pid`, which reads /proc.
"""

from __future__ import annotations

import os

_EXE_SUFFIXES = (".exe", ".com", ".bat", ".cmd")


def from_exe_path(path: str) -> str:
    """Windows/Unix executable path or name → id: base name, lower case, no `.exe`."""
    name = path.strip().strip('"').replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    lowered = name.lower()
    for suffix in _EXE_SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return lowered[: -len(suffix)]
    return lowered


def from_bundle_id(bundle_id: str | None, fallback_name: str | None = None) -> str:
    """macOS bundle id → id; an app without one (a bare binary) uses its executable name."""
    if bundle_id and bundle_id.strip():
        return bundle_id.strip().lower()
    return from_exe_path(fallback_name) if fallback_name else ""


def from_wm_class(instance: str | None, klass: str | None) -> str:
    """X11 WM_CLASS (instance, class) → the class lower-cased, else the instance."""
    for part in (klass, instance):
        if part and part.strip():
            return part.strip().lower()
    return ""


def from_wayland_app_id(app_id: str | None) -> str:
    """Wayland app_id (or a desktop-file id) → lower case without `.desktop`."""
    if not app_id:
        return ""
    value = app_id.strip().lower()
    if value.endswith(".desktop"):
        value = value[: -len(".desktop")]
    return value


def exe_for_pid(pid: int | None, proc: str = "/proc") -> str | None:
    """The executable base name of a local process from /proc, or None when unknown.

    `/proc/<pid>/exe` is a symlink we may not be allowed to read (another user's process);
    `comm` is readable and holds the first 15 bytes of the name, so it is the fallback.
    """
    if not pid or pid <= 0:
        return None
    try:
        target = os.readlink(f"{proc}/{pid}/exe")
    except OSError:
        target = ""
    if target:
        name = target.removesuffix(" (deleted)")
        return from_exe_path(name)
    try:
        with open(f"{proc}/{pid}/comm", encoding="utf-8", errors="replace") as fh:
            comm = fh.read().strip()
    except OSError:
        return None
    return from_exe_path(comm) if comm else None
