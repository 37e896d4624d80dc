"""Syncing packs from a real HTTPS server and folders into a real catalog database."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.core.schedule import first_delay, next_delay
from app.settings import Policy, Settings
from app.store.catalog import Catalog
from app.store.db import open_database
from app.store.syncstate import SyncState
from app.sync.cuepack import build_cuepack, manifest_json, write_zip
from app.sync.signing import generate_key, public_key_text, sign_cuepack
from app.sync.sources import HttpClient
from app.sync.syncer import Syncer
from tests.unit.conftest import Tls, requests_to, serve_folder
from tests.unit.cuepack_helpers import copy_good, read_entry, rewrite_zip, set_version

KEY = generate_key()
OTHER_KEY = generate_key()


@dataclass
class World:
    """A data dir with a catalog, a served folder and a syncer whose settings tests can change."""

    tmp: Path
    data: Path
    served: Path
    server: HTTPServer
    tls: Tls
    locked: dict
    catalog: Catalog | None = None
    syncer: Syncer | None = None

    def url(self, name: str) -> str:
        return self.server.url_for(f"/{name}")

    def sync(self, *sources: str, timeout: float = 5.0):
        self.locked["packs.sources"] = list(sources)
        settings = Settings(self.data, Policy(self.tmp / "policy.toml", dict(self.locked), {}))
        db, _ = open_database(self.data / "cuecards.db")
        self.catalog = Catalog(db)
        self.syncer = Syncer(
            settings=settings,
            catalog=self.catalog,
            db=db,
            data_dir=self.data,
            client=HttpClient(timeout=timeout, ssl_context=self.tls.client),
        )
        try:
            return self.syncer.sync_all()
        finally:
            self.installed = {p.id: p for p in self.catalog.packs()}
            self.state = SyncState(db).results()
            db.close()

    def publish(
        self,
        version: str,
        *,
        key=KEY,
        name: str | None = None,
        publisher: str | None = None,
        edit=None,
    ) -> Path:
        """Build (and sign with `key`, unless None) the good pack at `version` into served/."""
        folder = copy_good(self.tmp / f"src-{version}-{time.monotonic_ns()}", version=version)
        if publisher:
            text = (folder / "pack.yaml").read_text(encoding="utf-8")
            (folder / "pack.yaml").write_text(
                text.replace("publisher: ACME Learning", f"publisher: {publisher}"),
                encoding="utf-8",
            )
        if edit:
            edit(folder)
        out = self.served / (name or f"acme-finance-{version}.cuepack")
        build_cuepack(folder, out)
        if key is not None:
            sign_cuepack(out, key)
        return out

    def index(self, *entries: tuple[str, str]) -> str:
        packs = [
            {"url": f"acme-finance-{v}.cuepack", "id": pid, "version": v} for pid, v in entries
        ]
        (self.served / "index.json").write_text(json.dumps({"format": 1, "packs": packs}))
        return self.url("index.json")


@pytest.fixture()
def world(tmp_path: Path, https_server: HTTPServer, tls: Tls) -> Iterator[World]:
    served = tmp_path / "served"
    served.mkdir()
    serve_folder(https_server, served)
    locked = {"packs.trusted_keys": [public_key_text(KEY)], "packs.require_signatures": True}
    yield World(tmp_path, tmp_path / "data", served, https_server, tls, locked)


def statuses(results) -> list[tuple[str, str]]:
    return [(r.status, r.message) for r in results]


def test_a_cuepack_url_installs_then_costs_one_conditional_request(world: World) -> None:
    world.publish("1.4.0", name="finance.cuepack")
    url = world.url("finance.cuepack")

    (first,) = world.sync(url)
    assert (first.status, first.requests) == ("updated", 1)
    assert first.message == "installed Finance essentials 1.4.0 (3 cards, 1 draft)"
    assert world.installed["acme.finance"].version == "1.4.0"
    stored = Path(world.installed["acme.finance"].source)
    assert stored == world.data / "packs" / "acme.finance-1.4.0.cuepack" and stored.is_file()

    world.server.clear_log()
    (second,) = world.sync(url)
    assert (second.status, second.message, second.requests) == (
        "unchanged",
        "not modified since the last check",
        1,
    )
    (request,) = requests_to(world.server, "/finance.cuepack")
    assert request.headers.get("If-None-Match")


def test_an_index_moves_forward_and_an_unchanged_index_is_one_request(world: World) -> None:
    world.publish("1.4.0")
    url = world.index(("acme.finance", "1.4.0"))
    (first,) = world.sync(url)
    assert first.status == "updated"

    world.publish("1.5.0")
    world.index(("acme.finance", "1.4.0"), ("acme.finance", "1.5.0"))
    world.server.clear_log()
    (second,) = world.sync(url)
    assert statuses([second]) == [
        ("updated", "updated Finance essentials from 1.4.0 to 1.5.0 (3 cards, 1 draft)")
    ]
    assert [r.path for r, _ in world.server.log] == ["/index.json", "/acme-finance-1.5.0.cuepack"]
    assert sorted(p.name for p in (world.data / "packs").glob("*.cuepack")) == [
        "acme.finance-1.4.0.cuepack",
        "acme.finance-1.5.0.cuepack",
    ]  # the old file goes once it has settled (another process may still read it)

    world.server.clear_log()
    (third,) = world.sync(url)
    assert (third.status, third.requests) == ("unchanged", 1)
    assert requests_to(world.server, "/index.json")[0].headers.get("If-None-Match")


def test_an_index_listing_the_installed_version_downloads_nothing(world: World) -> None:
    world.publish("1.4.0")
    url = world.index(("acme.finance", "1.4.0"))
    world.sync(url)
    (world.served / "index.json").write_text(
        (world.served / "index.json").read_text() + "\n"
    )  # new bytes, new ETag, same listing
    world.server.clear_log()

    (result,) = world.sync(url)
    assert statuses([result]) == [("unchanged", "nothing new: acme.finance 1.4.0")]
    assert [r.path for r, _ in world.server.log] == ["/index.json"]


def test_a_downgrade_is_refused_and_the_installed_version_kept(world: World) -> None:
    world.publish("1.4.0")
    world.publish("1.3.0")
    world.sync(world.index(("acme.finance", "1.4.0")))

    (result,) = world.sync(world.index(("acme.finance", "1.3.0")))

    assert statuses([result]) == [
        (
            "error",
            "acme.finance 1.3.0 refused: 1.3.0 is older than the installed 1.4.0: packs only "
            "move forward (publish a higher version to roll back); kept acme.finance 1.4.0",
        )
    ]
    assert world.installed["acme.finance"].version == "1.4.0"


def test_a_tampered_update_names_the_file_and_the_last_good_stays(world: World) -> None:
    world.publish("1.4.0", name="finance.cuepack")
    url = world.url("finance.cuepack")
    world.sync(url)
    tampered = world.publish("1.5.0", name="finance.cuepack")
    card = read_entry(tampered, "cards/go-to-cell.md").replace(b"Ctrl+G", b"Ctrl+Q")
    rewrite_zip(tampered, {"cards/go-to-cell.md": card})

    (result,) = world.sync(url)

    assert result.status == "error"
    assert result.message == (
        "acme.finance 1.5.0 refused: cards/go-to-cell.md: changed after the pack was built: its "
        "SHA-256 does not match MANIFEST.json. Fix: rebuild the pack from its folder with "
        "`cuecards pack build` and sign it again; kept acme.finance 1.4.0"
    )
    assert world.installed["acme.finance"].version == "1.4.0"
    assert [p.name for p in (world.data / "packs").glob("*.cuepack")] == [
        "acme.finance-1.4.0.cuepack"
    ]
    assert list((world.data / "packs" / ".incoming").iterdir()) == []
    assert world.state[0].message == result.message  # stored for doctor and the Packs window

    world.server.clear_log()
    world.sync(url)  # refused answers are not cached: the next sync fetches in full
    assert "If-None-Match" not in requests_to(world.server, "/finance.cuepack")[0].headers


def test_unsigned_packs_are_refused_when_the_policy_requires_signatures(world: World) -> None:
    world.publish("1.4.0", key=None, name="finance.cuepack")

    (result,) = world.sync(world.url("finance.cuepack"))

    assert result.message == (
        "acme.finance 1.4.0 refused: SIGNATURE: the pack is not signed, and this computer's "
        "policy (packs.require_signatures) accepts only packs signed by a trusted key. Fix: sign "
        "it with: cuecards pack sign FILE.cuepack --key KEYFILE"
    )
    assert world.installed == {}


def test_a_pack_signed_by_an_untrusted_key_is_refused(world: World) -> None:
    world.publish("1.4.0", key=OTHER_KEY, name="finance.cuepack")

    (result,) = world.sync(world.url("finance.cuepack"))

    assert result.status == "error"
    assert f"signed by key {public_key_text(OTHER_KEY)}, which is not in" in result.message
    assert world.installed == {}


def test_another_publisher_cannot_take_over_a_pack_id(world: World) -> None:
    world.locked["packs.trusted_keys"] = [public_key_text(KEY), public_key_text(OTHER_KEY)]
    world.publish("1.4.0")
    world.sync(world.index(("acme.finance", "1.4.0")))
    world.publish("1.5.0", key=OTHER_KEY, publisher="Evil Corp")

    (result,) = world.sync(world.index(("acme.finance", "1.5.0")))

    assert result.message == (
        "acme.finance 1.5.0 refused: pack.yaml: id: the pack id 'acme.finance' is already "
        "installed from publisher 'ACME Learning'; this pack is from 'Evil Corp'. Fix: a pack id "
        "belongs to one publisher: ask this publisher to use an id of its own (e.g. starting "
        "with the organisation's name); kept acme.finance 1.4.0"
    )

    world.publish("1.6.0", key=OTHER_KEY)  # same publisher name, another trusted key
    (result,) = world.sync(world.index(("acme.finance", "1.6.0")))
    assert result.message.startswith(
        "acme.finance 1.6.0 refused: SIGNATURE: 'acme.finance' from 'ACME Learning' was "
        f"installed signed by key {public_key_text(KEY)}; this one is by key "
        f"{public_key_text(OTHER_KEY)}"
    )
    assert world.installed["acme.finance"].version == "1.4.0"


@pytest.mark.parametrize(
    ("status", "says"),
    [(404, "answered 404 NOT FOUND"), (500, "answered 500 INTERNAL SERVER ERROR")],
)
def test_a_failing_server_keeps_the_last_good_version(world: World, status: int, says: str) -> None:
    world.publish("1.4.0")
    url = world.index(("acme.finance", "1.4.0"))
    world.sync(url)
    good_at = world.state[0].ok_at
    world.server.clear()
    world.server.expect_request("/index.json").respond_with_data("down", status=status)

    (result,) = world.sync(url)

    assert result.status == "error" and says in result.message
    assert result.message.endswith("; kept acme.finance 1.4.0")
    assert result.ok_at == good_at is not None
    assert world.installed["acme.finance"].version == "1.4.0"


def test_a_stalled_server_times_out_and_keeps_the_last_good_version(world: World) -> None:
    world.publish("1.4.0")
    url = world.index(("acme.finance", "1.4.0"))
    world.sync(url)
    world.server.clear()

    def stall(request: Request) -> Response:
        time.sleep(1.5)
        return Response("late")

    world.server.expect_request("/index.json").respond_with_handler(stall)
    (result,) = world.sync(url, timeout=0.3)

    assert result.message == (
        f"{url}: no answer within 0.3 s; it is tried again later; kept acme.finance 1.4.0"
    )
    assert world.installed["acme.finance"].version == "1.4.0"


def test_a_folder_source_installs_cuepacks_and_pack_folders(world: World, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    world.publish("1.4.0", name="finance.cuepack")
    (world.served / "finance.cuepack").rename(shared / "finance.cuepack")
    hr = copy_good(shared, name="hr")
    text = (hr / "pack.yaml").read_text(encoding="utf-8").replace("acme.finance", "acme.hr")
    (hr / "pack.yaml").write_text(text, encoding="utf-8")

    (result,) = world.sync(str(shared))
    assert [(p.pack, p.status) for p in result.packs] == [
        ("acme.finance", "installed"),
        ("acme.hr", "refused"),
    ]
    assert "a pack folder cannot be signed" in result.packs[1].message

    world.locked["packs.require_signatures"] = False
    (result,) = world.sync(str(shared))
    assert [(p.pack, p.status) for p in result.packs] == [
        ("acme.finance", "unchanged"),
        ("acme.hr", "installed"),
    ]
    (again,) = world.sync(str(shared))
    assert again.status == "unchanged"

    set_version(hr, "1.5.0")
    (update,) = world.sync(str(shared))
    assert [(p.pack, p.status) for p in update.packs] == [
        ("acme.finance", "unchanged"),
        ("acme.hr", "updated"),
    ]


@pytest.mark.parametrize(
    ("hostile", "says"),
    [
        ({"../evil.md": b"x"}, "../evil.md: unsafe path in the zip"),
        ({"/etc/evil.md": b"x"}, "/etc/evil.md: unsafe path in the zip: absolute paths"),
        ({"media/big.png": b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024)}, "zip bomb"),
    ],
)
def test_hostile_zips_are_refused_with_nothing_left_behind(
    world: World, hostile: dict, says: str
) -> None:
    world.locked["packs.require_signatures"] = False
    pack = world.publish("1.4.0", key=None, name="finance.cuepack")
    rewrite_zip(pack, hostile)

    (result,) = world.sync(world.url("finance.cuepack"))

    assert result.status == "error" and says in result.message
    assert world.installed == {}
    assert list((world.data / "packs").glob("*.cuepack")) == []
    assert list((world.data / "packs" / ".incoming").iterdir()) == []


def test_one_bad_card_refuses_the_whole_version(world: World) -> None:
    world.publish("1.4.0")
    url = world.index(("acme.finance", "1.4.0"))
    world.sync(url)

    # `pack build` refuses such a pack, so the attacker writes the zip and manifest by hand
    folder = copy_good(world.tmp / "bad", version="1.5.0")
    card = folder / "cards" / "go-to-cell.md"
    card.write_text(card.read_text(encoding="utf-8") + "\n<script>alert(1)</script>\n")
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    files["MANIFEST.json"] = manifest_json("acme.finance", "1.5.0", hashes)
    out = world.served / "acme-finance-1.5.0.cuepack"
    write_zip(out, files)
    sign_cuepack(out, KEY)
    world.index(("acme.finance", "1.5.0"))

    (result,) = world.sync(url)

    assert result.status == "error"
    assert result.message.startswith(
        "acme.finance 1.5.0 refused: cards/go-to-cell.md:11: scripts and embedded content are "
        "not allowed: '<script>alert(1)</script>'."
    )
    assert result.message.endswith("; kept acme.finance 1.4.0")
    assert world.installed["acme.finance"].version == "1.4.0"
    assert world.installed["acme.finance"].card_count == 3


def test_state_keyed_by_pack_and_card_survives_updates(world: World) -> None:
    """Item 4: the person's per-card state lives in tables the catalog never deletes from."""
    world.locked["packs.require_signatures"] = False
    db, _ = open_database(world.data / "cuecards.db")
    db.execute(
        "CREATE TABLE person_card_state (pack_id TEXT, card_id TEXT, muted INTEGER, "
        "PRIMARY KEY (pack_id, card_id))"
    )
    db.execute("INSERT INTO person_card_state VALUES ('acme.finance', 'go-to-cell', 1)")
    db.conn.commit()
    db.close()
    world.publish("1.4.0")
    world.publish("1.5.0")

    world.sync(world.index(("acme.finance", "1.4.0")))
    world.sync(world.index(("acme.finance", "1.5.0")))

    conn = sqlite3.connect(world.data / "cuecards.db")
    assert conn.execute("SELECT * FROM person_card_state").fetchall() == [
        ("acme.finance", "go-to-cell", 1)
    ]
    conn.close()
    assert world.installed["acme.finance"].version == "1.5.0"


def test_the_next_sync_is_a_few_hours_away_with_jitter() -> None:
    rng = random.Random(7)
    delays = [next_delay(6, rng) for _ in range(200)]
    assert 6 * 3600 * 0.9 <= min(delays) < max(delays) <= 6 * 3600 * 1.1
    assert len({round(d) for d in delays}) > 150
    assert 0 <= first_delay(rng) <= 60
