"""An admin (or the command line) makes a person a lead of a stage they sign, or not.

A stage's leads are told when a request is overdue there (`flask sla tick`'s escalation,
docs/deadlines.md). The change is a `user_updated` event naming the stage.
"""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.users import User
from app.rules.roles import Role
from app.rules.workflow import InvalidContent


def set_stage_lead(
    user: User,
    actor: User | None,
    *,
    stage_code: str,
    lead: bool = True,
    client: Client = NO_CLIENT,
) -> bool:
    """Make `user` a lead of `stage_code` (or not); False (and no event) if they were
    already. `actor` None means the command line."""
    if lead and not (user.has_role(Role.APPROVER) and stage_code in user.stage_codes):
        raise InvalidContent({"stages": "A lead must be an active approver who signs the stage"})
    leads = set(user.lead_stage_codes)
    if (stage_code in leads) == lead:
        return False
    user.lead_stage_codes = leads | {stage_code} if lead else leads - {stage_code}
    db.session.flush()
    append_event(
        db.session,
        EventType.USER_UPDATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={"user_id": user.id, "email": user.email, "stage": stage_code, "lead": lead},
    )
    return True
