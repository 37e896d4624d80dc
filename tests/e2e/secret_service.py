"""A real Secret Service for a test: a private D-Bus session bus with GNOME Keyring on it,
unlocked with the password `test` (TESTING.md). Its keyring file lives under the given home, so
a later session on the same home reads the secrets an earlier one stored.

`activated_secret_service` is the other way a desktop gets one: nobody starts GNOME Keyring,
the bus starts it on first use (D-Bus activation, as on a session where PAM did not unlock
it), so the login collection stays locked and a lookup through `keyring` makes it prompt."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SECRETS_NAME = "org.freedesktop.secrets"


def require_tools() -> None:
    """Fail with the fix when D-Bus or GNOME Keyring is missing (CI installs them)."""
    for tool in ("dbus-daemon", "dbus-send", "gnome-keyring-daemon"):
        if shutil.which(tool) is None:
            pytest.fail(
                f"{tool} is missing: run tests/system-deps.sh (packages dbus, gnome-keyring)",
                pytrace=False,
            )


PROMPTER_NAMES = ("org.gnome.keyring.SystemPrompter", "org.gnome.keyring.PrivatePrompter")


def _bus_call(env: dict[str, str], method: str, name: str) -> str:
    done = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", f"org.freedesktop.DBus.{method}", f"string:{name}"],
        env=env, capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    return done.stdout


def owned(env: dict[str, str], name: str = SECRETS_NAME) -> bool:
    """Whether `name` has an owner on the session bus of `env`."""
    return "boolean true" in _bus_call(env, "NameHasOwner", name)


def _owned(env: dict[str, str]) -> bool:
    return owned(env)


@contextmanager
def secret_service(home: Path, runtime: Path, base: dict[str, str]) -> Iterator[dict[str, str]]:
    """Start the bus and the keyring; yield `base` plus the variables that reach them (HOME,
    XDG_DATA_HOME, XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS); stop both afterwards."""
    require_tools()
    home.mkdir(parents=True, exist_ok=True)
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        **base,
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    env.pop("PYTHON_KEYRING_BACKEND", None)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    started = [bus]
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address.startswith("unix:"), f"dbus-daemon printed {address!r}"
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(daemon)
        assert daemon.stdin is not None
        daemon.stdin.write(b"test")
        daemon.stdin.close()
        deadline = time.monotonic() + 30
        while not _owned(env):
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gnome-keyring-daemon did not take the Secret Service name")
            time.sleep(0.1)
        yield env
    finally:
        for proc in reversed(started):
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if bus.stdout is not None:
            bus.stdout.close()


@contextmanager
def activated_secret_service(
    home: Path, runtime: Path, base: dict[str, str]
) -> Iterator[dict[str, str]]:
    """A private session bus whose Secret Service is started by D-Bus activation (the
    system's org.freedesktop.secrets.service); yields the environment that reaches it. The
    keyring under `home` is not unlocked. Afterwards the activated keyring daemon and any
    prompter are stopped by their pids (asked of the bus), then the bus."""
    require_tools()
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {**base, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share"),
           "XDG_RUNTIME_DIR": str(runtime)}  # fmt: skip
    env.pop("PYTHON_KEYRING_BACKEND", None)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        yield env
    finally:
        for name in (SECRETS_NAME, *PROMPTER_NAMES):
            reply = _bus_call(env, "GetConnectionUnixProcessID", name) if bus.poll() is None else ""
            if "uint32" in reply:
                pid = int(reply.split("uint32")[1].split()[0])
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        bus.terminate()
        bus.wait(timeout=10)
        if bus.stdout is not None:
            bus.stdout.close()
