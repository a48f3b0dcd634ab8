"""Mail leaves through the outbox: written with the change, delivered by a job, tried
again with growing delays, sent once, erased once sent, never logged."""
import smtplib
from datetime import datetime, timedelta, timezone

import pytest

from server.accounts import mail
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import DONE, QUEUED, Job

SECRET_BODY = "Il tuo link: https://mentoring.example.it/login?magic=segretissimo"


class FlakySmtp:
    """smtplib.SMTP that refuses the first ``refusals`` connections, then takes mail."""

    refusals = 0
    sent = []

    def __init__(self, host, port, timeout=None, context=None):
        if FlakySmtp.refusals > 0:
            FlakySmtp.refusals -= 1
            raise ConnectionRefusedError("nobody listens")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass

    def starttls(self, context=None):
        pass

    def send_message(self, message):
        FlakySmtp.sent.append(message["Message-ID"])


@pytest.fixture
def smtp(app, monkeypatch):
    app.config.update(SMTP_HOST="smtp.example.it", SMTP_PORT=587)
    FlakySmtp.refusals, FlakySmtp.sent = 0, []
    monkeypatch.setattr(smtplib, "SMTP", FlakySmtp)
    return FlakySmtp


def _queue_one(app):
    with app.app_context():
        queued = mail.send(mail.message(to="persona@example.it", subject="Accesso", body=SECRET_BODY))
        message_id = queued.message_id
        db.session.commit()
        return queued.id, message_id


def test_a_rolled_back_change_sends_no_mail(app):
    with app.app_context():
        mail.send(mail.message(to="persona@example.it", subject="Accesso", body=SECRET_BODY))
        db.session.rollback()
        db.session.commit()
        assert mail.mailer().outbox == []
        assert db.session.scalar(db.select(db.func.count()).select_from(mail.OutboxMessage)) == 0


def test_a_committed_message_is_sent_once_and_erased(app):
    outbox_id, message_id = _queue_one(app)
    with app.app_context():
        (sent,) = mail.mailer().outbox
        assert sent["Message-ID"] == message_id and SECRET_BODY in sent.get_content()
        stored = db.session.get(mail.OutboxMessage, outbox_id)
        assert (stored.state, stored.raw, stored.attempts) == (mail.SENT, None, 1)
        job = db.session.scalar(db.select(Job).filter_by(key=f"mail:{outbox_id}"))
        job.state = QUEUED  # delivered again, as Redis may
        db.session.commit()
        assert len(mail.mailer().outbox) == 1


def test_a_refused_delivery_is_tried_again_later_then_sent_once(app, smtp, capfd):
    smtp.refusals = 1
    outbox_id, message_id = _queue_one(app)
    with app.app_context():
        stored = db.session.get(mail.OutboxMessage, outbox_id)
        job = db.session.scalar(db.select(Job).filter_by(key=f"mail:{outbox_id}"))
        assert (stored.state, stored.attempts, smtp.sent) == (mail.PENDING, 1, [])
        assert (job.state, job.error) == (QUEUED, "mail_not_delivered")
        assert job.run_after - datetime.now(timezone.utc) > timedelta(seconds=50)  # RETRY_DELAYS[0]

        assert jobs_api.sweep(now=datetime.now(timezone.utc)) == []  # not yet due
        jobs_api.sweep(now=datetime.now(timezone.utc) + mail.RETRY_DELAYS[0])  # runs it (inline)
        db.session.expire_all()
        assert db.session.get(mail.OutboxMessage, outbox_id).state == mail.SENT
        assert db.session.get(Job, job.id).state == DONE
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(days=1))
    assert smtp.sent == [message_id]
    assert "segretissimo" not in "".join(capfd.readouterr())


def test_a_message_is_given_up_after_its_last_retry(app, smtp):
    smtp.refusals = len(mail.RETRY_DELAYS) + 1
    outbox_id, _ = _queue_one(app)
    with app.app_context():
        later = datetime.now(timezone.utc)
        for delay in mail.RETRY_DELAYS:
            later += delay
            jobs_api.sweep(now=later)
        db.session.expire_all()
        stored = db.session.get(mail.OutboxMessage, outbox_id)
        assert (stored.state, stored.attempts, stored.raw) == (mail.FAILED, len(mail.RETRY_DELAYS) + 1, None)
    assert smtp.sent == []
