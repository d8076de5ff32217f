"""`flask notify work`: the worker that delivers the outbox (app.notifications.outbox).

flask --app wsgi notify work          # until stopped; SIGTERM or Ctrl-C: finish the
                                      # message in hand, give back the rest, exit
flask --app wsgi notify work --once   # deliver what is due now, then exit
flask --app wsgi notify digest        # once a day: each daily-digest person's digest

Beside delivery, a second thread of `work` runs the audit checks auditors asked for
(app.audit.checks), so messages never wait for a long check; `--once` runs them after
delivering. A stop gives back a check in hand at its next progress write, to start again
from the beginning.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import timedelta
from types import FrameType

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.audit.checks import CheckPolicy, run_due_checks
from app.deadlines.clock import london_today
from app.extensions import db
from app.notifications.channels import BadSetting, channel_from_config
from app.notifications.digest import gather_digests
from app.notifications.outbox import Policy, deliver_due
from app.notifications.rules import Kind

log = logging.getLogger("permit.notifications")

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
        channel = channel_from_config(config, kinds=[str(kind) for kind in Kind])
    except BadSetting as error:
        raise click.ClickException(str(error)) from None
    policy, domain = policy_from_config(config), config["MAIL_MESSAGE_ID_DOMAIN"]
    stop = threading.Event()

    def stopping(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, stopping) for sig in (signal.SIGTERM, signal.SIGINT)}
    # Audit checks run beside delivery, not between its rounds: a full check of a long
    # log takes a while, and messages must not wait for it. On a stop, a check in hand
    # is queued again.
    checker = None
    if not once:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        checker = threading.Thread(target=_check_loop, args=(app, stop), name="audit-checks")
        checker.start()
    try:
        # Quiet until there is something to say: `make run` prints its sign-ins last.
        while True:
            tally = deliver_due(channel, policy, domain, stopping=stop.is_set)
            db.session.remove()
            if once or tally.sent or tally.retry or tally.failed:
                click.echo(f"Sent {tally.sent}, to retry {tally.retry}, failed {tally.failed}.")
            if once:
                _run_checks(config, stop)
                break
            if stop.wait(config["NOTIFY_POLL_SECONDS"]):
                break
    finally:
        stop.set()
        if checker is not None:
            checker.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _run_checks(config: dict, stop: threading.Event) -> None:
    for outcome in run_due_checks(CheckPolicy.from_config(config), stopping=stop.is_set):
        click.echo(str(outcome))
    db.session.remove()


def _check_loop(app: Flask, stop: threading.Event) -> None:
    """The worker's second thread: run each audit check asked for, until the stop."""
    with app.app_context():  # its own context, so its own database session
        while not stop.is_set():
            try:
                _run_checks(app.config, stop)
            except Exception:  # the database went away: the lease lets a check be retaken
                log.exception("audit checks: this round failed; trying again")
                db.session.remove()
            stop.wait(app.config["NOTIFY_POLL_SECONDS"])


@notify_cli.command("digest")
def digest_command() -> None:
    """Write today's digest (Europe/London) for each person who chose one a day; the
    worker sends them. Run it once a day: a second run that day writes nothing more."""
    tally = gather_digests(london_today())
    noun = "digest" if tally.written == 1 else "digests"
    click.echo(f"Wrote {tally.written} {noun}, telling {tally.told} messages.")
    if tally.already:
        click.echo(
            f"{tally.already} people already had today's digest: theirs waits for tomorrow's."
        )
