"""Installing, updating, refusing and removing packs, on a real database file."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.context import Context
from app.store import packinstall as packinstall_module
from app.store.catalog import Catalog
from app.store.db import open_database
from app.store.packinstall import compare_versions
from tests.unit.factories import make_card, make_pack

EXCEL = {"excel": ["excel", "com.microsoft.excel", "libreoffice-calc"]}


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    db, _ = open_database(tmp_path / "cuecards.db")
    yield Catalog(db)
    db.close()


def _finance(version: str = "1.0.0", *, refresh_summary: str | None = None, **kwargs):
    cards = [
        make_card(
            "acme.finance",
            "pivot-refresh",
            "Refresh pivot tables",
            refresh_summary or "Ctrl+Alt+F5 refreshes every pivot table.",
            "Select a cell in the pivot, then press Alt+F5.",
            keywords=["pivot", "refresh"],
            skills=["excel.pivots"],
            triggers=[("excel", "(?i)pivot", 3.0), ("excel", None)],
            priority=70,
            owner="jane.doe@acme.example",
            reviewed=dt.date(2026, 9, 1),
            review_every="90d",
        ),
        make_card(
            "acme.finance",
            "vlookup",
            "Look up values with XLOOKUP",
            "XLOOKUP replaces VLOOKUP and looks left too.",
            triggers=[("excel", None)],
        ),
        make_card(
            "acme.finance",
            "close-checklist",
            "Month-end close checklist",
            "Draft: the steps of the close.",
            status="draft",
            triggers=[("excel", "(?i)close")],
        ),
    ]
    return make_pack(
        "acme.finance",
        version,
        cards,
        name="Finance essentials",
        apps=EXCEL,
        skills={"excel.pivots": "Pivot tables"},
        **kwargs,
    )


def _fts_is_consistent(catalog: Catalog) -> bool:
    """FTS5's own check that the index matches the cards table (raises when it does not)."""
    conn: sqlite3.Connection = catalog._conn
    conn.execute("INSERT INTO cards_fts(cards_fts, rank) VALUES ('integrity-check', 1)")
    conn.commit()
    return True


def test_install_then_list(catalog: Catalog) -> None:
    outcome = catalog.install(_finance())
    assert outcome.status == "installed"
    assert outcome.message == "installed Finance essentials 1.0.0 (3 cards, 1 draft)"
    [info] = catalog.packs()
    assert (info.id, info.name, info.version, info.publisher) == (
        "acme.finance",
        "Finance essentials",
        "1.0.0",
        "ACME Learning",
    )
    assert (info.card_count, info.draft_count, info.source) == (3, 1, "test")
    assert info.installed_at.tzinfo is not None
    assert abs(dt.datetime.now(dt.timezone.utc) - info.installed_at) < dt.timedelta(minutes=5)
    assert _fts_is_consistent(catalog)


def test_card_keeps_every_field(catalog: Catalog) -> None:
    catalog.install(_finance())
    card = catalog.card("acme.finance", "pivot-refresh")
    assert card is not None
    assert card.title == "Refresh pivot tables"
    assert card.body == "Select a cell in the pivot, then press Alt+F5."
    assert card.keywords == ("pivot", "refresh")
    assert card.skills == ("excel.pivots",)
    assert card.priority == 70
    assert card.owner == "jane.doe@acme.example"
    assert card.reviewed == dt.date(2026, 9, 1)
    assert card.review_every == 90 * 86400
    assert card.file == "cards/pivot-refresh.md"
    assert not card.draft
    assert [(t.app_ref, t.title_pattern, t.dwell) for t in card.triggers] == [
        ("excel", "(?i)pivot", 3.0),
        ("excel", None, None),
    ]
    assert catalog.card("acme.finance", "nope") is None
    assert catalog.card("other.pack", "pivot-refresh") is None


def test_same_version_and_digest_is_unchanged_and_writes_nothing(catalog: Catalog) -> None:
    pack = _finance()
    catalog.install(pack)
    [before] = catalog.packs()
    changes = catalog._conn.total_changes
    assert catalog.is_current(pack.id, pack.version, pack.digest)
    outcome = catalog.install(pack)
    assert outcome.status == "unchanged"
    assert outcome.message == "Finance essentials 1.0.0 is already installed"
    assert catalog._conn.total_changes == changes
    assert catalog.packs() == [before]


