"""Safe, read-only access to the files of a pack: a folder or a `.cuepack` zip.

Everything here treats the pack as untrusted: sizes are capped, zip entries are read in
memory (never extracted), and paths that could leave the pack, links and zip bombs are
refused before any content is parsed.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.core.media import SNIFF_BYTES, media_problem
from app.core.problems import PackError, Problem

KIB = 1024
MIB = 1024 * KIB

MANIFEST = "pack.yaml"
SIGNING_FILES = ("MANIFEST.json", "SIGNATURE")
_REBUILD = "rebuild the .cuepack from the pack folder with `cuecards pack build`"
_O_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_FIRST_READ = 16 * KIB
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep a hostile or broken pack from eating memory, disk or time."""

    max_manifest_bytes: int = 64 * KIB
    max_card_bytes: int = 256 * KIB
    max_media_bytes: int = 5 * MIB
    max_cards: int = 50_000
    max_zip_entries: int = 60_000
    max_total_bytes: int = 512 * MIB
    max_compression_ratio: float = 200.0
    # Entries smaller than this cannot hurt whatever their ratio (a page of spaces compresses
    # well); the ratio rule applies above it.
    ratio_min_bytes: int = 64 * KIB


DEFAULT_LIMITS = Limits()


def size_text(n: int) -> str:
    """Bytes for people: 812 bytes, 300 KiB, 5.2 MiB."""
    if n < KIB:
        return f"{n} bytes"
    if n < MIB:
        return f"{n / KIB:.0f} KiB"
    return f"{n / MIB:.1f} MiB".replace(".0 MiB", " MiB")


def classify(rel: str) -> str:
    """What a pack path is: manifest, signing, card, media, not-card, hidden or unexpected."""
    top, _, rest = rel.partition("/")
    if rel.startswith(".") or "/." in rel or top == "__MACOSX":
        return "hidden"  # editor, VCS and Finder leftovers: never read, never reported
    if rel == MANIFEST:
        return "manifest"
    if rel in SIGNING_FILES:
        return "signing"
    if top == "cards" and rest:
        return "card" if rel.endswith(".md") else "not-card"
    if top == "media" and rest:
        return "media"
    return "unexpected"


def _missing_manifest(hint: str = "") -> Problem:
    return Problem(
        file=MANIFEST,
        message="the file is missing",
        hint=hint or "add pack.yaml at the top of the pack with id, name, version and publisher",
    )


def _not_a_card(rel: str) -> Problem:
    hint = "rename it to end in .md" if rel.endswith(".markdown") else "images belong in media/"
    return Problem(
        file=rel,
        message="not a card (only .md files under cards/ are cards); it is ignored",
        hint=hint,
        severity="warning",
    )


def _too_big(rel: str, size: int, limit: int, what: str, hint: str) -> Problem:
    shown, most = size_text(size), size_text(limit)
    if shown == most:  # just over the limit: rounding would make both look the same
        shown, most = f"{size:,} bytes", f"{limit:,} bytes"
    return Problem(
        file=rel, message=f"the file is {shown}; {what} may be at most {most}", hint=hint
    )


def card_too_big(rel: str, size: int, limits: Limits) -> Problem:
    return _too_big(rel, size, limits.max_card_bytes, "a card", "split it into shorter cards")


def media_too_big(rel: str, size: int, limits: Limits) -> Problem:
    return _too_big(rel, size, limits.max_media_bytes, "a media file", "make the image smaller")


def _count_caps(n_cards: int, limits: Limits) -> None:
    if n_cards > limits.max_cards:
        raise PackError(
            [
                Problem(
                    file="cards/",
                    message=f"the pack has {n_cards:,} cards; at most {limits.max_cards:,} "
                    "are allowed",
                    hint="split it into several packs",
                )
            ]
        )


def _entry_header(rel: str, size: int) -> bytes:
    return f"{rel}\0{size}\0".encode()


