"""Checks on a card's Markdown body: no raw HTML but <kbd>, images only from media/, no scripts.

Cards are shown inside the app, so a body may not load remote resources or run anything.
Most bodies contain nothing that needs a Markdown parse; a cheap scan decides when to parse.
"""

from __future__ import annotations

import re
from collections.abc import Container
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.core.problems import Problem

# Anything that could be HTML other than <kbd>/</kbd>, or a link/image destination.
_WORTH_PARSING = re.compile(r"<(?!/?kbd>)|\]\(|\]:", re.IGNORECASE)
_HTML_OR_DEFINITION = re.compile(r"<(?!/?kbd>)|\]:", re.IGNORECASE)
# `![alt](media/x.png)` or `[text](https://…)` with nothing unusual inside.
_SIMPLE_LINK = re.compile(r"(!?)\[[^\[\]\n]*\]\(([^()\s<>\\]*)\)")
_KBD_TAG = re.compile(r"</?kbd>", re.IGNORECASE)
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_SCRIPT_TAGS = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style)\b", re.IGNORECASE)
_SCRIPT_SCHEMES = ("javascript", "vbscript")

_md: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """CommonMark with raw HTML tokenised and every link kept, so we see what authors wrote."""
    global _md
    if _md is None:
        md = MarkdownIt("commonmark")
        md.validateLink = lambda url: True  # type: ignore[method-assign]
        _md = md
    return _md


def check_body(
    body: str,
    *,
    file: str,
    first_line: int,
    media: Container[str],
    refused_media: Container[str] = (),
) -> list[Problem]:
    """Problems in a card body; `media` holds the pack's usable `media/…` paths."""
    if not _WORTH_PARSING.search(body) or _plainly_fine(body, media):
        return []
    return parse_problems(
        body, file=file, first_line=first_line, media=media, refused_media=refused_media
    )


def parse_problems(
    body: str,
    *,
    file: str,
    first_line: int,
    media: Container[str],
    refused_media: Container[str] = (),
) -> list[Problem]:
    """The full check through markdown-it tokens (what `check_body` runs when in doubt)."""
    problems: list[Problem] = []
    refused_tags: set[str] = set()
    for token in _parser().parse(body):
        line = first_line + (token.map[0] if token.map else 0)
        if token.type == "html_block":
            problem = _html_problem(token.content, file, line, refused_tags)
            if problem:
                problems.append(problem)
        elif token.type == "inline" and token.children:
            problems.extend(
                _inline_problems(token.children, file, line, media, refused_media, refused_tags)
            )
    return problems


def _plainly_fine(body: str, media: Container[str]) -> bool:
    """True when every link and image is a simple one that passes and there is no HTML:
    most cards, decided without a Markdown parse. Anything else gets the full parse."""
    if _HTML_OR_DEFINITION.search(body):
        return False
    simple = 0
    for match in _SIMPLE_LINK.finditer(body):
        bang, target = match.groups()
        if bang:
            if not target.startswith("media/") or ".." in target or target not in media:
                return False
        elif _link_problem(target, "", 0) is not None:
            return False
        simple += 1
    return simple == body.count("](")


def _inline_problems(
    children: list[Token],
    file: str,
    line: int,
    media: Container[str],
    refused_media: Container[str],
    refused_tags: set[str],
) -> list[Problem]:
    problems: list[Problem] = []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "html_inline":
            problem = _html_problem(child.content, file, line, refused_tags)
            if problem:
                problems.append(problem)
        elif child.type == "image":
            problem = _image_problem(
                str(child.attrs.get("src", "")), file, line, media, refused_media
            )
            if problem:
                problems.append(problem)
        elif child.type == "link_open":
            problem = _link_problem(str(child.attrs.get("href", "")), file, line)
            if problem:
                problems.append(problem)
    return problems


def _html_problem(content: str, file: str, line: int, refused_tags: set[str]) -> Problem | None:
    """A problem for HTML other than <kbd>; a closing tag whose opening tag was already
    reported is not reported again."""
    if "<" not in _KBD_TAG.sub("", content):
        return None
    tag = _TAG_NAME.match(content.strip())
    if tag:
        name = tag.group(2).lower()
        if tag.group(1) and name in refused_tags:
            return None
        refused_tags.add(name)
    snippet = content.strip().splitlines()[0] if content.strip() else content
    if len(snippet) > 60:
        snippet = snippet[:59] + "…"
    if _SCRIPT_TAGS.search(content):
        return Problem(
            file=file,
            line=line,
            message=f"scripts and embedded content are not allowed: '{snippet}'",
            hint="remove it; cards are plain Markdown and never run code",
        )
    return Problem(
        file=file,
        line=line,
        message=f"raw HTML is not allowed: '{snippet}'",
        hint="write Markdown instead; the only HTML allowed is <kbd>…</kbd> for keys",
    )


def _media_path(src: str) -> str:
    path = unquote(src.strip())
    return path[2:] if path.startswith("./") else path


def _image_problem(
    src: str, file: str, line: int, media: Container[str], refused_media: Container[str]
) -> Problem | None:
    shown = src if len(src) <= 80 else src[:79] + "…"
    plain = _INVISIBLE.sub("", src).lower()
    scheme = _SCHEME.match(plain)
    if plain.startswith(("http:", "https:", "//")):
        return Problem(
            file=file,
            line=line,
            message=f"remote image '{shown}' is refused: no remote resources are loaded",
            hint="save the image into the pack's media/ folder and write ![…](media/name.png)",
        )
    if scheme or not plain:
        what = f"image '{shown}'" if plain else "an image without a file"
        return Problem(
            file=file,
            line=line,
            message=f"{what} is refused: images must be files under media/",
            hint="save the image into the pack's media/ folder and write ![…](media/name.png)",
        )
    path = _media_path(src)
    parts = path.split("/")
    if not path.startswith("media/") or ".." in parts or "\\" in path:
        return Problem(
            file=file,
            line=line,
            message=f"image '{shown}' must be a file under media/",
            hint="move the image into the pack's media/ folder and write ![…](media/name.png)",
        )
    if path in refused_media:
        return Problem(
            file=file,
            line=line,
            message=f"image '{path}' cannot be used: the file itself is refused",
            hint=f"see the problem reported for {path}",
        )
    if path not in media:
        return Problem(
            file=file,
            line=line,
            message=f"image '{path}' is not in the pack",
            hint=f"add the file {path} (names are case-sensitive) or fix the name",
        )
    return None


def _link_problem(href: str, file: str, line: int) -> Problem | None:
    scheme = _SCHEME.match(_INVISIBLE.sub("", unquote(href)))
    if scheme and scheme.group(1).lower() in _SCRIPT_SCHEMES:
        shown = href if len(href) <= 60 else href[:59] + "…"
        return Problem(
            file=file,
            line=line,
            message=f"{scheme.group(1).lower()}: link '{shown}' is not allowed",
            hint="link to a web page (https://…) instead; cards never run code",
        )
    return None
