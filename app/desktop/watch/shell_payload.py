"""The JSON the KWin script and the GNOME Shell extension send over D-Bus: parser and helpers.

Both shell-side scripts (resources/desktop/kwin/…, resources/desktop/gnome-shell-extension/…)
report the focused window as one JSON string, version 1:

    {"v": 1, "event": "activated" | "title" | "fullscreen" | "none",
     "class": "org.kde.dolphin", "app_id": "org.kde.dolphin.desktop",
     "title": "Documents — Dolphin", "pid": 4242, "fullscreen": false}

`class` is the window's own id (the Wayland app_id, or WM_CLASS class for XWayland
windows: KWin `resourceClass`, Mutter `get_wm_class()`), `app_id` the desktop-file id the
shell matched (a fallback when `class` is empty). `event` "none" means nothing has focus.
A JSON string, rather than typed D-Bus arguments, keeps the two scripts and this parser in
step through one versioned shape and lets unknown keys be added without breaking us.
"""

from __future__ import annotations

import json

from app.core.context import Context
from app.desktop.watch import appid

EVENTS = ("activated", "title", "fullscreen", "none")


def context_from_shell_payload(text: str, backend: str) -> Context:
    """Parse one payload into a Context; ValueError names the field that is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"payload is not JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(data, dict):
        raise ValueError("payload must be a JSON object")
    if data.get("v") != 1:
        raise ValueError(f"payload version {data.get('v')!r} is not supported (expected 1)")
    event = data.get("event")
    if event not in EVENTS:
        raise ValueError(f"event {event!r} is not one of {', '.join(EVENTS)}")
    if event == "none":
        return Context(app="", title="", backend=backend)
    for key, kind in (("class", str), ("app_id", str), ("title", str)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            raise ValueError(f"{key} must be a string, got {type(data[key]).__name__}")
    pid = data.get("pid")
    if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int | float)):
        raise ValueError(f"pid must be a number, got {type(pid).__name__}")
    fullscreen = data.get("fullscreen", False)
    if not isinstance(fullscreen, bool):
        raise ValueError(f"fullscreen must be true or false, got {fullscreen!r}")
    app = appid.from_wayland_app_id(data.get("class")) or appid.from_wayland_app_id(
        data.get("app_id")
    )
    return Context(
        app=app,
        title=data.get("title") or "",
        backend=backend,
        pid=int(pid) if pid and pid > 0 else None,
        fullscreen=fullscreen,
    )


def render_kwin_script(template: str, service: str, path: str) -> str:
    """The KWin script with our bus name and object path filled in as JS string literals."""
    return template.replace("@SERVICE@", json.dumps(service)).replace("@PATH@", json.dumps(path))
