"""Media in a pack: only PNG, JPEG, GIF and WebP images; SVG and other files are refused."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from app.core.media import media_problem, sniff_image
from app.core.packs import load_pack

GOOD = Path(__file__).resolve().parents[1] / "data" / "good" / "acme-finance"
PNG = (GOOD / "media" / "pivot.png").read_bytes()
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
GIF = b"GIF89a" + bytes(64)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SKIPPED = (
    "cards/pivot-refresh.md:20: image 'media/pivot.png' cannot be used: the file itself is "
    "refused. Fix: see the problem reported for media/pivot.png"
)


def as_zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture(params=["folder", "zip"])
def make(request: pytest.FixtureRequest, tmp_path: Path):
    """Build the good pack with one media file replaced, as a folder or as a .cuepack."""

    def build(name: str, data: bytes) -> Path:
        folder = Path(shutil.copytree(GOOD, tmp_path / "pack"))
        (folder / "media" / "pivot.png").unlink()
        (folder / "media" / name).write_bytes(data)
        if request.param == "zip":
            return as_zip(folder, tmp_path / "pack.cuepack")
        return folder

    return build


@pytest.mark.parametrize("data", [PNG, JPEG, GIF, WEBP])
def test_each_image_format_loads_even_under_another_image_extension(make, data: bytes) -> None:
    result = load_pack(make("pivot.png", data))

    assert result.ok, [str(p) for p in result.problems]
    assert len(result.pack.cards) == 3  # type: ignore[union-attr]


def test_svg_is_refused_and_the_card_showing_it_is_skipped(make) -> None:
    # An SVG saved under the .png name the card uses: the content gives it away.
    result = load_pack(make("pivot.png", SVG))

    assert [str(p) for p in result.errors] == [
        "media/pivot.png: the file is not a PNG image: its content is not PNG, JPEG, GIF or "
        "WebP. Fix: save the image again from an image editor as PNG, JPEG, GIF or WebP",
        SKIPPED,
    ]
    assert [c.id for c in result.pack.cards] == ["close.accruals", "go-to-cell"]  # type: ignore[union-attr]


def test_an_svg_file_is_refused_by_name_with_the_reason(make) -> None:
    result = load_pack(make("diagram.svg", SVG))

    assert [str(p) for p in result.errors][0] == (
        "media/diagram.svg: SVG images are refused: an SVG can carry scripts and remote "
        "references. Fix: export the image as PNG and link to the .png instead"
    )


def test_documents_and_executables_are_not_media(make) -> None:
    result = load_pack(make("setup.exe", b"MZ\x90\x00" + bytes(64)))

    assert [str(p) for p in result.errors][0] == (
        "media/setup.exe: '.exe' files are not allowed in media/: only PNG, JPEG, GIF and WebP "
        "images. Fix: keep only images in media/; link to documents on the web instead"
    )


def test_sniffing_needs_only_the_first_bytes() -> None:
    assert [sniff_image(d[:16]) for d in (PNG, JPEG, GIF, WEBP, SVG, b"")] == [
        "PNG",
        "JPEG",
        "GIF",
        "WebP",
        None,
        None,
    ]
    assert media_problem("media/a.JPG", JPEG[:16]) is None
    assert media_problem("media/noext", PNG[:16]) is not None
