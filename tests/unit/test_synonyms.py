"""A pack's `synonyms:`: written once when the pack is installed, so the words people use find
the cards that use another word; checked with the same clear messages as every pack field."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.packs import load_pack
from app.store.catalog import Catalog
from app.store.db import open_database
from app.store.synonyms import MAX_ADDED_CHARS, SynonymTable
from tests.unit.factories import make_card, make_pack

P = "acme.it"
SYNONYMS = {
    "screenshot": ["snip", "Snipping Tool", "print screen"],
    "save as": ["export"],
    "folder": ["directory"],
}


def _cards() -> list:
    return [
        make_card(P, "snap", "Take a screenshot", "Win+Shift+S copies part of the screen"),
        make_card(P, "many", "Screenshots of a whole page", "Ctrl+Shift+P in the browser tools"),
        make_card(P, "pdf", "Save as PDF", "Ctrl+P, then Microsoft Print to PDF"),
        make_card(P, "saves", "Autosave", "Files are saved as you type"),
        make_card(P, "up", "Go up one folder", "Alt+Up goes to the parent"),
        make_card(P, "paint", "Paint a picture", "Open Paint from the Start menu"),
    ]


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    db, _ = open_database(tmp_path / "cuecards.db")
    catalog = Catalog(db)
    catalog.install(make_pack(P, cards=_cards(), synonyms=SYNONYMS))
    yield catalog
    db.close()


def _ids(catalog: Catalog, query: str) -> set[str]:
    """The cards that fully match `query`."""
    return {hit.card for hit in catalog.search(query) if not hit.partial}


def test_the_words_people_use_find_the_cards_that_use_the_packs_word(catalog: Catalog) -> None:
    assert _ids(catalog, "snip ") == {"snap", "many"}  # a plural holds the word too
    assert _ids(catalog, "snipping tool") == {"snap", "many"}
    assert _ids(catalog, "PRINT SCREEN") == {"snap", "many"}
    assert _ids(catalog, "parent directory") == {"up"}
    hit = catalog.search("snip ")[0]
    assert (hit.matched, hit.partial) == (("snip",), False)


def test_a_phrase_matches_only_its_words_in_order(catalog: Catalog) -> None:
    assert _ids(catalog, "export") == {"pdf"}  # "saved as" is not "save as"


def test_cards_without_the_word_gain_nothing(catalog: Catalog) -> None:
    assert "paint" not in _ids(catalog, "print screen")
    assert catalog.card(P, "paint") is not None
    assert _ids(catalog, "screenshot") == {"snap", "many"}  # the word itself still works


def test_an_update_without_synonyms_takes_them_out_of_the_index(catalog: Catalog) -> None:
    catalog.install(make_pack(P, "1.1.0", cards=_cards()))
    assert _ids(catalog, "snip ") == set()
    conn: sqlite3.Connection = catalog._conn
    conn.execute("INSERT INTO cards_fts(cards_fts, rank) VALUES ('integrity-check', 1)")
    conn.commit()
    catalog.install(make_pack(P, "1.2.0", cards=_cards(), synonyms=SYNONYMS))
    assert _ids(catalog, "snip ") == {"snap", "many"}


def test_another_packs_synonyms_do_not_reach_these_cards(catalog: Catalog) -> None:
    other = [make_card("acme.more", "shot", "A screenshot tip", "Press PrtScn")]
    catalog.install(make_pack("acme.more", cards=other, synonyms={"tip": ["hint"]}))
    assert _ids(catalog, "hint") == {"shot"}
    assert "shot" in _ids(catalog, "screenshot") and "shot" not in _ids(catalog, "snip ")


def test_the_table_reads_words_as_the_index_does() -> None:
    table = SynonymTable({"café": ["coffee"], "full screen": ["fullscreen"], "undo": ["revert"]})
    assert table.expand(["Book the CAFE"]) == "coffee"
    assert table.expand(["Full-screen mode", "the full screens"]) == "fullscreen"
    assert table.expand(["Undone: an undoes list"]) == "revert"
    assert table.expand(["Undone"]) == ""
    assert not SynonymTable({})


def test_a_card_holding_many_listed_words_gains_a_bounded_text() -> None:
    table = SynonymTable({f"w{i}": [f"s{i}" + "x" * 56] for i in range(100)})
    added = table.expand([" ".join(f"w{i}" for i in range(100))])
    assert 0 < len(added) <= MAX_ADDED_CHARS
    assert added.startswith("s0x")  # the words first in the map first


# ----- pack.yaml: the messages an author reads ------------------------------------------------


def _pack_yaml(tmp_path: Path, synonyms: str) -> list[str]:
    (tmp_path / "cards").mkdir(exist_ok=True)
    (tmp_path / "cards" / "a.md").write_text(
        "---\nid: a\ntitle: Take a screenshot\nsummary: Win+Shift+S.\n---\nBody.\n",
        encoding="utf-8",
    )
    (tmp_path / "pack.yaml").write_text(
        f"id: acme.t\nname: T\nversion: 1.0.0\npublisher: P\n{synonyms}\n", encoding="utf-8"
    )
    return [str(problem) for problem in load_pack(tmp_path).errors]


def test_a_good_synonyms_map_loads(tmp_path: Path) -> None:
    assert _pack_yaml(tmp_path, "synonyms:\n  Screenshot: [Snip, print screen]") == []
    result = load_pack(tmp_path)
    assert result.pack is not None
    assert result.pack.manifest.synonyms == {"screenshot": ["snip", "print screen"]}


HINT = (
    "Fix: write a word the cards use, then the words people search for instead, "
    "e.g. screenshot: [snip, print screen]"
)


@pytest.mark.parametrize(
    ("synonyms", "message"),
    [
        (
            "synonyms: {screenshot: snip}",
            "pack.yaml:5: synonyms.screenshot: expected a list, got text 'snip'. Fix: write a "
            "list, e.g. screenshot: [first, second], or one '- item' per line",
        ),
        (
            "synonyms:\n  screenshot:\n    - snip\n    - 12",
            "pack.yaml:8: synonyms.screenshot[1]: expected text, got a number 12. "
            "Fix: put the value in quotes",
        ),
        (
            "synonyms: {screenshot: []}",
            "pack.yaml:5: synonyms.screenshot: has 0 items; at least 1 are needed. Fix: add items",
        ),
        (
            "synonyms: {screenshot: ['  ']}",
            "pack.yaml:5: synonyms.screenshot[0]: must not be empty. "
            "Fix: write a value after the colon",
        ),
        (
            "synonyms: {screenshot: ['?!']}",
            f"pack.yaml:5: synonyms.screenshot[0]: '?!' has no letter or digit, so no search "
            f"can reach it. {HINT}",
        ),
        (
            "synonyms: {'!!': [snip]}",
            f"pack.yaml:5: synonyms: the word '!!': has no letter or digit, so no search can "
            f"reach it. {HINT}",
        ),
        (
            f"synonyms: {{screenshot: [{'x' * 61}]}}",
            "pack.yaml:5: synonyms.screenshot[0]: is 61 characters long; at most 60 are "
            "allowed. Fix: shorten it",
        ),
        (
            "synonyms: [snip]",
            "pack.yaml:5: synonyms: expected fields (key: value), got a list ['snip']. "
            "Fix: write one 'key: value' per line",
        ),
    ],
)
def test_a_bad_synonyms_map_is_told_with_file_line_and_fix(
    tmp_path: Path, synonyms: str, message: str
) -> None:
    assert _pack_yaml(tmp_path, synonyms) == [message]


def test_a_huge_synonyms_map_is_refused(tmp_path: Path) -> None:
    words = "\n".join(f"  w{i}: [x{i}]" for i in range(501))
    assert _pack_yaml(tmp_path, f"synonyms:\n{words}") == [
        "pack.yaml:5: synonyms: has 501 items; at most 500 are allowed. Fix: remove some items"
    ]
    many = ", ".join(f"s{i}" for i in range(21))
    assert _pack_yaml(tmp_path, f"synonyms:\n  screenshot: [{many}]") == [
        "pack.yaml:6: synonyms.screenshot: has 21 items; at most 20 are allowed. "
        "Fix: remove some items"
    ]
