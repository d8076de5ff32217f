"""The journey of one request, as the audit trail records it: the one expected sequence
that the browser journey (tests/browser/test_journey.py) and the same journey through the
JSON API alone (tests/api/test_parity.py) must both leave behind.

An officer files a request and submits it; Security approves; No10 asks for changes; the
officer changes it and resubmits; Security, No10 and Cabinet Office approve in turn.

Two things differ by channel and are left out before comparing (`journey_of`):
- events the channel itself makes, which name no request: signing in and out, sessions
  and second factors for the browser (`SIGN_IN_SUCCEEDED`, `SIGNED_OUT`, `SESSION_EXPIRED`,
  `TWO_FACTOR_*`, ...), `API_TOKEN_CREATED` for the API (a token is made; each change
  through it names it in the change's own event);
- how many saves the content took: the screens save a section per page, a tool may send
  all of it in one PATCH, so a run of `REQUEST_UPDATED` events counts as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.audit.events import EventType

#: Events a channel makes for itself, whatever the journey: never compared.
CHANNEL_EVENTS = frozenset(
    {
        # The browser's: signing in (with a second factor) and out, and sessions.
        EventType.SIGN_IN_SUCCEEDED,
        EventType.SIGN_IN_FAILED,
        EventType.SIGNED_OUT,
        EventType.SESSION_EXPIRED,
        EventType.TWO_FACTOR_ENROLLED,
        EventType.TWO_FACTOR_FAILED,
        EventType.RECOVERY_CODE_USED,
        # The API's: the token made for the tool (each change made with it names it in
        # the change's own event).
        EventType.API_TOKEN_CREATED,
    }
)


@dataclass(frozen=True)
class Step:
    """One event of the journey: its type, the stage it names (None: none or not
    compared) and who acted, by role key ("officer", "security", "no10", ...)."""

    event: EventType
    stage: str | None
    who: str


#: What the audit trail records of the journey, oldest first.
JOURNEY: tuple[Step, ...] = (
    Step(EventType.REQUEST_CREATED, None, "officer"),
    Step(EventType.REQUEST_UPDATED, None, "officer"),
    Step(EventType.REQUEST_SUBMITTED, "security", "officer"),
    Step(EventType.STAGE_APPROVED, "security", "security"),
    Step(EventType.CHANGES_REQUESTED, "no10", "no10"),
    Step(EventType.REQUEST_UPDATED, None, "officer"),
    Step(EventType.REQUEST_RESUBMITTED, "security", "officer"),
    Step(EventType.STAGE_APPROVED, "security", "security"),
    Step(EventType.STAGE_APPROVED, "no10", "no10"),
    Step(EventType.STAGE_APPROVED, "cabinet_office", "cabinet_office"),
)


def journey_of(events: Iterable[tuple[EventType | str, str | None, str]]) -> list[Step]:
    """`events` ((type, stage, who), oldest first) as a journey: channel events left out,
    each run of REQUEST_UPDATED made one. Stages are kept only where JOURNEY names one for
    that type of event, so a caller may pass whatever its channel shows."""
    staged = {step.event for step in JOURNEY if step.stage is not None}
    steps: list[Step] = []
    for event_type, stage, who in events:
        event = EventType(event_type)
        if event in CHANNEL_EVENTS:
            continue
        if steps and event is EventType.REQUEST_UPDATED and steps[-1].event is event:
            continue
        steps.append(Step(event, stage if event in staged else None, who))
    return steps
