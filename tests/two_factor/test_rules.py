"""The second factor's rules (app.security.two_factor), without a database: which codes are good,
for how long, and only once; who needs a second factor; recovery codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from app.models.sessions import RecoveryCode
from app.models.users import User
from app.rules.roles import Role
from app.security.two_factor import (
    RECOVERY_CODE_ALPHABET,
    STEP_SECONDS,
    grouped,
    hash_recovery_code,
    match_recovery_code,
    new_recovery_codes,
    new_secret,
    normalise_recovery_code,
    provisioning_uri,
    second_factor_required,
    time_step,
    verify_code,
)

#: The start of a 30-second step, so "one step later" is never ambiguous.
NOW = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)


def person(*roles: Role, secret: str | None = None, last: int | None = None) -> User:
    user = User(email="person@example.gov.uk", display_name="A Person")
    user.roles = set(roles)
    user.totp_secret = secret if secret is not None else new_secret()
    user.totp_last_counter = last
    return user


def code_at(user: User, moment: datetime) -> str:
    """What the person's app shows at `moment` (pyotp, RFC 6238, as the apps compute it)."""
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).at(moment)


@pytest.mark.parametrize(
    ("roles", "required"),
    [
        ({Role.OFFICER}, False),
        ({Role.APPROVER}, True),
        ({Role.AUDITOR}, True),
        ({Role.ADMIN}, True),
        ({Role.OFFICER, Role.APPROVER}, True),
        (set(), False),
    ],
)
def test_approvers_auditors_and_admins_need_a_second_factor_officers_may_choose(roles, required):
    assert second_factor_required(person(*roles)) is required


@pytest.mark.asvs("2.8.1")
@pytest.mark.parametrize(
    ("offset", "good"),
    [
        (timedelta(0), True),
        (timedelta(seconds=STEP_SECONDS - 1), True),
        (-timedelta(seconds=STEP_SECONDS), True),  # the app's clock a step behind
        (timedelta(seconds=STEP_SECONDS), True),  # a step ahead
        (-timedelta(seconds=2 * STEP_SECONDS), False),  # expired: 60 s old
        (timedelta(seconds=2 * STEP_SECONDS), False),
        (-timedelta(minutes=10), False),
    ],
)
def test_a_code_lives_for_its_step_and_one_either_side(offset, good):
    user = person(Role.APPROVER)
    step = verify_code(user, code_at(user, NOW + offset), NOW)
    assert (step is not None) is good
    if good:
        assert step == time_step(NOW + offset)


@pytest.mark.asvs("2.8.4", "2.8.5")
def test_a_code_is_good_once_even_within_its_window():
    user = person(Role.APPROVER)
    code = code_at(user, NOW)
    user.totp_last_counter = verify_code(user, code, NOW)
    assert user.totp_last_counter == time_step(NOW)
    # The same code, seconds later and still inside its window, is refused...
    assert verify_code(user, code, NOW + timedelta(seconds=5)) is None
    # ...and so is an older one that is still inside the window...
    assert verify_code(user, code_at(user, NOW - timedelta(seconds=30)), NOW) is None
    # ...but the next step's code is good.
    later = NOW + timedelta(seconds=STEP_SECONDS)
    assert verify_code(user, code_at(user, later), later) == time_step(later)


@pytest.mark.parametrize("typed", ["{code}", " {code} ", "{a} {b}", "{a}-{b}", "{a}\t{b}"])
def test_spaces_and_dashes_people_type_in_a_code_are_ignored(typed):
    user = person(Role.APPROVER)
    code = code_at(user, NOW)
    assert verify_code(user, typed.format(code=code, a=code[:3], b=code[3:]), NOW) is not None


#: Six full-width digits: str.isdigit() says yes, but no app shows them.
FULL_WIDTH = "\uff11\uff12\uff13\uff14\uff15\uff16"


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", FULL_WIDTH])
def test_anything_but_six_digits_is_refused(typed):
    assert verify_code(person(Role.APPROVER), typed, NOW) is None


def test_someone_without_a_secret_has_no_good_code():
    user = person(Role.OFFICER)
    user.totp_secret = None
    assert verify_code(user, "123456", NOW) is None


def test_a_secret_is_160_random_bits_of_base32():
    secrets = {new_secret() for _ in range(20)}
    assert len(secrets) == 20
    assert all(re.fullmatch(r"[A-Z2-7]{32}", secret) for secret in secrets)


def test_the_provisioning_uri_names_the_service_and_the_person():
    user = person(Role.APPROVER, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    uri = provisioning_uri(user, user.totp_secret or "")
    assert uri.startswith("otpauth://totp/Permit:person%40example.gov.uk?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri
    assert "issuer=Permit" in uri


def test_the_secret_is_shown_in_groups_of_four():
    assert grouped("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"


@pytest.mark.asvs("2.6.2", "2.6.3")
def test_recovery_codes_are_ten_random_unambiguous_codes():
    codes = new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code)
        assert set(code.replace("-", "")) <= set(RECOVERY_CODE_ALPHABET)
    assert not set("01ilo") & set(RECOVERY_CODE_ALPHABET)
    assert set(new_recovery_codes()).isdisjoint(codes)


@pytest.mark.asvs("2.6.2")
def test_a_recovery_code_is_stored_as_a_salted_argon2id_hash(app):
    code = new_recovery_codes()[0]
    first, second = hash_recovery_code(code), hash_recovery_code(code)
    assert first.startswith("$argon2id$")
    assert first != second  # a salt of its own
    assert normalise_recovery_code(code) not in first and code not in first


@pytest.mark.asvs("2.6.1")
def test_a_recovery_code_matches_while_unused_however_it_is_typed(app):
    codes = new_recovery_codes()
    rows = [RecoveryCode(user_id=1, code_hash=hash_recovery_code(code)) for code in codes]
    assert match_recovery_code(rows, codes[3]) is rows[3]
    assert match_recovery_code(rows, " " + codes[3].upper().replace("-", " ") + " ") is rows[3]
    rows[3].used_at = NOW
    assert match_recovery_code(rows, codes[3]) is None
    assert match_recovery_code(rows, "not-a-code") is None
    assert match_recovery_code(rows, "") is None
