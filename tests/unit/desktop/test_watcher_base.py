"""What every backend reports: changes only, the loss once, in order."""

from __future__ import annotations

from app.core.context import Context
from app.desktop.watch.base import ContextChanged, WatcherBackend, WatcherLost, WatchEvent


class Scripted(WatcherBackend):
    name = "scripted"

    def dispatch(self) -> list[WatchEvent]:
        return self._take()


def test_only_real_changes_of_app_title_or_full_screen_are_reported():
    backend = Scripted()
    excel = Context("excel", "Budget.xlsx", "scripted", 10)
    assert backend._offer(excel, "excel") is True
    assert backend._offer(Context("excel", "Budget.xlsx", "scripted", 11)) is False  # pid only
    assert backend._offer(Context("excel", "Q3.xlsx", "scripted", 11)) is True
    assert backend._offer(Context("excel", "Q3.xlsx", "scripted", 11, True)) is True
    assert backend.dispatch() == [
        ContextChanged(excel, "excel"),
        ContextChanged(Context("excel", "Q3.xlsx", "scripted", 11)),
        ContextChanged(Context("excel", "Q3.xlsx", "scripted", 11, True)),
    ]
    assert backend.dispatch() == []
    assert backend.current() == Context("excel", "Q3.xlsx", "scripted", 11, True)


def test_loss_is_reported_once_and_closes():
    backend = Scripted()
    backend._lose("gone")
    backend._lose("gone again")
    assert backend.dispatch() == [WatcherLost("gone")]
    assert backend.closed


def test_loop_backends_wake_their_driver_only_with_news():
    backend = Scripted()
    woken: list[int] = []
    backend.on_change = lambda: woken.append(1)
    backend._notify()
    assert woken == []
    backend._offer(Context("word"))
    backend._notify()
    assert woken == [1] and backend.has_pending()
