"""`users create` and `users deactivate`."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from app.extensions import db
from app.models.departments import Department
from app.models.users import User, normalise_email
from app.operations.create_user import create_user
from app.operations.deactivate_user import deactivate_user
from app.roles import Role
from app.workflow import InvalidContent

PASSWORD_MIN = 12
PASSWORD_MAX = 128

users_cli = click.Group("users", help="Manage users.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([str(r) for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--department", "department_code", help="Department code, for officers.")
@click.option("--stage", "stages", multiple=True, help="Stage code an approver signs; repeat.")
def create_command(
    email: str,
    display_name: str,
    roles: tuple[str, ...],
    department_code: str | None,
    stages: tuple[str, ...],
) -> None:
    """Create a user; the password is read from standard input (one line)."""
    department = None
    if department_code:
        department = db.session.scalar(
            select(Department).where(Department.code == department_code.upper())
        )
        if department is None:
            raise click.ClickException(f"No department with code {department_code}")
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise click.ClickException(
            f"The password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long"
        )
    try:
        user = create_user(
            None,
            email=email,
            display_name=display_name,
            password=password,
            roles={Role(r) for r in roles},
            department=department,
            stage_codes=set(stages),
        )
    except InvalidContent as refusal:
        raise click.ClickException("; ".join(refusal.errors.values())) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")


@users_cli.command("deactivate")
@click.option("--email", required=True)
def deactivate_command(email: str) -> None:
    """Deactivate a user: they can no longer sign in. Their history stays."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user with email {email}")
    changed = deactivate_user(user, None)
    db.session.commit()
    click.echo(f"Deactivated {user.email}." if changed else f"{user.email} was already inactive.")
