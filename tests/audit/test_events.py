"""Every kind of event, security ones included, is one documented enum."""

from __future__ import annotations

import re
from pathlib import Path

from app.audit.events import EventType
from app.models.audit import AuditEvent

SNAKE_CASE = re.compile(r"[a-z]+(_[a-z0-9]+)*")


def test_every_event_type_value_is_lowercase_snake_case():
    for member in EventType.__members__.values():
        assert SNAKE_CASE.fullmatch(member.value), member
        assert member.name == member.value.upper(), member


def test_event_type_values_are_unique():
    # An enum quietly turns a repeated value into an alias: count the names too.
    values = [member.value for member in EventType.__members__.values()]
    assert len(values) == len(set(values)) == len(EventType)


def test_security_events_are_in_the_same_enum():
    assert {
        "sign_in_succeeded",
        "sign_in_failed",
        "signed_out",
        "account_locked",
        "account_unlocked",
        "password_changed",
    } <= {str(member) for member in EventType}


def test_every_event_type_fits_its_column():
    width = AuditEvent.__table__.c.event_type.type.length
    assert all(len(member.value) <= width for member in EventType)


def test_the_documentation_lists_exactly_the_event_types():
    """docs/audit-format.md section 2 has one table row per event type."""
    document = (Path(__file__).resolve().parents[2] / "docs" / "audit-format.md").read_text(
        encoding="utf-8"
    )
    section = document.split("## 2. Event types", 1)[1].split("\n## ", 1)[0]
    # Rows, not the tables' header rows ("| `event_type` | Meaning |").
    rows = re.findall(r"^\| `([a-z_0-9]+)` \| (?!Meaning \|)", section, flags=re.MULTILINE)

    assert sorted(rows) == sorted(str(member) for member in EventType)
