"""The windows the tray opens (card view, recent cards, packs, records, settings, about,
welcome): filled here from the services, since app.ui widgets never read the database, and
kept referenced while open so they live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from app.store.services import Services
    from app.store.usage import UsageLog
    from app.tray.upload_scheduler import UploadScheduler
    from app.ui.cardview import CardView


class TrayWindows(QObject):
    """Opens each window (again) on request and brings it to the front.

    What the person does in them is emitted: `card_feedback(pack, card, kind)` from the card
    view, `setting_changed(dialog, key, value)` from Settings (the owner stores the value and
    calls `dialog.show_error` when it is refused).
    """

    card_feedback = Signal(str, str, str)
    setting_changed = Signal(object, str, object)

    def __init__(
        self,
        services: Services,
        usage: UsageLog,
        uploads: UploadScheduler | None,
        icon: QIcon,
        tell: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.usage = usage
        self.uploads = uploads
        self.icon = icon
        self.tell = tell
        self.cardview: CardView | None = None
        self.kept: dict[str, QWidget] = {}

    # ----- the card view -------------------------------------------------------------------

    def open_card(self, pack: str, card: str) -> None:
        """Show a card's full text, with images from its own pack only."""
        from app.core.render import render_card_html

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
            self.cardview.feedback.connect(self.card_feedback)
            self.cardview.link_activated.connect(_open_link)
        return self.cardview

    def _media(self, pack_id: str) -> Path | None:
        """The folder of the pack's images: its `media/`, or a `.cuepack`'s, unpacked once."""
        from app.store.media import media_folder

        installed = self.services.catalog.pack_source(pack_id)
        if installed is None:
            return None
        try:
            return media_folder(self.services.data_dir, pack_id, *installed)
        except (OSError, ValueError) as exc:  # a damaged zip: the text still shows
            self.tell(f"the images of {pack_id} cannot be shown: {exc}")
            return None

    # ----- the tray menu's windows ---------------------------------------------------------

    def open_recent(self) -> None:
        """The cards that popped up lately, with the feedback given; double-click opens one."""
        from app.ui.recent import RecentRow, RecentWindow

        window = self.kept.get("recent")
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

        window = self.kept.get("packs") or PacksWindow()
        self._fill_packs(window)
        self._keep("packs", window)

    def refill_packs(self) -> None:
        """The Packs window, when open, shows the packs again (installed, synced, removed)."""
        if "packs" in self.kept and self.kept["packs"].isVisible():
            self._fill_packs(self.kept["packs"])

    def _fill_packs(self, window: Any) -> None:
        from app.store.syncstate import SyncState
        from app.ui.packs_window import PackRow

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

        dialog = SettingsDialog(setting_rows(self.services.settings))
        dialog.changed.connect(lambda key, value: self.setting_changed.emit(dialog, key, value))
        self._keep("settings", dialog)

    def open_records(self) -> None:
        """What is kept about the person, from the log itself."""
        from app.store.usage import KINDS
        from app.tray.upload_scheduler import upload_summary
        from app.ui.records import RecordsWindow

        window = self.kept.get("records") or RecordsWindow()
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

        self.kept["about"] = show_about(None, __version__)

    def open_welcome(self) -> None:
        """The first-run card: what Cuecards does, records and never records."""
        from app.ui.welcome import WelcomeDialog

        hotkey = str(self.services.settings.get("hotkey.palette"))
        self._keep("welcome", WelcomeDialog(hotkey))

    def _keep(self, name: str, window: QWidget) -> None:
        """Show a window, keep a reference so it lives, and bring it to the front."""
        self.kept[name] = window
        window.setWindowIcon(self.icon)
        window.show()
        window.raise_()
        window.activateWindow()


def _open_link(url: str) -> None:
    """A link in a card opens in the browser (web links only)."""
    target = QUrl(url)
    if target.scheme() in ("http", "https"):
        QDesktopServices.openUrl(target)
