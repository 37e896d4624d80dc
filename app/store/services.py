"""The long-lived services a command or the tray app works with, opened once and passed in."""

from __future__ import annotations

from pathlib import Path

from app.core.packaccess import digest_of
from app.core.packrules import DEFAULT_LIMITS
from app.paths import DB_FILE, DEMO_PACK_ID, demo_pack_dir
from app.settings import Policy, Settings
from app.store.catalog import Catalog
from app.store.db import open_database


class Services:
    """Settings (with the admin policy), the SQLite database and the card catalog."""

    def __init__(
        self, data_dir: Path, policy: Policy | None = None, *, every_page: bool = True
    ) -> None:
        """`every_page=False` checks only the database file's structure (see open_database):
        for short commands, whose cost must not grow with the catalog."""
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.policy = policy if policy is not None else Policy.load()
        self.settings = Settings(data_dir, self.policy)
        self.db, notice = open_database(data_dir / DB_FILE, every_page=every_page)
        self.notices: list[str] = [notice] if notice else []
        self.catalog = Catalog(self.db)

    def demo_pack_pending(self) -> bool:
        """Whether the bundled demo pack must be installed, updated or removed (`packs.demo`).

        Cheap (a content hash of the folder) and free of the pack loader, so the tray app can
        ask at every start without loading the pack models.
        """
        installed = self.catalog.pack_digests().get(DEMO_PACK_ID)
        if not self.settings.get("packs.demo"):
            return installed is not None
        return installed != digest_of(demo_pack_dir(), DEFAULT_LIMITS)

    def ensure_demo_pack(self) -> None:
        """Install, update or remove the bundled demo pack as `packs.demo` says."""
        if not self.demo_pack_pending():
            return
        if not self.settings.get("packs.demo"):
            self.catalog.remove(DEMO_PACK_ID)
            return
        from app.core.packs import load_pack

        result = load_pack(demo_pack_dir())
        if result.pack is not None:
            self.catalog.install(result.pack)
        self.notices.extend(f"demo pack: {p}" for p in result.errors)

    def close(self) -> None:
        self.db.close()
