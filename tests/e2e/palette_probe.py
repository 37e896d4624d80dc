"""The search palette behind the real global hotkey, on the real display, with the demo pack.

Run as `python -m tests.e2e.palette_probe DATA_DIR APP` with DISPLAY set: prints the hotkey
status as JSON, then `opened PACK CARD` when Enter asks for a card and `closed` when Esc
closes the palette; a `state` line on stdin prints what the palette shows as JSON (the status
line, the rows and headings, the selected row); quits when stdin closes. `APP` is the app id
the palette treats as the one the person was in. Tests drive it from outside with xdotool,
as a person would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from app.store.services import Services
from app.tray.palette_controller import PaletteController, SearchPalette
from app.ui.palette import Palette, PaletteHeading


def state(palette: Palette) -> dict:
    """What the palette shows: the status line (empty when hidden) with its accessible name
    and description, each row or heading in order, and the selected card."""
    items = [
        {"heading": item.text, "description": item.description}
        if isinstance(item, PaletteHeading)
        else {"card": item.card, "note": item.note}
        for item in palette.model.items
    ]
    current = palette.current()
    return {
        "status": palette.message.text() if palette.message.isVisible() else "",
        "status_name": palette.message.accessibleName(),
        "status_description": palette.message.accessibleDescription(),
        "items": items,
        "current": current.card if current else None,
    }


def main(argv: list[str]) -> int:
    data_dir, app_id = Path(argv[1]), argv[2]
    app = QApplication(["cuecards"])
    app.setQuitOnLastWindowClosed(False)
    services = Services(data_dir)
    services.ensure_demo_pack()
    controller = PaletteController(services.catalog)
    controller.refresh()
    search = SearchPalette(controller, lambda: app_id)
    search.card_requested.connect(lambda pack, card: print(f"opened {pack} {card}", flush=True))
    controller.palette.closed.connect(lambda: print("closed", flush=True))
    status = search.start(str(services.settings.get("hotkey.palette")))
    print(json.dumps({"ok": status.ok, "message": status.message}), flush=True)
    stdin = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)

    def command() -> None:
        line = sys.stdin.readline()
        if not line:
            app.quit()
        elif line.strip() == "state":
            print(json.dumps(state(controller.palette)), flush=True)

    stdin.activated.connect(command)
    code = app.exec()
    search.stop()
    services.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
