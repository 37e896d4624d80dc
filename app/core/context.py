"""What the person is working in right now, as every desktop backend reports it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Context:
    """The active window: a normalised app id and its title (kept in memory only).

    `app` is the Windows exe name lower-cased without `.exe`, the macOS bundle id,
    the X11 WM_CLASS class lower-cased or the Wayland app_id. `title` is never stored.
    """

    app: str
    title: str = ""
    backend: str = "none"
    pid: int | None = None
    fullscreen: bool = False
