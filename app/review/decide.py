"""An approver's decision on the current stage of a request. Placeholder."""

from __future__ import annotations
