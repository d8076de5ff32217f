"""The printable decision record of a request. Placeholder."""

from __future__ import annotations
