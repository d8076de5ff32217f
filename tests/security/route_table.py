"""Every route the service serves, who may use it, and how to reach an object through it.

Deny by default, written down: tests/security/test_route_table.py fails when the app
serves a (method, rule) with no row here, or a row names a route that is gone. Each row
says who may use the route (`allowed`), what they get (`success`), who is told the object
does not exist (`hidden`: 404, so another department's requests do not leak), how to make
what the URL names (`subject`), and a form that succeeds (`form`). Everyone else signed in
gets 403; a signed-out person is sent to sign in.

The people are the `World` of tests/factories.py (`Who`): the department's officer, an
officer of another department, the first approver of each stage, the auditor, the admin,
and nobody signed in.
"""

from __future__ import annotations

import enum
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import Flask

from app.audit.checks import request_check
from app.audit.export import ExportFormat
from app.audit.filters import AuditFilters
from app.audit.manifest import filter_description
from app.deadlines.clock import london_today
from app.extensions import db
from app.models import AccessRequest, Delegation, Department, Platform, User
from app.models.audit_checks import CheckScope
from app.operations.account_changes import file_account_change
from app.operations.account_lifecycle import record_opening
from app.operations.create_api_token import create_api_token
from app.operations.create_request import create_request
from app.operations.decide_stage import decide_stage
from app.operations.issue_password_link import issue_password_link
from app.operations.record_export import record_export
from app.operations.submit_request import submit_request
from app.operations.two_factor import confirm_enrolment, start_enrolment
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import Outcome, Status
from app.security.api_tokens import allowed_scopes
from app.security.passwords import hash_password
from app.security.user_sessions import open_session
from tests import outbox
from tests.factories import PASSWORD, World, complete_content, make_platform, make_user
from tests.web.client import PermitClient, csrf_token, current_code, post_form

#: Methods every rule answers by itself; they run no view of ours.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})

#: Numbers for the names and codes the admin routes' subjects and forms make.
_numbers = itertools.count(1)

#: A new password the policy accepts (app.security.password_policy).
NEW_PASSWORD = "violet kettle harbour lantern"


class Who(enum.StrEnum):
    """The people every route is tried with."""

    ANONYMOUS = "anonymous"
    OFFICER = "officer"
    #: An officer of another department.
    OUTSIDER = "outsider"
    #: The first approver of each stage of the pipeline.
    SECURITY = "security"
    NO10 = "no10"
    CABINET_OFFICE = "cabinet_office"
    AUDITOR = "auditor"
    ADMIN = "admin"

    def user(self, world: World) -> User | None:
        return None if self is Who.ANONYMOUS else getattr(world, self.value)


EVERYONE = frozenset(Who)
SIGNED_IN = EVERYONE - {Who.ANONYMOUS}
OFFICERS = frozenset({Who.OFFICER, Who.OUTSIDER})
APPROVERS = frozenset({Who.SECURITY, Who.NO10, Who.CABINET_OFFICE})
#: People whose roles need a second factor (the world gives them one).
WITH_SECOND_FACTOR = SIGNED_IN - OFFICERS
#: Who may see the department's request once it is submitted (app.rules.access.can_view).
SEE_SUBMITTED = frozenset({Who.OFFICER, *APPROVERS, Who.AUDITOR, Who.ADMIN})
#: Who may read the register of approved accounts (app.reads.register).
REGISTER_READERS = frozenset(
    {Who.OFFICER, Who.OUTSIDER, Who.SECURITY, Who.CABINET_OFFICE, Who.AUDITOR}
)
#: Who is told a draft does not exist: drafts are the department's own business.
DRAFT_HIDDEN = frozenset({Who.OUTSIDER, *APPROVERS})


# One use of a route ----------------------------------------------------------------------


@dataclass
class Subject:
    """What one use of a route is about: the values of the rule's variables, and what
    they name."""

    values: dict[str, str] = field(default_factory=dict)
    request: AccessRequest | None = None
    #: The person the route is about (someone signing in, a user an admin acts on).
    user: User | None = None
    #: That person's recovery codes, when they have a second factor.
    recovery_codes: list[str] = field(default_factory=list)


@dataclass
class Use:
    """Who is using a route, from which browser."""

    world: World
    who: Who
    client: PermitClient

    @property
    def user(self) -> User | None:
        return self.who.user(self.world)


#: Makes a fresh subject in the world, so a route that changes it can be used again.
Maker = Callable[[World], Subject]
#: Form data that makes a POST succeed for an allowed person.
FormData = Callable[[Use, Subject], dict[str, Any]]
#: Brings the browser or the world to the state the route needs (run before each use).
Step = Callable[[Use, Subject], None]


# Subjects ------------------------------------------------------------------------------


def request_of(
    world: World, status: Status = Status.IN_REVIEW, *, author: User | None = None
) -> AccessRequest:
    """A complete request filed by `author` (the department's officer), brought to
    `status` the usual way, at the security stage while in review; committed."""
    author = author or world.officer
    access_request = create_request(author, platform=world.platform, content=complete_content())
    if status is not Status.DRAFT:
        submit_request(access_request, author)
    if status in (Status.CHANGES_REQUESTED, Status.REJECTED):
        outcome = Outcome.REQUEST_CHANGES if status is Status.CHANGES_REQUESTED else Outcome.REJECT
        decide_stage(
            access_request,
            world.security,
            stage="security",
            version=access_request.version,
            outcome=outcome,
            reason="Name a second account manager",
        )
    elif status is Status.APPROVED:
        for stage in ("security", "no10", "cabinet_office"):
            decide_stage(
                access_request,
                world.approvers_for(stage)[0],
                stage=stage,
                version=access_request.version,
                outcome=Outcome.APPROVE,
            )
    elif status is Status.WITHDRAWN:
        withdraw_request(access_request, author)
    db.session.commit()
    assert access_request.status == status
    return access_request


