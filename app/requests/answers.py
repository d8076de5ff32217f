""" "Check your answers": the request's answers as GOV.UK summary lists, one per section,
each row with a Change link to the page that asks it; and how an answer reads wherever
it is shown (`shown_answer`: here, the request and decision pages, the printable record).

An answer the request still needs (app.content.check_complete) shows as a link to the
page that asks it, worded as what to do ("Enter the purpose"); any other answer left
empty shows its words from `EMPTY`, else "Not provided".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from app.content import TEXT_FIELDS, check_complete, content_of
from app.formatting import uk_date
from app.models.requests import AccessRequest
from app.requests.sections import SECTIONS, sequence
from app.workflow import KIND_LABELS, InvalidContent, RequestKind

LABELS: dict[str, str] = {
    **{field.name: field.label for field in TEXT_FIELDS},
    "kind": "Kind of request",
    "start_date": "Start date",
    "end_date": "End date",
    "device_attestation": "Not installed on a government device",
    "ad_budget_pounds": "Advertising budget",
}

#: What an answer left empty says, on every page that shows answers.
NOT_PROVIDED = "Not provided"
#: ... where "Not provided" would not be the words.
EMPTY: dict[str, str] = {
    "end_date": "No planned end date",
    "ad_budget_pounds": "No paid advertising planned",
    "device_attestation": "Not confirmed",
}


def missing_answers(access_request: AccessRequest) -> dict[str, str]:
    """What submission would refuse for, by field: {} when the request is complete."""
    try:
        check_complete(content_of(access_request), handle_rule=access_request.platform.handle_rule)
    except InvalidContent as refusal:
        return dict(refusal.errors)
    return {}


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


def summary_sections(
    access_request: AccessRequest,
    missing: Mapping[str, str],
    change_url: Callable[[str], str],
) -> list[dict[str, Any]]:
    """[{"title", "rows"}] for each section the request's kind asks, in order; rows are
    govukSummaryList() rows. `change_url(slug)` is the link to a section's page."""
    platform = {"key": {"text": "Platform"}, "value": {"text": access_request.platform.name}}
    kind = _row("kind", access_request, missing, change_url)
    groups = [{"title": "The request", "rows": [platform, kind]}]
    for slug in sequence(access_request.kind):
        section = SECTIONS[slug]
        rows = [_row(name, access_request, missing, change_url) for name in section.fields]
        groups.append({"title": section.title, "rows": rows})
    return groups


def _row(
    name: str,
    access_request: AccessRequest,
    missing: Mapping[str, str],
    change_url: Callable[[str], str],
) -> dict[str, Any]:
    section = next(s for s in SECTIONS.values() if name in s.fields)
    href = change_url(section.slug)
    value = show_value(name, getattr(access_request, name))
    if value is None and name in missing:
        # The Design System's pattern for a missing answer: the value is the link to give it.
        link = Markup('<a class="govuk-link" href="{}">{}</a>').format(href, missing[name])
        return {"key": {"text": LABELS[name]}, "value": {"html": link}}
    if value is None:
        value = escape(empty_answer(name))
    return {
        "key": {"text": LABELS[name]},
        "value": {"html": value},
        "actions": {
            "items": [{"href": href, "text": "Change", "visuallyHiddenText": LABELS[name].lower()}]
        },
    }
