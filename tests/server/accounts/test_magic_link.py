"""Magic-link login for members: one mail, one use, fifteen minutes, and an answer
that never tells whether an address has an account."""
import logging
import re
import threading
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from server.accounts import api as accounts_api
from server.accounts import exceptions as exc
from server.accounts import mail
from server.accounts.models import User
from server.extensions import db
from tests.server import factories
from tests.server.factories import ApiClient

MAGIC = "/api/v1/auth/magic-link"
REDEEM = "/api/v1/auth/magic-link/redeem"


@pytest.fixture
def member(app):
    with app.app_context():
        user = factories.user()
        db.session.commit()
        return user.email


def _outbox(app):
    with app.app_context():
        return mail.mailer().outbox


def _link_in(message) -> str:
    """The login link, the same in the Italian and the English text."""
    (link,) = set(re.findall(r"\S+/login\?magic=\S+", message.get_content()))
    return link


def _token_from(message) -> str:
    return parse_qs(urlsplit(_link_in(message)).query)["magic"][0]


def _ask(client, email, address="10.1.0.1"):
    return client.post(MAGIC, json={"email": email}, environ_base={"REMOTE_ADDR": address})


def _mailed_token(app, client, email) -> str:
    assert _ask(client, email).status_code == 202
    return _token_from(_outbox(app)[-1])


def test_the_answer_is_the_same_whether_or_not_the_account_exists(app, client, member):
    known = _ask(client, member)
    unknown = _ask(client, "nessuno.qui@example.it")

    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    assert known.get_json()["expires_in_seconds"] == 900
    assert [message["To"] for message in _outbox(app)] == [member]


def test_the_mail_links_to_the_login_page_with_a_token(app, client, member):
    _ask(client, member.upper())

    (message,) = _outbox(app)
    link = _link_in(message)
    assert link.startswith("http://localhost/login?magic=")
    assert "15 minuti" in message.get_content() and "15 minutes" in message.get_content()


def test_the_link_uses_the_configured_public_address(app, client, member):
    app.config["PUBLIC_BASE_URL"] = "https://mentoring.example.it/"
    _ask(client, member)

    (message,) = _outbox(app)
    assert "https://mentoring.example.it/login?magic=" in message.get_content()


def test_platform_admins_get_no_link(app, client):
    with app.app_context():
        admin = factories.user(admin=True).email
        db.session.commit()
    response = _ask(client, admin)

    assert response.status_code == 202
    assert _outbox(app) == []


def test_a_malformed_address_is_422_for_everyone(client):
    response = _ask(client, "non-un-indirizzo")

    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_email"


def test_the_link_logs_in_like_a_password(app, client, member):
    token = _mailed_token(app, client, member)

    response = client.post(REDEEM, json={"token": token})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"]["email"] == member and body["csrf_token"]
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.get_json()["csrf_token"] == body["csrf_token"]
    sponsor = {"kind": "sponsor", "name": "Con il link", "municipality": "Milano", "vat_number": factories.VALID_VAT}
    written = client.post("/api/v1/organisations", json=sponsor, headers={"X-CSRF-Token": body["csrf_token"]})
    assert written.status_code == 201


def test_the_link_works_once(app, client, member):
    token = _mailed_token(app, client, member)
    assert app.test_client().post(REDEEM, json={"token": token}).status_code == 200

    again = app.test_client().post(REDEEM, json={"token": token})

    assert again.status_code == 401
    assert again.mimetype == "application/problem+json"
    assert again.get_json()["code"] == "magic_link_used"


def test_a_password_login_voids_the_links_sent_before_it(app, client, member):
    token = _mailed_token(app, client, member)
    ApiClient(app.test_client()).login(member)

    response = client.post(REDEEM, json={"token": token})

    assert response.status_code == 401 and response.get_json()["code"] == "magic_link_used"


def test_a_link_older_than_fifteen_minutes_has_expired(app, client, member):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=member))
        token = accounts_api.magic_link_token(user=user, secret_key=app.secret_key,
                                              now=datetime.now(timezone.utc) - timedelta(minutes=16))

    response = client.post(REDEEM, json={"token": token})

    assert response.status_code == 401 and response.get_json()["code"] == "magic_link_expired"


