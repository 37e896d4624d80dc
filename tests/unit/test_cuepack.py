"""Building `.cuepack` files and finding any file changed after the build."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from app.core.packs import load_pack
from app.core.problems import PackError
from app.sync.cuepack import build_cuepack, check_contents
from tests.unit.cuepack_helpers import GOOD, copy_good, read_entry, rewrite_zip

REBUILD = "Fix: rebuild the pack from its folder with `cuecards pack build` and sign it again"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PackError) as caught:
        check_contents(path)
    return [str(p) for p in caught.value.problems]


def test_a_build_is_deterministic_and_lists_every_file_with_its_sha256(tmp_path: Path) -> None:
    first = build_cuepack(GOOD, tmp_path / "a.cuepack")
    second = build_cuepack(GOOD, tmp_path / "b.cuepack")

    assert first.path.read_bytes() == second.path.read_bytes()
    assert (first.pack_id, first.version, first.cards, first.files) == (
        "acme.finance",
        "1.4.0",
        3,
        5,
    )
    with zipfile.ZipFile(first.path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and names[0] == "MANIFEST.json"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    manifest = json.loads(read_entry(first.path, "MANIFEST.json"))
    assert manifest["format"] == 1 and manifest["pack"] == "acme.finance"
    assert manifest["files"] == {
        name: hashlib.sha256((GOOD / name).read_bytes()).hexdigest()
        for name in (
            "cards/close/accruals.md",
            "cards/go-to-cell.md",
            "cards/pivot-refresh.md",
            "media/pivot.png",
            "pack.yaml",
        )
    }


def test_the_built_pack_loads_like_its_folder(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "p.cuepack")

    from_zip, from_folder = load_pack(built.path), load_pack(GOOD)
    assert from_zip.ok
    assert [c.front for c in from_zip.pack.cards] == [c.front for c in from_folder.pack.cards]  # type: ignore[union-attr]
    assert check_contents(built.path).files == 5


def test_editor_leftovers_and_stray_files_stay_out_of_the_build(tmp_path: Path) -> None:
    folder = copy_good(tmp_path)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref\n")
    (folder / "cards" / ".pivot-refresh.md.swp").write_bytes(b"swap")
    (folder / "NOTES.txt").write_text("for me\n")

    built = build_cuepack(folder, tmp_path / "p.cuepack")

    with zipfile.ZipFile(built.path) as zf:
        assert not any(n.startswith(".") or "/." in n or n == "NOTES.txt" for n in zf.namelist())
    assert [p.file for p in built.warnings] == ["NOTES.txt"]


def test_a_pack_with_errors_is_not_built(tmp_path: Path) -> None:
    folder = copy_good(tmp_path)
    (folder / "cards" / "bad.md").write_text("---\nid: bad\n---\nno title\n", encoding="utf-8")

    with pytest.raises(PackError) as caught:
        build_cuepack(folder, tmp_path / "p.cuepack")

    assert [p.file for p in caught.value.problems] == ["cards/bad.md", "cards/bad.md"]
    assert not (tmp_path / "p.cuepack").exists()


def test_a_changed_card_is_named(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "p.cuepack")
    card = read_entry(built.path, "cards/go-to-cell.md").replace(b"Ctrl", b"Cmd")
    rewrite_zip(built.path, {"cards/go-to-cell.md": card})

    assert problems_of(built.path) == [
        "cards/go-to-cell.md: changed after the pack was built: its SHA-256 does not match "
        f"MANIFEST.json. {REBUILD}"
    ]


def test_added_and_removed_files_are_named(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "p.cuepack")
    rewrite_zip(
        built.path,
        {"cards/extra.md": b"---\nid: extra\n---\n", "media/pivot.png": None},
    )

    assert problems_of(built.path) == [
        f"cards/extra.md: not listed in MANIFEST.json: it was added after the pack was built. "
        f"{REBUILD}",
        "media/pivot.png: listed in MANIFEST.json but missing from the pack: it was removed "
        f"after the pack was built. {REBUILD}",
    ]


def test_a_manifest_for_another_version_is_refused(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "p.cuepack")
    manifest = json.loads(read_entry(built.path, "MANIFEST.json"))
    manifest["version"] = "9.0.0"
    rewrite_zip(built.path, {"MANIFEST.json": json.dumps(manifest).encode()})

    assert problems_of(built.path) == [
        "MANIFEST.json: names acme.finance 9.0.0 but pack.yaml says acme.finance 1.4.0: the "
        f"pack was changed after it was built. {REBUILD}"
    ]


def test_a_corrupt_entry_is_named(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "p.cuepack")
    data = bytearray(built.path.read_bytes())
    offset = data.index(b"go-to-cell.md") + len("go-to-cell.md") + 4  # inside its deflate data
    data[offset] ^= 0xFF
    built.path.write_bytes(bytes(data))

    (message,) = problems_of(built.path)
    assert message.startswith("cards/go-to-cell.md: cannot read the file from the zip (")
    assert message.endswith(f"): the pack is damaged. {REBUILD}")


def test_a_hand_made_zip_without_manifest_passes_the_content_check(tmp_path: Path) -> None:
    archive = tmp_path / "hand.cuepack"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(GOOD.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(GOOD).as_posix())

    contents = check_contents(archive)
    assert (contents.manifest_bytes, contents.signature_bytes, contents.files) == (None, None, 5)


def test_unsafe_zips_are_refused_before_any_hashing(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "p.cuepack")
    rewrite_zip(built.path, {"../evil.md": b"x"})

    assert problems_of(built.path)[0].startswith(
        "../evil.md: unsafe path in the zip: '..' would leave the pack"
    )
