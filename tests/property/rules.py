"""What the rules allow, written out for the property test independently of
`app.rules.workflow`: the cast of people, and a model of one request."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from app.rules.workflow import Outcome, Status
from tests.factories import PIPELINE

# The cast --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """What the rules need to know about someone, written out independently of the app."""

    department: str | None = None
    stages: frozenset[str] = frozenset()

    @property
    def officer(self) -> bool:
        return self.department is not None


def approver(*stages: str) -> Person:
    return Person(stages=frozenset(stages))


#: Everyone in `tests.factories.World`, plus two people the rules treat specially.
CAST: dict[str, Person] = {
    "officer": Person("home"),
    "colleague": Person("home"),
    "outsider": Person("other"),
    "security": approver("security"),
    "security_2": approver("security"),
    "no10": approver("no10"),
    "no10_2": approver("no10"),
    "cabinet_office": approver("cabinet_office"),
    "cabinet_office_2": approver("cabinet_office"),
    "auditor": Person(),
    "admin": Person(),
    #: An officer of the department who also signs its first stage.
    "dual": Person("home", frozenset({"security"})),
    #: One person who holds two stages, so could approve twice but for the rules.
    "multi": approver("no10", "cabinet_office"),
}
NAMES = sorted(CAST)
OFFICERS = [name for name in NAMES if CAST[name].officer]
#: Who would ordinarily decide each stage.
SIGNERS: dict[str, tuple[str, ...]] = {
    stage: tuple(name for name in NAMES if stage in CAST[name].stages) for stage in PIPELINE
}
OFFICER_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
WITHDRAWABLE = frozenset({Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED})

# The model -------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the rules say one request should look like now."""

    id: int
    department: str
    requester: str
    purpose: str
    status: Status = Status.DRAFT
    version: int = 1
    stage: str | None = None
    revisions: int = 0
    filers: set[str] = field(default_factory=set)
    #: Stage -> approver, on the latest revision.
    approvals: dict[str, str] = field(default_factory=dict)
    #: Person -> every stage they decided, on any revision.
    decided: dict[str, set[str]] = field(default_factory=dict)
    events: int = 1


def officer_may(name: str, request: Expected, statuses: frozenset[Status]) -> bool:
    person = CAST[name]
    return person.officer and person.department == request.department and request.status in statuses


def version_matches(request: Expected, version: int | None) -> bool:
    return version is None or version == request.version


def text_is_enough(outcome: Outcome, reason: str, conditions: str) -> bool:
    if outcome in (Outcome.REJECT, Outcome.REQUEST_CHANGES):
        return bool(reason.strip())
    if outcome is Outcome.APPROVE_WITH_CONDITIONS:
        return bool(conditions.strip())
    return True


def acceptable(text: str) -> bool:
    """Free text a person may give: 5000 characters at most, and no control characters
    but line breaks and tabs."""
    return len(text) <= 5000 and not any(
        unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in text
    )


def may_decide(name: str, request: Expected, stage: str, version: int) -> bool:
    return (
        request.status is Status.IN_REVIEW
        and stage == request.stage
        and version == request.version
        and stage in CAST[name].stages
        and name not in request.filers
        and request.decided.get(name, set()) <= {stage}
    )


def barred_signers(request: Expected) -> list[str]:
    """Who holds the stage now deciding `request` but may not decide it."""
    if request.status is not Status.IN_REVIEW or request.stage is None:
        return []
    return [
        name
        for name in SIGNERS[request.stage]
        if name in request.filers or request.decided.get(name, set()) - {request.stage}
    ]
