"""Load a pack (folder or `.cuepack` zip) into validated models, reporting every problem.

Nothing here raises for bad content: a pack that cannot be used comes back as `pack=None`
with its problems; a bad card is skipped with its problem while every other card loads.
"""

from __future__ import annotations

import codecs
import difflib
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from app.core.bodycheck import check_body
from app.core.explain import explain
from app.core.frontmatter import FrontMatterError, split_front_matter
from app.core.model import Card, CardFront, Pack, PackManifest
from app.core.packaccess import digest_of, manifest_bytes_only, open_pack_files
from app.core.packfiles import PackFiles
from app.core.packrules import DEFAULT_LIMITS, MANIFEST, Limits
from app.core.problems import PackError, Problem
from app.core.yamlsrc import YamlDoc, YamlError, load_yaml

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "LoadResult",
    "PackError",
    "Problem",
    "load_pack",
    "pack_digest",
    "read_manifest",
]


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded pack (None when the pack as a whole is unusable) and everything found wrong."""

    pack: Pack | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the pack loaded with no errors (warnings allowed)."""
        return self.pack is not None and not self.errors


def load_pack(
    path: str | Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Read, check and validate a pack folder or `.cuepack` zip; never raises for bad content.

    `progress(done, total)` is called after each card file (a command line shows it).
    """
    try:
        files = open_pack_files(path, limits)
    except PackError as exc:
        return LoadResult(None, exc.problems)
    with files, _gc_paused():
        try:
            return _load(files, progress)
        except PackError as exc:
            return LoadResult(None, [*files.notes, *exc.problems])


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building 10k cards allocates hundreds of thousands of objects that are never cyclic
    garbage; left on, the cycle collector re-scans the growing heap again and again
    (measured on the 10k-card bench: about a third more CPU time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_manifest(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> PackManifest:
    """Only the pack's validated pack.yaml: nothing else is listed or read; raises PackError."""
    return _manifest(manifest_bytes_only(path, limits))


def pack_digest(path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """Content hash (hex sha256) that changes whenever the pack's content does.

    A folder: sorted relative paths and bytes of pack.yaml, cards/**.md and media/**.
    A zip: the zip file's bytes. Equal to `load_pack(path).pack.digest`. Raises PackError.
    """
    return digest_of(path, limits)


def decode_text(data: bytes, file: str) -> str:
    """UTF-8 text without a BOM; raises PackError naming the line of the first bad byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise PackError(
            [
                Problem(
                    file=file,
                    message="the file is UTF-16 text; packs are UTF-8",
                    hint="save the file as UTF-8",
                )
            ]
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PackError(
            [
                Problem(
                    file=file,
                    line=line,
                    message=f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                    "cannot be read)",
                    hint="save the file as UTF-8",
                )
            ]
        ) from None


def _yaml_mapping(text: str, file: str, first_line: int, what: str) -> YamlDoc:
    """Parse YAML that must be a mapping of fields; raises PackError otherwise."""
    try:
        doc = load_yaml(text, file=file, first_line=first_line)
    except YamlError as exc:
        raise PackError(exc.problems) from None
    if not isinstance(doc.data, dict):
        if doc.data is None:
            message = f"{what} is empty"
        else:
            got = "a list" if isinstance(doc.data, list) else "a single value"
            message = f"{what} must be 'field: value' lines, not {got}"
        raise PackError(
            [
                Problem(
                    file=file,
                    line=doc.line_of(()) if doc.data is not None else first_line,
                    message=message,
                    hint="write one 'field: value' per line, e.g. id: pivot-refresh"
                    if file != MANIFEST
                    else "write one 'field: value' per line, e.g. id: acme.finance",
                )
            ]
        )
    return doc


def _manifest(data: bytes) -> PackManifest:
    doc = _yaml_mapping(decode_text(data, MANIFEST), MANIFEST, 1, "pack.yaml")
    try:
        manifest = PackManifest.model_validate(doc.data)
    except ValidationError as exc:
        raise PackError(explain(exc, model=PackManifest, doc=doc, file=MANIFEST)) from None
    first: dict[str, int] = {}
    twice = []
    for i, skill in enumerate(manifest.skills):
        if first.setdefault(skill.id, i) != i:
            twice.append(
                Problem(
                    file=MANIFEST,
                    line=doc.line_of(("skills", i, "id")),
                    field=f"skills[{i}].id",
                    message=f"skill id '{skill.id}' is already declared as "
                    f"skills[{first[skill.id]}]",
                    hint="give each skill its own id",
                )
            )
    if twice:
        raise PackError(twice)
    return manifest


@dataclass(slots=True)
class _CardChecks:
    """What card checks need from the pack: declared skills, ids seen so far, media."""

    pack_id: str
    skills: list[str]
    known_skills: frozenset[str]
    media: set[str]
    refused_media: set[str]
    first_file: dict[str, str] = field(default_factory=dict)


def _load(files: PackFiles, progress: Callable[[int, int], None] | None) -> LoadResult:
    manifest = _manifest(files.manifest_bytes())
    files.check_media()
    problems = list(files.notes)
    usable = files.usable_media
    checks = _CardChecks(
        pack_id=manifest.id,
        skills=[s.id for s in manifest.skills],
        known_skills=frozenset(s.id for s in manifest.skills),
        media=usable,
        refused_media=files.refused_media,
    )
    cards: list[Card] = []
    total = len(files.cards)
    for done, (rel, data) in enumerate(files.iter_cards(), start=1):
        if progress is not None:
            progress(done, total)
        if isinstance(data, Problem):
            problems.append(data)
            continue
        try:
            cards.append(_card(rel, data, checks))
        except PackError as exc:
            problems.extend(exc.problems)
    if not files.cards:
        problems.append(
            Problem(
                file="cards/",
                message="the pack has no cards",
                hint="add Markdown files with front matter under cards/",
                severity="warning",
            )
        )
    pack = Pack(
        manifest=manifest,
        cards=tuple(cards),
        source=str(files.source.absolute()),
        digest=files.digest(),
    )
    return LoadResult(pack, problems)


def _card(rel: str, data: bytes, checks: _CardChecks) -> Card:
    """One validated card, or PackError with every reason it is skipped (all found at once)."""
    try:
        split = split_front_matter(decode_text(data, rel))
    except FrontMatterError as exc:
        raise PackError(
            [Problem(file=rel, line=exc.line, message=exc.message, hint=exc.hint)]
        ) from None
    doc = _yaml_mapping(split.front, rel, split.front_line, "the front matter")
    problems: list[Problem] = []
    front: CardFront | None = None
    try:
        front = CardFront.model_validate(doc.data)
    except ValidationError as exc:
        problems += explain(exc, model=CardFront, doc=doc, file=rel)

    skills = doc.data.get("skills")
    if isinstance(skills, list):
        problems += [
            _unknown_skill(rel, doc, i, skill, checks.skills)
            for i, skill in enumerate(skills)
            if isinstance(skill, str) and skill.strip() not in checks.known_skills
        ]
    card_id = doc.data.get("id")
    if isinstance(card_id, str) and card_id.strip():
        first = checks.first_file.setdefault(card_id.strip(), rel)
        if first != rel:
            problems.append(
                Problem(
                    file=rel,
                    line=doc.line_of(("id",)),
                    field="id",
                    message=f"card id '{card_id.strip()}' is already used by {first}",
                    hint="give each card its own id",
                )
            )
    problems += check_body(
        split.body,
        file=rel,
        first_line=split.body_line,
        media=checks.media,
        refused_media=checks.refused_media,
    )
    if front is None or any(p.is_error for p in problems):
        raise PackError(sorted(problems, key=lambda p: p.line or 0))
    return Card(pack=checks.pack_id, front=front, body=split.body, file=rel)


def _unknown_skill(rel: str, doc: YamlDoc, i: int, skill: str, known: list[str]) -> Problem:
    declared = f"pack.yaml declares: {', '.join(known)}" if known else "pack.yaml declares none"
    close = difflib.get_close_matches(skill, known, n=1)
    hint = f"add it under skills: in pack.yaml, e.g. - {{id: {skill}, name: …}}"
    if close:
        hint = f"did you mean '{close[0]}'? Otherwise {hint}"
    return Problem(
        file=rel,
        line=doc.line_of(("skills", i)),
        field=f"skills[{i}]",
        message=f"unknown skill '{skill}' ({declared})",
        hint=hint,
    )