@functools.cache
def a_request(status: Status, **values: str) -> Maker:
    """A maker of the department's request in `status` (plus fixed values, like a section).

    One maker per set of arguments, so a test may share one subject among the routes
    that only read it."""

    def make(world: World) -> Subject:
        access_request = request_of(world, status)
        return Subject({"reference": access_request.reference, **values}, access_request)

    return make


def an_approved_account(_action: str = "record_opening") -> Maker:
    """A maker of the department's request approved with conditions at Security: its
    account awaits opening, with condition 1 open."""

    def make(world: World) -> Subject:
        access_request = create_request(
            world.officer, platform=world.platform, content=complete_content()
        )
        submit_request(access_request, world.officer)
        for stage in ("security", "no10", "cabinet_office"):
            decide_stage(
                access_request,
                world.approvers_for(stage)[0],
                stage=stage,
                version=access_request.version,
                outcome=Outcome.APPROVE_WITH_CONDITIONS if stage == "security" else Outcome.APPROVE,
                conditions="Keep the device locked away" if stage == "security" else "",
            )
        db.session.commit()
        values = {"reference": access_request.reference, "action": _action, "number": "1"}
        return Subject(values, access_request)

    return make


def an_open_account(world: World) -> Subject:
    """The department's approved account, recorded as opened: changes may be asked for."""
    subject = an_approved_account()(world)
    assert subject.request is not None
    account = subject.request.account
    record_opening(
        account,
        world.officer,
        handle="@dept_open",
        url="",
        opened_on=london_today(),
        owner="Olive Officer",
        version=account.version,
    )
    db.session.commit()
    return subject


def an_account_change(world: World) -> Subject:
    """An open account with change 1 waiting for Security (the platform's change pipeline)."""
    subject = an_open_account(world)
    assert subject.request is not None
    account = subject.request.account
    file_account_change(
        account,
        world.officer,
        handle="@dept_renamed",
        owner=account.owner,
        purpose=account.purpose,
        reason="Renamed",
        version=account.version,
    )
    db.session.commit()
    return subject


def fixed(**values: str) -> Maker:
    """A maker for a rule whose variables name nothing of ours (an asset's file name)."""

    def make(_world: World) -> Subject:
        return Subject(dict(values))

    return make


def no_subject(_world: World) -> Subject:
    return Subject()


def a_person(*, second_factor: bool) -> Maker:
    """A maker of a new auditor (a role that needs a second factor), with one set up or
    not yet. New each time: a code is good only once."""

    def make(_world: World) -> Subject:
        user = make_user(Role.AUDITOR, second_factor=False)
        codes: list[str] = []
        if second_factor:
            start_enrolment(user)
            codes = confirm_enrolment(user, current_code(user)) or []
            user.totp_last_counter = None  # signing in may use the same 30 seconds' code
        db.session.commit()
        return Subject({"user_id": str(user.id)}, user=user, recovery_codes=codes)

    return make


def a_department(_world: World) -> Subject:
    """A new department of its own, so renaming or retiring it touches nobody else's."""
    number = next(_numbers)
    department = Department(code=f"RT{number}", name=f"Route Table Department {number}")
    db.session.add(department)
    db.session.commit()
    return Subject({"department_id": str(department.id)})


def a_retired_department(world: World) -> Subject:
    subject = a_department(world)
    db.session.get(Department, int(subject.values["department_id"])).active = False
    db.session.commit()
    return subject


def a_retired_platform(world: World) -> Subject:
    subject = a_platform(world)
    db.session.get(Platform, int(subject.values["platform_id"])).active = False
    db.session.commit()
    return subject


def a_platform(_world: World) -> Subject:
    """A new platform of its own, so renaming or retiring it touches nobody else's."""
    platform = make_platform(name=f"Route Table Platform {next(_numbers)}")
    db.session.commit()
    return Subject({"platform_id": str(platform.id)})


def an_approver(_world: World) -> Subject:
    """A new Security approver, whose cover an admin sets."""
    user = make_user(Role.APPROVER, stages=("security",), second_factor=False)
    db.session.commit()
    return Subject({"user_id": str(user.id)}, user=user)


def a_delegation(world: World) -> Subject:
    """Cover for the Security approver of the world by a new colleague: the two people
    it names, and admins, may end it; the world's other approvers are told it does not
    exist."""
    colleague = make_user(Role.APPROVER, stages=("no10",), second_factor=False)
    today = london_today()
    delegation = Delegation(
        delegator=world.security, delegate=colleague, starts_on=today, ends_on=today
    )
    db.session.add(delegation)
    db.session.commit()
    return Subject({"delegation_id": str(delegation.id), "user_id": str(world.security.id)})


def cover_form(use: Use, _subject: Subject) -> dict[str, Any]:
    """Cover by another of the world's approvers, on days of its own each time (cover for
    one person must not overlap)."""
    day = london_today() + timedelta(days=2 * next(_numbers))
    colleague = use.world.cabinet_office if use.who is Who.NO10 else use.world.no10
    return {"delegate": str(colleague.id), "starts_on": _parts(day), "ends_on": _parts(day)}


def _parts(day: date) -> list[str]:
    """A date as GOV.UK's date input sends it: day, month, year, under one name."""
    return [str(day.day), str(day.month), str(day.year)]


def new_platform_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"name": f"New Platform {next(_numbers)}", "handle_max_length": "30"}


def pipeline_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    """Version 2 of a new platform's pipeline: Security alone, with a target of its own."""
    return {
        "based_on": "1",
        "steps-0-stage": "security",
        "steps-0-quorum": "any_one",
        "steps-0-target_working_days": str(2 + next(_numbers) % 30),
    }


