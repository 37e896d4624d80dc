"""Where a pack's images are on disk, so the card view can show them.

A pack installed from a folder has its `media/` there. A `.cuepack` keeps its images inside
the zip, so the first card opened from it unpacks `media/` once into
`<data>/media/<pack id>-<digest>/`; a new version gets a new folder and the old ones go.
The loader checked every file at install; here only regular files under `media/` with plain
relative names are written, each within the pack's size limit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from app.core.packrules import DEFAULT_LIMITS

MEDIA = "media"


def media_folder(data_dir: Path, pack_id: str, source: str, digest: str) -> Path | None:
    """The folder holding this installed pack's images, or None when it has none."""
    origin = Path(source)
    if origin.is_dir():
        folder = origin / MEDIA
        return folder if folder.is_dir() else None
    if not origin.is_file() or not zipfile.is_zipfile(origin):
        return None
    root = data_dir / MEDIA
    target = root / f"{pack_id}-{digest[:16]}"
    if not target.is_dir():
        root.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=f".{pack_id}-", dir=root))
        try:
            _unpack(origin, staged)
            os.replace(staged, target)
        except OSError:
            if not target.is_dir():  # not another process that unpacked it first
                raise
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        for old in root.glob(f"{pack_id}-*"):
            if old != target and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
    return target if any(target.iterdir()) else None


def _unpack(archive: Path, into: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            parts = PurePosixPath(info.filename).parts
            if info.is_dir() or len(parts) < 2 or parts[0] != MEDIA:
                continue
            if any(p in ("", ".", "..") or "\\" in p for p in parts) or info.filename[0] == "/":
                continue
            if info.file_size > DEFAULT_LIMITS.max_media_bytes:
                continue
            dest = into.joinpath(*parts[1:])
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out)
