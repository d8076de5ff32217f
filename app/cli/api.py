"""`api purge-idempotency-keys`: delete the JSON API's old idempotency keys.

Keys are kept at least 24 hours (app.operations.purge_idempotency_keys.KEEP_HOURS): a
client may repeat a call with its key for that long and get the first answer back. Run
this daily (cron, a scheduled task); a later repeat with a purged key acts as a new call.
"""

from __future__ import annotations

from datetime import timedelta

import click

from app.extensions import db
from app.models.types import utcnow
from app.operations.purge_idempotency_keys import KEEP_HOURS, purge_idempotency_keys

api_cli = click.Group("api", help="Look after the JSON API's records.")


@api_cli.command("purge-idempotency-keys")
@click.option(
    "--older-than-hours",
    type=click.IntRange(min=KEEP_HOURS),
    default=KEEP_HOURS,
    show_default=True,
    help=f"Delete keys made more than this many hours ago (at least {KEEP_HOURS}).",
)
def purge_command(older_than_hours: int) -> None:
    """Delete idempotency keys older than a day (or --older-than-hours)."""
    deleted = purge_idempotency_keys(utcnow() - timedelta(hours=older_than_hours))
    db.session.commit()
    click.echo(f"Deleted {deleted} idempotency {'key' if deleted == 1 else 'keys'}.")
