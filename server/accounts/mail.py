"""Sending mail: one small interface, three transports.

- ``SmtpMailer`` when ``MENTORING_SMTP_HOST`` is set (with ``_PORT``, default 587;
  ``_USER``, ``_PASSWORD``; ``_FROM``; ``_STARTTLS``, default true; port 465 means
  TLS from the first byte). It delivers on a short-lived thread, so an answer that
  sent mail takes no longer than one that did not: the magic-link endpoint must not
  tell, even by its timing, whether an address has an account.
- ``MemoryMailer`` under ``TESTING``: messages stay in ``outbox`` for the tests to read.
- ``FileMailer`` otherwise (``make demo`` on a laptop): each message becomes an
  ``.eml`` file, readable by its owner only, in ``<instance>/mail/``; the log says
  where. Outside development that is a misconfiguration, and the log says so too.

The messages carry secrets (login links), so the log never shows their body: only
where a message went, or that delivery failed.
"""
import logging
import os
import smtplib
import ssl
import threading
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXTENSION = "mentoring.mailer"
DEFAULT_SENDER = "Mentoring <noreply@localhost>"


class Mailer:
    """What the use cases see: ``send(message)``. It must not raise for a delivery
    problem (the caller's answer cannot depend on it); transports log failures."""

    def send(self, message: EmailMessage) -> None:
        raise NotImplementedError


class MemoryMailer(Mailer):
    def __init__(self):
        self.outbox: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)


class FileMailer(Mailer):
    def __init__(self, directory: str | os.PathLike, *, development: bool):
        self.directory = Path(directory)
        self.development = development

    def send(self, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
            path = self.directory / f"{stamp}-{os.urandom(4).hex()}.eml"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(message.as_bytes())
        except OSError as error:
            log.error("mail not written: %s", type(error).__name__)
            return
        if self.development:
            log.warning("no SMTP server configured: mail written to %s", path)
        else:
            log.error("MENTORING_SMTP_HOST is not set: mail written to %s instead of being sent", path)


class SmtpMailer(Mailer):
    def __init__(self, *, host: str, port: int = 587, user: str | None = None, password: str | None = None,
                 starttls: bool = True, timeout: float = 20.0):
        self.host, self.port, self.user, self.password = host, int(port), user, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, message: EmailMessage) -> threading.Thread:
        worker = threading.Thread(target=self.deliver, args=(message,), name="mentoring-mail", daemon=True)
        worker.start()
        return worker

    def deliver(self, message: EmailMessage) -> bool:
        context = ssl.create_default_context()
        try:
            if self.port == 465:
                connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with connection:
                if self.port != 465 and self.starttls:
                    connection.starttls(context=context)
                if self.user:
                    connection.login(self.user, self.password or "")
                connection.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            log.error("mail not delivered via %s:%s: %s", self.host, self.port, type(error).__name__)
            return False
        log.info("mail delivered via %s:%s", self.host, self.port)
        return True


def _flag(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def make_mailer(app: Flask) -> Mailer:
    """The transport the configuration asks for (see the module docstring)."""
    config = app.config
    if config.get("SMTP_HOST"):
        return SmtpMailer(host=config["SMTP_HOST"], port=int(config.get("SMTP_PORT") or 587),
                          user=config.get("SMTP_USER"), password=config.get("SMTP_PASSWORD"),
                          starttls=_flag(config.get("SMTP_STARTTLS"), True))
    if app.testing:
        return MemoryMailer()
    return FileMailer(os.path.join(app.instance_path, "mail"), development=bool(config.get("DEVELOPMENT")))


def mailer() -> Mailer:
    """The app's mailer, made on first use and kept in ``app.extensions``."""
    app = current_app._get_current_object()
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = make_mailer(app)
    return app.extensions[EXTENSION]


def sender() -> str:
    return current_app.config.get("SMTP_FROM") or current_app.config.get("SMTP_USER") or DEFAULT_SENDER


def message(*, to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender()
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="mentoring")
    mail.set_content(body)
    return mail


def send(mail: EmailMessage) -> None:
    mailer().send(mail)
