"""A card's images show whether its pack came as a folder or as a `.cuepack` zip."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from app.store.media import media_folder
from app.sync.cuepack import build_cuepack

GOOD = Path(__file__).resolve().parents[1] / "data" / "good" / "acme-finance"


def test_a_folder_pack_serves_its_own_media_folder(tmp_path: Path) -> None:
    assert media_folder(tmp_path, "acme.finance", str(GOOD), "d" * 64) == GOOD / "media"


def test_a_cuepack_is_unpacked_once_per_version_and_the_old_one_goes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pack = tmp_path / "acme.cuepack"
    build_cuepack(GOOD, pack)
    first = media_folder(data, "acme.finance", str(pack), "a" * 64)
    assert first is not None and first.is_relative_to(data / "media")
    assert (first / "pivot.png").read_bytes() == (GOOD / "media" / "pivot.png").read_bytes()
    (first / "pivot.png").write_bytes(b"kept")  # a second open reads what is there
    assert media_folder(data, "acme.finance", str(pack), "a" * 64) == first
    assert (first / "pivot.png").read_bytes() == b"kept"
    second = media_folder(data, "acme.finance", str(pack), "b" * 64)  # an update
    assert second != first and not first.exists() and (second / "pivot.png").is_file()


def test_names_that_escape_media_are_never_written(tmp_path: Path) -> None:
    pack = tmp_path / "evil.cuepack"
    with zipfile.ZipFile(pack, "w") as zf:
        zf.writestr("pack.yaml", "id: evil\n")
        zf.writestr("media/../../escape.png", b"x")
        zf.writestr("media/ok.png", b"png")
        zf.writestr("cards/a.md", "---\n---\n")
    folder = media_folder(tmp_path / "data", "evil", str(pack), "c" * 64)
    assert folder is not None and [p.name for p in folder.iterdir()] == ["ok.png"]
    assert (
        not (tmp_path / "escape.png").exists() and not (tmp_path / "data" / "escape.png").exists()
    )


def test_no_media_and_a_missing_source_give_none(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(GOOD, bare)
    shutil.rmtree(bare / "media")
    assert media_folder(tmp_path, "x", str(bare), "e" * 64) is None
    assert media_folder(tmp_path, "x", str(tmp_path / "gone.cuepack"), "e" * 64) is None