def test_is_current_needs_id_version_and_digest(catalog: Catalog) -> None:
    pack = _finance()
    catalog.install(pack)
    assert not catalog.is_current(pack.id, "1.0.1", pack.digest)
    assert not catalog.is_current(pack.id, pack.version, "other digest")
    assert not catalog.is_current("other.pack", pack.version, pack.digest)


def test_same_version_new_content_replaces_it(catalog: Catalog) -> None:
    catalog.install(_finance())
    changed = _finance(refresh_summary="Alt+F5 refreshes the selected pivot only.")
    outcome = catalog.install(changed)
    assert outcome.status == "updated"
    assert outcome.message == (
        "replaced Finance essentials 1.0.0: its content changed (3 cards, 1 draft)"
    )
    card = catalog.card("acme.finance", "pivot-refresh")
    assert card is not None and card.summary == "Alt+F5 refreshes the selected pivot only."
    assert catalog.is_current(changed.id, changed.version, changed.digest)
    assert _fts_is_consistent(catalog)


def test_newer_version_replaces_every_row(catalog: Catalog) -> None:
    catalog.install(_finance())
    newer = make_pack(
        "acme.finance",
        "1.1.0",
        [
            make_card(
                "acme.finance", "power-query", "Power Query basics", triggers=[("excel", None)]
            )
        ],
        name="Finance essentials",
        apps={"excel": ["excel"]},
    )
    outcome = catalog.install(newer)
    assert outcome.status == "updated"
    assert outcome.message == "updated Finance essentials from 1.0.0 to 1.1.0 (1 card)"
    assert outcome.previous_version == "1.0.0"
    assert [c.id for c in catalog.cards(include_drafts=True)] == ["power-query"]
    assert catalog.search("pivot") == []
    assert [h.card for h in catalog.search("power")] == ["power-query"]
    assert catalog.aliases() == {"excel": ("excel",)}
    assert catalog._conn.execute("SELECT count(*) FROM triggers").fetchone()[0] == 1
    assert _fts_is_consistent(catalog)


def test_older_version_is_refused_and_changes_nothing(catalog: Catalog) -> None:
    catalog.install(_finance("1.2.0"))
    outcome = catalog.install(_finance("1.1.9"))
    assert outcome.status == "refused"
    assert "installed 1.2.0 is newer; remove it first" in outcome.message
    assert "cuecards pack remove acme.finance" in outcome.message
    assert [p.version for p in catalog.packs()] == ["1.2.0"]


def test_versions_compare_as_semver_not_as_text() -> None:
    assert compare_versions("1.10.0", "1.9.0") == 1
    assert compare_versions("2.0.0", "10.0.0") == -1
    assert compare_versions("1.0.0-beta", "1.0.0") == -1
    assert compare_versions("1.0.0-alpha", "1.0.0-alpha.1") == -1
    assert compare_versions("1.0.0-alpha.2", "1.0.0-alpha.10") == -1
    assert compare_versions("1.0.0-alpha.10", "1.0.0-beta") == -1
    assert compare_versions("1.0.0-2", "1.0.0-rc") == -1
    assert compare_versions("1.0.0+build.7", "1.0.0") == 0


def test_update_to_10_from_9_is_an_update(catalog: Catalog) -> None:
    catalog.install(_finance("1.9.0"))
    assert catalog.install(_finance("1.10.0")).status == "updated"


def test_remove(catalog: Catalog) -> None:
    catalog.install(_finance())
    assert catalog.remove("acme.finance") is True
    assert catalog.packs() == []
    assert catalog.card("acme.finance", "pivot-refresh") is None
    assert catalog.search("pivot") == []
    assert catalog.aliases() == {}
    assert catalog.matcher().match(Context(app="excel", title="Pivot")) == []
    for table in ("apps", "skills", "cards", "triggers"):
        assert catalog._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
    assert _fts_is_consistent(catalog)
    assert catalog.remove("acme.finance") is False


