"""Demo users and requests in every status, made through the real operations so the
audit trail is exactly what use would have written. Idempotent.

The demo users get no second factor: approvers, auditors and the admin set up an
authenticator app at their first sign-in, as real ones do (the QR code is drawn by the
service, so this works offline). A secret known in advance would be a second factor that
everyone reading this file holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.audit.chain import append_event
from app.audit.events import EventType
from app.extensions import db
from app.models.departments import Department
from app.models.platforms import Platform
from app.models.requests import AccessRequest
from app.models.users import User, normalise_email
from app.operations.create_request import create_request
from app.operations.create_user import create_user
from app.operations.decide_stage import decide_stage
from app.operations.set_stage_lead import set_stage_lead
from app.operations.submit_request import submit_request
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import Outcome, RequestKind
from app.seed.reference import ensure_reference_data

DEFAULT_DEMO_PASSWORD = "violet-harbour-quietly-42"


@dataclass(frozen=True)
class DemoUser:
    key: str
    email: str
    name: str
    roles: tuple[Role, ...]
    department: str | None = None
    stages: tuple[str, ...] = ()
    #: The stages they lead: told of requests overdue there (`sla tick`).
    leads: tuple[str, ...] = ()


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("officer", "officer@example.gov.uk", "Priya Shah", (Role.OFFICER,), "DSIT"),
    DemoUser("officer_ho", "officer.ho@example.gov.uk", "Tom Baker", (Role.OFFICER,), "HO"),
    DemoUser(
        "security",
        "security@example.gov.uk",
        "Sam Okafor",
        (Role.APPROVER,),
        None,
        ("security",),
        ("security",),
    ),
    DemoUser(
        "no10", "no10@example.gov.uk", "Alex Morgan", (Role.APPROVER,), None, ("no10",), ("no10",)
    ),
    DemoUser(
        "cabinet_office",
        "cabinet.office@example.gov.uk",
        "Jo Williams",
        (Role.APPROVER,),
        None,
        ("cabinet_office",),
        ("cabinet_office",),
    ),
    DemoUser("auditor", "auditor@example.gov.uk", "Ruth Evans", (Role.AUDITOR,)),
    DemoUser("admin", "admin@example.gov.uk", "Dev Patel", (Role.ADMIN,)),
)


def _content(handle: str, purpose: str, **overrides: object) -> dict[str, object]:
    start = date.today() + timedelta(days=30)
    content: dict[str, object] = {
        "kind": RequestKind.NEW_ACCOUNT,
        "account_handle": handle,
        "purpose": purpose,
        "target_audience": "People aged 16 to 24 in the UK who do not follow news outlets",
        "justification": "Our audience research shows this group is not reached elsewhere.",
        "start_date": start,
        "end_date": start + timedelta(days=180),
        "senior_responsible_owner": "Director of Communications",
        "account_managers": "Two members of the digital team, named in the DPIA",
        "device_arrangement": "A dedicated phone bought for this account, kept in a locked "
        "cabinet, never connected to the departmental network",
        "device_attestation": True,
        "dpia_reference": "DPIA-2026-117",
        "ad_budget_pounds": None,
        "risk_mitigations": "Two-person rule for posting; no government data on the device; "
        "monthly review by the security team",
    }
    content.update(overrides)
    return content


def seed_demo_data(password: str = DEFAULT_DEMO_PASSWORD) -> dict[str, object]:
    """Add the demo users and, on a database with no requests yet, the demo requests."""
    ensure_reference_data()
    users: dict[str, User] = {}
    created_users = []
    for demo in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == normalise_email(demo.email)))
        if user is None:
            department = (
                db.session.scalar(select(Department).where(Department.code == demo.department))
                if demo.department
                else None
            )
            user = create_user(
                None,
                email=demo.email,
                display_name=demo.name,
                password=password,
                roles=demo.roles,
                department=department,
                stage_codes=demo.stages,
            )
            for stage in demo.leads:
                set_stage_lead(user, None, stage_code=stage)
            created_users.append(demo.email)
        users[demo.key] = user
    made_requests = 0
    if not db.session.scalar(select(func.count()).select_from(AccessRequest)):
        made_requests = _seed_requests(users)
        append_event(
            db.session,
            EventType.DEMO_DATA_SEEDED,
            payload={"users": len(created_users), "requests": made_requests},
        )
    db.session.flush()
    return {"users_created": created_users, "requests_created": made_requests}


def _seed_requests(u: dict[str, User]) -> int:
    tiktok = db.session.scalar(select(Platform).where(Platform.name == "TikTok"))
    assert tiktok is not None
    officer, officer_ho = u["officer"], u["officer_ho"]
    approvers = [u["security"], u["no10"], u["cabinet_office"]]

    def new(author: User, handle: str, purpose: str, **overrides: object) -> AccessRequest:
        return create_request(
            author, platform=tiktok, content=_content(handle, purpose, **overrides)
        )

    def advance(request: AccessRequest, stages: int, outcome: Outcome = Outcome.APPROVE) -> None:
        for approver in approvers[:stages]:
            conditions = (
                "Review the account's first month of posts with the security team"
                if outcome is Outcome.APPROVE_WITH_CONDITIONS
                else ""
            )
            decide_stage(
                request,
                approver,
                stage=request.current_stage or "",
                version=request.version,
                outcome=outcome,
                conditions=conditions,
            )

    count = 0
    new(officer, "@scienceuk_drafts", "Explain new science funding to young people")
    count += 1
    for stages, handle, purpose in (
        (0, "@dsit_ai_explained", "Explain AI safety work in plain language"),
        (1, "@ukspace_agency_live", "Share UK space missions as they happen"),
        (2, "@scienceweek_uk", "Promote British Science Week events"),
    ):
        request = new(officer, handle, purpose)
        submit_request(request, officer)
        advance(request, stages)
        count += 1

    request = new(officer, "@techskills_uk", "Recruit apprentices into digital roles")
    submit_request(request, officer)
    advance(request, 1)
    decide_stage(
        request,
        u["no10"],
        stage="no10",
        version=request.version,
        outcome=Outcome.REQUEST_CHANGES,
        reason="Say who will moderate comments out of hours.",
    )
    count += 1

    request = new(officer, "@dsit_gov", "Reach young people with the department's news")
    submit_request(request, officer)
    advance(request, 3, Outcome.APPROVE_WITH_CONDITIONS)
    count += 1

    request = new(officer, "@dsit_trends", "Follow trending topics", dpia_reference="pending")
    submit_request(request, officer)
    decide_stage(
        request,
        u["security"],
        stage="security",
        version=request.version,
        outcome=Outcome.REJECT,
        reason="No completed data protection impact assessment.",
    )
    count += 1

    request = new(officer, "@dsit_events", "Cover a conference that was cancelled")
    submit_request(request, officer)
    withdraw_request(request, officer, reason="The conference was cancelled.")
    count += 1

    request = new(
        officer_ho,
        "@ukhomeoffice",
        "Restart the dormant account to warn about illegal crossings",
        kind=RequestKind.REACTIVATE_ACCOUNT,
    )
    submit_request(request, officer_ho)
    count += 1

    new(
        officer_ho,
        "",
        "Advertise the new passport service to first-time applicants",
        kind=RequestKind.PAID_ADVERTISING,
        ad_budget_pounds=25000,
        device_arrangement="",
        device_attestation=False,
    )
    count += 1
    return count
