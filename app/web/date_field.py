"""GOV.UK's date input as a WTForms field: the audit log's filter and a delegation's
dates both read one."""

from __future__ import annotations

from datetime import date
from typing import Any

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field

#: Longest day, month or year part we try to read ("0029" is fine; a page of digits is not).
DATE_PART_MAX = 4

_DATE_PARTS = ("day", "month", "year")


class GovUKDateField(Field):
    """A date typed into GOV.UK's date input: day, month and year, all named `name`.

    Empty is allowed (no date). Otherwise every part must be given and the date real,
    with the GOV.UK pattern's messages ("Date from must include a month").
    """

    widget = GovDateInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.data: date | None = None
        #: The box the error summary links to: the first part missing, else the day.
        self.error_part = "day"

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [value.strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        # GovDateInput reads raw_data as exactly (day, month, year), or None for none.
        self.raw_data = parts if any(parts) else None
        self.data = None
        if not any(parts):
            return
        missing = [name for name, part in zip(_DATE_PARTS, parts, strict=True) if not part]
        if missing:
            self.error_part = missing[0]
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if any(
            len(part) > DATE_PART_MAX or not (part.isascii() and part.isdecimal()) for part in parts
        ):
            raise ValueError(f"{self.label.text} must be a real date")
        day, month, year = (int(part) for part in parts)
        if len(parts[2]) != 4:
            self.error_part = "year"
            raise ValueError(f"The year in {self.label.text.lower()} must include 4 numbers")
        try:
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None

    def _value(self) -> str:
        return ""

    def query_values(self) -> list[str]:
        """The date as the form sends it: [day, month, year]; [] when empty."""
        if self.data is None:
            return []
        return [str(self.data.day), str(self.data.month), str(self.data.year)]
