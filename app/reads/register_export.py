"""The register of approved accounts as CSV: one row per account, conditions in a cell.

Free-text cells are written as the audit export writes them (app.audit.export.csv_text):
a "'" in front of anything a spreadsheet would run as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime

from app.audit.export import csv_quoted, csv_text
from app.reads.register import RegisterRow
from app.rules.accounts import ACCOUNT_STATUS_LABELS

HEADER = (
    "reference",
    "department",
    "platform",
    "handle",
    "web_address",
    "owner",
    "status",
    "status_since",
    "approved_at",
    "opened_on",
    "permission_ends_on",
    "next_review_on",
    "conditions",
    "open_conditions",
    "condition_details",
)


def register_csv(rows: Iterable[RegisterRow]) -> Iterator[str]:
    """The header, then a line per row, each ending CRLF."""
    yield ",".join(HEADER) + "\r\n"
    for row in rows:
        cells = [
            csv_text(row.reference),
            csv_text(row.department),
            csv_text(row.platform),
            csv_text(row.handle),
            csv_text(row.url),
            csv_text(row.owner),
            csv_text(ACCOUNT_STATUS_LABELS[row.status]),
            csv_quoted(_moment(row.since)),
            csv_quoted(_moment(row.approved_at)),
            _day(row.opened_on),
            _day(row.ends_on),
            _day(row.review_due_on),
            str(row.conditions),
            str(row.open_conditions),
            csv_text("\n".join(row.condition_lines)),
        ]
        yield ",".join(cells) + "\r\n"


def _moment(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else ""
