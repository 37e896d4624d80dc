"""`python -m tests.e2e.kwin_screenshot OUT.png WIDTH HEIGHT`: KWin's own screenshot of the
active screen (`org.kde.KWin.ScreenShot2.CaptureActiveScreen`), saved as a PNG.

KWin writes the raw pixels (32-bit, premultiplied ARGB, WIDTH x HEIGHT) to a pipe we hand it
over D-Bus. It answers only privileged clients unless KWin was started with
`KWIN_SCREENSHOT_NO_PERMISSION_CHECKS=1`, as the test session is (compositors.KWinSession).
A child process, so the test's own Qt application (if any) is left alone.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusUnixFileDescriptor
from PySide6.QtGui import QImage


def capture(write_fd: int) -> str:
    """Ask KWin to write the active screen to `write_fd`; an error message or ""."""
    fd = QDBusUnixFileDescriptor(write_fd)  # holds a duplicate: released below for the EOF
    message = QDBusMessage.createMethodCall(
        "org.kde.KWin", "/org/kde/KWin/ScreenShot2", "org.kde.KWin.ScreenShot2",
        "CaptureActiveScreen",
    )  # fmt: skip
    message.setArguments([{}, fd])
    reply = QDBusConnection.sessionBus().call(message)
    fd.swap(QDBusUnixFileDescriptor())
    if reply.type() != QDBusMessage.MessageType.ReplyMessage:
        return f"{reply.errorName()}: {reply.errorMessage()}"
    return ""


def main(out: str, width: int, height: int) -> int:
    QCoreApplication(sys.argv[:1])
    read_fd, write_fd = os.pipe()
    error = capture(write_fd)
    os.close(write_fd)
    data = b""
    while chunk := os.read(read_fd, 1 << 20):
        data += chunk
    if error or len(data) != width * height * 4:
        print(error or f"got {len(data)} bytes for {width}x{height}", file=sys.stderr)
        return 1
    image = QImage(data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)
    return 0 if image.save(out) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
