"""Build `.cuepack` files and check their contents against MANIFEST.json.

A `.cuepack` is a zip holding `pack.yaml`, `cards/…`, `media/…`, `MANIFEST.json` and, once
signed, `SIGNATURE`:

- `MANIFEST.json` is `{"files": {"cards/x.md": "<sha256 hex>", …}, "format": 1,
  "pack": "<id>", "version": "<version>"}` with sorted keys, two-space indent and a final
  newline. It lists every file of the pack except itself and SIGNATURE.
- `SIGNATURE` is `{"alg": "ed25519", "key": "<base64 raw public key>", "sig": "<base64
  signature over the exact MANIFEST.json bytes>"}` (see `app.sync.signing`).

Builds are deterministic: entries sorted by name, a fixed 1980-01-01 timestamp, mode 0644,
deflate level 9; the same folder gives the same bytes (with the same zlib). The manifest, and
so the signature, depends only on the files' names and contents.

Checking a pack: every file is hashed against the manifest and none may be missing or extra;
each problem names the file. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.packaccess import open_pack_files
from app.core.packrules import DEFAULT_LIMITS, MANIFEST, Limits, classify
from app.core.packs import load_pack, read_manifest
from app.core.problems import PackError, Problem

FORMAT = 1
MANIFEST_JSON = "MANIFEST.json"
SIGNATURE = "SIGNATURE"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# MANIFEST.json of a pack at the 60,000-entry cap is about 6 MiB.
MAX_MANIFEST_JSON = 16 * 1024 * 1024
MAX_SIGNATURE = 4096
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
REBUILD = "rebuild the pack from its folder with `cuecards pack build` and sign it again"


@dataclass(frozen=True, slots=True)
class Built:
    """What `build_cuepack` wrote: the file, the pack, how many files and the warnings seen."""

    path: Path
    pack_id: str
    version: str
    cards: int
    files: int
    size: int
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Contents:
    """A `.cuepack` whose files all match its MANIFEST.json (or that has no manifest at all).

    `manifest_bytes` and `signature_bytes` are the exact bytes read (None when absent).
    """

    pack_id: str
    version: str
    manifest_bytes: bytes | None
    signature_bytes: bytes | None
    files: int


def manifest_json(pack_id: str, version: str, hashes: dict[str, str]) -> bytes:
    """The exact MANIFEST.json bytes for a pack (sorted keys, so one content, one text)."""
    body = {"files": dict(sorted(hashes.items())), "format": FORMAT, "pack": pack_id}
    body["version"] = version
    return (json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def build_cuepack(
    folder: str | Path,
    out: str | Path,
    *,
    signature: bytes | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[int, int], None] | None = None,
) -> Built:
    """Validate the pack folder and write it as a deterministic `.cuepack` at `out`.

    Refuses (PackError with every problem) when the pack has any error: a published pack
    has no skipped cards. Hidden files, stray files and non-card files are left out (they are
    the warnings in the result). `signature` (SIGNATURE bytes) is added when given.
    `progress(done, total)` follows the cards validated.
    """
    folder, out = Path(folder), Path(out)
    result = load_pack(folder, limits=limits, progress=progress)
    if result.pack is None or result.errors:
        raise PackError(result.errors or result.problems)
    pack = result.pack
    with open_pack_files(folder, limits) as files:
        names = sorted([MANIFEST, *files.cards, *files.media_sizes])
    contents: dict[str, bytes] = {}
    for name in names:
        data = (folder / name).read_bytes()
        contents[name] = data
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    contents[MANIFEST_JSON] = manifest_json(pack.id, pack.version, hashes)
    if signature is not None:
        contents[SIGNATURE] = signature
    write_zip(out, contents)
    return Built(
        path=out,
        pack_id=pack.id,
        version=pack.version,
        cards=len(pack.cards),
        files=len(names),
        size=out.stat().st_size,
        warnings=result.warnings,
    )


def write_zip(out: Path, contents: dict[str, bytes]) -> None:
    """Write `contents` as a deterministic zip, atomically (a temp file renamed over `out`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cuepack-", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for name in sorted(contents):
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.create_system = 3
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, contents[name], compresslevel=9)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_entries(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, bytes]:
    """Every file entry of a safe `.cuepack`, in memory (for re-signing); raises PackError."""
    path = Path(path)
    with open_pack_files(path, limits):  # refuses unsafe zips before anything is read
        pass
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


