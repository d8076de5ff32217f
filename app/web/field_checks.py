"""WTForms checks that ask the rules (app.rules), so a form refuses with the words the
operation behind it would use, before the operation is called."""

from __future__ import annotations

from typing import Any

from wtforms import Field
from wtforms.validators import ValidationError

from app.rules.text import has_any_control_character, one_line_refusal


class OneLine:
    """Refuse any control character, a tab or a line break too (app.rules.text), in the
    words of `one_line_refusal(label)`: "Password must not contain control characters
    such as tabs or line breaks"."""

    def __init__(self, label: str) -> None:
        self.message = one_line_refusal(label)

    def __call__(self, _form: Any, field: Field) -> None:
        if isinstance(field.data, str) and has_any_control_character(field.data):
            raise ValidationError(self.message)
