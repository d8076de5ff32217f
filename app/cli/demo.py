"""`demo-serve`: what `make run` ends with. Seeds the demo data, serves the app on the
development server, and prints, last of all, the address and the demo sign-ins in a box.

Flask's own `flask run` prints its banner after anything printed before it, so the box
would sit among install and server lines; here the box is printed once the server is
listening, and nothing but request logs follow it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import click
from flask import current_app
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models.platforms import Stage
from app.seed.demo import DEFAULT_DEMO_PASSWORD, DEMO_USERS, DemoUser, seed_demo_data


def sign_in_rows(
    users: Iterable[DemoUser],
    created: Iterable[str],
    password: str,
    stage_names: Mapping[str, str],
) -> list[str]:
    """One line per demo person: roles, email, password (or why it is not shown), and
    their department or the stages they sign."""
    fresh = set(created)
    rows = []
    for demo in users:
        shown = password if demo.email in fresh else "(unchanged)"
        where = demo.department or ", ".join(stage_names.get(s, s) for s in demo.stages)
        rows.append(f"{', '.join(demo.roles):<9} {demo.email:<30} {shown:<26} {where}".rstrip())
    return rows


def box(lines: list[str]) -> str:
    """The lines in a frame of plain characters, which every terminal shows."""
    width = max(len(line) for line in lines)
    edge = "+" + "-" * (width + 2) + "+"
    return "\n".join([edge, *(f"| {line:<{width}} |" for line in lines), edge])


def sign_in_box(address: str, rows: list[str]) -> str:
    unchanged = any("(unchanged)" in row for row in rows)
    return box(
        [
            f"Permit is running: open {address}",
            "",
            "Sign in as any of these (role, email, password, department or stage):",
            *(f"  {row}" for row in rows),
            *(
                [
                    "(unchanged): made by an earlier run, with the password it printed;",
                    "to start again, stop the server and delete instance/permit.db.",
                ]
                if unchanged
                else []
            ),
            "",
            "Approvers, auditors and the admin set up an authenticator app at their",
            "first sign-in (README.md says how without a phone). Ctrl+C stops the server.",
        ]
    )


@click.command("demo-serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--password", default=DEFAULT_DEMO_PASSWORD, show_default=True)
def demo_serve_command(host: str, port: int, password: str) -> None:
    """Seed the demo data, then serve it for trying out (never in production)."""
    if current_app.config["PERMIT_ENV"] == "production":
        raise click.ClickException("demo-serve refuses to run in production")
    result = seed_demo_data(password)
    db.session.commit()
    names = dict(db.session.execute(select(Stage.code, Stage.name)).tuples().all())
    db.session.remove()
    try:
        server = make_server(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({error.strerror}): "
            "is Permit already running? Try PORT=8000 make run"
        ) from None
    created = result["users_created"]
    rows = sign_in_rows(DEMO_USERS, created, password, names)  # type: ignore[arg-type]
    click.echo(sign_in_box(f"http://{host}:{server.port}", rows))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
