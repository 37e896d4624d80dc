"""PackFiles: what every pack reader (folder, `.cuepack` zip) offers once a pack's listing has
passed the layout and safety checks: the listing, capped reads, the digest, media checks."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

from app.core.media import media_problem
from app.core.packrules import Limits, media_too_big, unreadable
from app.core.problems import Problem


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
        """The pack's content hash (see `packaccess.digest_of`)."""

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
                problem = unreadable(rel, exc)
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