class PackFiles(ABC):
    """The listing of one pack after layout and safety checks, and a way to read its files.

    `cards` holds sorted relative posix paths; `media_sizes` maps each media file to its size
    and `refused_media` names those over the cap; `notes` holds what the listing found
    (ignored files as warnings, oversized media as errors).
    """

    source: Path
    cards: list[str]
    media_sizes: dict[str, int]
    refused_media: set[str]
    notes: list[Problem]

    @abstractmethod
    def manifest_bytes(self) -> bytes:
        """pack.yaml's bytes (capped); raises PackError when it cannot be read."""

    @abstractmethod
    def iter_cards(self) -> Iterator[tuple[str, bytes | Problem]]:
        """Each card's bytes (or why it cannot be read) in path order."""

    @abstractmethod
    def digest(self) -> str:
        """The pack's content hash (see `digest_of`)."""

    @abstractmethod
    def close(self) -> None:
        """Release what the listing holds open (the zip file)."""

    @abstractmethod
    def _media_head(self, rel: str) -> bytes:
        """The first SNIFF_BYTES bytes of a media file; raises OSError or a decoder error."""

    def _note_media(self, rel: str, size: int, limits: Limits) -> None:
        self.media_sizes[rel] = size
        if size > limits.max_media_bytes:
            self.refused_media.add(rel)
            self.notes.append(media_too_big(rel, size, limits))

    def check_media(self) -> None:
        """Refuse media that is not a PNG, JPEG, GIF or WebP image (by name and first bytes).

        Run before cards are checked, so a card showing a refused file names the reason.
        Only loading needs it; the digest does not.
        """
        for rel in sorted(self.media_sizes):
            if rel in self.refused_media:
                continue
            try:
                problem = media_problem(rel, self._media_head(rel))
            except Exception as exc:  # any failure on untrusted bytes is a plain problem
                problem = _unreadable(rel, exc)
            if problem is not None:
                self.refused_media.add(rel)
                self.notes.append(problem)
        self.notes.sort(key=lambda p: p.file)

    def __enter__(self) -> PackFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def usable_media(self) -> set[str]:
        return set(self.media_sizes) - self.refused_media


def open_pack_files(path: str | Path, limits: Limits) -> PackFiles:
    """List a pack folder or zip; raises PackError when it is not a usable pack at all."""
    source = Path(path)
    if source.is_dir():
        return FolderFiles(source, limits)
    if source.is_file() and zipfile.is_zipfile(source):
        return ZipFiles(source, limits)
    raise _not_a_pack(source)


def _not_a_pack(source: Path) -> PackError:
    if source.is_file() and source.suffix == ".cuepack":
        problem = Problem(file="", message=f"'{source}' is not a valid zip file", hint=_REBUILD)
    elif not source.exists():
        problem = Problem(file="", message=f"'{source}' does not exist", hint="check the path")
    else:
        problem = Problem(
            file="",
            message=f"'{source}' is neither a pack folder nor a .cuepack zip",
            hint="point to a folder that holds pack.yaml, or to a .cuepack file",
        )
    return PackError([problem])


def digest_of(path: str | Path, limits: Limits) -> str:
    """sha256 over sorted relative paths and bytes of a folder's pack files; a zip's own bytes."""
    source = Path(path)
    if source.is_file() and zipfile.is_zipfile(source):
        return _file_sha256(source)
    with open_pack_files(source, limits) as files:
        return files.digest()


def _file_sha256(path: Path) -> str:
    import hashlib  # lazy: OpenSSL stays out of a tray that never hashes a pack

    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(MIB):
            h.update(chunk)
    return h.hexdigest()


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
                    links.append(_link_problem(rel))
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
                    self.notes.append(_not_a_card(rel))
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
            raise PackError([_missing_manifest(hint)])
        _count_caps(len(self.cards), limits)
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
            self._manifest = _folder_manifest(self.source, self._limits)
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
            return _unreadable(rel, exc)
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


def _manifest_too_big(size: int, limits: Limits) -> PackError:
    return PackError(
        [
            _too_big(
                MANIFEST,
                size,
                limits.max_manifest_bytes,
                "pack.yaml",
                "keep pack.yaml to the manifest: id, name, version, apps, skills",
            )
        ]
    )


