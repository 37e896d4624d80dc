"""The broken-pack corpus: each case must be reported with exactly this text, never a traceback.

Folder cases live in tests/data/broken/<case>/ (each beside a good card that must still load);
zips, links and oversized files are made here at run time instead of committing binaries.
"""

from __future__ import annotations

import os
import random
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from app.core.packs import Limits, load_pack

BROKEN = Path(__file__).resolve().parents[1] / "data" / "broken"
GOOD = Path(__file__).resolve().parents[1] / "data" / "good" / "acme-finance"
REBUILD = "Fix: rebuild the .cuepack from the pack folder with `cuecards pack build`"

# case → (ids of the cards that still load, or None when the pack is refused; exact problems)
CASES: dict[str, tuple[list[str] | None, list[str]]] = {
    "bad_yaml": (
        ["good"],
        [
            "cards/bad.md:3: invalid YAML: mapping values are not allowed in this context. "
            "Fix: put a value that contains ': ' in quotes, e.g. title: 'Excel: refresh all'"
        ],
    ),
    "missing_fields": (
        ["good"],
        [
            "cards/bad.md:2: title: required field is missing. "
            "Fix: add `title: …` to the front matter",
            "cards/bad.md:2: summary: required field is missing. "
            "Fix: add `summary: …` to the front matter",
        ],
    ),
    "wrong_types": (
        ["good"],
        [
            "cards/bad.md:5: skills: expected a list, got text 'excel.pivots'. "
            "Fix: write a list, e.g. skills: [first, second], or one '- item' per line",
            "cards/bad.md:6: priority: expected a whole number, got text 'high'. "
            "Fix: write a number such as 50",
            "cards/bad.md:7: status: 'published' is not allowed. Fix: use 'draft' or 'approved'",
        ],
    ),
    "bad_re2": (
        ["good"],
        [
            "cards/bad.md:7: triggers[0].title: missing ) in pattern '(?i)pivot|(' (RE2). "
            "Fix: close each '(' with ')', or write '\\(' for a literal parenthesis"
        ],
    ),
    "unknown_skill": (
        ["good"],
        [
            "cards/bad.md:5: skills[1]: unknown skill 'excel.pivot' (pack.yaml declares: "
            "excel.pivots, excel.formulas). Fix: did you mean 'excel.pivots'? Otherwise add it "
            "under skills: in pack.yaml, e.g. - {id: excel.pivot, name: …}"
        ],
    ),
    "duplicate_ids": (
        ["good"],
        [
            "cards/zz-copy.md:2: id: card id 'good' is already used by cards/good.md. "
            "Fix: give each card its own id"
        ],
    ),
    "duplicate_keys": (
        ["good"],
        [
            "cards/bad.md:5: title: key 'title' appears twice (lines 3 and 5); YAML would keep "
            "only the last. Fix: remove one of the two"
        ],
    ),
    "remote_image": (
        ["good"],
        [
            "cards/bad.md:8: remote image 'https://example.com/ribbon.png' is refused: no remote "
            "resources are loaded. Fix: save the image into the pack's media/ folder and write "
            "![…](media/name.png)"
        ],
    ),
    "missing_image": (
        ["good"],
        [
            "cards/bad.md:6: image 'media/ribbon.png' is not in the pack. "
            "Fix: add the file media/ribbon.png (names are case-sensitive) or fix the name"
        ],
    ),
    "html": (
        ["good"],
        [
            "cards/bad.md:6: raw HTML is not allowed: '<b>'. "
            "Fix: write Markdown instead; the only HTML allowed is <kbd>…</kbd> for keys",
            "cards/bad.md:8: raw HTML is not allowed: '<div class=\"note\">Careful</div>'. "
            "Fix: write Markdown instead; the only HTML allowed is <kbd>…</kbd> for keys",
        ],
    ),
    "script": (
        ["good"],
        [
            "cards/bad.md:8: scripts and embedded content are not allowed: "
            "'<script>alert(\"hi\")</script>'. "
            "Fix: remove it; cards are plain Markdown and never run code"
        ],
    ),
    "javascript_link": (
        ["good"],
        [
            "cards/bad.md:6: javascript: link 'javascript:alert(1)' is not allowed. "
            "Fix: link to a web page (https://…) instead; cards never run code"
        ],
    ),
    "unknown_field": (
        ["good"],
        [
            "cards/bad.md:3: tittle: unknown field 'tittle'. Fix: did you mean 'title'? Allowed "
            "fields are: id, title, summary, skills, keywords, triggers, priority, owner, "
            "reviewed, review_every, status"
        ],
    ),
    "bad_duration": (
        ["good"],
        [
            "cards/bad.md:7: triggers[0].dwell: '3 seconds' is not a duration. "
            "Fix: write a number and a unit (ms, s, m, h, d or w), e.g. '3s', '2m' or '90d'"
        ],
    ),
    "no_front_matter": (
        ["good"],
        [
            "cards/bad.md:1: the card does not start with front matter. Fix: begin the file with "
            "a line '---', the card's fields (id, title, summary…), another line '---', then the "
            "Markdown body"
        ],
    ),
    "pack_yaml_missing": (
        None,
        [
            "pack.yaml: the file is missing. "
            "Fix: add pack.yaml at the top of the pack with id, name, version and publisher"
        ],
    ),
    "pack_yaml_invalid": (
        None,
        [
            "pack.yaml:1: id: 'Test Broken' is not a valid pack id. Fix: use lower-case letters, "
            "digits, '.' and '-', starting with a letter or digit, e.g. 'acme.finance'",
            "pack.yaml:1: publisher: required field is missing. "
            "Fix: add `publisher: …` to pack.yaml",
            "pack.yaml:3: version: expected text, got a number 1.4. "
            "Fix: write MAJOR.MINOR.PATCH, e.g. 1.4.0",
            "pack.yaml:5: skills[0].name: required field is missing. "
            "Fix: add `name: …` to skills[0]",
        ],
    ),
    "pack_yaml_bad_yaml": (
        None,
        [
            "pack.yaml:3: invalid YAML: found a tab character that violates indentation. "
            "Fix: indent with spaces, not tabs"
        ],
    ),
}


