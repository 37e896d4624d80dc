"""The running application: owns the services and wires watcher → matcher → pacing → popup.

Start-up shows the tray icon first; the database, the demo pack, the matcher, the saved
attention budget and the window watcher follow once the event loop runs. Everything after is
event-driven: a window change is matched, the budget decides, and at most one single-shot
timer waits for the moment a pending card may show. Window titles stay in this process's
memory (as a salted hash for the budget); the usage log gets app ids only.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import os
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRect, QSocketNotifier, QTimer, QUrl, Signal
from PySide6.QtGui import QCursor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from app.paths import resources_dir
from app.ui.icons import app_icon
from app.ui.tray import SNOOZE_HOUR, SNOOZE_TOMORROW, FallbackWindow, TrayIcon, TrayMenu

if TYPE_CHECKING:
    from app.core.context import Context
    from app.core.matcher import Match, Matcher
    from app.core.pacing import Pacer
    from app.desktop.instance import SingleInstance
    from app.desktop.qt_driver import QtWatcher
    from app.pack_refresh import PackRefresh
    from app.services import Services
    from app.store.state import StateStore
    from app.store.usage import UsageLog
    from app.tray.palette_controller import SearchPalette
    from app.tray.upload_scheduler import UploadScheduler
    from app.ui.cardview import CardView
    from app.ui.popup import Popup, PopupContent

NO_TRAY = (
    "cuecards: this desktop has no system tray; showing a small Cuecards window instead "
    "(a tray host such as trayer, or your panel's tray applet, gives the usual icon)"
)
OWN_APP = "cuecards"
PRUNE_EVERY_MS = 24 * 3600 * 1000
MAX_TIMER_MS = 2**31 - 1
MESSAGE_MS = 8000
REFRESH_GRACE_MS = 3000


class Companion(QObject):
    """The tray app: watches the window in front, offers fitting cards under the attention
    budget, records what happened, and answers the tray menu; quits on Quit, SIGINT, SIGTERM."""

    _sync_done = Signal(object)

    def __init__(
        self,
        app: QApplication,
        services: Services | Callable[[], Services],
        instance: SingleInstance | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.app = app
        self._open_services = services if callable(services) else None
        self.services: Services | None = None if callable(services) else services
        self.instance = instance
        self.clock = clock
        self.exit_code = 0
        self.icon = app_icon(resources_dir() / "icons")
        self.menu = TrayMenu()
        self.tray: TrayIcon | None = None
        self.fallback: FallbackWindow | None = None
        self._connect_menu()

        self.matcher: Matcher | None = None
        self.usage: UsageLog | None = None
        self.store: StateStore | None = None
        self.pacer: Pacer | None = None
        self.watcher: QtWatcher | None = None
        self.popup: Popup | None = None
        self.cardview: CardView | None = None
        self.search: SearchPalette | None = None
        self.uploads: UploadScheduler | None = None
        self._windows: dict[str, QWidget] = {}
        # Window contexts are keyed by a salted in-memory hash of app and title: never stored,
        # and the builtin hash (SipHash) keeps OpenSSL, 3.5 MB, out of the tray.
        self._salt = os.urandom(16)
        self._context: Context | None = None
        self._context_key: str | None = None
        self._matches: list[Match] = []
        self._last_stored_app: str | None = None
        self._shown: tuple[PopupContent, str] | None = None  # the card on screen, its app
        self._refresh: PackRefresh | None = None
        self._digests_before: dict[str, str] = {}  # the packs as the running child found them
        self._watch_after_refresh = False
        self._rng = random.Random()
        self._retry = self._single_shot(self._decide)
        self._snooze_end = self._single_shot(self._snooze_ended)
        self._sync_timer = self._single_shot(self._start_sync)
        self._prune_timer = self._single_shot(self._prune)
        self._sync_done.connect(self._matcher_built)

    def _single_shot(self, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(slot)
        return timer

    def _connect_menu(self) -> None:
        m = self.menu
        m.search_requested.connect(self.open_search)
        m.recent_requested.connect(self.open_recent)
        m.snooze_requested.connect(self.snooze)
        m.resume_requested.connect(self.resume)
        m.mute_current_app_requested.connect(self.mute_current_app)
        m.packs_requested.connect(self.open_packs)
        m.settings_requested.connect(self.open_settings)
        m.records_requested.connect(self.open_records)
        m.about_requested.connect(self.open_about)
        m.quit_requested.connect(self.quit)

    # ----- start-up ------------------------------------------------------------------------

    def show(self) -> None:
        """The tray icon (or, with no tray host, a small window that says why)."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = TrayIcon(self.icon, self.menu)
            self.tray.show()
        else:
            print(NO_TRAY, file=sys.stderr)
            self.fallback = FallbackWindow(self.icon, self.menu)
            self.fallback.show()

    def start(self) -> None:
        """Everything slower than the tray icon, run once the event loop is up."""
        from app.core.pacing import Pacer, PacingConfig
        from app.settings import SettingError
        from app.store.db import DatabaseError
        from app.store.state import StateStore
        from app.store.usage import UsageLog

        if self.services is None:
            assert self._open_services is not None
            try:
                self.services = self._open_services()
            except SettingError as exc:
                self._fail(str(exc), 2)
                return
            except DatabaseError as exc:
                self._fail(str(exc), 1)
                return
            except Exception as exc:  # one clear line, never a traceback
                self._fail(f"cannot start: {type(exc).__name__}: {exc}", 1)
                return
        services = self.services
        for notice in services.notices:
            self.tell(notice)
        self._sync_login_item(self.tell)
        self.usage = UsageLog(services.db, clock=self.clock)
        self.store = StateStore(services.db, clock=self.clock)
        first_run = not self.store.exists()
        state, notice = self.store.load()
        if notice:
            self.tell(notice)
        self.pacer = Pacer(PacingConfig.from_settings(services.settings.get), state, self.clock)
        self._prune()
        self._update_snoozed()
        if first_run:
            self.store.save(self.pacer.state)
            self.open_welcome()
        if services.demo_pack_pending():
            # A first run (or a new release) has its demo pack put in by the child first:
            # watching starts once the cards are there, so no window meets an empty matcher.
            self._watch_after_refresh = True
            self._start_sync()
        else:
            self._start_watching()
        self._schedule_sync(first=True)
        self._start_uploads()

    def _start_watching(self) -> None:
        """The matcher, the warmed popup, the palette and its hotkey, then the watcher."""
        assert self.services is not None
        self._watch_after_refresh = False
        self._install_matcher(self.services.catalog.matcher())
        self._warm_popup()
        self._start_search()
        self._start_watcher()
        _settle_heap()

    def _fail(self, message: str, code: int) -> None:
        print(f"cuecards: {message}", file=sys.stderr)
        self.exit_code = code
        self.quit()

    def _start_watcher(self) -> None:
        from app.desktop.detect import detect
        from app.desktop.qt_driver import QtWatcher
        from app.desktop.watcher import BackendUnavailable

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

    def _start_search(self) -> None:
        """The search palette and its global hotkey; a hotkey that cannot work is told."""
        from app.tray.palette_controller import PaletteController, SearchPalette

        assert self.services is not None and self.store is not None
        controller = PaletteController(
            self.services.catalog, votes=self.store.votes, record_search=self._record_search
        )
        controller.refresh()
        controller.palette.ensurePolished()
        controller.palette.winId()  # the first hotkey press costs no more than the next
        self.search = SearchPalette(
            controller, self._app_in_front, area=self._screen_area, parent=self
        )
        self.search.card_requested.connect(self._open_from_search)
        self.search.hotkey_problem.connect(self.tell)
        self.search.start(str(self.services.settings.get("hotkey.palette")))

    def _start_uploads(self) -> None:
        """Daily anonymised reports on a worker thread, only with consent (upload_scheduler)."""
        from app.paths import DB_FILE
        from app.tray.upload_scheduler import UploadScheduler

        assert self.services is not None
        db_path = self.services.data_dir / DB_FILE
        self.uploads = UploadScheduler(db_path, self.services.settings, parent=self)
        self.uploads.start()

    def _app_in_front(self) -> str | None:
        """The app the person was in (the palette is our own window: it never replaces it)."""
        return self._context.app if self._context is not None else None

    def _record_search(self, query: str, results: int, app: str | None) -> None:
        """A palette search: its query stays in this computer's log; 0 results marks a gap."""
        assert self.usage is not None
        self.usage.record("search", app=app, query=query, results=results)

    def _open_from_search(self, pack: str, card: str) -> None:
        assert self.usage is not None
        self.usage.record("opened", pack, card, self._app_in_front())
        self.open_card(pack, card)

    def _warm_popup(self) -> None:
        """Create the popup's native window now, so the first card costs no more than the next."""
        popup = self._popup()
        popup.ensurePolished()
        popup.winId()

    def _install_matcher(self, matcher: Matcher) -> None:
        """Use a freshly built matcher: usage keeps the app ids it knows, the tray its packs."""
        assert self.services is not None and self.usage is not None
        self.matcher = matcher
        known = set(matcher.app_ids)
        for ids in self.services.catalog.aliases().values():
            known.update(ids)
        self.usage.set_known_apps(known)
        self.refresh_packs()
        if self.search is not None:
            self.search.controller.refresh()
        if self._context is not None:
            self._matches = matcher.match(self._context)
            self._decide()

    def refresh_packs(self) -> None:
        """The tray's pack list (and the Packs window, when open)."""
        assert self.services is not None
        packs = self.services.catalog.packs()
        self.menu.set_packs([f"{p.name} {p.version} ({p.card_count} cards)" for p in packs])
        if "packs" in self._windows and self._windows["packs"].isVisible():
            self._fill_packs(self._windows["packs"])

    # ----- the moment of need --------------------------------------------------------------

    def on_context(self, ctx: Context) -> None:
        """A window change: log the app, restart the dwell, match, and ask the budget."""
        if self.pacer is None or self.usage is None:
            return
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
            self._update_mute_entry()
            if self._shown is not None and self._shown[1] != ctx.app and self.popup is not None:
                self.popup.hide_popup()  # the card was about the window the person left
                self._shown = None
        self._matches = self.matcher.match(ctx) if self.matcher is not None else []
        if new_context and self._matches:
            top = self._matches[0]
            self.usage.record("matched", top.pack, top.card, ctx.app)
        self._decide()

    def _decide(self) -> None:
        """Ask the budget about the current matches: show one now, or wait for `retry_at`."""
        from app.core.pacing import Candidate

        self._retry.stop()
        if not self._matches or self.pacer is None:
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

        assert self.pacer and self.usage and self.store and self.services and self._context
        content = PopupContent(match.pack, match.card, match.title, match.summary)
        seconds = float(self.services.settings.get("pacing.popup_seconds"))
        self._popup().show_content(content, self._screen_area(), seconds)
        app = self._context.app
        self._shown = (content, app)
        self.pacer.record_shown(match.pack, match.card)
        self.usage.record("shown", match.pack, match.card, app)
        self.store.mark_shown(match.pack, match.card)
        self.store.save(self.pacer.state)

    def _screen_area(self) -> QRect:
        """The available area of the screen the person works on: the only one, or the one
        under the pointer (the watcher reports no window geometry). Asking for the pointer is
        an X round trip that can wait for a busy server, so a single screen skips it."""
        screens = QGuiApplication.screens()
        if len(screens) == 1:
            return screens[0].availableGeometry()
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        return screen.availableGeometry()

    def _popup(self) -> Popup:
        if self.popup is None:
            from app.ui.popup import Popup

            self.popup = Popup()
            self.popup.action.connect(self.on_popup_action)
        return self.popup

    def on_popup_action(self, pack: str, card: str, kind: str) -> None:
        """What the person did with a popup: log it and let the budget know."""
        assert self.pacer and self.usage and self.store
        app = self._shown[1] if self._shown is not None else None
        self._shown = None
        if kind == "open":
            self.usage.record("opened", pack, card, app)
            self.open_card(pack, card)
        elif kind in ("helpful", "unhelpful"):
            self._feedback(pack, card, kind, app)
        elif kind == "snooze":
            self.snooze(SNOOZE_HOUR, pack=pack, card=card, app=app)
        elif kind == "never":
            self.pacer.never_again(pack, card)
            self.usage.record("never", pack, card, app)
            self.store.save(self.pacer.state)
        elif kind in ("dismissed", "timeout"):
            self.usage.record(kind, pack, card, app)

    def _feedback(self, pack: str, card: str, kind: str, app: str | None = None) -> None:
        assert self.usage and self.store
        self.usage.record(kind, pack, card, app)
        self.store.vote(pack, card, kind)

    # ----- the card view -------------------------------------------------------------------

    def open_card(self, pack: str, card: str) -> None:
        """Show a card's full text, with images from its own pack only."""
        from app.core.render import render_card_html

        assert self.services is not None
        record = self.services.catalog.card(pack, card)
        if record is None:
            self.tell(f"the card {pack}/{card} is no longer installed")
            return
        view = self._cardview()
        view.show_card(pack, card, record.title, render_card_html(record.body), self._media(pack))

    def _cardview(self) -> CardView:
        if self.cardview is None:
            from app.ui.cardview import CardView

            self.cardview = CardView()
            self.cardview.feedback.connect(lambda p, c, kind: self._feedback(p, c, kind))
            self.cardview.link_activated.connect(self._open_link)
        return self.cardview

    def _media(self, pack_id: str) -> Path | None:
        """The folder of the pack's images: its `media/`, or a `.cuepack`'s, unpacked once."""
        from app.store.media import media_folder

        assert self.services is not None
        installed = self.services.catalog.pack_source(pack_id)
        if installed is None:
            return None
        try:
            return media_folder(self.services.data_dir, pack_id, *installed)
        except (OSError, ValueError) as exc:  # a damaged zip: the text still shows
            self.tell(f"the images of {pack_id} cannot be shown: {exc}")
            return None

    @staticmethod
    def _open_link(url: str) -> None:
        target = QUrl(url)
        if target.scheme() in ("http", "https"):
            QDesktopServices.openUrl(target)

    # ----- the tray menu -------------------------------------------------------------------

    def open_search(self) -> None:
        """The tray's Search… and `cuecards palette`: the palette, as the hotkey opens it."""
        if self.search is not None:
            self.search.show()

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

        assert self.pacer and self.usage and self.store
        now = self.clock()
        if seconds == SNOOZE_TOMORROW:
            until = tomorrow_morning(now, dt.datetime.now().astimezone().tzinfo)
        else:
            until = now + seconds
        self.pacer.snooze(until)
        self.usage.record("snoozed", pack, card, app)
        self.store.save(self.pacer.state)
        if self.popup is not None and self._shown is not None:
            self.popup.hide_popup()
            self._shown = None
        self._update_snoozed()

    def resume(self) -> None:
        """End a snooze now."""
        assert self.pacer and self.usage and self.store
        self.pacer.unsnooze()
        self.usage.record("resumed")
        self.store.save(self.pacer.state)
        self._update_snoozed()
        self._decide()

    def _update_snoozed(self) -> None:
        assert self.pacer is not None
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
        self._update_snoozed()
        self._decide()

    def mute_current_app(self) -> None:
        """Mute the app in front (the last one that is not Cuecards): "Never in this app"."""
        assert self.pacer and self.usage and self.store
        if self._context is None:
            return
        app = self._context.app
        if self.pacer.is_muted(app):
            self.pacer.unmute_app(app)
            self.usage.record("unmuted", app=app)
        else:
            self.pacer.mute_app(app)
            self.usage.record("muted", app=app)
            if self.popup is not None and self._shown is not None and self._shown[1] == app:
                self.popup.hide_popup()
                self._shown = None
        self.store.save(self.pacer.state)
        self._update_mute_entry()
        self._decide()

    def _update_mute_entry(self) -> None:
        """Name the app in front in "Never in <app>" when a pack knows it; choosing it again
        for a muted app allows tips there again (the menu has no checked state to show it)."""
        assert self.pacer is not None and self.usage is not None
        app = self._context.app if self._context is not None else None
        if app is None or self.usage.app_id(app) == "other":
            self.menu.set_current_app(None)
        elif self.pacer.is_muted(app):
            self.menu.set_current_app(f"{app} (muted: choose again to allow tips)")
        else:
            self.menu.set_current_app(app)

    def open_recent(self) -> None:
        """The cards that popped up lately, with the feedback given; double-click opens one."""
        from app.ui.recent import RecentRow, RecentWindow

        assert self.usage is not None and self.services is not None
        window = self._windows.get("recent")
        if window is None:
            window = RecentWindow()
            window.open_requested.connect(self.open_card)
        rows = []
        for shown in self.usage.recent_shown(100):
            record = self.services.catalog.card(shown.pack, shown.card)
            title = record.title if record is not None else f"{shown.card} (no longer installed)"
            rows.append(RecentRow(shown.when, shown.pack, shown.card, title, shown.feedback))
        window.set_rows(rows)
        self._keep("recent", window)

    def open_packs(self) -> None:
        """Installed packs with where they came from and how their last sync went."""
        from app.ui.packs_window import PacksWindow

        window = self._windows.get("packs") or PacksWindow()
        self._fill_packs(window)
        self._keep("packs", window)

    def _fill_packs(self, window: Any) -> None:
        from app.store.syncstate import SyncState
        from app.ui.packs_window import PackRow

        assert self.services is not None
        services = self.services
        state = SyncState(services.db)
        configured = {str(s).strip() for s in services.settings.get("packs.sources") or []}
        results = [r for r in state.results() if r.source in configured]
        by_pack = {p.pack: (r, p) for r in results for p in r.packs if p.pack}
        rows = []
        for info in services.catalog.packs():
            origin = state.origin(info.id)
            if origin is not None:
                where = origin.location
            elif Path(info.source).is_dir():
                where = f"folder {info.source}"
            else:
                where = info.source
            result, pack_result = by_pack.get(info.id, (None, None))
            status = pack_result.status if pack_result is not None else "installed"
            message = pack_result.message if pack_result is not None else ""
            if result is not None and result.status == "error":
                status, message = "error", result.message
            rows.append(
                PackRow(
                    info.id,
                    info.name,
                    info.version,
                    info.publisher,
                    info.card_count,
                    where,
                    status,
                    message,
                )
            )
        for result in results:
            if result.status == "error" and not any(p.pack in by_pack for p in result.packs):
                rows.append(
                    PackRow("", result.source, "", "", 0, result.source, "error", result.message)
                )
        window.set_packs(rows)

    def open_settings(self) -> None:
        """Every setting from the schema; locked ones shown as locked; changes apply at once."""
        from app.ui.settings_dialog import SettingsDialog, setting_rows

        assert self.services is not None
        dialog = SettingsDialog(setting_rows(self.services.settings))
        dialog.changed.connect(lambda key, value: self.change_setting(dialog, key, value))
        self._keep("settings", dialog)

    def change_setting(self, dialog: Any, key: str, value: object) -> None:
        """Store one setting the person changed, or show why it was refused."""
        from app.core.pacing import PacingConfig
        from app.settings import SettingError

        assert self.services and self.pacer and self.usage
        try:
            self.services.settings.set(key, value)
        except SettingError as exc:
            dialog.show_error(key, str(exc))
            return
        if key.startswith("pacing."):
            self.pacer.config = PacingConfig.from_settings(self.services.settings.get)
            self._decide()
        elif key == "packs.demo":
            self._start_sync()
        elif key in ("packs.sources", "packs.sync_hours"):
            self._schedule_sync(first=True)
        elif key == "usage.retention_days":
            self._prune()
        elif key.startswith("upload.") and self.uploads is not None:
            self.uploads.setting_changed(key)
        elif key == "ui.autostart":
            self._sync_login_item(lambda message: dialog.show_error(key, message), changed=True)
        elif key == "hotkey.palette" and self.search is not None:
            status = self.search.start(str(value))
            if not status.ok:
                dialog.show_error(key, status.message)

    def _sync_login_item(self, report: Callable[[str], None], changed: bool = False) -> None:
        """Start at login, or not, as `ui.autostart` says (installed launcher, per OS)."""
        from app.desktop.autostart import sync_login_item

        assert self.services is not None
        problem = sync_login_item(self.services.settings, changed=changed)
        if problem:
            report(problem)

    def open_records(self) -> None:
        """What is kept about the person, from the log itself."""
        from app.store.usage import KINDS
        from app.tray.upload_scheduler import upload_summary
        from app.ui.records import RecordsWindow

        assert self.usage is not None and self.services is not None
        window = self._windows.get("records") or RecordsWindow()
        counts = self.usage.counts()
        oldest = self.usage.oldest()
        days = self.services.settings.get("usage.retention_days")
        lines = [
            f"{sum(counts.values())} events are kept on this computer"
            + (f", the oldest from {oldest:%Y-%m-%d}" if oldest else "")
            + f"; each is deleted after {days} days (usage.retention_days).",
            f"They are in {self.services.data_dir}.",
        ]
        lines += [f"{counts[k]} × {KINDS[k]}" for k in KINDS if counts.get(k)]
        upload_lines, shown = upload_summary(self.services, self.uploads)
        window.set_summary(lines + upload_lines)
        window.set_payload(shown.note, shown.payload.decode("utf-8"), shown.queued)
        window.set_events(
            [
                (
                    f"{e.when:%Y-%m-%d %H:%M:%S}",
                    e.kind,
                    e.pack or "",
                    e.card or "",
                    e.app or "",
                )
                for e in self.usage.events(500)
            ]
        )
        self._keep("records", window)

    def open_about(self) -> None:
        from app import __version__
        from app.ui.about import show_about

        self._windows["about"] = show_about(None, __version__)

    def open_welcome(self) -> None:
        """The first-run card: what Cuecards does, records and never records."""
        from app.ui.welcome import WelcomeDialog

        assert self.services is not None
        hotkey = str(self.services.settings.get("hotkey.palette"))
        self._keep("welcome", WelcomeDialog(hotkey))

    def _keep(self, name: str, window: QWidget) -> None:
        """Show a window, keep a reference so it lives, and bring it to the front."""
        self._windows[name] = window
        window.setWindowIcon(self.icon)
        window.show()
        window.raise_()
        window.activateWindow()

    # ----- hand-offs from a second launch --------------------------------------------------

    def on_command(self, command: str) -> None:
        """`cuecards run` again → say where Cuecards is; `cuecards palette` → search."""
        if command == "palette":
            self.open_search()
        elif command == "show":
            if self.tray is not None:
                self.tray.showMessage(
                    "Cuecards is running",
                    "Its menu is behind this icon in the system tray.",
                    self.icon,
                    MESSAGE_MS,
                )
            elif self.fallback is not None:
                self.fallback.showNormal()
                self.fallback.raise_()
                self.fallback.activateWindow()

    def tell(self, message: str) -> None:
        """A one-line notice: on stderr, and as a tray message when there is a tray."""
        print(f"cuecards: {message}", file=sys.stderr)
        if self.tray is not None:
            self.tray.showMessage("Cuecards", message, self.icon, MESSAGE_MS)

    # ----- upkeep: retention and pack sync -------------------------------------------------

    def _prune(self) -> None:
        assert self.usage is not None and self.services is not None
        self.usage.prune(float(self.services.settings.get("usage.retention_days")))
        self._prune_timer.start(PRUNE_EVERY_MS)

    def _schedule_sync(self, first: bool) -> None:
        """One single-shot timer to the next sync; none while no source is configured."""
        from app.core.schedule import first_delay, next_delay

        assert self.services is not None
        self._sync_timer.stop()
        if not self.services.settings.get("packs.sources"):
            return
        if first:
            delay = first_delay(self._rng)
        else:
            delay = next_delay(float(self.services.settings.get("packs.sync_hours")), self._rng)
        self._sync_timer.start(min(math.ceil(delay * 1000), MAX_TIMER_MS))

    def _start_sync(self) -> None:
        """Install the demo pack and sync every source in a child process (`pack_refresh`)."""
        if self.services is None:
            return
        if self._refresh is None:
            from app.pack_refresh import PackRefresh

            self._refresh = PackRefresh(self.services.data_dir, self)
            self._refresh.finished.connect(self._sync_finished)
        if not self._refresh.running:
            self._digests_before = self.services.catalog.pack_digests()
            self._refresh.start()

    def _sync_finished(self, results: list[dict[str, Any]], error: str) -> None:
        """The child is done: say what changed, and rebuild the matcher on a worker thread."""
        if error:
            self.tell(error)
        if self.services is None:
            return
        # installed, updated or removed by the child, the demo pack included
        changed = self.services.catalog.pack_digests() != self._digests_before
        if self._watch_after_refresh:
            self._start_watching()  # start-up waited for the demo pack
            self._sync_done.emit(None)
        elif changed:
            from app.pack_refresh import update_messages

            updates = update_messages(results)
            if updates:
                self.tell("; ".join(updates))
            threading.Thread(
                target=self._build_matcher,
                args=(self.services.data_dir,),
                name="cuecards-matcher",
                daemon=True,
            ).start()
        else:
            self._sync_done.emit(None)
        if "packs" in self._windows and self._windows["packs"].isVisible():
            self._fill_packs(self._windows["packs"])
        self._schedule_sync(first=False)

    def _build_matcher(self, data_dir: Path) -> None:
        """Runs on a worker thread with its own connection: the new matcher, or why not."""
        from app.paths import DB_FILE
        from app.store.catalog import Catalog
        from app.store.db import open_database

        try:
            db, _ = open_database(data_dir / DB_FILE)
            try:
                matcher = Catalog(db).matcher()
            finally:
                db.close()
        except Exception as exc:  # told in the tray; the old matcher stays
            self._sync_done.emit(f"cards could not be reloaded: {type(exc).__name__}: {exc}")
            return
        self._sync_done.emit(matcher)

    def _matcher_built(self, outcome: Matcher | str | None) -> None:
        """Back on the GUI thread: use the new matcher (None: nothing changed)."""
        if isinstance(outcome, str):
            self.tell(outcome)
        elif outcome is not None:
            self._install_matcher(outcome)
            _settle_heap()

    # ----- the end -------------------------------------------------------------------------

    def quit(self) -> None:
        """Shut down and leave the event loop with the exit code."""
        self.shutdown()
        self.app.exit(self.exit_code)

    def shutdown(self) -> None:
        """Stop watching, save the budget, let go of the single-instance socket, hide the icon."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.backend.close()
            self.watcher = None
        if self.search is not None:
            self.search.stop()
        if self._refresh is not None and not self._refresh.wait(REFRESH_GRACE_MS):
            self._refresh.kill()  # an install is one transaction: a killed child changes nothing
        if self.uploads is not None:
            self.uploads.stop()
        if self.store is not None and self.pacer is not None:
            self.store.save(self.pacer.state)
        if self.instance is not None:
            self.instance.close()
        for timer in (self._retry, self._snooze_end, self._sync_timer, self._prune_timer):
            timer.stop()
        if self.tray is not None:
            self.tray.hide()


def _settle_heap() -> None:
    """Collect once, then exempt what start-up built (the matcher: ~100k objects for 10k
    cards) from later cyclic collections: a full collection over it would otherwise stall
    a popup by tens of milliseconds now and then."""
    gc.collect()
    gc.freeze()


def _quit_on_signals(app: QApplication, companion: Companion) -> QSocketNotifier:
    """Wake the Qt loop on SIGINT/SIGTERM through a socket pair, with no polling timer."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def on_signal() -> None:
        reader.recv(64)
        companion.quit()

    notifier.activated.connect(on_signal)
    notifier._sockets = (reader, writer)  # type: ignore[attr-defined]  # keep them alive
    return notifier


def run_companion(
    services: Services | Callable[[], Services], instance: SingleInstance | None = None
) -> int:
    """Start the tray app and run the Qt event loop until Quit.

    `services` may be a function that opens them: it then runs after the tray icon is shown.
    With `instance`, this process answers later launches; when another instance won the
    race to listen, the command is handed to it and this one exits.
    """
    # argv[0] names the X11 WM_CLASS instance: "cuecards", so windows are findable from outside.
    app = QApplication.instance() or QApplication(["cuecards"])
    app.setApplicationName("Cuecards")
    app.setDesktopFileName("cuecards")
    app.setQuitOnLastWindowClosed(False)
    companion = Companion(app, services, instance)
    lost_race = instance is not None and not instance.listen(companion.on_command)
    if lost_race and instance is not None and instance.try_handoff("show"):
        print("cuecards: Cuecards is already running; see its tray icon", file=sys.stderr)
        return 0
    app.setWindowIcon(companion.icon)
    _quit_on_signals(app, companion)
    companion.show()
    QTimer.singleShot(0, companion.start)
    try:
        return app.exec()
    finally:
        if companion.services is not None:
            companion.services.close()
