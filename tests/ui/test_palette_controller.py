"""The palette on the real demo catalog: what a person sees before and while typing, what
Enter asks for, and the search events kept for content-gap reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from pytestqt.qtbot import QtBot

from app.core.packs import load_pack
from app.core.ranking import PARTIAL_SHOWN
from app.desktop.hotkey.global_hotkey import GlobalHotkey
from app.paths import demo_pack_dir
from app.store.catalog import Catalog
from app.store.db import open_database
from app.tray.palette_controller import PaletteController, SearchPalette
from app.ui.palette import PaletteHeading
from tests.ui.test_hotkey import FakeBackend
from tests.ui.test_palette import OFFSCREEN_LIMITS

pytestmark = [pytest.mark.ui, pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS)]
DEMO = "cuecards.demo"
AREA = QRect(0, 0, 1280, 800)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    db, _ = open_database(Path(tmp_path_factory.mktemp("palette")) / "cuecards.db")
    result = load_pack(demo_pack_dir())
    assert result.pack is not None
    catalog = Catalog(db)
    catalog.install(result.pack)
    yield catalog
    db.close()


class Searches:
    """The search events the controller asked to record."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, str | None, bool]] = []

    def __call__(self, query: str, results: int, app: str | None, answered: bool) -> None:
        self.events.append((query, results, app, answered))


@pytest.fixture
def searches() -> Searches:
    return Searches()


@pytest.fixture
def controller(catalog: Catalog, searches: Searches, qtbot: QtBot) -> PaletteController:
    controller = PaletteController(
        catalog, record_search=searches, today=lambda: dt.date(2026, 11, 21)
    )
    qtbot.addWidget(controller.palette)
    return controller


def _cards(controller: PaletteController) -> list[str]:
    return [row.card for row in controller.palette.rows()]


def test_an_empty_query_lists_the_cards_of_the_app_the_person_was_in(
    controller: PaletteController,
) -> None:
    controller.open("us.zoom.xos", AREA)
    assert set(_cards(controller)) == {
        "zoom-push-to-talk", "zoom-raise-hand", "zoom-record-meeting", "zoom-share-screen",
        "zoom-toggle-mute", "zoom-toggle-video", "zoom-virtual-background",
    }  # fmt: skip
    first = controller.palette.rows()[0]
    assert first.pack_label == "Everyday essentials"
    assert first.app_label == "zoom"


def test_an_unknown_app_lists_nothing_and_invites_typing(controller: PaletteController) -> None:
    controller.open("some-editor", AREA)
    assert _cards(controller) == []
    assert controller.palette.message.text() == (
        "No cards for this app yet. Type to search every card"
    )


def test_typing_searches_with_the_app_boost(controller: PaletteController, qtbot: QtBot) -> None:
    controller.open("thunderbird", AREA)
    qtbot.keyClicks(controller.palette.field, "forward")
    assert _cards(controller)[0] == "thunderbird-forward"
    controller.palette.close_palette()
    controller.open("outlook", AREA)
    qtbot.keyClicks(controller.palette.field, "forward")
    assert _cards(controller)[0] == "outlook-forward"


def test_badges_name_the_apps_by_their_alias(controller: PaletteController, qtbot: QtBot) -> None:
    controller.open(None, AREA)
    qtbot.keyClicks(controller.palette.field, "reopen tab")
    first = controller.palette.rows()[0]
    assert first.card == "browser-reopen-tab"
    assert first.app_label == "chrome, edge +2"


def test_votes_reach_the_ranking(catalog: Catalog, qtbot: QtBot) -> None:
    controller = PaletteController(catalog, votes=lambda: {(DEMO, "teams-toggle-mute"): 1})
    qtbot.addWidget(controller.palette)
    controller.open("teams", AREA)
    qtbot.keyClicks(controller.palette.field, "mute")
    assert _cards(controller)[0] == "teams-toggle-mute"


def test_enter_asks_for_the_first_card_and_logs_the_search(
    controller: PaletteController, searches: Searches, qtbot: QtBot
) -> None:
    controller.open("excel", AREA)
    qtbot.keyClicks(controller.palette.field, "pviot")
    with qtbot.waitSignal(controller.card_requested) as requested:
        qtbot.keyClick(controller.palette.field, Qt.Key.Key_Return)
    assert requested.args == [DEMO, "excel-refresh-all"]
    assert searches.events == [("pviot", 2, "excel", True)]


def test_a_search_that_finds_nothing_is_logged_as_unanswered_with_zero_results(
    controller: PaletteController, searches: Searches, qtbot: QtBot
) -> None:
    controller.open(None, AREA)
    qtbot.keyClicks(controller.palette.field, "zzqx qqvw ")
    assert _cards(controller) == []
    assert controller.palette.message.text() == "No card for “zzqx qqvw”"
    qtbot.keyClick(controller.palette.field, Qt.Key.Key_Escape)
    assert searches.events == [("zzqx qqvw", 0, None, False)]


