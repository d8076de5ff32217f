"""The second factor's rules: time-based codes (TOTP, RFC 6238) and recovery codes.

Who must have one (approvers, auditors and admins; officers may choose to), how a secret
is made and offered to an authenticator app, which codes are good, and how recovery
codes are made and checked. Pure rules: no Flask request, no audit events; the
operations in app.operations.two_factor apply them.

A code is good for its own 30-second step and one step either side (a clock a little
fast or slow, a code typed as it changed), so for 90 seconds at most (ASVS 2.8.1); and
only once: a step at or before the last one accepted is refused (ASVS 2.8.4, 2.8.5).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp

from app.models.sessions import RecoveryCode
from app.models.users import User
from app.rules.roles import Role
from app.security.passwords import hash_password, verify_password

#: People holding any of these roles cannot sign in without a second factor.
ROLES_REQUIRING_SECOND_FACTOR = frozenset({Role.APPROVER, Role.AUDITOR, Role.ADMIN})
#: The name authenticator apps show beside the code.
ISSUER = "Permit"
#: RFC 6238's defaults, which every authenticator app supports.
STEP_SECONDS = 30
DIGITS = 6
#: Steps accepted either side of the current one.
VALID_WINDOW = 1

#: Why a person whose roles need a second factor may not turn theirs off.
REQUIRED_BY_ROLE = "Your role needs two-factor authentication: you cannot turn it off"

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 10
#: Lower-case letters and digits without 0/o, 1/l/i, which are easily misread: 31
#: symbols, so ten of them are about 49 bits, each hashed with its own salt (ASVS 2.6.2).
RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def second_factor_required(user: User) -> bool:
    """True when `user`'s roles mean they cannot sign in with a password alone."""
    return bool(user.roles & ROLES_REQUIRING_SECOND_FACTOR)


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def grouped(text: str, size: int = 4) -> str:
    """`text` in groups of `size` separated by spaces, for reading and typing."""
    return " ".join(text[start : start + size] for start in range(0, len(text), size))


def time_step(now: datetime) -> int:
    """The TOTP counter (30-second step since the Unix epoch) that `now` falls in."""
    return int(now.timestamp()) // STEP_SECONDS


def normalise_code(text: str) -> str:
    """What a person typed, without the spaces and dashes people put in codes."""
    return "".join(ch for ch in text if not ch.isspace() and ch != "-")


def verify_code(user: User, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to, when it is good for `user` at `now`; else None.

    Good means: the code of the current step or one either side, for a step later than
    the last code accepted (a code used once is refused, even within its window).
    """
    if not user.totp_secret:
        return None
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(user.totp_secret, digits=DIGITS, interval=STEP_SECONDS)
    current = time_step(now)
    last = user.totp_last_counter
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last is not None and step <= last:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten random recovery codes, written as people are shown them: `abcde-fghjk`."""
    half = RECOVERY_CODE_LENGTH // 2
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        code = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append(f"{code[:half]}-{code[half:]}")
    return codes


def normalise_recovery_code(text: str) -> str:
    """A recovery code as stored (hashed): lower case, without spaces or dashes."""
    return normalise_code(text).lower()


def hash_recovery_code(code: str) -> str:
    """argon2id, salted per code, like a password: the database never holds the code."""
    return hash_password(normalise_recovery_code(code))


def _looks_like_recovery_code(code: str) -> bool:
    return len(code) == RECOVERY_CODE_LENGTH and all(ch in RECOVERY_CODE_ALPHABET for ch in code)


def match_recovery_code(codes: Iterable[RecoveryCode], text: str) -> RecoveryCode | None:
    """The unused code among `codes` that `text` is, or None."""
    code = normalise_recovery_code(text)
    # Anything that cannot be a code is refused before any argon2 work is spent on it.
    if not _looks_like_recovery_code(code):
        return None
    for row in codes:
        if row.used_at is None and verify_password(row.code_hash, code):
            return row
    return None