def invite_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {
        "email": f"invited{next(_numbers)}@example.gov.uk",
        "display_name": "Ivy Invited",
        "roles": ["auditor"],
    }


def person_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"display_name": f"Renamed Person {next(_numbers)}", "roles": ["auditor"]}


def department_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    number = next(_numbers)
    return {"code": f"NEW{number}", "name": f"New Department {number}"}


def sign_in_policy_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"sso_required": ["auditor"]}


def rename_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"name": f"Renamed {next(_numbers)}"}


def an_api_export(world: World) -> Subject:
    """An export the auditor made through the API: its audit event's seq names it."""
    seq, _hash = record_export(
        world.auditor,
        export_format=ExportFormat.CSV,
        filter_description=filter_description(AuditFilters()),
        via="api",
    )
    db.session.commit()
    return Subject({"seq": str(seq)})


def an_officers_other_session(world: World) -> Subject:
    """A session of the department's officer other than the one their browser uses (as if
    signed in on another device): they may end it; for everyone else it does not exist."""
    row, _token = open_session(world.officer, user_agent="Firefox/128.0 (Macintosh)")
    db.session.commit()
    return Subject({"session_id": str(row.id)})


def another_session(use: Use, _subject: Subject) -> None:
    """A second session of the signed-in person's, so that there is another to end."""
    if use.user is not None:
        open_session(use.user, user_agent="Firefox/128.0 (Macintosh)")
        db.session.commit()


def an_officers_api_token(world: World) -> Subject:
    """A personal API token of the department's officer."""
    token, _text = create_api_token(
        world.officer, name="Dashboard", scopes=["requests:read"], expires_in_days=30
    )
    db.session.commit()
    return Subject({"token_id": str(token.id)})


def a_failed_message(world: World) -> Subject:
    """A notification whose delivery failed for good (so Retry applies), about a request
    of the department's officer."""
    message = outbox.failed(world)
    return Subject({"message_id": str(message.id)})


def an_audit_check(world: World) -> Subject:
    """A check of the audit chain the auditor asked for (waiting for the worker)."""
    check, _queued = request_check(CheckScope.FULL, world.auditor)
    db.session.commit()
    return Subject({"check_id": str(check.id)})


def a_password_link(world: World) -> Subject:
    """A new officer's one-time link to set their password."""
    user = make_user(Role.OFFICER, department=world.department)
    token = issue_password_link(user, world.admin, valid_hours=72)
    db.session.commit()
    return Subject({"token": token}, user=user)


# Forms that succeed --------------------------------------------------------------------


def no_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {}


def version_of(subject: Subject) -> dict[str, Any]:
    assert subject.request is not None
    return {"version": subject.request.version}


def sign_in_form(use: Use, _subject: Subject) -> dict[str, Any]:
    return {"email": use.world.officer.email, "password": PASSWORD}


def new_request_form(use: Use, _subject: Subject) -> dict[str, Any]:
    return {"platform": str(use.world.platform.id), "kind": "new_account"}


def section_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return {**version_of(subject), "purpose": "Reach more people", "save_continue": "y"}


def submit_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return version_of(subject)


def withdraw_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return {**version_of(subject), "reason": "No longer needed"}


def account_version(subject: Subject) -> dict[str, Any]:
    """The version of the subject's account (1 for a request that has none, such as
    another department's draft an IDOR tries)."""
    account = subject.request.account if subject.request is not None else None
    if account is None:
        return {"version": 1}
    db.session.refresh(account)
    return {"version": account.version}


def opening_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return {
        **account_version(subject),
        "handle": "@dept_live",
        "opened_on": _parts(london_today()),
        "owner": "Olive Officer",
    }


def condition_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return {**account_version(subject), "evidence": "Locked in a cabinet"}


def change_form(_use: Use, subject: Subject) -> dict[str, Any]:
    assert subject.request is not None
    return {
        **account_version(subject),
        "handle": "@dept_changed",
        "owner": "Olive Officer",
        "purpose": subject.request.purpose,
        "reason": "The unit was renamed",
    }


def change_decision_form(_use: Use, subject: Subject) -> dict[str, Any]:
    account = subject.request.account if subject.request is not None else None
    change = account.change(1) if account is not None else None
    if change is not None:
        db.session.refresh(change)
    return {
        "version": change.version if change is not None else 1,
        "stage": "security",
        "outcome": "approve",
    }


def change_pipeline_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"change_pipeline": ["security"]}


def decision_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return {**version_of(subject), "stage": "security", "outcome": "approve"}


def export_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"format": "csv"}


def check_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"scope": "routine"}


def new_api_token_form(use: Use, _subject: Subject) -> dict[str, Any]:
    scopes = sorted(allowed_scopes(use.user)) if use.user is not None else []
    return {"name": "Dashboard", "scopes": scopes, "expires_in_days": "30"}


def api_new_request(use: Use, _subject: Subject) -> dict[str, Any]:
    return {"platform": use.world.platform.name, "kind": "new_account"}


def api_new_platform(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"name": f"API Platform {next(_numbers)}"}


def api_pipeline(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"based_on": 1, "stages": [{"stage": "security"}]}


def api_invite(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"email": f"invited{next(_numbers)}@example.gov.uk", "name": "Ivy", "roles": ["auditor"]}


def api_person_changes(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"name": f"Renamed Person {next(_numbers)}"}


def api_cover(use: Use, _subject: Subject) -> dict[str, Any]:
    day = london_today() + timedelta(days=2 * next(_numbers))
    return {
        "delegator": use.world.security.email,
        "delegate": use.world.no10.email,
        "starts_on": day.isoformat(),
        "ends_on": day.isoformat(),
    }


def api_changes(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"purpose": "Reach more people"}


