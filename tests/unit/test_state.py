"""The attention budget and per-card choices on a real SQLite file: they survive a restart,
a pack update, a pack removal and a damaged budget row; the window in front is never saved."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from app.core.context import Context
from app.core.pacing import Candidate, Pacer, PacingConfig, PacingState
from app.core.packs import load_pack
from app.store.catalog import Catalog
from app.store.db import open_database
from app.store.state import StateStore
from tests.unit.cuepack_helpers import copy_good

CONFIG = PacingConfig.defaults()


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _reopen(path: Path) -> StateStore:
    db, notice = open_database(path)
    assert notice is None
    return StateStore(db)


def test_a_fresh_database_has_no_saved_budget_until_the_first_save(tmp_path: Path) -> None:
    store = _reopen(tmp_path / "cuecards.db")
    assert not store.exists()
    state, notice = store.load()
    assert notice is None and state == PacingState()
    store.save(state)
    assert _reopen(tmp_path / "cuecards.db").exists()


def test_the_budget_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    clock = Clock()
    pacer = Pacer(CONFIG, clock=clock)
    pacer.on_context("excel", False, key="k1")
    clock.now += 5
    pacer.record_shown("acme.finance", "go-to-cell")
    pacer.mute_app("slack")
    pacer.snooze(clock.now + 3600)
    pacer.never_again("acme.finance", "pivot-refresh")
    _reopen(path).save(pacer.state)

    state, notice = _reopen(path).load()
    assert notice is None
    assert state.shown == [clock.now]
    assert state.card_shown == {("acme.finance", "go-to-cell"): clock.now}
    assert state.muted == {"slack"}
    assert state.snoozed_until == clock.now + 3600
    assert state.never == {("acme.finance", "pivot-refresh")}
    # The restored budget still binds: the hour already holds a popup and the gap is running.
    again = Pacer(CONFIG, state, clock=clock)
    again.on_context("excel", False, key="k2")
    clock.now += 60
    decision = again.decide([Candidate("acme.finance", "other-card", dwell=0)])
    assert decision.show is None and decision.code == "snoozed"


def test_the_window_in_front_is_never_written(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    title = "CANARY-7f3a9 Budget.xlsx"
    key = hashlib.blake2b(f"excel\0{title}".encode()).hexdigest()
    pacer = Pacer(CONFIG, clock=Clock())
    pacer.on_context("excel", True, key=key)
    store = _reopen(path)
    store.save(pacer.state)
    raw = store._conn.execute("SELECT state_json FROM pacing_state").fetchone()[0]
    saved = json.loads(raw)
    assert saved["context_key"] is None and saved["context_app"] is None
    assert saved["context_started"] is None and saved["context_shows"] == 0
    store._db.close()
    for file in tmp_path.iterdir():
        data = file.read_bytes()
        assert key.encode() not in data and b"CANARY" not in data


def test_dont_show_again_survives_a_pack_update_and_a_remove_and_reinstall(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cuecards.db"
    db, _ = open_database(path)
    catalog = Catalog(db)
    v1 = load_pack(copy_good(tmp_path / "a", version="1.4.0")).pack
    v2 = load_pack(copy_good(tmp_path / "b", version="1.5.0")).pack
    assert v1 is not None and v2 is not None
    catalog.install(v1)
    store = StateStore(db)
    state, _ = store.load()
    pacer = Pacer(CONFIG, state, clock=Clock())
    pacer.never_again("acme.finance", "go-to-cell")
    store.save(pacer.state)
    store.vote("acme.finance", "pivot-refresh", "helpful")

    assert catalog.install(v2).status == "updated"
    assert catalog.remove("acme.finance")
    catalog.install(v2)
    db.close()

    db, _ = open_database(path)
    store = StateStore(db)
    state, _ = store.load()
    assert ("acme.finance", "go-to-cell") in state.never
    assert store.votes() == {("acme.finance", "pivot-refresh"): 1}
    # The updated pack's card, matched afresh, is still never offered.
    match = Catalog(db).matcher().match
    found = [(m.pack, m.card) for m in match(Context(app="excel", title="Budget.xlsx"))]
    assert ("acme.finance", "go-to-cell") in found
    clock = Clock()
    pacer = Pacer(CONFIG, state, clock=clock)
    pacer.on_context("excel", False, key="k")
    clock.now += 60
    decision = pacer.decide([Candidate("acme.finance", "go-to-cell", dwell=0)])
    assert decision.show is None and decision.code == "never"
    db.close()


def test_taking_back_dont_show_again_is_saved_too(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    store = _reopen(path)
    state = PacingState(never={("p", "a"), ("p", "b")})
    store.save(state)
    state.never.discard(("p", "a"))
    store.save(state)
    assert _reopen(path).load()[0].never == {("p", "b")}
    assert _reopen(path).card("p", "a").never is False


def test_a_damaged_budget_starts_afresh_and_keeps_the_per_card_choices(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    store = _reopen(path)
    store.save(PacingState(muted={"excel"}, never={("p", "a")}))
    store._conn.execute('UPDATE pacing_state SET state_json = \'{"shown": "soon"}\'')
    store._conn.commit()
    state, notice = _reopen(path).load()
    assert notice is not None and "could not be read" in notice and "'shown'" in notice
    assert state.muted == set() and state.never == {("p", "a")}


def test_votes_and_last_shown_are_kept_per_card(tmp_path: Path) -> None:
    path = tmp_path / "cuecards.db"
    db, _ = open_database(path)
    clock = Clock()
    store = StateStore(db, clock=clock)
    store.mark_shown("p", "a")
    clock.now += 10
    store.vote("p", "a", "unhelpful")
    clock.now += 10
    store.vote("p", "b", "helpful")
    store.vote("p", "b", "none")
    db.close()
    store = _reopen(path)
    a = store.card("p", "a")
    assert a is not None and a.vote == -1 and not a.never
    assert a.last_shown is not None and a.last_shown.timestamp() == clock.now - 20
    assert a.voted_at is not None and a.voted_at.timestamp() == clock.now - 10
    assert store.votes() == {("p", "a"): -1}
    assert store.card("p", "zzz") is None
