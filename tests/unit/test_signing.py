"""Ed25519 keys, signing and verification of `.cuepack` files, and the trust rule."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest

from app.core.problems import PackError
from app.sync.cuepack import build_cuepack, manifest_json
from app.sync.signing import (
    KeyFileError,
    generate_key,
    load_private_key,
    parse_public_key,
    public_key_text,
    sign_cuepack,
    signature_json,
    verify_cuepack,
    write_private_key,
)
from tests.unit.cuepack_helpers import GOOD, read_entry, rewrite_zip

REBUILD = "Fix: rebuild the pack from its folder with `cuecards pack build` and sign it again"


@pytest.fixture()
def key():
    return generate_key()


@pytest.fixture()
def signed(tmp_path: Path, key) -> Path:
    built = build_cuepack(GOOD, tmp_path / "acme.cuepack")
    sign_cuepack(built.path, key)
    return built.path


def refusal(path: Path, **kw) -> list[str]:
    with pytest.raises(PackError) as caught:
        verify_cuepack(path, **kw)
    return [str(p) for p in caught.value.problems]


def test_keygen_writes_a_private_file_and_never_overwrites_it(tmp_path: Path, key) -> None:
    path = tmp_path / "publisher.key"
    write_private_key(key, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert public_key_text(load_private_key(path)) == public_key_text(key)
    assert len(public_key_text(key)) == 44
    with pytest.raises(KeyFileError, match="already exists; choose another name"):
        write_private_key(generate_key(), path)
    assert public_key_text(load_private_key(path)) == public_key_text(key)


def test_unusable_key_files_say_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "notakey").write_text("hello\n")
    with pytest.raises(KeyFileError) as caught:
        load_private_key(tmp_path / "notakey")
    assert str(caught.value) == (
        f"{tmp_path / 'notakey'}: not an unencrypted PEM private key; create one with: "
        "cuecards pack keygen -o KEYFILE"
    )
    with pytest.raises(KeyFileError, match="cannot read the key file: No such file"):
        load_private_key(tmp_path / "missing.key")
    with pytest.raises(KeyFileError, match="is not an Ed25519 public key"):
        parse_public_key("c2hvcnQ=")


def test_a_signed_pack_verifies_against_its_trusted_key(signed: Path, key) -> None:
    verified = verify_cuepack(signed, trusted_keys=[public_key_text(key)], require_signature=True)

    assert (verified.pack_id, verified.version, verified.files) == ("acme.finance", "1.4.0", 5)
    assert verified.signed_by == public_key_text(key) and verified.listed
    signature = json.loads(read_entry(signed, "SIGNATURE"))
    assert set(signature) == {"alg", "key", "sig"} and signature["alg"] == "ed25519"


def test_a_key_that_is_not_trusted_is_refused_with_the_key_named(signed: Path, key) -> None:
    other = public_key_text(generate_key())

    assert refusal(signed, trusted_keys=[other, "garbage"], require_signature=False) == [
        f"SIGNATURE: signed by key {public_key_text(key)}, which is not in packs.trusted_keys. "
        "Fix: ask your administrator to add the publisher's key to packs.trusted_keys in the "
        "policy, or run: cuecards config set packs.trusted_keys KEY (when the policy does not "
        "lock it)"
    ]


def test_unsigned_packs_pass_only_when_signatures_are_not_required(tmp_path: Path) -> None:
    built = build_cuepack(GOOD, tmp_path / "plain.cuepack")

    assert verify_cuepack(built.path, trusted_keys=[], require_signature=False).signed_by is None
    assert refusal(built.path, trusted_keys=[], require_signature=True) == [
        "SIGNATURE: the pack is not signed, and this computer's policy "
        "(packs.require_signatures) accepts only packs signed by a trusted key. "
        "Fix: sign it with: cuecards pack sign FILE.cuepack --key KEYFILE"
    ]


def test_a_card_changed_after_signing_is_named(signed: Path, key) -> None:
    card = read_entry(signed, "cards/pivot-refresh.md") + b"\nVisit http://evil.example\n"
    rewrite_zip(signed, {"cards/pivot-refresh.md": card})

    assert refusal(signed, trusted_keys=[public_key_text(key)], require_signature=True) == [
        "cards/pivot-refresh.md: changed after the pack was built: its SHA-256 does not match "
        f"MANIFEST.json. {REBUILD}"
    ]


def test_a_manifest_rewritten_to_match_a_changed_card_breaks_the_signature(
    signed: Path, key
) -> None:
    card = read_entry(signed, "cards/pivot-refresh.md") + b"\nchanged\n"
    manifest = json.loads(read_entry(signed, "MANIFEST.json"))
    manifest["files"]["cards/pivot-refresh.md"] = hashlib.sha256(card).hexdigest()
    new_manifest = manifest_json("acme.finance", "1.4.0", manifest["files"])
    rewrite_zip(signed, {"cards/pivot-refresh.md": card, "MANIFEST.json": new_manifest})

    assert refusal(signed, trusted_keys=[public_key_text(key)], require_signature=True) == [
        "MANIFEST.json: the signature does not match: the file list was changed after the pack "
        f"was signed. {REBUILD}"
    ]


def test_re_signing_with_an_attackers_key_is_not_trusted(signed: Path, key) -> None:
    attacker = generate_key()
    forged = signature_json(read_entry(signed, "MANIFEST.json"), attacker)
    rewrite_zip(signed, {"SIGNATURE": forged})

    (message,) = refusal(signed, trusted_keys=[public_key_text(key)], require_signature=False)
    assert message.startswith(f"SIGNATURE: signed by key {public_key_text(attacker)}, which is")


def test_signing_refuses_a_pack_whose_files_changed(signed: Path, key) -> None:
    rewrite_zip(signed, {"cards/go-to-cell.md": b"---\nid: x\n---\n"})

    with pytest.raises(PackError, match="cards/go-to-cell.md: changed after the pack was built"):
        sign_cuepack(signed, key)


def test_re_signing_replaces_the_signature(signed: Path, key) -> None:
    second = generate_key()
    sign_cuepack(signed, second)

    verified = verify_cuepack(
        signed, trusted_keys=[public_key_text(second)], require_signature=True
    )
    assert verified.signed_by == public_key_text(second)
