"""`sla tick` from two processes at the same moment writes each notice exactly once.

On PostgreSQL the two are made to overlap for certain: the test holds the audit chain's
lock until each process has a request of its own in hand and waits for the chain, then
lets both go. Each request is one transaction, taken with FOR UPDATE SKIP LOCKED, and
each notice's unique key is claimed before its event: whatever the interleaving, one
event, one set of messages and one deadline_notices row per notice.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.audit.chain import CHAIN_LOCK_KEY
from app.extensions import db
from app.operations.set_stage_lead import set_stage_lead
from tests.deadlines.support import (
    TickProcess,
    deadline_events,
    deadline_messages,
    london,
    notices,
    written_count,
)
from tests.notifications.support import wait_for

#: When the ticks run: Thursday 7 January 2027, 9am.
TICK_AT = london(2027, 1, 7, 9, 0)


def three_kinds_of_lateness(world, clock) -> dict[str, set[str]]:
    """Requests that, on Thursday 7 January, are: 2 working days overdue (Security's lead
    is told too), overdue, and due soon. {kind of event: references}."""
    set_stage_lead(world.security_2, None, stage_code="security")
    made: dict[str, list[str]] = {"escalated": [], "overdue": [], "due_soon": []}
    for moment, kind, count in (
        (london(2026, 12, 23, 10, 0), "escalated", 20),  # due Mon 4 Jan, escalate Thu 7
        (london(2026, 12, 29, 10, 0), "overdue", 15),  # due Wed 6 Jan
        (london(2026, 12, 31, 10, 0), "due_soon", 15),  # due Fri 8 Jan, reminder Thu 7
    ):
        clock(moment)
        made[kind] += [world.submitted().reference for _ in range(count)]
    db.session.commit()
    expected = {
        "stage_escalated": set(made["escalated"]),
        "stage_overdue": set(made["escalated"]) | set(made["overdue"]),
        "stage_due_soon": set(made["due_soon"]),
    }
    db.session.remove()  # on SQLite, the write lock is the processes' to take
    return expected


def assert_each_notice_once(expected: dict[str, set[str]]) -> None:
    events = deadline_events()
    pairs = Counter((e.event_type, e.request_reference) for e in events)
    assert set(pairs.values()) == {1}
    assert {
        kind: {reference for k, reference in pairs if k == kind} for kind in expected
    } == expected
    assert len(notices()) == len(events) == sum(len(refs) for refs in expected.values())
    sent = Counter((s.kind, s.reference, s.to) for s in deadline_messages())
    assert set(sent.values()) == {1}  # nobody told anything twice
    both = {"Sally Security", "Sid Security"}
    assert {(k, r, to) for k, r, to in sent} == (
        {("stage_escalated", r, "Sid Security") for r in expected["stage_escalated"]}
        | {("stage_overdue", r, to) for r in expected["stage_overdue"] for to in both}
        | {("stage_due_soon", r, to) for r in expected["stage_due_soon"] for to in both}
    )


def waiting_for_the_chain(url: str) -> int:
    """How many connections to this database wait for an advisory lock."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND wait_event = 'advisory' AND datname = current_database()"
                    )
                )
                or 0
            )
    finally:
        engine.dispose()


@pytest.mark.postgresql_only  # SQLite has one writer at a time: nothing to interleave
def test_two_ticks_racing_on_postgresql_write_each_notice_once(
    database_url, world, clock, tmp_path: Path
):
    expected = three_kinds_of_lateness(world, clock)
    total = sum(len(refs) for refs in expected.values())
    url = db.engine.url.render_as_string(hide_password=False)
    holder = create_engine(url).connect()
    holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    holder.commit()
    ticks = [TickProcess(url, TICK_AT, tmp_path / f"tick-{n}.log") for n in (1, 2)]
    try:
        wait_for(lambda: waiting_for_the_chain(url) >= 2, "both ticks to wait for the chain")
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": CHAIN_LOCK_KEY})
        holder.commit()
        assert [tick.wait() for tick in ticks] == [0, 0], [t.output() for t in ticks]
    finally:
        holder.close()
        for tick in ticks:
            tick.kill()

    written = [written_count(tick.output()) for tick in ticks]
    assert sum(written) == total == 70
    assert min(written) > 0, "both ticks wrote some: they really ran at the same time"
    assert_each_notice_once(expected)

    third = TickProcess(url, TICK_AT, tmp_path / "tick-3.log")
    assert third.wait() == 0
    assert "wrote 0 notices" in third.output() and f"{total} already written" in third.output()
    assert_each_notice_once(expected)


def test_two_ticks_at_once_on_either_database_write_each_notice_once(
    database_url, world, clock, tmp_path: Path
):
    expected = three_kinds_of_lateness(world, clock)
    url = db.engine.url.render_as_string(hide_password=False)
    ticks = [TickProcess(url, TICK_AT, tmp_path / f"tick-{n}.log") for n in (1, 2)]
    try:
        assert [tick.wait() for tick in ticks] == [0, 0], [t.output() for t in ticks]
    finally:
        for tick in ticks:
            tick.kill()
    assert sum(written_count(tick.output()) for tick in ticks) == 70
    assert_each_notice_once(expected)
