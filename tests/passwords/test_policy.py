"""The rules for a new password (app.security.password_policy), without HTTP or a database."""

from __future__ import annotations

import time

import pytest

from app.security.password_policy import (
    BREACHED,
    MISMATCH,
    NO_CONFIRMATION,
    PERSONAL,
    STRENGTH_PREFIX,
    TOO_LONG,
    TOO_SHORT,
    new_password_errors,
    password_problems,
)

OLIVE = ("olive.officer@example.gov.uk", "Olive Officer")


@pytest.mark.asvs("2.1.1")
@pytest.mark.parametrize("password", ["", "x", "eleven-char", " " * 11, "🙂" * 11])
def test_fewer_than_12_characters_is_too_short(password):
    assert password_problems(password) == [TOO_SHORT]
    assert TOO_SHORT == "Password must be 12 characters or more"


@pytest.mark.asvs("2.1.1", "2.1.2", "2.1.3")
def test_exactly_12_and_exactly_128_characters_are_allowed():
    assert password_problems("twelve-chars") == []
    long = "rusty kettle " * 9 + "orange sunset pine" + "x" * 93
    long = long[:128]
    assert len(long) == 128
    assert password_problems(long) == []


@pytest.mark.asvs("2.1.2")
@pytest.mark.parametrize("length", [129, 200, 5000])
def test_more_than_128_characters_is_too_long(length):
    assert password_problems(("violet harbour quietly " * 300)[:length]) == [TOO_LONG]
    assert TOO_LONG == "Password must be 128 characters or fewer"


@pytest.mark.asvs("2.1.2")
def test_a_64_character_passphrase_is_allowed():
    passphrase = "the quiet violet harbour keeps seven rusty kettles under a blue "
    assert len(passphrase) == 64
    assert password_problems(passphrase) == []


@pytest.mark.asvs("2.1.3")
def test_spaces_count_as_typed_and_are_never_trimmed_or_collapsed():
    # Eleven visible characters and a leading space: 12 as typed, so long enough.
    assert password_problems(" kettle-ruby") == []
    assert password_problems("kettle-ruby") == [TOO_SHORT]
    # Two spaces are two characters, not one.
    assert password_problems("kettle  rub") == [TOO_SHORT]
    assert password_problems("kettle  ruby") == []


@pytest.mark.asvs("2.1.4")
@pytest.mark.parametrize(
    "password",
    [
        "🦊🌲🚲🎻 fox forest bike violin",
        "Grüße aus Köln am Rhein",
        "水母在安静的港口里漂浮着呢",
        "ναυάγιο στη σιωπηλή ακτή",
    ],
)
def test_any_unicode_characters_are_allowed(password):
    assert password_problems(password) == []


@pytest.mark.asvs("2.1.4")
def test_length_counts_characters_not_bytes():
    # Twelve emoji are 48 bytes in UTF-8 but 12 characters: long enough, not too long.
    assert len("🦊🌲🚲🎻🐙🍋🪁🧲🛶🗝🪴🎲".encode()) > 12
    assert password_problems("🦊🌲🚲🎻🐙🍋🪁🧲🛶🗝🪴🎲") == []
    assert password_problems("🦊" * 129) == [TOO_LONG]


@pytest.mark.asvs("2.1.9")
@pytest.mark.parametrize(
    "password",
    [
        "violet harbour quietly",  # no capital, no digit, no symbol
        "VIOLETHARBOURQUIETLY",  # capitals only
        "correct-horse-battery",  # no digit or capital
    ],
)
def test_no_composition_rules(password):
    assert password_problems(password) == []


@pytest.mark.asvs("2.1.7", "2.1.9")
@pytest.mark.parametrize(
    "password", ["Password1234", "P@ssw0rd2026!", "qwertyuiopasdf", "123456789012", "aaaaaaaaaaaa"]
)
def test_common_or_guessable_passwords_are_refused_with_advice(password):
    [problem] = password_problems(password)
    assert problem.startswith("Password is too easy to guess.")
    # zxcvbn's own warning and suggestions follow, as sentences.
    assert len(problem) > len("Password is too easy to guess.")
    assert problem.endswith(".")


@pytest.mark.asvs("2.1.7")
def test_a_common_password_gets_zxcvbns_warning():
    [problem] = password_problems("Password1234")
    assert "This is similar to a commonly used password." in problem


@pytest.mark.asvs("2.1.7")
@pytest.mark.parametrize("password", ["olive-officer-1", "OliveOfficer99", "Olive Officer 2026"])
def test_the_persons_own_name_or_email_is_refused(password):
    assert password_problems(password, user_inputs=OLIVE) == [PERSONAL]


def test_a_word_that_happens_to_be_in_the_name_is_fine():
    assert password_problems("olive tree banana garden", user_inputs=OLIVE) == []


def test_long_inputs_are_checked_quickly():
    """zxcvbn sees only the first STRENGTH_PREFIX characters: its l33t matcher is
    exponential in the variety of symbols, so 128 crafted characters took seconds."""
    crafted = ("!$%(+0123456789<@[{|" * 7)[:128]
    started = time.perf_counter()
    password_problems(crafted)
    assert time.perf_counter() - started < 5  # uncut, 64 such characters took 4.6 s
    assert STRENGTH_PREFIX == 32


def test_truncation_never_makes_a_weak_password_pass():
    weak_start = "password" * 4 + " and then something long and random: 7Gq!xZ"
    assert password_problems(weak_start)[0].startswith("Password is too easy to guess.")


def test_the_breach_service_is_not_asked_when_no_url_is_configured(range_server):
    range_server.add("violet harbour quietly")
    assert password_problems("violet harbour quietly", pwned_url=None) == []
    assert range_server.paths == []


def test_a_breached_password_is_refused(range_server):
    range_server.add("violet harbour quietly")
    problems = password_problems("violet harbour quietly", pwned_url=range_server.url)
    assert problems == [BREACHED]


def test_new_password_errors_are_keyed_by_field():
    assert new_password_errors("violet harbour quietly", "violet harbour quietly") == {}
    assert new_password_errors("violet harbour quietly", "") == {
        "confirm_password": NO_CONFIRMATION
    }
    assert new_password_errors("violet harbour quietly", "violet harbour quietl") == {
        "confirm_password": MISMATCH
    }
    assert new_password_errors("short", "short") == {"new_password": TOO_SHORT}
