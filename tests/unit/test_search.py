"""Search as a person uses it: ranking, typing prefixes, typos, the app in front, odd input."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.model import Card
from app.store import fulltext
from app.store.catalog import Catalog
from app.store.db import open_database
from app.store.fulltext import SearchHit
from app.store.search import LARGE_CATALOG, MAX_TOKENS, parse_query
from tests.unit.factories import make_card, make_pack

EXCEL = {"excel": ["excel", "com.microsoft.excel", "libreoffice-calc"]}
FILLER_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")


def _fillers(pack: str, count: int, words: int = 6) -> list[Card]:
    """Cards about nothing in particular, so that real words are rare (bm25 needs that)."""
    cards = []
    for i in range(count):
        text = " ".join(FILLER_WORDS[(i + j) % len(FILLER_WORDS)] for j in range(words))
        cards.append(make_card(pack, f"filler-{i:04d}", text.capitalize(), text, text))
    return cards


def _cards() -> list[Card]:
    p = "acme.demo"
    return [
        make_card(p, "in-title", "Quokka shortcuts", "Keyboard tips for every day", "Plain steps"),
        make_card(
            p, "in-summary", "Keyboard tips", "Quokka shortcuts for every day", "Plain steps"
        ),
        make_card(
            p,
            "in-keywords",
            "Keyboard tips",
            "Shortcuts for every day",
            "Plain steps",
            keywords=["quokka"],
        ),
        make_card(p, "in-body", "Keyboard tips", "Shortcuts for every day", "Quokka steps"),
        make_card(
            p,
            "pivot",
            "Refresh pivot tables",
            "Ctrl+Alt+F5 refreshes all pivots",
            "Use the spreadsheet ribbon.",
        ),
        make_card(p, "form", "Fill in the expense form", "Attach receipts to the form"),
        make_card(p, "cafe", "Café booking", "Book the café for a team lunch"),
        make_card(p, "generic-total", "Totals in a hurry", "Sum a column with a shortcut"),
        make_card(
            p,
            "sheet-total",
            "Totals in a hurry",
            "Sum a column with a shortcut",
            triggers=[("excel", None)],
        ),
        make_card(p, "chart", "Pivot chart wizard", "Build a chart from a pivot"),
        make_card(p, "slicer", "Slicers filter a chart", "Click a slicer to filter"),
        make_card(p, "how-to", "How to write a tip", "Say what to press, then why"),
    ]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    path = tmp_path_factory.mktemp("search") / "cuecards.db"
    db, _ = open_database(path)
    catalog = Catalog(db)
    catalog.install(
        make_pack("acme.demo", cards=[*_cards(), *_fillers("acme.demo", 30)], apps=EXCEL)
    )
    yield catalog
    db.close()


def _ids(hits: list[SearchHit]) -> list[str]:
    return [hit.card for hit in hits]


def test_typed_text_becomes_words() -> None:
    assert parse_query("Pivot  TAB") == parse_query("pivot tab")
    assert parse_query("pivot tab").tokens == ("pivot", "tab")
    assert parse_query("pivot tab").last_is_prefix
    assert not parse_query("pivot tab ").last_is_prefix
    assert not parse_query("pivot tab pivot").last_is_prefix
    assert parse_query('"NEAR(Café-au_lait*').tokens == ("near", "cafe", "au", "lait")
    assert parse_query("ｐｉｖｏｔ").tokens == ("pivot",)
    many = parse_query(" ".join(f"w{i}" for i in range(MAX_TOKENS + 5)))
    assert len(many.tokens) == MAX_TOKENS and not many.last_is_prefix


def test_title_beats_summary_beats_keywords_beats_body(catalog: Catalog) -> None:
    assert _ids(catalog.search("quokka")) == ["in-title", "in-summary", "in-keywords", "in-body"]


def test_scores_are_positive_and_fall_along_the_list(catalog: Catalog) -> None:
    for query in ("quokka", "pivot", "pivot chart", "totals", "pviot"):
        scores = [hit.score for hit in catalog.search(query)]
        assert scores, query
        assert all(score > 0 for score in scores), query
        assert scores == sorted(scores, reverse=True), query


def test_the_last_word_is_a_prefix_while_typing(catalog: Catalog) -> None:
    assert _ids(catalog.search("quo")) == ["in-title", "in-summary", "in-keywords", "in-body"]
    assert set(_ids(catalog.search("piv"))[:2]) == {"pivot", "chart"}
    assert "pivot" in _ids(catalog.search("tables refre"))
    assert _ids(catalog.search("refreshe")) == ["pivot"]


def test_a_finished_word_is_not_a_prefix(catalog: Catalog) -> None:
    assert _ids(catalog.search("refresh ")) == ["pivot"]
    assert "pivot" not in _ids(catalog.search("refresh"[:5] + " "))


def test_every_word_must_match_before_any_word_does(catalog: Catalog) -> None:
    hits = _ids(catalog.search("pivot chart"))
    assert hits[0] == "chart"
    assert set(hits[1:]) == {"pivot", "slicer"}


def _matched(hits: list[SearchHit]) -> dict[str, tuple[tuple[str, ...], bool]]:
    return {hit.card: (hit.matched, hit.partial) for hit in hits}


def test_each_hit_knows_which_words_it_matched(catalog: Catalog) -> None:
    assert _matched(catalog.search("pivot chart")) == {
        "chart": (("pivot", "chart"), False),
        "pivot": (("pivot",), True),
        "slicer": (("chart",), True),
    }


def test_a_word_no_card_has_leaves_every_hit_partial(catalog: Catalog) -> None:
    hits = catalog.search("quokka zzqx ")
    assert _ids(hits) == ["in-title", "in-summary", "in-keywords", "in-body"]
    assert {hit.matched for hit in hits} == {("quokka",)}
    assert all(hit.partial for hit in hits)


def test_typos_and_unfinished_words_count_as_matched(catalog: Catalog) -> None:
    assert _matched(catalog.search("pivto tabels"))["pivot"] == (("pivto", "tabels"), False)
    assert _matched(catalog.search("spredshet rib"))["pivot"] == (("spredshet", "rib"), False)


def test_stop_words_are_left_out(catalog: Catalog) -> None:
    hits = catalog.search("how do I refresh the pivot tables?")
    assert [hit.card for hit in hits if not hit.partial] == ["pivot"]
    assert _matched(hits)["pivot"] == (("refresh", "pivot", "tables"), False)
    # A stop word being typed is left out too; the words before it still answer.
    assert _matched(catalog.search("refresh the"))["pivot"] == (("refresh",), False)


def test_a_query_of_stop_words_only_searches_for_them(catalog: Catalog) -> None:
    hits = catalog.search("how to")
    assert _matched(hits)["how-to"] == (("how", "to"), False)
    assert _ids(hits)[0] == "how-to"
    assert all(hit.partial for hit in hits[1:])


def test_case_and_accents_do_not_matter(catalog: Catalog) -> None:
    assert _ids(catalog.search("cafe")) == ["cafe"]
    assert _ids(catalog.search("CAFÉ")) == ["cafe"]
    assert _ids(catalog.search("PIVOT TABLES"))[0] == "pivot"


def test_one_typo_per_word_is_forgiven(catalog: Catalog) -> None:
    assert set(_ids(catalog.search("pviot"))[:2]) == {"pivot", "chart"}
    assert _ids(catalog.search("refersh")) == ["pivot"]
    assert _ids(catalog.search("pivto tabels"))[0] == "pivot"
    assert _ids(catalog.search("slicr")) == ["slicer"]


def test_long_words_forgive_two_typos(catalog: Catalog) -> None:
    assert _ids(catalog.search("spredshet ribbon")) == ["pivot"]


def test_short_words_and_known_words_are_not_corrected(catalog: Catalog) -> None:
    assert catalog.search("pvt ") == []
    assert _ids(catalog.search("form ")) == ["form"]


def test_cards_for_the_app_in_front_rank_higher(catalog: Catalog) -> None:
    plain = {hit.card: hit.score for hit in catalog.search("totals")}
    assert list(plain) == ["generic-total", "sheet-total"]
    boosted = catalog.search("totals", app="libreoffice-calc")
    assert _ids(boosted) == ["sheet-total", "generic-total"]
    assert boosted[0].score == pytest.approx(plain["sheet-total"] * fulltext.APP_BOOST)
    assert boosted[1].score == pytest.approx(plain["generic-total"])
    assert boosted[0].app_ids == ("com.microsoft.excel", "excel", "libreoffice-calc")
    assert boosted[1].app_ids == ()
    assert _ids(catalog.search("totals", app="firefox")) == ["generic-total", "sheet-total"]
    assert _ids(catalog.search("totals", app="LibreOffice-Calc")) == [
        "sheet-total",
        "generic-total",
    ]


def test_limit(catalog: Catalog) -> None:
    assert len(catalog.search("quokka", limit=2)) == 2
    assert catalog.search("quokka", limit=0) == []


@pytest.mark.parametrize(
    "query",
    [
        '"pivot',
        "pivot)",
        "(pivot",
        "NEAR(pivot",
        "pivot*",
        "-pivot",
        "+pivot",
        "^pivot",
        "pivot:",
        "title:pivot",
        "{title}: pivot",
        "pivot AND",
        "OR pivot NOT",
        "pivot\x00",
        "pivot 🤔",
        "'pivot'",
        "pivot; DROP TABLE cards; --",
    ],
)
def test_query_syntax_is_never_obeyed_and_never_fails(catalog: Catalog, query: str) -> None:
    assert "pivot" in _ids(catalog.search(query))


@pytest.mark.parametrize(
    "query", ["", "   ", '"', '""', "*", "-", "()", "((", "AND", "NEAR", "🤔🤔", "\x00", "'", "\\"]
)
def test_nothing_to_search_for(catalog: Catalog, query: str) -> None:
    hits = catalog.search(query)
    assert isinstance(hits, list)
    assert all(hit.score > 0 for hit in hits)


def test_an_empty_query_returns_nothing(catalog: Catalog) -> None:
    assert catalog.search("") == []
    assert catalog.search("  \t ") == []


@settings(max_examples=300, deadline=None)
@given(query=st.text(max_size=80), app=st.none() | st.text(max_size=20))
def test_any_text_is_safe(catalog: Catalog, query: str, app: str | None) -> None:
    hits = catalog.search(query, app=app, limit=5)
    assert len(hits) <= 5
    scores = [hit.score for hit in hits]
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    partial = [hit.partial for hit in hits]
    assert partial == sorted(partial)  # every full match before every partial one


@settings(max_examples=200, deadline=None)
@given(
    query=st.lists(
        st.sampled_from(["pivot", "AND", "OR", "NOT", "NEAR", '"', "*", "(", ")", "-", "^", ":"])
        | st.text(alphabet=string.ascii_letters + '"*():^-+', max_size=6),
        max_size=8,
    ).map(" ".join)
)
def test_fts_operators_in_any_order_are_safe(catalog: Catalog, query: str) -> None:
    catalog.search(query)


# ----- large catalogs: very common words and the rank window ----------------------------------


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    """Above LARGE_CATALOG cards, where words in most cards are handled specially."""
    p = "acme.large"
    cards = [
        make_card(
            p, f"common-{i:04d}", f"Topic {i}", "A summary", f"Lorem ipsum number {i}", priority=90
        )
        for i in range(LARGE_CATALOG)
    ]
    cards += [
        make_card(p, "lorem-title", "Lorem in the title", "A summary", "Lorem body", priority=95),
        make_card(p, "lorem-summary", "Nothing here", "Lorem summary", "Lorem body", priority=95),
        make_card(p, "rare", "Quarterly zeppelin report", "A summary", "Lorem zeppelin"),
        make_card(p, "rare-other", "Zeppelin hangar", "A summary", "No common word"),
        make_card(
            p,
            "niche",
            "Lorem for the niche app",
            "Only there",
            "Lorem body",
            priority=0,
            triggers=[("gnucash", None)],
        ),
    ]
    path = tmp_path_factory.mktemp("large") / "cuecards.db"
    db, _ = open_database(path)
    catalog = Catalog(db)
    catalog.install(make_pack(p, cards=cards))
    yield catalog
    db.close()


def test_a_word_in_almost_every_card_still_filters(large: Catalog) -> None:
    assert _ids(large.search("lorem zeppelin")) == ["rare", "rare-other"]
    assert _ids(large.search("lorem zeppelin", limit=1)) == ["rare"]
    assert set(_ids(large.search("zeppelin"))) == {"rare", "rare-other"}


def test_words_in_most_cards_list_title_matches_first(large: Catalog) -> None:
    hits = _ids(large.search("lorem", limit=5))
    assert hits[:2] == ["lorem-title", "lorem-summary"]
    assert len(hits) == 5


def test_the_app_in_front_finds_its_card_beyond_the_rank_window(
    large: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fulltext, "RANK_WINDOW", 50)
    assert "niche" not in _ids(large.search("lorem", limit=10))
    assert _ids(large.search("lorem", limit=10, app="gnucash"))[0] == "niche"
