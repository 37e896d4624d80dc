"""The companion in-process, offscreen: contexts in, popups, menu actions, usage and saved state
out. Window changes are handed to `on_context` as the watcher would; the clock is a fake one,
so waits are asserted as the one single-shot timer the companion arms, not by sleeping."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication

from app.core.context import Context
from app.core.packs import load_pack
from app.desktop.watch.detect import Detection
from app.settings import Policy
from app.store.services import Services
from app.store.state import StateStore
from app.tray.companion import Companion
from tests.e2e.moment import FAST, LEDGER, MAIL, NOTES, PACK


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class FakeDialog:
    """Stands in for the settings dialog: records the errors it was asked to show."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def show_error(self, key: str, message: str) -> None:
        self.errors.append((key, message))


def window(card, title: str = "a window") -> Context:  # noqa: ANN001
    return Context(app=card.app, title=title, backend="test", pid=4242)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def companion(qtbot, tmp_path: Path, clock: Clock, monkeypatch) -> Iterator[Companion]:
    monkeypatch.setattr(
        "app.desktop.watch.detect.detect", lambda: Detection(None, "no watcher in this test", None)
    )
    services = Services(tmp_path / "data", Policy.empty())
    for key, value in {**FAST, "packs.demo": "false"}.items():
        services.settings.set(key, value)
    result = load_pack(PACK)
    assert result.pack is not None
    services.catalog.install(result.pack)
    app = QApplication.instance()
    assert app is not None
    comp = Companion(app, services, clock=clock)
    comp.start()
    yield comp
    comp.shutdown()  # quit() would also end the test's event loops (QCoreApplication.exit)
    for widget in [comp.moment.popup, comp.windows.cardview, *comp.windows.kept.values()]:
        if widget is not None:
            widget.close()
            widget.deleteLater()
    # Delete them now, while the application lives (not in the interpreter's final sweep).
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    services.close()


def kinds(comp: Companion) -> list[str]:
    assert comp.usage is not None
    return [e.kind for e in reversed(comp.usage.events())]


def popup_title(comp: Companion) -> str | None:
    popup = comp.moment.popup
    return popup.windowTitle() if popup is not None and popup.isVisible() else None


def test_a_window_with_a_card_pops_it_and_the_log_keeps_app_ids_only(companion: Companion):
    companion.moment.on_context(window(LEDGER, "Budget.xlsx"))
    assert popup_title(companion) == LEDGER.popup
    assert kinds(companion) == ["context", "matched", "shown"]
    assert {e.app for e in companion.usage.events()} == {LEDGER.app}
    companion.moment.on_context(Context(app="keepassxc", title="Passwords", backend="test", pid=1))
    assert popup_title(companion) is None  # the card was about the window left behind
    assert companion.usage.events(1)[0].app == "other"
    state, _ = StateStore(companion.services.db).load()
    assert len(state.shown) == 1


def test_a_context_row_is_a_switch_between_apps_not_a_title_change(
    companion: Companion,
) -> None:
    companion.moment.on_context(window(LEDGER, "Budget.xlsx"))
    companion.moment.on_context(window(LEDGER, "Budget (2).xlsx"))
    for title in ("Passwords", "Bank statement.pdf"):  # two apps no pack knows
        companion.moment.on_context(Context(app=title.split()[0].lower(), title=title, backend="t"))
    companion.moment.on_context(window(NOTES))
    apps = [e.app for e in reversed(companion.usage.events()) if e.kind == "context"]
    assert apps == [LEDGER.app, "other", NOTES.app]


def test_cuecards_own_windows_are_not_a_context(companion: Companion) -> None:
    companion.moment.on_context(
        Context(app="e2e-ledger", title="x", backend="test", pid=os.getpid())
    )
    companion.moment.on_context(Context(app="cuecards", title="Cuecards card: x", backend="test"))
    assert kinds(companion) == []
    assert popup_title(companion) is None