def api_decision(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"outcome": "approve", "stage": "security"}


def code_of(user: User | None) -> dict[str, Any]:
    """The code `user`'s authenticator app shows now (any code when they have none)."""
    if user is None:
        return {"code": "123456"}
    db.session.refresh(user)  # a page may have just made the secret, in its own session
    return {"code": current_code(user) if user.totp_secret else "123456"}


def signing_in_code_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return code_of(subject.user)


def recovery_code_form(_use: Use, subject: Subject) -> dict[str, Any]:
    return {"code": subject.recovery_codes[0] if subject.recovery_codes else "none"}


def own_code_form(use: Use, _subject: Subject) -> dict[str, Any]:
    return code_of(use.user)


def change_password_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }


def daily_digest_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"frequency": "daily"}


def set_password_form(_use: Use, _subject: Subject) -> dict[str, Any]:
    return {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}


# Steps before and after ----------------------------------------------------------------

TWO_FACTOR = "/sign-in/two-factor"
RECOVERY_CODE = "/sign-in/recovery-code"
SET_UP = "/sign-in/set-up-two-factor"
ACCOUNT_SET_UP = "/account/two-factor/set-up"


def password_given(use: Use, subject: Subject) -> None:
    """A signed-out browser gives the subject's right password: half-way through signing in."""
    if use.who is not Who.ANONYMOUS:
        return
    assert subject.user is not None
    response = post_form(
        use.client, "/sign-in", {"email": subject.user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == TWO_FACTOR, response.headers["Location"]


def set_up_shown(use: Use, subject: Subject) -> None:
    """Password given, and the set-up page shown: it has made the secret to confirm."""
    password_given(use, subject)
    if use.who is Who.ANONYMOUS:
        assert use.client.get(SET_UP).status_code == 200


def set_up_confirmed(use: Use, subject: Subject) -> None:
    """Password given, a second factor set up with a first code: recovery codes shown."""
    set_up_shown(use, subject)
    if use.who is Who.ANONYMOUS:
        token = csrf_token(use.client.get(SET_UP))
        response = use.client.post(SET_UP, data={**code_of(subject.user), "csrf_token": token})
        assert "recovery codes" in response.get_data(as_text=True), response.status_code


def own_set_up_shown(use: Use, _subject: Subject) -> None:
    """The signed-in person opens their own set-up page (which makes a secret if they
    have no second factor yet)."""
    if use.who is not Who.ANONYMOUS:
        use.client.get(ACCOUNT_SET_UP)


def officer_has_second_factor(use: Use, _subject: Subject) -> None:
    """An officer chose a second factor (so they may turn it off) and its next code is
    unused; people whose roles need one have theirs already."""
    user = use.user
    if user is None or use.who not in OFFICERS:
        return
    if not user.has_second_factor:
        start_enrolment(user)
        confirm_enrolment(user, current_code(user))
    user.totp_last_counter = None
    db.session.commit()


def password_back(use: Use, _subject: Subject) -> None:
    """Put the person's test password back, so they can sign in again later."""
    user = use.user
    if user is not None:
        db.session.refresh(user)
        user.password_hash = hash_password(PASSWORD)
        db.session.commit()


# The table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    allowed: frozenset[Who]
    #: What an allowed person gets: 200 for a page, 302 for a form that moves on.
    success: int = 200
    #: Allowed people who get something else (the sign-in page sends a signed-in person home).
    success_for: Mapping[Who, int] = field(default_factory=dict)
    #: People told that the object does not exist (404) rather than refused (403).
    hidden: frozenset[Who] = frozenset()
    subject: Maker = no_subject
    form: FormData = no_form
    #: The GET rule of the page whose form posts here.
    form_page: str | None = None
    #: Using the route ends the session: a signed-in person uses it from a browser of
    #: their own. (A signed-out person always has a new browser for each route.)
    ends_session: bool = False
    #: Run before each use: the state the route needs.
    before: Step | None = None
    #: Run after each use: put back what later uses rely on.
    after: Step | None = None
    #: Added to the URL (an export's format).
    query: str = ""

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def api(self) -> bool:
        """A route of the JSON API: called with the person's token, never their cookie."""
        return self.rule.startswith("/api/")

    @property
    def variables(self) -> tuple[str, ...]:
        """The names of the rule's variables (`reference` in /requests/<reference>)."""
        return tuple(match.group(1) for match in _VARIABLE.finditer(self.rule))

    def url(self, subject: Subject) -> str:
        path = _VARIABLE.sub(lambda match: subject.values[match.group(1)], self.rule)
        return path + self.query

    def expected(self, who: Who) -> int:
        """The status code `who` gets: a signed-out person is sent to sign in (302), or
        told by the API to send a token (401)."""
        if who in self.allowed:
            return self.success_for.get(who, self.success)
        if who is Who.ANONYMOUS:
            return 401 if self.api else 302
        return 404 if who in self.hidden else 403


#: A rule's variable: <name>, <converter:name> or <converter(arguments):name>.
_VARIABLE = re.compile(r"<(?:[^:>]+:)?([a-z_]+)>")


def route(method: str, rule: str, allowed: Iterable[Who], **options: Any) -> Route:
    """A row: `route("GET", "/requests/", OFFICERS)`; options as the Route's fields."""
    if "hidden" in options:
        options["hidden"] = frozenset(options["hidden"])
    return Route(method, rule, frozenset(allowed), **options)


def go_home(people: Iterable[Who]) -> dict[Who, int]:
    """`success_for` of a page that sends these people elsewhere (302)."""
    return dict.fromkeys(people, 302)


def _second_step(
    method: str, rule: str, success: int, maker: Maker, before: Step, form: FormData
) -> Route:
    """A page of the second step of signing in: public, for a browser whose password was
    right. Everyone signed in is sent home."""
    return route(
        method,
        rule,
        EVERYONE,
        success=success,
        success_for=go_home(SIGNED_IN),
        subject=maker,
        before=before,
        form=form if method == "POST" else no_form,
        form_page=rule if method == "POST" and rule != SET_UP + "/continue" else None,
    )


ROUTES: tuple[Route, ...] = (
    # Signing in and out, and the pages anyone may reach.
    route("GET", "/", SIGNED_IN, success=302),
    route("GET", "/sign-in", EVERYONE, success_for=go_home(SIGNED_IN)),
    route(
        "POST",
        "/sign-in",
        EVERYONE,
        success=302,
        success_for=go_home(SIGNED_IN),
        form=sign_in_form,
        form_page="/sign-in",
    ),
    _second_step("GET", TWO_FACTOR, 200, a_person(second_factor=True), password_given, no_form),
    _second_step(
        "POST", TWO_FACTOR, 302, a_person(second_factor=True), password_given, signing_in_code_form
    ),
    _second_step("GET", RECOVERY_CODE, 200, a_person(second_factor=True), password_given, no_form),
    _second_step(
        "POST",
        RECOVERY_CODE,
        302,
        a_person(second_factor=True),
        password_given,
        recovery_code_form,
    ),
    _second_step("GET", SET_UP, 200, a_person(second_factor=False), password_given, no_form),
    _second_step(
        "POST", SET_UP, 200, a_person(second_factor=False), set_up_shown, signing_in_code_form
    ),
    _second_step(
        "POST", SET_UP + "/continue", 302, a_person(second_factor=False), set_up_confirmed, no_form
    ),
    route("POST", "/sign-out", SIGNED_IN, success=302, form_page="/", ends_session=True),
    # A one-time link to set a password: public, the link is the proof.
    route("GET", "/set-password/<token>", EVERYONE, subject=a_password_link),
    route(
        "POST",
        "/set-password/<token>",
        EVERYONE,
        success=302,
        subject=a_password_link,
        form=set_password_form,
        form_page="/set-password/<token>",
    ),
    route("GET", "/healthz", EVERYONE),
    # Single sign-on: not set up here (no OIDC_ISSUER), so not there for anyone;
    # tests/web/test_sso.py runs it against a real provider.
    route("GET", "/sign-in/sso", EVERYONE, success=404),
    route("GET", "/sign-in/sso/callback", EVERYONE, success=404),
    route("GET", "/readyz", EVERYONE),
    route(
        "GET",
        "/assets/<path:filename>",
        EVERYONE,
        subject=fixed(filename="govuk-frontend.min.css"),
    ),
    # Everyone's own account: the password, and a second factor (officers may turn
    # theirs off; the other roles need one).
    route("GET", "/account/", SIGNED_IN),
    route("GET", "/account/password", SIGNED_IN),
    route(
        "POST",
        "/account/password",
        SIGNED_IN,
        success=302,
        form=change_password_form,
        form_page="/account/password",
        after=password_back,
    ),
    # Everyone's choice of an email for each update or a daily digest.
    route("GET", "/account/notifications", SIGNED_IN),
    route(
        "POST",
        "/account/notifications",
        SIGNED_IN,
        success=302,
        form=daily_digest_form,
        form_page="/account/notifications",
    ),
    route("GET", "/account/two-factor", SIGNED_IN),
    route("GET", ACCOUNT_SET_UP, SIGNED_IN, success_for=go_home(WITH_SECOND_FACTOR)),
    route(
        "POST",
        ACCOUNT_SET_UP,
        SIGNED_IN,
        success_for=go_home(WITH_SECOND_FACTOR),
        before=own_set_up_shown,
        form=own_code_form,
        form_page=ACCOUNT_SET_UP,
    ),
    route("GET", "/account/two-factor/turn-off", OFFICERS, before=officer_has_second_factor),
    route(
        "POST",
        "/account/two-factor/turn-off",
        OFFICERS,
        success=302,
        before=officer_has_second_factor,
        form=own_code_form,
        form_page="/account/two-factor/turn-off",
    ),
    # Everyone's own sessions: end another, or all but this one. Someone else's session
    # does not exist, for them.
    route("GET", "/account/sessions", SIGNED_IN),
    route(
        "POST",
        "/account/sessions/<int:session_id>/end",
        {Who.OFFICER},
        success=302,
        hidden=SIGNED_IN - {Who.OFFICER},
        subject=an_officers_other_session,
        form_page="/account/sessions",
    ),
    route(
        "POST",
        "/account/sessions/end-others",
        SIGNED_IN,
        success=302,
        before=another_session,
        form_page="/account/sessions",
    ),
    # Everyone's own API tokens (an admin's roles allow no scope: the form makes none).
    route("GET", "/account/api-reference", SIGNED_IN),
    route("GET", "/account/api-tokens", SIGNED_IN),
    route(
        "POST",
        "/account/api-tokens",
        SIGNED_IN,
        form=new_api_token_form,
        form_page="/account/api-tokens",
    ),
    # Someone else's token does not exist, for them.
    route(
        "POST",
        "/account/api-tokens/<int:token_id>/revoke",
        {Who.OFFICER},
        success=302,
        hidden=SIGNED_IN - {Who.OFFICER},
        subject=an_officers_api_token,
        form_page="/account/api-tokens",
    ),
    # Officers: their department's requests.
    route("GET", "/requests/", OFFICERS),
    route("GET", "/requests/new", OFFICERS),
    route(
        "POST",
        "/requests/new",
        OFFICERS,
        success=302,
        form=new_request_form,
        form_page="/requests/new",
    ),
    route(
        "GET",
        "/requests/<reference>",
        SEE_SUBMITTED,
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    route(
        "GET",
        "/requests/<reference>/record",
        SEE_SUBMITTED,
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    route(
        "GET",
        "/requests/<reference>/edit/<section>",
        {Who.OFFICER},
        hidden=DRAFT_HIDDEN,
        subject=a_request(Status.DRAFT, section="purpose"),
    ),
    route(
        "POST",
        "/requests/<reference>/edit/<section>",
        {Who.OFFICER},
        success=302,
        hidden=DRAFT_HIDDEN,
        subject=a_request(Status.DRAFT, section="purpose"),
        form=section_form,
        form_page="/requests/<reference>/edit/<section>",
    ),
    route(
        "GET",
        "/requests/<reference>/check",
        {Who.OFFICER},
        hidden=DRAFT_HIDDEN,
        subject=a_request(Status.DRAFT),
    ),
    route(
        "POST",
        "/requests/<reference>/submit",
        {Who.OFFICER},
        success=302,
        hidden=DRAFT_HIDDEN,
        subject=a_request(Status.DRAFT),
        form=submit_form,
        form_page="/requests/<reference>/check",
    ),
    route(
        "GET",
        "/requests/<reference>/submitted",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    # In review, so approvers see it: they are refused (403), not told it is missing.
    route(
        "GET",
        "/requests/<reference>/withdraw",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    route(
        "POST",
        "/requests/<reference>/withdraw",
        {Who.OFFICER},
        success=302,
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
        form=withdraw_form,
        form_page="/requests/<reference>/withdraw",
    ),
    # An approved account's steps (the officers' opening and conditions here; the
    # others, by Security and Cabinet Office, in tests/web/requests/test_account_steps.py).
    # Approvers and auditors see the request, so they are refused, not told it is missing.
    route(
        "GET",
        "/requests/<reference>/account/<action>",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=an_approved_account(),
    ),
    route(
        "POST",
        "/requests/<reference>/account/<action>",
        {Who.OFFICER},
        success=302,
        hidden={Who.OUTSIDER},
        subject=an_approved_account(),
        form=opening_form,
        form_page="/requests/<reference>/account/<action>",
    ),
    route(
        "GET",
        "/requests/<reference>/account/conditions/<int:number>",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=an_approved_account(),
    ),
    route(
        "POST",
        "/requests/<reference>/account/conditions/<int:number>",
        {Who.OFFICER},
        success=302,
        hidden={Who.OUTSIDER},
        subject=an_approved_account(),
        form=condition_form,
        form_page="/requests/<reference>/account/conditions/<int:number>",
    ),
    # A change to an open account: asked for by its officers, decided by Security (the
    # platform's change pipeline); the other approvers see the request and are refused.
    route(
        "GET",
        "/requests/<reference>/account/changes/new",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=an_open_account,
    ),
    route(
        "POST",
        "/requests/<reference>/account/changes/new",
        {Who.OFFICER},
        success=302,
        hidden={Who.OUTSIDER},
        subject=an_open_account,
        form=change_form,
        form_page="/requests/<reference>/account/changes/new",
    ),
    route(
        "GET",
        "/requests/<reference>/account/changes/<int:number>/decide",
        {Who.SECURITY},
        hidden={Who.OUTSIDER},
        subject=an_account_change,
    ),
    route(
        "POST",
        "/requests/<reference>/account/changes/<int:number>/decide",
        {Who.SECURITY},
        success=302,
        hidden={Who.OUTSIDER},
        subject=an_account_change,
        form=change_decision_form,
        form_page="/requests/<reference>/account/changes/<int:number>/decide",
    ),
    # The register: officers their department's, oversight and auditors all; Security's
    # reviews due; the public page, off unless PERMIT_PUBLIC_REGISTER=1 (404 for all).
    route("GET", "/register/", REGISTER_READERS),
    route("GET", "/register/export.csv", REGISTER_READERS),
    route("GET", "/register/reviews", {Who.SECURITY}),
    route("GET", "/register/public", EVERYONE, success=404),
    # Approvers: the queue, and deciding the stage they hold. The role is checked before
    # the request is looked up, so nobody else learns whether a reference exists.
    route("GET", "/review/", APPROVERS),
    route("GET", "/review/<reference>/decide", APPROVERS, subject=a_request(Status.IN_REVIEW)),
    # An approver's own cover: set it, and end one that names them (another pair's is
    # not found).
    route("GET", "/review/account-changes", APPROVERS),
    route("GET", "/review/cover", APPROVERS),
    route(
        "POST",
        "/review/cover",
        APPROVERS,
        success=302,
        form=cover_form,
        form_page="/review/cover",
    ),
    route(
        "POST",
        "/review/cover/<int:delegation_id>/end",
        {Who.SECURITY},
        hidden={Who.NO10, Who.CABINET_OFFICE},
        success=302,
        subject=a_delegation,
        form_page="/review/cover",
    ),
    route(
        "POST",
        "/review/<reference>/decide",
        {Who.SECURITY},
        success=302,
        subject=a_request(Status.IN_REVIEW),
        form=decision_form,
        form_page="/review/<reference>/decide",
    ),
    # Auditors: read, export, and ask for checks of the chain (the worker runs them).
    route("GET", "/audit-log/", {Who.AUDITOR}),
    route("POST", "/audit-log/export", {Who.AUDITOR}, form=export_form, form_page="/audit-log/"),
    route("GET", "/audit-log/verify", {Who.AUDITOR}),
    route(
        "POST",
        "/audit-log/verify",
        {Who.AUDITOR},
        success=302,
        form=check_form,
        form_page="/audit-log/verify",
    ),
    route("GET", "/audit-log/verify/<int:check_id>", {Who.AUDITOR}, subject=an_audit_check),
    # Admins.
    route("GET", "/admin/", {Who.ADMIN}),
    route(
        "GET",
        "/admin/users/<int:user_id>/reset-two-factor",
        {Who.ADMIN},
        subject=a_person(second_factor=True),
    ),
    route(
        "POST",
        "/admin/users/<int:user_id>/reset-two-factor",
        {Who.ADMIN},
        success=302,
        subject=a_person(second_factor=True),
        form_page="/admin/users/<int:user_id>/reset-two-factor",
    ),
    # How people sign in: the roles that must use single sign-on.
    route("GET", "/admin/sign-in", {Who.ADMIN}),
    route(
        "POST",
        "/admin/sign-in",
        {Who.ADMIN},
        success=302,
        form=sign_in_policy_form,
        form_page="/admin/sign-in",
    ),
    # People: find, invite, change, sign out everywhere, deactivate and reactivate.
    route("GET", "/admin/people", {Who.ADMIN}),
    route("GET", "/admin/people/invite", {Who.ADMIN}),
    route(
        "POST",
        "/admin/people/invite",
        {Who.ADMIN},
        form=invite_form,
        form_page="/admin/people/invite",
    ),
    route("GET", "/admin/people/<int:user_id>", {Who.ADMIN}, subject=a_person(second_factor=False)),
    route(
        "POST",
        "/admin/people/<int:user_id>",
        {Who.ADMIN},
        success=302,
        subject=a_person(second_factor=False),
        form=person_form,
        form_page="/admin/people/<int:user_id>",
    ),
    route(
        "POST",
        "/admin/people/<int:user_id>/password-link",
        {Who.ADMIN},
        subject=a_person(second_factor=False),
        form_page="/admin/people/<int:user_id>",
    ),
    # Signing a person out everywhere (a new auditor: whether signed in or not, they may).
    route(
        "POST",
        "/admin/people/<int:user_id>/end-sessions",
        {Who.ADMIN},
        success=302,
        subject=a_person(second_factor=False),
        form_page="/admin/people/<int:user_id>",
    ),
    *(
        route(method, f"/admin/people/<int:user_id>/{change}", {Who.ADMIN}, **options)
        for change in ("deactivate", "reactivate")
        for method, options in (
            ("GET", {"subject": a_person(second_factor=False)}),
            (
                "POST",
                {
                    "success": 302,
                    "subject": a_person(second_factor=False),
                    "form_page": f"/admin/people/<int:user_id>/{change}",
                },
            ),
        )
    ),
    # Departments and platforms: add, rename, retire, open again.
    route("GET", "/admin/departments", {Who.ADMIN}),
    route(
        "POST",
        "/admin/departments",
        {Who.ADMIN},
        success=302,
        form=department_form,
        form_page="/admin/departments",
    ),
    *(
        route(
            method,
            f"/admin/{kind}s/<int:{kind}_id>",
            {Who.ADMIN},
            **(
                {"subject": maker}
                if method == "GET"
                else {
                    "success": 302,
                    "subject": maker,
                    "form": rename_form,
                    "form_page": f"/admin/{kind}s/<int:{kind}_id>",
                }
            ),
        )
        for kind, maker in (("department", a_department), ("platform", a_platform))
        for method in ("GET", "POST")
    ),
    *(
        route(
            "POST",
            f"/admin/{kind}s/<int:{kind}_id>/{change}",
            {Who.ADMIN},
            success=302,
            subject=maker,
            form_page=f"/admin/{kind}s/<int:{kind}_id>",
        )
        for kind, change, maker in (
            ("department", "retire", a_department),
            ("department", "reopen", a_retired_department),
            ("platform", "retire", a_platform),
            ("platform", "reopen", a_retired_platform),
        )
    ),
    # The stages that decide changes to a platform's approved accounts.
    route(
        "POST",
        "/admin/platforms/<int:platform_id>/change-pipeline",
        {Who.ADMIN},
        success=302,
        subject=a_platform,
        form=change_pipeline_form,
        form_page="/admin/platforms/<int:platform_id>",
    ),
    # Adding a platform, and its pipeline's versions.
    route("GET", "/admin/platforms/new", {Who.ADMIN}),
    route(
        "POST",
        "/admin/platforms/new",
        {Who.ADMIN},
        success=302,
        form=new_platform_form,
        form_page="/admin/platforms/new",
    ),
    route("GET", "/admin/platforms/<int:platform_id>/pipeline", {Who.ADMIN}, subject=a_platform),
    route(
        "POST",
        "/admin/platforms/<int:platform_id>/pipeline",
        {Who.ADMIN},
        success=302,
        subject=a_platform,
        form=pipeline_form,
        form_page="/admin/platforms/<int:platform_id>/pipeline",
    ),
    # Cover for an absent approver, set and ended by an admin.
    route("GET", "/admin/people/<int:user_id>/cover", {Who.ADMIN}, subject=an_approver),
    route(
        "POST",
        "/admin/people/<int:user_id>/cover",
        {Who.ADMIN},
        success=302,
        subject=an_approver,
        form=cover_form,
        form_page="/admin/people/<int:user_id>/cover",
    ),
    route(
        "POST",
        "/admin/cover/<int:delegation_id>/end",
        {Who.ADMIN},
        success=302,
        subject=a_delegation,
        form_page="/admin/people/<int:user_id>/cover",
    ),
    # The notifications outbox: read, and Retry a message that failed.
    route("GET", "/admin/outbox", {Who.ADMIN}),
    route("GET", "/admin/outbox/<int:message_id>", {Who.ADMIN}, subject=a_failed_message),
    route(
        "POST",
        "/admin/outbox/<int:message_id>/retry",
        {Who.ADMIN},
        success=302,
        subject=a_failed_message,
        form_page="/admin/outbox/<int:message_id>",
    ),
)

#: Who holds a token that may read requests: every role but the admin's (admins'
#: tokens administer, app.security.api_tokens.SCOPES_BY_ROLE).
REQUEST_READERS = SIGNED_IN - {Who.ADMIN}
API = "/api/v1"
#: The API's rules, as the app spells their converters.
REVISION = API + "/requests/<reference>/revisions/<int(max=2147483647):number>"
MANIFEST = API + "/audit/exports/<int(max=9223372036854775807):seq>/manifest"

API_ROUTES: tuple[Route, ...] = (
    # Each person calls with a token holding every scope: what it may do is clamped to
    # their roles on every call. Without a token, 401; a cookie is never read.
    route("GET", API + "/openapi.json", EVERYONE),
    route("GET", API + "/requests", REQUEST_READERS),
    route("POST", API + "/requests", OFFICERS, success=201, form=api_new_request),
    route(
        "GET",
        API + "/requests/<reference>",
        SEE_SUBMITTED - {Who.ADMIN},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    route(
        "PATCH",
        API + "/requests/<reference>",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.DRAFT),
        form=api_changes,
    ),
    route(
        "POST",
        API + "/requests/<reference>/submit",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.DRAFT),
    ),
    route(
        "POST",
        API + "/requests/<reference>/resubmit",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.CHANGES_REQUESTED),
    ),
    route(
        "POST",
        API + "/requests/<reference>/withdraw",
        {Who.OFFICER},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    route(
        "POST",
        API + "/requests/<reference>/decisions",
        {Who.SECURITY},
        subject=a_request(Status.IN_REVIEW),
        form=api_decision,
    ),
    route(
        "GET",
        API + "/requests/<reference>/revisions",
        SEE_SUBMITTED - {Who.ADMIN},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW),
    ),
    route(
        "GET",
        REVISION,
        SEE_SUBMITTED - {Who.ADMIN},
        hidden={Who.OUTSIDER},
        subject=a_request(Status.IN_REVIEW, number="1"),
    ),
    route("GET", API + "/audit/events", {Who.AUDITOR}),
    route("GET", API + "/audit/export", {Who.AUDITOR}, query="?format=csv"),
    route("GET", MANIFEST, {Who.AUDITOR}, subject=an_api_export),
    route("GET", API + "/audit/head", {Who.AUDITOR}),
    # Administration, for admin tokens.
    *(route("GET", API + f"/admin/{kind}", {Who.ADMIN}) for kind in ("departments", "platforms")),
    route(
        "POST",
        API + "/admin/departments",
        {Who.ADMIN},
        success=201,
        form=department_form,
    ),
    route("POST", API + "/admin/platforms", {Who.ADMIN}, success=201, form=api_new_platform),
    route(
        "PATCH",
        API + "/admin/departments/<int:department_id>",
        {Who.ADMIN},
        subject=a_department,
        form=rename_form,
    ),
    route(
        "PATCH",
        API + "/admin/platforms/<int:platform_id>",
        {Who.ADMIN},
        subject=a_platform,
        form=rename_form,
    ),
    route(
        "GET", API + "/admin/platforms/<int:platform_id>/pipeline", {Who.ADMIN}, subject=a_platform
    ),
    route(
        "PUT",
        API + "/admin/platforms/<int:platform_id>/pipeline",
        {Who.ADMIN},
        subject=a_platform,
        form=api_pipeline,
    ),
    route("POST", API + "/admin/people", {Who.ADMIN}, success=201, form=api_invite),
    route(
        "PATCH",
        API + "/admin/people/<int:user_id>",
        {Who.ADMIN},
        subject=a_person(second_factor=False),
        form=api_person_changes,
    ),
    *(
        route(
            "POST",
            API + f"/admin/people/<int:user_id>/{change}",
            {Who.ADMIN},
            subject=a_person(second_factor=False),
        )
        for change in ("deactivate", "reactivate")
    ),
    route("POST", API + "/admin/delegations", {Who.ADMIN}, success=201, form=api_cover),
    route(
        "POST",
        API + "/admin/delegations/<int:delegation_id>/end",
        {Who.ADMIN},
        subject=a_delegation,
    ),
)

ROUTES = ROUTES + API_ROUTES

ROUTES_BY_KEY: dict[str, Route] = {row.key: row for row in ROUTES}
assert len(ROUTES_BY_KEY) == len(ROUTES), "two rows for one route"


# Checking the table against the app ------------------------------------------------------


def served(app: Flask) -> set[str]:
    """Every "METHOD /rule" the app answers with a view of ours."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - IMPLICIT_METHODS
    }


def unlisted(app: Flask, routes: Iterable[Route] = ROUTES) -> list[str]:
    """Routes the app serves that have no row: each one is a hole in deny-by-default."""
    return sorted(served(app) - {row.key for row in routes})


def stale(app: Flask, routes: Iterable[Route] = ROUTES) -> list[str]:
    """Rows for routes the app no longer serves."""
    return sorted({row.key for row in routes} - served(app))


def rows(method: str | None = None, *, api: bool = False) -> list[Route]:
    """The rows for `method` (all if None): the screens' routes, or the API's."""
    return [row for row in ROUTES if (method is None or row.method == method) and row.api == api]


def principal(row: Route) -> Who:
    """Who to try a route as when one allowed person will do: the first the route serves
    rather than sends elsewhere (a signed-out person for a public route)."""
    return next(who for who in Who if who in row.allowed and who not in row.success_for)


def by_principal(routes: Iterable[Route]) -> dict[Who, list[Route]]:
    """Routes grouped by `principal`, so a test can try each group with one world."""
    grouped: dict[Who, list[Route]] = {}
    for row in routes:
        grouped.setdefault(principal(row), []).append(row)
    return grouped
