"""`cuecards pack build|keygen|sign|verify`: the .cuepack file and its Ed25519 signature."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_BAD_INPUT, EXIT_OK, BadInput, load_settings, print_err, print_json
from app.cli.pack import print_problems


def cmd_pack_build(args: argparse.Namespace) -> int:
    from app.core.packrules import size_text
    from app.core.packs import read_manifest
    from app.core.problems import PackError
    from app.sync.cuepack import build_cuepack
    from app.sync.signing import KeyFileError, load_private_key, public_key_text, sign_cuepack

    folder = Path(args.dir)
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a pack folder (build takes the folder with pack.yaml)")
    try:
        key = load_private_key(args.key) if args.key else None
        out = Path(args.output) if args.output else None
        if out is None:
            manifest = read_manifest(folder)
            out = Path(f"{manifest.id}-{manifest.version}.cuepack")
        built = build_cuepack(folder, out)
        if key is not None:
            sign_cuepack(built.path, key)
    except KeyFileError as exc:
        raise BadInput(str(exc)) from None
    except PackError as exc:
        print_problems(args.dir, exc.problems)
        raise BadInput(f"{args.dir}: not built; fix the problems above") from None
    for warning in built.warnings:
        print(f"{args.dir}/{warning}", file=sys.stderr)
    size = size_text(built.path.stat().st_size)
    print(
        f"built {built.path}: {built.pack_id} {built.version}, {built.cards} card(s), "
        f"{built.files} file(s), {size}"
    )
    if key is not None:
        print(f"signed with key {public_key_text(key)}")
    else:
        print(f"not signed; sign it with: cuecards pack sign {built.path} --key KEYFILE")
    return EXIT_OK


def cmd_pack_keygen(args: argparse.Namespace) -> int:
    from app.sync.signing import KeyFileError, generate_key, public_key_text, write_private_key

    key = generate_key()
    try:
        write_private_key(key, args.output)
    except KeyFileError as exc:
        raise BadInput(str(exc)) from None
    public = public_key_text(key)
    print(public)
    print(
        f"wrote the private key to {args.output} (keep it secret; it signs your packs).\n"
        "The line above is the public key: give it to your administrator for the policy:\n"
        "  [locked]\n"
        f'  packs.trusted_keys = ["{public}"]\n'
        "  packs.require_signatures = true",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_pack_sign(args: argparse.Namespace) -> int:
    from app.core.problems import PackError
    from app.sync.signing import KeyFileError, load_private_key, sign_cuepack

    path = Path(args.file)
    if not path.is_file():
        raise BadInput(f"{path}: no such .cuepack file; build one with: cuecards pack build DIR")
    try:
        public = sign_cuepack(path, load_private_key(args.key))
    except KeyFileError as exc:
        raise BadInput(str(exc)) from None
    except PackError as exc:
        print_problems(args.file, exc.problems)
        raise BadInput(f"{args.file}: not signed; fix the problems above") from None
    print(f"signed {path} with key {public}")
    return EXIT_OK


def cmd_pack_verify(args: argparse.Namespace) -> int:
    from app.core.problems import PackError
    from app.sync.signing import KeyFileError, parse_public_key, verify_cuepack

    settings = load_settings(args)
    keys = list(args.key or [])
    for text in keys:
        try:
            parse_public_key(text)
        except KeyFileError as exc:
            raise BadInput(f"--key: {exc}") from None
    trusted = keys or [str(k) for k in settings.get("packs.trusted_keys")]
    required = args.require_signature or bool(settings.get("packs.require_signatures"))
    code = EXIT_OK
    rows: list[dict[str, Any]] = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise BadInput(f"{path}: no such .cuepack file")
        try:
            verified = verify_cuepack(path, trusted_keys=trusted, require_signature=required)
        except PackError as exc:
            code = EXIT_BAD_INPUT
            rows.append({"path": name, "ok": False, "problems": [str(p) for p in exc.problems]})
            if not args.json:
                print_problems(name, exc.problems)
                print_err(f"{name}: verification failed")
            continue
        rows.append(
            {
                "path": name,
                "ok": True,
                "pack": verified.pack_id,
                "version": verified.version,
                "files": verified.files,
                "signed_by": verified.signed_by,
            }
        )
        if not args.json:
            if not verified.listed:
                what = "no MANIFEST.json (a hand-made zip); not signed"
            else:
                what = f"{verified.files} file(s) match MANIFEST.json; " + (
                    f"signed by trusted key {verified.signed_by}"
                    if verified.signed_by
                    else "not signed"
                )
            print(f"{name}: {verified.pack_id} {verified.version}: {what}")
    if args.json:
        print_json(rows, sys.stdout)
    return code
