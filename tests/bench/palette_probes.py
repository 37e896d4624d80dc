"""Child process for bench_palette: `paint DB` (offscreen keystroke → results painted).

It runs apart from the bench runner so that the Qt platform and the GIL are its own; it
prints one JSON line per query on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.core.ranking import palette_search
from app.store.catalog import Catalog
from app.store.db import open_database
from app.tray.palette_controller import LIMIT, PaletteController


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

    def timed(run: Callable[[], object]) -> float:
        started = time.perf_counter()
        run()
        return (time.perf_counter() - started) * 1000

    for i, query in enumerate(queries):
        # The second of two runs of a query finds SQLite's pages warm: alternate who goes first.
        def catalog_only(query: str = query) -> object:
            return catalog.search(query, app="libreoffice-calc")

        def palette_path(query: str = query) -> object:
            return palette_search(search, query, app="libreoffice-calc", limit=LIMIT)

        if i % 2:
            catalog_ms, query_ms = timed(catalog_only), timed(palette_path)
        else:
            query_ms, catalog_ms = timed(palette_path), timed(catalog_only)
        palette.field.setText(query[:-1])
        app.processEvents()
        stamp.painted_at = None
        started = time.perf_counter()
        QTest.keyClick(palette.field, query[-1])
        while stamp.painted_at is None and time.perf_counter() - started < 1.0:
            app.processEvents()
        painted = stamp.painted_at
        paint_ms = None if painted is None else (painted - started) * 1000
        row = {"catalog_ms": catalog_ms, "query_ms": query_ms, "paint_ms": paint_ms}
        print(json.dumps(row), flush=True)
    db.close()


def main(argv: list[str]) -> None:
    command, db_path = argv[0], Path(argv[1])
    if command == "paint":
        paint(db_path, [line.rstrip("\n") for line in sys.stdin if line.strip()])
    else:
        raise SystemExit(f"unknown probe {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
