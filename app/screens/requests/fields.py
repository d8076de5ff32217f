"""Form fields for the officer's question pages that WTForms and govuk-frontend-wtf lack.

- `DateInputField`: the GOV.UK date input (day, month, year), with the Design System's
  error messages ("Start date must include a month", "... must be a real date"). It
  never fails on odd input: a missing or extra box is read as empty.
- `PoundsField`: a budget in whole pounds, refusing pence, signs and words clearly.
- `LimitedTextArea`: a textarea with a GOV.UK character count, limited by `Length`;
  `content_text_area(name)` makes one with app.rules.content's label and limit for `name`.
  The count's words give the limit as its script does, "You can enter up to 5,000
  characters" (the Jinja macro alone would write "5000").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovDateInput, GovTextInput
from wtforms import Field, TextAreaField
from wtforms.validators import Length

from app.rules.content import BUDGET_MAX_POUNDS, TEXT_FIELDS
from app.rules.formatting import thousands
from app.rules.workflow import too_long

_LIMITS = {field.name: field for field in TEXT_FIELDS}
_PARTS = ("day", "month", "year")
#: ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
_DIGITS = re.compile(r"[0-9]+")


def tidy(value: Any) -> Any:
    """Filter for text answers: outer spaces off, browsers' CRLF line breaks as LF.

    LF, so the server counts characters as the character count in the browser does.
    """
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def content_length(name: str) -> Length:
    """The `Length` validator for content field `name`, with app.rules.content's limit and words."""
    field = _LIMITS[name]
    return limit(field.label, field.max_length)


def limit(label: str, max_length: int) -> Length:
    return Length(max=max_length, message=too_long(label, max_length))


class LimitedCharacterCount(GovCharacterCount):
    """GovCharacterCount counting to the field's `max_length`, which it words with a
    thousands comma, as the count's script and the error messages write it."""

    def map_gov_params(self, field: LimitedTextArea, **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = super().map_gov_params(field, **kwargs)
        params.setdefault("maxlength", field.max_length)
        params.setdefault(
            "textareaDescriptionText",
            f"You can enter up to {thousands(field.max_length)} characters",
        )
        return params


class LimitedTextArea(TextAreaField):
    """A textarea with a GOV.UK character count: `max_length` is its `Length` limit and
    the count the page shows (`field.max_length`)."""

    widget = LimitedCharacterCount()

    def __init__(self, label: str, *, max_length: int, **kwargs: Any) -> None:
        kwargs.setdefault("filters", [tidy])
        validators = [limit(label, max_length), *kwargs.pop("validators", [])]
        super().__init__(label, validators=validators, **kwargs)
        self.max_length = max_length


def content_text_area(name: str, **kwargs: Any) -> Any:
    """A LimitedTextArea for content field `name`: its label and limit from app.rules.content."""
    field = _LIMITS[name]
    return LimitedTextArea(field.label, max_length=field.max_length, **kwargs)


class GovUKDateInput(GovDateInput):
    """GovDateInput that reads the field's own day/month/year and marks only the boxes
    that are wrong, as the Design System asks."""

    def map_gov_params(self, field: DateInputField, **kwargs: Any) -> dict[str, Any]:
        # Not GovDateInput's own: it unpacks the raw form data as exactly three values,
        # and fails when a (crafted) form sends fewer or more.
        params: dict[str, Any] = GovFormBase.map_gov_params(self, field, **kwargs)
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        widths = {"day": 2, "month": 2, "year": 4}
        # An error about the date as a whole (such as the domain's "end before start")
        # marks all three boxes.
        wrong = field.error_parts or (_PARTS if field.errors else ())
        params["items"] = [
            {
                "label": part.capitalize(),
                "id": f"{field.id}-{part}",
                "name": field.name,
                "inputmode": "numeric",
                "classes": f"govuk-input--width-{widths[part]}"
                + (" govuk-input--error" if part in wrong else ""),
                "value": value,
            }
            for part, value in zip(_PARTS, field.parts(), strict=True)
        ]
        return params


class DateInputField(Field):
    """A date typed as day, month and year in three boxes that share the field's name.

    `data` is a `date`, or None when all three boxes are empty (the date is optional
    while the request is a draft; submission checks it is there).
    """

    widget = GovUKDateInput()

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.error_parts: tuple[str, ...] = ()

    def _value(self) -> str:
        return ""  # each box has its own value: see parts()

    def parts(self) -> tuple[str, str, str]:
        """What the three boxes show: what was typed, else the stored date."""
        if self.raw_data is not None:
            return _three(self.raw_data)
        if isinstance(self.data, date):
            return (str(self.data.day), str(self.data.month), str(self.data.year))
        return ("", "", "")

    @property
    def error_href(self) -> str:
        """Where the error summary links: the first box that is wrong."""
        part = self.error_parts[0] if self.error_parts else "day"
        return f"#{self.id}-{part}"

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_data = list(_three(valuelist))
        day, month, year = (value.strip() for value in self.raw_data)
        name = self.label.text
        if not (day or month or year):
            self.data = None
            return
        self.data = None
        missing = tuple(
            part for part, value in zip(_PARTS, (day, month, year), strict=True) if not value
        )
        if missing:
            self.error_parts = missing
            raise ValueError(f"{name} must include a {' and '.join(missing)}")
        if not _DIGITS.fullmatch(year) or len(year) != 4:
            self.error_parts = ("year",)
            raise ValueError(f"The year of the {name.lower()} must include 4 numbers")
        try:
            if not (_DIGITS.fullmatch(day) and _DIGITS.fullmatch(month)):
                raise ValueError
            if len(day) > 2 or len(month) > 2:
                raise ValueError
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            self.error_parts = _PARTS
            raise ValueError(f"{name} must be a real date") from None


def _three(values: list[Any]) -> tuple[str, str, str]:
    """Exactly three strings from what the browser sent, whatever it sent."""
    padded = [v if isinstance(v, str) else "" for v in values[:3]] + ["", "", ""]
    return (padded[0], padded[1], padded[2])


#: "1,500", "£1500" and "1 500" are all 1500; anything else that is not digits is refused.
_NOISE = re.compile(r"[£,\s]")
#: More digits than this is far over BUDGET_MAX_POUNDS (and too long for int() to read safely).
_MAX_DIGITS = 12


class PoundsField(Field):
    """A sum in whole pounds, typed after a £ prefix; None when left empty."""

    widget = GovTextInput()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = _NOISE.sub("", str(valuelist[0])) if valuelist else ""
        self.data = None
        if not text:
            return
        name = self.label.text
        if text.startswith("-"):
            raise ValueError(f"{name} must be £0 or more")
        if re.fullmatch(r"[0-9]*\.[0-9]*", text):
            raise ValueError(f"{name} must be a whole number of pounds, without pence")
        if not _DIGITS.fullmatch(text):
            raise ValueError(f"{name} must be a whole number of pounds, like 5,000")
        if len(text) > _MAX_DIGITS or int(text) > BUDGET_MAX_POUNDS:
            raise ValueError(f"{name} must be £{BUDGET_MAX_POUNDS:,} or less")
        self.data = int(text)
