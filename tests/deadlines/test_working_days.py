"""The working-day calendar and a stage's schedule, against dates worked out by hand.

Each row below was counted on a calendar, not by the code under test: the first working
day after the day the request reached the stage is working day 1; weekends, England and
Wales bank holidays and the configured closure days are skipped.

December 2026 and January 2027:      March and April 2027:
  Thu 24 Dec                           Thu 25 Mar
  Fri 25 Dec  Christmas Day            Fri 26 Mar  Good Friday
  Mon 28 Dec  Boxing Day (substitute)  Mon 29 Mar  Easter Monday
  Tue 29, Wed 30, Thu 31 Dec           Tue 30, Wed 31 Mar, Thu 1, Fri 2 Apr
  Fri 1 Jan   New Year's Day           Mon 5, Tue 6 Apr ...
  Mon 4, Tue 5, Wed 6, Thu 7, Fri 8 Jan
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.deadlines.schedule import NoticeKind, due_soon_day, schedule_for
from app.deadlines.working_days import (
    LONDON,
    WorkingCalendar,
    england_and_wales_bank_holidays,
    london_day,
)

CALENDAR = WorkingCalendar()
#: PERMIT_CLOSURE_DAYS="2026-12-24,2026-12-31"
CLOSED_AT_CHRISTMAS = WorkingCalendar([date(2026, 12, 24), date(2026, 12, 31)])


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("reached", "target", "due_soon", "due", "overdue", "escalate"),
    [
        # Christmas 2026: Christmas Day, the weekend and Boxing Day's substitute Monday.
        pytest.param(
            london(2026, 12, 23, 10, 0), 5,
            date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 7),
            id="wed-23-dec",
        ),
        pytest.param(
            london(2026, 12, 24, 16, 0), 5,
            date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 8),
            id="thu-24-dec-the-brief-s-tuesday-5-january",
        ),
        pytest.param(
            london(2026, 12, 25, 9, 0), 5,
            date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 8),
            id="christmas-day-itself",
        ),
        pytest.param(
            london(2026, 12, 28, 12, 0), 5,
            date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 8),
            id="boxing-day-substitute-monday",
        ),
        pytest.param(
            london(2026, 12, 29, 9, 0), 5,
            date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 7), date(2027, 1, 11),
            id="tue-29-dec",
        ),
        # New Year's Day 2027 is a Friday.
        pytest.param(
            london(2026, 12, 31, 15, 0), 5,
            date(2027, 1, 7), date(2027, 1, 8), date(2027, 1, 11), date(2027, 1, 13),
            id="new-year-s-eve",
        ),
        pytest.param(
            london(2027, 1, 1, 11, 0), 5,
            date(2027, 1, 7), date(2027, 1, 8), date(2027, 1, 11), date(2027, 1, 13),
            id="new-year-s-day",
        ),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        pytest.param(
            london(2027, 3, 24, 10, 0), 5,
            date(2027, 4, 1), date(2027, 4, 2), date(2027, 4, 5), date(2027, 4, 7),
            id="wed-before-easter",
        ),
        pytest.param(
            london(2027, 3, 25, 10, 0), 5,
            date(2027, 4, 2), date(2027, 4, 5), date(2027, 4, 6), date(2027, 4, 8),
            id="maundy-thursday",
        ),
        # Other targets: the reminder on working day ceil(0.8 x target).
        pytest.param(
            london(2026, 12, 24, 10, 0), 1,
            date(2026, 12, 29), date(2026, 12, 29), date(2026, 12, 30), date(2027, 1, 4),
            id="target-1-reminder-on-the-due-date",
        ),
        pytest.param(
            london(2026, 12, 24, 10, 0), 3,
            date(2026, 12, 31), date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 6),
            id="target-3-reminder-on-the-due-date",
        ),
        pytest.param(
            london(2026, 12, 24, 10, 0), 10,
            date(2027, 1, 8), date(2027, 1, 12), date(2027, 1, 13), date(2027, 1, 15),
            id="target-10-reminder-on-working-day-8",
        ),
    ],
)  # fmt: skip
def test_due_dates_across_the_holidays(reached, target, due_soon, due, overdue, escalate):
    schedule = schedule_for(reached, target, CALENDAR, escalate_after=2)
    assert (schedule.due_soon_on, schedule.due_on, schedule.overdue_on, schedule.escalate_on) == (
        due_soon,
        due,
        overdue,
        escalate,
    )
    assert not schedule.beyond_holiday_data


#: (when, in London; its London date; the due date at 5 working days; what it checks)
NEAR_MIDNIGHT = [
    # BST ends on Sunday 25 October 2026 (02:00 BST becomes 01:00 GMT).
    (london(2026, 10, 23, 23, 30), date(2026, 10, 23), date(2026, 10, 30), "fri-23-oct-23:30-bst"),
    (london(2026, 10, 24, 23, 30), date(2026, 10, 24), date(2026, 10, 30), "sat-24-oct-23:30-bst"),
    (london(2026, 10, 25, 23, 30), date(2026, 10, 25), date(2026, 10, 30), "sun-25-oct-23:30-gmt"),
    (london(2026, 10, 26, 0, 30), date(2026, 10, 26), date(2026, 11, 2), "mon-26-oct-00:30-gmt"),
    # 00:30 BST is 23:30 UTC the day before: the London date counts, not UTC's.
    (london(2026, 10, 19, 0, 30), date(2026, 10, 19), date(2026, 10, 26), "mon-19-oct-00:30-bst"),
    # BST starts on Sunday 28 March 2027 (01:00 GMT becomes 02:00 BST), Easter weekend.
    (london(2027, 3, 25, 23, 30), date(2027, 3, 25), date(2027, 4, 5), "thu-25-mar-23:30-gmt"),
    (london(2027, 3, 27, 23, 30), date(2027, 3, 27), date(2027, 4, 5), "sat-27-mar-23:30-gmt"),
    (london(2027, 3, 28, 23, 30), date(2027, 3, 28), date(2027, 4, 5), "sun-28-mar-23:30-bst"),
    (london(2027, 3, 30, 0, 30), date(2027, 3, 30), date(2027, 4, 6), "tue-30-mar-00:30-bst"),
]


@pytest.mark.parametrize(
    ("moment", "london_date", "due"),
    [pytest.param(*row[:3], id=row[3]) for row in NEAR_MIDNIGHT],
)
def test_a_moment_near_midnight_counts_from_its_london_date(moment, london_date, due):
    assert london_day(moment.astimezone(UTC)) == london_date
    assert schedule_for(moment.astimezone(UTC), 5, CALENDAR).due_on == due


def test_closure_days_do_not_count():
    # Thu 24 and Thu 31 December closed: Tue 29 (1), Wed 30 (2), Mon 4 (3), Tue 5 (4), Wed 6 (5).
    reached = london(2026, 12, 23, 10, 0)
    assert schedule_for(reached, 5, CLOSED_AT_CHRISTMAS).due_on == date(2027, 1, 6)
    assert schedule_for(reached, 5, CALENDAR).due_on == date(2027, 1, 4)
    assert not CLOSED_AT_CHRISTMAS.is_working_day(date(2026, 12, 31))
    assert CALENDAR.is_working_day(date(2026, 12, 31))


def test_a_date_beyond_the_holiday_data_is_flagged():
    """The bundled data ends with 2028: New Year's Day 2029 is counted as a working day,
    and the schedule says its count may be wrong."""
    assert CALENDAR.last_year == 2028
    # Wed 20 Dec 2028: Thu 21 (1), Fri 22 (2), Wed 27 (3), Thu 28 (4), Fri 29 (5) =
    # due. The first working day after it should be Tue 2 January 2029 (New Year's Day
    # is a bank holiday every year), but the data does not know 2029: Mon 1 January.
    schedule = schedule_for(london(2028, 12, 20, 10, 0), 5, CALENDAR)
    assert schedule.due_on == date(2028, 12, 29)
    assert schedule.overdue_on == date(2029, 1, 1)
    assert schedule.beyond_holiday_data
    assert CALENDAR.beyond_holiday_data(date(2029, 1, 1))
    assert not CALENDAR.beyond_holiday_data(date(2028, 12, 31), date(2012, 1, 1))
    assert CALENDAR.beyond_holiday_data(date(2011, 12, 31))


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        (date(2026, 12, 24), date(2027, 1, 5), 5),
        (date(2026, 12, 24), date(2026, 12, 28), 0),  # Christmas, weekend, Boxing Day
        (date(2027, 3, 25), date(2027, 3, 29), 0),  # Good Friday to Easter Monday
        (date(2027, 3, 25), date(2027, 3, 30), 1),
        (date(2027, 1, 5), date(2027, 1, 5), 0),
        (date(2027, 1, 6), date(2027, 1, 5), 0),
    ],
)
def test_working_days_between_counts_after_the_start_up_to_the_end(start, end, count):
    assert CALENDAR.working_days_between(start, end) == count


def test_adding_and_counting_working_days_agree():
    start = date(2026, 12, 1)
    for n in range(0, 60):
        assert CALENDAR.working_days_between(start, CALENDAR.add_working_days(start, n)) == n
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(start, -1)


@pytest.mark.parametrize(
    ("target", "day"), [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4), (10, 8), (15, 12), (20, 16)]
)
def test_the_reminder_is_on_working_day_ceil_80_percent(target, day):
    assert due_soon_day(target) == day


def test_notices_come_in_order_and_a_late_reminder_is_dropped():
    schedule = schedule_for(london(2026, 12, 23, 10, 0), 5, CALENDAR)
    assert schedule.notices_due(date(2026, 12, 30)) == []
    assert schedule.notices_due(date(2026, 12, 31)) == [NoticeKind.DUE_SOON]
    assert schedule.notices_due(date(2027, 1, 4)) == [NoticeKind.DUE_SOON]  # the due date
    assert schedule.notices_due(date(2027, 1, 5)) == [NoticeKind.OVERDUE]
    assert schedule.notices_due(date(2027, 1, 7)) == [NoticeKind.OVERDUE, NoticeKind.ESCALATED]
    assert schedule.is_overdue(date(2027, 1, 5)) and not schedule.is_overdue(date(2027, 1, 4))


def test_overdue_shows_from_the_next_day_but_is_told_on_the_next_working_day():
    # Due Friday 8 January 2027: overdue on Saturday 9th, approvers told on Monday 11th.
    schedule = schedule_for(london(2026, 12, 31, 15, 0), 5, CALENDAR)
    assert schedule.due_on == date(2027, 1, 8)
    assert schedule.is_overdue(date(2027, 1, 9))
    assert schedule.notices_due(date(2027, 1, 9)) == [NoticeKind.DUE_SOON]
    assert schedule.notices_due(date(2027, 1, 11)) == [NoticeKind.OVERDUE]


def test_the_bank_holiday_data_is_read_from_the_package_not_the_network(monkeypatch):
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the calendar tried to reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr("socket.create_connection", refuse)
    loaded = england_and_wales_bank_holidays.__wrapped__()  # a fresh load, past the cache
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= loaded
    assert {date(2027, 3, 26), date(2027, 3, 29)} <= loaded
    assert date(2026, 12, 26) not in loaded  # Boxing Day itself is a Saturday
