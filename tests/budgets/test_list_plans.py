"""A department's lists read one page of rows, not every row of the department sorted:
PostgreSQL's plan for the statement each list sends walks an index in the list's order.

The tables here are small, so the planner is told not to scan whole tables or sort if it
has any other way (`enable_seqscan`, `enable_sort` off): a plan that still sorts has no
index in the list's order, which at scale means reading and sorting the whole department
(29 ms a call at 7,000 requests, issue 15).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.budgets.counting import counting
from tests.factories import World


def plan_nodes(plan: dict[str, Any]) -> list[str]:
    nodes = [plan["Node Type"] + " " + plan.get("Index Name", "")]
    for child in plan.get("Plans", []):
        nodes += plan_nodes(child)
    return nodes


def plan_of(statement: str, parameters: Any) -> list[str]:
    connection = db.session.connection()
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    connection.execute(text("SET LOCAL enable_sort = off"))
    explained = connection.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + statement, parameters
    ).scalar_one()
    document = explained if isinstance(explained, list) else json.loads(explained)
    db.session.rollback()
    return plan_nodes(document[0]["Plan"])


def list_statement(call: Any) -> tuple[str, Any]:
    """The statement a list call sends to read its page of access_requests."""
    db.session.remove()
    with counting() as tally:
        response = call()
    assert response.status_code == 200
    [found] = [
        (sql, parameters)
        for sql, parameters in tally.statements
        if "FROM access_requests" in sql and "department_id" in sql and "LIMIT" in sql
    ]
    return found


@pytest.mark.postgresql_only  # SQLite's planner has no such switches
@pytest.mark.parametrize("which", ["api list", "officers' list"])
def test_a_departments_list_walks_an_index_in_its_order(
    world: World, api_client_for, client_for, which: str
):
    for _ in range(3):
        world.draft()
    db.session.commit()
    if which == "api list":
        officer = api_client_for(world.officer)
        statement = list_statement(lambda: officer.get("/api/v1/requests?limit=50"))
    else:
        browser = client_for(world.officer)
        statement = list_statement(lambda: browser.get("/requests/"))
    nodes = plan_of(*statement)
    assert not any(node.startswith(("Sort", "Incremental Sort")) for node in nodes), nodes
    assert any("ix_access_requests_department_id" in node for node in nodes), nodes
