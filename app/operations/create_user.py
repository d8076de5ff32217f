"""An admin (or the command line) creates a user."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.audit.chain import NO_CLIENT, ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.departments import Department
from app.models.platforms import Stage
from app.models.users import User, normalise_email
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, name_refusal
from app.security.passwords import hash_password

EMAIL_MAX = 254
NAME_MAX = 200
LEADS_NOT_SIGNED = "A person can lead only the stages they sign"


def check_user_fields(
    *,
    email: str,
    display_name: str,
    roles: Iterable[Role],
    department: Department | None,
    stage_codes: Iterable[str],
    existing_id: int | None = None,
    current_department_id: int | None = None,
) -> None:
    """Raise InvalidContent unless these are a coherent set of account details. A retired
    department takes nobody new; someone already in it (`current_department_id`) stays."""
    errors: dict[str, str] = {}
    email = normalise_email(email)
    roles, stage_codes = set(roles), set(stage_codes)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > EMAIL_MAX or " " in email:
        errors["email"] = "Enter an email address in the correct format, like name@example.gov.uk"
    else:
        taken = db.session.scalar(select(User.id).where(User.email == email))
        if taken is not None and taken != existing_id:
            errors["email"] = "A user with this email address already exists"
    if not display_name.strip() or len(display_name) > NAME_MAX:
        errors["display_name"] = f"Enter a name of {NAME_MAX:,} characters or fewer"
    elif refusal := name_refusal("Name", display_name, NAME_MAX):
        errors["display_name"] = refusal  # a control character: app.rules.text
    if not roles:
        errors["roles"] = "Select at least one role"
    if Role.OFFICER in roles and department is None:
        errors["department"] = "An officer needs a department"
    if department is not None and not department.active and department.id != current_department_id:
        errors["department"] = f"{department.name} is retired: choose another department"
    if Role.APPROVER in roles and not stage_codes:
        errors["stages"] = "An approver needs at least one stage to sign"
    if stage_codes and Role.APPROVER not in roles:
        errors["stages"] = "Only approvers sign stages"
    known = set(db.session.scalars(select(Stage.code)))
    if stage_codes - known:
        errors["stages"] = f"Unknown stage: {', '.join(sorted(stage_codes - known))}"
    if errors:
        raise InvalidContent(errors)


def create_user(
    actor: User | None,
    *,
    email: str,
    display_name: str,
    password: str | None,
    roles: Iterable[Role],
    department: Department | None = None,
    stage_codes: Iterable[str] = (),
    lead_stage_codes: Iterable[str] = (),
    client: Client = NO_CLIENT,
) -> User:
    """Create an active user; `actor` None means the command line. `lead_stage_codes`:
    the stages they lead, some of `stage_codes`."""
    roles, stage_codes = frozenset(roles), frozenset(stage_codes)
    leads = frozenset(lead_stage_codes)
    check_user_fields(
        email=email,
        display_name=display_name,
        roles=roles,
        department=department,
        stage_codes=stage_codes,
    )
    if leads - stage_codes:
        raise InvalidContent({"leads": LEADS_NOT_SIGNED})
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        department=department,
        active=True,
    )
    user.roles = roles
    user.stage_codes = stage_codes
    user.lead_stage_codes = leads
    db.session.add(user)
    db.session.flush()
    append_event(
        db.session,
        EventType.USER_CREATED,
        actor=ActorSnapshot.of(actor),
        client=client,
        payload={
            "user_id": user.id,
            "email": user.email,
            "roles": sorted(str(role) for role in roles),
            "department": department.code if department else None,
            "stages": sorted(stage_codes),
            "leads": sorted(leads),
        },
    )
    return user
