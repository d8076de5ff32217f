"""A failed sign-in costs the same whatever the reason: one argon2id verification with
today's parameters, so timing does not tell an unknown address from a wrong password or
a locked account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models.types import utcnow
from app.operations import sign_in as sign_in_module
from app.operations.sign_in import check_password
from tests.factories import PASSWORD


@pytest.fixture
def verifications(monkeypatch):
    """The argon2 parameters of every hash a sign-in verified against."""
    seen: list[str] = []
    real = sign_in_module.verify_password

    def spy(password_hash, password):
        seen.append(password_hash.rsplit("$", 2)[0])  # "$argon2id$v=19$m=..,t=..,p=.."
        return real(password_hash, password)

    monkeypatch.setattr(sign_in_module, "verify_password", spy)
    return seen


def test_every_failure_does_the_same_argon2_work(world, verifications):
    cases = {
        "unknown_email": ("nobody@example.gov.uk", PASSWORD),
        "wrong_password": (world.officer.email, "not-the-password"),
    }
    for email, password in cases.values():
        assert check_password(email, password) is None
    world.auditor.locked_until = utcnow() + timedelta(minutes=5)
    assert check_password(world.auditor.email, PASSWORD) is None  # locked

    assert len(verifications) == 3
    assert len(set(verifications)) == 1, verifications
