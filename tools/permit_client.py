"""Talking to a running Permit as its people do, for `bench/load.py`: signing in with a
password and a second factor, and making a personal API token on the Account page.

Production settings (PERMIT_ENV=production) redirect plain HTTP to HTTPS and set Secure
cookies. The benchmark serves Permit on plain HTTP on loopback, as behind a TLS proxy:
PERMIT_PROXY_HOPS=1, and every request says `X-Forwarded-Proto: https`. The standard
library's cookie jar would keep Secure cookies from plain HTTP, so cookies are kept by
hand here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlencode, urlsplit

#: Sent with every request to Permit (and the floor, which ignores it).
FORWARDED = {"X-Forwarded-Proto": "https"}
REDIRECTS = (301, 302, 303, 307, 308)

#: A new request with every answer, so that it can be submitted: what bench/load.py,
#: `make prod-check` and tests/faults file through the API.
DRAFT = {
    "platform": "TikTok",
    "kind": "new_account",
    "purpose": "Reach young people with public health messages",
    "account_handle": "@dsit_health",
    "target_audience": "16 to 24 year olds in the UK",
    "justification": "They are not reached by our other channels",
    "start_date": "2027-01-04",
    "end_date": "2027-07-02",
    "senior_responsible_owner": "Director of Communications",
    "account_managers": "Two named members of the digital team",
    "device_arrangement": "A dedicated phone kept in a locked cabinet",
    "device_attestation": True,
    "dpia_reference": "DPIA-2026-001",
    "risk_mitigations": "Two-person rule for every post",
}


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes
    path: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """HTTP to one server on 127.0.0.1, with its cookies; redirects followed on request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def call(
        self,
        method: str,
        path: str,
        *,
        form: Sequence[tuple[str, str]] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        follow: bool = False,
    ) -> Answer:
        for _hop in range(10):
            answer = self._once(method, path, form, body, headers)
            location = answer.headers.get("Location")
            if not follow or answer.status not in REDIRECTS or not location:
                return answer
            parts = urlsplit(location)
            method, form, body = "GET", None, None
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        raise RuntimeError(f"too many redirects from {path}")

    def _once(
        self,
        method: str,
        path: str,
        form: Sequence[tuple[str, str]] | None,
        body: Any,
        headers: dict[str, str] | None,
    ) -> Answer:
        sent = {**FORWARDED, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = self.cookie_header
        data = None
        if form is not None:
            data = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # Flask-WTF checks, over HTTPS, that a form was sent from this site.
            sent["Referer"] = f"https://127.0.0.1:{self.port}{path}"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.msg, response.read(), path)
        finally:
            conn.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            lowered = cookie.lower()
            if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]
        return answer


def csrf_token(page: Answer) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page.text
    )
    if not found:
        raise RuntimeError(f"no CSRF token on {page.path} ({page.status})")
    return found.group(1)


def totp(secret: str, step: int) -> str:
    """RFC 6238's code for 30-second `step`: HMAC-SHA-1, six digits, as Permit uses."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 15
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class People:
    """Signs people in: password, then (approvers, auditors) the second factor, set up at
    the first sign-in from the secret the set-up page shows, as a person with an
    authenticator app would. A code is good once, so a second sign-in of the same person
    waits for the next 30-second step."""

    def __init__(self, port: int, password: str) -> None:
        self.port = port
        self.password = password
        self.secrets: dict[str, str] = {}
        self.last_step: dict[str, int] = {}

    def _code(self, email: str) -> str:
        step = int(time.time()) // 30
        while step <= self.last_step.get(email, -1):
            time.sleep(1)
            step = int(time.time()) // 30
        self.last_step[email] = step
        return totp(self.secrets[email], step)

    def sign_in(self, email: str) -> Browser:
        browser = Browser(self.port)
        page = browser.call("GET", "/sign-in")
        form = [("csrf_token", csrf_token(page)), ("email", email), ("password", self.password)]
        answer = browser.call("POST", "/sign-in", form=form)
        if answer.status != 302:
            raise RuntimeError(f"the sign-in of {email} answered {answer.status}")
        if urlsplit(answer.headers["Location"]).path == "/sign-in/two-factor":
            self._second_factor(browser, email)
        home = browser.call("GET", "/", follow=True)
        if home.status != 200 or home.path.startswith("/sign-in"):
            raise RuntimeError(f"{email} is not signed in ({home.status} at {home.path})")
        return browser

    def _second_factor(self, browser: Browser, email: str) -> None:
        page = browser.call("GET", "/sign-in/two-factor", follow=True)
        setting_up = page.path == "/sign-in/set-up-two-factor"
        if setting_up:
            found = re.search(r"\b((?:[A-Z2-7]{4} ){7}[A-Z2-7]{4})\b", page.text)
            if not found:
                raise RuntimeError(f"no secret on the set-up page for {email}")
            self.secrets[email] = found.group(1).replace(" ", "")
        form = [("csrf_token", csrf_token(page)), ("code", self._code(email))]
        answer = browser.call("POST", page.path, form=form)
        if setting_up:
            if answer.status != 200:
                raise RuntimeError(f"setting up {email}'s second factor: {answer.status}")
            # The recovery codes page; its Continue button ends the sign-in.
            form = [("csrf_token", csrf_token(answer))]
            browser.call("POST", "/sign-in/set-up-two-factor/continue", form=form)

    def token(self, browser: Browser, scopes: Sequence[str]) -> str:
        """A personal API token, made on Account > API tokens (shown once, on the answer)."""
        page = browser.call("GET", "/account/api-tokens")
        form = [
            ("csrf_token", csrf_token(page)),
            ("name", "Load benchmark"),
            ("expires_in_days", "30"),
            *(("scopes", scope) for scope in scopes),
        ]
        answer = browser.call("POST", "/account/api-tokens", form=form)
        found = re.search(r"permit_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", answer.text)
        if not found:
            raise RuntimeError(f"no token made ({answer.status})")
        return found.group(0)
