"""The person's state (muted, don't-show-again, votes, history) follows (pack id, card id)
across pack versions: catalog updates never delete anything outside the catalog's tables.

An update deletes the pack's catalog rows and inserts the new ones (with new card rowids), so
state must be keyed by (pack_id, card_id) text and never reference the catalog by foreign key
or be touched by its triggers. The schema checks below fail if a later migration does that.
"""

from __future__ import annotations

from pathlib import Path

from app.core.packs import load_pack
from app.store.catalog import Catalog
from app.store.db import open_database
from tests.unit.cuepack_helpers import copy_good

CATALOG = {"packs", "apps", "skills", "cards", "triggers"}


def _tables(db) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]


def test_no_table_outside_the_catalog_references_it_by_foreign_key(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "cuecards.db")
    offenders = [
        f"{table} -> {fk[2]}"
        for table in _tables(db)
        if table not in CATALOG
        for fk in db.execute(f"PRAGMA foreign_key_list('{table}')").fetchall()
        if fk[2] in CATALOG
    ]
    db.close()
    assert offenders == []


def test_no_trigger_on_the_catalog_writes_elsewhere(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "cuecards.db")
    triggers = db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
    others = [name for name, table in triggers if table in CATALOG]
    db.close()
    assert [name for name in others if not name.startswith("cards_fts_")] == []


def test_rows_keyed_by_pack_and_card_survive_update_remove_and_reinstall(tmp_path: Path) -> None:
    db, _ = open_database(tmp_path / "cuecards.db")
    db.execute(
        "INSERT INTO card_state (pack_id, card_id, never, vote) "
        "VALUES ('acme.finance', 'go-to-cell', 1, -1)"
    )
    db.conn.commit()
    catalog = Catalog(db)
    v1 = load_pack(copy_good(tmp_path / "a", version="1.4.0")).pack
    v2 = load_pack(copy_good(tmp_path / "b", version="1.5.0")).pack
    assert v1 is not None and v2 is not None

    catalog.install(v1)
    before = catalog.card("acme.finance", "go-to-cell")
    assert catalog.install(v2).status == "updated"
    assert catalog.remove("acme.finance")
    catalog.install(v2)

    assert db.execute("SELECT pack_id, card_id, never, vote FROM card_state").fetchall() == [
        ("acme.finance", "go-to-cell", 1, -1)
    ]
    after = catalog.card("acme.finance", "go-to-cell")
    assert before is not None and after is not None and after.title == before.title
    db.close()
