""" "Check your answers": the request's answers as GOV.UK summary lists, one per section,
each row with a Change link to the page that asks it; and how an answer reads wherever
it is shown is app.rules.formatting's `shown_answer`.

An answer the request still needs (app.rules.content.check_complete) shows as a link to the
page that asks it, worded as what to do ("Enter the purpose"); any other answer left
empty shows its words from app.rules.formatting.EMPTY, else "Not provided".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup, escape

from app.models.requests import AccessRequest
from app.rules.content import TEXT_FIELDS, check_complete, content_of
from app.rules.formatting import empty_answer, show_value
from app.rules.workflow import InvalidContent
from app.screens.requests.sections import SECTIONS, sequence

LABELS: dict[str, str] = {
    **{field.name: field.label for field in TEXT_FIELDS},
    "kind": "Kind of request",
    "start_date": "Start date",
    "end_date": "End date",
    "device_attestation": "Not installed on a government device",
    "ad_budget_pounds": "Advertising budget",
}


def missing_answers(access_request: AccessRequest) -> dict[str, str]:
    """What submission would refuse for, by field: {} when the request is complete."""
    try:
        check_complete(content_of(access_request), handle_rule=access_request.platform.handle_rule)
    except InvalidContent as refusal:
        return dict(refusal.errors)
    return {}


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
