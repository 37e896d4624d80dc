"""The long-lived services a command or the tray app works with, opened once and passed in."""

from __future__ import annotations

from pathlib import Path

from app.core.packs import load_pack, pack_digest, read_manifest
from app.paths import DB_FILE, demo_pack_dir
from app.settings import Policy, Settings
from app.store.catalog import Catalog
from app.store.db import open_database


class Services:
    """Settings (with the admin policy), the SQLite database and the card catalog."""

    def __init__(self, data_dir: Path, policy: Policy | None = None) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.policy = policy if policy is not None else Policy.load()
        self.settings = Settings(data_dir, self.policy)
        self.db, notice = open_database(data_dir / DB_FILE)
        self.notices: list[str] = [notice] if notice else []
        self.catalog = Catalog(self.db)

    def ensure_demo_pack(self) -> None:
        """Install the bundled demo pack when `packs.demo` is on (cheap when already current)."""
        demo = demo_pack_dir()
        manifest = read_manifest(demo)
        if not self.settings.get("packs.demo"):
            if any(p.id == manifest.id for p in self.catalog.packs()):
                self.catalog.remove(manifest.id)
            return
        if self.catalog.is_current(manifest.id, manifest.version, pack_digest(demo)):
            return
        result = load_pack(demo)
        if result.pack is not None:
            self.catalog.install(result.pack)
        self.notices.extend(f"demo pack: {p}" for p in result.errors)

    def close(self) -> None:
        self.db.close()
