"""Bearer tokens of the collector: made here, shown once, stored only as a SHA-256 digest.

A token is `cct_` and 43 URL-safe characters (256 random bits), so a fast hash is enough: no
one can guess a token from its digest, and checking one costs microseconds per request. Its
public id (for `token list` and `token revoke`) is the first 12 hex digits of the digest.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

PREFIX = "cct_"
_TOKEN = re.compile(r"^cct_[A-Za-z0-9_-]{43}\Z")
ID_LENGTH = 12
MAX_NAME = 120


@dataclass(frozen=True, slots=True)
class Token:
    """One stored token: its public id, the digest, who it is for, and when it was revoked."""

    id: str
    digest: str
    name: str
    cohort: str | None
    created_at: float
    revoked_at: float | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def new_token() -> str:
    """A fresh random token (the only time its text exists is when it is printed)."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The SHA-256 hex digest stored in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_id(token_digest: str) -> str:
    """The token's public id: the start of its digest."""
    return token_digest[:ID_LENGTH]


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None when there is none or it is
    not one of our tokens (such a request is answered 401)."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not _TOKEN.match(value):
        return None
    return value
