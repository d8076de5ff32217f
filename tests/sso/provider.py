"""A real OpenID Connect provider for the tests (oidc-provider-mock), on a free port in
a thread, with a hook that can alter the ID token its token endpoint answers with.

The hook runs inside the provider (a Flask after_request on its own app), so a token it
re-signs is signed with the provider's own private key, the one its published JWKS
holds: a wrong audience or an expired token with a good signature, as a misconfigured
or malicious provider would send; or a token whose signature does not match.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import requests
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey
from oidc_provider_mock import app as provider_app

IdTokenChange = Callable[[str, Any], str]


class Provider:
    def __init__(self, server: werkzeug.serving.BaseWSGIServer) -> None:
        self.server = server
        self.url = f"http://localhost:{server.server_port}"
        #: Set by a test: how the next token answers' id_token is changed.
        self.change_id_token: IdTokenChange | None = None
        #: Every id_token the provider has issued, oldest first (before any change).
        self.issued: list[str] = []

    def set_user(self, sub: str, **claims: Any) -> None:
        response = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url: str, sub: str) -> str:
        """The person picks `sub` on the provider's page: where it sends them back."""
        response = requests.post(
            authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def resign(token: str, key: Any, **changes: Any) -> str:
    """`token`'s claims with `changes`, signed again with `key` (the same header)."""
    header_part, payload_part, _ = token.split(".")
    header = json.loads(_b64decode(header_part))
    claims = json.loads(_b64decode(payload_part))
    claims.update(changes)
    return jwt.encode(header, claims, _joserfc_key(key))


def bad_signature(token: str, _key: Any) -> str:
    """The same claims and key id, under a signature that is not the provider's."""
    return resign(token, RSAKey.generate_key(2048, private=True))


def _joserfc_key(key: Any) -> RSAKey:
    """The provider's key (Authlib's) as joserfc's, or a joserfc key as it is."""
    if isinstance(key, RSAKey):
        return key
    return RSAKey.import_key(key.as_dict(is_private=True))


def wrong_audience(token: str, key: Any) -> str:
    return resign(token, key, aud="some-other-service")


def expired(token: str, key: Any) -> str:
    now = int(time.time())
    return resign(token, key, iat=now - 7200, exp=now - 3600)


def _b64decode(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@contextmanager
def running_provider() -> Iterator[Provider]:
    app = provider_app(require_nonce=True)
    holder: dict[str, Provider] = {}

    @app.after_request
    def change_token(response: flask.Response) -> flask.Response:
        provider = holder["provider"]
        if flask.request.path != "/oauth2/token" or response.status_code != 200:
            return response
        body = response.get_json()
        if "id_token" in body:
            provider.issued.append(body["id_token"])
            if provider.change_id_token is not None:
                key = flask.g.oidc_provider_mock_storage.jwk
                body["id_token"] = provider.change_id_token(body["id_token"], key)
                response.set_data(json.dumps(body))
        return response

    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    holder["provider"] = Provider(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield holder["provider"]
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
