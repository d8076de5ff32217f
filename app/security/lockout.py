"""Account lockout after repeated failures, for a growing interval (ASVS 2.2.1).

Failures count per account, whatever the address they come from (the rate limits in
app.web.throttle count per address as well). A locked account refuses even the right
password until the lock expires; each lockout lasts twice as long as the one before,
up to a ceiling, and a successful sign-in starts the count again. Pure rules: the
operation in app.operations.sign_in applies them and writes the audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.models.users import User


@dataclass(frozen=True)
class LockoutPolicy:
    threshold: int = 5
    base: timedelta = timedelta(minutes=5)
    ceiling: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: Any) -> LockoutPolicy:
        return cls(
            threshold=config["LOCKOUT_THRESHOLD"],
            base=timedelta(minutes=config["LOCKOUT_BASE_MINUTES"]),
            ceiling=timedelta(minutes=config["LOCKOUT_MAX_MINUTES"]),
        )

    def duration(self, lockouts: int) -> timedelta:
        """How long the `lockouts`-th lockout (1, 2, ...) lasts."""
        return min(self.base * 2 ** max(lockouts - 1, 0), self.ceiling)


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and now < user.locked_until


def lock_expired(user: User, now: datetime) -> bool:
    """True when a lock was set and has run out (the unlock is then recorded)."""
    return user.locked_until is not None and now >= user.locked_until


def count_failure(user: User, now: datetime, policy: LockoutPolicy) -> timedelta | None:
    """Count one failure; the lock's length when this failure locks the account."""
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    if user.failed_sign_ins < policy.threshold:
        return None
    user.lockouts = (user.lockouts or 0) + 1
    user.failed_sign_ins = 0
    length = policy.duration(user.lockouts)
    user.locked_until = now + length
    return length


def clear_failures(user: User) -> None:
    user.failed_sign_ins = 0
    user.lockouts = 0
    user.locked_until = None
