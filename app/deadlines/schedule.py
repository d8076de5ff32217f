"""When a stage's decision is due, and when each deadline notice becomes due: plain Python.

The rules (docs/deadlines.md says them for people):

- A stage's clock starts at the moment the request reaches it; day 0 is that moment's
  date in London. Working day 1 is the first working day after day 0, whatever the time
  of arrival, so a request arriving at 23:30 on a Monday or at 08:00 on a Saturday has the
  same working day 1 as one arriving that Monday morning.
- Due date: working day `target` (`add_working_days(day 0, target)`). The decision is in
  time on any moment of that London day; from the start of the next day it is overdue.
- Due soon (the reminder): from the start of working day ceil(0.8 x target), the day in
  which 80 % of the target is used up. The default target of 5 gives working day 4, the
  working day before the due date; a target of 1, 2 or 3 gives the due date itself.
- Overdue (the approvers are told): from the start of the first working day after the
  due date. The request shows "Overdue" from the day after the due date; the message
  waits for a working day, so nobody is chased on a weekend or a bank holiday.
- Escalated (the stage's leads are told): from the start of the working day after
  `escalate_after` whole working days overdue, working day target + escalate_after + 1.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from app.deadlines.working_days import WorkingCalendar, london_day

#: Whole working days overdue before a stage's leads are told (SLA_ESCALATE_AFTER_DAYS).
DEFAULT_ESCALATE_AFTER_DAYS = 2


class NoticeKind(enum.StrEnum):
    """The notices `sla tick` writes, each at most once per request, revision and stage."""

    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


def due_soon_day(target: int) -> int:
    """The working day the reminder goes on: ceil(0.8 x target), in whole numbers."""
    if target < 1:
        raise ValueError("a stage's target is at least 1 working day")
    return -(-4 * target // 5)


@dataclass(frozen=True)
class StageSchedule:
    """One stage's dates for one arrival, all London dates."""

    started_on: date
    target: int
    escalate_after: int
    due_on: date
    due_soon_on: date
    overdue_on: date
    escalate_on: date
    #: A date in a year the bank holiday data does not cover: the count may be wrong.
    beyond_holiday_data: bool

    def is_overdue(self, today: date) -> bool:
        """Overdue from the start of the day after the due date (any day, working or not)."""
        return today > self.due_on

    def notices_due(self, today: date) -> list[NoticeKind]:
        """The notices whose day has come by `today`, in order.

        A reminder that was never sent is not worth sending once the request is overdue
        (a tick that did not run for days, say): the overdue notice says more.
        """
        found = []
        if self.due_soon_on <= today < self.overdue_on:
            found.append(NoticeKind.DUE_SOON)
        if today >= self.overdue_on:
            found.append(NoticeKind.OVERDUE)
        if today >= self.escalate_on:
            found.append(NoticeKind.ESCALATED)
        return found


def schedule_for(
    started_at: datetime,
    target: int,
    calendar: WorkingCalendar,
    *,
    escalate_after: int = DEFAULT_ESCALATE_AFTER_DAYS,
) -> StageSchedule:
    """The dates of a stage reached at `started_at` (zone-aware) with `target` days."""
    if escalate_after < 0:
        raise ValueError("escalate after 0 or more working days overdue")
    day0 = london_day(started_at)
    due_soon_on = calendar.add_working_days(day0, due_soon_day(target))
    due_on = calendar.add_working_days(day0, target)
    overdue_on = calendar.add_working_days(due_on, 1)
    escalate_on = calendar.add_working_days(overdue_on, escalate_after)
    return StageSchedule(
        started_on=day0,
        target=target,
        escalate_after=escalate_after,
        due_on=due_on,
        due_soon_on=due_soon_on,
        overdue_on=overdue_on,
        escalate_on=escalate_on,
        beyond_holiday_data=calendar.beyond_holiday_data(day0, escalate_on),
    )
