"""Helpers for tests that build, tamper with and serve `.cuepack` files."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

GOOD = Path(__file__).resolve().parents[1] / "data" / "good" / "acme-finance"


def copy_good(root: Path, version: str | None = None, name: str = "acme-finance") -> Path:
    """A writable copy of the good test pack, optionally at another version."""
    folder = Path(shutil.copytree(GOOD, root / name))
    if version is not None:
        set_version(folder, version)
    return folder


def set_version(folder: Path, version: str) -> None:
    manifest = folder / "pack.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    manifest.write_text(
        "".join(f"version: {version}\n" if ln.startswith("version:") else ln for ln in lines),
        encoding="utf-8",
    )


def rewrite_zip(path: Path, changes: dict[str, bytes | None]) -> None:
    """Rewrite a zip the way a tool (or an attacker) would: entries replaced, added or removed,
    with consistent CRCs, so only the manifest can tell."""
    with zipfile.ZipFile(path) as zf:
        entries = {i.filename: zf.read(i) for i in zf.infolist()}
    for name, data in changes.items():
        if data is None:
            entries.pop(name, None)
        else:
            entries[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def read_entry(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)
