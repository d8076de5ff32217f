"""`audit verify` (and, later, export and anchoring)."""

from __future__ import annotations

import click

from app.audit.verify import verify_database
from app.extensions import db

audit_cli = click.Group("audit", help="Check and export the audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check every event's hash and link in the database; exit 1 on the first problem."""
    result = verify_database(db.session)
    if result.problem is not None:
        click.echo(f"Audit chain BROKEN at seq {result.problem.seq}: {result.problem.reason}")
        click.echo(f"{result.count} events verified before it.")
        raise SystemExit(1)
    click.echo(f"Audit chain OK: {result.count} events, head seq {result.head_seq}")
    click.echo(f"Head hash: {result.head_hash}")
