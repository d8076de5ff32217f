"""A person revokes one of their own API tokens: it stops working at once, for good."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.api import ApiToken
from app.models.types import utcnow
from app.models.users import User
from app.rules.workflow import NotPermitted


def revoke_api_token(token: ApiToken, actor: User, *, client: Client = NO_CLIENT) -> bool:
    """Revoke `token`; False (and no event) when it already was."""
    if token.user_id != actor.id:
        raise NotPermitted("You can only revoke your own tokens")
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    append_event(
        db.session,
        EventType.API_TOKEN_REVOKED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"token_id": token.id, "prefix": token.prefix, "name": token.name},
    )
    return True
