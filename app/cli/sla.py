"""`flask sla tick`: write the working-day deadline notices due now (app.deadlines.tick).

flask --app wsgi sla tick              # once: from cron or a systemd timer, every few minutes
flask --app wsgi sla tick --every 60   # until stopped (SIGTERM or Ctrl-C: finish the request
                                       # in hand, then exit): the Procfile's clock

It prints a line for each notice written and each due date set, a WARNING for dates
beyond the bank holiday data, and a summary. Several ticks at once, on one host or many,
write each notice once.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask.cli import AppGroup

from app.cli.ticking import every_option, run_every
from app.deadlines.clock import calendar
from app.deadlines.schedule import NoticeKind
from app.deadlines.tick import TickReport, run_tick
from app.extensions import db
from app.rules.formatting import uk_day_date

sla_cli = AppGroup("sla", help="Working-day deadlines: reminders, overdue notices, escalation.")

#: How each notice reads in the output.
NOTICE_WORDS: dict[NoticeKind, str] = {
    NoticeKind.DUE_SOON: "Reminder",
    NoticeKind.OVERDUE: "Overdue",
    NoticeKind.ESCALATED: "Escalation",
}


@sla_cli.command("tick")
@every_option
def tick_command(every: float | None) -> None:
    """Send the reminders, overdue notices and escalations due now, each once."""
    if every is None:
        report = run_tick()
        db.session.remove()
        _echo(report, quiet=False, warned=set())
        if report.failed:
            failed = ", ".join(report.failed)
            raise click.ClickException(
                f"{_count(len(report.failed), 'request')} failed ({failed}): see the log; the "
                "next tick tries them again"
            )
        return
    warned: set[tuple[str, str]] = set()

    def once(stopping: Callable[[], bool]) -> None:
        _echo(run_tick(stopping=stopping), quiet=True, warned=warned)

    run_every(every, once)


def _echo(report: TickReport, *, quiet: bool, warned: set[tuple[str, str]]) -> None:
    """The report, a line each. `quiet` (a loop): nothing when nothing happened, and each
    warning once per process."""
    for moved in report.moved:
        was = f" (was {uk_day_date(moved.was)})" if moved.was else ""
        click.echo(f"Due date {moved.reference} at {moved.stage}: {uk_day_date(moved.now)}{was}.")
    for notice in report.written:
        told = (
            f"told {notice.told} {'person' if notice.told == 1 else 'people'}"
            if notice.told
            else "told nobody"
        )
        click.echo(
            f"{NOTICE_WORDS[notice.kind]} {notice.reference} at {notice.stage} "
            f"(due {uk_day_date(notice.due_on)}): {told}."
        )
        if not notice.told:
            who = "leads" if notice.kind is NoticeKind.ESCALATED else "approvers who may decide"
            click.echo(f"WARNING: the {notice.stage} stage has no active {who}.")
    last_year = calendar().last_year
    for reference, stage, day in report.beyond:
        if (reference, stage) in warned:
            continue
        warned.add((reference, stage))
        click.echo(
            f"WARNING: {reference} at {stage}: its dates run to {uk_day_date(day)}, beyond "
            f"the bank holiday data (which ends in {last_year}); they count weekends and "
            "closure days only. Install a newer govuk-bank-holidays."
        )
    if report.skipped:
        click.echo(f"Left for the next tick (in use): {', '.join(report.skipped)}.")
    if quiet and not (report.written or report.moved or report.failed):
        return
    counts = {kind: 0 for kind in NoticeKind}
    for notice in report.written:
        counts[notice.kind] += 1
    click.echo(
        f"{_count(report.waiting, 'request')} waiting at a stage; wrote "
        f"{_count(len(report.written), 'notice')} ("
        f"{_count(counts[NoticeKind.DUE_SOON], 'reminder')}, "
        f"{counts[NoticeKind.OVERDUE]} overdue, "
        f"{_count(counts[NoticeKind.ESCALATED], 'escalation')}); "
        f"{report.already} already written."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
