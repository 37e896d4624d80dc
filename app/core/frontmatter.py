"""Split a card file into its YAML front matter and Markdown body, keeping line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

BOM = "\ufeff"
_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The YAML between the `---` fences, the body after them, and where each starts (1-based)."""

    front: str
    body: str
    front_line: int
    body_line: int


class FrontMatterError(ValueError):
    """A card file without usable `---` fences; carries the line and a fix."""

    def __init__(self, message: str, *, line: int, hint: str) -> None:
        self.message, self.line, self.hint = message, line, hint
        super().__init__(message)


def normalize_newlines(text: str) -> str:
    """Drop a leading BOM and turn CRLF / CR line ends into LF (line count is unchanged)."""
    text = text.removeprefix(BOM)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_front_matter(text: str) -> FrontMatter:
    """Front matter is everything between a first line `---` and the next line `---`."""
    text = normalize_newlines(text)
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip(" \t") != "---":
        raise FrontMatterError(
            "the card does not start with front matter",
            line=1,
            hint="begin the file with a line '---', the card's fields (id, title, summary…), "
            "another line '---', then the Markdown body",
        )
    start = len(text) if first_end < 0 else first_end + 1
    closing = _FENCE.search(text, start)
    if closing is None:
        raise FrontMatterError(
            "the front matter is never closed",
            line=1,
            hint="add a line '---' after the card's fields, before the Markdown body",
        )
    front = text[start : closing.start()]
    body_start = closing.end() + 1 if closing.end() < len(text) else len(text)
    return FrontMatter(
        front=front, body=text[body_start:], front_line=2, body_line=3 + front.count("\n")
    )
