"""`pump()`/`interrupt()` for backends whose events arrive through Qt's event loop (QtDBus).

Inside the tray app Qt's own loop delivers those events and none of this runs. The CLI has no
running loop, so `pump()` runs a nested `QEventLoop` until the backend reports, a timeout
passes, `interrupt()` is called from another thread, or Ctrl+C is pressed. Ctrl+C needs care:
Python runs signal handlers only between bytecodes, and a loop blocked in C runs none, so the
signal's wake-up byte (`signal.set_wakeup_fd`) is watched with a `QSocketNotifier` that quits
the loop; KeyboardInterrupt is then raised from `pump()` itself, never from inside a slot.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEventLoop, QMetaObject, QSocketNotifier, Qt, QTimer

from app.desktop.watch.base import WatcherBackend


def ensure_qt_app() -> QCoreApplication:
    """The running Qt application, or a new QCoreApplication for a CLI process."""
    app = QCoreApplication.instance()
    return app if app is not None else QCoreApplication([])


class QtLoopPump:
    """Runs a nested Qt event loop for one backend; see the module docstring."""

    def __init__(self) -> None:
        self._loop: QEventLoop | None = None
        self._lock = threading.Lock()

    def pump(self, backend: WatcherBackend, timeout: float | None) -> None:
        """Run the loop until `backend` has events for `dispatch()`, `timeout` or an interrupt."""
        if backend.has_pending():
            return
        ensure_qt_app()
        loop = QEventLoop()
        interrupted = False

        def quit_on_signal(_signum: int, _frame: object) -> None:
            nonlocal interrupted
            interrupted = True
            loop.quit()

        previous = backend.on_change

        def wake() -> None:
            if previous is not None:
                previous()
            loop.quit()

        backend.on_change = wake
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        if timeout is not None:
            timer.start(max(0, int(timeout * 1000)))
        restore_signal = None
        if threading.current_thread() is threading.main_thread():
            restore_signal = self._watch_sigint(quit_on_signal)
        with self._lock:
            self._loop = loop
        try:
            # A Ctrl+C handled before exec() quit a loop that was not running yet: that quit
            # is lost, so look at the flag rather than wait forever.
            if not backend.has_pending() and not interrupted:
                loop.exec()
        finally:
            with self._lock:
                self._loop = None
            timer.stop()
            backend.on_change = previous
            if restore_signal is not None:
                restore_signal()
        if interrupted:
            raise KeyboardInterrupt

    def interrupt(self) -> None:
        """Quit a running `pump()` from any thread."""
        with self._lock:
            if self._loop is not None:
                QMetaObject.invokeMethod(self._loop, "quit", Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _watch_sigint(handler: Callable[[int, object], None]) -> Callable[[], None]:
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        old_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        old_handler = signal.signal(signal.SIGINT, handler)
        notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

        def drain() -> None:
            # Merely running Python here lets the pending SIGINT handler quit the loop.
            with contextlib.suppress(BlockingIOError):
                reader.recv(512)

        notifier.activated.connect(drain)

        def restore() -> None:
            notifier.setEnabled(False)
            signal.set_wakeup_fd(old_fd)
            signal.signal(signal.SIGINT, old_handler)
            reader.close()
            writer.close()

        return restore
