"""Each call on the request path within its statement budget (tests/budgets/budgets.py):
one look-up of who is calling, no statement sent twice beyond the known ones, the commits
its unit of work needs, and the same count however many rows a page or list holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from app.extensions import db
from tests.accounts.support import approved_with_conditions
from tests.api.test_requests import api_content
from tests.budgets.budgets import BUDGETS, Budget
from tests.budgets.counting import Tally, counting
from tests.factories import World

Call = Callable[[], TestResponse]


class Journey:
    """An officer's draft taken through the API, and the pages people read, each call
    counted on its own. Every client has made one call already, as a real one has."""

    def __init__(self, world: World, api_client_for: Any, client_for: Any) -> None:
        self.officer = api_client_for(world.officer)
        self.approver = api_client_for(world.security)
        self.queue_reader = client_for(world.security)
        self.request_reader = client_for(world.officer)
        self.auditor = client_for(world.auditor)
        #: An approved request of the officer's, with its account (set by the fixture).
        self.approved = ""
        for client in (self.officer, self.approver):
            client.get("/api/v1/requests?limit=1")
        db.session.remove()
        self.reference = ""
        self.etag = ""
        self.created = 0

    def create(self) -> TestResponse:
        body = {"platform": "TikTok", "kind": "new_account"}
        self.created += 1
        key = f"budget-create-{self.created}"
        response = self.officer.post(
            "/api/v1/requests", json=body, headers={"Idempotency-Key": key}
        )
        self.reference, self.etag = response.get_json()["reference"], response.headers["ETag"]
        return response

    def update(self) -> TestResponse:
        content = api_content()
        del content["kind"]
        response = self.officer.patch(
            f"/api/v1/requests/{self.reference}", json=content, headers={"If-Match": self.etag}
        )
        self.etag = response.headers["ETag"]
        return response

    def submit(self) -> TestResponse:
        response = self.officer.post(
            f"/api/v1/requests/{self.reference}/submit", headers={"If-Match": self.etag}
        )
        self.etag = response.headers["ETag"]
        return response

    def decide(self) -> TestResponse:
        return self.approver.post(
            f"/api/v1/requests/{self.reference}/decisions",
            json={"stage": "security", "outcome": "approve"},
            headers={"If-Match": self.etag},
        )

    def calls(self) -> dict[str, Call]:
        return {
            "create": self.create,
            "update": self.update,
            "submit": self.submit,
            "decide": self.decide,
            "api list": lambda: self.officer.get("/api/v1/requests?limit=50"),
            "queue": lambda: self.queue_reader.get("/review/"),
            "request page": lambda: self.request_reader.get(f"/requests/{self.reference}"),
            "audit log": lambda: self.auditor.get("/audit-log/"),
            "approved request page": lambda: self.request_reader.get(f"/requests/{self.approved}"),
            "register": lambda: self.auditor.get("/register/"),
        }


def measured(journey: Journey) -> dict[str, Tally]:
    tallies = {}
    for name, call in journey.calls().items():
        # The test's app context outlives each call, and its session with it: start each
        # call with an empty one, as every request in production does.
        db.session.remove()
        with counting() as tally:
            response = call()
        assert response.status_code in (200, 201), (name, response.get_data(as_text=True))
        tallies[name] = tally
    return tallies


def approved_accounts(world: World, count: int) -> str:
    """`count` requests approved with conditions (so with accounts): the last one's
    reference."""
    reference = ""
    for _ in range(count):
        reference = approved_with_conditions(world).reference
    return reference


@pytest.fixture
def tallies(world: World, api_client_for, client_for) -> dict[str, Tally]:
    for _ in range(3):
        world.submitted()
    approved = approved_accounts(world, 2)
    db.session.commit()
    journey = Journey(world, api_client_for, client_for)
    journey.approved = approved
    return measured(journey)


@pytest.mark.parametrize("name", list(BUDGETS))
def test_each_call_stays_within_its_statement_budget(
    app: Flask, tallies: dict[str, Tally], name: str
):
    tally, budget = tallies[name], BUDGETS[name]
    backend = db.engine.dialect.name
    assert tally.count <= budget.on(backend), (
        f"{name}: {tally.count} statements, budget {budget.on(backend)} on {backend}:\n"
        + tally.listing()
    )


@pytest.mark.parametrize("name", list(BUDGETS))
def test_each_call_looks_up_its_caller_once(tallies: dict[str, Tally], name: str):
    tally = tallies[name]
    api = name in ("create", "update", "submit", "decide", "api list")
    lookups = tally.matching("FROM api_tokens") if api else tally.matching("FROM user_sessions")
    assert lookups == 1, tally.listing()


@pytest.mark.parametrize("name", list(BUDGETS))
def test_no_call_sends_a_statement_twice_beyond_the_known_ones(
    tallies: dict[str, Tally], name: str
):
    budget: Budget = BUDGETS[name]
    unexplained = [
        sql for sql in tallies[name].repeated() if not any(k in sql for k in budget.repeats)
    ]
    assert unexplained == [], tallies[name].listing()


@pytest.mark.parametrize("name", list(BUDGETS))
def test_each_call_commits_only_what_its_unit_of_work_needs(tallies: dict[str, Tally], name: str):
    assert tallies[name].commits <= BUDGETS[name].commits, tallies[name].listing()


def test_pages_and_lists_cost_the_same_whatever_the_number_of_rows(
    world: World, api_client_for, client_for
):
    pages = ("api list", "queue", "request page", "audit log", "approved request page", "register")
    for _ in range(3):
        world.submitted()
    approved = approved_accounts(world, 2)
    db.session.commit()
    journey = Journey(world, api_client_for, client_for)
    journey.approved = approved
    few = measured(journey)
    decided = journey.reference  # the request page is read for this request both times
    for _ in range(12):  # twelve more requests waiting, and their events
        journey.create()
        journey.update()
        journey.submit()
    journey.reference = decided
    # Four more approved accounts, with their conditions: the measuring left the world's
    # people and platform out of the session, so they are brought back into it first.
    for field in dataclasses.fields(world):
        setattr(world, field.name, db.session.merge(getattr(world, field.name)))
    approved_accounts(world, 4)
    db.session.commit()
    many = {name: tally for name, tally in measured(journey).items() if name in pages}
    counts = {p: (few[p].count, many[p].count) for p in pages}
    assert all(a == b for a, b in counts.values()), counts


@pytest.mark.parametrize("name", list(BUDGETS))
def test_no_call_reads_anyones_password_hash_or_second_factor(tallies: dict[str, Tally], name: str):
    # Only signing in reads them (app.models.users.CREDENTIAL): a page showing a requester
    # or an approver by name, or the caller's own look-up, holds no secret of theirs.
    tally = tallies[name]
    for column in ("password_hash", "totp_secret", "failed_sign_ins"):
        assert tally.matching(f".{column}") == 0, f"{name} reads {column}:\n" + tally.listing()
