"""The demo pack follows `packs.demo`, and the tray can ask whether work is pending cheaply."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from app.paths import DEMO_PACK_ID
from app.settings import Policy
from app.store.services import Services


def _ids(services: Services) -> set[str]:
    return {p.id for p in services.catalog.packs()}


def test_pending_until_installed_then_pending_again_when_turned_off(tmp_path: Path) -> None:
    services = Services(tmp_path, Policy.empty())
    try:
        assert services.demo_pack_pending()
        services.ensure_demo_pack()
        assert DEMO_PACK_ID in _ids(services) and not services.demo_pack_pending()
        services.settings.set("packs.demo", False)
        assert services.demo_pack_pending()
        services.ensure_demo_pack()
        assert DEMO_PACK_ID not in _ids(services) and not services.demo_pack_pending()
    finally:
        services.close()


def test_a_changed_demo_folder_is_pending(tmp_path: Path, monkeypatch) -> None:
    services = Services(tmp_path / "data", Policy.empty())
    try:
        services.ensure_demo_pack()
        copy = tmp_path / "demo"
        from app.store import services as services_module

        shutil.copytree(services_module.demo_pack_dir(), copy)
        monkeypatch.setattr(services_module, "demo_pack_dir", lambda: copy)
        assert not services.demo_pack_pending()
        card = next((copy / "cards").rglob("*.md"))
        card.write_text(card.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
        assert services.demo_pack_pending()  # a new Cuecards release with an edited card
    finally:
        services.close()


def test_the_pending_check_never_loads_the_pack_models() -> None:
    """The tray asks at every start: pydantic, YAML and Markdown must stay out of it."""
    code = (
        "import sys, tempfile, pathlib\n"
        "from app.store.services import Services\n"
        "from app.settings import Policy\n"
        "s = Services(pathlib.Path(tempfile.mkdtemp()), Policy.empty())\n"
        "s.demo_pack_pending(); s.catalog.matcher()\n"
        "print(sorted(m for m in ('pydantic', 'yaml', 'markdown_it', 'sqlite_utils')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
