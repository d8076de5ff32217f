"""Reading the decision record back: its summary lists, its events table, its footer."""

from __future__ import annotations

import re

from app.models import AccessRequest
from tests.web.review.support import element, text_of


def url(request: AccessRequest) -> str:
    return f"/requests/{request.reference}/record"


def summary(fragment: str) -> dict[str, str]:
    """A govukSummaryList's rows in `fragment` as {key: value}, in words (first list only
    when `fragment` holds several: pass the element that holds the one you mean)."""
    rows = re.findall(
        r'<dt class="govuk-summary-list__key[^"]*">(.*?)</dt>\s*'
        r'<dd class="govuk-summary-list__value[^"]*">(.*?)</dd>',
        fragment,
        re.S,
    )
    # <wbr> marks where a hash may wrap: it adds no characters.
    return {text_of(key): text_of(value.replace("<wbr>", "")) for key, value in rows}


def summaries(fragment: str) -> list[dict[str, str]]:
    """Every govukSummaryList in `fragment`, in order."""
    lists = re.findall(r'<dl class="govuk-summary-list.*?</dl>', fragment, re.S)
    return [summary(found) for found in lists]


def event_rows(page: str) -> list[dict[str, str]]:
    """The audit events table: each row's cells by column heading, in words."""
    table = element(page, "audit-events")
    headings = [text_of(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table, re.S)]
    rows = []
    for row in re.findall(r'<tr class="govuk-table__row" id="event-\d+">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)
        words = (text_of(cell.replace("<wbr>", "")) for cell in cells)
        rows.append(dict(zip(headings, words, strict=True)))
    return rows


def hash_cells(page: str) -> list[tuple[str, str]]:
    """(hash, previous hash) of each event row, exactly as printed (markup removed)."""
    found = re.findall(r'<code class="app-hash">(.*?)</code>', element(page, "audit-events"))
    hashes = [re.sub(r"<[^>]+>", "", cell) for cell in found]
    return list(zip(hashes[0::2], hashes[1::2], strict=True))
