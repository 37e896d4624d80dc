"""Child processes for bench_palette: `paint DB` (offscreen keystroke → results painted, one
JSON line per query on stdout) and `hotkey` (the yardstick: a bare PySide6 window behind the
same global hotkey, with nothing of Cuecards' palette, catalog or search in it).

They run apart from the bench runner so that the Qt platform and the GIL are their own.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from app.core.ranking import palette_search, split_partial
from app.store.catalog import Catalog
from app.store.db import open_database
from app.tray.palette_controller import LIMIT, PaletteController

BARE_TITLE = "Cuecards bare search"
PAINT_WAIT = 5.0  # seconds a keystroke may take to paint before it counts as never painted


class PaintStamp(QObject):
    """Stamps the time of each paint of the results list's viewport."""

    def __init__(self) -> None:
        super().__init__()
        self.painted_at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and self.painted_at is None:
            self.painted_at = time.perf_counter()
        return False


def paint(db_path: Path, queries: list[str]) -> None:
    """For each query, type its last character into the palette (the rest already typed) and
    time keystroke → list viewport painted; also time the palette's query path alone."""
    app = QApplication.instance() or QApplication(["cuecards"])
    db, _ = open_database(db_path)
    catalog = Catalog(db)
    catalog.warm()
    controller = PaletteController(catalog)
    palette = controller.palette
    controller.open("libreoffice-calc", QRect(0, 0, 1280, 800))
    stamp = PaintStamp()
    palette.list.viewport().installEventFilter(stamp)
    app.processEvents()

    def search(query: str, app_id: str | None, limit: int) -> list:
        return catalog.search(query, app=app_id, limit=limit)

    found: dict[str, int] = {}

    def timed(run: Callable[[], list], what: str) -> float:
        started = time.perf_counter()
        hits = run()
        elapsed = (time.perf_counter() - started) * 1000
        found[what] = len(hits)
        if what == "palette":  # what the palette shows: every full match, a few partial ones
            full, partial = split_partial(hits)
            found["to_show"] = len(full) + len(partial)
        return elapsed

    for i, query in enumerate(queries):
        # The second of two runs of a query finds SQLite's pages warm: alternate who goes first.
        def catalog_only(query: str = query) -> list:
            return catalog.search(query, app="libreoffice-calc")

        def palette_path(query: str = query) -> list:
            return palette_search(search, query, app="libreoffice-calc", limit=LIMIT)

        if i % 2:
            catalog_ms = timed(catalog_only, "catalog")
            query_ms = timed(palette_path, "palette")
        else:
            query_ms = timed(palette_path, "palette")
            catalog_ms = timed(catalog_only, "catalog")
        palette.field.setText(query[:-1])
        app.processEvents()
        stamp.painted_at = None
        started = time.perf_counter()
        QTest.keyClick(palette.field, query[-1])
        while stamp.painted_at is None and time.perf_counter() - started < PAINT_WAIT:
            app.processEvents()
        painted = stamp.painted_at
        paint_ms = None if painted is None else (painted - started) * 1000
        row = {
            "catalog_ms": catalog_ms,
            "query_ms": query_ms,
            "paint_ms": paint_ms,
            "hits": found["palette"],
            "catalog_hits": found["catalog"],
            "shown": len(palette.rows()),
            "to_show": found["to_show"],
            "typed": palette.field.text() == query,
        }
        print(json.dumps(row), flush=True)
    db.close()


def hotkey(combo: str) -> int:
    """A bare frameless window (a search field, nothing behind it) that the project's global
    hotkey shows and focuses, and Escape hides: what `cuecards run` does for the palette, minus
    the palette. Prints `ready` once the hotkey listens."""
    from app.desktop.hotkey.global_hotkey import GlobalHotkey

    app = QApplication(["cuecards"])
    flags = Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
    window = QWidget(None, flags | Qt.WindowType.WindowStaysOnTopHint)
    window.setWindowTitle(BARE_TITLE)
    field = QLineEdit(window)
    QVBoxLayout(window).addWidget(field)
    window.resize(640, 320)
    QShortcut(QKeySequence(Qt.Key.Key_Escape), window, window.hide)

    def show() -> None:
        window.show()
        window.raise_()
        window.activateWindow()
        field.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    registered = GlobalHotkey(app)
    status = registered.register(combo, show)
    if not status.ok:
        print(f"hotkey not registered: {status.message}", file=sys.stderr, flush=True)
        return 1
    print("ready", flush=True)
    return app.exec()


def main(argv: list[str]) -> int:
    command = argv[0]
    if command == "paint":
        paint(Path(argv[1]), [line.rstrip("\n") for line in sys.stdin if line.strip()])
        return 0
    if command == "hotkey":
        return hotkey(argv[1])
    raise SystemExit(f"unknown probe {command!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
