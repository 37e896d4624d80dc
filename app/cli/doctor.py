"""`cuecards doctor`: what works on this machine and what to do about what does not."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, NamedTuple

from app import __version__
from app.cli.common import EXIT_FAIL, EXIT_OK, open_services, print_json

if TYPE_CHECKING:
    from app.store.services import Services


KEYRING_TIMEOUT = 5.0  # seconds the keyring may take to answer before doctor moves on


class Check(NamedTuple):
    """One line of the report: `ok`, `warn` or `fail`, and what the person should know.

    A NamedTuple, not a dataclass: the parser imports this module, and `dataclasses` (with
    `inspect`) should load only in the commands that need it."""

    name: str
    status: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return self._asdict()


def cmd_doctor(args: argparse.Namespace) -> int:
    services = open_services(args, every_page=True)  # doctor reads every page of the file
    try:
        checks = run_checks(services)
    finally:
        services.close()
    if args.json:
        print_json([c.as_dict() for c in checks], sys.stdout)
    else:
        for check in checks:
            print(f"{check.status:4}  {check.name}: {check.detail}")
    return EXIT_FAIL if any(c.status == "fail" for c in checks) else EXIT_OK


def run_checks(services: Services) -> list[Check]:
    """Every check, in the order a person would fix things."""
    import platform

    checks = [
        Check(
            "version",
            "ok",
            f"cuecards {__version__}, Python {platform.python_version()}, {sys.platform}",
        ),
        _data_dir(services),
        _database(services),
        _packs(services),
        _pack_sources(services),
        _policy(services),
        _keyring(services),
        _display(),
        _watcher(),
        _hotkey(services),
        _login_item(services),
    ]
    return checks


def _data_dir(services: Services) -> Check:
    path = services.data_dir
    if os.access(path, os.W_OK):
        return Check("data dir", "ok", str(path))
    return Check(
        "data dir", "fail", f"{path} is not writable; fix its permissions or use --data-dir"
    )


def _database(services: Services) -> Check:
    """Where the file is, its schema and journal mode, and how much the local log holds."""
    import sqlite_utils  # the command line's conveniences; the tray app never loads it

    db = sqlite_utils.Database(services.db.conn)
    version = db.execute("PRAGMA user_version").fetchone()[0]
    mode = db.journal_mode
    events, waiting = db["usage_events"].count, db["outbox"].count
    notices = [n for n in services.notices if "could not be read" in n]
    status = "warn" if notices else "ok"
    detail = (
        f"{services.data_dir / 'cuecards.db'} (schema {version}, {mode}; "
        f"{events} usage events, {waiting} reports waiting)"
    )
    return Check("database", status, "; ".join([detail, *notices]))


def _packs(services: Services) -> Check:
    packs = services.catalog.packs()
    if not packs:
        return Check(
            "packs", "warn", "no packs installed; add one with: cuecards pack install PATH"
        )
    cards = sum(p.card_count for p in packs)
    names = ", ".join(f"{p.id} {p.version}" for p in packs)
    return Check("packs", "ok", f"{len(packs)} pack(s), {cards} card(s): {names}")


def _pack_sources(services: Services) -> Check:
    """Each `packs.sources` entry's last sync: when, what happened, what was kept."""
    from app.store.syncstate import SyncState
    from app.sync.signing import KeyFileError, parse_public_key

    settings = services.settings
    problems: list[str] = []
    for key in settings.get("packs.trusted_keys"):
        try:
            parse_public_key(str(key))
        except KeyFileError as exc:
            problems.append(f"packs.trusted_keys: {exc}")
    sources = [str(s) for s in settings.get("packs.sources")]
    if not sources:
        return Check(
            "pack sources",
            "warn" if problems else "ok",
            "; ".join([*problems, "none configured (packs.sources is empty)"]),
        )
    results = {r.source: r for r in SyncState(services.db).results()}
    lines: list[str] = []
    for source in sources:
        result = results.get(source)
        if result is None:
            problems.append(f"{source}: not synced yet; run: cuecards pack sync")
            continue
        when = result.checked_at.strftime("%Y-%m-%d %H:%M UTC")
        line = f"{source}: {result.status} ({when}): {result.message}"
        if result.status == "error":
            last = result.ok_at.strftime("%Y-%m-%d %H:%M UTC") if result.ok_at else "never"
            problems.append(f"{line} (last good sync: {last})")
        else:
            lines.append(line)
    signed = (
        "signatures required"
        if settings.get("packs.require_signatures")
        else ("unsigned packs allowed")
    )
    detail = "; ".join([*problems, *lines, signed])
    return Check("pack sources", "warn" if problems else "ok", detail)


