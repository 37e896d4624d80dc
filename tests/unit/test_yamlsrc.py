"""YAML loading: values as PyYAML's safe loader builds them, lines for every field, no
silently dropped duplicate keys."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from app.core import yamlsrc
from app.core.yamlsrc import YamlError, field_path, load_yaml

FRONT = """\
id: pivot-refresh
title: Refresh pivots
skills: [excel.pivots, excel.formulas]
triggers:
  - app: excel
    title: '(?i)pivot'
  - app: libreoffice-calc
    dwell: 3s
reviewed: 2026-09-01
"""


def test_values_match_the_safe_loader_and_lines_follow_the_file() -> None:
    doc = load_yaml(FRONT, file="cards/x.md", first_line=2)

    assert doc.data == yaml.safe_load(FRONT)
    assert doc.data["reviewed"] == dt.date(2026, 9, 1)
    assert doc.line_of(("id",)) == 2
    assert doc.line_of(("skills", 1)) == 4
    assert doc.line_of(("triggers", 0, "title")) == 7
    assert doc.line_of(("triggers", 1, "dwell")) == 9
    assert doc.line_of(("triggers", 1)) == 8
    # A field that is not there points at its nearest parent: where to add it.
    assert doc.line_of(("triggers", 1, "title")) == 8
    assert doc.line_of(("summary",)) == 2


def test_field_paths_read_like_the_yaml() -> None:
    assert field_path(("triggers", 0, "title")) == "triggers[0].title"
    assert field_path(("apps", "excel", 2)) == "apps.excel[2]"
    assert field_path(()) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: a\ntitle: one\nsummary: s\ntitle: two\n",
            "cards/x.md:5: title: key 'title' appears twice (lines 3 and 5); "
            "YAML would keep only the last. Fix: remove one of the two",
        ),
        (
            "triggers:\n  - app: excel\n    'app': word\n",
            "cards/x.md:4: triggers[0].app: key 'app' appears twice (lines 3 and 4); "
            "YAML would keep only the last. Fix: remove one of the two",
        ),
        (
            "apps: {excel: [excel], excel: [soffice]}\n",
            "cards/x.md:2: apps.excel: key 'excel' appears twice (on line 2); "
            "YAML would keep only the last. Fix: remove one of the two",
        ),
        (
            "base: &b {a: 1}\nm:\n  <<: *b\n  k: 1\n  k: 2\n",
            "cards/x.md:6: m.k: key 'k' appears twice (lines 5 and 6); "
            "YAML would keep only the last. Fix: remove one of the two",
        ),
    ],
)
def test_duplicate_keys_are_refused_naming_both_lines(text: str, expected: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text, file="cards/x.md", first_line=2)

    assert [str(p) for p in caught.value.problems] == [expected]


def test_merge_keys_and_aliases_still_work() -> None:
    text = "base: &b {priority: 10}\ncard:\n  <<: *b\n  priority: 20\nsame: *b\n"

    assert load_yaml(text, file="x").data == yaml.safe_load(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: x\ntitle: Excel: refresh\n",
            "cards/x.md:3: invalid YAML: mapping values are not allowed in this context. "
            "Fix: put a value that contains ': ' in quotes, e.g. title: 'Excel: refresh all'",
        ),
        (
            "id: x\ntitle: 'unclosed\n",
            "cards/x.md:4: invalid YAML: found unexpected end of stream. "
            "Fix: close the quote opened on line 3",
        ),
        (
            'title: "(?i)\\.xlsx"\n',
            "cards/x.md:2: invalid YAML: found unknown escape character. Fix: inside double quotes "
            "a backslash starts an escape; use single quotes instead, e.g. title: '(?i)\\.xlsx'",
        ),
        (
            "keywords: [a, b\nid: x\n",
            "cards/x.md:3: invalid YAML: did not find expected ',' or ']'. "
            "Fix: close the list opened on line 2 with ']'",
        ),
        (
            "keywords: *xlsx\n",
            "cards/x.md:2: invalid YAML: found undefined alias. "
            "Fix: put a value that starts with '*' or '&' in quotes, e.g. keywords: ['*.xlsx']",
        ),
        (
            "keywords: *.xlsx\n",
            "cards/x.md:2: invalid YAML: did not find expected alphabetic or numeric character. "
            "Fix: put a value that starts with '*' or '&' in quotes, e.g. keywords: ['*.xlsx']",
        ),
        (
            "id: !!python/object/apply:os.system ['true']\n",
            "cards/x.md:2: invalid YAML: could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'. "
            "Fix: remove the '!' tag: packs use plain YAML values only",
        ),
    ],
)
def test_syntax_errors_name_the_file_line(text: str, expected: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text, file="cards/x.md", first_line=2)

    assert [str(p) for p in caught.value.problems] == [expected]


def test_impossible_dates_stay_text_for_the_validator() -> None:
    assert load_yaml("reviewed: 2026-13-01\n", file="x").data == {"reviewed": "2026-13-01"}


def test_empty_documents_are_none() -> None:
    assert load_yaml("", file="x").data is None
    assert load_yaml("# only a comment\n", file="x").data is None


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000 + "\n",  # crashed libyaml's composer: stack overflow
        "a:\n" + "- " * 100_000 + "x\n",
        "a: " + "{b: " * 70 + "1" + "}" * 70 + "\n",
    ],
)
def test_deep_nesting_is_refused_without_crashing(text: str) -> None:
    with pytest.raises(YamlError) as caught:
        load_yaml(text, file="cards/x.md", first_line=2)

    assert [p.message for p in caught.value.problems] == [
        "the YAML is nested more than 64 levels deep"
    ]


def test_our_own_scan_names_the_line_where_nesting_passes_the_limit() -> None:
    # 70 levels: within libyaml's own limit, so only our scan refuses it.
    text = "a:\n  b: " + "[" * 70 + "]" * 70 + "\n"

    with pytest.raises(YamlError) as caught:
        load_yaml(text, file="cards/x.md", first_line=2)

    assert [str(p) for p in caught.value.problems] == [
        "cards/x.md:3: the YAML is nested more than 64 levels deep."
        " Fix: flatten it: a pack needs only a few levels"
    ]


def test_pyyamls_own_depth_refusal_reads_as_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML 6.0.2+ refuses deep nesting in its scanner, before our scan can speak."""
    mark = yaml.error.Mark("<unicode string>", 1002, 4, 1002, None, None)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise yaml.scanner.ScannerError(
            "while increasing flow level", mark, "exceeded maximum nesting depth", mark
        )

    monkeypatch.setattr(yamlsrc.yaml, "parse", refuse)
    with pytest.raises(YamlError) as caught:
        load_yaml("a: " + "[" * 100 + "]" * 100 + "\n", file="cards/x.md", first_line=2)

    assert [str(p) for p in caught.value.problems] == [
        "cards/x.md:6: the YAML is nested more than 64 levels deep."
        " Fix: flatten it: a pack needs only a few levels"
    ]


def test_deep_indentation_is_refused_with_the_same_words() -> None:
    # Indentation nests without brackets: PyYAML 6.0.2+ refuses it, older ones recurse.
    text = "a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 1200)) + "  " * 1200 + "x\n"

    with pytest.raises(YamlError) as caught:
        load_yaml(text, file="cards/x.md")

    assert [p.message for p in caught.value.problems] == [
        "the YAML is nested more than 64 levels deep"
    ]


def test_nesting_within_the_limit_loads() -> None:
    expected: list = []
    for _ in range(59):
        expected = [expected]

    assert load_yaml("a: " + "[" * 60 + "]" * 60 + "\n", file="x").data == {"a": expected}


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.dates()
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=10), _values, max_size=6))
def test_values_are_what_pyyaml_builds_for_any_document(data: dict) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)

    assert load_yaml(text, file="x").data == yaml.load(text, Loader=yaml.CSafeLoader)
