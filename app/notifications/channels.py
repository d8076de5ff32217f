"""How a message leaves: by SMTP (`SMTP_URL`), by GOV.UK Notify (`NOTIFY_API_KEY`), or,
where neither is set, into the log.

A channel raises `TemporaryFailure` (try again later: connection refused, a 4xx reply) or
`PermanentFailure` (never try again: a 5xx reply, an address refused for good).
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import unquote, urlsplit

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from app.models.notifications import OutboxMessage

log = logging.getLogger("permit.notifications")


class DeliveryFailure(Exception):
    pass


class TemporaryFailure(DeliveryFailure):
    pass


class PermanentFailure(DeliveryFailure):
    pass


class BadSetting(Exception):
    """A channel setting that cannot work: the worker stops at start, naming it."""


class Channel(Protocol):
    name: str

    def send(self, message: OutboxMessage, message_id: str) -> None: ...


class LogChannel:
    """Development's channel: the message goes to the log (and stays on the admin Outbox
    page), so `make run` shows what would be sent without a mail server."""

    name = "log"

    def send(self, message: OutboxMessage, message_id: str) -> None:
        log.info(
            "notification %s to %s: %s\n%s",
            message_id,
            message.recipient_email,
            message.subject,
            message.body,
        )


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    #: "ssl" (smtps://, TLS from the start), "starttls" (smtp:// upgraded), or "none".
    security: str
    username: str | None
    password: str | None
    sender: str
    timeout: float = 10.0


def smtp_settings(url: str, sender: str, starttls: bool) -> SmtpSettings:
    """`smtp://user:password@host:port` or `smtps://…`; refuse anything else, clearly."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise BadSetting(
            f"SMTP_URL must look like smtp://host:port or smtps://user:password@host:port, "
            f"not {_redacted(url)!r}"
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise BadSetting(f"SMTP_URL has a port that is not a number: {_redacted(url)!r}") from None
    security = "ssl" if parts.scheme == "smtps" else ("starttls" if starttls else "none")
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def _redacted(url: str) -> str:
    """`url` fit to print in an error: whatever precedes its host (user, password) hidden."""
    head, at, host = url.rpartition("@")
    if not at:
        return url
    scheme, sep, _ = head.partition("://")
    return f"{scheme}{sep}***@{host}" if sep else f"***@{host}"


class SmtpChannel:
    name = "smtp"

    def __init__(self, settings: SmtpSettings, domain: str) -> None:
        self.settings, self.domain = settings, domain

    def send(self, message: OutboxMessage, message_id: str) -> None:
        email = EmailMessage()
        email["From"] = self.settings.sender
        email["To"] = message.recipient_email
        email["Subject"] = message.subject
        email["Message-ID"] = message_id
        email["Date"] = formatdate(localtime=False)
        email.set_content(message.body)
        try:
            with self._connect() as smtp:
                if self.settings.username:
                    smtp.login(self.settings.username, self.settings.password or "")
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            failure = PermanentFailure if all(c >= 500 for c in codes) else TemporaryFailure
            raise failure(f"recipient refused: {error.recipients}") from None
        except smtplib.SMTPResponseException as error:
            text = (
                error.smtp_error.decode(errors="replace")
                if isinstance(error.smtp_error, bytes)
                else str(error.smtp_error)
            )
            failure = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
            raise failure(f"SMTP {error.smtp_code}: {text}") from None
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, dropped
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            return smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        if s.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: A Notify API key: its name, then the service id and the secret, each a UUID.
_NOTIFY_KEY = re.compile(r"^.+-([0-9a-f-]{36})-([0-9a-f-]{36})$")


class NotifyChannel:
    """GOV.UK Notify: one template per kind of message, filled in with its fields.

    Notify's `reference` is the message's id, so a redelivery after a crash shows in
    Notify's records as the same message twice.
    """

    name = "notify"

    def __init__(self, client: NotificationsAPIClient, templates: dict[str, str]) -> None:
        self.client, self.templates = client, templates

    def send(self, message: OutboxMessage, message_id: str) -> None:
        try:
            self.client.send_email_notification(
                email_address=message.recipient_email,
                template_id=self.templates[message.kind],
                personalisation=message.personalisation,
                reference=message_id.strip("<>"),
            )
        except APIError as error:
            status = error.status_code
            # 429 (rate limit) and 5xx pass; any other 4xx is this message's fault for good
            # (a bad address, a team-only key), and trying again would only repeat it.
            failure = TemporaryFailure if status == 429 or status >= 500 else PermanentFailure
            raise failure(f"Notify {status}: {_notify_reason(error)}") from None


def _notify_reason(error: APIError) -> str:
    reason = error.message
    if isinstance(reason, list):  # Notify's {"errors": [{"error": ..., "message": ...}]}
        reason = "; ".join(str(item.get("message", item)) for item in reason)
    return str(reason)


def notify_channel(config: dict, kinds: Iterable[str]) -> NotifyChannel:
    """The Notify channel, once its key and a template id for every kind check out."""
    key = config["NOTIFY_API_KEY"]
    found = _NOTIFY_KEY.match(key)
    if not found or not all(_UUID.match(part) for part in found.groups()):
        raise BadSetting(
            "NOTIFY_API_KEY is not a GOV.UK Notify API key: copy the whole key from "
            "Notify's API integration page (its name, service id and secret)"
        )
    templates = config["NOTIFY_TEMPLATE_IDS"]
    for kind in kinds:
        setting = f"NOTIFY_TEMPLATE_{kind.upper()}"
        if not templates.get(kind):
            raise BadSetting(f"{setting} is not set: give the id of Notify's template for it")
        if not _UUID.match(templates[kind]):
            raise BadSetting(f"{setting} is not a Notify template id (a UUID)")
    client = NotificationsAPIClient(key, base_url=config["NOTIFY_BASE_URL"], timeout=10)
    return NotifyChannel(client, dict(templates))


def channel_from_config(config: dict, kinds: Iterable[str] = ()) -> Channel:
    """The channel the settings choose; BadSetting names a setting that cannot work.

    `kinds` are the kinds of message the worker may send: Notify needs a template each.
    """
    url, key = config.get("SMTP_URL"), config.get("NOTIFY_API_KEY")
    if url and key:
        raise BadSetting("SMTP_URL and NOTIFY_API_KEY are both set: choose one channel")
    if key:
        return notify_channel(config, kinds)
    if not url:
        return LogChannel()
    settings = smtp_settings(url, config["MAIL_FROM"], config["SMTP_STARTTLS"])
    return SmtpChannel(settings, config["MAIL_MESSAGE_ID_DOMAIN"])
