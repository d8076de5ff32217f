"""What the notification tests share: a real SMTP server that keeps what it receives,
reading the outbox back, and `flask notify work` as a separate process."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
#: The right-hand side of every Message-ID in these tests.
DOMAIN = "permit.test"


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd's Controller cannot take port 0: it checks
    that its server answers by connecting to the port it was given)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Mailbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it is given.

    `delay`: seconds it takes over each message after it has it, before it answers 250
    (so a sender killed meanwhile has delivered the message without knowing it).
    `answers`: a reply to RCPT TO for some addresses, e.g. {"a@x": "550 No such user"}.
    `hold`: the n-th message is kept unanswered until `release()`: its sender waits.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        delay: float = 0.0,
        answers: dict[str, str] | None = None,
        hold: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.delay = delay
        self.answers = answers or {}
        self.hold = hold
        self._released = threading.Event()
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
        self._controller.stop()

    # aiosmtpd calls these.
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        answer = self.answers.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
            held = len(self._received) == self.hold
        while held and not self._released.is_set():
            await asyncio.sleep(0.01)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def outbox() -> list[OutboxMessage]:
    """Every outbox row as committed now (a fresh read, not this session's copies)."""
    db.session.remove()
    rows = list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    # Detached as read, and the transaction ended: on SQLite every transaction holds the
    # write lock (BEGIN IMMEDIATE), which a worker process would otherwise wait for.
    db.session.expunge_all()
    db.session.rollback()
    return rows


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


class Worker:
    """`flask --app wsgi notify work` in its own process, against the test's database."""

    def __init__(self, database_url: str, smtp_url: str, log: Path, **settings: str) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SMTP_URL": smtp_url,
            "MAIL_MESSAGE_ID_DOMAIN": DOMAIN,
            "PERMIT_ENV": "development",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "notify", "work"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # SIGKILL: no clean-up of any kind
        self.process.wait(timeout=10)


def submit_many(world: Any, count: int) -> int:
    """`count` requests submitted and committed: two messages each (both Security
    approvers). The number of messages."""
    for _ in range(count):
        world.submitted()
    db.session.commit()
    return len(outbox())


def message_ids(rows: list[OutboxMessage]) -> set[str]:
    return {row.message_id(DOMAIN) for row in rows}