def test_fourteen_minutes_is_still_in_time(app, member):
    now = datetime.now(timezone.utc)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=member))
        token = accounts_api.magic_link_token(user=user, secret_key=app.secret_key, now=now)
        assert accounts_api.redeem_magic_link(token=token, secret_key=app.secret_key,
                                              now=now + timedelta(minutes=14)).id == user.id


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature
    lambda token: "X" + token[1:],  # the payload
    lambda token: "non-un-token",
])
def test_a_tampered_link_is_invalid(app, client, member, tamper):
    token = _mailed_token(app, client, member)

    response = client.post(REDEEM, json={"token": tamper(token)})

    assert response.status_code == 401 and response.get_json()["code"] == "magic_link_invalid"


def test_a_token_of_another_kind_is_invalid(app, client, member):
    """Same secret, other salt: an invitation is not a login link."""
    with app.app_context():
        organisation = factories.organisation("sponsor")
        invitation = accounts_api.invitation_token(organisation=organisation, email=member, role="member",
                                                   secret_key=app.secret_key)
        db.session.commit()

    response = client.post(REDEEM, json={"token": invitation})

    assert response.status_code == 401 and response.get_json()["code"] == "magic_link_invalid"


def test_asking_is_rate_limited_per_client(app, client):
    for number in range(10):
        assert _ask(client, f"nessuno{number}@example.it").status_code == 202
    response = _ask(client, "ancora@example.it")

    assert response.status_code == 429 and response.get_json()["code"] == "too_many_requests"


def test_one_address_cannot_be_flooded_from_many_clients(app, client, member):
    for number in range(5):
        assert _ask(client, member, address=f"10.2.0.{number}").status_code == 202
    response = _ask(client, member, address="10.2.0.99")

    assert response.status_code == 429
    assert len(_outbox(app)) == 5


def test_redeeming_is_rate_limited(client):
    for _ in range(10):
        client.post(REDEEM, json={"token": "non-un-token"})

    assert client.post(REDEEM, json={"token": "non-un-token"}).status_code == 429


def test_every_login_moves_last_login_at(app, member):
    with app.app_context():
        assert db.session.scalar(db.select(User.last_login_at).filter_by(email=member)) is None
    ApiClient(app.test_client()).login(member)
    with app.app_context():
        first = db.session.scalar(db.select(User.last_login_at).filter_by(email=member))
    ApiClient(app.test_client()).login(member)
    with app.app_context():
        assert db.session.scalar(db.select(User.last_login_at).filter_by(email=member)) > first


def test_neither_the_link_nor_the_token_reaches_the_log(app, client, member, caplog, tmp_path):
    app.config["DEVELOPMENT"] = True
    with app.app_context():
        app.extensions[mail.EXTENSION] = mail.FileMailer(tmp_path / "mail", development=True)
    with caplog.at_level(logging.DEBUG):
        assert _ask(client, member).status_code == 202

    (written,) = (tmp_path / "mail").iterdir()
    token = _token_from(mail_from_file(written))
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert token not in logged and "magic=" not in logged
    assert str(written) in logged  # the operator is told where the mail is
    assert written.stat().st_mode & 0o777 == 0o600


def mail_from_file(path):
    from email import policy
    from email.parser import BytesParser

    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@pytest.mark.postgres
def test_one_link_redeemed_twice_at_once_logs_in_once(app, member):
    now = datetime.now(timezone.utc)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=member))
        token = accounts_api.magic_link_token(user=user, secret_key=app.secret_key, now=now)
    barrier = threading.Barrier(2)
    outcomes = []

    def redeem(moment):
        with app.app_context():
            barrier.wait()
            try:
                accounts_api.redeem_magic_link(token=token, secret_key=app.secret_key, now=moment)
                db.session.commit()
                outcomes.append("in")
            except exc.MagicLinkUsed:
                db.session.rollback()
                outcomes.append("used")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=redeem, args=(now + timedelta(seconds=n),)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["in", "used"]
