"""Card bodies: <kbd> and plain Markdown pass; HTML, remote images and script links do not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.bodycheck import check_body, parse_problems

MEDIA = {"media/ribbon.png", "media/my shot.png"}


def _messages(body: str) -> list[str]:
    return [p.message for p in check_body(body, file="cards/x.md", first_line=1, media=MEDIA)]


@pytest.mark.parametrize(
    "body",
    [
        "Press <kbd>Ctrl</kbd>+<KBD>C</KBD>.\n",
        "![Ribbon](media/ribbon.png), ![Shot](<media/my shot.png>), ![](./media/ribbon.png)\n",
        "[Help](https://support.example/excel), <https://example.com>, [mail](mailto:a@b.c)\n",
        "Code is not HTML: `<script>` and\n\n    <div>indented code</div>\n\n```\n<iframe>\n```\n",
        "Text with a < b and 3 > 2.\n",
    ],
)
def test_plain_markdown_passes(body: str) -> None:
    assert _messages(body) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<!-- a note -->\n", "raw HTML is not allowed: '<!-- a note -->'"),
        ("<kbd class='key'>A</kbd>\n", "raw HTML is not allowed: '<kbd class='key'>'"),
        ("<img src=media/ribbon.png>\n", "raw HTML is not allowed: '<img src=media/ribbon.png>'"),
        (
            "x <iframe src=https://example.com></iframe>\n",
            "scripts and embedded content are not allowed: '<iframe src=https://example.com>'",
        ),
        (
            "![x](//cdn.example/x.png)\n",
            "remote image '//cdn.example/x.png' is refused: no remote resources are loaded",
        ),
        (
            "![x](data:image/png;base64,AAAA)\n",
            "image 'data:image/png;base64,AAAA' is refused: images must be files under media/",
        ),
        ("![x](../outside.png)\n", "image '../outside.png' must be a file under media/"),
        ("![x](media/../pack.yaml)\n", "image 'media/../pack.yaml' must be a file under media/"),
        ("![x](media/Ribbon.png)\n", "image 'media/Ribbon.png' is not in the pack"),
        (
            "![x][r]\n\n[r]: https://example.com/r.png\n",
            "remote image 'https://example.com/r.png' is refused: no remote resources are loaded",
        ),
        ("[x](JavaScript:alert(1))\n", "javascript: link 'JavaScript:alert(1)' is not allowed"),
        (
            "[x](java%0Ascript:alert(1))\n",
            "javascript: link 'java%0Ascript:alert(1)' is not allowed",
        ),
        ("[x](vbscript:msgbox)\n", "vbscript: link 'vbscript:msgbox' is not allowed"),
        (
            "[x][r]\n\n[r]: javascript:void(0)\n",
            "javascript: link 'javascript:void(0)' is not allowed",
        ),
    ],
)
def test_refused_content_says_what_is_wrong(body: str, message: str) -> None:
    assert _messages(body) == [message]


def test_each_problem_has_the_line_it_is_on() -> None:
    body = "Intro\nmore <span>x</span>\n\n> quote\n> ![r](https://x.test/r.png)\n"

    problems = check_body(body, file="cards/x.md", first_line=10, media=MEDIA)

    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (11, "raw HTML is not allowed"),
        (14, "remote image 'https"),
    ]


_fragments = st.sampled_from(
    [
        "text ",
        "\n",
        "\n\n",
        "<kbd>K</kbd>",
        "</kbd>",
        "<b>",
        "`code <i>`",
        "    <div>\n",
        "![a](media/ribbon.png)",
        "![a](media/missing.png)",
        "![a](https://x.test/a.png)",
        "[l](https://x.test)",
        "[l](javascript:x)",
        "[l](media/ribbon.png)",
        "[r]: javascript:x\n",
        "[r]",
        "![",
        "](",
        "]",
        "[",
        "<",
        "> ",
        "- ",
        "*",
    ]
)


@settings(max_examples=300)
@given(st.lists(_fragments, max_size=12).map("".join))
def test_the_quick_path_never_hides_a_problem(body: str) -> None:
    quick = check_body(body, file="x", first_line=1, media=MEDIA)
    full = parse_problems(body, file="x", first_line=1, media=MEDIA)

    assert quick == full
