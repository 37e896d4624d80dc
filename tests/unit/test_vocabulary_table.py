"""The index's words kept beside it (migration 7): right after every install, update and
removal, built once for a database of the previous version, and what typo search reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store import db as store_db
from app.store import packinstall
from app.store.catalog import Catalog
from app.store.db import open_database, schema_version
from app.store.migrations import MIGRATIONS, SCHEMA_VERSION
from tests.unit.factories import make_card, make_pack


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    db, _ = open_database(tmp_path / "cuecards.db")
    yield Catalog(db)
    db.close()


def _pack(pack_id: str, version: str, *titles: str):
    cards = [make_card(pack_id, f"card-{i}", title) for i, title in enumerate(titles)]
    return make_pack(pack_id, version, cards)


def _stored(conn: sqlite3.Connection) -> tuple[list[tuple[str, int]], int]:
    terms = conn.execute("SELECT term, cards FROM vocabulary ORDER BY term").fetchall()
    return terms, conn.execute("SELECT cards FROM catalog_size").fetchone()[0]


def _from_index(conn: sqlite3.Connection) -> tuple[list[tuple[str, int]], int]:
    terms = conn.execute("SELECT term, doc FROM cards_fts_vocab ORDER BY term").fetchall()
    return terms, conn.execute("SELECT count(*) FROM cards").fetchone()[0]


def _titles(catalog: Catalog, query: str) -> list[str]:
    return [hit.title for hit in catalog.search(query)]


def test_install_update_and_remove_keep_the_vocabulary_equal_to_the_index(
    catalog: Catalog,
) -> None:
    conn = catalog._conn
    assert _stored(conn) == ([], 0)
    catalog.install(_pack("acme.finance", "1.0.0", "Refresh pivot tables", "Freeze panes"))
    catalog.install(_pack("acme.mail", "1.0.0", "Recall a message", "Refresh the inbox"))
    assert _stored(conn) == _from_index(conn)
    assert dict(_stored(conn)[0])["refresh"] == 2
    catalog.install(_pack("acme.finance", "2.0.0", "Consolidate workbooks"))
    assert _stored(conn) == _from_index(conn)
    words = dict(_stored(conn)[0])
    assert "pivot" not in words and words["consolidate"] == 1 and words["refresh"] == 1
    catalog.remove("acme.mail")
    assert _stored(conn) == _from_index(conn)
    assert "inbox" not in dict(_stored(conn)[0])
    catalog.remove("acme.finance")
    assert _stored(conn) == ([], 0)


def test_typo_search_follows_an_update_and_a_removal(catalog: Catalog) -> None:
    catalog.install(_pack("acme.finance", "1.0.0", "Refresh pivot tables"))
    assert _titles(catalog, "pivto") == ["Refresh pivot tables"]
    catalog.install(_pack("acme.finance", "1.1.0", "Consolidate workbooks"))
    assert _titles(catalog, "pivto") == []
    assert _titles(catalog, "consolidtae") == ["Consolidate workbooks"]
    catalog.remove("acme.finance")
    assert _titles(catalog, "consolidtae") == []


def test_a_failed_install_leaves_the_vocabulary_as_it_was(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.install(_pack("acme.finance", "1.0.0", "Refresh pivot tables"))
    before = _stored(catalog._conn)

    def failing(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM vocabulary")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(packinstall, "_refresh_vocabulary", failing)
    with pytest.raises(sqlite3.OperationalError):
        catalog.install(_pack("acme.finance", "2.0.0", "Consolidate workbooks"))
    assert _stored(catalog._conn) == before
    assert _titles(catalog, "pivto") == ["Refresh pivot tables"]


def test_a_database_of_the_previous_version_gets_its_vocabulary_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cuecards.db"
    previous = SCHEMA_VERSION - 1
    with monkeypatch.context() as old:
        # The previous Cuecards: four migrations, and installs that know no vocabulary.
        old.setattr(store_db, "MIGRATIONS", MIGRATIONS[:previous])
        old.setattr(store_db, "SCHEMA_VERSION", previous)
        old.setattr(packinstall, "_refresh_vocabulary", lambda conn: None)
        db, _ = open_database(path)
        assert schema_version(db) == previous
        catalog = Catalog(db)
        catalog.install(_pack("acme.finance", "1.0.0", "Refresh pivot tables", "Freeze panes"))
        catalog.install(_pack("acme.mail", "1.0.0", "Recall a message"))
        catalog.remove("acme.mail")
        assert "vocabulary" not in {
            name for (name,) in db.execute("SELECT name FROM sqlite_master")
        }
        db.close()
    db, notice = open_database(path)
    assert notice is None and schema_version(db) == SCHEMA_VERSION
    assert _stored(db.conn) == _from_index(db.conn)
    assert _stored(db.conn)[1] == 2
    assert _titles(Catalog(db), "pivto") == ["Refresh pivot tables"]
    db.close()
    db, _ = open_database(path)  # opening again applies nothing twice
    assert _stored(db.conn) == _from_index(db.conn)
    db.close()
