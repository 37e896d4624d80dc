"""The search palette's behaviour: what it lists for the app the person was in, what each
keystroke finds (catalog search re-ranked by the person's votes and overdue reviews), and the
search events it logs (the query stays on this computer; a search with no full match, where no
card has every word, says "No card for …" with at most three partial matches below, and is
logged as unanswered, so reports count content gaps).

It sits between the catalog and the Qt widget so that the widget never touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QObject, QRect, Signal
from PySide6.QtGui import QCursor, QGuiApplication

from app.core.ranking import CardKey, overdue_cards, palette_search, split_partial
from app.desktop.hotkey.base import HotkeyStatus
from app.desktop.hotkey.global_hotkey import FALLBACK_SENTENCE, GlobalHotkey
from app.store.catalog import Catalog
from app.store.fulltext import SearchHit
from app.store.listing import ListedCard, ListingIndex
from app.ui.palette import Palette, PaletteRow

LIMIT = 12
# At most this many app names on a result's badge.
BADGE_APPS = 2

RecordSearch = Callable[[str, int, str | None, bool], None]
"""(query, result count, app id or None, answered): append a "search" usage event; a search is
answered when some card matched every word."""


class PaletteController(QObject):
    """Drives one Palette from the catalog; `card_requested(pack, card)` asks the companion to
    open a card (Enter), which is where the card view lives."""

    card_requested = Signal(str, str)

    def __init__(
        self,
        catalog: Catalog,
        palette: Palette | None = None,
        *,
        votes: Callable[[], Mapping[CardKey, int]] = dict,
        record_search: RecordSearch | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.palette = palette if palette is not None else Palette()
        self._votes_source = votes
        self._record_search = record_search
        self._today = today
        self._loaded_on: dt.date | None = None
        self._alias_of: dict[str, str] = {}
        self._aliases: dict[str, tuple[str, ...]] = {}
        self._pack_names: dict[str, str] = {}
        self._listing: ListingIndex | None = None
        self._overdue: frozenset[CardKey] = frozenset()
        self._votes: Mapping[CardKey, int] = {}
        self.app: str | None = None
        self.last_query = ""
        self.last_count = 0
        self.last_answered = False
        self.palette.query_changed.connect(self.on_query)
        self.palette.open_requested.connect(self._on_open)
        self.palette.closed.connect(self._on_closed)

    # ----- what the companion calls ---------------------------------------------------------

    def open(self, app: str | None, area: QRect) -> None:
        """Show the palette on `area` for a person who was in `app` (None: unknown).

        Cheap: what the palette keeps in memory is re-read only on `refresh()` (and when the
        date changed, for the review state), never on the way to the screen.
        """
        if self._loaded_on != self._today():
            self.refresh()
        self._votes = self._votes_source()
        self.app = app
        self.last_query, self.last_count, self.last_answered = "", 0, False
        self.palette.open_on(area, "")

    def refresh(self) -> None:
        """Re-read packs, aliases and review dates; call it after packs were installed,
        updated or removed (and once at start). The cards themselves stay in SQLite: the
        list for an app is read when the palette opens, a few ms, so 10k cards cost the
        running app no memory here."""
        self._loaded_on = self._today()
        packs = self.catalog.packs()
        self._pack_names = {p.id: p.name for p in packs}
        self._aliases = self.catalog.aliases()
        self._alias_of = {}
        for alias, ids in sorted(self._aliases.items()):
            for app_id in ids:
                self._alias_of.setdefault(app_id, alias)
        self._overdue = overdue_cards(self.catalog.review_dates(), self._loaded_on)
        self._listing = self.catalog.listing_index()
        if self.palette.isVisible():  # packs changed under an open palette: answer again
            self.on_query(self.last_query)

    # ----- palette signals ------------------------------------------------------------------

    def on_query(self, text: str) -> None:
        """Answer one keystroke: the app's cards for an empty query, else search results."""
        self.last_query = text
        if not text.strip():
            self.last_count, self.last_answered = 0, False
            listed = self._app_cards()
            empty = (
                "Type to search every card"
                if self.app is None
                else "No cards for this app yet. Type to search every card"
            )
            self.palette.set_results([self._listed_row(card) for card in listed], empty)
            return
        hits = palette_search(
            self._search,
            text,
            app=self.app,
            votes=self._votes,
            overdue=self._overdue,
            limit=LIMIT,
        )
        full, partial = split_partial(hits)
        self.last_count, self.last_answered = len(full) + len(partial), bool(full)
        self.palette.set_results(
            [self._hit_row(hit) for hit in full],
            f"No card for “{text.strip()}”",
            [self._hit_row(hit) for hit in partial],
        )

    def _on_open(self, pack: str, card: str) -> None:
        self._log()
        self.card_requested.emit(pack, card)

    def _on_closed(self) -> None:
        self._log()

    # ----- internals ------------------------------------------------------------------------

    def _search(self, query: str, app: str | None, limit: int) -> list[SearchHit]:
        return self.catalog.search(query, app=app, limit=limit)

    def _log(self) -> None:
        """One search event per palette use with a query: what was typed last, how many cards
        it found and whether any matched every word (unanswered marks a content gap)."""
        query = self.last_query.strip()
        if query and self._record_search is not None:
            self._record_search(query, self.last_count, self.app, self.last_answered)
        self.last_query, self.last_count, self.last_answered = "", 0, False

    def _app_cards(self) -> list[ListedCard]:
        """The cards with a trigger for the app (directly or through an alias), in listing
        order (highest priority first, then by title)."""
        if not self.app:
            return []
        app = self.app.strip().lower()
        refs = {app, *(alias for alias, ids in self._aliases.items() if app in ids)}
        if self._listing is None:
            return []
        return self.catalog.listed(self._listing.rowids(sorted(refs), LIMIT))

    def _badge(self, app_ids: Iterable[str]) -> str:
        names = sorted({self._alias_of.get(app_id, app_id) for app_id in app_ids})
        if len(names) > BADGE_APPS:
            return ", ".join(names[:BADGE_APPS]) + f" +{len(names) - BADGE_APPS}"
        return ", ".join(names)

    def _hit_row(self, hit: SearchHit) -> PaletteRow:
        note = f"Partial match: has only {', '.join(hit.matched)}." if hit.partial else ""
        return PaletteRow(
            hit.pack,
            hit.card,
            hit.title,
            hit.summary,
            self._pack_names.get(hit.pack, hit.pack),
            self._badge(hit.app_ids),
            note,
        )

    def _listed_row(self, card: ListedCard) -> PaletteRow:
        ids = [app_id for ref in card.app_refs for app_id in self._aliases.get(ref, (ref,))]
        return PaletteRow(
            card.pack,
            card.id,
            card.title,
            card.summary,
            self._pack_names.get(card.pack, card.pack),
            self._badge(ids),
        )


