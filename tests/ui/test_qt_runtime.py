"""The Qt runtime we depend on keeps a long-running app alive (guards the PySide6 pin)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Probe(QObject):
    ticked = Signal(bool)

app = QCoreApplication([])
probe = Probe()
probe.ticked.connect(lambda value: None)
before = sys.getrefcount(None), sys.getrefcount(True)
for _ in range(20000):  # about an hour of a busy tray app's void calls and emits
    probe.setObjectName("x")
    probe.ticked.emit(True)
after = sys.getrefcount(None), sys.getrefcount(True)
print(after[0] - before[0], after[1] - before[1])
"""


def test_void_calls_and_signal_emits_do_not_leak_references_to_none_or_true() -> None:
    """PySide6 6.12.0 on Python < 3.12 aborted here with 'Fatal Python error: bool_dealloc'."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-500:]
    none_drift, true_drift = (int(v) for v in done.stdout.split())
    assert abs(none_drift) < 100 and abs(true_drift) < 100