def test_with_no_full_match_the_palette_says_none_and_shows_three_partial_matches(
    controller: PaletteController, searches: Searches, qtbot: QtBot
) -> None:
    """A new user in a spreadsheet asks to "insert a watermark": no card is about watermarks."""
    controller.open("excel", AREA)
    qtbot.keyClicks(controller.palette.field, "how do I insert a watermark")
    palette = controller.palette
    assert palette.message.isVisible()
    assert palette.message.text() == "No card for “how do I insert a watermark”"
    assert palette.message.accessibleDescription() == palette.message.text()
    items = palette.model.items
    assert isinstance(items[0], PaletteHeading) and items[0].text == "Partial matches"
    partial = palette.rows()
    assert 1 <= len(partial) <= PARTIAL_SHOWN == 3
    assert all(row.note == "Partial match: has only insert." for row in partial)
    assert palette.current() == partial[0]  # the heading is passed by
    qtbot.keyClick(palette.field, Qt.Key.Key_Escape)
    assert searches.events == [("how do I insert a watermark", len(partial), "excel", False)]


def test_full_matches_come_first_and_partial_ones_follow_under_their_heading(
    controller: PaletteController, searches: Searches, qtbot: QtBot
) -> None:
    controller.open(None, AREA)
    qtbot.keyClicks(controller.palette.field, "parent directory ")
    palette = controller.palette
    assert not palette.message.isVisible()
    kinds = [type(item).__name__ for item in palette.model.items]
    assert kinds[0] == "PaletteRow" and "PaletteHeading" in kinds
    full = kinds.index("PaletteHeading")
    assert palette.rows()[0].card == "files-parent-folder"
    assert all(row.note for row in palette.rows()[full:])
    with qtbot.waitSignal(controller.card_requested) as requested:
        qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    assert requested.args == [DEMO, "files-parent-folder"]
    assert searches.events == [("parent directory", len(palette.rows()), None, True)]


def test_a_pack_synonym_finds_the_card_in_the_words_people_use(
    controller: PaletteController, qtbot: QtBot
) -> None:
    """The demo pack says `folder: [directory]`; the card itself never says "directory"."""
    controller.open(None, AREA)
    qtbot.keyClicks(controller.palette.field, "parent directory")
    assert _cards(controller)[0] == "files-parent-folder"
    assert controller.palette.rows()[0].note == ""


def test_opening_and_closing_without_typing_logs_nothing(
    controller: PaletteController, searches: Searches, qtbot: QtBot
) -> None:
    controller.open("excel", AREA)
    qtbot.keyClick(controller.palette.field, Qt.Key.Key_Escape)
    assert searches.events == []


def test_the_hotkey_opens_the_palette_for_the_app_in_front(
    controller: PaletteController, qtbot: QtBot
) -> None:
    backend = FakeBackend()
    search = SearchPalette(controller, lambda: "us.zoom.xos", GlobalHotkey(backend=backend))
    status = search.start("<ctrl>+<alt>+<space>")
    assert status.ok
    with qtbot.waitSignal(search.hotkey.pressed):
        backend.press_from_another_thread()
    assert controller.palette.isVisible()
    assert controller.palette.windowTitle() == "Cuecards search"
    assert "zoom-toggle-mute" in _cards(controller)
    qtbot.keyClicks(controller.palette.field, "raise hand")
    with qtbot.waitSignal(search.card_requested) as requested:
        qtbot.keyClick(controller.palette.field, Qt.Key.Key_Return)
    assert requested.args == [DEMO, "zoom-raise-hand"]
    search.stop()
    assert backend.stopped == 1


def test_a_hotkey_that_cannot_work_reaches_the_tray(
    controller: PaletteController, qtbot: QtBot
) -> None:
    backend = FakeBackend(refuse="another application grabbed it")
    search = SearchPalette(controller, lambda: None, GlobalHotkey(backend=backend))
    with qtbot.waitSignal(search.hotkey_problem) as problem:
        search.start("<ctrl>+<alt>+<space>")
    assert problem.args[0].startswith("Ctrl+Alt+Space cannot be registered (fake: another")
    assert search.status is not None and not search.status.ok


def test_a_hotkey_lost_later_reaches_the_tray(controller: PaletteController, qtbot: QtBot) -> None:
    backend = FakeBackend()
    search = SearchPalette(controller, lambda: None, GlobalHotkey(backend=backend))
    search.start("<ctrl>+<alt>+<space>")
    assert backend.fail is not None
    with qtbot.waitSignal(search.hotkey_problem) as problem:
        backend.fail("the desktop portal connection failed")
    assert problem.args[0] == (
        "The search hotkey stopped working (the desktop portal connection failed). Add a "
        "shortcut in your desktop's keyboard settings that runs `cuecards palette`, or use "
        "Search… in the Cuecards tray menu."
    )


def test_packs_arriving_under_an_open_palette_answer_the_query_again(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A first run: the demo pack lands a moment after start, maybe while someone types."""
    db, _ = open_database(tmp_path / "cuecards.db")
    try:
        controller = PaletteController(Catalog(db))
        qtbot.addWidget(controller.palette)
        controller.open("excel", AREA)
        qtbot.keyClicks(controller.palette.field, "pivot")
        assert _cards(controller) == []
        result = load_pack(demo_pack_dir())
        assert result.pack is not None
        writer, _ = open_database(tmp_path / "cuecards.db")  # the child's own connection
        try:
            Catalog(writer).install(result.pack)
        finally:
            writer.close()
        controller.refresh()  # what the tray does once the child is done
        assert _cards(controller)[0] == "excel-refresh-all"
    finally:
        db.close()
