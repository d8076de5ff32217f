"""Single sign-on's web side: the OpenID Connect authorization code flow with Authlib.

PKCE (S256), state and nonce are Authlib's: the state and the code verifier wait in the
signed session cookie until the provider sends the person back, and a state is used
once. Authlib checks the ID token's signature against the provider's published keys,
its issuer, audience, expiry and nonce. What is left (a verified email of an account an
admin made, a nonce never used before) is app.operations.sso_sign_in's.
"""

from __future__ import annotations

import secrets
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from joserfc.errors import JoseError

from app.security.sso import SsoFailure, SsoRefused

_CLIENT_KEY = "permit_sso"
#: Seconds of clock difference allowed on the token's times.
LEEWAY_SECONDS = 60
#: Seconds the provider may take to answer the server's own calls.
TIMEOUT_SECONDS = 10


def sso_enabled(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config["OIDC_ISSUER"] and config["OIDC_CLIENT_ID"])


def _client() -> Any:
    """The provider's Authlib client for this app, made again if the settings changed."""
    config = current_app.config
    key = (config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    made = current_app.extensions.get(_CLIENT_KEY)
    if made is None or made[0] != key:
        oauth = OAuth(current_app)
        oauth.register(
            "sso",
            client_id=key[1],
            client_secret=key[2],
            server_metadata_url=f"{key[0]}/.well-known/openid-configuration",
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "timeout": TIMEOUT_SECONDS,
            },
        )
        made = (key, oauth.create_client("sso"))
        current_app.extensions[_CLIENT_KEY] = made
    return made[1]


def begin(redirect_uri: str) -> ResponseReturnValue:
    """Send the person to the provider, with a fresh state, nonce and PKCE challenge."""
    try:
        return _client().authorize_redirect(redirect_uri, nonce=secrets.token_urlsafe(32))
    except (requests.RequestException, AuthlibBaseError, ValueError) as error:
        raise SsoRefused(SsoFailure.PROVIDER_ERROR, f"could not start: {error}") from None


def finish() -> dict[str, Any]:
    """The provider sent the person back: the ID token's checked claims, or SsoRefused."""
    try:
        token = _client().authorize_access_token(leeway=LEEWAY_SECONDS)
    except MismatchingStateError:
        raise SsoRefused(SsoFailure.INVALID_STATE) from None
    except OAuthError as error:
        raise SsoRefused(SsoFailure.PROVIDER_ERROR, str(error)) from None
    except (AuthlibBaseError, JoseError, ValueError) as error:
        raise SsoRefused(SsoFailure.INVALID_TOKEN, f"{type(error).__name__}: {error}") from None
    except requests.RequestException as error:
        raise SsoRefused(SsoFailure.PROVIDER_ERROR, f"unreachable: {error}") from None
    claims = token.get("userinfo")
    if not claims:
        raise SsoRefused(SsoFailure.INVALID_TOKEN, "no ID token")
    return dict(claims)
