"""The moves a request can make, written out by hand from the rules rather than read
from `app.rules.workflow.TRANSITIONS`, so that the tests compare the code with the rules."""

from __future__ import annotations

from app.rules.workflow import Action, Status

S, A = Status, Action

EXPECTED: dict[tuple[Action, Status], Status] = {
    (A.EDIT, S.DRAFT): S.DRAFT,
    (A.EDIT, S.CHANGES_REQUESTED): S.CHANGES_REQUESTED,
    (A.SUBMIT, S.DRAFT): S.IN_REVIEW,
    (A.RESUBMIT, S.CHANGES_REQUESTED): S.IN_REVIEW,
    (A.WITHDRAW, S.DRAFT): S.WITHDRAWN,
    (A.WITHDRAW, S.IN_REVIEW): S.WITHDRAWN,
    (A.WITHDRAW, S.CHANGES_REQUESTED): S.WITHDRAWN,
    (A.APPROVE_STAGE, S.IN_REVIEW): S.IN_REVIEW,
    (A.APPROVE_FINAL, S.IN_REVIEW): S.APPROVED,
    (A.APPROVE_IN_PART, S.IN_REVIEW): S.IN_REVIEW,
    (A.REQUEST_CHANGES, S.IN_REVIEW): S.CHANGES_REQUESTED,
    (A.REJECT, S.IN_REVIEW): S.REJECTED,
}
