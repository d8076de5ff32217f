"""Personal API tokens: what they may do (scopes), what they look like, and when they stop
working. Plain Python, like app.security.two_factor beside it: app.operations.create_api_token and
revoke_api_token act on these rules, app.api.auth checks them on every call.

A token is `permit_<prefix>_<secret>`. The prefix (12 hex characters) is how the server
finds the token's row and how a person recognises it on their tokens page; the secret
(32 random bytes, URL-safe base64) is stored only as its SHA-256, so a copy of the
database cannot be replayed as a token. The whole token is shown once, when it is made.

What a token may do is the meet of two things, checked on every call: the scopes chosen
when it was made, and the scopes its owner's roles allow today (`SCOPES_BY_ROLE`). A role
taken away, or the owner deactivated, takes the token's power with it at once.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.rules.roles import Role


class Scope(enum.StrEnum):
    #: Read the requests the owner may see, with their revisions and decisions.
    REQUESTS_READ = "requests:read"
    #: Start, change, submit, resubmit and withdraw the department's requests.
    REQUESTS_WRITE = "requests:write"
    #: Decide the stages the owner may sign.
    DECISIONS_WRITE = "decisions:write"
    #: Read and export the audit trail, and its chain head.
    AUDIT_READ = "audit:read"
    #: Administer people, departments, platforms, pipelines and cover (admins).
    ADMIN = "admin"


#: What each scope lets a token do, in words for the tokens page and the API reference.
SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    Scope.REQUESTS_READ: "Read the requests you can see, with their revisions and decisions",
    Scope.REQUESTS_WRITE: "Start, change, submit, resubmit and withdraw your department's requests",
    Scope.DECISIONS_WRITE: "Record decisions on the stages you sign",
    Scope.AUDIT_READ: "Read and export the audit trail",
    Scope.ADMIN: "Administer people, departments, platforms, pipelines and cover",
}

#: The one table of which roles may hold which scopes. Admins administer; they read no
#: requests through the API (the screens show them what they need).
SCOPES_BY_ROLE: dict[Role, frozenset[Scope]] = {
    Role.OFFICER: frozenset({Scope.REQUESTS_READ, Scope.REQUESTS_WRITE}),
    Role.APPROVER: frozenset({Scope.REQUESTS_READ, Scope.DECISIONS_WRITE}),
    Role.AUDITOR: frozenset({Scope.REQUESTS_READ, Scope.AUDIT_READ}),
    Role.ADMIN: frozenset({Scope.ADMIN}),
}

#: How long a new token may last, in days: the creation form offers these.
EXPIRY_DAYS: tuple[int, ...] = (30, 90, 365)

#: Longest name a person may give a token.
NAME_MAX = 100

TOKEN_START = "permit_"
#: Hex characters of the prefix: 48 bits, so two tokens' prefixes practically never meet.
PREFIX_LENGTH = 12
#: Random bytes in the secret (ASVS 2.9.3's 128 bits, twice over).
SECRET_BYTES = 32
_TOKEN = re.compile(rf"permit_([0-9a-f]{{{PREFIX_LENGTH}}})_([A-Za-z0-9_-]{{43}})")


class OwnerLike(Protocol):
    active: bool

    def has_role(self, role: Role) -> bool: ...


class TokenLike(Protocol):
    scopes: list[str]
    expires_at: datetime
    revoked_at: datetime | None


def allowed_scopes(owner: OwnerLike) -> frozenset[Scope]:
    """The scopes `owner`'s roles allow now (none for a deactivated person)."""
    if not owner.active:
        return frozenset()
    return frozenset().union(
        *(scopes for role, scopes in SCOPES_BY_ROLE.items() if owner.has_role(role))
    )


def usable_scopes(token: TokenLike, owner: OwnerLike) -> frozenset[Scope]:
    """What `token` may do now: its own scopes that its owner's roles still allow."""
    chosen = {Scope(value) for value in token.scopes if value in set(Scope)}
    return frozenset(chosen) & allowed_scopes(owner)


def ordered(scopes: Iterable[Scope | str]) -> list[str]:
    """Scopes in the order `Scope` lists them, as stored and shown."""
    chosen = {str(scope) for scope in scopes}
    return [str(scope) for scope in Scope if str(scope) in chosen]


def token_refusal(token: TokenLike, owner: OwnerLike, now: datetime) -> str | None:
    """Why `token` signs no one in now, in words for the caller, or None when it works."""
    if token.revoked_at is not None:
        return "The token has been revoked"
    if token.expires_at <= now:
        return "The token has expired"
    if not owner.active:
        return "The token's owner can no longer use Permit"
    return None


@dataclass(frozen=True)
class NewToken:
    """A token as made: the full text goes to its owner once; the rest is stored."""

    prefix: str
    secret_hash: str
    text: str


def new_token() -> NewToken:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return NewToken(prefix, hash_secret(secret), f"{TOKEN_START}{prefix}_{secret}")


def parse_token(text: str) -> tuple[str, str] | None:
    """(prefix, secret) of a token in the right shape, or None for anything else."""
    match = _TOKEN.fullmatch(text)
    return (match.group(1), match.group(2)) if match else None


def hash_secret(secret: str) -> str:
    """SHA-256 (hex) of a secret: a long random secret needs no slow hash."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, secret_hash: str) -> bool:
    """True when `secret` is the one `secret_hash` was made from (constant time)."""
    return hmac.compare_digest(hash_secret(secret), secret_hash)
