"""What the security tests share: a browser per person, using a route as a browser would
(CSRF token and all), a picture of everything stored to prove a refusal changed nothing,
and reading a page's forms."""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import func, select
from werkzeug.http import quote_etag
from werkzeug.test import TestResponse

from app.api.etags import etag_of
from app.extensions import db
from app.models import AccessRequest, AuditEvent, User, UserRole, UserStage
from app.models.api import ApiToken
from app.models.notifications import OutboxMessage
from app.models.types import utcnow
from app.security.api_tokens import Scope, new_token, ordered
from tests.factories import World
from tests.security.route_table import Route, Subject, Use, Who
from tests.web.client import PermitClient, csrf_token, make_client, sign_in

#: Where a signed-out person is sent: the sign-in page, remembering where they were going.
TO_SIGN_IN = "/sign-in?next="


class People:
    """A signed-in browser for each person of the world, made on first use."""

    def __init__(self, app: Flask, world: World) -> None:
        self.app = app
        self.world = world
        self._clients: dict[Who, PermitClient] = {}
        self._tokens: weakref.WeakKeyDictionary[PermitClient, str] = weakref.WeakKeyDictionary()
        self._api_tokens: dict[Who, str] = {}
        #: A tool calling the API: it keeps no cookies.
        self.api_client = PermitClient(app, app.response_class, use_cookies=False)

    def api_token(self, who: Who) -> str | None:
        """`who`'s personal API token, holding every scope (None for a signed-out person).

        Made straight in the database, as if it had been made before a role was taken
        away: the API must clamp it to what the owner's roles allow, on every call.
        """
        user = who.user(self.world)
        if user is None:
            return None
        if who not in self._api_tokens:
            made = new_token()
            db.session.add(
                ApiToken(
                    user=user,
                    name=f"{who} test token",
                    prefix=made.prefix,
                    secret_hash=made.secret_hash,
                    scopes=ordered(Scope),
                    created_at=utcnow(),
                    expires_at=utcnow() + timedelta(days=30),
                )
            )
            db.session.commit()
            self._api_tokens[who] = made.text
        return self._api_tokens[who]

    def client(self, who: Who, *, fresh: bool = False) -> PermitClient:
        """`who`'s browser, signed in (kept for the test), or a new one if `fresh`."""
        if fresh or who not in self._clients:
            user = who.user(self.world)
            client = make_client(self.app) if user is None else self.signed_in(user)
            if fresh:
                return client
            self._clients[who] = client
        return self._clients[who]

    def ready(self, who: Who) -> PermitClient:
        """Sign `who` in and make their API token now, before a test takes its "nothing
        changed" picture (each writes a row)."""
        self.api_token(who)
        return self.client(who)

    def signed_in(self, user: User) -> PermitClient:
        """A new browser with `user` signed in."""
        client = make_client(self.app)
        response = sign_in(client, user)
        assert response.status_code == 302, f"{user.email} could not sign in"
        return client

    def token(self, client: PermitClient) -> str:
        """A valid CSRF token for `client`'s session (it lasts as long as the session)."""
        if client not in self._tokens:
            page = client.get("/sign-in", follow_redirects=True)
            self._tokens[client] = csrf_token(page)
        return self._tokens[client]


