"""Settings read from the environment, with safe development defaults.

`Config` is what `create_app()` uses; `TestConfig` is what the test suite uses. Production
(`PERMIT_ENV=production`) refuses to start with a default secret or database: see
`Config.problems()`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

#: The development secret. Safe only because production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "permit-development-secret-key-not-for-production"
DEFAULT_DATABASE_URL = f"sqlite:///{INSTANCE_DIR / 'permit.db'}"


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    """A setting of whole days, 1 or more; anything else stops start-up, naming it."""
    raw = env.get(name, str(default))
    if not (raw.isascii() and raw.isdecimal()) or int(raw) < 1:
        raise ValueError(f"{name}: give a whole number of days, 1 or more (got {raw!r})")
    return int(raw)


def parse_closure_days(text: str) -> frozenset[date]:
    """PERMIT_CLOSURE_DAYS: ISO dates separated by commas; a bad one stops start-up."""
    days = set()
    for item in text.replace(" ", "").split(","):
        if not item:
            continue
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", item):
                raise ValueError(item)
            days.add(date.fromisoformat(item))
        except ValueError:
            raise ValueError(
                f"PERMIT_CLOSURE_DAYS: {item!r} is not a date: write each day as YYYY-MM-DD, "
                "separated by commas, such as 2026-12-24,2026-12-31"
            ) from None
    return frozenset(days)


def parse_rate_limit(name: str, text: str) -> str:
    """A Flask-Limiter limit such as "120 per minute" or "10/second;1000/hour"; a bad one
    stops start-up, naming the setting."""
    try:
        if not parse_many(text):
            raise ValueError(text)
    except ValueError:
        raise ValueError(
            f"{name}: {text!r} is not a rate limit: write it as Flask-Limiter does, such as "
            '"120 per minute" or "10/second;1000/hour"'
        ) from None
    return text


class Config:
    """Settings for a running service; every value can come from the environment.

    Read when the object is made, not at import, so a test can change the environment.
    """

    #: Seconds a SQLite writer waits for another to finish before giving up.
    SQLITE_BUSY_TIMEOUT_SECONDS = 30
    #: argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST_KIB = 65536
    PASSWORD_HASH_PARALLELISM = 4
    #: PostgreSQL: a pooled connection left unused this long is checked (a SELECT 1)
    #: before a call gets it, so one that the database dropped while the service was quiet
    #: (a restart, an outage, an idle timeout) is replaced unseen (app.database).
    DATABASE_PING_AFTER_IDLE_SECONDS = 10
    #: PostgreSQL: seconds to wait for a new connection (psycopg's connect_timeout, unless
    #: the URL gives one) before the call fails with 503 rather than hanging a worker.
    DATABASE_CONNECT_TIMEOUT_SECONDS = 5
    #: Largest request body: well above the longest form (six 5,000-character answers,
    #: percent-encoded), far below what would tie up a worker. Larger gets 413.
    MAX_CONTENT_LENGTH = 1024 * 1024
    #: Wrong passwords in a row before an account locks (ASVS 2.2.1).
    LOCKOUT_THRESHOLD = 5
    #: The first lockout's length; each further one doubles it, up to LOCKOUT_MAX_MINUTES.
    LOCKOUT_BASE_MINUTES = 5
    LOCKOUT_MAX_MINUTES = 24 * 60
    #: How long a one-time set-password link works (app.security.password_links).
    SET_PASSWORD_LINK_HOURS = 72
    #: Flask-Limiter limits (its string format) on the endpoints that take a secret.
    RATELIMIT_SIGN_IN_PER_ADDRESS = "30 per minute;300 per hour"
    RATELIMIT_SIGN_IN_PER_ACCOUNT = "10 per minute;100 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    #: Redis down: keep limiting, per process, rather than fail every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: Redis client settings (ignored by memory://): an unreachable Redis fails a call in a
    #: second, and the fallback above takes over, instead of holding the worker.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    #: The JSON API's calls per token: API_RATELIMIT (Flask-Limiter's format), read in
    #: __init__. Every answer says how many are left in RateLimit-* headers (the IETF
    #: httpapi draft's names), 429 with Retry-After (seconds) beyond it. RateLimit-Reset is
    #: the Unix time the window ends.
    RATELIMIT_HEADER_LIMIT = "RateLimit-Limit"
    RATELIMIT_HEADER_REMAINING = "RateLimit-Remaining"
    RATELIMIT_HEADER_RESET = "RateLimit-Reset"
    RATELIMIT_HEADER_RETRY_AFTER = "Retry-After"
    # Flask-Login's remember-me cookie is never set (login_user(remember=False)); should
    # anything set it, it is as strict as the session cookie.
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: Host-only: no Domain attribute, so the cookie never reaches a sibling subdomain.
    SESSION_COOKIE_DOMAIN = None

    def __init__(self) -> None:
        # An empty variable counts as unset: `DATABASE_URL=${DATABASE_URL}` in a compose
        # file gives "" when the host has none, and "" is no database.
        env = {name: value for name, value in os.environ.items() if value}
        self.PERMIT_ENV: str = env.get("PERMIT_ENV", "development")
        self.SECRET_KEY: str = env.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        #: Keys being rotated out (docs/deploy.md), comma-separated: what they signed (the
        #: session cookie, set-password links) is still accepted; only SECRET_KEY signs.
        self.SECRET_KEY_FALLBACKS: list[str] = [
            key.strip() for key in env.get("SECRET_KEY_FALLBACKS", "").split(",") if key.strip()
        ]
        self.SQLALCHEMY_DATABASE_URI: str = normalise_database_url(
            env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
        )
        #: Version written into exports and manifests.
        self.APP_VERSION: str = env.get("PERMIT_VERSION", "0.1.0")
        #: Path of the Ed25519 private key (PEM) that signs export manifests; unset: unsigned.
        self.AUDIT_SIGNING_KEY: str | None = env.get("AUDIT_SIGNING_KEY")
        #: Sessions end after this long without a request, and this long after sign-in.
        self.SESSION_IDLE_MINUTES = int(env.get("PERMIT_SESSION_IDLE_MINUTES", "30"))
        self.SESSION_ABSOLUTE_HOURS = int(env.get("PERMIT_SESSION_ABSOLUTE_HOURS", "12"))
        # Secure cookies everywhere but a developer's plain-HTTP machine; "__Host-" makes
        # the browser insist on Secure, Path=/ and no Domain (RFC 6265bis).
        secure = self.PERMIT_ENV != "development"
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_SECURE = secure
        self.SESSION_COOKIE_NAME = "__Host-permit_session" if secure else "permit_session"
        #: HSTS and the other headers only make sense where there is HTTPS.
        self.FORCE_HTTPS = self.PERMIT_ENV == "production"
        #: Shared rate-limit counters (Redis) across instances; memory is per process.
        self.RATELIMIT_STORAGE_URI: str = env.get(
            "RATELIMIT_STORAGE_URI", env.get("REDIS_URL", "memory://")
        )
        #: How many proxies in front of the app set X-Forwarded-For (Werkzeug ProxyFix).
        self.PROXY_FIX_HOPS = int(env.get("PERMIT_PROXY_HOPS", "0"))
        #: Pwned Passwords range API, e.g. https://api.pwnedpasswords.com/range/ ; unset: off.
        self.PWNED_PASSWORDS_URL: str | None = env.get("PWNED_PASSWORDS_URL")
        #: The service's address as people reach it: set-password links printed by the CLI.
        self.PERMIT_BASE_URL: str = env.get("PERMIT_BASE_URL", "http://127.0.0.1:5000")
        #: Notifications: SMTP when SMTP_URL is set (smtp://host:port, smtps://user:pw@host),
        #: otherwise written to the log and the admin Outbox page (docs/notifications.md).
        self.SMTP_URL: str | None = env.get("SMTP_URL")
        self.SMTP_STARTTLS = env.get("SMTP_STARTTLS", "0").lower() in {"1", "true", "yes"}
        self.MAIL_FROM: str = env.get("MAIL_FROM", "Permit <permit@localhost>")
        #: The right-hand side of each message's Message-ID: the service's own domain.
        self.MAIL_MESSAGE_ID_DOMAIN: str = env.get(
            "MAIL_MESSAGE_ID_DOMAIN", urlsplit(self.PERMIT_BASE_URL).hostname or "localhost"
        )
        self.NOTIFY_MAX_ATTEMPTS = int(env.get("NOTIFY_MAX_ATTEMPTS", "8"))
        self.NOTIFY_LEASE_SECONDS = int(env.get("NOTIFY_LEASE_SECONDS", "60"))
        self.NOTIFY_BACKOFF_SECONDS = int(env.get("NOTIFY_BACKOFF_SECONDS", "30"))
        self.NOTIFY_POLL_SECONDS = float(env.get("NOTIFY_POLL_SECONDS", "2"))
        #: Audit checks the worker runs (docs/audit-checks.md): how long a worker holds one
        #: between progress writes, and how many events it checks between those writes.
        self.AUDIT_CHECK_LEASE_SECONDS = int(env.get("AUDIT_CHECK_LEASE_SECONDS", "120"))
        self.AUDIT_CHECK_PROGRESS_EVERY = int(env.get("AUDIT_CHECK_PROGRESS_EVERY", "20000"))
        #: GOV.UK Notify instead of SMTP: its API key, and one template id per message kind
        #: in NOTIFY_TEMPLATE_<KIND> (NOTIFY_TEMPLATE_STAGE_WAITING, ...): docs/notifications.md.
        self.NOTIFY_API_KEY: str | None = env.get("NOTIFY_API_KEY")
        self.NOTIFY_BASE_URL: str = env.get(
            "NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
        )
        self.NOTIFY_TEMPLATE_IDS: dict[str, str] = {
            name.removeprefix("NOTIFY_TEMPLATE_").lower(): value
            for name, value in env.items()
            if name.startswith("NOTIFY_TEMPLATE_")
        }
        #: Working-day deadlines (docs/deadlines.md): days the service counts as closed besides
        #: weekends and bank holidays, "2026-12-24,2026-12-31"; and how many whole working
        #: days overdue a request is before `sla tick` tells the stage's leads.
        self.PERMIT_CLOSURE_DAYS: frozenset[date] = parse_closure_days(
            env.get("PERMIT_CLOSURE_DAYS", "")
        )
        self.API_RATELIMIT: str = parse_rate_limit(
            "API_RATELIMIT", env.get("API_RATELIMIT", "120 per minute")
        )
        self.SLA_ESCALATE_AFTER_DAYS = int(env.get("SLA_ESCALATE_AFTER_DAYS", "2"))
        if self.SLA_ESCALATE_AFTER_DAYS < 0:
            raise ValueError("SLA_ESCALATE_AFTER_DAYS: give 0 or more working days")
        #: Approved accounts (docs/accounts.md): working days after approval before the
        #: officers are reminded to record the opening; days before a review is due that
        #: Security is told; and whether the public register page is served.
        self.ACCOUNT_OPENING_REMINDER_WORKING_DAYS = _whole_number(
            env, "ACCOUNT_OPENING_REMINDER_WORKING_DAYS", 10
        )
        self.ACCOUNT_REVIEW_NOTICE_DAYS = _whole_number(env, "ACCOUNT_REVIEW_NOTICE_DAYS", 14)
        self.PERMIT_PUBLIC_REGISTER = env.get("PERMIT_PUBLIC_REGISTER") == "1"
        #: Single sign-on with OpenID Connect (docs/sso.md): off unless OIDC_ISSUER is set.
        #: OIDC_TRUST_MFA=1 skips Permit's own second factor when the provider's ID token
        #: says it asked for more than one (`amr`).
        self.OIDC_ISSUER: str = env.get("OIDC_ISSUER", "").rstrip("/")
        self.OIDC_CLIENT_ID: str = env.get("OIDC_CLIENT_ID", "")
        self.OIDC_CLIENT_SECRET: str = env.get("OIDC_CLIENT_SECRET", "")
        self.OIDC_TRUST_MFA = env.get("OIDC_TRUST_MFA") == "1"
        #: What the sign-in page's button says.
        self.OIDC_PROVIDER_NAME: str = env.get("OIDC_PROVIDER_NAME", "your organisation")
        #: One JSON object per log line (production) or readable text (development).
        self.LOG_FORMAT = env.get("PERMIT_LOG_FORMAT", "json" if secure else "text")
        self.LOG_LEVEL = env.get("PERMIT_LOG_LEVEL", "INFO")
        self.DEBUG = env.get("FLASK_DEBUG", "0").lower() in {"1", "true", "yes", "on"}
        self.PERMIT_ALLOW_SQLITE = env.get("PERMIT_ALLOW_SQLITE") == "1"
        self._explicit = {name for name in ("SECRET_KEY", "DATABASE_URL") if name in env}

    def problems(self) -> list[str]:
        """Reasons this configuration must not serve, one line each: a half-set sign-on
        anywhere, and in production the secrets, the database and debug mode."""
        found = []
        if self.OIDC_ISSUER and not (self.OIDC_CLIENT_ID and self.OIDC_CLIENT_SECRET):
            found.append("OIDC_ISSUER is set: set OIDC_CLIENT_ID and OIDC_CLIENT_SECRET too")
        if self.PERMIT_ENV != "production":
            return found
        if "SECRET_KEY" not in self._explicit or self.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
            found.append("SECRET_KEY is not set: set it to a long random value")
        elif len(self.SECRET_KEY) < 32:
            found.append("SECRET_KEY is too short: use at least 32 characters")
        if DEVELOPMENT_SECRET_KEY in self.SECRET_KEY_FALLBACKS:
            found.append("SECRET_KEY_FALLBACKS holds the development secret: remove it")
        if "DATABASE_URL" not in self._explicit:
            found.append("DATABASE_URL is not set: point it at the production database")
        elif self.SQLALCHEMY_DATABASE_URI.startswith("sqlite") and not self.PERMIT_ALLOW_SQLITE:
            found.append(
                "DATABASE_URL is SQLite: use PostgreSQL, or set PERMIT_ALLOW_SQLITE=1 to accept it"
            )
        if self.DEBUG:
            found.append("FLASK_DEBUG is on: debug mode runs any code a visitor sends")
        return found


class TestConfig(Config):
    """The test suite's settings: a throw-away database and cheap password hashing."""

    TESTING = True
    WTF_CSRF_ENABLED = True
    SQLITE_BUSY_TIMEOUT_SECONDS = 60
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST_KIB = 8
    PASSWORD_HASH_PARALLELISM = 1

    def __init__(self, database_url: str = "sqlite://") -> None:
        super().__init__()
        self.PERMIT_ENV = "test"
        self.SECRET_KEY = "permit-test-secret-key"
        self.DEBUG = False
        # Cookies as in production (Werkzeug's test client sends Secure cookies over http).
        self.SESSION_COOKIE_SECURE = self.REMEMBER_COOKIE_SECURE = True
        self.SESSION_COOKIE_NAME = "__Host-permit_session"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.LOG_FORMAT = "json"
        # A failing test's output shows what went wrong, not every request it made.
        self.LOG_LEVEL = "WARNING"
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
