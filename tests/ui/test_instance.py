"""The single-instance channel on Linux and macOS: a Unix socket under a lock file."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.desktop.instance.channel import open_instance
from app.desktop.instance.unix import UnixSocketInstance

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime


def _handoff_from_another_process(data: Path, command: str) -> bool:
    """`try_handoff` blocks, as in a second launch: run it where the event loop is not."""
    code = (
        "import sys; from pathlib import Path;"
        "from app.desktop.instance.channel import open_instance;"
        f"sys.exit(0 if open_instance(Path({str(data)!r})).try_handoff({command!r}) else 1)"
    )
    return subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0


def test_the_first_listens_a_second_hands_over_and_the_command_arrives(
    qtbot: QtBot, tmp_path: Path
) -> None:
    first = open_instance(tmp_path / "data")
    assert isinstance(first, UnixSocketInstance)
    got: list[str] = []
    assert first.listen(got.append) and first.listening
    mode = stat.S_IMODE(first.path.stat().st_mode)
    assert mode & 0o077 == 0, oct(mode)  # nobody else may talk to it
    assert not open_instance(tmp_path / "data").listen(got.append)  # the lock is held

    result: list[bool] = []  # the second launch runs while this event loop serves it
    worker = threading.Thread(
        target=lambda: result.append(_handoff_from_another_process(tmp_path / "data", "palette"))
    )
    worker.start()
    qtbot.waitUntil(lambda: got == ["palette"], timeout=15000)
    worker.join(15)
    assert result == [True]
    first.close()
    assert not first.path.exists()


def test_nobody_listening_means_no_handoff_and_a_crashed_socket_is_replaced(
    qtbot: QtBot, tmp_path: Path
) -> None:
    one = UnixSocketInstance(tmp_path / "data")
    assert not one.try_handoff("show")  # no file at all
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(one.path))  # what a killed instance leaves: a file nobody answers
    stale.close()
    assert one.path.exists() and not one.try_handoff("show")
    got: list[str] = []
    assert one.listen(got.append)  # no lock holder: the stale file is replaced
    one.close()
    other = UnixSocketInstance(tmp_path / "other")
    assert other.name != one.name  # another data directory, another instance


def test_an_unknown_command_is_refused_by_the_listener(qtbot: QtBot, tmp_path: Path) -> None:
    inst = UnixSocketInstance(tmp_path / "data")
    got: list[str] = []
    assert inst.listen(got.append)
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    peer.connect(str(inst.path))
    peer.sendall(b"rm -rf\n")
    peer.setblocking(False)
    reply = bytearray()

    def answered() -> bool:
        with contextlib.suppress(BlockingIOError):
            reply.extend(peer.recv(64))
        return reply.endswith(b"\n")

    qtbot.waitUntil(answered, timeout=5000)
    assert bytes(reply) == b"unknown\n" and got == []
    peer.close()
    inst.close()
    assert os.path.exists(inst.path.with_suffix(".lock"))  # left: removing it would race


def test_the_windows_named_pipe_variant_works_the_same_where_qt_can_run_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Windows uses QLocalServer; Qt runs it on Linux too, so its logic is tested here."""
    from app.desktop.instance.qt import LocalServerInstance

    first = LocalServerInstance(tmp_path / "data")
    got: list[str] = []
    assert first.listen(got.append) and first.listening
    assert not LocalServerInstance(tmp_path / "data").listen(got.append)
    code = (
        "import sys; from pathlib import Path; from PySide6.QtCore import QCoreApplication;"
        "from app.desktop.instance.qt import LocalServerInstance; app = QCoreApplication([]);"
        f"sys.exit(0 if LocalServerInstance(Path({str(tmp_path / 'data')!r}))"
        ".try_handoff('show') else 1)"
    )
    result: list[int] = []
    worker = threading.Thread(
        target=lambda: result.append(subprocess.run([sys.executable, "-c", code]).returncode)
    )
    worker.start()
    qtbot.waitUntil(lambda: got == ["show"], timeout=15000)
    worker.join(15)
    assert result == [0]
    first.close()
