"""Counting what one call sends to the database: its statements and its transactions,
the way Django's assertNumQueries counts, with SQLAlchemy's engine events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from app.extensions import db


@dataclass
class Tally:
    #: Each statement's SQL and parameters, in the order sent.
    statements: list[tuple[str, Any]] = field(default_factory=list)
    #: Transactions ended: committed, or rolled back.
    commits: int = 0
    rollbacks: int = 0

    @property
    def count(self) -> int:
        return len(self.statements)

    def repeated(self) -> list[str]:
        """Statements sent twice with the same parameters: work done twice."""
        seen: set[str] = set()
        twice = []
        for sql, parameters in self.statements:
            key = f"{sql} {parameters!r}"
            if key in seen:
                twice.append(sql)
            seen.add(key)
        return twice

    def matching(self, fragment: str) -> int:
        """How many statements hold `fragment` (case-insensitive)."""
        return sum(fragment.lower() in sql.lower() for sql, _ in self.statements)

    def listing(self) -> str:
        """The statements, numbered, one line each: for a failing budget's message."""
        lines = (
            f"{i + 1:3}. {' '.join(sql.split())[:150]}"
            for i, (sql, _) in enumerate(self.statements)
        )
        return "\n".join(lines)


@contextmanager
def counting() -> Iterator[Tally]:
    """Count every statement and transaction the block's code sends through the app's
    engine (every session and connection the app uses goes through it)."""
    tally = Tally()
    engine = db.engine

    def on_statement(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if (
            not statement.lstrip()
            .upper()
            .startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))
        ):
            tally.statements.append((statement, parameters))

    def on_commit(_conn: Any) -> None:
        tally.commits += 1

    def on_rollback(_conn: Any) -> None:
        tally.rollbacks += 1

    listeners = [
        ("before_cursor_execute", on_statement),
        ("commit", on_commit),
        ("rollback", on_rollback),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield tally
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
