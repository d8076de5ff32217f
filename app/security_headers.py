"""HTTP response headers that make the browser our ally (Flask-Talisman), and the proxy
set-up that decides what the client's address and scheme are.

The Content-Security-Policy allows scripts, styles, fonts and images from this site only;
the GOV.UK template's one inline script carries the per-response nonce (`cspNonce`).
Talisman's default policy lacks `frame-ancestors`, `base-uri`, `object-src` and
`form-action`, so they are set here.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

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


def _no_store_for_people(response: Response) -> Response:
    """Every page but the static assets may hold request content or a form's CSRF token:
    keep them out of every cache (the browser's back button included)."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def csp_nonce() -> str:
    """This response's nonce for the inline script (Talisman makes one per request)."""
    return getattr(request, "csp_nonce", "")
