"""A person makes a personal API token for their own use (app.security.api_tokens).

The scopes must be ones the person's roles allow now, and every token expires. The token's
text is returned once, for the page that shows it; only its SHA-256 is stored, and the
audit event names the token by id, prefix and name, never by its secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event, format_time
from app.audit.events import EventType
from app.extensions import db
from app.models.api import ApiToken
from app.models.types import utcnow
from app.models.users import User
from app.rules.text import has_any_control_character, one_line_refusal
from app.rules.workflow import InvalidContent, check_active, too_long
from app.security.api_tokens import (
    EXPIRY_DAYS,
    NAME_MAX,
    SCOPE_DESCRIPTIONS,
    Scope,
    allowed_scopes,
    new_token,
    ordered,
)

NO_NAME = "Enter a name for the token"
NO_SCOPES = "Select what the token may do"
NO_EXPIRY = "Select when the token expires"


def create_api_token(
    user: User,
    *,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int,
    client: Client = NO_CLIENT,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it and its full text (shown once, kept nowhere).

    Refused with InvalidContent, keyed by form field (`name`, `scopes`, `expires_in_days`),
    when a field is wrong or a scope is beyond what the person's roles allow.
    """
    check_active(user)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = NO_NAME
    elif len(name) > NAME_MAX:
        errors["name"] = too_long("Name", NAME_MAX)
    elif has_any_control_character(name):
        errors["name"] = one_line_refusal("Name")
    chosen = set(scopes)
    allowed = {str(scope) for scope in allowed_scopes(user)}
    if not chosen:
        errors["scopes"] = NO_SCOPES
    elif not chosen <= allowed:
        beyond = sorted(chosen - allowed)
        known = {str(scope) for scope in SCOPE_DESCRIPTIONS}
        errors["scopes"] = (
            "Your roles do not allow a token to " + ", ".join(beyond)
            if set(beyond) <= known
            else "Select what the token may do from the list"
        )
    if expires_in_days not in EXPIRY_DAYS:
        errors["expires_in_days"] = NO_EXPIRY
    if errors:
        raise InvalidContent(errors)
    made = new_token()
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=made.prefix,
        secret_hash=made.secret_hash,
        scopes=ordered(Scope(value) for value in chosen),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    db.session.add(token)
    db.session.flush()
    append_event(
        db.session,
        EventType.API_TOKEN_CREATED,
        actor=ActorSnapshot.of(user),
        client=client,
        payload={
            "token_id": token.id,
            "prefix": token.prefix,
            "name": token.name,
            "scopes": list(token.scopes),
            "expires_at": format_time(token.expires_at),
        },
    )
    return token, made.text
