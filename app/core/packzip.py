"""Reading a `.cuepack` zip in memory, never extracting it: every entry is checked first (path
escapes, links, zip bombs, odd coding), and any unsafe one refuses the whole pack."""

from __future__ import annotations

import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from app.core.media import SNIFF_BYTES
from app.core.packfiles import PackFiles
from app.core.packrules import (
    MANIFEST,
    MIB,
    REBUILD_HINT,
    Limits,
    card_too_big,
    check_card_count,
    classify,
    link_problem,
    manifest_too_big,
    missing_manifest,
    not_a_card,
    size_text,
)
from app.core.problems import PackError, Problem

_DRIVE = re.compile(r"^[A-Za-z]:")


class ZipFiles(PackFiles):
    """A `.cuepack` zip, read in memory; any unsafe entry refuses the whole pack."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.source = path
        self._limits = limits
        self.notes = []
        self.cards = []
        self.media_sizes = {}
        self.refused_media = set()
        self._card_infos: dict[str, zipfile.ZipInfo] = {}
        self._media_infos: dict[str, zipfile.ZipInfo] = {}
        self._manifest_info: zipfile.ZipInfo | None = None
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise PackError(
                [
                    Problem(
                        file="",
                        message=f"'{path}' is not a valid zip file ({exc})",
                        hint=REBUILD_HINT,
                    )
                ]
            ) from None
        try:
            self._check(infos)
        except PackError:
            self._zip.close()
            raise

    def _check(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self._limits
        if len(infos) > limits.max_zip_entries:
            raise PackError(
                [
                    Problem(
                        file="",
                        message=f"the zip has {len(infos):,} entries; at most "
                        f"{limits.max_zip_entries:,} are allowed",
                        hint="split the pack into smaller packs",
                    )
                ]
            )
        unsafe: list[Problem] = []
        layout: list[Problem] = []
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            problem = _unsafe_entry(info, limits)
            if problem is None and name in seen:
                problem = Problem(
                    file=name, message="the zip holds this file twice", hint=REBUILD_HINT
                )
            seen.add(name)
            if problem is not None:
                unsafe.append(problem)
                continue
            if info.is_dir():
                continue
            total += info.file_size
            kind = classify(name)
            if kind == "manifest":
                self._manifest_info = info
            elif kind == "card":
                self.cards.append(name)
                self._card_infos[name] = info
            elif kind == "media":
                self._media_infos[name] = info
                self._note_media(name, info.file_size, limits)
            elif kind == "not-card":
                self.notes.append(not_a_card(name))
            elif kind == "unexpected":
                layout.append(
                    Problem(
                        file=name,
                        message="the zip holds a file outside pack.yaml, cards/ and media/",
                        hint=REBUILD_HINT,
                    )
                )
        if unsafe:
            raise PackError(unsafe)
        if total > limits.max_total_bytes:
            raise PackError(
                [
                    Problem(
                        file="",
                        message=f"the zip unpacks to {size_text(total)}; at most "
                        f"{size_text(limits.max_total_bytes)} are allowed",
                        hint="make images smaller or split the pack",
                    )
                ]
            )
        if self._manifest_info is None:
            tops = {name.split("/", 1)[0] for name in seen}
            if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in seen:
                top = next(iter(tops))
                raise PackError(
                    [
                        missing_manifest(
                            f"the zip holds the folder '{top}/'; zip what is inside the "
                            "folder, not the folder itself (`cuecards pack build` does this)"
                        )
                    ]
                )
            raise PackError([*layout, missing_manifest()])
        if layout:
            raise PackError(layout)
        if self._manifest_info.file_size > limits.max_manifest_bytes:
            raise manifest_too_big(self._manifest_info.file_size, limits)
        check_card_count(len(self.cards), limits)
        self.cards.sort()
        self.notes.sort(key=lambda p: p.file)

    def _read(self, info: zipfile.ZipInfo) -> bytes:
        with self._zip.open(info) as member:
            return member.read(info.file_size)

    def _media_head(self, rel: str) -> bytes:
        with self._zip.open(self._media_infos[rel]) as member:
            return member.read(SNIFF_BYTES)

    def manifest_bytes(self) -> bytes:
        assert self._manifest_info is not None
        try:
            return self._read(self._manifest_info)
        except Exception as exc:  # any decoder failure on untrusted bytes is a plain problem
            raise PackError([_unreadable_member(MANIFEST, exc)]) from None

    def iter_cards(self) -> Iterator[tuple[str, bytes | Problem]]:
        for rel in self.cards:
            info = self._card_infos[rel]
            if info.file_size > self._limits.max_card_bytes:
                yield rel, card_too_big(rel, info.file_size, self._limits)
                continue
            try:
                yield rel, self._read(info)
            except Exception as exc:  # any decoder failure on untrusted bytes is a plain problem
                yield rel, _unreadable_member(rel, exc)

    def digest(self) -> str:
        return file_sha256(self.source)

    def close(self) -> None:
        self._zip.close()


def file_sha256(path: Path) -> str:
    """A `.cuepack`'s digest: the sha256 of the zip file's own bytes."""
    import hashlib  # lazy: OpenSSL stays out of a tray that never hashes a pack

    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


def _unreadable_member(rel: str, exc: BaseException) -> Problem:
    return Problem(
        file=rel,
        message=f"cannot read the file from the zip: {exc or type(exc).__name__}",
        hint=REBUILD_HINT,
    )


def _unsafe_entry(info: zipfile.ZipInfo, limits: Limits) -> Problem | None:
    """Why a zip entry must not be touched (path escape, link, bomb, odd coding), or None."""
    name = info.filename
    parts = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return Problem(
            file=name,
            message="unsafe path in the zip: absolute paths are not allowed",
            hint=REBUILD_HINT,
        )
    if ".." in parts:
        return Problem(
            file=name,
            message="unsafe path in the zip: '..' would leave the pack",
            hint=REBUILD_HINT,
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        return link_problem(name)
    if info.flag_bits & 0x1:
        return Problem(
            file=name,
            message="encrypted zip entries are not supported",
            hint="build the pack without a password",
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return Problem(
            file=name,
            message="unsupported compression in the zip (only stored or deflated)",
            hint=REBUILD_HINT,
        )
    if info.file_size > limits.ratio_min_bytes:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            return Problem(
                file=name,
                message=f"unpacks to more than {limits.max_compression_ratio:g} times its "
                "compressed size: this looks like a zip bomb",
                hint=REBUILD_HINT,
            )
    return None


def zip_manifest_bytes(source: Path, limits: Limits) -> bytes:
    """pack.yaml's bytes from a `.cuepack` without listing the rest (its entry checked, capped)."""
    try:
        with zipfile.ZipFile(source) as zf:
            try:
                info = zf.getinfo(MANIFEST)
            except KeyError:
                raise PackError([missing_manifest()]) from None
            unsafe = _unsafe_entry(info, limits)
            if unsafe is not None:
                raise PackError([unsafe])
            if info.file_size > limits.max_manifest_bytes:
                raise manifest_too_big(info.file_size, limits)
            with zf.open(info) as member:
                return member.read(info.file_size)
    except PackError:
        raise
    except Exception as exc:  # any decoder failure on untrusted bytes is a plain problem
        raise PackError([_unreadable_member(MANIFEST, exc)]) from None
