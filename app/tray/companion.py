"""The running application: owns the services and the tray's parts, and wires them together.

Start-up shows the tray icon first; the database, the demo pack, the matcher, the saved
attention budget and the window watcher follow once the event loop runs. The parts: the
moment pipeline (`moment`), the windows (`windows`), snooze and mute (`snooze`), pack syncs
(`pack_sync`), uploads (`upload_scheduler`) and the search palette (`palette_controller`).
"""

from __future__ import annotations

import gc
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from app.paths import resources_dir
from app.tray.timers import single_shot
from app.ui.icons import app_icon
from app.ui.tray import SNOOZE_HOUR, FallbackWindow, TrayIcon, TrayMenu

if TYPE_CHECKING:
    from app.core.matcher import Matcher
    from app.core.pacing import Pacer
    from app.desktop.instance.base import SingleInstance
    from app.store.services import Services
    from app.store.state import StateStore
    from app.store.usage import UsageLog
    from app.tray.moment import Moment
    from app.tray.pack_sync import PackSync
    from app.tray.palette_controller import SearchPalette
    from app.tray.snooze import Snooze
    from app.tray.upload_scheduler import UploadScheduler
    from app.tray.windows import TrayWindows

NO_TRAY = (
    "cuecards: this desktop has no system tray; showing a small Cuecards window instead "
    "(a tray host such as trayer, or your panel's tray applet, gives the usual icon)"
)
PRUNE_EVERY_MS = 24 * 3600 * 1000
MESSAGE_MS = 8000


