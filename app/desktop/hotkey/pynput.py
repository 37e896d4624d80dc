"""The fallback palette hotkey on X11 and Windows: pynput's GlobalHotKeys, used only where
the native backend is unavailable or `hotkey.backend` says `pynput`. It receives every key
pressed in any application to find the combination.

pynput listens on its own thread (X11 RECORD, or a Windows low-level keyboard hook); its
callback only calls `emit`, which emits a Qt signal, so everything else runs on the Qt thread.
pynput is imported here, lazily: it raises ImportError when no display is reachable.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from app.desktop.hotkey.base import HotkeyUnavailable
from app.desktop.hotkey.combo import Combo

# How long to wait for pynput's listener thread to be ready (it is ready within milliseconds
# when the display allows listening; it dies at once when it does not).
READY_SECONDS = 2.0


class PynputHotkey:
    """A pynput GlobalHotKeys listener for one combination."""

    name = "pynput"

    def __init__(self) -> None:
        self._listener: Any = None

    def start(self, combo: Combo, emit: Callable[[], None], fail: Callable[[str], None]) -> None:
        try:
            from pynput import keyboard
        except ImportError as exc:
            raise HotkeyUnavailable(f"pynput cannot reach the display ({exc})") from exc

        class Listener(keyboard.GlobalHotKeys):
            """GlobalHotKeys whose thread ends quietly once stopped (pynput's X11 clean-up may
            find the connection it just closed gone, which is no news after stop()), and
            reports a display lost while running as a late failure, never a traceback."""

            stopping = False

            def run(self) -> None:
                try:
                    super().run()
                except Exception as exc:
                    if not self.stopping:
                        fail(f"the connection to the display was lost ({type(exc).__name__})")

            def stop(self) -> None:
                self.stopping = True
                # with the display gone, pynput's clean-up cannot reach it: nothing to undo
                with contextlib.suppress(Exception):
                    super().stop()

        try:
            listener = Listener({combo.pynput(): emit})
        except ValueError as exc:
            raise HotkeyUnavailable(f"pynput does not accept {combo.pynput()!r}: {exc}") from exc
        listener.daemon = True
        listener.start()
        # listener.wait() blocks for ever if the thread dies before it is ready: wait on a helper.
        waiter = threading.Thread(target=listener.wait, daemon=True)
        waiter.start()
        waiter.join(READY_SECONDS)
        if waiter.is_alive() or not listener.is_alive():
            reason = _failure(listener)
            listener.stop()
            raise HotkeyUnavailable(reason)
        self._listener = listener

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


def _failure(listener: Any) -> str:
    """Why the listener thread stopped, from the exception pynput keeps for join()."""
    try:
        listener.join(0.1)
    except Exception as exc:  # noqa: BLE001 - pynput re-raises whatever its thread hit
        return f"the key listener stopped: {exc}"
    return "the key listener did not start (the X server may lack the RECORD extension)"
