"""Card bodies to HTML: nothing that runs or loads from outside the pack survives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.render import is_media_src, render_card_html

ALLOWED_TAGS = {
    "p", "em", "strong", "code", "pre", "a", "img", "ul", "ol", "li", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "kbd",
}  # fmt: skip
TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)([^>]*)>")


def test_keeps_keys_and_normalises_their_case() -> None:
    html = render_card_html("Press <kbd>Ctrl</kbd>+<KBD>F5</KBD>.")
    assert html == "<p>Press <kbd>Ctrl</kbd>+<kbd>F5</kbd>.</p>\n"


def test_keys_on_lines_of_their_own_are_kept() -> None:
    html = render_card_html("<kbd>\nAlt\n</kbd>\n\nafter")
    assert "<kbd>" in html and "</kbd>" in html and "Alt" in html


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert('x')</script>",
        "Text <script>alert('x')</script> more",
        "<SCRIPT src=https://evil.example/x.js></SCRIPT>",
        "<style>body { display: none }</style>visible",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_strips_scripts_styles_and_frames_with_their_content(markdown: str) -> None:
    html = render_card_html(markdown)
    assert "<script" not in html.lower()
    assert "alert" not in html
    assert "evil.example" not in html
    assert "display: none" not in html
    assert "<iframe" not in html


def test_keeps_the_text_around_removed_html() -> None:
    html = render_card_html('Text <span onclick="steal()">inside</span> <b>bold</b> end')
    assert html == "<p>Text inside bold end</p>\n"


@pytest.mark.parametrize(
    "markdown",
    [
        "![remote](http://tracker.example/pixel.png)",
        "![remote](https://tracker.example/pixel.png)",
        "![protocol-relative](//tracker.example/pixel.png)",
        '<img src="http://tracker.example/pixel.png">',
        "<img src=https://tracker.example/pixel.png>",
        "![data](data:image/png;base64,iVBORw0KGgo=)",
        "![file](file:///etc/passwd)",
        "![escape](media/../../secret.png)",
        "![encoded escape](media/%2e%2e/secret.png)",
        "![absolute](/media/x.png)",
        "![other folder](cards/x.png)",
    ],
)
def test_drops_every_image_but_the_packs_own_media(markdown: str) -> None:
    html = render_card_html(markdown)
    assert "<img" not in html
    assert "tracker.example" not in html


def test_a_dropped_image_leaves_its_alt_text() -> None:
    assert render_card_html("![The Refresh button](https://x.example/r.png)") == (
        "<p>The Refresh button</p>\n"
    )


def test_keeps_media_images() -> None:
    html = render_card_html('![Refresh All](media/refresh%20all.png "tooltip")')
    assert html == '<p><img src="media/refresh%20all.png" alt="Refresh All" /></p>\n'


@pytest.mark.parametrize(
    "markdown",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java\tscript:alert(1))",
        "[click](vbscript:msgbox)",
        "[click](file:///etc/passwd)",
        "[click](mailto:someone@example.com)",
        "[click](data:text/html,hi)",
        "[click](media/x.png)",
        '<a href="javascript:alert(1)">click</a>',
    ],
)
def test_links_other_than_web_become_plain_text(markdown: str) -> None:
    html = render_card_html(markdown)
    assert "<a" not in html
    assert "click" in html
    assert "javascript" not in html.lower()


@pytest.mark.parametrize(
    "markdown",
    ["[the guide](https://help.example.com/pivots)", "<https://help.example.com/pivots>"],
)
def test_keeps_web_links(markdown: str) -> None:
    assert '<a href="https://help.example.com/pivots">' in render_card_html(markdown)


def test_escapes_text_and_code() -> None:
    html = render_card_html("a < b & c\n\n`<script>` and\n\n```\n<img src=x onerror=y>\n```")
    assert "a &lt; b &amp; c" in html
    assert "<code>&lt;script&gt;</code>" in html
    assert "&lt;img src=x onerror=y&gt;" in html
    assert "<script" not in html and "<img" not in html


def test_media_src_rules() -> None:
    assert is_media_src("media/a.png")
    assert is_media_src("media/sub/a.png")
    for bad in ("media/", "media/../a.png", "media//a.png", "media/./a.png", "media\\a.png"):
        assert not is_media_src(bad), bad
    assert not is_media_src("http://x/media/a.png")


PIECES = st.sampled_from(
    [
        "text ", "\n", "\n\n", "<", ">", "&", '"', "'", "`", "*", "_", "[", "]", "(", ")", "!",
        "<kbd>", "</kbd>", "<script>", "</script>", "<img src=http://x/y.png>", "<a href=x>",
        "</a>", "javascript:", "http://x.example/", "https://x.example/", "media/", "../",
        "onerror=", "<style>", "<div>", "# ", "- ", "> ", "    ", "```", "<!-- ", " -->",
        "<![CDATA[", "]]>", "&#106;avascript:", "<?php ", "?>", "data:", "//", "\t", "\x00",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_any_body_renders_to_html_that_loads_and_runs_nothing(markdown: str) -> None:
    html = render_card_html(markdown)
    for name, attrs in TAG.findall(html):
        assert name.lower() in ALLOWED_TAGS, (name, html)
        assert not re.search(r"\son[a-z]+\s*=", attrs, re.IGNORECASE), html
    for src in re.findall(r'<img src="([^"]*)"', html):
        assert is_media_src(src), html
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert href.startswith(("http://", "https://")), html
    assert "<!--" not in html
