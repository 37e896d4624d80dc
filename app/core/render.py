"""Card bodies to sanitised HTML for the card view: CommonMark with nothing that loads or runs.

Raw HTML is dropped except `<kbd>`; images are kept only for the pack's own `media/…` files;
links are kept only for http(s) (any other link keeps its text and loses the link). Packs are
validated on install, but the renderer does not rely on that: whatever the Markdown says, the
output names no remote resource and carries no script, style or event handler.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

_KBD = re.compile(r"^<(/?)kbd\s*>$", re.IGNORECASE)
_OPEN_TAG = re.compile(r"^<\s*([A-Za-z][A-Za-z0-9-]*)")
_CLOSE_TAG = re.compile(r"^<\s*/\s*([A-Za-z][A-Za-z0-9-]*)")
_TAG = re.compile(r"<[^>]*>?")
# Elements whose content is code or markup rather than text: dropped along with their tags.
_HIDDEN_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template"}
)
_LINK_SCHEMES = ("http://", "https://")

_md: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """CommonMark with raw HTML tokenised and every link parsed, so this module decides."""
    global _md
    if _md is None:
        md = MarkdownIt("commonmark", {"html": True})
        md.validateLink = lambda url: True  # type: ignore[method-assign]
        _md = md
    return _md


def render_card_html(markdown: str) -> str:
    """The card body as HTML that is safe to hand to a QTextBrowser (see the module doc)."""
    md = _parser()
    tokens = md.parse(markdown)
    kept: list[Token] = []
    for token in tokens:
        if token.type == "html_block":
            kept.extend(_html_block(token))
            continue
        if token.type == "inline" and token.children is not None:
            token.children = _clean_inline(token.children)
        kept.append(token)
    return md.renderer.render(kept, md.options, {})


def is_media_src(src: str) -> bool:
    """True for a relative `media/…` path with no `..`, backslash or scheme (after unquoting)."""
    path = unquote(src)
    if not path.startswith("media/") or "\\" in path or "\x00" in path:
        return False
    parts = path.split("/")[1:]
    return bool(parts) and all(part not in ("", ".", "..") for part in parts)


def is_web_link(href: str) -> bool:
    """True for an absolute http(s) URL: the only links a card may open."""
    return href.strip().lower().startswith(_LINK_SCHEMES)


def _clean_inline(children: list[Token]) -> list[Token]:
    """Inline tokens with HTML other than <kbd>, foreign images and non-web links removed."""
    out: list[Token] = []
    hidden: list[str] = []  # open <script>-like elements whose content is being dropped
    dropped_links: list[bool] = []  # per open link: was its link_open dropped?
    for child in children:
        if hidden:
            if child.type == "html_inline":
                close = _CLOSE_TAG.match(child.content)
                if close and close.group(1).lower() == hidden[-1]:
                    hidden.pop()
            continue
        if child.type == "html_inline":
            kbd = _KBD.match(child.content.strip())
            if kbd:
                child.content = f"<{kbd.group(1)}kbd>"
                out.append(child)
                continue
            opened = _OPEN_TAG.match(child.content)
            closes_itself = child.content.rstrip().endswith("/>")
            if opened and opened.group(1).lower() in _HIDDEN_CONTENT and not closes_itself:
                hidden.append(opened.group(1).lower())
            continue
        if child.type == "image":
            if is_media_src(str(child.attrs.get("src", ""))):
                child.attrs = {"src": child.attrs["src"], "alt": child.attrs.get("alt", "")}
                if child.children is not None:
                    child.children = _clean_inline(child.children)
                out.append(child)
            else:
                out.append(_text(_plain(child.children or []) or child.content))
            continue
        if child.type == "link_open":
            web = is_web_link(str(child.attrs.get("href", "")))
            dropped_links.append(not web)
            if web:
                child.attrs = {"href": child.attrs["href"]}
                out.append(child)
            continue
        if child.type == "link_close":
            if dropped_links and not dropped_links.pop():
                out.append(child)
            continue
        out.append(child)
    return out


def _html_block(token: Token) -> list[Token]:
    """A raw HTML block survives only as its <kbd> keys and text, in a paragraph of its own."""
    content = token.content.strip()
    if not content or _TAG.sub("", _strip_kbd(content)) != _strip_kbd(content):
        return []
    inline = Token("inline", "", 0, content=content, map=token.map)
    inline.children = _clean_inline(_parser().parseInline(content)[0].children or [])
    return [
        Token("paragraph_open", "p", 1, block=True, map=token.map),
        inline,
        Token("paragraph_close", "p", -1, block=True),
    ]


def _strip_kbd(text: str) -> str:
    return re.sub(r"</?kbd\s*>", "", text, flags=re.IGNORECASE)


def _plain(children: list[Token]) -> str:
    """The visible text of inline tokens (an image's alt text)."""
    return "".join(c.content for c in children if c.type in ("text", "code_inline"))


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
