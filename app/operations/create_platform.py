"""An admin adds a platform: its name and the rule for its handles. It takes requests
once it has a pipeline (app.operations.set_pipeline), which the admin sets next."""

from __future__ import annotations

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.platforms import Platform
from app.models.users import User
from app.operations.update_platform import check_platform_name
from app.rules.content import HANDLE_MAX, HandleRule
from app.rules.text import has_control_characters
from app.rules.workflow import InvalidContent

#: What a handle may hold besides letters and digits: at most this many characters.
PUNCTUATION_MAX = 20


def create_platform(
    actor: User | None,
    *,
    name: str,
    handle_max_length: int | None = None,
    handle_punctuation: str = "",
    risk_notes: str = "",
    client: Client = NO_CLIENT,
) -> Platform:
    """Add an active, restricted platform with no pipeline yet; `actor` None means the
    command line."""
    errors = check_platform_name(name)
    if handle_max_length is not None and not 1 <= handle_max_length <= HANDLE_MAX:
        errors["handle_max_length"] = (
            f"The longest handle must be between 1 and {HANDLE_MAX} characters"
        )
    punctuation = handle_punctuation.strip()
    if len(punctuation) > PUNCTUATION_MAX or any(
        ch.isalnum() or ch.isspace() for ch in punctuation
    ):
        errors["handle_punctuation"] = (
            f"Enter up to {PUNCTUATION_MAX} punctuation characters, such as _ and ., "
            "with no letters, digits or spaces"
        )
    elif has_control_characters(punctuation):
        errors["handle_punctuation"] = "Punctuation must not contain control characters"
    if has_control_characters(risk_notes):
        errors["risk_notes"] = "Risk notes must not contain control characters"
    if errors:
        raise InvalidContent(errors)
    platform = Platform(
        name=name.strip(),
        restricted=True,
        risk_notes=risk_notes.strip(),
        active=True,
        handle_rule=(
            HandleRule(handle_max_length, "".join(sorted(set(punctuation))))
            if handle_max_length is not None
            else None
        ),
    )
    db.session.add(platform)
    db.session.flush()
    append_event(
        db.session,
        EventType.PLATFORM_CREATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "platform_id": platform.id,
            "name": platform.name,
            "restricted": True,
            "handle_max_length": platform.handle_max_length,
            "handle_punctuation": platform.handle_punctuation,
        },
    )
    return platform
