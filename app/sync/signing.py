"""Ed25519 keys and signatures for `.cuepack` files, through the `cryptography` package.

- Private key file: PKCS#8 PEM, unencrypted, written with mode 0600 and never overwritten.
- Public key: base64 of the 32 raw key bytes; that text is what `packs.trusted_keys` holds.
- SIGNATURE (a file in the zip): `{"alg": "ed25519", "key": "<public key>", "sig": "<base64
  of the 64-byte signature over the exact MANIFEST.json bytes>"}`, sorted keys, final newline.

Since MANIFEST.json holds the SHA-256 of every file, one signature covers the whole pack.
Trust rule: a signed pack installs only when its key is in `packs.trusted_keys`; an unsigned
pack installs only when `packs.require_signatures` is off.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.core.packrules import DEFAULT_LIMITS, Limits
from app.core.problems import PackError, Problem
from app.sync.cuepack import (
    MANIFEST_JSON,
    REBUILD,
    SIGNATURE,
    check_contents,
    read_entries,
    write_zip,
)

ALG = "ed25519"
_TRUST_HINT = (
    "ask your administrator to add the publisher's key to packs.trusted_keys in the policy, "
    "or run: cuecards config set packs.trusted_keys KEY (when the policy does not lock it)"
)


class KeyFileError(Exception):
    """A key file or key text that cannot be used; the message names it and says why."""


@dataclass(frozen=True, slots=True)
class Verified:
    """A `.cuepack` whose contents match its manifest and whose signature is acceptable.

    `signed_by` is the signer's public key (base64) or None for an unsigned pack;
    `listed` is False for a zip without MANIFEST.json (accepted only when unsigned is).
    """

    pack_id: str
    version: str
    files: int
    signed_by: str | None
    listed: bool


def generate_key() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def write_private_key(key: Ed25519PrivateKey, path: str | Path) -> None:
    """Write the key as PKCS#8 PEM with mode 0600; refuses to replace an existing file."""
    path = Path(path)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except FileExistsError:
        raise KeyFileError(
            f"{path}: the file already exists; choose another name (a key is never overwritten)"
        ) from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot create the key file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read a private key written by `cuecards pack keygen`; KeyFileError says what is wrong."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read the key file: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyFileError(
            f"{path}: not an unencrypted PEM private key; create one with: "
            "cuecards pack keygen -o KEYFILE"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(
            f"{path}: the key is not an Ed25519 key; create one with: "
            "cuecards pack keygen -o KEYFILE"
        )
    return key


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes (what packs.trusted_keys lists)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> bytes:
    """The 32 raw bytes of a base64 public key; KeyFileError when it is not one."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        shown = text if len(text) <= 60 else text[:59] + "…"
        raise KeyFileError(
            f"{shown!r} is not an Ed25519 public key (expected 44 characters of base64, as "
            "printed by cuecards pack keygen)"
        )
    return raw


def signature_json(manifest_bytes: bytes, key: Ed25519PrivateKey) -> bytes:
    """The SIGNATURE file's bytes for these exact MANIFEST.json bytes."""
    body = {
        "alg": ALG,
        "key": public_key_text(key),
        "sig": base64.b64encode(key.sign(manifest_bytes)).decode("ascii"),
    }
    return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()


def check_signature(manifest_bytes: bytes, signature_bytes: bytes) -> str:
    """The signer's public key (base64) when SIGNATURE is a valid signature of the manifest.

    Raises PackError naming SIGNATURE or MANIFEST.json otherwise.
    """

    def bad(message: str, file: str = SIGNATURE) -> PackError:
        return PackError([Problem(file=file, message=message, hint=REBUILD)])

    try:
        data = json.loads(signature_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad("not valid JSON") from None
    if not isinstance(data, dict) or data.get("alg") != ALG:
        alg = data.get("alg") if isinstance(data, dict) else None
        raise bad(f"unsupported signature algorithm {alg!r}; Cuecards uses {ALG}")
    key_text, sig_text = data.get("key"), data.get("sig")
    if not isinstance(key_text, str) or not isinstance(sig_text, str):
        raise bad("'key' and 'sig' must be base64 strings")
    try:
        raw_key = parse_public_key(key_text)
        signature = base64.b64decode(sig_text, validate=True)
    except (KeyFileError, binascii.Error, ValueError):
        raise bad("'key' or 'sig' is not valid base64 of the right length") from None
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, manifest_bytes)
    except InvalidSignature:
        raise bad(
            "the signature does not match: the file list was changed after the pack was signed",
            file=MANIFEST_JSON,
        ) from None
    return base64.b64encode(raw_key).decode("ascii")


def sign_cuepack(path: str | Path, key: Ed25519PrivateKey) -> str:
    """Add (or replace) SIGNATURE in a built `.cuepack`; returns the public key used.

    Refuses a pack whose files no longer match its manifest, or one without a manifest:
    a signature must never vouch for content nobody checked.
    """
    path = Path(path)
    contents = check_contents(path)
    if contents.manifest_bytes is None:
        raise PackError(
            [
                Problem(
                    file=MANIFEST_JSON,
                    message="the zip has no MANIFEST.json, so there is nothing to sign",
                    hint="build it with: cuecards pack build FOLDER -o FILE.cuepack",
                )
            ]
        )
    entries = read_entries(path)
    entries[SIGNATURE] = signature_json(contents.manifest_bytes, key)
    write_zip(path, entries)
    return public_key_text(key)


def trusted_raw_keys(keys: Iterable[str]) -> set[bytes]:
    """The usable keys of a `packs.trusted_keys` list (malformed entries are left out)."""
    raw: set[bytes] = set()
    for text in keys:
        try:
            raw.add(parse_public_key(text))
        except KeyFileError:
            continue
    return raw


def verify_cuepack(
    path: str | Path,
    *,
    trusted_keys: Iterable[str],
    require_signature: bool,
    limits: Limits = DEFAULT_LIMITS,
) -> Verified:
    """Check a `.cuepack` before it may be installed; PackError names every problem.

    Every file must match MANIFEST.json; a signature must be valid and by a trusted key; an
    unsigned pack (or one without a manifest) passes only when signatures are not required.
    """
    contents = check_contents(path, limits)
    listed = contents.manifest_bytes is not None
    if contents.signature_bytes is None:
        if require_signature:
            raise PackError(
                [
                    Problem(
                        file=SIGNATURE,
                        message="the pack is not signed, and this computer's policy "
                        "(packs.require_signatures) accepts only packs signed by a trusted key",
                        hint="sign it with: cuecards pack sign FILE.cuepack --key KEYFILE",
                    )
                ]
            )
        return Verified(contents.pack_id, contents.version, contents.files, None, listed)
    assert contents.manifest_bytes is not None  # check_contents refuses SIGNATURE alone
    signer = check_signature(contents.manifest_bytes, contents.signature_bytes)
    if base64.b64decode(signer) not in trusted_raw_keys(trusted_keys):
        raise PackError(
            [
                Problem(
                    file=SIGNATURE,
                    message=f"signed by key {signer}, which is not in packs.trusted_keys",
                    hint=_TRUST_HINT,
                )
            ]
        )
    return Verified(contents.pack_id, contents.version, contents.files, signer, listed)
