"""The one JSON serialisation every hash in Permit is computed over.

Sorted keys at every depth, no whitespace, UTF-8 text rather than \\u escapes, no NaN or
infinities (docs/audit-format.md, "Canonical JSON"). The database stores JSON columns in
this form too, so exports can copy a stored payload without parsing it.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