def test_a_dwell_arms_one_timer_and_the_card_shows_when_it_fires(
    companion: Companion, clock: Clock
) -> None:
    companion.change_setting(FakeDialog(), "pacing.default_dwell_seconds", "3")
    # The test pack's triggers say dwell 0s; a card without one waits for the default.
    companion.services.catalog.install(_pack_without_dwell(companion.services.data_dir))
    companion._install_matcher(companion.services.catalog.matcher())
    companion.moment.on_context(window(NOTES))
    assert popup_title(companion) is None
    assert companion.moment._retry.isActive() and companion.moment._retry.isSingleShot()
    assert 2900 <= companion.moment._retry.interval() <= 3000
    clock.now += 3
    companion.moment._retry.timeout.emit()  # what Qt does when the interval has passed
    assert popup_title(companion) == NOTES.popup
    assert not companion.moment._retry.isActive()


def _pack_without_dwell(data_dir: Path):  # noqa: ANN202
    folder = data_dir.parent / "nodwell"
    shutil.copytree(PACK, folder)
    manifest = folder / "pack.yaml"
    manifest.write_text(
        manifest.read_text().replace("version: 1.0.0", "version: 1.1.0"), encoding="utf-8"
    )
    card = folder / "cards" / "notes-link.md"
    card.write_text(card.read_text().replace("    dwell: 0s\n", ""), encoding="utf-8")
    return load_pack(folder).pack


def test_dont_show_again_is_saved_and_holds_for_new_windows(companion: Companion) -> None:
    companion.moment.on_context(window(NOTES, "one"))
    companion.moment.popup.action.emit("e2e.moment", "notes-link", "never")  # the button's signal
    companion.moment.on_context(window(LEDGER))
    companion.moment.on_context(window(NOTES, "two"))
    assert popup_title(companion) is None
    assert "never" in kinds(companion)
    state, _ = StateStore(companion.services.db).load()
    assert ("e2e.moment", "notes-link") in state.never


def test_snooze_from_the_menu_quiets_popups_and_resume_brings_the_card(
    companion: Companion, clock: Clock
) -> None:
    companion.menu.snooze_requested.emit(3600)
    assert companion.menu.resume_action.isVisible()
    assert companion.menu.resume_action.text().startswith("Snoozed until ")
    companion.moment.on_context(window(MAIL))
    assert popup_title(companion) is None
    assert companion.moment._retry.isActive()  # one timer, at the snooze's end
    companion.menu.resume_requested.emit()
    assert popup_title(companion) == MAIL.popup
    assert not companion.menu.resume_action.isVisible()
    assert kinds(companion) == ["snoozed", "context", "matched", "resumed", "shown"]


def test_never_in_this_app_mutes_the_app_in_front(companion: Companion) -> None:
    companion.moment.on_context(window(LEDGER, "one"))
    assert companion.menu.current_app() == LEDGER.app
    companion.menu.mute_current_app_requested.emit()
    assert popup_title(companion) is None
    companion.moment.on_context(window(NOTES))
    companion.moment.on_context(window(LEDGER, "two"))
    assert popup_title(companion) is None
    assert "muted" in companion.menu.current_app()
    state, _ = StateStore(companion.services.db).load()
    assert state.muted == {LEDGER.app}


def test_a_refused_setting_is_shown_in_the_dialog_and_a_pacing_change_applies_at_once(
    companion: Companion,
) -> None:
    dialog = FakeDialog()
    companion.change_setting(dialog, "pacing.max_per_hour", "1000")
    assert dialog.errors and dialog.errors[0][0] == "pacing.max_per_hour"
    assert "above the maximum" in dialog.errors[0][1]
    companion.change_setting(dialog, "pacing.max_per_hour", "0")
    assert companion.pacer.config.max_per_hour == 0
    companion.moment.on_context(window(LEDGER))
    assert popup_title(companion) is None


