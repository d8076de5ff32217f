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

When Redis cannot be reached (down, restarting, cut off from this instance), the limits
still hold, per process: Flask-Limiter's in-memory fallback
(RATELIMIT_IN_MEMORY_FALLBACK_ENABLED, config.py) counts in each worker's memory from the
first call that finds Redis gone, and logs "Rate limit storage unreachable - falling back
to in-memory storage" (logger `flask-limiter`, at WARNING). Sign-in neither fails (no 500)
nor goes unlimited; nobody is locked out by the outage. The price: while Redis is away each
worker counts alone, so one address may make up to (workers x instances) times a limit's
attempts; counts made before the outage are not carried over, nor those made in memory
back to Redis after it. The API's limit per token falls back the same way. The Redis client
gives up on a call after a second (RATELIMIT_STORAGE_OPTIONS; without them a Redis that
accepts connections but never answers would hold a worker for good), so such a Redis
costs the first limited call in each worker about a second, and each later check of it
another. A refused connection (Redis stopped) fails at once. Each worker checks Redis
again from time to time (after 1, 2, 4 ... 32 seconds, on a limited call) and goes back
to the shared counts once it answers, logging "Rate limit storage recovered" (INFO).
The account lockout (app.security.lockout) is in the database, so it is unaffected
either way. tests/faults/test_redis_outage.py shows all of this against a real gunicorn
and a cut Redis.
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
