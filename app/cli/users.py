"""`users create`, `users invite`, `users lead` and `users deactivate`.

    flask --app wsgi users create --email E --name N --role officer --department DSIT --invite
    flask --app wsgi users invite E
    flask --app wsgi users lead E --stage security     # told of requests overdue there

`--invite` and `invite` print a one-time link (under PERMIT_BASE_URL) for the person to set
their own password: nobody else then knows it. Without `--invite`, `create` reads the
password from standard input and holds it to the same policy as the web pages.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models.departments import Department
from app.models.users import User, normalise_email
from app.operations.create_user import create_user
from app.operations.deactivate_user import deactivate_user
from app.operations.issue_password_link import issue_password_link
from app.operations.set_stage_lead import set_stage_lead
from app.rules.roles import Role
from app.rules.workflow import InvalidContent, Refusal
from app.security.password_links import set_password_url
from app.security.password_policy import password_problems

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
@click.option(
    "--invite",
    is_flag=True,
    help="Print a one-time link for them to set their own password (read no password).",
)
def create_command(
    email: str,
    display_name: str,
    roles: tuple[str, ...],
    department_code: str | None,
    stages: tuple[str, ...],
    invite: bool,
) -> None:
    """Create a user; the password is read from standard input (one line), or with
    --invite a link for them to set it is printed."""
    department = None
    if department_code:
        department = db.session.scalar(
            select(Department).where(Department.code == department_code.upper())
        )
        if department is None:
            raise click.ClickException(f"No department with code {department_code}")
    password = None if invite else _read_password(email, display_name)
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
        link = _issue_link(user) if invite else None
    except InvalidContent as refusal:
        raise click.ClickException("; ".join(refusal.errors.values())) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(roles))}).")
    if link is not None:
        _print_link(user, link)


@users_cli.command("invite")
@click.argument("email")
def invite_command(email: str) -> None:
    """Print a new one-time link for a user to set their password (a reset: their current
    password works until they use it)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user with email {email}")
    try:
        link = _issue_link(user)
    except Refusal as refusal:
        raise click.ClickException(refusal.message) from None
    db.session.commit()
    _print_link(user, link)


def _read_password(email: str, display_name: str) -> str:
    """The password from the terminal (asked twice) or the first line of standard input,
    held to the same policy as the web pages."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problems = password_problems(
        password,
        user_inputs=(email, display_name),
        pwned_url=current_app.config["PWNED_PASSWORDS_URL"],
    )
    if problems:
        raise click.ClickException(problems[0])
    return password


def _issue_link(user: User) -> str:
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    return set_password_url(issue_password_link(user, None, valid_hours=hours))


def _print_link(user: User, link: str) -> None:
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    click.echo(
        f"Send {user.email} this link to set their password. "
        f"It works once, for {hours} hours; treat it like a password:"
    )
    click.echo(link)


@users_cli.command("lead")
@click.argument("email")
@click.option("--stage", "stage_code", required=True, help="The stage code they sign.")
@click.option("--remove", is_flag=True, help="Make them no longer a lead of the stage.")
def lead_command(email: str, stage_code: str, remove: bool) -> None:
    """Make an approver a lead of a stage they sign: `sla tick` tells the stage's leads of
    requests overdue there (docs/deadlines.md)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No user with email {email}")
    try:
        changed = set_stage_lead(user, None, stage_code=stage_code, lead=not remove)
    except InvalidContent as refusal:
        raise click.ClickException("; ".join(refusal.errors.values())) from None
    db.session.commit()
    now = "is no longer a lead" if remove else "is a lead"
    was = "was not a lead" if remove else "was already a lead"
    click.echo(f"{user.email} {now if changed else was} of the {stage_code} stage.")


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
