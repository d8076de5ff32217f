"""Who is calling the API: a personal API token in `Authorization: Bearer ...` (RFC 6750),
checked on every call, and the scope each operation needs.

The session cookie is never read here: an API call with only a cookie is a 401, however
signed in its browser is. The token's owner becomes `current_user` for the rest of the
call, so the helpers the screens use to load a request for the person asking
(app.reads.requests) work unchanged.

A token works while it is neither revoked nor expired and its owner is active; what it may
do is its scopes that its owner's roles still allow (app.security.api_tokens.usable_scopes).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from flask import g, request
from flask_login import AnonymousUserMixin
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from app.database import commit_keeping_loaded
from app.extensions import db
from app.models.api import ApiToken
from app.models.types import utcnow
from app.models.users import User, with_roles_and_stages
from app.security.api_tokens import Scope, parse_token, secret_matches, token_refusal, usable_scopes
from app.web.problems import INSUFFICIENT_SCOPE, UNAUTHORIZED, ApiProblem

P = ParamSpec("P")
R = TypeVar("R")

REALM = 'Bearer realm="permit"'
#: last_used_at is written at most this often per token: a busy token is not a write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: A well-formed hash to compare against when no token has the prefix given, so an
#: unknown prefix costs the same work as a wrong secret.
_NO_SUCH_HASH = "0" * 64


def _unauthorized(detail: str, *, error: str | None = "invalid_token") -> ApiProblem:
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    return ApiProblem(UNAUTHORIZED, detail, headers={"WWW-Authenticate": challenge})


def authenticate() -> None:
    """before_request of the API blueprint: find the caller's token, or 401."""
    # Until a token says otherwise nobody is signed in: Flask-Login must not fall back on
    # the session cookie (this is what Flask-Login itself sets after login_user()).
    g._login_user = AnonymousUserMixin()
    header = request.headers.get("Authorization")
    if not header:
        raise _unauthorized("Send a personal API token: Authorization: Bearer <token>", error=None)
    scheme, _, credentials = header.partition(" ")
    parsed = parse_token(credentials.strip()) if scheme.lower() == "bearer" else None
    if parsed is None:
        raise _unauthorized("The Authorization header does not hold a Permit API token")
    prefix, secret = parsed
    # The token, its owner, their department, roles and stages: one statement.
    token = (
        db.session.execute(
            select(ApiToken)
            .where(ApiToken.prefix == prefix)
            .options(*with_roles_and_stages(joinedload(ApiToken.user)))
        )
        .unique()
        .scalar_one_or_none()
    )
    if not secret_matches(secret, token.secret_hash if token is not None else _NO_SUCH_HASH):
        raise _unauthorized("The token is not valid")
    assert token is not None
    now = utcnow()
    refusal = token_refusal(token, token.user, now)
    if refusal is not None:
        raise _unauthorized(refusal)
    _note_use(token, now)
    g.api_token = token
    g._login_user = token.user


def _note_use(token: ApiToken, now: datetime) -> None:
    """Record when the token was last used, at most once a minute, in its own commit.

    Within the minute nothing is written: the call's work carries on in the look-up's
    transaction, with the token and its owner as loaded (a commit would expire them, and
    the next use of either would read them again)."""
    cutoff = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at >= cutoff:
        return
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < cutoff),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    # Ends the look-up's transaction too: the call's own work starts a fresh one, with
    # the token and its owner still loaded.
    commit_keeping_loaded()


def current_token() -> ApiToken:
    """The token this call came with (only inside the API blueprint's views)."""
    return g.api_token  # type: ignore[no-any-return]


def caller() -> User:
    """The person whose token this call came with."""
    return current_token().user


def check_scope(scope: Scope) -> None:
    """403 unless the token holds `scope` and its owner's roles still allow it."""
    token = current_token()
    if scope not in usable_scopes(token, token.user):
        raise ApiProblem(
            INSUFFICIENT_SCOPE,
            f"This call needs a token with the {scope} scope, which your roles allow",
            headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'},
        )


def requires(scope: Scope) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view so only tokens that may use `scope` reach it, and say so in the
    document: the operation's security requirement names the scope, and its responses
    include 401 and 403. (Apply it outside flask-smorest's decorators, whose notes for the
    document it extends the way `Blueprint.alt_response` does.)"""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            check_scope(scope)
            return view(*args, **kwargs)

        doc = deepcopy(getattr(view, "_apidoc", {}))
        doc.setdefault("manual_doc", {})["security"] = [{"bearerAuth": [str(scope)]}]
        responses = doc.setdefault("response", {}).setdefault("responses", {})
        responses.setdefault(401, []).append("UNAUTHORIZED")
        responses.setdefault(403, []).append("FORBIDDEN")
        guarded._apidoc = doc  # type: ignore[attr-defined]
        return guarded

    return decorator
