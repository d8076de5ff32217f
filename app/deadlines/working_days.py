"""UK working days, counted in Europe/London: no Flask, no database.

A working day is a Monday to Friday that is neither an England and Wales bank holiday
nor one of the configured closure days (`PERMIT_CLOSURE_DAYS`, such as the days between
Christmas and New Year a department closes). The bank holidays come from the
`govuk-bank-holidays` package's bundled copy of GOV.UK's list, read once per process and
never fetched: a service must not change its deadlines because a network call failed.

That list covers whole years (2012 to 2028 in version 0.19). A date outside them is
counted with weekends and closure days only, which is wrong as soon as a bank holiday
falls there, so `beyond_holiday_data` lets callers say so rather than count silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from govuk_bank_holidays.bank_holidays import BankHolidays

LONDON = ZoneInfo("Europe/London")
_DAY = timedelta(days=1)


@cache
def england_and_wales_bank_holidays() -> frozenset[date]:
    """Every England and Wales bank holiday the bundled data knows (loaded once)."""
    holidays = BankHolidays(use_cached_holidays=True)
    return frozenset(
        holiday["date"]
        for holiday in holidays.get_holidays(division=BankHolidays.ENGLAND_AND_WALES)
    )


def london_day(moment: datetime) -> date:
    """The date in London at `moment` (zone-aware): 23:30 BST on 27 March is 27 March."""
    if moment.tzinfo is None:
        raise ValueError("a moment needs a time zone to have a London date")
    return moment.astimezone(LONDON).date()


class WorkingCalendar:
    """Working days: weekdays that are not bank holidays or closure days."""

    def __init__(
        self,
        closure_days: Iterable[date] = (),
        bank_holidays: frozenset[date] | None = None,
    ) -> None:
        self.bank_holidays = (
            england_and_wales_bank_holidays() if bank_holidays is None else bank_holidays
        )
        self.closure_days = frozenset(closure_days)
        years = {day.year for day in self.bank_holidays}
        #: The years the bank holiday data covers, first and last.
        self.first_year, self.last_year = min(years), max(years)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.bank_holidays and day not in self.closure_days

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`start` itself never counts).

        From Thursday 24 December 2026, 1 working day on is Tuesday 29 December: Christmas
        Day (Friday), the weekend and Boxing Day's substitute (Monday 28th) do not count.
        `count` 0 gives `start` itself.
        """
        if count < 0:
            raise ValueError("count working days forwards only")
        day = start
        while count:
            day += _DAY
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days come after `start`, up to and including `end`.

        The inverse of `add_working_days`: `working_days_between(d, add_working_days(d, n))`
        is `n`. 0 when `end` is not after `start`.
        """
        count, day = 0, start
        while day < end:
            day += _DAY
            count += self.is_working_day(day)
        return count

    def beyond_holiday_data(self, *days: date) -> bool:
        """Whether any of `days` falls in a year the bank holiday data does not cover, so
        that counting to or across it may have missed a bank holiday."""
        return any(not self.first_year <= day.year <= self.last_year for day in days)
