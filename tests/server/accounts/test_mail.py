"""The mailer: which transport the configuration picks, and what each does."""
import smtplib

import pytest

from server import create_app
from server.accounts import mail


class FakeSmtp:
    """Stands in for smtplib.SMTP / SMTP_SSL and remembers what was asked of it."""

    sessions = []

    def __init__(self, host, port, timeout=None, context=None):
        self.calls = [("connect", host, port, "ssl" if context is not None else "plain")]
        FakeSmtp.sessions.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.calls.append(("quit",))

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSmtp.sessions = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSmtp)
    monkeypatch.setattr(smtplib, "SMTP_SSL", FakeSmtp)
    return FakeSmtp


def _app(tmp_path, monkeypatch, **config):
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    return create_app({"DATABASE_URL": "sqlite://", **config})


def test_tests_get_an_in_memory_outbox(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, TESTING=True)
    with app.app_context():
        assert isinstance(mail.mailer(), mail.MemoryMailer)
        assert app.extensions[mail.EXTENSION] is mail.mailer()


def test_smtp_when_a_host_is_configured(tmp_path, monkeypatch, fake_smtp):
    app = _app(tmp_path, monkeypatch, TESTING=True, SMTP_HOST="smtp.example.it", SMTP_USER="mentoring",
               SMTP_PASSWORD="segreta", SMTP_FROM="Mentoring <noreply@example.it>")
    with app.app_context():
        mailer = mail.mailer()
        assert isinstance(mailer, mail.SmtpMailer) and mailer.port == 587
        message = mail.message(to="persona@example.it", subject="Prova", body="Ciao")
        assert message["From"] == "Mentoring <noreply@example.it>"
        mailer.send(message).join(timeout=5)

    (session,) = fake_smtp.sessions
    assert session.calls == [("connect", "smtp.example.it", 587, "plain"), ("starttls",),
                             ("login", "mentoring", "segreta"), ("send", "persona@example.it"), ("quit",)]


def test_smtp_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORING_SMTP_HOST", "smtp.example.it")
    monkeypatch.setenv("MENTORING_SMTP_PORT", "465")
    app = _app(tmp_path, monkeypatch, TESTING=True)
    with app.app_context():
        mailer = mail.mailer()
    assert (mailer.host, mailer.port) == ("smtp.example.it", 465)


def test_port_465_is_tls_from_the_start(fake_smtp):
    mailer = mail.SmtpMailer(host="smtp.example.it", port=465)
    assert mailer.deliver(mail.EmailMessage()) is True
    assert fake_smtp.sessions[0].calls[0] == ("connect", "smtp.example.it", 465, "ssl")
    assert ("starttls",) not in fake_smtp.sessions[0].calls


def test_a_delivery_failure_is_logged_not_raised(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("nobody listens")
    monkeypatch.setattr(smtplib, "SMTP", refuse)

    assert mail.SmtpMailer(host="127.0.0.1", port=2525).deliver(mail.EmailMessage()) is False
    assert "ConnectionRefusedError" in caplog.text


def test_without_smtp_a_demo_writes_eml_files_for_its_owner(tmp_path, monkeypatch, caplog):
    app = _app(tmp_path, monkeypatch, DEVELOPMENT=True)
    with app.app_context():
        mailer = mail.mailer()
        assert isinstance(mailer, mail.FileMailer)
        mailer.send(mail.message(to="persona@example.it", subject="Prova", body="Ciao"))

    (written,) = (tmp_path / "instance" / "mail").iterdir()
    assert written.suffix == ".eml" and written.stat().st_mode & 0o777 == 0o600
    assert b"Subject: Prova" in written.read_bytes()
    assert str(written) in caplog.text