class Companion(QObject):
    """The tray app: watches the window in front, offers fitting cards under the attention
    budget, records what happened, and answers the tray menu; quits on Quit, SIGINT, SIGTERM.

    The parts exist once `start` has opened the services; until then they are None."""

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
        self.menu.search_requested.connect(self.open_search)
        self.menu.quit_requested.connect(self.quit)

        self.usage: UsageLog | None = None
        self.store: StateStore | None = None
        self.pacer: Pacer | None = None
        self.moment: Moment | None = None
        self.windows: TrayWindows | None = None
        self.snooze: Snooze | None = None
        self.pack_sync: PackSync | None = None
        self.search: SearchPalette | None = None
        self.uploads: UploadScheduler | None = None
        self._prune_timer = single_shot(self, self._prune)

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
        self._build_parts(services, self.usage, self.store, self.pacer)
        assert self.snooze and self.windows and self.pack_sync and self.uploads
        self._prune()
        self.snooze.update_snoozed()
        if first_run:
            self.store.save(self.pacer.state)
            self.windows.open_welcome()
        if services.demo_pack_pending():
            # A first run (or a new release) has its demo pack put in by the child first:
            # watching starts once the cards are there, so no window meets an empty matcher.
            self.pack_sync.sync_then(self._start_watching)
        else:
            self._start_watching()
        self.pack_sync.schedule(first=True)
        self.uploads.start()  # daily anonymised reports on a worker thread, only with consent

    def _build_parts(
        self, services: Services, usage: UsageLog, store: StateStore, pacer: Pacer
    ) -> None:
        """The tray's parts, each given what it works with, the signals between them, and
        the menu entries they answer (Search… and Quit are the companion's own)."""
        from app.paths import DB_FILE
        from app.tray.moment import Moment
        from app.tray.pack_sync import PackSync
        from app.tray.snooze import Snooze
        from app.tray.upload_scheduler import UploadScheduler
        from app.tray.windows import TrayWindows

        db_path = services.data_dir / DB_FILE
        self.uploads = UploadScheduler(db_path, services.settings, parent=self)
        moment = Moment(services.settings, usage, store, pacer, self.tell, self.clock, self)
        windows = TrayWindows(services, usage, self.uploads, self.icon, self.tell, self)
        snooze = Snooze(
            pacer,
            usage,
            store,
            self.menu,
            app_in_front=moment.app_in_front,
            withdraw=moment.withdraw,
            decide=moment.decide,
            clock=self.clock,
            parent=self,
        )
        pack_sync = PackSync(services, self.tell, self)
        self.moment, self.windows, self.snooze, self.pack_sync = moment, windows, snooze, pack_sync

        moment.card_requested.connect(windows.open_card)
        moment.snooze_requested.connect(
            lambda pack, card, app: snooze.snooze(SNOOZE_HOUR, pack=pack, card=card, app=app)
        )
        moment.app_changed.connect(snooze.update_mute_entry)
        windows.card_feedback.connect(lambda pack, card, kind: moment.feedback(pack, card, kind))
        windows.setting_changed.connect(self.change_setting)
        pack_sync.matcher_ready.connect(self._matcher_rebuilt)
        pack_sync.ran.connect(windows.refill_packs)
        m = self.menu
        m.recent_requested.connect(windows.open_recent)
        m.snooze_requested.connect(snooze.snooze)
        m.resume_requested.connect(snooze.resume)
        m.mute_current_app_requested.connect(snooze.mute_current_app)
        m.packs_requested.connect(windows.open_packs)
        m.settings_requested.connect(windows.open_settings)
        m.records_requested.connect(windows.open_records)
        m.about_requested.connect(windows.open_about)

    def _start_watching(self) -> None:
        """The matcher, the warmed popup, the palette and its hotkey, then the watcher."""
        assert self.services is not None and self.moment is not None
        self._install_matcher(self.services.catalog.matcher())
        self.moment.warm_popup()
        self._start_search()
        self.moment.start_watcher()
        _settle_heap()

    def _fail(self, message: str, code: int) -> None:
        print(f"cuecards: {message}", file=sys.stderr)
        self.exit_code = code
        self.quit()

    def _start_search(self) -> None:
        """The search palette and its global hotkey; a hotkey that cannot work is told."""
        from app.tray.moment import screen_area
        from app.tray.palette_controller import PaletteController, SearchPalette

        assert self.services and self.store and self.moment
        controller = PaletteController(
            self.services.catalog, votes=self.store.votes, record_search=self._record_search
        )
        controller.refresh()
        controller.palette.ensurePolished()
        controller.palette.winId()  # the first hotkey press costs no more than the next
        self.search = SearchPalette(
            controller,
            self.moment.app_in_front,
            area=screen_area,
            preference=str(self.services.settings.get("hotkey.backend")),
            parent=self,
        )
        self.search.card_requested.connect(self._open_from_search)
        self.search.hotkey_problem.connect(self.tell)
        self.search.start(str(self.services.settings.get("hotkey.palette")))

    def _record_search(self, query: str, results: int, app: str | None, answered: bool) -> None:
        """A palette search: its query stays in this computer's log; a search no card fully
        matched (unanswered) marks a gap."""
        assert self.usage is not None
        self.usage.record("search", app=app, query=query, results=results, answered=answered)

    def _open_from_search(self, pack: str, card: str) -> None:
        assert self.usage and self.moment and self.windows
        self.usage.record("opened", pack, card, self.moment.app_in_front())
        self.windows.open_card(pack, card)

    def _install_matcher(self, matcher: Matcher) -> None:
        """Use a freshly built matcher: usage keeps the app ids it knows, the tray its packs."""
        assert self.services and self.usage and self.moment and self.windows
        self.moment.matcher = matcher
        known = set(matcher.app_ids)
        for ids in self.services.catalog.aliases().values():
            known.update(ids)
        self.usage.set_known_apps(known)
        packs = self.services.catalog.packs()
        self.menu.set_packs([f"{p.name} {p.version} ({p.card_count} cards)" for p in packs])
        self.windows.refill_packs()
        if self.search is not None:
            self.search.controller.refresh()
        self.moment.rematch()

    def _matcher_rebuilt(self, matcher: Matcher) -> None:
        """A pack sync changed the packs: use the matcher rebuilt from them."""
        self._install_matcher(matcher)
        _settle_heap()

    # ----- settings ------------------------------------------------------------------------

    def change_setting(self, dialog: Any, key: str, value: object) -> None:
        """Store one setting the person changed, or show why it was refused."""
        from app.core.pacing import PacingConfig
        from app.settings import SettingError

        assert self.services and self.pacer and self.moment and self.pack_sync
        try:
            self.services.settings.set(key, value)
        except SettingError as exc:
            dialog.show_error(key, str(exc))
            return
        if key.startswith("pacing."):
            self.pacer.config = PacingConfig.from_settings(self.services.settings.get)
            self.moment.decide()
        elif key == "packs.demo":
            self.pack_sync.start_sync()
        elif key in ("packs.sources", "packs.sync_hours"):
            self.pack_sync.schedule(first=True)
        elif key == "usage.retention_days":
            self._prune()
        elif key.startswith("upload.") and self.uploads is not None:
            self.uploads.setting_changed(key)
        elif key == "ui.autostart":
            self._sync_login_item(lambda message: dialog.show_error(key, message), changed=True)
        elif key in ("hotkey.palette", "hotkey.backend") and self.search is not None:
            settings = self.services.settings
            self.search.hotkey.preference = str(settings.get("hotkey.backend"))
            status = self.search.start(str(settings.get("hotkey.palette")))
            if not status.ok:
                dialog.show_error(key, status.message)

    def _sync_login_item(self, report: Callable[[str], None], changed: bool = False) -> None:
        """Start at login, or not, as `ui.autostart` says (installed launcher, per OS)."""
        from app.desktop.autostart import sync_login_item

        assert self.services is not None
        problem = sync_login_item(self.services.settings, changed=changed)
        if problem:
            report(problem)

    # ----- the tray menu and hand-offs from a second launch --------------------------------

    def open_search(self) -> None:
        """The tray's Search… and `cuecards palette`: the palette, as the hotkey opens it."""
        if self.search is not None:
            self.search.show()

    def on_command(self, command: str) -> None:
        """`cuecards run` again → say where Cuecards is; `cuecards palette` → search; a `ping`
        (doctor asking whether a tray runs here) needs no more than the confirmation."""
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

    def _prune(self) -> None:
        """Delete usage events older than `usage.retention_days`, now and once a day."""
        assert self.usage is not None and self.services is not None
        self.usage.prune(float(self.services.settings.get("usage.retention_days")))
        self._prune_timer.start(PRUNE_EVERY_MS)

    # ----- the end -------------------------------------------------------------------------

    def quit(self) -> None:
        """Shut down and leave the event loop with the exit code."""
        self.shutdown()
        self.app.exit(self.exit_code)

    def shutdown(self) -> None:
        """Stop watching, save the budget, let go of the single-instance socket, hide the icon."""
        if self.moment is not None:
            self.moment.stop_watching()
        if self.search is not None:
            self.search.stop()
        if self.pack_sync is not None:
            self.pack_sync.stop()
        if self.uploads is not None:
            self.uploads.stop()
        if self.store is not None and self.pacer is not None:
            self.store.save(self.pacer.state)
        if self.instance is not None:
            self.instance.close()
        if self.moment is not None:
            self.moment.stop()
        if self.snooze is not None:
            self.snooze.stop()
        self._prune_timer.stop()
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
