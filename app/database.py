"""Engine behaviour that the rest of the code relies on, per database.

SQLite: foreign keys on, WAL, a busy timeout, and every transaction opened with
`BEGIN IMMEDIATE` so that writers queue for the lock instead of failing half-way (a
deferred transaction that read first cannot always upgrade to a writer). That is what
keeps the audit chain linear on SQLite; PostgreSQL uses an advisory lock instead
(see `app.audit.chain`). The one exception is a connection marked `SNAPSHOT_READ`,
which only reads.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError

from app.extensions import db
from app.rules.canonical_json import dumps

#: Execution option of a connection that only reads, for a long time (a check of the
#: whole audit chain): on SQLite its transactions begin DEFERRED, so it reads a snapshot
#: (WAL) without holding the write lock every other transaction waits for. Never write
#: through such a connection. `engine.connect().execution_options(**{SNAPSHOT_READ: True})`
SNAPSHOT_READ = "permit_snapshot_read"


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The engine options: the configured ones, with JSON columns stored canonically, and
    on PostgreSQL a connect timeout (DATABASE_CONNECT_TIMEOUT_SECONDS) unless the URL
    sets its own: a database that does not answer fails a call, not hangs it."""
    options = {**config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "json_serializer": dumps}
    url = make_url(config.get("SQLALCHEMY_DATABASE_URI") or "sqlite://")
    timeout = config.get("DATABASE_CONNECT_TIMEOUT_SECONDS")
    if url.get_backend_name() == "postgresql" and timeout and "connect_timeout" not in url.query:
        options["connect_args"] = {
            "connect_timeout": int(timeout),
            **options.get("connect_args", {}),
        }
    return options


def configure_engine(app: Flask) -> None:
    """Install the per-database connection settings on the app's engine, and the end of
    each call's session."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
    else:
        ping_idle_connections(engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    # Registered after Flask-SQLAlchemy's own: teardowns run last first, so this one ends
    # the session and Flask-SQLAlchemy's then finds nothing left to do.
    app.teardown_appcontext(close_session)


def close_session(_error: BaseException | None = None) -> None:
    """End the call's session. The ROLLBACK that closes a transaction left open (every
    read) needs the connection: lost since the answer was made (the database went away
    mid-call), it fails, and the answer must still go out, not become a 500. The dead
    connection is dropped from the pool instead (tests/faults/test_database_outage.py)."""
    if db.session.registry.has():  # a call that used no session (a static file) makes none
        discard_transaction()
    db.session.remove()


def discard_transaction() -> None:
    """Roll the session's transaction back; if the connection is gone and the ROLLBACK
    cannot be sent, drop the connection from the pool instead of asking it again."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session().invalidate()


def _configure_sqlite(engine: Engine, busy_timeout_seconds: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(SNAPSHOT_READ):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a ping before a call gets it, if it has been unused
    for `idle_seconds`; replace it if the database dropped it.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip more for every call,
    about a quarter of a signed-in call's look-up of its session on our machine. A
    connection in steady use has just been proved by its last call; the connections a
    database drops unseen are those left idle (a restart overnight, an idle timeout on
    the way), and only those are pinged. The price: a connection dropped within
    `idle_seconds` of its last use fails the next call on it with a 503 (app.web.errors),
    and SQLAlchemy, seeing the disconnect, then replaces every connection of that pool.
    tests/health/test_connection_checks.py holds both sides."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # (record.info goes with the connection: none yet for one made for this checkout.)
        last_used = record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # As pool_pre_ping does: the pool replaces this connection and every one
                # older (a database that dropped one has likely dropped them all).
                raise InvalidatePoolError(str(error)) from error
            raise


#: The pool record's note of when its connection was last checked in.
_LAST_USED = "permit_last_used"


def commit_keeping_loaded() -> None:
    """Commit, and keep what the session has loaded as it is, not expired.

    For a commit in the middle of a call that changed none of the rows already loaded
    (an API call's claimed Idempotency-Key, its token's last use): the caller and their
    token stay as authenticated, instead of being read again on their next use.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
