"""Reading a pack folder: its listing (hidden entries skipped, strays ignored with a warning,
links refused) and its files, each read capped and never through a link, hashed as read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from app.core.media import SNIFF_BYTES
from app.core.packfiles import PackFiles
from app.core.packrules import (
    KIB,
    MANIFEST,
    MIB,
    Limits,
    card_too_big,
    check_card_count,
    classify,
    link_problem,
    manifest_too_big,
    missing_manifest,
    not_a_card,
    size_text,
    unreadable,
)
from app.core.problems import PackError, Problem

_O_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_FIRST_READ = 16 * KIB


def _entry_header(rel: str, size: int) -> bytes:
    return f"{rel}\0{size}\0".encode()


def _read_capped(path: str, cap: int) -> bytes:
    """A file's bytes, never following a link, stopping once more than `cap` bytes are read.

    os.read allocates the size it is asked for, so small files get one small read; larger
    ones are sized with fstat. A short read from a regular file is its end.
    """
    fd = os.open(path, _O_FLAGS)
    try:
        want = min(_FIRST_READ, cap + 1)
        data = os.read(fd, want)
        if len(data) < want:
            return data
        chunks = [data]
        total = len(data)
        size = os.fstat(fd).st_size
        while total <= cap:
            want = min(cap + 1 - total, max(size - total, 0) + 1, 64 * MIB)
            chunk = os.read(fd, want)
            chunks.append(chunk)
            total += len(chunk)
            if len(chunk) < want:
                break
        return b"".join(chunks)
    finally:
        os.close(fd)


class FolderFiles(PackFiles):
    """A pack folder: hidden entries are skipped, stray files are ignored with a warning."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self.source = root
        self._prefix = os.path.join(root, "")
        self._limits = limits
        self.notes = []
        self.cards = []
        self.media_sizes = {}
        self.refused_media = set()
        self._manifest: bytes | None = None
        self._digest: str | None = None
        self._total = 0
        has_manifest = False
        links: list[Problem] = []
        stray_dirs: list[str] = []
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            for entry in self._scandir(rel_dir):
                rel = f"{rel_dir}{entry.name}"
                kind = classify(rel)
                if kind == "hidden":
                    continue
                if entry.is_symlink():
                    links.append(link_problem(rel))
                elif entry.is_dir():
                    if rel in ("cards", "media") or kind in ("card", "not-card", "media"):
                        stack.append(f"{rel}/")
                    else:
                        stray_dirs.append(rel)
                        self.notes.append(self._stray(f"{rel}/"))
                elif not entry.is_file():
                    continue
                elif kind == "manifest":
                    has_manifest = True
                elif kind == "card":
                    self.cards.append(rel)
                elif kind == "media":
                    self._note_media(rel, entry.stat(follow_symlinks=False).st_size, limits)
                elif kind == "not-card":
                    self.notes.append(not_a_card(rel))
                elif kind == "unexpected":
                    self.notes.append(self._stray(rel))
        if links:
            raise PackError(sorted(links, key=lambda p: p.file))
        if not has_manifest:
            nested = [d for d in stray_dirs if (root / d / MANIFEST).is_file()]
            hint = (
                f"this folder holds a pack in '{nested[0]}/'; point to that folder instead"
                if nested
                else "rename pack.yml to pack.yaml"
                if (root / "pack.yml").is_file()
                else ""
            )
            raise PackError([missing_manifest(hint)])
        check_card_count(len(self.cards), limits)
        self.cards.sort()
        self.notes.sort(key=lambda p: p.file)

    def _scandir(self, rel_dir: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.source / rel_dir) as it:
                return list(it)
        except OSError as exc:
            raise PackError(
                [
                    Problem(
                        file=rel_dir or "",
                        message=f"cannot read the folder: {exc.strerror or exc}",
                        hint="check that the folder exists and that you may read it",
                    )
                ]
            ) from None

    @staticmethod
    def _stray(rel: str) -> Problem:
        hint = (
            "rename it to pack.yaml"
            if rel == "pack.yml"
            else "move it out of the pack folder; cards go in cards/, images in media/"
        )
        return Problem(
            file=rel,
            message="not part of a pack (pack.yaml, cards/, media/); it is ignored",
            hint=hint,
            severity="warning",
        )

    def _read(self, rel: str, cap: int) -> bytes:
        return _read_capped(f"{self._prefix}{rel}", cap)

    def _media_head(self, rel: str) -> bytes:
        return self._read(rel, SNIFF_BYTES - 1)

    def manifest_bytes(self) -> bytes:
        if self._manifest is None:
            self._manifest = folder_manifest(self.source, self._limits)
        return self._manifest

    def iter_cards(self) -> Iterator[tuple[str, bytes | Problem]]:
        """Reads every pack file once in path order, hashing as it goes (that is the digest)."""
        import hashlib

        h = hashlib.sha256()
        cards = set(self.cards)
        for rel in sorted([*self.cards, *self.media_sizes, MANIFEST]):
            if rel == MANIFEST:
                data: bytes | Problem = self.manifest_bytes()
            else:
                data = self._read_counted(rel)
            if isinstance(data, bytes):
                h.update(_entry_header(rel, len(data)))
                h.update(data)
            else:
                h.update(_entry_header(rel, -1))
            if rel in cards:
                if isinstance(data, bytes) and len(data) > self._limits.max_card_bytes:
                    data = card_too_big(rel, len(data), self._limits)
                yield rel, data
        self._digest = h.hexdigest()

    def _read_counted(self, rel: str) -> bytes | Problem:
        budget = self._limits.max_total_bytes - self._total
        try:
            data = self._read(rel, budget)
        except OSError as exc:
            return unreadable(rel, exc)
        self._total += len(data)
        if self._total > self._limits.max_total_bytes:
            raise PackError(
                [
                    Problem(
                        file="",
                        message="the pack holds more than "
                        f"{size_text(self._limits.max_total_bytes)}",
                        hint="make images smaller or split the pack",
                    )
                ]
            )
        return data

    def close(self) -> None:
        """A folder holds nothing open between reads."""

    def digest(self) -> str:
        if self._digest is None:
            for _ in self.iter_cards():
                pass
        assert self._digest is not None
        return self._digest


def folder_manifest(root: Path, limits: Limits) -> bytes:
    """pack.yaml of a folder, capped, never through a link."""
    try:
        data = _read_capped(str(root / MANIFEST), limits.max_manifest_bytes)
    except FileNotFoundError:
        raise PackError([missing_manifest()]) from None
    except OSError as exc:
        if (root / MANIFEST).is_symlink():
            raise PackError([link_problem(MANIFEST)]) from None
        raise PackError([unreadable(MANIFEST, exc)]) from None
    if len(data) > limits.max_manifest_bytes:
        raise manifest_too_big(os.stat(root / MANIFEST).st_size, limits)
    return data
