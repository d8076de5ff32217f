"""How values read on screen: dates in UK style and London time, numbers with a thousands
comma, statuses as GOV.UK tags, and the dash an empty table cell shows.

Plain functions, registered as Jinja filters and globals by `app.web.templating`. Moments are
stored as zone-aware UTC (`app.models.types.UTCDateTime`) and shown in Europe/London time,
worded as the GOV.UK style guide asks: "25 November 2026", "6:10pm", "midday".
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from app.rules.workflow import KIND_LABELS, STATUS_LABELS, RequestKind, Status

#: The service's name, as the header, page titles and emails show it.
SERVICE_NAME = "Request a restricted platform account"

LONDON = ZoneInfo("Europe/London")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def in_london(moment: datetime) -> datetime:
    """A zone-aware moment in London time; a naive one is a programming error."""
    if moment.tzinfo is None:
        raise ValueError("Dates shown on screen need a zone-aware datetime (stored in UTC)")
    return moment.astimezone(LONDON)


def uk_date(value: date | datetime | None) -> str:
    """'25 November 2026'; a datetime is first put in London time. None gives ''."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_london(value).date()
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def uk_day_date(value: date | None) -> str:
    """'Tuesday 5 January 2027': a date with its day of the week, for a deadline. None
    gives ''."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_london(value).date()
    return f"{_WEEKDAYS[value.weekday()]} {uk_date(value)}"


def uk_time(value: datetime | None) -> str:
    """'6:10pm', '9am', 'midday', 'midnight', in London time. None gives ''."""
    if value is None:
        return ""
    local = in_london(value)
    if local.minute == 0 and local.hour in (0, 12):
        return "midnight" if local.hour == 0 else "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}:{local.minute:02d}{suffix}" if local.minute else f"{hour}{suffix}"


def uk_datetime(value: datetime | None) -> str:
    """'25 November 2026 at 6:10pm', in London time. None gives ''."""
    if value is None:
        return ""
    return f"{uk_date(value)} at {uk_time(value)}"


def iso_datetime(value: datetime | None) -> str:
    """The moment in UTC for machines, e.g. a <time datetime="..."> attribute."""
    if value is None:
        return ""
    return in_london(value).astimezone(UTC).isoformat(timespec="seconds")


def role_names(roles: Iterable[str]) -> str:
    """'Admin, Approver': roles as a page lists them, A to Z. (The filter chain
    `map("capitalize") | join` did the same at a few times the cost, in every row of the
    audit log.)"""
    return ", ".join(sorted(str(role).capitalize() for role in roles))


def thousands(number: int) -> str:
    """'5,000': a number as the GOV.UK style guide writes it, with a comma from 1,000."""
    return f"{number:,}"


# Remembered: tables draw it in many cells on every visit, always with the same few words,
# and Markup.format is slow. (typed: text is escaped, Markup with the same text is not.)
@functools.lru_cache(maxsize=64, typed=True)
def empty_cell(hidden_text: str) -> Markup:
    """What a table cell with nothing in it shows: a dash, which screen readers skip, and
    `hidden_text` ("No current stage"), which only they read, as GOV.UK tables do."""
    return Markup(
        '<span aria-hidden="true">—</span><span class="govuk-visually-hidden">{}</span>'
    ).format(hidden_text)


def or_dash(value: Any, hidden_text: str) -> Any:
    """`value`, or `empty_cell(hidden_text)` when it is None or blank: the filter
    `{{ request.account_handle | or_dash("No handle") }}`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return empty_cell(hidden_text)
    return value


#: GOV.UK tag colour for each status. No modifier is the default blue tag.
STATUS_TAG_CLASSES: dict[Status, str] = {
    Status.DRAFT: "govuk-tag--grey",
    Status.IN_REVIEW: "",
    Status.CHANGES_REQUESTED: "govuk-tag--yellow",
    Status.APPROVED: "govuk-tag--green",
    Status.REJECTED: "govuk-tag--red",
    Status.WITHDRAWN: "govuk-tag--purple",
}


#: An approved request whose approval carries conditions (`AccessRequest.
#: approved_with_conditions`) says so, in the words and colour of the stage that attached
#: them on the request page (app.reads.request_page.DECIDED_STATES).
WITH_CONDITIONS_LABEL = "Approved with conditions"
WITH_CONDITIONS_TAG_CLASS = "govuk-tag--turquoise"


def status_label(status: Status | str, *, with_conditions: bool = False) -> str:
    """A status in words; an approval `with_conditions` is "Approved with conditions"."""
    status = Status(status)
    if with_conditions and status is Status.APPROVED:
        return WITH_CONDITIONS_LABEL
    return STATUS_LABELS[status]


def status_tag_params(status: Status | str, *, with_conditions: bool = False) -> dict[str, str]:
    """govukTag() options for a status: its words (`status_label`) and its colour."""
    status = Status(status)
    if with_conditions and status is Status.APPROVED:
        return {"text": WITH_CONDITIONS_LABEL, "classes": WITH_CONDITIONS_TAG_CLASS}
    return {"text": STATUS_LABELS[status], "classes": STATUS_TAG_CLASSES[status]}


# How an answer reads, wherever it is shown: check your answers, the request and
# decision pages, the printable record.

#: What an answer left empty says, on every page that shows answers.
NOT_PROVIDED = "Not provided"
#: ... where "Not provided" would not be the words.
EMPTY: dict[str, str] = {
    "end_date": "No planned end date",
    "ad_budget_pounds": "No paid advertising planned",
    "device_attestation": "Not confirmed",
}


def empty_answer(name: str) -> str:
    """What answer `name` says when it is empty: "No paid advertising planned", ..."""
    return EMPTY.get(name, NOT_PROVIDED)


def shown_answer(name: str, value: Any) -> Markup:
    """An answer in words, or the words for its being empty (`empty_answer`)."""
    shown = show_value(name, value)
    return shown if shown is not None else escape(empty_answer(name))


def show_value(name: str, value: Any) -> Markup | None:
    """An answer as it reads on the page: kind labels, UK dates, £25,000, line breaks
    kept; None when it is empty."""
    if value is None or value is False or (isinstance(value, str) and not value.strip()):
        return None
    if name == "kind":
        try:
            return escape(KIND_LABELS[RequestKind(value)])
        except ValueError:
            return escape(value)
    if name in ("start_date", "end_date"):
        return escape(uk_date(value))
    if name == "ad_budget_pounds":
        return escape(f"£{value:,}")
    if name == "device_attestation":
        return Markup("Confirmed")
    # Free text keeps its line breaks; every line is escaped.
    return Markup("<br>").join(escape(line) for line in str(value).splitlines())
