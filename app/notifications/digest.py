"""Daily digests: one message a day to each person who chose them, telling everything held
for them since their last (app.notifications.rules holds their messages).

`gather_digests(day)` is what `flask notify digest` runs, once a day from cron. It is
idempotent per person per day: a digest is unique by (person, day), so running it again
that day, or on two hosts at once, writes nothing more; what is held after a person's
digest for the day waits for the next day's. The digest goes out through the outbox like
any other message, so the worker's retries and leases apply to it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.models.users import User
from app.notifications.messages import SERVICE
from app.rules.formatting import uk_date


@dataclass
class DigestTally:
    #: Digests written now, and the messages they tell.
    written: int = 0
    told: int = 0
    #: People who already had today's digest when this run came to them.
    already: int = 0


def gather_digests(day: date) -> DigestTally:
    """Write `day`'s digest (the CLI gives today in London) for everyone with held
    messages, one person per transaction, each committed."""
    tally = DigestTally()
    people = list(
        db.session.scalars(
            select(OutboxMessage.recipient_id)
            .where(OutboxMessage.status == DeliveryStatus.HELD)
            .distinct()
            .order_by(OutboxMessage.recipient_id)
        )
    )
    db.session.rollback()
    for person in people:
        try:
            told = _digest_for(person, day)
            db.session.commit()
        except IntegrityError:  # another host wrote this person's digest for `day` first
            db.session.rollback()
            told = None
        if told is None:
            tally.already += 1
        elif told:
            tally.written += 1
            tally.told += told
    return tally


def _digest_for(person_id: int, day: date) -> int | None:
    """Write one person's digest for `day`: how many messages it tells (0: none held, or
    they can no longer sign in); None if they had that day's digest already."""
    done = db.session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.recipient_id == person_id,
            OutboxMessage.kind == "digest",
            OutboxMessage.digest_day == day,
        )
    )
    if done is not None:
        return None
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.recipient_id == person_id,
            OutboxMessage.status == DeliveryStatus.HELD,
        )
        .order_by(OutboxMessage.id)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # A second host gathering at the same moment waits here, then finds none held.
        query = query.with_for_update(of=OutboxMessage)
    held = list(db.session.scalars(query))
    person = db.session.get_one(User, person_id)
    if not held or not person.active:
        return 0
    subject, body, fields = compose_digest(held, day)
    digest = OutboxMessage(
        kind="digest",
        audit_seq=None,
        request_id=None,
        recipient_id=person.id,
        recipient_email=person.email,
        subject=subject,
        body=body,
        personalisation=fields,
        digest_day=day,
    )
    db.session.add(digest)
    db.session.flush()  # the unique (person, kind, day) refuses a second digest here
    for message in held:
        message.status = str(DeliveryStatus.DIGESTED)
        message.digest_id = digest.id
    return len(held)


def compose_digest(held: list[OutboxMessage], day: date) -> tuple[str, str, dict]:
    """The digest's subject, body and Notify fields: each held message's subject and link,
    oldest first (so nothing the messages did not say)."""
    count = len(held)
    updates = [f"{message.subject}: {message.personalisation.get('link', '')}" for message in held]
    noun = "update" if count == 1 else "updates"
    subject = f"{SERVICE}: {count} {noun} for you, {uk_date(day)}"
    lines = "\n".join(
        f"* {message.subject}\n  {message.personalisation.get('link', '')}" for message in held
    )
    body = (
        f"Here is what happened since your last daily email.\n\n{lines}\n\n"
        "You get one email a day because you chose it on your account page. You can "
        "choose an email for each update there instead.\n\n"
        f"{SERVICE}\n"
    )
    fields = {"count": str(count), "day": uk_date(day), "updates": updates}
    return subject, body, fields
