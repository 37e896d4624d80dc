"""Splitting a card into front matter and body, and reading durations: examples and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.frontmatter import FrontMatterError, split_front_matter
from app.core.model import parse_duration


def test_split_keeps_the_line_where_each_part_starts() -> None:
    split = split_front_matter("---\nid: a\ntitle: b\n---\nBody line\n\nMore\n")

    assert split.front == "id: a\ntitle: b\n"
    assert split.body == "Body line\n\nMore\n"
    assert (split.front_line, split.body_line) == (2, 5)


def test_bom_crlf_and_trailing_spaces_on_fences_are_tolerated() -> None:
    split = split_front_matter("\ufeff---  \r\nid: a\r\n--- \r\nBody\r\n")

    assert (split.front, split.body, split.body_line) == ("id: a\n", "Body\n", 4)


def test_a_card_may_have_an_empty_body_or_no_final_newline() -> None:
    assert split_front_matter("---\nid: a\n---").body == ""
    assert split_front_matter("---\n---\n").front == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Title\n---\nid: a\n---\n", "the card does not start with front matter"),
        ("", "the card does not start with front matter"),
        ("----\nid: a\n----\n", "the card does not start with front matter"),
        ("---\nid: a\ntitle: b\n", "the front matter is never closed"),
    ],
)
def test_cards_without_fences_are_refused_at_line_1(text: str, message: str) -> None:
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter(text)

    assert (caught.value.message, caught.value.line) == (message, 1)


_line = st.text(
    alphabet=st.characters(blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
)
_front_lines = st.lists(_line.filter(lambda s: s.rstrip(" \t") != "---"), max_size=8)
_body = st.text()


@given(_front_lines, _body, st.booleans(), st.booleans())
def test_split_gives_back_what_was_joined(
    front_lines: list[str], body: str, crlf: bool, bom: bool
) -> None:
    front = "".join(f"{line}\n" for line in front_lines)
    text = f"---\n{front}---\n{body}"
    if crlf:
        text = text.replace("\n", "\r\n")
    if bom:
        text = "\ufeff" + text

    split = split_front_matter(text)

    assert split.front == front
    assert split.body == body.replace("\r\n", "\n").replace("\r", "\n")
    assert split.body_line == 3 + len(front_lines)


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(sorted(_UNITS)), st.booleans())
def test_durations_read_back_as_seconds(number: int, unit: str, space: bool) -> None:
    text = f"{number}{' ' if space else ''}{unit}"

    assert parse_duration(text) == pytest.approx(number * _UNITS[unit])
    assert parse_duration(parse_duration(text)) == parse_duration(text)


@pytest.mark.parametrize("bad", ["3 seconds", "-1s", "s", "3", "1.5.2m", True, None, [3]])
def test_durations_that_are_not_durations_say_how_to_write_one(bad: object) -> None:
    with pytest.raises(ValueError, match=r"duration|true/false"):
        parse_duration(bad)