def test_a_failed_update_leaves_the_old_version_intact(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.install(_finance())
    real_rows = packinstall_module._trigger_rows

    def failing_rows(pack, rowids):
        for number, row in enumerate(real_rows(pack, rowids)):
            if number == 1:
                raise OSError("disk went away half-way")
            yield row

    monkeypatch.setattr(packinstall_module, "_trigger_rows", failing_rows)
    newer = _finance("2.0.0", refresh_summary="New text that must not appear.")
    with pytest.raises(OSError, match="half-way"):
        catalog.install(newer)
    monkeypatch.undo()

    assert [p.version for p in catalog.packs()] == ["1.0.0"]
    card = catalog.card("acme.finance", "pivot-refresh")
    assert card is not None and card.summary == "Ctrl+Alt+F5 refreshes every pivot table."
    assert [h.card for h in catalog.search("refreshes")] == ["pivot-refresh"]
    assert catalog.search("appear") == []
    matches = catalog.matcher().match(Context(app="excel", title="Pivot"))
    assert [m.card for m in matches] == ["pivot-refresh", "vlookup"]
    assert _fts_is_consistent(catalog)
    assert catalog.install(newer).status == "updated"


def test_drafts_are_stored_but_not_shown_by_default(catalog: Catalog) -> None:
    catalog.install(_finance())
    draft = catalog.card("acme.finance", "close-checklist")
    assert draft is not None and draft.draft
    assert [c.id for c in catalog.cards()] == ["pivot-refresh", "vlookup"]
    assert [c.id for c in catalog.cards(include_drafts=True)] == [
        "close-checklist",
        "pivot-refresh",
        "vlookup",
    ]
    assert catalog.search("checklist") == []
    assert [h.card for h in catalog.search("checklist", include_drafts=True)] == ["close-checklist"]
    month_end = Context(app="excel", title="Close - Month end.xlsx")
    assert "close-checklist" not in [m.card for m in catalog.matcher().match(month_end)]
    assert [m.card for m in catalog.matcher(include_drafts=True).match(month_end)][0] == (
        "close-checklist"
    )


def test_cards_of_one_pack(catalog: Catalog) -> None:
    catalog.install(_finance())
    catalog.install(make_pack("acme.it", cards=[make_card("acme.it", "vpn", "Connect to VPN")]))
    assert [c.id for c in catalog.cards("acme.it")] == ["vpn"]
    assert [c.pack for c in catalog.cards()] == ["acme.finance", "acme.finance", "acme.it"]


def test_aliases_are_merged_across_packs(catalog: Catalog) -> None:
    catalog.install(_finance())
    catalog.install(
        make_pack(
            "acme.sheets",
            cards=[make_card("acme.sheets", "sum", "Quick sum")],
            apps={"excel": ["gnumeric"], "browser": ["firefox"]},
        )
    )
    assert catalog.aliases() == {
        "browser": ("firefox",),
        "excel": ("com.microsoft.excel", "excel", "gnumeric", "libreoffice-calc"),
    }


def test_another_connection_sees_installs_and_removals(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    tray_db, _ = open_database(path)
    cli_db, _ = open_database(path)
    tray, cli = Catalog(tray_db), Catalog(cli_db)
    assert tray.search("pivot") == []
    cli.install(_finance())
    assert [h.card for h in tray.search("pivot")] == ["pivot-refresh"]
    assert tray.aliases() == {"excel": ("com.microsoft.excel", "excel", "libreoffice-calc")}
    cli.remove("acme.finance")
    assert tray.search("pivot") == []


def test_a_listing_without_bodies_has_everything_else(tmp_path: Path) -> None:
    catalog = Catalog(open_database(tmp_path / "c.db")[0])
    cards = [
        make_card(
            "acme.finance",
            "pivot",
            "Pivots",
            "Alt+F5",
            "Select a cell.",
            triggers=[("excel", None)],
        ),
        make_card("acme.finance", "sum", "AutoSum", "Alt+=", "Press it.", reviewed="2026-01-01"),
    ]
    catalog.install(make_pack(cards=cards))
    full = catalog.cards()
    listed = catalog.cards(with_body=False)
    assert [c.id for c in listed] == [c.id for c in full] and all(c.body == "" for c in listed)
    assert any(c.body for c in full)
    assert [(c.title, c.summary, c.triggers, c.reviewed) for c in listed] == [
        (c.title, c.summary, c.triggers, c.reviewed) for c in full
    ]
