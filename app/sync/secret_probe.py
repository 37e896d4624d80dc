"""Whether the OS keyring holds the upload secret, found out without unlocking, prompting or
blocking: for `cuecards doctor`, which must always finish.

`keyring.get_password` on a locked Secret Service collection asks the service to unlock it;
GNOME Keyring (started by D-Bus activation, with nobody logged in through PAM to unlock it)
then shows a password prompt and waits for an answer, forever when nobody is there, and
`doctor` hung. So the Secret Service is asked only what never prompts: the collection's
`Locked` property and `SearchItems`, which lists matching items without reading a secret.
Other backends (KWallet, macOS Keychain, Windows Credential Locker, none at all) are asked
through `keyring` itself. Either way the probe runs in a daemon thread that is left behind
after `timeout` seconds, so nothing can hold `doctor` up. The secret itself is never read.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from app.sync.upload import KEYRING_SERVICE

STORED, MISSING, LOCKED, UNUSABLE, TIMEOUT = "stored", "missing", "locked", "unusable", "timeout"


class SecretProbe(NamedTuple):
    """What the probe found: `state` is one of the constants above; `error` names the
    exception when the keyring is unusable."""

    backend: str
    state: str
    error: str = ""


def backend_name(backend: Any) -> str:
    """The keyring backend's dotted name, with what a chainer chains."""
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    inner = getattr(backend, "backends", None)
    if inner is not None:
        name += " (" + ", ".join(type(b).__module__ for b in inner) + ")"
    return name


def probe_secret(username: str, timeout: float = 5.0) -> SecretProbe:
    """Whether a secret is stored for `username` (an upload endpoint); see the module doc."""
    import keyring

    backend = keyring.get_keyring()
    name = backend_name(backend)
    result: list[SecretProbe] = []

    def work() -> None:
        try:
            result.append(SecretProbe(name, _probe(backend, username)))
        except Exception as exc:  # any keyring or D-Bus failure means "not usable now"
            result.append(SecretProbe(name, UNUSABLE, type(exc).__name__))

    thread = threading.Thread(target=work, name="cuecards-keyring-probe", daemon=True)
    thread.start()
    thread.join(timeout)
    return result[0] if result else SecretProbe(name, TIMEOUT)


def _probe(backend: Any, username: str) -> str:
    from keyring.backends import SecretService

    if isinstance(backend, SecretService.Keyring):
        return _secret_service(backend, username)
    return STORED if backend.get_password(KEYRING_SERVICE, username) else MISSING


def _secret_service(backend: Any, username: str) -> str:
    """Ask the collection keyring would use, never unlocking it (which would prompt)."""
    import secretstorage
    from secretstorage.exceptions import ItemNotFoundException

    query = getattr(backend, "_query", None)
    attributes = (
        query(KEYRING_SERVICE, username)
        if callable(query)
        else {"service": KEYRING_SERVICE, "username": username}
    )
    connection = secretstorage.dbus_init()
    try:
        path = getattr(backend, "preferred_collection", secretstorage.collection.DEFAULT_COLLECTION)
        try:
            collection = secretstorage.Collection(connection, path)
        except ItemNotFoundException:
            return MISSING  # no collection yet: keyring creates it (with a prompt) on first store
        if collection.is_locked():
            return LOCKED
        return STORED if next(collection.search_items(attributes), None) else MISSING
    finally:
        connection.close()
