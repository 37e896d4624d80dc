"""Which cards fit the window in front, in which order, and why."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.context import Context
from app.core.matcher import SET_CHUNK, Matcher, TriggerEntry
from app.core.patterns import compile_re2
from app.store.catalog import Catalog
from app.store.db import open_database
from tests.unit.factories import make_card, make_pack

EXCEL = {"excel": ["excel", "com.microsoft.excel", "libreoffice-calc"]}


def entry(
    card: str,
    app: str,
    pattern: str | None = None,
    *,
    priority: int = 50,
    pack: str = "acme.finance",
    index: int = 0,
    dwell: float | None = None,
) -> TriggerEntry:
    return TriggerEntry(
        pack=pack,
        card=card,
        title=f"Title of {card}",
        summary=f"Summary of {card}",
        priority=priority,
        app_ref=app,
        title_pattern=pattern,
        dwell=dwell,
        trigger_index=index,
    )


def cards(matches) -> list[str]:
    return [m.card for m in matches]


def test_an_alias_matches_every_app_id_it_names() -> None:
    matcher = Matcher([entry("pivot", "excel")], EXCEL)
    for app in ("excel", "com.microsoft.excel", "libreoffice-calc", "LibreOffice-Calc"):
        assert cards(matcher.match(Context(app=app, title="Book1"))) == ["pivot"], app
    assert matcher.match(Context(app="gnumeric", title="Book1")) == []


def test_a_raw_app_id_matches_itself_only() -> None:
    matcher = Matcher([entry("tabs", "firefox")], EXCEL)
    assert cards(matcher.match(Context(app="Firefox", title="New tab"))) == ["tabs"]
    assert matcher.match(Context(app="excel", title="New tab")) == []


def test_aliases_from_another_pack_apply(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "cuecards.db")
    catalog = Catalog(db)
    catalog.install(make_pack("acme.aliases", cards=[], apps=EXCEL))
    catalog.install(
        make_pack(
            "acme.tips",
            cards=[make_card("acme.tips", "sum", "Quick sum", triggers=[("excel", "(?i)budget")])],
        )
    )
    [match] = catalog.matcher().match(Context(app="libreoffice-calc", title="Budget.ods"))
    assert (match.pack, match.card) == ("acme.tips", "sum")
    assert match.reasons == [
        "app 'libreoffice-calc' is alias 'excel' (trigger 1)",
        "title matches '(?i)budget'",
        "priority 50",
    ]
    db.close()


def test_a_title_pattern_must_match() -> None:
    matcher = Matcher([entry("pivot", "excel", "(?i)pivot|\\.xlsx$")], EXCEL)
    assert cards(matcher.match(Context(app="excel", title="Q3 PIVOT summary"))) == ["pivot"]
    assert cards(matcher.match(Context(app="excel", title="Budget.xlsx"))) == ["pivot"]
    assert matcher.match(Context(app="excel", title="Budget.xlsx - backup")) == []
    assert matcher.match(Context(app="excel", title="")) == []


def test_title_match_beats_priority_then_priority_then_ids() -> None:
    matcher = Matcher(
        [
            entry("app-only-high", "excel", priority=100),
            entry("titled-low", "excel", "(?i)budget", priority=5),
            entry("titled-high", "excel", "(?i)budget", priority=80),
            entry("b-tie", "excel", priority=40),
            entry("a-tie", "excel", priority=40),
            entry("a-tie", "excel", priority=40, pack="acme.zeta"),
        ],
        EXCEL,
    )
    matches = matcher.match(Context(app="excel", title="Budget 2026"))
    assert [(m.pack, m.card) for m in matches] == [
        ("acme.finance", "titled-high"),
        ("acme.finance", "titled-low"),
        ("acme.finance", "app-only-high"),
        ("acme.finance", "a-tie"),
        ("acme.finance", "b-tie"),
        ("acme.zeta", "a-tie"),
    ]
    scores = [m.score for m in matches]
    assert scores == sorted(scores, reverse=True)
    assert scores[1] > scores[2]


def test_reasons_are_plain_words() -> None:
    matcher = Matcher(
        [entry("pivot", "excel", "(?i)pivot", priority=70, index=1), entry("tabs", "firefox")],
        EXCEL,
    )
    [pivot] = matcher.match(Context(app="libreoffice-calc", title="Pivot"))
    assert pivot.reasons == [
        "app 'libreoffice-calc' is alias 'excel' (trigger 2)",
        "title matches '(?i)pivot'",
        "priority 70",
    ]
    [tabs] = matcher.match(Context(app="firefox", title="anything"))
    assert tabs.reasons == ["app 'firefox' (trigger 1)", "priority 50"]


def test_one_result_per_card_from_its_best_trigger() -> None:
    matcher = Matcher(
        [
            entry("pivot", "excel", None, index=0, dwell=5.0),
            entry("pivot", "excel", "(?i)pivot", index=1, dwell=1.5),
            entry("pivot", "libreoffice-calc", "(?i)pivot", index=2),
        ],
        EXCEL,
    )
    [match] = matcher.match(Context(app="libreoffice-calc", title="Pivot report"))
    assert match.dwell == 1.5
    assert match.reasons[0] == "app 'libreoffice-calc' is alias 'excel' (trigger 2)"
    [fallback] = matcher.match(Context(app="excel", title="Budget"))
    assert fallback.dwell == 5.0
    assert fallback.reasons == ["app 'excel' is alias 'excel' (trigger 1)", "priority 50"]


def test_triggers_for_other_apps_never_fire() -> None:
    others = [entry(f"other-{i}", f"app{i}", "(?i)budget") for i in range(500)]
    matcher = Matcher([*others, entry("mine", "excel", "(?i)budget")], EXCEL)
    assert cards(matcher.match(Context(app="excel", title="Budget"))) == ["mine"]
    assert matcher.match(Context(app="unknown-app", title="Budget")) == []


def test_limit() -> None:
    matcher = Matcher([entry(f"card-{i:02d}", "excel", priority=i) for i in range(30)], EXCEL)
    matches = matcher.match(Context(app="excel", title="x"), limit=3)
    assert cards(matches) == ["card-29", "card-28", "card-27"]
    assert matcher.match(Context(app="excel", title="x"), limit=0) == []
    assert len(matcher) == 30


def test_many_distinct_patterns_for_one_app() -> None:
    count = SET_CHUNK * 2 + 7
    matcher = Matcher(
        [entry(f"card-{i:04d}", "excel", f"(?i)\\bticket-{i}\\b") for i in range(count)], EXCEL
    )
    for i in (0, SET_CHUNK - 1, SET_CHUNK, count - 1):
        found = matcher.match(Context(app="excel", title=f"Ticket-{i} - Excel"))
        assert cards(found) == [f"card-{i:04d}"], i


def test_a_pattern_re2_rejects_never_matches_and_spoils_nothing() -> None:
    matcher = Matcher(
        [entry("broken", "excel", "(?i)pivot("), entry("fine", "excel", "pivot")], EXCEL
    )
    assert cards(matcher.match(Context(app="excel", title="pivot( table"))) == ["fine"]


def test_catalog_matcher_uses_stored_triggers(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "cuecards.db")
    catalog = Catalog(db)
    catalog.install(
        make_pack(
            "acme.finance",
            cards=[
                make_card("acme.finance", "pivot", "Pivot", triggers=[("excel", "(?i)pivot", 3)]),
                make_card("acme.finance", "sum", "Sum", priority=90, triggers=[("excel", None)]),
            ],
            apps=EXCEL,
        )
    )
    matches = catalog.matcher().match(Context(app="com.microsoft.excel", title="Pivot.xlsx"))
    assert [(m.card, m.dwell, m.priority) for m in matches] == [
        ("pivot", 3.0, 50),
        ("sum", None, 90),
    ]
    db.close()


PATTERNS = ["(?i)pivot", "budget", "^Q[1-4]", "\\.xlsx$", "(?i)report|chart", "x+y"]
FRAGMENTS = ["pivot", "PIVOT", "budget", "Q3", "Q", ".xlsx", "report", "chart", "xxy", " ", "-"]
TITLES = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)


@settings(max_examples=200, deadline=None)
@given(
    specs=st.lists(
        st.tuples(
            st.integers(0, 8),
            st.sampled_from(["excel", "firefox", "libreoffice-calc"]),
            st.none() | st.sampled_from(PATTERNS),
            st.integers(0, 100),
        ),
        max_size=25,
    ),
    app=st.sampled_from(["excel", "libreoffice-calc", "firefox", "gnumeric"]),
    title=TITLES,
)
def test_matches_what_a_plain_loop_over_every_trigger_finds(specs, app, title) -> None:
    priorities: dict[str, int] = {}
    entries = []
    for number, (card, app_ref, pattern, priority) in enumerate(specs):
        name = f"card-{card}"
        priorities.setdefault(name, priority)
        entries.append(entry(name, app_ref, pattern, priority=priorities[name], index=number))
    expected: dict[str, bool] = {}
    for e in entries:
        if app not in EXCEL.get(e.app_ref, [e.app_ref]):
            continue
        if e.title_pattern is None:
            expected[e.card] = expected.get(e.card, False)
        elif compile_re2(e.title_pattern).search(title):
            expected[e.card] = True
    ranked = sorted(expected, key=lambda c: (not expected[c], -priorities[c], c))
    assert cards(Matcher(entries, EXCEL).match(Context(app=app, title=title), limit=50)) == ranked