def check_contents(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Contents:
    """Hash every file of a `.cuepack` against its MANIFEST.json; raises PackError naming files.

    A zip without MANIFEST.json passes here (the policy decides whether unsigned, unlisted
    packs are acceptable); the manifest must name the same pack and version as pack.yaml.
    """
    path = Path(path)
    if path.is_dir():
        raise PackError(
            [
                Problem(
                    file="",
                    message=f"'{path}' is a pack folder, not a .cuepack",
                    hint="build it first: cuecards pack build FOLDER -o FILE.cuepack",
                )
            ]
        )
    with open_pack_files(path, limits):  # path traversal, links, bombs, layout: refused here
        pass
    manifest = read_manifest(path, limits=limits)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
            manifest_raw = _small(zf, infos.get(MANIFEST_JSON), MAX_MANIFEST_JSON)
            signature_raw = _small(zf, infos.get(SIGNATURE), MAX_SIGNATURE)
            if manifest_raw is None:
                if signature_raw is not None:
                    raise PackError(
                        [
                            Problem(
                                file=MANIFEST_JSON,
                                message="the pack is signed but MANIFEST.json is missing",
                                hint=REBUILD,
                            )
                        ]
                    )
                return Contents(manifest.id, manifest.version, None, None, _count(infos))
            listed = parse_manifest(manifest_raw)
            problems = _identity(listed, manifest.id, manifest.version)
            problems += _compare(zf, infos, listed["files"])
    except PackError:
        raise
    except Exception as exc:  # any decoder failure on untrusted bytes is a plain problem
        raise PackError(
            [Problem(file="", message=f"cannot read the .cuepack: {exc}", hint=REBUILD)]
        ) from None
    if problems:
        raise PackError(problems)
    return Contents(manifest.id, manifest.version, manifest_raw, signature_raw, _count(infos))


def _count(infos: dict[str, zipfile.ZipInfo]) -> int:
    """How many of the pack's own files the zip holds (MANIFEST.json and SIGNATURE aside)."""
    return sum(1 for name in infos if name not in (MANIFEST_JSON, SIGNATURE))


def _small(zf: zipfile.ZipFile, info: zipfile.ZipInfo | None, cap: int) -> bytes | None:
    if info is None:
        return None
    if info.file_size > cap:
        raise PackError(
            [Problem(file=info.filename, message="the file is too large", hint=REBUILD)]
        )
    with zf.open(info) as member:
        return member.read(cap + 1)[:cap]


def parse_manifest(raw: bytes) -> dict:
    """MANIFEST.json's content, checked for shape; raises PackError saying what is wrong."""

    def bad(message: str) -> PackError:
        return PackError([Problem(file=MANIFEST_JSON, message=message, hint=REBUILD)])

    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise bad(f"not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise bad("expected a JSON object")
    if data.get("format") != FORMAT:
        raise bad(
            f"format {data.get('format')!r} is not {FORMAT}: built by another Cuecards version"
        )
    files = data.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _HEX64.match(v) for k, v in files.items()
    ):
        raise bad("'files' must map each file name to its SHA-256 in lower-case hex")
    for key in ("pack", "version"):
        if not isinstance(data.get(key), str):
            raise bad(f"'{key}' must be a string")
    return data


def _identity(listed: dict, pack_id: str, version: str) -> list[Problem]:
    if (listed["pack"], listed["version"]) == (pack_id, version):
        return []
    return [
        Problem(
            file=MANIFEST_JSON,
            message=f"names {listed['pack']} {listed['version']} but pack.yaml says "
            f"{pack_id} {version}: the pack was changed after it was built",
            hint=REBUILD,
        )
    ]


def _compare(
    zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], listed: dict[str, str]
) -> list[Problem]:
    """One problem per changed, added or missing file, in file-name order."""
    problems: list[Problem] = []
    present = {n for n in infos if n not in (MANIFEST_JSON, SIGNATURE)}
    for name in sorted(present | set(listed)):
        if name not in present:
            problems.append(
                Problem(
                    file=name,
                    message="listed in MANIFEST.json but missing from the pack: "
                    "it was removed after the pack was built",
                    hint=REBUILD,
                )
            )
            continue
        if name not in listed:
            what = "it was added after the pack was built"
            if classify(name) == "hidden":
                what = "a hidden file was added after the pack was built"
            problems.append(
                Problem(file=name, message=f"not listed in MANIFEST.json: {what}", hint=REBUILD)
            )
            continue
        try:
            digest = _sha256(zf, infos[name])
        except Exception as exc:  # any decoder failure on untrusted bytes is a plain problem
            problems.append(
                Problem(
                    file=name,
                    message=f"cannot read the file from the zip ({exc}): the pack is damaged",
                    hint=REBUILD,
                )
            )
            continue
        if digest != listed[name]:
            problems.append(
                Problem(
                    file=name,
                    message="changed after the pack was built: its SHA-256 does not match "
                    "MANIFEST.json",
                    hint=REBUILD,
                )
            )
    return problems


def _sha256(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    h = hashlib.sha256()
    with zf.open(info) as member:
        while chunk := member.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()
