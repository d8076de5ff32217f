"""The hashed form of an event, pinned independently of `app.audit.chain`.

hash = SHA-256( prev_hash as 64 ASCII hex characters || canonical JSON of the event ),
the JSON with sorted keys, no spaces, UTF-8 (not \\u-escaped), and the time written as
YYYY-MM-DDTHH:MM:SS.ffffffZ. Anyone verifying an export in another language relies on
exactly this, so these tests compute it with hashlib and json alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.audit import chain
from app.audit.chain import ActorSnapshot, Client, append_event, chain_head
from app.audit.events import EventType
from app.audit.verify import verify_database
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent

TIME_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")

#: The fields the hash covers: every column except prev_hash and hash themselves.
HASHED = (
    "seq",
    "occurred_at",
    "event_type",
    "actor_id",
    "actor_email",
    "actor_roles",
    "request_id",
    "request_reference",
    "from_status",
    "to_status",
    "stage",
    "comment",
    "payload",
    "client_address",
    "correlation_id",
)


def stored_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def expected_hash(event: AuditEvent) -> str:
    """The documented hash of a stored event, written out here rather than imported."""
    fields = {name: getattr(event, name) for name in HASHED}
    fields["occurred_at"] = event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(event.prev_hash.encode("ascii") + document.encode("utf-8")).hexdigest()


def append_three() -> None:
    append_event(db.session, EventType.DEMO_DATA_SEEDED, payload={"users": 3})
    append_event(
        db.session,
        EventType.USER_CREATED,
        actor=ActorSnapshot(1, "adam@example.gov.uk", ("admin",)),
        client=Client("192.0.2.7", "req-0001"),
        payload={"user_id": 2, "roles": ["approver", "officer"], "active": True},
    )
    append_event(
        db.session,
        EventType.REQUEST_WITHDRAWN,
        actor=ActorSnapshot(2, "olive@example.gov.uk", ("officer",)),
        from_status="draft",
        to_status="withdrawn",
        comment="No longer needed",
        payload={"version": 2, "note": None},
    )
    db.session.commit()


def test_the_first_event_links_to_64_zeros_and_seq_counts_from_one(app):
    append_three()

    events = stored_events()

    assert [event.seq for event in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH == "0" * 64
    assert [event.prev_hash for event in events[1:]] == [event.hash for event in events[:-1]]
    assert chain_head(db.session) == (3, events[-1].hash)


def test_every_stored_hash_recomputes_from_the_documented_form(app):
    append_three()

    for event in stored_events():
        assert re.fullmatch(r"[0-9a-f]{64}", event.hash)
        assert event.hash == expected_hash(event), f"seq {event.seq}"


def test_the_hashed_fields_are_every_column_but_the_two_hashes():
    columns = {column.name for column in AuditEvent.__table__.columns}

    assert set(chain.HASHED_FIELDS) == set(HASHED) == columns - {"prev_hash", "hash"}


def test_the_exact_bytes_hashed_for_a_known_event(app, monkeypatch):
    # A moment with few microseconds shows they are written as six digits.
    moment = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
    monkeypatch.setattr(chain, "utcnow", lambda: moment)

    event = append_event(
        db.session,
        EventType.STAGE_APPROVED_WITH_CONDITIONS,
        actor=ActorSnapshot(12, "siân@example.gov.uk", ("approver", "officer")),
        client=Client("2001:db8::1", "c0ffee"),
        stage="security",
        from_status="in_review",
        to_status="in_review",
        comment="Approuvé — «naïve» ✓",
        payload={"version": 3, "outcome": "approve_with_conditions", "ok": True, "x": None},
    )
    db.session.commit()

    document = (
        '{"actor_email":"siân@example.gov.uk","actor_id":12,'
        '"actor_roles":["approver","officer"],"client_address":"2001:db8::1",'
        '"comment":"Approuvé — «naïve» ✓","correlation_id":"c0ffee",'
        '"event_type":"stage_approved_with_conditions","from_status":"in_review",'
        '"occurred_at":"2026-03-04T05:06:07.000089Z",'
        '"payload":{"ok":true,"outcome":"approve_with_conditions","version":3,"x":null},'
        '"request_id":null,"request_reference":null,"seq":1,"stage":"security",'
        '"to_status":"in_review"}'
    )
    digest = hashlib.sha256(("0" * 64 + document).encode("utf-8")).hexdigest()
    assert chain.canonical_json(chain.hashed_fields(event)) == document.encode("utf-8")
    assert event.hash == digest
    (stored,) = stored_events()
    assert stored.occurred_at == moment  # microseconds survive the database
    assert stored.hash == digest == expected_hash(stored)


def test_the_worked_example_in_the_documentation_hashes_as_documented(app, monkeypatch):
    """docs/audit-format.md section 9: two events whose hashes auditors test against."""
    moments = iter(
        [
            datetime(2026, 3, 2, 9, 0, 0, 0, tzinfo=UTC),
            datetime(2026, 3, 2, 14, 5, 9, 4211, tzinfo=UTC),
        ]
    )
    monkeypatch.setattr(chain, "utcnow", lambda: next(moments))

    first = append_event(
        db.session,
        EventType.DEPARTMENT_CREATED,
        payload={"code": "DSIT", "name": "Department for Science, Innovation and Technology"},
    )
    second = append_event(
        db.session,
        EventType.CHANGES_REQUESTED,
        actor=ActorSnapshot(7, "no10@example.gov.uk", ("approver",)),
        client=Client("203.0.113.24", "5f0c9e1a2b3d4c6e"),
        request=SimpleNamespace(id=42, reference="PRQ-2026-00042"),
        from_status="in_review",
        to_status="changes_requested",
        stage="no10",
        comment='Say who moderates comments out of hours — "on call" is not enough.\nSee §4.',
        payload={
            "outcome": "request_changes",
            "revision": 1,
            "content_sha256": "7d95059fe81f6155aa4848148cacc18e2216ff16a574da8b362c220abafbd89b",
            "next_stage": None,
            "version": 4,
        },
    )
    db.session.commit()

    assert first.hash == "674a7621883332e2d192ab1106738760a233626d3a002742b8c4638a35e37180"
    assert second.prev_hash == first.hash
    assert second.hash == "f40e57f5b714db32a9da7ca18ee2e202c571f69f86734f7e546c9e634eb8dc8c"
    assert len(chain.canonical_json(chain.hashed_fields(first))) == 375
    assert len(chain.canonical_json(chain.hashed_fields(second))) == 616
    assert [expected_hash(event) for event in stored_events()] == [first.hash, second.hash]


def test_actor_roles_are_hashed_sorted(app):
    event = append_event(
        db.session,
        EventType.USER_UPDATED,
        actor=ActorSnapshot(3, "both@example.gov.uk", ("officer", "approver", "admin")),
    )
    db.session.commit()

    (stored,) = stored_events()
    assert stored.actor_roles == ["admin", "approver", "officer"]
    assert stored.hash == event.hash == expected_hash(stored)


def test_time_is_written_in_utc_with_microseconds_and_a_z():
    summer_in_london = timezone(timedelta(hours=1))
    moment = datetime(2026, 7, 1, 0, 30, 0, 0, tzinfo=summer_in_london)

    written = chain.format_time(moment)

    assert written == "2026-06-30T23:30:00.000000Z"
    assert TIME_FORMAT.fullmatch(written)


def test_non_ascii_text_round_trips_and_is_hashed_as_utf8(app):
    comment = "Siân Ó Briain: approuvé, naïve café, 東京, Ελλάδα, 🇬🇧 — “quoted”"
    email = "siân.ó-briain@example.gov.uk"
    payload = {"name": "Zoë Ødegård", "stages": ["sécurité", "№10"], "emoji": "👍🏽"}

    append_event(
        db.session,
        EventType.REQUEST_REJECTED,
        actor=ActorSnapshot(5, email, ("approver",)),
        comment=comment,
        payload=payload,
    )
    db.session.commit()
    db.session.remove()

    (event,) = stored_events()
    assert (event.actor_email, event.comment, event.payload) == (email, comment, payload)
    canonical = chain.canonical_json(chain.hashed_fields(event))
    assert comment.encode("utf-8") in canonical
    assert b"\\u" not in canonical
    assert event.hash == expected_hash(event)
    assert verify_database(db.session).ok


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 1.5},
        {"amount": 10.0},
        {"nested": {"deep": [1, 2, {"ratio": 0.25}]}},
        {"nan": float("nan")},
        {"inf": float("inf")},
        {1: "a key that is not a string"},
        {"when": datetime(2026, 1, 1, tzinfo=UTC)},
    ],
    ids=["float", "whole-float", "nested-float", "nan", "infinity", "int-key", "datetime"],
)
def test_a_payload_without_one_canonical_text_form_is_refused(app, payload):
    append_event(db.session, EventType.DEMO_DATA_SEEDED)

    with pytest.raises(TypeError):
        append_event(db.session, EventType.DEMO_DATA_SEEDED, payload=payload)

    db.session.commit()
    assert [event.seq for event in stored_events()] == [1]


def test_payload_may_hold_strings_integers_booleans_nulls_lists_and_objects(app):
    payload = {"s": "x", "i": -(2**40), "b": False, "n": None, "l": [1, "two"], "o": {"k": True}}

    event = append_event(db.session, EventType.DEMO_DATA_SEEDED, payload=payload)
    db.session.commit()

    (stored,) = stored_events()
    assert stored.payload == payload
    assert stored.hash == event.hash == expected_hash(stored)


def test_an_unknown_event_type_is_refused(app):
    with pytest.raises(ValueError):
        append_event(db.session, "request_teleported")  # type: ignore[arg-type]
