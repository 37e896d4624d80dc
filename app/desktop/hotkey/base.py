"""What the palette hotkey's facade and its backends share: the backend interface, the error
a backend raises when it cannot listen, and the status the facade reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.desktop.hotkey.combo import Combo


class HotkeyUnavailable(RuntimeError):
    """The backend cannot listen for the hotkey here; the message says why."""


class HotkeyTaken(HotkeyUnavailable):
    """Another program already holds the combination: the person must choose another one (a
    different backend would not help, so the facade does not fall back)."""


class NotOnKeyboard(HotkeyUnavailable):
    """This keyboard cannot type the combination (no such key, no Super modifier): another
    backend would not help either, so the facade does not fall back."""


@dataclass(frozen=True, slots=True)
class HotkeyStatus:
    """Whether the hotkey reliably opens the palette, a sentence for the tray and `doctor`, the
    backend used and which keys it observes (privacy: "only Ctrl+Alt+Space" or "every key…").
    A combination the system also uses stays registered but is not ok; `taken`: another
    program holds it, so only another combination helps."""

    ok: bool
    message: str
    backend: str = ""
    observes: str = ""
    taken: bool = False


class HotkeyBackend(Protocol):
    """One way of listening for a global key combination."""

    name: str

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        """Listen for `combo` and call `emit` (from any thread) on each press; raise
        HotkeyUnavailable when it cannot, or call `fail` with a reason if that is only known
        later."""

    def stop(self) -> None:
        """Stop listening; safe to call twice."""
