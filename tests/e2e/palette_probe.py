"""The search palette behind the real global hotkey, on the real display, with the demo pack.

Run as `python -m tests.e2e.palette_probe DATA_DIR APP` with DISPLAY set: prints the hotkey
status as JSON, then `opened PACK CARD` when Enter asks for a card and `closed` when Esc
closes the palette; quits when stdin closes. `APP` is the app id the palette treats as the
one the person was in. Tests drive it from outside with xdotool, as a person would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication

from app.store.services import Services
from app.tray.palette_controller import PaletteController, SearchPalette


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
    stdin.activated.connect(lambda: sys.stdin.readline() or app.quit())
    code = app.exec()
    search.stop()
    services.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
