"""HTTP response headers that make the browser our ally (Flask-Talisman), and the proxy
set-up that decides what the client's address and scheme are.

The Content-Security-Policy allows scripts, styles, fonts and images from this site only;
the GOV.UK template's one inline script carries the per-response nonce (`cspNonce`).
Talisman's default policy lacks `frame-ancestors`, `base-uri`, `object-src` and
`form-action`, so they are set here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def init_app(app: Flask) -> None:
    # Talisman reads X-Forwarded-Proto itself (HSTS and its HTTPS redirect), whatever the
    # proxy setting, and has no option to stop it. So the header never reaches the app:
    # ProxyFix, outside this, is its one reader; after it only request.is_secure counts.
    app.wsgi_app = _WithoutForwardedProto(app.wsgi_app)  # type: ignore[method-assign]
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        # Trust exactly `hops` proxies' X-Forwarded-For and -Proto: a client cannot add
        # an address of its choosing in front of theirs.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    # One Talisman per app: it keeps its options on itself, so a shared unbound instance
    # would let one app's settings (HTTPS, HSTS) leak into another's.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        session_cookie_http_only=True,
    )
    app.after_request(_no_store_for_people)


class _WithoutForwardedProto:
    """WSGI middleware: the request without its X-Forwarded-Proto. By the time the app
    runs, the scheme is the real one (hops 0) or the trusted proxies' (set by ProxyFix)."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.wsgi_app(environ, start_response)


#: Pages that hold nothing personal, which set their own Cache-Control.
CACHEABLE_ENDPOINTS = frozenset({"static", "register.public"})


def _no_store_for_people(response: Response) -> Response:
    """Every page but the static assets and the public register may hold request content
    or a form's CSRF token: keep them out of every cache (the back button included)."""
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def csp_nonce() -> str:
    """This response's nonce for the inline script (Talisman makes one per request)."""
    return getattr(request, "csp_nonce", "")
