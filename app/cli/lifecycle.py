"""`flask lifecycle tick`: expire approved accounts whose permission has ended and write
the reminders due today (app.operations.run_lifecycle_tick).

flask --app wsgi lifecycle tick              # once: from cron or a systemd timer
flask --app wsgi lifecycle tick --every 300  # until stopped (SIGTERM or Ctrl-C: finish
                                             # the account in hand, then exit)

It prints a line for each account expired and each notice written, and a summary.
Several ticks at once, on one host or many, expire each account once and write each
notice once.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.ticking import every_option, run_every
from app.extensions import db
from app.operations.account_notices import NoticeKind
from app.operations.run_lifecycle_tick import LifecycleReport, run_lifecycle_tick
from app.rules.formatting import uk_day_date

lifecycle_cli = AppGroup("lifecycle", help="Approved accounts: expiry and reminders.")

NOTICE_WORDS: dict[NoticeKind, str] = {
    NoticeKind.OPENING_OVERDUE: "Opening reminder",
    NoticeKind.REVIEW_DUE: "Review due",
    NoticeKind.REVIEW_OVERDUE: "Review overdue",
}


@lifecycle_cli.command("tick")
@every_option
def tick_command(every: float | None) -> None:
    """Expire accounts whose permission has ended; remind of openings and reviews due."""
    if every is None:
        report = run_lifecycle_tick()
        db.session.remove()
        _echo(report, quiet=False)
        if report.failed:
            raise click.ClickException(
                f"{len(report.failed)} failed ({', '.join(report.failed)}): see the log; the "
                "next tick tries them again"
            )
        return
    run_every(every, lambda stopping: _echo(run_lifecycle_tick(stopping), quiet=True))


def _echo(report: LifecycleReport, *, quiet: bool) -> None:
    for reference in report.expired:
        click.echo(f"Expired {reference}: its permission's end date has passed.")
    for notice in report.written:
        people = "person" if notice.told == 1 else "people"
        click.echo(
            f"{NOTICE_WORDS[notice.kind]} {notice.reference} ({uk_day_date(notice.due_on)}): "
            f"told {notice.told} {people}."
        )
        if not notice.told:
            click.echo(f"WARNING: nobody could be told about {notice.reference}.")
    if report.skipped:
        click.echo(f"Left for the next tick (in use): {', '.join(report.skipped)}.")
    if quiet and not (report.expired or report.written or report.failed):
        return
    click.echo(
        f"Expired {len(report.expired)}; wrote {len(report.written)} notices; "
        f"{report.already} already written."
    )
