"""doctor's keyring probe: says whether the upload secret is there, and gives up on a keyring
that does not answer instead of waiting with it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend

from app.sync import secret_probe as sp


class Memory(KeyringBackend):
    """A keyring in memory; `hang` makes every lookup wait, as one waiting on a prompt does."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}
        self.hang = threading.Event()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        if self.hang.is_set():
            self.release.wait(30)
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def memory() -> Iterator[Memory]:
    previous = keyring.get_keyring()
    backend = Memory()
    keyring.set_keyring(backend)
    yield backend
    backend.release.set()
    keyring.set_keyring(previous)


def test_a_stored_secret_is_found_and_a_missing_one_is_not(memory: Memory) -> None:
    memory.set_password("cuecards", "https://lrs.example/xapi", "user:pass")
    assert sp.probe_secret("https://lrs.example/xapi").state == sp.STORED
    assert sp.probe_secret("https://other.example").state == sp.MISSING
    assert sp.probe_secret("x").backend == "tests.unit.test_secret_probe.Memory"


def test_a_keyring_that_does_not_answer_is_given_up_on(memory: Memory) -> None:
    memory.hang.set()  # the lookup would wait 30 s; the probe answers while it still waits
    assert sp.probe_secret("https://lrs.example/xapi", timeout=0.3).state == sp.TIMEOUT