def test_open_from_the_popup_shows_the_card_view_and_its_votes_are_kept(
    companion: Companion,
) -> None:
    companion.moment.on_context(window(LEDGER))
    companion.moment.popup.action.emit("e2e.moment", "ledger-totals", "open")
    view = companion.windows.cardview
    assert view is not None and view.windowTitle() == f"Cuecards card: {LEDGER.title}"
    view.feedback.emit("e2e.moment", "ledger-totals", "helpful")
    assert kinds(companion)[-2:] == ["opened", "helpful"]
    assert StateStore(companion.services.db).votes() == {("e2e.moment", "ledger-totals"): 1}


def test_recent_and_records_windows_show_what_the_log_holds(companion: Companion) -> None:
    companion.moment.on_context(window(LEDGER, "Budget.xlsx"))
    companion.moment.popup.action.emit("e2e.moment", "ledger-totals", "unhelpful")
    companion.menu.recent_requested.emit()
    recent = companion.windows.kept["recent"]
    assert [row[1:] for row in recent.row_texts()][0][0] == LEDGER.title
    companion.menu.records_requested.emit()
    records = companion.windows.kept["records"]
    texts = [" ".join(row) for row in records.event_texts()]
    assert any("unhelpful" in t and LEDGER.app in t for t in texts)
    assert not any("Budget.xlsx" in t for t in texts)


def test_palette_hand_off_opens_the_search_palette(companion: Companion) -> None:
    """`cuecards palette` reaches the running app and opens the real palette."""
    assert companion.search is not None
    companion.on_command("palette")
    palette = companion.search.controller.palette
    assert palette.isVisible() and palette.windowTitle() == "Cuecards search"


def test_a_sync_in_a_child_process_installs_a_newer_pack_and_rebuilds_the_matcher(
    qtbot, companion: Companion, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    folder = source / "moment"
    shutil.copytree(PACK, folder)
    (folder / "pack.yaml").write_text(
        (folder / "pack.yaml").read_text().replace("version: 1.0.0", "version: 1.2.0")
        + "  calendar: [e2e-calendar]\n",
        encoding="utf-8",
    )
    (folder / "cards" / "calendar.md").write_text(
        "---\nid: calendar-invite\ntitle: Invite from the calendar\nsummary: Press I.\n"
        "triggers:\n  - app: calendar\n    dwell: 0s\n---\nPress I.\n",
        encoding="utf-8",
    )
    companion.change_setting(FakeDialog(), "packs.sources", str(source))
    assert companion.pack_sync._sync_timer.isActive()  # the first sync waits a random moment
    with qtbot.waitSignal(companion.pack_sync._sync_done, timeout=30_000):
        companion.pack_sync.start_sync()
    assert any("1.2.0" in label for label in companion.menu.pack_labels())
    # the pack loader ran in the child, never in this process's tray
    assert companion.pack_sync._refresh is not None and not companion.pack_sync._refresh.running
    companion.moment.on_context(Context(app="e2e-calendar", title="x", backend="test", pid=7))
    assert popup_title(companion) == "Cuecards: Invite from the calendar"
    assert companion.pack_sync._sync_timer.isActive()  # and the next sync is scheduled


def test_a_card_from_a_cuepack_shows_its_image(companion: Companion, tmp_path: Path) -> None:
    """A synced pack is a zip: its images are unpacked for the card view, not left out."""
    from app.core.packs import load_pack
    from app.sync.cuepack import build_cuepack

    good = Path(__file__).resolve().parents[1] / "data" / "good" / "acme-finance"
    cuepack = tmp_path / "acme.cuepack"
    build_cuepack(good, cuepack)
    loaded = load_pack(cuepack)
    assert loaded.pack is not None, loaded.errors
    companion.services.catalog.install(loaded.pack)
    companion.windows.open_card("acme.finance", "pivot-refresh")
    view = companion.windows.cardview
    assert view is not None and view.browser.media_dir is not None
    shown = view.browser.loadResource(
        QTextDocument.ResourceType.ImageResource.value, QUrl("media/pivot.png")
    )
    assert shown is not None and not shown.isNull()  # the picture, read from the unpacked zip
