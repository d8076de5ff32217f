"""Rate limits (Flask-Limiter) on every endpoint that takes a secret: sign-in, the second
factor, setting a password.

Two limits each: per client address, and per account, so that neither many addresses
against one account nor one address against many accounts gets far. Counters live in
Redis when RATELIMIT_STORAGE_URI (or REDIS_URL) is set, shared by every instance; in
memory otherwise, which is per process. The client address is what Werkzeug's ProxyFix
made of the configured number of proxies' X-Forwarded-For, never a header taken on trust.
Only POSTs count: showing the form costs nothing.

    @blueprint.route("/sign-in", methods=["GET", "POST"])
    @throttled(account_key=account_from_form("email"))
    def sign_in(): ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request

from app.extensions import limiter
from app.models.users import normalise_email

F = TypeVar("F", bound=Callable[..., object])


def client_address() -> str:
    return request.remote_addr or "unknown"


def account_key(identity: str) -> str:
    # Hashed so that addresses people typed do not sit in Redis as plain text.
    return "account:" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def account_from_form(field: str) -> Callable[[], str]:
    """A key function: the account named by the form's `field` (an email address)."""

    def key() -> str:
        return account_key(normalise_email(request.form.get(field, ""))[:254])

    return key


def _address_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGN_IN_PER_ADDRESS"])


def _account_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGN_IN_PER_ACCOUNT"])


def throttled(account: Callable[[], str]) -> Callable[[F], F]:
    """Limit a view's POSTs per client address and per the account `account()` names."""

    per_account = limiter.limit(
        _account_limit, key_func=account, methods=["POST"], scope="secret-account"
    )
    per_address = limiter.limit(
        _address_limit, key_func=client_address, methods=["POST"], scope="secret-address"
    )

    def decorator(view: F) -> F:
        return per_address(per_account(view))  # type: ignore[return-value]

    return decorator
