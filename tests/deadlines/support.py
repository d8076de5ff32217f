"""What the deadline tests share: London moments, and reading back what a tick wrote."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.deadlines.working_days import LONDON
from app.extensions import db
from app.models import AuditEvent, DeadlineNotice, OutboxMessage, User

DEADLINE_EVENTS = ("stage_due_soon", "stage_overdue", "stage_escalated")


def london(*parts: int) -> datetime:
    """A moment on London's clock: `london(2026, 12, 23, 10, 0)`."""
    return datetime(*parts, tzinfo=LONDON)


@dataclass(frozen=True)
class Sent:
    kind: str
    reference: str
    to: str


def deadline_messages() -> list[Sent]:
    """The deadline kinds of outbox message, as (kind, reference, recipient name)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(OutboxMessage.kind, AuditEvent.request_reference, User.display_name)
        .join(AuditEvent, AuditEvent.seq == OutboxMessage.audit_seq)
        .join(User, User.id == OutboxMessage.recipient_id)
        .where(OutboxMessage.kind.in_(DEADLINE_EVENTS))
        .order_by(OutboxMessage.id)
    )
    return [Sent(kind, reference, name) for kind, reference, name in rows]


def deadline_events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.event_type.in_(DEADLINE_EVENTS))
            .order_by(AuditEvent.seq)
        )
    )


def notices() -> list[tuple[str, int, str, str]]:
    """Every deadline_notices row as (reference of its event, revision, stage, kind)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(
            AuditEvent.request_reference,
            DeadlineNotice.revision,
            DeadlineNotice.stage_code,
            DeadlineNotice.kind,
        )
        .join(AuditEvent, AuditEvent.seq == DeadlineNotice.audit_seq)
        .order_by(DeadlineNotice.id)
    )
    return [tuple(row) for row in rows]


ROOT = Path(__file__).resolve().parents[2]

#: `flask --app wsgi GROUP tick ARGS...` with the process's clock started at a given
#: moment (time-machine, then moving on as usual): the real command, in a real process,
#: on the day the test needs. argv: the moment as a Unix time, the command group ("sla",
#: "lifecycle"), then the command's own arguments.
_LAUNCH = """
import sys
import time_machine
time_machine.travel(float(sys.argv[1]), tick=True).start()
from flask.cli import main
sys.argv = ["flask", "--app", "wsgi", sys.argv[2], "tick", *sys.argv[3:]]
main()
"""


class TickProcess:
    """`flask --app wsgi sla tick` (or `group`'s tick) in its own process, against the
    test's database, its clock at `moment`."""

    def __init__(
        self, database_url: str, moment: datetime, log: Path, *args: str, group: str = "sla"
    ) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PERMIT_ENV": "development",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, str(moment.timestamp()), group, *args],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait(self, seconds: float = 60) -> int:
        return self.process.wait(timeout=seconds)

    def stop(self) -> int:
        """SIGTERM, as systemd or honcho stops it; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.wait(20)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


def written_count(output: str) -> int:
    """N from the summary line's "wrote N notices"."""
    found = re.search(r"wrote (\d+) notices?", output)
    assert found, output
    return int(found.group(1))
