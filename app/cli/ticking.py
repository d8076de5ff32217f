"""What the scheduled commands (`sla tick`, `lifecycle tick`) share: the `--every` loop,
which stops cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

import click

from app.extensions import db

#: The `--every SECONDS` option each tick command takes.
every_option = click.option(
    "--every",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Run again every SECONDS until stopped, saying only what it did.",
)


def run_every(every: float, run_once: Callable[[Callable[[], bool]], None]) -> None:
    """Call `run_once(stopping)` every `every` seconds until SIGTERM or SIGINT, each with
    a session of its own; `stopping()` says a signal came, so the run can finish the item
    in hand and return."""
    stop = threading.Event()

    def stopping(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, stopping) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stop.is_set():
            run_once(stop.is_set)
            db.session.remove()
            if stop.wait(every):
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
