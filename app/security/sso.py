"""Single sign-on's rules over an ID token's claims, once Authlib has checked the token
itself (signature against the provider's keys, issuer, audience, expiry, nonce).

Plain functions: the web side (app.web.sso) runs the authorization code flow, and
app.operations.sso_sign_in records the outcome.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from typing import Any


class SsoFailure(enum.StrEnum):
    """Why a single sign-on was refused: `sign_in_failed`'s reason (docs/audit-format.md)."""

    #: The provider's answer did not check out: a bad signature, the wrong audience or
    #: issuer, an expired token, a nonce other than the one sent.
    INVALID_TOKEN = "sso_invalid_token"
    #: The state came back unknown: a replayed or forged callback, or one from too long ago.
    INVALID_STATE = "sso_invalid_state"
    #: The provider said no, or the person cancelled.
    PROVIDER_ERROR = "sso_provider_error"
    #: An ID token whose nonce has signed someone in before.
    REPLAYED_NONCE = "sso_replayed_nonce"
    #: The token has no email address the provider has verified.
    UNVERIFIED_EMAIL = "sso_unverified_email"
    #: No active account has the email address: accounts are made by an admin.
    UNKNOWN_EMAIL = "sso_unknown_email"
    DEACTIVATED = "sso_deactivated"


#: What the person is told, by failure: the same page for all, with the cause in words.
FAILURE_WORDS: dict[SsoFailure, str] = {
    SsoFailure.INVALID_TOKEN: "The answer from your organisation's sign-in service could not "
    "be checked.",
    SsoFailure.INVALID_STATE: "This sign-in link has already been used, or it has expired.",
    SsoFailure.PROVIDER_ERROR: "Your organisation's sign-in service did not sign you in.",
    SsoFailure.REPLAYED_NONCE: "This sign-in has already been used.",
    SsoFailure.UNVERIFIED_EMAIL: "Your organisation's sign-in service did not confirm your "
    "email address.",
    SsoFailure.UNKNOWN_EMAIL: "There is no Permit account for your email address. Ask an "
    "administrator to invite you.",
    SsoFailure.DEACTIVATED: "There is no Permit account for your email address. Ask an "
    "administrator to invite you.",
}

#: `amr` values (RFC 8176) that say the provider asked for more than a password.
MULTI_FACTOR_AMR = frozenset({"mfa"})


class SsoRefused(Exception):
    def __init__(self, failure: SsoFailure, detail: str = "") -> None:
        super().__init__(f"{failure}: {detail}" if detail else str(failure))
        self.failure = failure
        self.detail = detail


def verified_email(claims: Mapping[str, Any]) -> str:
    """The email address the provider vouches for, lower-cased; SsoRefused if none."""
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        raise SsoRefused(SsoFailure.UNVERIFIED_EMAIL, "no email claim")
    if claims.get("email_verified") is not True:
        raise SsoRefused(SsoFailure.UNVERIFIED_EMAIL, "email_verified is not true")
    return email.strip().lower()


def provider_did_mfa(claims: Mapping[str, Any]) -> bool:
    """Whether the token says the provider asked for more than one factor."""
    amr = claims.get("amr")
    return isinstance(amr, list) and any(value in MULTI_FACTOR_AMR for value in amr)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
