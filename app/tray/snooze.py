"""Snooze and mute from the tray menu and the popup: no popups until a time (one single-shot
timer ends the snooze) or never in the app in front; both kept in the saved budget."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.tray.timers import MAX_TIMER_MS, single_shot
from app.ui.tray import SNOOZE_TOMORROW

if TYPE_CHECKING:
    from app.core.pacing import Pacer
    from app.store.state import StateStore
    from app.store.usage import UsageLog
    from app.ui.tray import TrayMenu


class Snooze(QObject):
    """Snoozes, resumes and mutes through the budget, logs each, and keeps the menu's
    "Snoozed until…" and "Never in <app>" entries true.

    The moment pipeline is reached through three callables: `app_in_front()`,
    `withdraw(app)` (hide the card on screen; None: whatever it is about) and `decide()`.
    """

    def __init__(
        self,
        pacer: Pacer,
        usage: UsageLog,
        store: StateStore,
        menu: TrayMenu,
        *,
        app_in_front: Callable[[], str | None],
        withdraw: Callable[[str | None], None],
        decide: Callable[[], None],
        clock: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.pacer = pacer
        self.usage = usage
        self.store = store
        self.menu = menu
        self.app_in_front = app_in_front
        self.withdraw = withdraw
        self.decide = decide
        self.clock = clock
        self._snooze_end = single_shot(self, self._snooze_ended)

    def snooze(
        self,
        seconds: int,
        *,
        pack: str | None = None,
        card: str | None = None,
        app: str | None = None,
    ) -> None:
        """No popups for `seconds`, or until tomorrow morning when `seconds` is -1."""
        from app.core.pacing import tomorrow_morning

        now = self.clock()
        if seconds == SNOOZE_TOMORROW:
            until = tomorrow_morning(now, dt.datetime.now().astimezone().tzinfo)
        else:
            until = now + seconds
        self.pacer.snooze(until)
        self.usage.record("snoozed", pack, card, app)
        self.store.save(self.pacer.state)
        self.withdraw(None)
        self.update_snoozed()

    def resume(self) -> None:
        """End a snooze now."""
        self.pacer.unsnooze()
        self.usage.record("resumed")
        self.store.save(self.pacer.state)
        self.update_snoozed()
        self.decide()

    def update_snoozed(self) -> None:
        """The menu says until when popups are snoozed; the timer ends the snooze then."""
        until = self.pacer.snoozed_until
        self._snooze_end.stop()
        if until is None:
            self.menu.set_snoozed(None)
            return
        when = dt.datetime.fromtimestamp(until)
        label = when.strftime("%H:%M")
        if when.date() != dt.date.today():
            label = when.strftime("%a %H:%M")
        self.menu.set_snoozed(f"Snoozed until {label}")
        wait_ms = math.ceil(max(0.0, until - self.clock()) * 1000) + 1
        self._snooze_end.start(min(wait_ms, MAX_TIMER_MS))

    def _snooze_ended(self) -> None:
        self.update_snoozed()
        self.decide()

    def mute_current_app(self) -> None:
        """Mute the app in front (the last one that is not Cuecards): "Never in this app"."""
        app = self.app_in_front()
        if app is None:
            return
        if self.pacer.is_muted(app):
            self.pacer.unmute_app(app)
            self.usage.record("unmuted", app=app)
        else:
            self.pacer.mute_app(app)
            self.usage.record("muted", app=app)
            self.withdraw(app)
        self.store.save(self.pacer.state)
        self.update_mute_entry()
        self.decide()

    def update_mute_entry(self) -> None:
        """Name the app in front in "Never in <app>" when a pack knows it; choosing it again
        for a muted app allows tips there again (the menu has no checked state to show it)."""
        app = self.app_in_front()
        if app is None or self.usage.app_id(app) == "other":
            self.menu.set_current_app(None)
        elif self.pacer.is_muted(app):
            self.menu.set_current_app(f"{app} (muted: choose again to allow tips)")
        else:
            self.menu.set_current_app(app)

    def stop(self) -> None:
        """No snooze ends any more (shutdown)."""
        self._snooze_end.stop()
