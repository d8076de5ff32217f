"""The throw-away databases of `bench/load.py`: making and dropping them, reading them, and
replaying a call's captured SQL through the driver alone (psycopg, sqlite3).

The replay is the "same query run through psycopg alone" of issue 15's page targets: the
statements and transaction ends `bench/load_capture.py` recorded for one call, in order,
on one connection, every result fetched, timed per call.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"

#: One recorded step: ("sql", statement, parameters, executemany), ("begin",),
#: ("commit",), ("rollback",) or ("checkout",).
Step = tuple[Any, ...]


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (as wrk reports its own)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


class Database:
    """A throw-away database: its URL for the apps, queries for the bench, SQL replay."""

    name: str
    url: str
    driver: str

    def create(self) -> None:
        """Make the empty database (SQLite makes its file on first use)."""

    def after_seeding(self) -> None:
        """Settle the freshly written tables before anything is measured."""

    def drop(self) -> None:
        """Remove the database (SQLite's file goes with the temporary folder)."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows of one query, `?` for each parameter."""
        raise NotImplementedError

    def replay(self, steps: list[Step], times: int, warm: int) -> list[float]:
        """Seconds per replay of `steps`, `times` times after `warm` unmeasured ones."""
        raise NotImplementedError


class Postgres(Database):
    def __init__(self) -> None:
        self.database = f"permit_load_{os.getpid()}"
        self.name = "PostgreSQL"
        self.driver = "psycopg"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}"
        self.libpq = f"{PG_SERVER}/{self.database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create(self) -> None:
        self._admin(f"CREATE DATABASE {self.database}")

    def after_seeding(self) -> None:
        import psycopg

        # Hint bits and statistics now, so the first measured call does not pay for them.
        with psycopg.connect(self.libpq, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")

    def drop(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.libpq) as conn:
            return list(conn.execute(sql.replace("?", "%s"), params))  # type: ignore[arg-type]

    def replay(self, steps: list[Step], times: int, warm: int) -> list[float]:
        import psycopg

        seconds = []
        with psycopg.connect(self.libpq) as conn, conn.cursor() as cursor:
            for number in range(warm + times):
                started = time.perf_counter()
                for step in steps:
                    if step[0] == "sql":
                        _kind, sql, params, many = step
                        if many:
                            cursor.executemany(sql, params)
                        else:
                            cursor.execute(sql, params or None)
                            if cursor.description is not None:
                                cursor.fetchall()
                    elif step[0] == "commit":
                        conn.commit()
                    elif step[0] == "rollback":
                        conn.rollback()
                conn.commit()
                if number >= warm:
                    seconds.append(time.perf_counter() - started)
        return seconds


class Sqlite(Database):
    def __init__(self, folder: Path) -> None:
        self.path = folder / "permit.db"
        self.name = "SQLite"
        self.driver = "sqlite3"
        self.url = f"sqlite:///{self.path}"

    def after_seeding(self) -> None:
        conn = sqlite3.connect(self.path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("ANALYZE")
        finally:
            conn.close()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def replay(self, steps: list[Step], times: int, warm: int) -> list[float]:
        # As Permit's engine sets a connection up (app/database.py); the BEGIN IMMEDIATE it
        # sends is one of the recorded steps.
        conn = sqlite3.connect(self.path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        seconds = []
        try:
            for number in range(warm + times):
                started = time.perf_counter()
                for step in steps:
                    if step[0] == "sql":
                        _kind, sql, params, many = step
                        if many:
                            conn.executemany(sql, params)
                        else:
                            conn.execute(sql, params or ()).fetchall()
                    elif step[0] == "commit" and conn.in_transaction:
                        conn.commit()
                    elif step[0] == "rollback" and conn.in_transaction:
                        conn.rollback()
                if conn.in_transaction:
                    conn.commit()
                if number >= warm:
                    seconds.append(time.perf_counter() - started)
        finally:
            conn.close()
        return seconds
