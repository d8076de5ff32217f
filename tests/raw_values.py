"""What must never reach the text a person reads: a program's values shown raw.

One list, for the browser walk over every page (tests/browser/test_no_raw_values.py) and
for any test that reads a page's text (tests/web/test_no_raw_values.py). Each pattern
matches whole words only, so "Nonesuch" or "nullify" would pass; case matters, so English
words such as "none" or "true" in a sentence pass too.
"""

from __future__ import annotations

import re
from collections.abc import Collection

#: Each forbidden kind of text, by what it means when it shows.
RAW_VALUES: dict[str, re.Pattern[str]] = {
    # Python's None, from a template's {{ value }} or a str() of a missing value.
    "Python None": re.compile(r"\bNone\b"),
    # JavaScript's and JSON's empty values.
    "null": re.compile(r"\bnull\b"),
    "undefined": re.compile(r"\bundefined\b"),
    # A Python bool printed as it is, instead of "Yes", "No", "On", "Confirmed" ...
    "Python True or False": re.compile(r"\b(?:True|False)\b"),
    # An ISO 8601 moment (2026-12-06T10:00:00, with seconds' fractions, Z or an offset),
    # which should read "6 December 2026 at 10am".
    "raw ISO timestamp": re.compile(
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    ),
    # Jinja left unrendered: an expression or a statement.
    "template placeholder": re.compile(r"\{\{|\}\}|\{%|%\}"),
}


def raw_values(text: str, *, ignore: Collection[str] = (), context: int = 30) -> list[str]:
    """Each forbidden piece of `text`, as "<kind>: '...<piece in context>...'", except the
    kinds (RAW_VALUES keys) in `ignore`."""
    found = []
    for kind, pattern in RAW_VALUES.items():
        if kind in ignore:
            continue
        for match in pattern.finditer(text):
            start, end = max(0, match.start() - context), match.end() + context
            around = " ".join(text[start:end].split())
            found.append(f"{kind}: {match.group(0)!r} in '...{around}...'")
    return found
