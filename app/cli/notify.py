"""`flask notify work`: the worker that delivers the outbox (app.notifications.outbox).

flask --app wsgi notify work          # until stopped; SIGTERM or Ctrl-C: finish the
                                      # message in hand, give back the rest, exit
flask --app wsgi notify work --once   # deliver what is due now, then exit
"""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.notifications.channels import BadSetting, channel_from_config
from app.notifications.outbox import Policy, deliver_due

notify_cli = AppGroup("notify", help="Deliver notifications.")


def policy_from_config(config: dict) -> Policy:
    return Policy(
        lease=timedelta(seconds=config["NOTIFY_LEASE_SECONDS"]),
        max_attempts=config["NOTIFY_MAX_ATTEMPTS"],
        backoff=timedelta(seconds=config["NOTIFY_BACKOFF_SECONDS"]),
    )


@notify_cli.command("work")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
def work_command(once: bool) -> None:
    """Deliver outbox messages: by SMTP when SMTP_URL is set, else to the log."""
    config = current_app.config
    try:
        channel = channel_from_config(config)
    except BadSetting as error:
        raise click.ClickException(str(error)) from None
    policy, domain = policy_from_config(config), config["MAIL_MESSAGE_ID_DOMAIN"]
    stop = threading.Event()

    def stopping(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, stopping) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        # Quiet until there is something to say: `make run` prints its sign-ins last.
        while True:
            tally = deliver_due(channel, policy, domain, stopping=stop.is_set)
            db.session.remove()
            if once or tally.sent or tally.retry or tally.failed:
                click.echo(f"Sent {tally.sent}, to retry {tally.retry}, failed {tally.failed}.")
            if once or stop.wait(config["NOTIFY_POLL_SECONDS"]):
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
