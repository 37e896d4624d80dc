"""May this pack be installed here? Contents, signature and trust under the policy, and the
rule that a pack id belongs to the publisher (and signing key) that first installed it.

Used by `pack sync` (every source) and `pack install` (a file the person picked), so the
admin's `packs.require_signatures` and `packs.trusted_keys` cannot be side-stepped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.core.model import PackManifest
from app.core.problems import PackError, Problem
from app.store.cardrecords import PackInfo
from app.store.syncstate import Origin
from app.sync.signing import verify_cuepack

_ID_HINT = (
    "a pack id belongs to one publisher: ask this publisher to use an id of its own "
    "(e.g. starting with the organisation's name)"
)


def verify_for_install(path: Path, get: Callable[[str], object]) -> str | None:
    """Check a pack against the policy; the signer's key (base64) or None. Raises PackError.

    `get` reads settings (e.g. `Settings.get`). A folder cannot be signed: it passes only
    when signatures are not required. A `.cuepack` must match its manifest, and a signature
    must be valid and by a trusted key (see `app.sync.signing.verify_cuepack`).
    """
    required = bool(get("packs.require_signatures"))
    if path.is_dir():
        if required:
            raise PackError(
                [
                    Problem(
                        file="",
                        message="a pack folder cannot be signed, and this computer's policy "
                        "(packs.require_signatures) accepts only signed packs",
                        hint="build and sign it: cuecards pack build FOLDER -o FILE.cuepack "
                        "--key KEYFILE",
                    )
                ]
            )
        return None
    keys = get("packs.trusted_keys")
    trusted = [str(k) for k in keys] if isinstance(keys, list) else []
    return verify_cuepack(path, trusted_keys=trusted, require_signature=required).signed_by


def check_owner(
    manifest: PackManifest,
    signed_by: str | None,
    installed: PackInfo | None,
    origin: Origin | None,
) -> None:
    """Refuse a pack whose id is installed from another publisher or another signing key."""
    if installed is None:
        return
    if installed.publisher != manifest.publisher:
        raise PackError(
            [
                Problem(
                    file="pack.yaml",
                    field="id",
                    message=f"the pack id '{manifest.id}' is already installed from publisher "
                    f"'{installed.publisher}'; this pack is from '{manifest.publisher}'",
                    hint=_ID_HINT,
                )
            ]
        )
    if origin is None or origin.signed_by is None or origin.signed_by == signed_by:
        return
    now = f"by key {signed_by}" if signed_by else "not signed"
    raise PackError(
        [
            Problem(
                file="SIGNATURE",
                message=f"'{manifest.id}' from '{installed.publisher}' was installed signed by "
                f"key {origin.signed_by}; this one is {now}",
                hint="a publisher keeps its key; to accept a new key, remove the pack first "
                f"(cuecards pack remove {manifest.id}) and install it again",
            )
        ]
    )
