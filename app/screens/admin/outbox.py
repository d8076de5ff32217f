"""The admin's Outbox: every notification the service has written, newest first, what
became of it, and a Retry for one that failed.

In development, with no SMTP_URL, messages go to the log (app.notifications.channels), so
this is also where an admin sees what would have been sent. Admins only. Retry is a POST
with a CSRF token; anything but a failed message is refused (409) and left as it is.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.extensions import db
from app.models.notifications import DeliveryStatus, OutboxMessage
from app.operations.retry_notification import retry_notification
from app.reads.pagination import pagination
from app.rules.roles import Role
from app.screens.admin import blueprint
from app.screens.admin.queries import (
    delivery_status,
    outbox_page,
    status_counts,
)
from app.web.client import client_from_request
from app.web.guards import role_required

#: Each delivery status as a GOV.UK tag: its words and colour (no modifier is blue).
DELIVERY_TAGS: dict[str, dict[str, str]] = {
    DeliveryStatus.PENDING: {"text": "Pending", "classes": ""},
    DeliveryStatus.SENT: {"text": "Sent", "classes": "govuk-tag--green"},
    DeliveryStatus.FAILED: {"text": "Failed", "classes": "govuk-tag--red"},
    DeliveryStatus.HELD: {"text": "For a digest", "classes": "govuk-tag--grey"},
    DeliveryStatus.DIGESTED: {"text": "In a digest", "classes": "govuk-tag--turquoise"},
}

#: Largest id a URL may name: more cannot be a row (and SQLite refuses such a number).
MESSAGE_ID_MAX = 2**31 - 1

#: The filter's choices, in the order it offers them; None is every message.
FILTER_CHOICES: tuple[DeliveryStatus | None, ...] = (
    None,
    DeliveryStatus.PENDING,
    DeliveryStatus.FAILED,
    DeliveryStatus.SENT,
    DeliveryStatus.HELD,
)


@blueprint.get("/outbox")
@role_required(Role.ADMIN)
def outbox() -> ResponseReturnValue:
    status = delivery_status(request.args.get("status"))
    counts = status_counts()
    total = counts[status] if status is not None else sum(counts.values())
    page = outbox_page(status, request.args.get("page", 1, type=int), total)
    if page is None:
        abort(404)
    return render_template(
        "admin/outbox.html",
        page=page,
        status=status,
        filters=_filter_items(status, counts),
        pagination=pagination(page, lambda number: _outbox_url(status, number)),
        tags=DELIVERY_TAGS,
    )


@blueprint.get("/outbox/<int:message_id>")
@role_required(Role.ADMIN)
def outbox_message(message_id: int) -> ResponseReturnValue:
    message = _message_or_404(message_id)
    return render_template(
        "admin/outbox_message.html",
        message=message,
        message_id=message.message_id(current_app.config["MAIL_MESSAGE_ID_DOMAIN"]),
        reference=message.request.reference if message.request else None,
        tags=DELIVERY_TAGS,
    )


@blueprint.post("/outbox/<int:message_id>/retry")
@role_required(Role.ADMIN)
def retry_outbox_message(message_id: int) -> ResponseReturnValue:
    message = _message_or_404(message_id)
    # A message that has not failed is refused (InvalidTransition: a 409 page).
    retry_notification(message, current_user, client=client_from_request())
    db.session.commit()
    flash(f"The message to {message.recipient_email} will be sent again", "success")
    return redirect(url_for("admin.outbox_message", message_id=message.id))


def _message_or_404(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id) if message_id <= MESSAGE_ID_MAX else None
    if message is None:
        abort(404)
    return message


def _outbox_url(status: DeliveryStatus | None, number: int = 1) -> str:
    """The outbox at page `number`, keeping the status filter."""
    args: dict[str, Any] = {}
    if status is not None:
        args["status"] = str(status)
    if number > 1:
        args["page"] = number
    return url_for("admin.outbox", **args)


def _filter_items(
    status: DeliveryStatus | None, counts: dict[DeliveryStatus, int]
) -> list[dict[str, Any]]:
    """govukRadios() items for the status filter, each with how many messages it shows."""
    items = []
    for choice in FILTER_CHOICES:
        label = "All" if choice is None else DELIVERY_TAGS[choice]["text"]
        number = sum(counts.values()) if choice is None else counts[choice]
        items.append(
            {
                "value": "" if choice is None else str(choice),
                "text": f"{label} ({number:,})",
                "checked": choice == status,
            }
        )
    return items
