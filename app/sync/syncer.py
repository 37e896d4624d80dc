"""One pack sync over every `packs.sources` entry: forward-only, verified, atomic, last good kept.

For each pack a source offers: the version must move forward (an index is believed first,
so an unchanged source downloads nothing); the file is staged in `<data>/packs/.incoming/`;
its contents, signature and trusted key are checked under the policy; its id must belong to
the same publisher and key as the installed one; every card must load. Only then does it move
to `<data>/packs/<id>-<version>.cuepack` and replace the old version in the catalog in one
transaction. Any failure leaves the installed version as it was and says why; the result of
each source is stored (`SyncState`) for `cuecards doctor` and the tray's Packs window.

Qt-free and blocking: `cuecards pack sync` runs one sync now. The running app runs that
command as a child process at start (after `app.core.schedule.first_delay`) and then every
`next_delay(packs.sync_hours)`, so none of this loads into the tray, and shows `results()`
in its Packs window.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.core.model import PackManifest
from app.core.packs import load_pack, pack_digest, read_manifest
from app.core.problems import PackError, Problem
from app.paths import DB_FILE
from app.settings import Settings
from app.store.cardrecords import PackInfo
from app.store.catalog import Catalog
from app.store.db import Database, open_database
from app.store.packinstall import compare_versions
from app.store.syncstate import Origin, PackResult, SourceResult, SyncState, utc_now
from app.sync.admission import check_owner, verify_for_install
from app.sync.cuepack import build_cuepack
from app.sync.sources import (
    MAX_INDEX_BYTES,
    HttpClient,
    Offer,
    SourceError,
    Validators,
    folder_offers,
    folder_path,
    is_url,
    is_zip,
    parse_index,
)

STORE = "packs"
INCOMING = ".incoming"
# How many problems a refusal message spells out before "and N more".
SHOWN_PROBLEMS = 3
_STALE_INCOMING = 24 * 3600
_SETTLE_SECONDS = 600


def describe(problems: list[Problem]) -> str:
    """The first few problems in one line, with how many more there are."""
    shown = "; ".join(str(p) for p in problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return f"{shown} (and {more} more)" if more > 0 else shown


class Syncer:
    """Syncs every configured source into the catalog; see the module docstring."""

    def __init__(
        self,
        *,
        settings: Settings,
        catalog: Catalog,
        db: Database,
        data_dir: Path,
        client: HttpClient | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        """`progress(step, done, total)` follows each pack's long steps ("Reading acme.x",
        cards read of all), for a command line to show."""
        self.settings = settings
        self.catalog = catalog
        self.db = db
        self.state = SyncState(db)
        self.client = client or HttpClient()
        self.store = Path(data_dir) / STORE
        self._clock = clock
        self._progress = progress
        self._installed: dict[str, PackInfo] = {}
        self._run_dir: Path | None = None

    @classmethod
    def open(cls, data_dir: Path, settings: Settings, client: HttpClient | None = None) -> Syncer:
        """A syncer on its own database connection, for a worker thread (SQLite connections
        belong to the thread that opened them); `close()` it when done."""
        db, _ = open_database(Path(data_dir) / DB_FILE)
        return cls(
            settings=settings, catalog=Catalog(db), db=db, data_dir=Path(data_dir), client=client
        )

    def close(self) -> None:
        """Close the database connection the syncer was given (a worker thread's own)."""
        self.db.close()

    def sources(self) -> list[str]:
        """The `packs.sources` entries (policy-locked or the person's)."""
        value = self.settings.get("packs.sources")
        return [str(s).strip() for s in value if str(s).strip()] if isinstance(value, list) else []

    def results(self) -> list[SourceResult]:
        """The stored result of the last sync of each configured source."""
        configured = set(self.sources())
        return [r for r in self.state.results() if r.source in configured]

    def sync_all(self) -> list[SourceResult]:
        """Sync every source once, in order; returns (and stores) one result per source."""
        sources = self.sources()
        self.state.keep_only(sources)
        self._installed = {p.id: p for p in self.catalog.packs()}
        self.state.forget_origins_except(self._installed)
        incoming = self.store / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        _remove_stale(incoming)
        self._run_dir = Path(tempfile.mkdtemp(prefix="sync-", dir=incoming))
        try:
            results = [self._sync_source(spec) for spec in sources]
        finally:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        self._remove_unused_files()
        return results

    # ----- one source ------------------------------------------------------------------------

    def _sync_source(self, spec: str) -> SourceResult:
        before = self.client.requests
        now = self._clock()
        try:
            if is_url(spec):
                packs = self._sync_url(spec)
            else:
                packs = [self._consider(spec, offer) for offer in folder_offers(folder_path(spec))]
        except SourceError as exc:
            kept = self._kept_note(spec)
            result = SourceResult(
                source=spec,
                status="error",
                message=f"{exc}{kept}",
                checked_at=now,
                ok_at=self.state.last_ok(spec),
                requests=self.client.requests - before,
            )
        else:
            result = self._summarise(spec, packs, now, self.client.requests - before)
        self.state.record(result)
        return result

    def _summarise(
        self, spec: str, packs: list[PackResult] | None, now: dt.datetime, requests: int
    ) -> SourceResult:
        if packs is None:
            return SourceResult(
                spec, "unchanged", "not modified since the last check", now, now, (), requests
            )
        if any(p.status in ("refused", "failed") for p in packs):
            status = "error"
        elif any(p.status in ("installed", "updated") for p in packs):
            status = "updated"
        else:
            status = "unchanged"
        news = [p.message for p in packs if p.status != "unchanged"]
        if not packs:
            message = "the source offers no packs"
        elif news:
            message = "; ".join(news)
        else:
            message = "nothing new: " + ", ".join(f"{p.pack} {p.version}" for p in packs)
        ok_at = now if status != "error" else self.state.last_ok(spec)
        return SourceResult(spec, status, message, now, ok_at, tuple(packs), requests)

    def _sync_url(self, url: str) -> list[PackResult] | None:
        """A `.cuepack` URL or an index URL; None when the server says nothing changed."""
        etag, last_modified = self.state.validators(url)
        fetched = self.client.get(url, self._incoming(), validators=Validators(etag, last_modified))
        if fetched.status == 304:
            return None
        assert fetched.path is not None
        try:
            if is_zip(fetched.path):
                packs = [self._consider(url, Offer(url, "cuepack", path=fetched.path))]
            else:
                if fetched.path.stat().st_size > MAX_INDEX_BYTES:
                    raise SourceError(
                        f"{url}: neither a .cuepack nor a pack index of at most "
                        f"{MAX_INDEX_BYTES // (1024 * 1024)} MiB"
                    )
                offers = parse_index(fetched.path.read_bytes(), fetched.url)
                packs = [self._consider(url, offer) for offer in offers]
        finally:
            fetched.path.unlink(missing_ok=True)
        clean = all(p.status in ("installed", "updated", "unchanged") for p in packs)
        # Validators are kept only for a fully processed answer: a refusal is re-checked next
        # time (the admin may have trusted a key meanwhile).
        if clean:
            self.state.remember_validators(url, fetched.etag, fetched.last_modified)
        else:
            self.state.remember_validators(url, None, None)
        return packs

    # ----- one pack --------------------------------------------------------------------------

    def _consider(self, source: str, offer: Offer) -> PackResult:
        """Install or update one offered pack, or say why not; never raises for bad packs."""
        claimed = (offer.pack_id, offer.version)
        if offer.pack_id and offer.version:
            early = self._version_check(offer, offer.pack_id, offer.version, None)
            if early is not None:
                return early
        try:
            path = offer.path
            if path is None:
                fetched = self.client.get(offer.location, self._incoming())
                path = fetched.path
                assert path is not None
                if not is_zip(path):
                    return self._refused(offer, claimed, "the file is not a .cuepack (zip)")
            return self._admit(source, offer, path)
        except SourceError as exc:
            return PackResult(
                "failed", f"{exc}{self._kept(offer.pack_id)}", offer.location, *claimed
            )
        except PackError as exc:
            return self._refused(offer, claimed, describe(exc.problems))

    def _admit(self, source: str, offer: Offer, path: Path) -> PackResult:
        manifest = read_manifest(path)
        named = (manifest.id, manifest.version)
        if offer.pack_id and (offer.pack_id, offer.version) != named:
            return self._refused(
                offer,
                named,
                f"the index lists {offer.pack_id} {offer.version} but the file holds "
                f"{manifest.id} {manifest.version}; fix the index",
            )
        try:
            return self._admit_named(source, offer, path, manifest)
        except PackError as exc:
            return self._refused(offer, named, describe(exc.problems))

    def _admit_named(
        self, source: str, offer: Offer, path: Path, manifest: PackManifest
    ) -> PackResult:
        """Version, policy and ownership checks, then the install; raises PackError."""
        self._step(f"Checking {manifest.id}", 0, 0)
        digest = pack_digest(path)
        early = self._version_check(offer, manifest.id, manifest.version, digest)
        if early is not None:
            return early
        staged = self._stage(offer, path, manifest.id)
        try:
            again = read_manifest(staged)
            if (again.id, again.version) != (manifest.id, manifest.version):
                raise PackError(
                    [Problem(file="pack.yaml", message="the pack changed while it was synced")]
                )
            checked: Path = path if offer.kind == "folder" else staged
            signed_by = verify_for_install(checked, self.settings.get)
            installed = self._installed.get(manifest.id)
            check_owner(manifest, signed_by, installed, self.state.origin(manifest.id))
            return self._install(
                source, offer, manifest.id, manifest.version, staged, digest, signed_by
            )
        finally:
            staged.unlink(missing_ok=True)

    def _install(
        self,
        source: str,
        offer: Offer,
        pack_id: str,
        version: str,
        staged: Path,
        digest: str,
        signed_by: str | None,
    ) -> PackResult:
        final = self.store / f"{pack_id}-{version}.cuepack"
        os.replace(staged, final)
        keep_file = False
        try:
            result = load_pack(final, progress=self._counter(f"Reading {pack_id}"))
            if result.pack is None or result.errors:
                raise PackError(result.errors or result.problems)
            outcome = self.catalog.install(result.pack, self._counter(f"Installing {pack_id}"))
            if outcome.status == "refused":
                raise PackError([Problem(file="", message=outcome.message)])
            keep_file = True
        finally:
            if not keep_file and not self._is_installed_file(final):
                final.unlink(missing_ok=True)
        self.state.record_origin(
            Origin(
                pack_id=pack_id,
                version=version,
                publisher=result.pack.manifest.publisher,
                source=source,
                location=offer.location,
                signed_by=signed_by,
                source_digest=digest,
                installed_at=utc_now(),
            )
        )
        self._installed = {p.id: p for p in self.catalog.packs()}
        status = "installed" if outcome.status == "installed" else "updated"
        if outcome.status == "unchanged":
            status = "unchanged"
        return PackResult(status, outcome.message, offer.location, pack_id, version)

    def _version_check(
        self, offer: Offer, pack_id: str, version: str, digest: str | None
    ) -> PackResult | None:
        """Unchanged or refused (not a forward move), or None when the version moves forward.

        `digest` None: only the claimed version is known (an index), so an equal version is
        taken as unchanged without downloading.
        """
        current = self._installed.get(pack_id)
        if current is None:
            return None
        order = compare_versions(version, current.version)
        if order > 0:
            return None
        if order < 0:
            return self._refused(
                offer,
                (pack_id, version),
                f"{version} is older than the installed {current.version}: packs only move "
                "forward (publish a higher version to roll back)",
            )
        origin = self.state.origin(pack_id)
        if (
            digest is None
            or (origin is not None and origin.source_digest == digest)
            or self.catalog.is_current(pack_id, version, digest)
        ):
            return PackResult(
                "unchanged", f"{pack_id} {version} is current", offer.location, pack_id, version
            )
        return self._refused(
            offer,
            (pack_id, version),
            f"its content differs from the installed {pack_id} {version}, but the version is "
            "the same: publish changes under a higher version",
        )

    def _stage(self, offer: Offer, path: Path, pack_id: str) -> Path:
        """A private copy of the pack in this run's incoming folder (what gets verified)."""
        target = self._incoming() / f"{os.getpid()}-{time.monotonic_ns()}.cuepack"
        if offer.kind == "folder":
            build_cuepack(path, target, progress=self._counter(f"Checking {pack_id}"))
        elif path.parent == self._incoming():
            os.replace(path, target)
        else:
            shutil.copyfile(path, target)
        return target

    # ----- helpers ---------------------------------------------------------------------------

    def _step(self, step: str, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(step, done, total)

    def _counter(self, step: str) -> Callable[[int, int], None] | None:
        """The `(done, total)` callback of one step, or None when nobody follows progress."""
        if self._progress is None:
            return None
        return functools.partial(self._progress, step)

    def _incoming(self) -> Path:
        assert self._run_dir is not None, "only during sync_all()"
        return self._run_dir

    def _refused(
        self, offer: Offer, claimed: tuple[str | None, str | None], reason: str
    ) -> PackResult:
        pack_id, version = claimed
        name = " ".join(x for x in (pack_id, version) if x) or offer.location
        return PackResult(
            "refused", f"{name} refused: {reason}{self._kept(pack_id)}", offer.location, *claimed
        )

    def _kept(self, pack_id: str | None) -> str:
        current = self._installed.get(pack_id) if pack_id else None
        return f"; kept {current.id} {current.version}" if current else ""

    def _kept_note(self, spec: str) -> str:
        """'; kept X 1.2.0' for the installed packs that came from `spec`."""
        ids = []
        for pack_id in sorted(self._installed):
            origin = self.state.origin(pack_id)
            if origin is not None and origin.source == spec:
                ids.append(pack_id)
        if not ids:
            return ""
        return "; kept " + ", ".join(f"{i} {self._installed[i].version}" for i in ids)

    def _is_installed_file(self, path: Path) -> bool:
        return any(Path(p.source) == path for p in self.catalog.packs())

    def _remove_unused_files(self) -> None:
        """Delete stored .cuepack files no installed pack uses any more (old versions)."""
        if not self.store.is_dir():
            return
        used = {Path(p.source).name for p in self.catalog.packs()}
        # A file another process (the tray, the CLI) has just moved in is left alone.
        cutoff = time.time() - _SETTLE_SECONDS
        for path in self.store.glob("*.cuepack"):
            try:
                if path.name not in used and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue


def _remove_stale(incoming: Path) -> None:
    """Remove run folders a crashed sync left behind (older than a day)."""
    cutoff = time.time() - _STALE_INCOMING
    for entry in incoming.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue
