"""What typed text may hold: the rule on control characters, in one place.

A control character is one of Unicode's category Cc: C0 (U+0000 to U+001F: NUL, tab, line
feed, carriage return, escape ...), DEL (U+007F) and C1 (U+0080 to U+009F). Nobody types
one on purpose; pasted in, they hide in a name (a tab or a line break looks like a space,
an escape sequence rewrites a terminal), and PostgreSQL refuses NUL in text outright.

- One-line values (people's names, department and platform names, passwords) take none:
  `has_any_control_character`, refused in `one_line_refusal`'s words.
- Free text (a request's answers, a reason) takes line breaks and tabs, which are ordinary
  there, and nothing else: `has_control_characters`.

Plain Python: the operations check, and the forms check first with the same words
(app.web.field_checks), so a browser and the API are told the same thing.
"""

from __future__ import annotations

import unicodedata

#: What free text may hold of the control characters.
FREE_TEXT_CONTROLS = frozenset("\r\n\t")


def is_control_character(character: str) -> bool:
    return unicodedata.category(character) == "Cc"


def has_any_control_character(value: str) -> bool:
    """True when a one-line value holds a control character (a tab or line break too)."""
    return any(is_control_character(ch) for ch in value)


def has_control_characters(value: str) -> bool:
    """True for control characters other than line breaks and tabs (ordinary in answers)."""
    return any(is_control_character(ch) and ch not in FREE_TEXT_CONTROLS for ch in value)


def one_line_refusal(label: str) -> str:
    """The refusal of a one-line value holding a control character: "Password must not
    contain control characters such as tabs or line breaks"."""
    return f"{label} must not contain control characters such as tabs or line breaks"
