"""Loading packs: every valid card loads, bad ones are skipped with a clear reason."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.model import PackManifest
from app.core.packs import (
    DEFAULT_LIMITS,
    Limits,
    LoadResult,
    PackError,
    Problem,
    load_pack,
    pack_digest,
    read_manifest,
)

GOOD = Path(__file__).resolve().parents[1] / "data" / "good" / "acme-finance"


@pytest.fixture()
def pack(tmp_path: Path) -> Path:
    """A writable copy of the good pack."""
    return Path(shutil.copytree(GOOD, tmp_path / "acme-finance"))


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


def test_good_pack_loads_every_card_including_drafts() -> None:
    result = load_pack(GOOD)

    assert result.ok and result.problems == []
    pack = result.pack
    assert pack is not None
    assert (pack.id, pack.version, pack.manifest.publisher) == (
        "acme.finance",
        "1.4.0",
        "ACME Learning",
    )
    assert [(c.file, c.id) for c in pack.cards] == [
        ("cards/close/accruals.md", "close.accruals"),
        ("cards/go-to-cell.md", "go-to-cell"),
        ("cards/pivot-refresh.md", "pivot-refresh"),
    ]
    draft, _, pivot = pack.cards
    assert draft.front.status == "draft"
    assert pivot.pack == "acme.finance"
    assert pivot.front.triggers[0].dwell == 3.0
    assert pivot.front.review_every == 90 * 86400
    assert pivot.body.startswith("Select any cell in the pivot table")
    assert pack.manifest.apps["excel"] == ["excel", "com.microsoft.excel", "libreoffice-calc"]
    assert pack.source == str(GOOD)
    assert pack.digest == pack_digest(GOOD)


def test_one_bad_card_is_skipped_and_the_others_load(pack: Path) -> None:
    (pack / "cards" / "broken.md").write_text(
        "---\nid: broken\ntitle: Broken\nsummary: x\npriority: 101\n---\nBody\n", encoding="utf-8"
    )

    result = load_pack(pack)

    assert result.pack is not None and not result.ok
    assert [c.id for c in result.pack.cards] == ["close.accruals", "go-to-cell", "pivot-refresh"]
    assert [str(p) for p in result.errors] == [
        "cards/broken.md:5: priority: 101 is too large; the most allowed is 100. "
        "Fix: use 100 or less"
    ]


def test_cuepack_zip_loads_the_same_cards_as_its_folder(pack: Path, tmp_path: Path) -> None:
    archive = zip_folder(pack, tmp_path / "acme-finance.cuepack")

    from_folder, from_zip = load_pack(pack), load_pack(archive)

    assert from_zip.ok and from_zip.pack is not None and from_folder.pack is not None
    assert from_zip.pack.cards == tuple(
        c for c in from_folder.pack.cards
    )  # same fronts, bodies, files and pack id
    assert from_zip.pack.manifest == from_folder.pack.manifest
    assert from_zip.pack.digest == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert from_zip.pack.digest == pack_digest(archive)


def test_crlf_and_bom_cards_load_and_errors_keep_their_lines(pack: Path) -> None:
    good = "\ufeff---\r\nid: crlf\r\ntitle: Windows file\r\nsummary: Notepad\r\n---\r\nBody\r\n"
    bad = "\ufeff---\r\nid: crlf-bad\r\ntitle: Windows file\r\npriority: lots\r\n---\r\nBody\r\n"
    (pack / "cards" / "crlf.md").write_bytes(good.encode("utf-8"))
    (pack / "cards" / "crlf-bad.md").write_bytes(bad.encode("utf-8"))

    result = load_pack(pack)

    assert result.pack is not None
    crlf = next(c for c in result.pack.cards if c.id == "crlf")
    assert crlf.title == "Windows file" and crlf.body == "Body\n"
    assert [str(p) for p in result.errors] == [
        "cards/crlf-bad.md:2: summary: required field is missing. "
        "Fix: add `summary: …` to the front matter",
        "cards/crlf-bad.md:4: priority: expected a whole number, got text 'lots'. "
        "Fix: write a number such as 50",
    ]


def test_errors_in_the_body_point_at_the_file_line(pack: Path) -> None:
    (pack / "cards" / "late.md").write_text(
        "---\nid: late\ntitle: t\nsummary: s\n---\nline six\n\nline eight\ncontinues <u>here</u>\n",
        encoding="utf-8",
    )

    result = load_pack(pack)

    assert [(p.file, p.line) for p in result.errors] == [("cards/late.md", 9)]


def test_files_outside_the_pack_layout_are_ignored_with_a_warning(pack: Path) -> None:
    (pack / "README.md").write_text("# notes for authors\n", encoding="utf-8")
    (pack / "cards" / "notes.txt").write_text("not a card\n", encoding="utf-8")
    (pack / ".git").mkdir()
    (pack / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (pack / "cards" / ".DS_Store").write_bytes(b"\0\1\2")

    result = load_pack(pack)

    assert result.ok and result.pack is not None and len(result.pack.cards) == 3
    assert [str(p) for p in result.warnings] == [
        "README.md: warning: not part of a pack (pack.yaml, cards/, media/); it is ignored. "
        "Fix: move it out of the pack folder; cards go in cards/, images in media/",
        "cards/notes.txt: warning: not a card (only .md files under cards/ are cards); "
        "it is ignored. Fix: images belong in media/",
    ]


def test_digest_follows_content_and_ignores_stray_files(pack: Path) -> None:
    before = pack_digest(pack)
    (pack / "README.md").write_text("ignored\n", encoding="utf-8")
    (pack / ".hidden").write_text("ignored\n", encoding="utf-8")
    assert pack_digest(pack) == before

    card = pack / "cards" / "go-to-cell.md"
    card.write_text(card.read_text(encoding="utf-8") + "One more line.\n", encoding="utf-8")
    after_card = pack_digest(pack)
    assert after_card != before

    (pack / "media" / "pivot.png").write_bytes(b"another image")
    assert pack_digest(pack) not in (before, after_card)
    assert load_pack(pack).pack.digest == pack_digest(pack)  # type: ignore[union-attr]


def test_renaming_a_card_changes_the_digest(pack: Path) -> None:
    before = pack_digest(pack)
    (pack / "cards" / "go-to-cell.md").rename(pack / "cards" / "goto.md")
    assert pack_digest(pack) != before


def test_read_manifest_reads_only_pack_yaml(pack: Path, tmp_path: Path) -> None:
    (pack / "cards" / "broken.md").write_text("no front matter\n", encoding="utf-8")
    archive = zip_folder(pack, tmp_path / "p.cuepack")

    for source in (pack, archive):
        manifest = read_manifest(source)
        assert isinstance(manifest, PackManifest)
        assert (manifest.id, manifest.version) == ("acme.finance", "1.4.0")


def test_read_manifest_raises_pack_error_with_the_reasons(pack: Path) -> None:
    (pack / "pack.yaml").write_text("id: acme.finance\nname: x\nversion: one\n", encoding="utf-8")

    with pytest.raises(PackError) as caught:
        read_manifest(pack)

    assert [str(p) for p in caught.value.problems] == [
        "pack.yaml:1: publisher: required field is missing. Fix: add `publisher: …` to pack.yaml",
        "pack.yaml:3: version: 'one' is not a semantic version. "
        "Fix: write MAJOR.MINOR.PATCH, e.g. '1.4.0'",
    ]


def test_read_manifest_refuses_a_linked_or_missing_pack_yaml(pack: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    (pack / "pack.yaml").rename(elsewhere)

    with pytest.raises(PackError) as missing:
        read_manifest(pack)
    (pack / "pack.yaml").symlink_to(elsewhere)
    with pytest.raises(PackError) as linked:
        read_manifest(pack)

    assert [str(p) for p in missing.value.problems] == [
        "pack.yaml: the file is missing. "
        "Fix: add pack.yaml at the top of the pack with id, name, version and publisher"
    ]
    assert [str(p) for p in linked.value.problems] == [
        "pack.yaml: symbolic links are not allowed in a pack. "
        "Fix: replace the link with a copy of the file"
    ]


def test_paths_that_are_not_packs_are_reported_not_raised(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello\n", encoding="utf-8")
    fake = tmp_path / "fake.cuepack"
    fake.write_text("not a zip\n", encoding="utf-8")

    assert [str(p) for p in load_pack(tmp_path / "nowhere").problems] == [
        f"'{tmp_path / 'nowhere'}' does not exist. Fix: check the path"
    ]
    assert [str(p) for p in load_pack(text_file).problems] == [
        f"'{text_file}' is neither a pack folder nor a .cuepack zip. "
        "Fix: point to a folder that holds pack.yaml, or to a .cuepack file"
    ]
    assert [str(p) for p in load_pack(fake).problems] == [
        f"'{fake}' is not a valid zip file. "
        "Fix: rebuild the .cuepack from the pack folder with `cuecards pack build`"
    ]
    with pytest.raises(PackError):
        pack_digest(tmp_path / "nowhere")
    with pytest.raises(PackError):
        read_manifest(fake)


def test_a_pack_over_the_card_limit_is_refused(pack: Path) -> None:
    result = load_pack(pack, limits=Limits(max_cards=2))

    assert result.pack is None
    assert [str(p) for p in result.problems] == [
        "cards/: the pack has 3 cards; at most 2 are allowed. Fix: split it into several packs"
    ]


def test_an_oversized_image_refuses_the_cards_that_show_it(pack: Path) -> None:
    result = load_pack(pack, limits=Limits(max_media_bytes=16))

    assert result.pack is not None
    assert [c.id for c in result.pack.cards] == ["close.accruals", "go-to-cell"]
    assert [str(p) for p in result.errors] == [
        "media/pivot.png: the file is 69 bytes; a media file may be at most 16 bytes. "
        "Fix: make the image smaller",
        "cards/pivot-refresh.md:20: image 'media/pivot.png' cannot be used: the file itself "
        "is refused. Fix: see the problem reported for media/pivot.png",
    ]


def test_a_pack_without_cards_loads_with_a_warning(tmp_path: Path) -> None:
    shutil.copy(GOOD / "pack.yaml", tmp_path / "pack.yaml")

    result = load_pack(tmp_path)

    assert result.ok and result.pack is not None and result.pack.cards == ()
    assert [str(p) for p in result.warnings] == [
        "cards/: warning: the pack has no cards. "
        "Fix: add Markdown files with front matter under cards/"
    ]


def test_load_result_splits_errors_and_warnings() -> None:
    error = Problem(file="cards/a.md", message="bad")
    warning = Problem(file="README.md", message="ignored", severity="warning")
    result = LoadResult(None, [error, warning])

    assert (result.errors, result.warnings, result.ok) == ([error], [warning], False)
    assert DEFAULT_LIMITS.max_card_bytes == 256 * 1024


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (
            Problem(
                file="cards/x.md",
                line=4,
                field="triggers[0].title",
                message="missing ) in pattern '(?i)pivot|(' (RE2)",
                hint="close each '(' with ')'",
            ),
            "cards/x.md:4: triggers[0].title: missing ) in pattern '(?i)pivot|(' (RE2). "
            "Fix: close each '(' with ')'",
        ),
        (
            Problem(file="pack.yaml", message="the file is missing."),
            "pack.yaml: the file is missing.",
        ),
        (
            Problem(file="", message="'x' does not exist", hint="check"),
            "'x' does not exist. Fix: check",
        ),
        (
            Problem(file="README.md", message="ignored", severity="warning"),
            "README.md: warning: ignored",
        ),
    ],
)
def test_problem_text_leaves_out_missing_parts(problem: Problem, text: str) -> None:
    assert str(problem) == text


_yaml_bits = st.sampled_from(
    [
        "id: x\n",
        "id: [x]\n",
        "title: t\n",
        "summary: s\n",
        "1: one\n",
        "~: null key\n",
        "? [a, b]\n: complex\n",
        "triggers:\n  - app: excel\n    title: '('\n",
        "triggers: [excel, {app: 1}]\n",
        "skills: [excel.pivots, 3, [x]]\n",
        "priority: 1e400\n",
        "reviewed: 2026-02-30\n",
        "reviewed: 2026-01-01 10:00:00\n",
        "review_every: -3d\n",
        "keywords: &k [a]\nowner: *k\n",
        "<<: {id: merged}\n",
        "status: !!binary aGk=\n",
        "  bad indent: x\n",
        "\t\n",
        "'unclosed\n",
        "---\n",
        "...\n",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_yaml_bits | st.text(max_size=12), max_size=8).map("".join),
    st.text(max_size=40),
)
def test_no_card_text_makes_loading_raise(front: str, body: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(GOOD / "pack.yaml", root / "pack.yaml")
        (root / "cards").mkdir()
        (root / "cards" / "fuzz.md").write_text(f"---\n{front}\n---\n{body}", encoding="utf-8")

        result = load_pack(root)

    assert result.pack is not None
    assert len(result.pack.cards) == 1 or result.errors
    assert all(p.file == "cards/fuzz.md" and p.message for p in result.errors)
    assert all("pydantic" not in str(p) for p in result.problems)
