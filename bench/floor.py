"""The floor for `bench/load.py`: the least a Flask + Flask-SQLAlchemy app can do for each
kind of call Permit answers, on the same database server, under the same gunicorn.

- `POST /rows`: one row in `floor_requests` (the JSON body, as text) and one in
  `floor_audit_events`, in one transaction; 201 with the new row as JSON. Permit's writes
  are compared with it.
- `GET /rows`: the newest 50 rows (`ORDER BY id DESC LIMIT 50`) as JSON: the floor for the
  API's list.
- `GET /rows.html`: the same 50 rows as an HTML table rendered by Jinja: the floor for
  Permit's pages.

Same versions as Permit (requirements.txt), same `DATABASE_URL` (its two tables beside
Permit's, each named `floor_*`), no extension Permit has beyond Flask-SQLAlchemy: no
sessions, no CSRF, no rate limit, no log line per request.

    python bench/floor.py init --rows N     # create the two tables, fill floor_requests
    gunicorn -w 2 --chdir bench floor:app   # serve it (DATABASE_URL in the environment)
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from jinja2 import DictLoader
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, event, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Rows a GET renders, as Permit's lists do.
PAGE = 50

PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Requests</title></head>
<body>
<main>
<h1>Requests</h1>
<table>
<thead><tr><th>Reference</th><th>Status</th><th>Created</th><th>Purpose</th></tr></thead>
<tbody>
{% for row in rows %}
<tr><td><a href="/rows/{{ row.id }}">{{ row.reference }}</a></td><td>{{ row.status }}</td>
<td>{{ row.created_at.strftime("%d %B %Y %H:%M") }}</td><td>{{ row.purpose }}</td></tr>
{% endfor %}
</tbody>
</table>
</main>
</body>
</html>
"""


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class FloorRequest(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "floor_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(Text)
    #: The whole JSON body a POST sent, as text.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FloorAuditEvent(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "floor_audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("floor_requests.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def normalise(url: str) -> str:
    """Bare PostgreSQL URLs through psycopg 3, as Permit's config does."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise(os.environ["DATABASE_URL"])
    # A connection the server closed is replaced, not handed to a request: pool_pre_ping,
    # as most apps do it and as Permit did until 2026-12-07. Permit now pings only a
    # connection idle for 10 s (app.database.ping_idle_connections); the floor keeps the
    # plain setting, a round trip a call that counts in Permit's favour (bench/README.md).
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    app.jinja_loader = DictLoader({"rows.html": PAGE_TEMPLATE})
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
    app.add_url_rule("/rows", view_func=create_row, methods=["POST"])
    app.add_url_rule("/rows", view_func=list_rows, methods=["GET"])
    app.add_url_rule("/rows.html", view_func=page_of_rows, methods=["GET"])
    return app


def _configure_sqlite(engine: Any) -> None:
    """WAL and a busy timeout, as Permit has them, so writers wait rather than fail."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def _as_json(row: FloorRequest) -> dict[str, Any]:
    return {
        "id": row.id,
        "reference": row.reference,
        "status": row.status,
        "purpose": row.purpose,
        "created_at": row.created_at.isoformat(),
    }


def create_row() -> tuple[Response, int]:
    body = request.get_data(as_text=True)
    data = request.get_json(silent=True) or {}
    now = datetime.now(UTC)
    row = FloorRequest(
        reference=f"FLR-{secrets.token_hex(6)}",
        status="draft",
        purpose=str(data.get("purpose", "")),
        body=body,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()  # the id, for the audit row
    db.session.add(FloorAuditEvent(request_id=row.id, event_type="created", occurred_at=now))
    db.session.commit()
    return jsonify(_as_json(row)), 201


def _newest() -> list[FloorRequest]:
    query = select(FloorRequest).order_by(FloorRequest.id.desc()).limit(PAGE)
    return list(db.session.scalars(query))


def list_rows() -> Response:
    return jsonify({"items": [_as_json(row) for row in _newest()]})


def page_of_rows() -> str:
    return render_template("rows.html", rows=_newest())


def init(rows: int) -> None:
    """Create the floor's two tables (dropping any earlier ones) and add `rows` rows."""
    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = datetime.now(UTC)
        for start in range(0, rows, 5000):
            batch = [
                {
                    "reference": f"FLR-{n}",
                    "status": "draft",
                    "purpose": f"Seeded row {n}: reach an audience not reached elsewhere",
                    "body": "{}",
                    "created_at": now,
                }
                for n in range(start, min(start + 5000, rows))
            ]
            db.session.execute(insert(FloorRequest), batch)
        db.session.commit()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Create the floor app's tables.")
    parser.add_argument("command", choices=("init",))
    parser.add_argument("--rows", type=int, default=1000, help="rows to put in floor_requests")
    args = parser.parse_args()
    init(args.rows)
    print(f"floor: tables created, {args.rows} rows", file=sys.stderr)
else:
    app = create_app()
