"""What the database says about the service, read when Prometheus scrapes.

These are states, not events: requests waiting, messages not yet sent, the chain's length,
when it was last verified. Whichever process is scraped reads them from the database, so
they are right however many workers or instances there are, and never multiplied by the
number of workers (they are not kept in prometheus_client's per-process files at all).
A scrape costs a handful of small indexed queries.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.deadlines.working_days import london_day
from app.models.audit import AuditEvent
from app.models.audit_checks import AuditCheck, CheckStatus
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.platforms import Stage
from app.models.requests import AccessRequest
from app.models.types import utcnow
from app.rules.workflow import Status

log = logging.getLogger("permit.metrics")


@dataclass(frozen=True)
class ServiceState:
    #: Requests in review, by the code of the stage deciding them (every stage, 0 if none).
    in_review: dict[str, int]
    #: Of those, the ones past their stage's due date (overdue from the day after it).
    overdue: dict[str, int]
    #: Outbox messages by `DeliveryStatus` (every status, 0 if none).
    outbox: dict[str, int]
    #: When the oldest message still pending was written; None when none is pending.
    oldest_pending_at: datetime | None
    #: Events in the audit chain: the head's seq, as seqs run 1, 2, 3 ... without gaps.
    chain_length: int
    #: When the last check that passed finished; None if none ever has.
    last_verified_at: datetime | None
    #: The last check to reach a verdict found the chain broken.
    chain_broken: bool


def read_service_state(session: Session, now: datetime | None = None) -> ServiceState:
    """The service's state now, in a few queries on `session` (which it only reads)."""
    now = now or utcnow()
    today = london_day(now)
    stages = list(session.scalars(select(Stage.code).order_by(Stage.code)))
    in_review = dict.fromkeys(stages, 0)
    overdue = dict.fromkeys(stages, 0)
    waiting = session.execute(
        select(
            AccessRequest.current_stage,
            func.count(),
            func.count().filter(AccessRequest.stage_due_on < today),
        )
        .where(AccessRequest.status == str(Status.IN_REVIEW))
        .group_by(AccessRequest.current_stage)
    )
    for stage, count, late in waiting:
        if stage is not None:
            in_review[stage] = int(count)
            overdue[stage] = int(late)
    outbox = dict.fromkeys([str(status) for status in DeliveryStatus], 0)
    for status, count in session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ):
        outbox[status] = int(count)
    oldest_pending_at = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == str(DeliveryStatus.PENDING)
        )
    )
    head = session.scalar(select(func.max(AuditEvent.seq)))
    last_verified_at = session.scalar(
        select(func.max(AuditCheck.finished_at)).where(AuditCheck.status == str(CheckStatus.PASSED))
    )
    verdict = session.scalar(
        select(AuditCheck.status)
        .where(AuditCheck.status.in_([str(CheckStatus.PASSED), str(CheckStatus.FAILED)]))
        .order_by(AuditCheck.finished_at.desc(), AuditCheck.id.desc())
        .limit(1)
    )
    return ServiceState(
        in_review=in_review,
        overdue=overdue,
        outbox=outbox,
        oldest_pending_at=oldest_pending_at,
        chain_length=int(head or 0),
        last_verified_at=last_verified_at,
        chain_broken=verdict == CheckStatus.FAILED,
    )


class ServiceStateCollector(Collector):
    """A prometheus_client collector: the service's state, read at each scrape by `read`.

    When the database cannot be read, the scrape still succeeds, with
    permit_database_up 0 and none of the other gauges (the process's own metrics carry on).
    """

    def __init__(self, read: Callable[[], ServiceState]) -> None:
        self.read = read

    def describe(self) -> list[GaugeMetricFamily]:
        # Nothing up front: registering must not query the database.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = utcnow()
        try:
            state = self.read()
        except SQLAlchemyError:
            log.exception("metrics: the database could not be read")
            yield _gauge("permit_database_up", "1 if this scrape could read the database.", 0)
            return
        yield _gauge("permit_database_up", "1 if this scrape could read the database.", 1)
        yield _by_stage(
            "permit_requests_in_review",
            "Requests waiting for a decision, by the stage deciding them.",
            state.in_review,
        )
        yield _by_stage(
            "permit_requests_overdue",
            "Requests in review past their stage's due date, by stage.",
            state.overdue,
        )
        outbox = GaugeMetricFamily(
            "permit_outbox_messages",
            "Outbox messages by delivery status (pending: not sent yet; failed: given up).",
            labels=["status"],
        )
        for status, count in state.outbox.items():
            outbox.add_metric([status], count)
        yield outbox
        yield _gauge(
            "permit_outbox_oldest_pending_age_seconds",
            "Age of the oldest message still pending; 0 when none is.",
            _seconds_since(state.oldest_pending_at, now, never=0.0),
        )
        yield _gauge(
            "permit_audit_chain_length",
            "Events in the audit chain.",
            state.chain_length,
        )
        yield _gauge(
            "permit_audit_seconds_since_verified",
            "Seconds since the last audit check that passed finished; +Inf if none has.",
            _seconds_since(state.last_verified_at, now, never=math.inf),
        )
        yield _gauge(
            "permit_audit_chain_broken",
            "1 if the last audit check to reach a verdict found the chain broken.",
            int(state.chain_broken),
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _by_stage(name: str, documentation: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=["stage"])
    for stage, count in counts.items():
        family.add_metric([stage], count)
    return family


def _seconds_since(moment: datetime | None, now: datetime, *, never: float) -> float:
    return never if moment is None else max((now - moment).total_seconds(), 0.0)
