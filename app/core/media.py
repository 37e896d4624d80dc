"""Which media files a pack may carry: PNG, JPEG, GIF and WebP images, checked by name and bytes.

SVG is refused rather than sanitised: an SVG is an XML document that can carry scripts, event
handlers, external references and entity tricks, and a sanitiser is a parser-sized attack
surface; authors can export a PNG. Every other file type (documents, archives, executables)
is refused too: cards link to documents on the web instead.
"""

from __future__ import annotations

import posixpath

from app.core.problems import Problem

# Extension (lower case) -> the image format Cuecards expects inside.
IMAGE_TYPES: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".gif": "GIF",
    ".webp": "WebP",
}
# How many leading bytes `sniff_image` needs.
SNIFF_BYTES = 16
_SVG = (".svg", ".svgz")


def sniff_image(head: bytes) -> str | None:
    """The image format named by a file's first bytes (PNG, JPEG, GIF, WebP), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    return None


def media_problem(rel: str, head: bytes) -> Problem | None:
    """Why the media file `rel` (whose first bytes are `head`) is refused, or None when usable.

    The content decides the format (an image saved with the wrong extension still shows);
    the extension must still be an image's, so the pack's files say what they are.
    """
    ext = posixpath.splitext(rel)[1].lower()
    if ext in _SVG:
        return Problem(
            file=rel,
            message="SVG images are refused: an SVG can carry scripts and remote references",
            hint="export the image as PNG and link to the .png instead",
        )
    if ext not in IMAGE_TYPES:
        shown = f"'{ext}' files" if ext else "files without an extension"
        return Problem(
            file=rel,
            message=f"{shown} are not allowed in media/: only PNG, JPEG, GIF and WebP images",
            hint="keep only images in media/; link to documents on the web instead",
        )
    if sniff_image(head) is None:
        return Problem(
            file=rel,
            message=f"the file is not a {IMAGE_TYPES[ext]} image: its content is not PNG, "
            "JPEG, GIF or WebP",
            hint="save the image again from an image editor as PNG, JPEG, GIF or WebP",
        )
    return None