def use(
    people: People,
    client: PermitClient,
    who: Who,
    row: Route,
    subject: Subject,
    data: dict[str, Any] | None = None,
    *,
    extra: dict[str, Any] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """`who` uses `row` on `subject` from `client` as a browser would: a POST carries the
    session's CSRF token and the row's form (or `data`), plus any `extra` fields the form
    does not have. The row's steps run either side."""
    context = Use(people.world, who, client)
    if row.before is not None:
        row.before(context, subject)
    url = row.url(subject)
    if row.api:
        return call_api(people, who, row, subject, context, data, extra, **kwargs)
    if row.method == "GET":
        response = client.get(url, **kwargs)
    else:
        form = row.form(context, subject) if data is None else data
        form = {**(extra or {}), **form, "csrf_token": people.token(client)}
        response = client.post(url, data=form, **kwargs)
    if row.after is not None:
        row.after(context, subject)
    return response


def call_api(
    people: People,
    who: Who,
    row: Route,
    subject: Subject,
    context: Use,
    data: dict[str, Any] | None,
    extra: dict[str, Any] | None,
    **kwargs: Any,
) -> TestResponse:
    """Call an API route as a tool would: `who`'s token, no cookies, a JSON body, and
    If-Match naming the request as it stands."""
    headers = dict(kwargs.pop("headers", {}))
    token = people.api_token(who)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if subject.request is not None and row.method != "GET":
        db.session.refresh(subject.request)
        headers["If-Match"] = quote_etag(etag_of(subject.request))
    body = None
    if row.method != "GET":
        body = {**(extra or {}), **(row.form(context, subject) if data is None else data)}
    return people.api_client.open(
        row.url(subject), method=row.method, json=body, headers=headers, **kwargs
    )


def attempt(
    people: People,
    who: Who,
    row: Route,
    subject: Subject,
    data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """`who` uses `row` on `subject`, from their browser (a new one for a signed-out
    person, or when the route ends the session)."""
    return use(people, browser(people, who, row), who, row, subject, data, **kwargs)


def browser(people: People, who: Who, row: Route) -> PermitClient:
    """The browser `who` uses `row` from: their own, or a new one for a signed-out person
    (each route from a clean start) or when the route ends the session."""
    return people.client(who, fresh=row.ends_session or who is Who.ANONYMOUS)


def prepared(people: People, who: Who, row: Route, subject: Subject) -> PermitClient:
    """`who`'s browser for `row`, with the row's `before` step done (to read its form)."""
    client = browser(people, who, row)
    if row.before is not None:
        row.before(Use(people.world, who, client), subject)
    return client


# Proving that nothing changed ------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """Everything a refused request could have changed, read from the database."""

    counts: tuple[tuple[str, int], ...]
    audit_head: tuple[int, str]
    requests: tuple[tuple[Any, ...], ...]
    users: tuple[tuple[Any, ...], ...]
    roles: tuple[tuple[Any, ...], ...]
    stages: tuple[tuple[Any, ...], ...]
    #: Each notification's delivery state (an admin's Retry changes it).
    outbox: tuple[tuple[Any, ...], ...]


def stored() -> Stored:
    db.session.rollback()  # see what is committed, not what this session holds
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()

    def rows(*columns: Any) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(r) for r in db.session.execute(select(*columns).order_by(*columns)))

    tables = db.metadata.sorted_tables
    # One statement: a count of every table as a column of its own.
    counts = db.session.execute(
        select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    ).one()
    return Stored(
        counts=tuple(zip((table.name for table in tables), counts, strict=True)),
        audit_head=(head.seq, head.hash) if head else (0, ""),
        requests=rows(
            AccessRequest.id,
            AccessRequest.status,
            AccessRequest.version,
            AccessRequest.department_id,
            AccessRequest.requester_id,
        ),
        users=rows(User.id, User.active, User.department_id, User.password_hash, User.totp_secret),
        roles=rows(UserRole.user_id, UserRole.role),
        stages=rows(UserStage.user_id, UserStage.stage_code),
        outbox=rows(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts),
    )


def changes(before: Stored, after: Stored) -> list[str]:
    """What differs between two pictures, in words (empty when nothing does)."""
    found = [
        f"{name}: {count} rows, now {dict(after.counts)[name]}"
        for name, count in before.counts
        if dict(after.counts)[name] != count
    ]
    for name in ("audit_head", "requests", "users", "roles", "stages", "outbox"):
        if getattr(before, name) != getattr(after, name):
            found.append(f"{name} changed")
    return found


# Reading a page --------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    #: "text" for anything typed (inputs and textareas), else the input's type.
    kind: str
    value: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)

    def data(self) -> list[tuple[str, str]]:
        """What a browser sends as the form stands: every field, checked boxes and radios
        only (the first radio of a group when none is), and the first button."""
        sent: list[tuple[str, str]] = []
        radios: set[str] = set()
        button = False
        for item in self.fields:
            if item.kind == "radio":
                if item.name not in radios:
                    radios.add(item.name)
                    sent.append((item.name, item.value))
            elif item.kind == "checkbox":
                continue
            elif item.kind == "button":
                if not button and item.name:
                    sent.append((item.name, item.value))
                button = True
            else:
                sent.append((item.name, item.value))
        return sent

    def typed(self) -> list[str]:
        """The names of the fields a person types into, each once."""
        return list(dict.fromkeys(f.name for f in self.fields if f.kind == "text"))


class _FormParser(HTMLParser):
    TYPED = frozenset({"text", "email", "password", "search", "tel", "url", "number"})

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = Form(values.get("action", ""), values.get("method", "get").lower())
            self.forms.append(self._open)
            return
        if self._open is None or (not values.get("name") and tag != "button"):
            return
        name = values.get("name", "")
        if tag == "input":
            kind = values.get("type", "text").lower()
            kind = "text" if kind in self.TYPED else kind
            self._open.fields.append(FormField(name, kind, values.get("value", "")))
        elif tag == "textarea":
            self._textarea = FormField(name, "text")
            self._open.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(name, "select")
            self._open.fields.append(self._select)
        elif tag == "option" and self._select is not None and "selected" in values:
            self._select.value = values.get("value", "")
        elif tag == "button":
            self._open.fields.append(FormField(name, "button", values.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def forms(page: str, *, method: str = "post") -> list[Form]:
    """The page's forms sent with `method`, the header's sign-out button included."""
    parser = _FormParser()
    parser.feed(page)
    return [form for form in parser.forms if form.method == method]


def form_on_page(client: PermitClient, row: Route, subject: Subject) -> Form | None:
    """The form on the row's form page that posts to the row, as `client` sees it."""
    assert row.form_page is not None, f"{row.key} has no form page"
    page = client.get(Route("GET", row.form_page, frozenset()).url(subject), follow_redirects=True)
    target = row.url(subject)
    for form in forms(page.get_data(as_text=True)):
        if unescape(urlsplit(form.action).path) == target:
            return form
    return None


def error_summary(page: str) -> str | None:
    """The text of the page's GOV.UK error summary, or None without one."""
    box = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    if box is None:
        return None
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", box.group(0)))).strip()
