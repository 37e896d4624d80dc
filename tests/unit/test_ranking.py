"""The palette's ranking on the bundled demo pack: what a person types -> the card they wanted
first, with prefixes, typos, a pack's synonyms, the app in front, votes and overdue reviews."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.packs import load_pack
from app.core.ranking import (
    OVERDUE_FACTOR,
    cards_for_app,
    is_overdue,
    overdue_cards,
    palette_search,
    rerank,
    split_partial,
    vote_factor,
)
from app.paths import demo_pack_dir
from app.store.catalog import Catalog
from app.store.db import open_database
from app.store.fulltext import SearchHit

DEMO = "cuecards.demo"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    db, _ = open_database(Path(tmp_path_factory.mktemp("ranking")) / "cuecards.db")
    result = load_pack(demo_pack_dir())
    assert result.pack is not None, result.errors
    catalog = Catalog(db)
    catalog.install(result.pack)
    yield catalog
    db.close()


def _search(catalog: Catalog):
    return lambda query, app, limit: catalog.search(query, app=app, limit=limit)


def _top(catalog: Catalog, query: str, app: str | None = None, **kwargs) -> list[str]:
    return [hit.card for hit in palette_search(_search(catalog), query, app=app, **kwargs)]


# (what the person types, the app in front or None, the card they wanted first)
CASES = [
    # whole words from titles and summaries
    ("pivot", None, "excel-refresh-all"),
    ("autosum", None, "excel-autosum"),
    ("hard reload", None, "browser-hard-reload"),
    ("private window", None, "browser-private-window"),
    ("reverse search", None, "terminal-reverse-search"),
    ("reopen tab", None, "browser-reopen-tab"),
    ("raise hand", None, "zoom-raise-hand"),
    ("laser", None, "ppt-laser-pointer"),
    ("presenter", None, "ppt-presenter-view"),
    # prefixes, as the palette sees them while the word is being typed
    ("piv", None, "excel-refresh-all"),
    ("refr", None, "excel-refresh-all"),
    ("incog", None, "browser-private-window"),
    ("flash fil", None, "excel-flash-fill"),
    ("autos", None, "excel-autosum"),
    ("reopen t", None, "browser-reopen-tab"),
    # typos
    ("pviot", None, "excel-refresh-all"),
    ("autsum", None, "excel-autosum"),
    ("hiden files", None, "files-hidden-files"),
    ("track chnages", None, "word-track-changes"),
    ("absolute refrence", None, "spreadsheet-absolute-reference"),
    ("laser pointr", None, "ppt-laser-pointer"),
    # synonyms the pack declares as keywords
    ("incognito", None, "browser-private-window"),
    ("wikilink", None, "obsidian-link-note"),
    ("dotfiles", None, "files-hidden-files"),
    ("omnibox", None, "browser-address-bar"),
    ("redline", None, "word-track-changes"),
    ("timestamp", None, "excel-insert-date-time"),
    ("prettify", None, "vscode-format-document"),
    ("cheat sheet", None, "slack-shortcut-list"),
    ("undo close", None, "browser-reopen-tab"),
    ("mkdir", None, "files-new-folder"),
    # synonyms the pack declares in pack.yaml's `synonyms:` (the card never says these words)
    ("parent directory", None, "files-parent-folder"),
    ("silence mic", "zoom", "zoom-toggle-mute"),
    ("presentation mode", "keynote", "keynote-play-slideshow"),
    # the app the person was in decides between cards that say the same
    ("mute", "zoom", "zoom-push-to-talk"),
    ("camera", "zoom", "zoom-toggle-video"),
    ("camera", "teams", "teams-toggle-camera"),
    ("camera", "chrome", "meet-toggle-camera"),
    ("mute", "chrome", "meet-toggle-mic"),
    ("forward", "thunderbird", "thunderbird-forward"),
    ("forward", "outlook", "outlook-forward"),
    ("new line", "slack", "slack-new-line"),
    ("new line", "excel", "excel-new-line-in-cell"),
    ("command palette", "code", "vscode-command-palette"),
    ("command palette", "obsidian", "obsidian-command-palette"),
    ("quick switcher", "obsidian", "obsidian-quick-switcher"),
    ("quick switcher", "slack", "slack-jump-to"),
    ("comand palete", "obsidian", "obsidian-command-palette"),
]


@pytest.mark.parametrize(("query", "app", "expected"), CASES)
def test_the_card_the_person_wanted_comes_first(
    catalog: Catalog, query: str, app: str | None, expected: str
) -> None:
    found = _top(catalog, query, app)
    assert found, f"{query!r} found nothing"
    assert found[0] == expected, f"{query!r} (app {app}) ranked {found[:3]}"


def test_the_app_boost_changes_the_winner(catalog: Catalog) -> None:
    assert _top(catalog, "forward", "thunderbird")[0] != _top(catalog, "forward", "outlook")[0]


def test_helpful_votes_lift_a_card_above_an_equal_one(catalog: Catalog) -> None:
    assert _top(catalog, "mute", "teams")[0] == "teams-push-to-talk"
    voted = _top(catalog, "mute", "teams", votes={(DEMO, "teams-toggle-mute"): 2})
    assert voted[0] == "teams-toggle-mute"


def test_unhelpful_votes_sink_a_card(catalog: Catalog) -> None:
    voted = _top(catalog, "mute", "zoom", votes={(DEMO, "zoom-push-to-talk"): -2})
    assert voted[0] == "zoom-toggle-mute"
    assert "zoom-push-to-talk" in voted


def test_votes_do_not_lift_an_unrelated_card_over_a_clear_match(catalog: Catalog) -> None:
    voted = _top(catalog, "hard reload", votes={(DEMO, "excel-refresh-all"): 100})
    assert voted[0] == "browser-hard-reload"


def test_a_card_overdue_for_review_sinks_below_an_equal_one(catalog: Catalog) -> None:
    assert _top(catalog, "forward")[0] == "outlook-forward"
    demoted = _top(catalog, "forward", overdue={(DEMO, "outlook-forward")})
    assert demoted[:2] == ["thunderbird-forward", "outlook-forward"]


def test_an_overdue_card_is_still_found(catalog: Catalog) -> None:
    assert _top(catalog, "autosum", overdue={(DEMO, "excel-autosum")})[0] == "excel-autosum"


def test_the_limit_holds_after_reranking(catalog: Catalog) -> None:
    assert len(_top(catalog, "a", limit=3)) == 3


def test_a_query_nothing_matches_finds_nothing(catalog: Catalog) -> None:
    assert _top(catalog, "zzqxj") == []
    assert _top(catalog, "") == []


def test_demo_cards_overdue_after_their_review_period(catalog: Catalog) -> None:
    cards = catalog.cards(DEMO)
    assert overdue_cards(cards, dt.date(2026, 11, 21)) == frozenset()
    later = overdue_cards(cards, dt.date(2027, 7, 1))
    assert (DEMO, "excel-refresh-all") in later
    assert len(later) == len(cards)


def test_is_overdue_counts_days_from_the_review_date() -> None:
    ninety_days = 90 * 86400.0
    reviewed = dt.date(2026, 1, 1)
    assert not is_overdue(reviewed, ninety_days, dt.date(2026, 4, 1))
    assert is_overdue(reviewed, ninety_days, dt.date(2026, 4, 2))
    assert not is_overdue(None, ninety_days, dt.date(2030, 1, 1))
    assert not is_overdue(reviewed, None, dt.date(2030, 1, 1))


def test_vote_factor_is_capped_and_symmetric() -> None:
    assert vote_factor(0) == 1.0
    assert vote_factor(1) > 1.0 > vote_factor(-1)
    assert vote_factor(4) == vote_factor(400)
    assert vote_factor(-4) == vote_factor(-400)
    assert vote_factor(3) * vote_factor(-3) == pytest.approx(1.0)


def _hit(card: str, score: float, partial: bool = False) -> SearchHit:
    return SearchHit(DEMO, card, card.title(), "", score, (), partial=partial)


def test_rerank_keeps_the_catalog_order_for_equal_scores() -> None:
    hits = [_hit("a", 2.0), _hit("b", 2.0), _hit("c", 1.0)]
    assert [h.card for h in rerank(hits)] == ["a", "b", "c"]


def test_rerank_applies_both_adjustments() -> None:
    hits = [_hit("a", 2.0), _hit("b", 2.0)]
    ranked = rerank(hits, votes={(DEMO, "a"): 1}, overdue={(DEMO, "a")})
    by_card = {h.card: h.score for h in ranked}
    assert by_card["a"] == pytest.approx(2.0 * vote_factor(1) * OVERDUE_FACTOR)
    assert [h.card for h in ranked] == ["b", "a"]


def test_votes_never_lift_a_partial_match_above_a_full_one() -> None:
    hits = [_hit("full", 1.0), _hit("partial", 0.9, partial=True)]
    ranked = rerank(hits, votes={(DEMO, "partial"): 4}, overdue={(DEMO, "full")})
    assert [h.card for h in ranked] == ["full", "partial"]
    assert ranked[1].score > ranked[0].score


def test_split_partial_keeps_every_full_match_and_three_partial_ones() -> None:
    hits = [_hit("a", 5.0), *(_hit(f"p{i}", 1.0 - i / 10, partial=True) for i in range(5))]
    full, partial = split_partial(hits)
    assert [h.card for h in full] == ["a"]
    assert [h.card for h in partial] == ["p0", "p1", "p2"]
    only = _hit("p", 1.0, partial=True)
    assert split_partial([only]) == ([], [only])


def test_a_mistyped_last_word_is_read_whole_when_that_answers_the_query(
    catalog: Catalog,
) -> None:
    """As a prefix "autsum" begins no word, leaving only "column" cards (partial); read as a
    whole word it is corrected to "autosum" and the card has both words."""
    assert all(hit.partial for hit in catalog.search("column autsum"))
    hits = palette_search(_search(catalog), "column autsum")
    assert hits[0].card == "excel-autosum" and not hits[0].partial
    assert hits[0].matched == ("column", "autsum")


def test_cards_for_app_lists_the_apps_cards_by_priority(catalog: Catalog) -> None:
    cards = catalog.cards(DEMO)
    aliases = catalog.aliases()
    zoom = cards_for_app(cards, aliases, "us.zoom.xos")
    assert {c.id for c in zoom} == {
        "zoom-push-to-talk",
        "zoom-raise-hand",
        "zoom-record-meeting",
        "zoom-share-screen",
        "zoom-toggle-mute",
        "zoom-toggle-video",
        "zoom-virtual-background",
    }
    assert [c.priority for c in zoom] == sorted((c.priority for c in zoom), reverse=True)
    assert cards_for_app(cards, aliases, "XTerm")
    assert cards_for_app(cards, aliases, "some-unknown-app") == []


def test_the_catalog_listing_is_cards_for_app_read_from_sqlite(catalog: Catalog) -> None:
    """The palette reads its empty-query list from SQLite; it must equal the reference."""
    cards = catalog.cards(DEMO)
    aliases = catalog.aliases()
    apps = {app_id for ids in aliases.values() for app_id in ids} | {"xterm", "nothing-here"}
    for app in sorted(apps):
        refs = sorted({app, *(alias for alias, ids in aliases.items() if app in ids)})
        for limit in (3, 12):
            want = [(c.pack, c.id) for c in cards_for_app(cards, aliases, app)[:limit]]
            got = catalog.listed(catalog.listing_index().rowids(refs, limit))
            assert [(c.pack, c.id) for c in got] == want, (app, limit)
            for listed in got:
                card = catalog.card(listed.pack, listed.id)
                assert card is not None
                assert listed.app_refs == tuple(t.app_ref for t in card.triggers)


def test_the_listing_sorts_titles_by_unicode_case_and_stops_at_the_limit(tmp_path: Path) -> None:
    from tests.unit.factories import make_card, make_pack

    db, _ = open_database(tmp_path / "cuecards.db")
    try:
        titles = ["zebra", "Über", "apple", "Éclair", "banana", "Ångström"]
        pack = make_pack(
            "acme.words",
            cards=[
                make_card("acme.words", f"c{i}", title, triggers=[("app1", None)], priority=p)
                for i, (title, p) in enumerate(zip(titles * 2, [50] * 6 + [90] * 6, strict=True))
            ],
        )
        listing = Catalog(db)
        listing.install(pack)
        got = listing.listed(listing.listing_index().rowids(["app1"], 8))
        assert [c.priority for c in got] == [90] * 6 + [50] * 2
        top = [c.title for c in got[:6]]
        assert top == sorted(titles, key=str.lower)  # Python's case folding, not SQLite's ASCII
        assert listing.listing_index().rowids(["app2"], 8) == []
    finally:
        db.close()