class SearchPalette(QObject):
    """The palette as the running app offers it: the global hotkey (and the tray's Search…, and
    `cuecards palette` through the single-instance hand-off) open it on the screen under the
    pointer, for the app the person was in. The companion wires `card_requested` to its card
    view and shows `hotkey_problem` in the tray."""

    card_requested = Signal(str, str)
    hotkey_problem = Signal(str)

    def __init__(
        self,
        controller: PaletteController,
        current_app: Callable[[], str | None],
        hotkey: GlobalHotkey | None = None,
        area: Callable[[], QRect] | None = None,
        preference: str = "auto",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.current_app = current_app
        self.area = area if area is not None else _active_area
        self.hotkey = hotkey if hotkey is not None else GlobalHotkey(self, preference=preference)
        self.status: HotkeyStatus | None = None
        controller.card_requested.connect(self.card_requested)
        self.hotkey.failed.connect(self._late_failure)

    def start(self, combo: str) -> HotkeyStatus:
        """Register the hotkey (the `hotkey.palette` setting); a problem is also emitted as
        `hotkey_problem`, so it reaches the tray and is never silently lost."""
        self.status = self.hotkey.register(combo, self.show)
        if not self.status.ok:
            self.hotkey_problem.emit(self.status.message)
        return self.status

    def show(self) -> None:
        """Open the palette (again) for the app in front, on the screen under the pointer."""
        if self.controller.palette.isVisible():
            self.controller.palette.activateWindow()
            return
        self.controller.open(self.current_app(), self.area())

    def stop(self) -> None:
        self.hotkey.unregister()
        self.controller.palette.close_palette()

    def _late_failure(self, reason: str) -> None:
        message = f"The search hotkey stopped working ({reason}). {FALLBACK_SENTENCE}"
        self.status = HotkeyStatus(False, message, self.status.backend if self.status else "")
        self.hotkey_problem.emit(message)


def _active_area() -> QRect:
    """The available geometry of the screen under the pointer (the primary one otherwise)."""
    screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)