def test_every_corpus_folder_has_an_expectation() -> None:
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(CASES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_folder_case(case: str) -> None:
    loaded, expected = CASES[case]

    result = load_pack(BROKEN / case)

    assert [str(p) for p in result.problems] == expected
    assert all(p.severity == "error" for p in result.problems)
    if loaded is None:
        assert result.pack is None
    else:
        assert result.pack is not None and [c.id for c in result.pack.cards] == loaded


# --- cases made at run time -------------------------------------------------------------


def _pack_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOOD, tmp_path / "pack"))


def _zip(tmp_path: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    """The good pack as a .cuepack plus `extra` entries written exactly as given."""
    target = tmp_path / "pack.cuepack"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(GOOD.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(GOOD).as_posix())
        for info, data in extra:
            zf.writestr(info, data)
    return target


def _texts(path: Path, **limits: int) -> list[str]:
    return [str(p) for p in load_pack(path, limits=Limits(**limits)).problems]


def test_non_utf8_card_is_skipped_naming_the_line(tmp_path: Path) -> None:
    # Made here: a committed Latin-1 file would trip every UTF-8 tool in the repository.
    pack = _pack_copy(tmp_path)
    (pack / "cards" / "latin1.md").write_bytes(
        "---\nid: latin1\ntitle: Café tips\nsummary: Saved as Latin-1\n---\nBody\n".encode(
            "latin-1"
        )
    )
    (pack / "cards" / "utf16.md").write_bytes("---\nid: wide\n---\n".encode("utf-16"))

    result = load_pack(pack)

    assert [str(p) for p in result.problems] == [
        "cards/latin1.md:3: the file is not UTF-8 text (byte 0xe9 cannot be read). "
        "Fix: save the file as UTF-8",
        "cards/utf16.md: the file is UTF-16 text; packs are UTF-8. Fix: save the file as UTF-8",
    ]
    assert result.pack is not None and len(result.pack.cards) == 3


def test_oversized_card_is_skipped(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    body = "A long line of text.\n" * (300 * 1024 // 21)
    (pack / "cards" / "big.md").write_text(
        f"---\nid: big\ntitle: Big\nsummary: Too big\n---\n{body}", encoding="utf-8"
    )
    size_kib = round((pack / "cards" / "big.md").stat().st_size / 1024)

    result = load_pack(pack)

    assert [str(p) for p in result.problems] == [
        f"cards/big.md: the file is {size_kib} KiB; a card may be at most 256 KiB. "
        "Fix: split it into shorter cards"
    ]
    assert result.pack is not None and len(result.pack.cards) == 3


def test_oversized_pack_yaml_refuses_the_pack(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    with (pack / "pack.yaml").open("a", encoding="utf-8") as f:
        f.write("# padding\n" * 7000)
    size_kib = round((pack / "pack.yaml").stat().st_size / 1024)

    assert _texts(pack) == [
        f"pack.yaml: the file is {size_kib} KiB; pack.yaml may be at most 64 KiB. "
        "Fix: keep pack.yaml to the manifest: id, name, version, apps, skills"
    ]


def test_symlink_in_a_folder_refuses_the_pack(tmp_path: Path) -> None:
    pack = _pack_copy(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n", encoding="utf-8")
    os.symlink(secret, pack / "media" / "secret.png")
    os.symlink(tmp_path, pack / "cards" / "elsewhere")

    result = load_pack(pack)

    assert result.pack is None
    assert [str(p) for p in result.problems] == [
        "cards/elsewhere: symbolic links are not allowed in a pack. "
        "Fix: replace the link with a copy of the file",
        "media/secret.png: symbolic links are not allowed in a pack. "
        "Fix: replace the link with a copy of the file",
    ]


def test_zip_path_traversal_refuses_the_pack(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [("../../evil.md", b"x"), ("cards/../../evil2.md", b"x")])

    assert _texts(archive) == [
        f"../../evil.md: unsafe path in the zip: '..' would leave the pack. {REBUILD}",
        f"cards/../../evil2.md: unsafe path in the zip: '..' would leave the pack. {REBUILD}",
    ]


def test_zip_absolute_path_refuses_the_pack(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [("/etc/cron.d/evil", b"x"), ("C:/Windows/evil.dll", b"x")])

    assert _texts(archive) == [
        f"/etc/cron.d/evil: unsafe path in the zip: absolute paths are not allowed. {REBUILD}",
        f"C:/Windows/evil.dll: unsafe path in the zip: absolute paths are not allowed. {REBUILD}",
    ]


def test_zip_bomb_refuses_the_pack(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [("media/zeros.png", bytes(4 * 1024 * 1024))])

    assert _texts(archive) == [
        "media/zeros.png: unpacks to more than 200 times its compressed size: "
        f"this looks like a zip bomb. {REBUILD}"
    ]


def test_zip_symlink_refuses_the_pack(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("media/passwd.png")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path, [(link, b"/etc/passwd")])

    assert _texts(archive) == [
        "media/passwd.png: symbolic links are not allowed in a pack. "
        "Fix: replace the link with a copy of the file"
    ]


def test_zip_with_files_outside_the_layout_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [("scripts/install.sh", b"rm -rf ~\n")])

    assert _texts(archive) == [
        f"scripts/install.sh: the zip holds a file outside pack.yaml, cards/ and media/. {REBUILD}"
    ]


def test_zip_of_the_folder_instead_of_its_contents_says_so(tmp_path: Path) -> None:
    archive = tmp_path / "wrapped.cuepack"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(GOOD.rglob("*")):
            if path.is_file():
                zf.write(path, f"acme-finance/{path.relative_to(GOOD).as_posix()}")

    assert _texts(archive) == [
        "pack.yaml: the file is missing. Fix: the zip holds the folder 'acme-finance/'; zip what "
        "is inside the folder, not the folder itself (`cuecards pack build` does this)"
    ]


def test_zip_with_an_oversized_card_skips_only_that_card(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(300 * 1024)  # incompressible: not a zip bomb
    archive = _zip(tmp_path, [("cards/big.md", noise)])

    result = load_pack(archive)

    assert [str(p) for p in result.problems] == [
        "cards/big.md: the file is 300 KiB; a card may be at most 256 KiB. "
        "Fix: split it into shorter cards"
    ]
    assert result.pack is not None and len(result.pack.cards) == 3


def test_zip_entry_and_size_caps(tmp_path: Path) -> None:
    archive = _zip(tmp_path, [])

    assert _texts(archive, max_zip_entries=3) == [
        "the zip has 5 entries; at most 3 are allowed. Fix: split the pack into smaller packs"
    ]
    assert _texts(archive, max_total_bytes=1000) == [
        f"the zip unpacks to {_unpacked_kib(archive)} KiB; at most 1000 bytes are allowed. "
        "Fix: make images smaller or split the pack"
    ]


def _unpacked_kib(archive: Path) -> int:
    with zipfile.ZipFile(archive) as zf:
        return round(sum(i.file_size for i in zf.infolist()) / 1024)


def _mark_encrypted(archive: Path, name: str) -> None:
    """Set the 'encrypted' flag of one entry in the central directory (zipfile cannot write
    encrypted entries itself)."""
    data = bytearray(archive.read_bytes())
    at = 0
    while True:
        at = data.index(b"PK\x01\x02", at)
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_len] == name.encode():
            data[at + 8] |= 0x1
            archive.write_bytes(bytes(data))
            return
        at += 46


def test_zip_with_odd_entries_is_refused(tmp_path: Path) -> None:
    squeezed = zipfile.ZipInfo("media/bz.png")
    squeezed.compress_type = zipfile.ZIP_BZIP2
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = _zip(
            tmp_path, [("media/locked.png", b"x"), (squeezed, b"x"), ("cards/go-to-cell.md", b"")]
        )
    _mark_encrypted(archive, "media/locked.png")

    assert _texts(archive) == [
        "media/locked.png: encrypted zip entries are not supported. "
        "Fix: build the pack without a password",
        f"media/bz.png: unsupported compression in the zip (only stored or deflated). {REBUILD}",
        f"cards/go-to-cell.md: the zip holds this file twice. {REBUILD}",
    ]
