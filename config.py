"""Settings read from the environment, with safe development defaults.

`Config` is what `create_app()` uses; `TestConfig` is what the test suite uses. Production
(`PERMIT_ENV=production`) refuses to start with a default secret or database: see
`Config.problems()`.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    def __init__(self) -> None:
        # An empty variable counts as unset: `DATABASE_URL=${DATABASE_URL}` in a compose
        # file gives "" when the host has none, and "" is no database.
        env = {name: value for name, value in os.environ.items() if value}
        self.PERMIT_ENV: str = env.get("PERMIT_ENV", "development")
        self.SECRET_KEY: str = env.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI: str = normalise_database_url(
            env.get("DATABASE_URL", DEFAULT_DATABASE_URL)
        )
        #: Version written into exports and manifests.
        self.APP_VERSION: str = env.get("PERMIT_VERSION", "0.1.0")
        #: Path of the Ed25519 private key (PEM) that signs export manifests; unset: unsigned.
        self.AUDIT_SIGNING_KEY: str | None = env.get("AUDIT_SIGNING_KEY")
        self._explicit = {name for name in ("SECRET_KEY", "DATABASE_URL") if name in env}

    def problems(self) -> list[str]:
        """Reasons this configuration must not serve production, one line each."""
        if self.PERMIT_ENV != "production":
            return []
        found = []
        if "SECRET_KEY" not in self._explicit or self.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
            found.append("SECRET_KEY is not set: set it to a long random value")
        elif len(self.SECRET_KEY) < 32:
            found.append("SECRET_KEY is too short: use at least 32 characters")
        if "DATABASE_URL" not in self._explicit:
            found.append("DATABASE_URL is not set: point it at the production database")
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
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
