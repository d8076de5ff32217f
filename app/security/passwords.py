"""Password hashing with argon2id (argon2-cffi). Costs come from the app's config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask

_hasher = PasswordHasher()


def init_app(app: Flask) -> None:
    global _hasher
    _hasher = PasswordHasher(
        time_cost=app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=app.config["PASSWORD_HASH_MEMORY_COST_KIB"],
        parallelism=app.config["PASSWORD_HASH_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; False for a wrong password or no usable hash."""
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker settings than today's."""
    return _hasher.check_needs_rehash(password_hash)