def _policy(services: Services) -> Check:
    policy = services.policy
    if policy.path is None:
        return Check("policy", "ok", "no admin policy (every setting is the person's)")
    locked = ", ".join(sorted(policy.locked)) or "none"
    return Check("policy", "ok", f"{policy.path}: locked: {locked}")


def _keyring(services: Services) -> Check:
    """The OS keyring that keeps the upload secret: its backend, whether it works, and whether a
    secret is stored for `upload.endpoint`. Never reads the secret, never unlocks or prompts,
    never waits more than a few seconds (app.sync.secret_probe); with uploads off and no
    endpoint set, no secret is needed and none is looked up."""
    try:
        import keyring
        from keyring.backends import fail

        from app.sync import secret_probe as sp

        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring install must not stop the other checks
        return Check("keyring", "warn", f"cannot load the keyring: {type(exc).__name__}: {exc}")
    from app.core.consent import consent

    endpoint = str(services.settings.get("upload.endpoint")).strip()
    needed = consent(services.settings).granted
    waits = "uploads wait until then" + (
        "" if needed else " (uploads are off, so nothing waits now)"
    )
    name = sp.backend_name(backend)
    if isinstance(backend, fail.Keyring):
        probe = sp.SecretProbe(name, sp.UNUSABLE, "NoKeyringError")
    elif not needed and not endpoint:
        return Check(
            "keyring", "ok", f"{name}: not asked: uploads are off and no upload.endpoint is set, "
            "so no secret is needed"
        )  # fmt: skip
    else:
        probe = sp.probe_secret(endpoint or "cuecards-doctor-probe", timeout=KEYRING_TIMEOUT)
    status = "warn" if needed else "ok"
    if probe.state == sp.UNUSABLE:
        return Check(
            "keyring", status, f"{name}: no usable keyring ({probe.error}). The upload secret is "
            "kept only in the OS keyring, never in a file: start a Secret Service (GNOME Keyring "
            f"or KWallet) and unlock it; {waits}"
        )  # fmt: skip
    if probe.state == sp.LOCKED:
        return Check(
            "keyring", status, f"{name}: the keyring is locked; doctor does not unlock it (that "
            "would ask for its password). Unlock it (log out and in, or open Passwords and Keys) "
            f"to let Cuecards read the upload secret; {waits}"
        )  # fmt: skip
    if probe.state == sp.TIMEOUT:
        return Check(
            "keyring", status, f"{name}: did not answer within {KEYRING_TIMEOUT:g} s (it may be "
            f"waiting for someone to unlock it); {waits}"
        )  # fmt: skip
    if not endpoint:
        return Check("keyring", "ok", f"{name}: works; no upload.endpoint is set, so no secret")
    if probe.state == sp.STORED:
        return Check("keyring", "ok", f"{name}: works; a secret is stored for {endpoint}")
    return Check(
        "keyring",
        status,
        f"{name}: works; no secret is stored for {endpoint}"
        + ("; run: cuecards report secret" if needed else " (uploads are off)"),
    )


def _watcher() -> Check:
    from app.desktop.watch.doctor import watcher_report

    report = watcher_report(timeout=1.0)
    if report["backend"] is None:
        return Check("watcher", "warn", report["message"])
    status = "ok" if report["ok"] else "warn"
    return Check("watcher", status, f"{report['backend']}: {report['message']}")


def _hotkey(services: Services) -> Check:
    """Whether `hotkey.palette` can be registered here (and does not clash with the system)."""
    from app.desktop.hotkey.global_hotkey import probe_hotkey
    from app.desktop.instance.channel import open_instance

    settings = services.settings
    status = probe_hotkey(
        str(settings.get("hotkey.palette")),
        preference=str(settings.get("hotkey.backend")),
        tray_running=open_instance(services.data_dir).try_handoff("ping"),
    )
    detail = status.message
    if status.observes:
        detail += f" It observes {status.observes}."
    return Check("hotkey", "ok" if status.ok else "warn", detail)


def _login_item(services: Services) -> Check:
    """Whether Cuecards starts at login, and where that is recorded."""
    from app.desktop.autostart import for_this_os

    item = for_this_os()
    on = item.enabled()
    wanted = bool(services.settings.get("ui.autostart"))
    state = f"{'starts' if on else 'does not start'} at login ({item.where})"
    if on != wanted and services.settings.origin("ui.autostart") != "default":
        return Check(
            "autostart",
            "warn",
            f"{state}, but ui.autostart is {str(wanted).lower()}: "
            "the app applies it when it starts",
        )
    return Check("autostart", "ok", state)


def _display() -> Check:
    from app.desktop.display import display_problem

    problem = display_problem()
    if problem:
        return Check("display", "warn", problem)
    where = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY") or sys.platform
    return Check("display", "ok", where)
