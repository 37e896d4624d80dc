"""The CLI's driver: waits in select() on the backend's fd, stops from another thread."""

from __future__ import annotations

import threading

from app.desktop.watch.base import ContextChanged
from app.desktop.watch.blocking_driver import BlockingDriver
from tests.unit.desktop.fakes import PipeBackend


def test_changes_are_delivered_and_loss_ends_the_run():
    backend = PipeBackend()
    driver = BlockingDriver(backend)
    seen: list[str] = []
    backend.send("excel\n")

    def on_change(event: ContextChanged) -> None:
        seen.append(event.context.app)
        if len(seen) == 1:  # one batch: merged into where it ends, then the loss
            backend.send("excel\nword\nexcel\nword\nLOST\n")

    assert driver.run(on_change) == "pipe closed"
    assert seen == ["excel", "word"]
    assert backend.closed
    driver.close()


def test_stop_from_another_thread_returns_none_without_spinning():
    backend = PipeBackend()
    driver = BlockingDriver(backend)
    seen: list[ContextChanged] = []
    result: list[str | None] = []
    thread = threading.Thread(target=lambda: result.append(driver.run(seen.append)))
    thread.start()
    backend.send("excel\n")
    driver.stop()
    thread.join(10)
    assert not thread.is_alive() and result == [None]
    # select() slept: dispatch ran once up front and at most once per wake-up.
    assert backend.dispatches <= 3
    backend.close()
    driver.close()
