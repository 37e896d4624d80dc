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
    assert backend.dispatch() == [ContextChanged(excel, "excel")]
    assert backend._offer(Context("excel", "Budget.xlsx", "scripted", 11)) is False  # pid only
    assert backend.dispatch() == []
    assert backend._offer(Context("excel", "Q3.xlsx", "scripted", 11)) is True
    assert backend.dispatch() == [ContextChanged(Context("excel", "Q3.xlsx", "scripted", 11))]
    assert backend._offer(Context("excel", "Q3.xlsx", "scripted", 11, True)) is True
    assert backend.dispatch() == [
        ContextChanged(Context("excel", "Q3.xlsx", "scripted", 11, True)),
    ]
    assert backend.dispatch() == []
    assert backend.current() == Context("excel", "Q3.xlsx", "scripted", 11, True)


def test_changes_drained_in_one_batch_merge_into_where_the_batch_ends():
    """`swaymsg 'focus alpha; focus beta; focus alpha'` is one batch: one line, not three."""
    backend = Scripted()
    alpha, beta, gamma = (Context(app, backend="scripted") for app in ("alpha", "beta", "gamma"))
    backend._offer(beta)
    backend.dispatch()
    for context in (alpha, beta, alpha):
        backend._offer(context, context.app)
    assert backend.dispatch() == [ContextChanged(alpha, "alpha")]
    for context in (beta, gamma, beta, alpha):  # ends where it began: nothing happened
        backend._offer(context)
    assert backend.dispatch() == []
    backend._offer(beta)
    backend._offer(Context("", backend="scripted"))  # a close, then a new window at once
    backend._offer(gamma)
    assert backend.dispatch() == [ContextChanged(gamma)]


def test_a_start_up_context_cleared_from_the_queue_is_where_the_next_batch_begins():
    backend = Scripted()
    alpha, beta = Context("alpha", backend="scripted"), Context("beta", backend="scripted")
    backend._offer(alpha)
    backend._pending.clear()  # what every backend does with its starting context
    backend._offer(beta)
    backend._offer(alpha)
    assert backend.dispatch() == []


def test_a_batch_that_ends_with_the_loss_reports_its_change_first():
    backend = Scripted()
    backend._offer(Context("alpha", backend="scripted"))
    backend._offer(Context("beta", backend="scripted"))
    backend._lose("gone")
    assert backend.dispatch() == [
        ContextChanged(Context("beta", backend="scripted")),
        WatcherLost("gone"),
    ]


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
