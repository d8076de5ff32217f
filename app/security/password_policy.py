"""What a new password must be (ASVS 4.0.3 V2.1): long enough, not too long, hard to guess,
and (when configured) not in a known breach. Pure rules: no Flask, no database.

    problems = password_problems(password, user_inputs=(user.email, user.display_name),
                                 pwned_url=current_app.config["PWNED_PASSWORDS_URL"])

- Length is counted as Python counts a string: code points, with no normalisation. Spaces
  are kept as typed (not stripped, not collapsed), and any printable character is allowed,
  emoji included. Control characters (a tab, a line break, NUL, DEL, C1: app.rules.text)
  are not: nobody types one into a password box on purpose, a pasted one is invisible
  there, and some clients strip or turn them into spaces, so the password would not be the
  one typed next time. Only new passwords are checked: sign-in verifies whatever was set.
  No NFKC: passwords were hashed as typed before this policy existed and sign-in
  verifies them as typed, so normalising here alone would make some passwords unusable; if
  we ever normalise, it has to happen in app.security.passwords for hashing and verifying at once.
- No composition rules (no "one capital, one digit"): zxcvbn's estimate decides instead,
  with the person's own email address and name counted as guessable words.
- Pwned Passwords (k-anonymity): only the first five hex characters of the password's
  SHA-1 leave the service. When that service is down or slow the password is accepted and
  a warning is logged (never the password, its hash or the prefix sent).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

from zxcvbn import zxcvbn

from app.rules.text import has_any_control_character, one_line_refusal
from app.rules.workflow import too_long

MIN_LENGTH = 12
MAX_LENGTH = 128
#: zxcvbn's score runs 0 to 4; 3 means "safely unguessable" (about 10^8 guesses or more).
MIN_SCORE = 3
#: zxcvbn sees only this many leading characters. Its l33t matcher tries every mapping of
#: the substitution characters present, each over every substring, so time grows with
#: length and with the variety of symbols: measured on this machine, a random 128
#: characters took 1.9 s and 64 characters of "!$%(+0123..." 4.6 s, against under 0.1 s
#: for most 32-character passwords (1 s at worst, for that crafted kind). Fewer characters
#: can only make a password look weaker, never stronger, so the cut never lets a weak
#: password through; it may refuse a long one whose first 32 characters are guessable.
STRENGTH_PREFIX = 32
#: Seconds to wait for the Pwned Passwords service before accepting without it.
PWNED_TIMEOUT_SECONDS = 2.0
#: Largest range response read (a real, padded one is about 40 KB).
PWNED_MAX_BYTES = 1024 * 1024

CONTROL_CHARACTERS = one_line_refusal("Password")
TOO_SHORT = f"Password must be {MIN_LENGTH:,} characters or more"
TOO_LONG = too_long("Password", MAX_LENGTH)
TOO_GUESSABLE = "Password is too easy to guess"
PERSONAL = "Password must not include your name or email address"
BREACHED = (
    "Password has appeared in a data breach elsewhere, so criminals may try it. "
    "Choose a different password"
)

log = logging.getLogger("permit.passwords")

# zxcvbn keeps the user inputs in a module-level dictionary while it scores: one check at
# a time, or a concurrent one could score against another person's name.
_zxcvbn_lock = threading.Lock()


def password_problems(
    password: str,
    *,
    user_inputs: Sequence[str] = (),
    pwned_url: str | None = None,
    pwned_timeout: float = PWNED_TIMEOUT_SECONDS,
) -> list[str]:
    """What is wrong with `password` as a new password, in words for the person; [] if fine.

    Stops at the first kind of problem found: control characters, length, then
    guessability, then breaches (the breach service is asked only about a password that
    passed everything else).
    """
    if has_any_control_character(password):
        return [CONTROL_CHARACTERS]
    if len(password) < MIN_LENGTH:
        return [TOO_SHORT]
    if len(password) > MAX_LENGTH:
        return [TOO_LONG]
    if _contains_personal_details(password, user_inputs):
        return [PERSONAL]
    weakness = _guessability_problem(password, user_inputs)
    if weakness is not None:
        return [weakness]
    if pwned_url and is_breached(password, pwned_url, timeout=pwned_timeout):
        return [BREACHED]
    return []


def _guessability_problem(password: str, user_inputs: Sequence[str]) -> str | None:
    inputs = _personal_words(user_inputs)
    with _zxcvbn_lock:
        result: dict[str, Any] = zxcvbn(password[:STRENGTH_PREFIX], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        return PERSONAL
    feedback = result["feedback"]
    advice = [feedback["warning"], *feedback["suggestions"]]
    return " ".join([TOO_GUESSABLE + ".", *(_sentence(text) for text in advice if text)])


def _contains_personal_details(password: str, user_inputs: Sequence[str]) -> bool:
    """True when the password holds a whole name or an email's local part, whatever the
    case or separators ("Olive-Officer-1" for Olive Officer): zxcvbn alone misses that
    once separators split the words."""
    squashed = _letters_and_digits(password)
    for value in user_inputs:
        own = _letters_and_digits(value.partition("@")[0])
        if len(own) >= 4 and own in squashed:
            return True
    return False


def _letters_and_digits(text: str) -> str:
    return "".join(character for character in text.casefold() if character.isalnum())


def _personal_words(user_inputs: Sequence[str]) -> list[str]:
    """The inputs, plus the parts of each (an email's local part, each word of a name)."""
    words: list[str] = []
    for value in user_inputs:
        if not value:
            continue
        words.append(value)
        local = value.partition("@")[0]
        words.extend(part for part in _split_words(local) if len(part) >= 3)
    return words


def _split_words(text: str) -> list[str]:
    for separator in ".-_+":
        text = text.replace(separator, " ")
    return text.split()


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def is_breached(password: str, url: str, *, timeout: float = PWNED_TIMEOUT_SECONDS) -> bool:
    """True when the Pwned Passwords range API at `url` knows `password`.

    Sends only the first five hex characters of its SHA-1 (`GET <url><prefix>`), asks for
    padding so the response's size says nothing either, and compares the suffixes here.
    False, with a warning logged, when the service cannot answer: fail open.
    """
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    request = urllib.request.Request(
        url + prefix, headers={"Add-Padding": "true", "User-Agent": "Permit"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(PWNED_MAX_BYTES).decode("ascii", errors="replace")
    except (OSError, ValueError) as error:
        # URLError, HTTPError and timeouts are all OSErrors. Name only the kind of failure:
        # the URL holds the hash prefix.
        log.warning(
            "Pwned Passwords check unavailable; password accepted without it",
            extra={"error": type(error).__name__},
        )
        return False
    for line in body.splitlines():
        candidate, _, count = line.strip().partition(":")
        # Padding lines have a count of 0: they are not breached passwords.
        if candidate.upper() == suffix and count.strip() not in ("", "0"):
            return True
    return False


NO_CONFIRMATION = "Confirm your new password"
MISMATCH = "The passwords you entered do not match"


def new_password_errors(
    new_password: str,
    confirmation: str,
    *,
    user_inputs: Sequence[str] = (),
    pwned_url: str | None = None,
) -> dict[str, str]:
    """A new password and its confirmation, checked: messages keyed `new_password` and
    `confirm_password`, the field names of every form that sets a password."""
    errors: dict[str, str] = {}
    if not confirmation:
        errors["confirm_password"] = NO_CONFIRMATION
    elif confirmation != new_password:
        errors["confirm_password"] = MISMATCH
    problems = password_problems(
        new_password,
        user_inputs=user_inputs,
        # The breach service is asked only about a password that would otherwise do.
        pwned_url=None if errors else pwned_url,
    )
    if problems:
        errors["new_password"] = problems[0]
    return errors
