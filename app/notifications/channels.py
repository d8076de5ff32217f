"""How a message leaves: by SMTP (`SMTP_URL`), or, where none is set, into the log.

A channel raises `TemporaryFailure` (try again later: connection refused, a 4xx reply) or
`PermanentFailure` (never try again: a 5xx reply, an address refused for good).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import unquote, urlsplit

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


def channel_from_config(config: dict) -> Channel:
    """The channel the settings choose; BadSetting names a setting that cannot work."""
    url = config.get("SMTP_URL")
    if not url:
        return LogChannel()
    settings = smtp_settings(url, config["MAIL_FROM"], config["SMTP_STARTTLS"])
    return SmtpChannel(settings, config["MAIL_MESSAGE_ID_DOMAIN"])
