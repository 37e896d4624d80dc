"""The moment of need: watcher → matcher → attention budget → popup, with the usage events of
each step. A window change is matched, the budget decides, and at most one single-shot timer
waits for the moment a pending card may show. Window titles stay in this process's memory (as
a salted hash for the budget); the usage log gets app ids only.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QCursor, QGuiApplication

from app.tray.timers import MAX_TIMER_MS, single_shot

if TYPE_CHECKING:
    from app.core.context import Context
    from app.core.matcher import Match, Matcher
    from app.core.pacing import Pacer
    from app.desktop.watch.qt_driver import QtWatcher
    from app.settings import Settings
    from app.store.state import StateStore
    from app.store.usage import UsageLog
    from app.ui.popup import Popup, PopupContent

OWN_APP = "cuecards"


class Moment(QObject):
    """Watches the window in front and offers fitting cards under the attention budget.

    What a popup asks of others it emits: `card_requested(pack, card)` for Open,
    `snooze_requested(pack, card, app)` for Snooze; `app_changed()` when another app came to
    the front (the tray menu names it).
    """

    card_requested = Signal(str, str)
    snooze_requested = Signal(str, str, object)
    app_changed = Signal()

    def __init__(
        self,
        settings: Settings,
        usage: UsageLog,
        store: StateStore,
        pacer: Pacer,
        tell: Callable[[str], None],
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.usage = usage
        self.store = store
        self.pacer = pacer
        self.tell = tell
        self.clock = clock
        self.matcher: Matcher | None = None
        self.watcher: QtWatcher | None = None
        self.popup: Popup | None = None
        # Window contexts are keyed by a salted in-memory hash of app and title: never stored,
        # and the builtin hash (SipHash) keeps OpenSSL, 3.5 MB, out of the tray.
        self._salt = os.urandom(16)
        self._context: Context | None = None
        self._context_key: str | None = None
        self._matches: list[Match] = []
        self._last_stored_app: str | None = None
        self._shown: tuple[PopupContent, str] | None = None  # the card on screen, its app
        self._retry = single_shot(self, self.decide)

    # ----- start-up ------------------------------------------------------------------------

    def start_watcher(self) -> None:
        """The window watcher for this desktop; when there is none, say why cards cannot pop."""
        from app.desktop.watch.base import BackendUnavailable
        from app.desktop.watch.detect import detect
        from app.desktop.watch.qt_driver import QtWatcher

        detection = detect()
        if detection.factory is None:
            self.tell(f"cards cannot pop up here: {detection.reason}")
            return
        try:
            backend = detection.factory()
        except BackendUnavailable as exc:
            self.tell(f"cards cannot pop up here: {exc}")
            return
        if backend.warning:
            self.tell(backend.warning)
        self.watcher = QtWatcher(backend, self)
        self.watcher.changed.connect(self.on_context)
        self.watcher.lost.connect(lambda message: self.tell(f"window watching stopped: {message}"))
        self.watcher.start()

    def warm_popup(self) -> None:
        """Create the popup's native window now, so the first card costs no more than the next."""
        popup = self._popup()
        popup.ensurePolished()
        popup.winId()

    def rematch(self) -> None:
        """Match the window in front again (the matcher was replaced) and ask the budget."""
        if self._context is not None and self.matcher is not None:
            self._matches = self.matcher.match(self._context)
            self.decide()

    def app_in_front(self) -> str | None:
        """The app the person was in (our own windows never replace it)."""
        return self._context.app if self._context is not None else None

    # ----- the moment of need --------------------------------------------------------------

    def on_context(self, ctx: Context) -> None:
        """A window change: log the app, restart the dwell, match, and ask the budget."""
        if ctx.pid == os.getpid() or ctx.app == OWN_APP:
            return  # our own card view or dialogs: the person is still where they were
        key = f"{hash((self._salt, ctx.app, ctx.title)) & 0xFFFFFFFFFFFFFFFF:016x}"
        new_context = key != self._context_key
        previous_app = self._context.app if self._context is not None else None
        self._context, self._context_key = ctx, key
        stored = self.usage.app_id(ctx.app)
        # One row per switch between apps as stored: title changes inside one app, and moves
        # among apps no pack knows ("other"), would only say how often titles change.
        if stored != self._last_stored_app:
            self.usage.record("context", app=ctx.app)
        self._last_stored_app = stored
        self.pacer.on_context(ctx.app, ctx.fullscreen, key)
        if ctx.app != previous_app:
            self.app_changed.emit()
            if self._shown is not None and self._shown[1] != ctx.app and self.popup is not None:
                self.popup.hide_popup()  # the card was about the window the person left
                self._shown = None
        self._matches = self.matcher.match(ctx) if self.matcher is not None else []
        if new_context and self._matches:
            top = self._matches[0]
            self.usage.record("matched", top.pack, top.card, ctx.app)
        self.decide()

    def decide(self) -> None:
        """Ask the budget about the current matches: show one now, or wait for `retry_at`."""
        from app.core.pacing import Candidate

        self._retry.stop()
        if not self._matches:
            return
        candidates = [
            Candidate(m.pack, m.card, m.dwell, m.priority, m.score) for m in self._matches
        ]
        idle = None
        if self.pacer.config.quiet_when_idle_seconds > 0 and self.watcher is not None:
            idle = self.watcher.backend.idle_seconds()
        decision = self.pacer.decide(candidates, idle_seconds=idle)
        if decision.show is not None:
            chosen = next(m for m in self._matches if (m.pack, m.card) == decision.show.key)
            self._show(chosen)
        elif decision.retry_at is not None:
            wait_ms = math.ceil(max(0.0, decision.retry_at - self.clock()) * 1000)
            self._retry.start(min(wait_ms, MAX_TIMER_MS))

    def _show(self, match: Match) -> None:
        from app.ui.popup import PopupContent

        assert self._context is not None
        content = PopupContent(match.pack, match.card, match.title, match.summary)
        seconds = float(self.settings.get("pacing.popup_seconds"))
        self._popup().show_content(content, screen_area(), seconds)
        app = self._context.app
        self._shown = (content, app)
        self.pacer.record_shown(match.pack, match.card)
        self.usage.record("shown", match.pack, match.card, app)
        self.store.mark_shown(match.pack, match.card)
        self.store.save(self.pacer.state)

    def _popup(self) -> Popup:
        if self.popup is None:
            from app.ui.popup import Popup

            self.popup = Popup()
            self.popup.action.connect(self.on_popup_action)
        return self.popup

    def withdraw(self, app: str | None = None) -> None:
        """Hide the card on screen (snoozed), or only a card about `app` (muted)."""
        if self.popup is None or self._shown is None:
            return
        if app is None or self._shown[1] == app:
            self.popup.hide_popup()
            self._shown = None

    def on_popup_action(self, pack: str, card: str, kind: str) -> None:
        """What the person did with a popup: log it and let the budget know."""
        app = self._shown[1] if self._shown is not None else None
        self._shown = None
        if kind == "open":
            self.usage.record("opened", pack, card, app)
            self.card_requested.emit(pack, card)
        elif kind in ("helpful", "unhelpful"):
            self.feedback(pack, card, kind, app)
        elif kind == "snooze":
            self.snooze_requested.emit(pack, card, app)
        elif kind == "never":
            self.pacer.never_again(pack, card)
            self.usage.record("never", pack, card, app)
            self.store.save(self.pacer.state)
        elif kind in ("dismissed", "timeout"):
            self.usage.record(kind, pack, card, app)

    def feedback(self, pack: str, card: str, kind: str, app: str | None = None) -> None:
        """A helpful/unhelpful vote, from a popup or the card view: logged and kept."""
        self.usage.record(kind, pack, card, app)
        self.store.vote(pack, card, kind)

    # ----- the end -------------------------------------------------------------------------

    def stop_watching(self) -> None:
        """Stop the watcher and let go of its connection to the desktop."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.backend.close()
            self.watcher = None

    def stop(self) -> None:
        """No pending card shows any more."""
        self._retry.stop()


def screen_area() -> QRect:
    """The available area of the screen the person works on: the only one, or the one
    under the pointer (the watcher reports no window geometry). Asking for the pointer is
    an X round trip that can wait for a busy server, so a single screen skips it."""
    screens = QGuiApplication.screens()
    if len(screens) == 1:
        return screens[0].availableGeometry()
    screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
    return screen.availableGeometry()
