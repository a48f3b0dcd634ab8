"""Sending mail: a durable outbox, one small interface, three transports.

``send(message)`` writes the message to ``outbox_message`` in the caller's transaction
(it exists exactly when the business change does) and enqueues a ``mail.deliver`` job
(server/jobs). The job hands it to the transport; on a failure it is tried again with
growing delays (``RETRY_DELAYS``), then left ``failed``. A message is sent once: the
job is claimed by one worker at a time and a message already ``sent`` is not sent
again; its ``Message-ID`` is fixed when it is written, so in the one unlucky case (a
worker killed after the server took it and before ``sent`` was stored) the copy that
goes again carries the same id and mail systems drop the duplicate. Once sent, the
stored message (it may carry a login link) is erased.

- ``SmtpMailer`` when ``MENTORING_SMTP_HOST`` is set (with ``_PORT``, default 587;
  ``_USER``, ``_PASSWORD``; ``_FROM``; ``_STARTTLS``, default true; port 465 means
  TLS from the first byte). The SMTP conversation happens in the job, never in the
  request, so an answer that sent mail takes no longer than one that did not: the
  magic-link endpoint must not tell, even by its timing, whether an address has an
  account (without Redis, inline jobs of this kind run on a thread for that reason).
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
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.db_types import UtcDateTime
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.exceptions import RetryLater

log = logging.getLogger(__name__)

EXTENSION = "mentoring.mailer"
DEFAULT_SENDER = "Mentoring <noreply@localhost>"


class Mailer:
    """What the use cases see: ``send(message)``. It must not raise for a delivery
    problem (the caller's answer cannot depend on it); transports log failures."""

    def send(self, message: EmailMessage) -> None:
        raise NotImplementedError

    def deliver(self, message: EmailMessage) -> bool:
        """Hand the message over now; False if it could not be (try again later)."""
        self.send(message)
        return True


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


PENDING, SENT, FAILED = "pending", "sent", "failed"
# After the first failure, wait this long before each next attempt; then give up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=8))
DELIVER = "mail.deliver"


class OutboxMessage(db.Model):
    """A message to send, written with the change that causes it."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)
    # The whole message (RFC 5322 bytes); erased once sent: it may carry a login link.
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    state: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def send(mail: EmailMessage, *, even_if_rolled_back: bool = False) -> OutboxMessage | None:
    """Queue the message in the current transaction (see the module docstring).

    ``even_if_rolled_back``: the message tells of a refusal, not of a change (the
    lockout notice goes with a 429, whose transaction is rolled back). It is written in
    a transaction of its own as soon as the current one ends, however it ends."""
    if even_if_rolled_back:
        db.session.info.setdefault(_AFTER_TRANSACTION, []).append(mail)
        return None
    if not mail["Message-ID"]:
        mail["Message-ID"] = make_msgid(domain="mentoring")
    queued = OutboxMessage(message_id=str(mail["Message-ID"]), raw=mail.as_bytes(), state=PENDING, attempts=0,
                           created_at=datetime.now(timezone.utc))
    db.session.add(queued)
    db.session.flush()
    jobs_api.enqueue(DELIVER, {"outbox_id": queued.id}, key=f"mail:{queued.id}")
    return queued


_AFTER_TRANSACTION = "mentoring.mail.after_transaction"


@event.listens_for(Session, "after_transaction_end")
def _send_independent(session, transaction):
    if transaction.parent is not None or not session.info.get(_AFTER_TRANSACTION):
        return
    messages = session.info.pop(_AFTER_TRANSACTION)
    # The caller's transaction is over (its connection released): a session of our own.
    with current_app._get_current_object().app_context():
        for message in messages:
            send(message)
        db.session.commit()


@jobs_api.handler(DELIVER, background_when_inline=True, queue="mail")
def deliver(job, run) -> dict:
    outbox_id = job.args["outbox_id"]
    queued = db.session.get(OutboxMessage, outbox_id)
    if queued is None or queued.state != PENDING:
        db.session.rollback()
        return {"sent": False}
    message = BytesParser(policy=policy.default).parsebytes(queued.raw)
    # No transaction stays open during the SMTP conversation (on SQLite it would hold
    # the database's write lock): the job's claim already keeps other workers away.
    db.session.rollback()
    delivered = mailer().deliver(message)
    run.lock()  # still this attempt's job
    queued = db.session.get(OutboxMessage, outbox_id)
    queued.attempts += 1
    if delivered:
        queued.state, queued.sent_at, queued.raw = SENT, datetime.now(timezone.utc), None
        db.session.flush()
        log.info("mail sent", extra={"outbox_id": outbox_id})
        return {"sent": True}
    if queued.attempts > len(RETRY_DELAYS):
        queued.state, queued.raw = FAILED, None
        db.session.flush()
        log.error("mail given up", extra={"outbox_id": outbox_id, "attempts": queued.attempts})
        return {"sent": False}
    delay = RETRY_DELAYS[queued.attempts - 1]
    run.checkpoint(done=0)  # keep the attempt count through the retry
    raise RetryLater(delay, code="mail_not_delivered")
