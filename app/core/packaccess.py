"""Safe, read-only access to a pack by path, whichever form it has (a folder or a `.cuepack`
zip): its checked listing, its digest, or pack.yaml alone for a quick look."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.core.packfiles import PackFiles
from app.core.packfolder import FolderFiles, folder_manifest
from app.core.packrules import REBUILD_HINT, Limits
from app.core.packzip import ZipFiles, file_sha256, zip_manifest_bytes
from app.core.problems import PackError, Problem


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
        problem = Problem(file="", message=f"'{source}' is not a valid zip file", hint=REBUILD_HINT)
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
        return file_sha256(source)
    with open_pack_files(source, limits) as files:
        return files.digest()


def manifest_bytes_only(path: str | Path, limits: Limits) -> bytes:
    """pack.yaml's bytes without listing or reading the rest of the pack (a quick look)."""
    source = Path(path)
    if source.is_dir():
        return folder_manifest(source, limits)
    if not (source.is_file() and zipfile.is_zipfile(source)):
        raise _not_a_pack(source)
    return zip_manifest_bytes(source, limits)
