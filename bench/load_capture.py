"""The SQL one call runs, seen from inside Permit: for `bench/load.py`, never run alone.

Run by load.py in a child process whose working directory is Permit's code, with the
environment its gunicorn has (so the session cookies load.py signed in with work here):

    python bench/load_capture.py SPEC.json OUT.pickle

SPEC.json lists calls, each {"name", "requests": [...]}, each request {"method", "path",
"headers", "body"}. Every request is made through `app.test_client()`, and only the last
is recorded (the ones before warm the process's caches, as a worker's first requests do;
a write names a target of its own for each, since a draft is submitted only once). It is
recorded with a SQLAlchemy
`before_cursor_execute` listener on the engine, the way Django's assertNumQueries counts:
every statement with its parameters, every transaction begun, committed or rolled back,
and every connection taken from the pool, in order. OUT.pickle gets, per call, those
steps (parameters reduced to plain Python values, so load.py can unpickle them without
importing the app) and the statuses.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import pickle
import sys
import uuid
from typing import Any

#: Values the parameters may hold after reduction (all that psycopg and sqlite3 take).
PLAIN = (type(None), bool, int, float, str, bytes, datetime.datetime, datetime.date,
         datetime.time, datetime.timedelta, decimal.Decimal, uuid.UUID)  # fmt: skip


def plain(value: Any) -> Any:
    """`value` with str and int subclasses (the app's enums) made plain, recursively."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, PLAIN):
        return value
    # psycopg's Json/Jsonb wrappers and the like: keep their text, marked as such.
    return ("unplain", type(value).__module__ + "." + type(value).__qualname__, repr(value))


def main() -> int:
    spec_path, out_path = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.getcwd())
    from sqlalchemy import event

    from app.extensions import db
    from wsgi import app

    with open(spec_path, encoding="utf-8") as spec:
        calls = json.load(spec)
    with app.app_context():
        engine = db.engine
    steps: list[tuple[Any, ...]] = []
    recording = [False]

    @event.listens_for(engine, "before_cursor_execute")
    def on_statement(_conn: Any, _cursor: Any, statement: str, parameters: Any,
                     _context: Any, executemany: bool) -> None:  # fmt: skip
        if recording[0]:
            steps.append(("sql", statement, plain(parameters), executemany))

    # A connection taken from the pool: after 10 s idle, a ping the listener above does not
    # see (app.database.ping_idle_connections).
    for name in ("checkout", "begin", "commit", "rollback"):

        def on_transaction(_conn: Any, *_args: Any, kind: str = name) -> None:
            if recording[0]:
                steps.append((kind,))

        event.listen(engine, name, on_transaction)

    results = {}
    client = app.test_client(use_cookies=False)
    for call in calls:
        statuses = []
        for number, made in enumerate(call["requests"], start=1):
            steps.clear()
            recording[0] = number == len(call["requests"])
            response = client.open(
                made["path"],
                method=made["method"],
                headers=made["headers"],
                data=made.get("body"),
                base_url="http://127.0.0.1",
            )
            response.close()
            recording[0] = False
            statuses.append(response.status_code)
        results[call["name"]] = {"statuses": statuses, "steps": list(steps)}
    with open(out_path, "wb") as out:
        pickle.dump(results, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
