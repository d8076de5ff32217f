"""Settings come from the environment; production refuses to start on defaults."""

from __future__ import annotations

import pytest

from app import ConfigurationError, create_app
from config import DEFAULT_DATABASE_URL, DEVELOPMENT_SECRET_KEY, Config
from config import TestConfig as PermitTestConfig

REAL_SECRET = "0123456789abcdef0123456789abcdef"  # 32 characters: the shortest allowed
REAL_DATABASE = "postgresql+psycopg://permit:secret@db.internal:5432/permit"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Start every test from an environment that sets none of Permit's variables."""
    for name in (
        "PERMIT_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "PERMIT_VERSION",
        "FLASK_DEBUG",
        "PERMIT_ALLOW_SQLITE",
        "RATELIMIT_STORAGE_URI",
        "REDIS_URL",
        "PERMIT_PROXY_HOPS",
        "PERMIT_SESSION_IDLE_MINUTES",
        "PERMIT_SESSION_ABSOLUTE_HOURS",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def production(monkeypatch: pytest.MonkeyPatch, **variables: str) -> None:
    monkeypatch.setenv("PERMIT_ENV", "production")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


def refusal(monkeypatch: pytest.MonkeyPatch, **variables: str) -> str:
    """The one-line message create_app stops with in production with these variables."""
    production(monkeypatch, **variables)
    with pytest.raises(ConfigurationError) as stopped:
        create_app()
    message = str(stopped.value.code)
    assert "\n" not in message
    return message


def test_config_reads_the_environment_when_made_not_when_imported(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "first-secret")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///first.db")
    first = Config()
    monkeypatch.setenv("SECRET_KEY", "second-secret")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///second.db")
    monkeypatch.setenv("PERMIT_VERSION", "2.3.4")
    second = Config()

    assert (first.SECRET_KEY, first.SQLALCHEMY_DATABASE_URI) == (
        "first-secret",
        "sqlite:///first.db",
    )
    assert (second.SECRET_KEY, second.SQLALCHEMY_DATABASE_URI, second.APP_VERSION) == (
        "second-secret",
        "sqlite:///second.db",
        "2.3.4",
    )


def test_without_any_settings_development_starts_on_its_defaults():
    config = Config()
    assert config.PERMIT_ENV == "development"
    assert config.SECRET_KEY == DEVELOPMENT_SECRET_KEY
    assert config.SQLALCHEMY_DATABASE_URI == DEFAULT_DATABASE_URL

    app = create_app(config)
    assert app.config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY


@pytest.mark.parametrize(
    "secret_key",
    [None, DEVELOPMENT_SECRET_KEY, "", REAL_SECRET[:-1]],
    ids=["unset", "development-default", "empty", "31-characters"],
)
def test_production_refuses_a_missing_default_or_short_secret_key(monkeypatch, secret_key):
    variables = {"DATABASE_URL": REAL_DATABASE}
    if secret_key is not None:
        variables["SECRET_KEY"] = secret_key
    message = refusal(monkeypatch, **variables)
    assert "SECRET_KEY" in message
    assert "DATABASE_URL" not in message


@pytest.mark.parametrize("database_url", [None, ""], ids=["unset", "empty"])
def test_production_refuses_without_a_database_url(monkeypatch, database_url):
    # Empty is what `DATABASE_URL: ${DATABASE_URL}` in a compose file gives when the host
    # has none; it used to end in a SQLAlchemy traceback instead of this one line.
    variables = {"SECRET_KEY": REAL_SECRET}
    if database_url is not None:
        variables["DATABASE_URL"] = database_url
    message = refusal(monkeypatch, **variables)
    assert "DATABASE_URL" in message
    assert "SECRET_KEY" not in message


def test_production_names_every_problem_on_one_line(monkeypatch):
    message = refusal(monkeypatch)
    assert "SECRET_KEY" in message
    assert "DATABASE_URL" in message


def test_the_refusal_exits_the_process_with_status_1(monkeypatch):
    production(monkeypatch)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    # SystemExit with a message prints it to stderr and exits with status 1.
    assert isinstance(stopped.value.code, str)
    assert stopped.value.code.startswith("Permit will not start in production")


def test_production_starts_with_a_real_secret_key_and_database(monkeypatch):
    production(monkeypatch, SECRET_KEY=REAL_SECRET, DATABASE_URL=REAL_DATABASE)
    app = create_app()
    assert app.config["PERMIT_ENV"] == "production"
    assert app.config["SECRET_KEY"] == REAL_SECRET
    assert app.config["SQLALCHEMY_DATABASE_URI"] == REAL_DATABASE


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@host:5432/permit", "postgresql+psycopg://u:p@host:5432/permit"),
        ("postgresql://u:p@host/permit", "postgresql+psycopg://u:p@host/permit"),
        ("postgresql+psycopg://u:p@host/permit", "postgresql+psycopg://u:p@host/permit"),
        ("sqlite:////var/lib/permit/permit.db", "sqlite:////var/lib/permit/permit.db"),
    ],
)
def test_database_urls_are_pointed_at_psycopg_3(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    from_environment = Config().SQLALCHEMY_DATABASE_URI
    for_tests = PermitTestConfig(given).SQLALCHEMY_DATABASE_URI
    assert from_environment == expected
    assert for_tests == expected


@pytest.mark.asvs("14.3.2")
@pytest.mark.parametrize("value", ["1", "true"])
def test_production_refuses_debug_mode(monkeypatch, value):
    message = refusal(
        monkeypatch, SECRET_KEY=REAL_SECRET, DATABASE_URL=REAL_DATABASE, FLASK_DEBUG=value
    )
    assert "FLASK_DEBUG" in message


def test_production_refuses_sqlite_unless_explicitly_allowed(monkeypatch):
    sqlite = "sqlite:////var/lib/permit/permit.db"
    message = refusal(monkeypatch, SECRET_KEY=REAL_SECRET, DATABASE_URL=sqlite)
    assert "PERMIT_ALLOW_SQLITE=1" in message

    monkeypatch.setenv("PERMIT_ALLOW_SQLITE", "1")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == sqlite


@pytest.mark.asvs("3.4.1", "3.4.4")
def test_production_cookies_are_secure_with_the_host_prefix(monkeypatch):
    production(monkeypatch, SECRET_KEY=REAL_SECRET, DATABASE_URL=REAL_DATABASE)
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_DOMAIN"] is None
    assert config["FORCE_HTTPS"] and config["LOG_FORMAT"] == "json"


def test_development_cookies_work_over_plain_http():
    config = create_app(Config()).config
    assert not config["SESSION_COOKIE_SECURE"]
    assert not config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_rate_limits_share_redis_when_it_is_configured(monkeypatch):
    assert Config().RATELIMIT_STORAGE_URI == "memory://"
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    assert Config().RATELIMIT_STORAGE_URI == "redis://cache.internal:6379/0"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://limits.internal:6379/1")
    assert Config().RATELIMIT_STORAGE_URI == "redis://limits.internal:6379/1"


def test_the_apis_rate_limit_is_a_setting(monkeypatch):
    assert Config().API_RATELIMIT == "120 per minute"
    monkeypatch.setenv("API_RATELIMIT", "600 per minute;10000 per hour")
    assert Config().API_RATELIMIT == "600 per minute;10000 per hour"


@pytest.mark.parametrize("bad", ["lots", "120 a minute", "per minute"])
def test_a_bad_api_rate_limit_stops_start_up_naming_it(monkeypatch, bad):
    monkeypatch.setenv("API_RATELIMIT", bad)
    with pytest.raises(ConfigurationError) as stopped:
        create_app()
    message = str(stopped.value.code)
    assert message.startswith("Permit will not start: API_RATELIMIT: ")
    assert "120 per minute" in message and "\n" not in message