def _folder_manifest(root: Path, limits: Limits) -> bytes:
    """pack.yaml of a folder, capped, never through a link."""
    try:
        data = _read_capped(str(root / MANIFEST), limits.max_manifest_bytes)
    except FileNotFoundError:
        raise PackError([_missing_manifest()]) from None
    except OSError as exc:
        if (root / MANIFEST).is_symlink():
            raise PackError([_link_problem(MANIFEST)]) from None
        raise PackError([_unreadable(MANIFEST, exc)]) from None
    if len(data) > limits.max_manifest_bytes:
        raise _manifest_too_big(os.stat(root / MANIFEST).st_size, limits)
    return data


def manifest_bytes_only(path: str | Path, limits: Limits) -> bytes:
    """pack.yaml's bytes without listing or reading the rest of the pack (a quick look)."""
    source = Path(path)
    if source.is_dir():
        return _folder_manifest(source, limits)
    if not (source.is_file() and zipfile.is_zipfile(source)):
        raise _not_a_pack(source)
    try:
        with zipfile.ZipFile(source) as zf:
            try:
                info = zf.getinfo(MANIFEST)
            except KeyError:
                raise PackError([_missing_manifest()]) from None
            unsafe = _unsafe_entry(info, limits)
            if unsafe is not None:
                raise PackError([unsafe])
            if info.file_size > limits.max_manifest_bytes:
                raise _manifest_too_big(info.file_size, limits)
            with zf.open(info) as member:
                return member.read(info.file_size)
    except PackError:
        raise
    except Exception as exc:  # any decoder failure on untrusted bytes is a plain problem
        raise PackError([_unreadable_member(MANIFEST, exc)]) from None


def _link_problem(rel: str) -> Problem:
    return Problem(
        file=rel,
        message="symbolic links are not allowed in a pack",
        hint="replace the link with a copy of the file",
    )


def _unreadable(rel: str, exc: BaseException) -> Problem:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return Problem(
        file=rel,
        message=f"cannot read the file: {reason}",
        hint="check that the file exists and that you may read it",
    )


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
                        hint=_REBUILD,
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
                problem = Problem(file=name, message="the zip holds this file twice", hint=_REBUILD)
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
                self.notes.append(_not_a_card(name))
            elif kind == "unexpected":
                layout.append(
                    Problem(
                        file=name,
                        message="the zip holds a file outside pack.yaml, cards/ and media/",
                        hint=_REBUILD,
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
                        _missing_manifest(
                            f"the zip holds the folder '{top}/'; zip what is inside the "
                            "folder, not the folder itself (`cuecards pack build` does this)"
                        )
                    ]
                )
            raise PackError([*layout, _missing_manifest()])
        if layout:
            raise PackError(layout)
        if self._manifest_info.file_size > limits.max_manifest_bytes:
            raise _manifest_too_big(self._manifest_info.file_size, limits)
        _count_caps(len(self.cards), limits)
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
        return _file_sha256(self.source)

    def close(self) -> None:
        self._zip.close()


def _unreadable_member(rel: str, exc: BaseException) -> Problem:
    return Problem(
        file=rel,
        message=f"cannot read the file from the zip: {exc or type(exc).__name__}",
        hint=_REBUILD,
    )


def _unsafe_entry(info: zipfile.ZipInfo, limits: Limits) -> Problem | None:
    """Why a zip entry must not be touched (path escape, link, bomb, odd coding), or None."""
    name = info.filename
    parts = re.split(r"[/\\]", name)
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        return Problem(
            file=name,
            message="unsafe path in the zip: absolute paths are not allowed",
            hint=_REBUILD,
        )
    if ".." in parts:
        return Problem(
            file=name, message="unsafe path in the zip: '..' would leave the pack", hint=_REBUILD
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        return _link_problem(name)
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
            hint=_REBUILD,
        )
    if info.file_size > limits.ratio_min_bytes:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            return Problem(
                file=name,
                message=f"unpacks to more than {limits.max_compression_ratio:g} times its "
                "compressed size: this looks like a zip bomb",
                hint=_REBUILD,
            )
    return None
