"""Sessions that end: logout, a password change and removal from an organisation end a
person's sessions on the server, so a copied cookie stops working at once; a wallet
challenge opens one session only."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.accounts import api as accounts_api
from server.accounts import challenges, sessions
from server.accounts.models import MEMBER, SPONSOR, LoginSession, Membership, UsedWalletChallenge, User
from server.extensions import db
from signing import DeviceKey
from tests.server import factories
from tests.server.factories import PASSWORD, ApiClient

ME = "/api/v1/auth/me"


@pytest.fixture
def people(app):
    """A sponsor with its owner and a second member."""
    with app.app_context():
        owner, member = factories.user(), factories.user()
        organisation = factories.organisation(SPONSOR, owner=owner)
        db.session.add(Membership(user=member, organisation=organisation, role=MEMBER))
        db.session.commit()
        return {"organisation": organisation.id, "owner": owner.email, "member": member.email}


def _browser(app, email, password=PASSWORD):
    return ApiClient(app.test_client()).login(email, password)


def _copy_of_cookie(app, api):
    """Another client holding a copy of the session cookie (stolen, or a second tab)."""
    thief = app.test_client()
    thief.set_cookie("session", api.client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_logout_is_refused_after_it(app, people):
    browser = _browser(app, people["owner"])
    copy = _copy_of_cookie(app, browser)
    assert copy.get(ME).status_code == 200

    assert browser.post("/api/v1/auth/logout").status_code == 204

    refused = copy.get(ME)
    assert refused.status_code == 401 and refused.get_json()["code"] == "login_required"
    assert browser.get(ME).status_code == 401


def test_logout_ends_this_browser_only(app, people):
    phone, laptop = _browser(app, people["owner"]), _browser(app, people["owner"])

    phone.post("/api/v1/auth/logout")

    assert phone.get(ME).status_code == 401
    assert laptop.get(ME).status_code == 200


def test_an_ended_session_drops_its_cookie_and_asks_no_csrf_token_to_log_in_again(app, people):
    browser = _browser(app, people["owner"])
    copy = _copy_of_cookie(app, browser)
    browser.post("/api/v1/auth/logout")

    answer = copy.get(ME)
    again = copy.post("/api/v1/auth/login", json={"email": people["owner"], "password": PASSWORD})

    assert "session=;" in answer.headers["Set-Cookie"]  # the stale cookie is deleted
    assert again.status_code == 200


def test_a_password_change_ends_every_other_session_and_keeps_this_one(app, people):
    here, elsewhere = _browser(app, people["owner"]), _browser(app, people["owner"])
    copy = _copy_of_cookie(app, here)

    changed = here.post("/api/v1/auth/password", json={"current_password": PASSWORD,
                                                       "new_password": "una-password-nuova"})

    assert changed.status_code == 200, changed.get_json()
    here.csrf = changed.get_json()["csrf_token"]
    assert here.get(ME).status_code == 200
    assert elsewhere.get(ME).status_code == 401
    assert copy.get(ME).status_code == 401  # the cookie from before the change
    old = app.test_client().post("/api/v1/auth/login", json={"email": people["owner"], "password": PASSWORD})
    assert old.status_code == 401
    assert _browser(app, people["owner"], "una-password-nuova").get(ME).status_code == 200


def test_a_wrong_current_password_changes_nothing(app, people):
    here, elsewhere = _browser(app, people["owner"]), _browser(app, people["owner"])

    refused = here.post("/api/v1/auth/password", json={"current_password": "non-la-mia-password",
                                                       "new_password": "una-password-nuova"})

    assert refused.status_code == 401 and refused.get_json()["code"] == "invalid_credentials"
    assert here.get(ME).status_code == 200 and elsewhere.get(ME).status_code == 200
    assert _browser(app, people["owner"]).get(ME).status_code == 200


def test_a_too_short_new_password_is_refused_and_changes_nothing(app, people):
    here = _browser(app, people["owner"])

    refused = here.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "corta"})

    assert refused.status_code == 422
    assert refused.get_json()["code"] == "weak_password" and refused.get_json()["field"] == "new_password"
    assert here.get(ME).status_code == 200


def test_changing_the_password_needs_a_session(client):
    response = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": PASSWORD})

    assert response.status_code == 401 and response.get_json()["code"] == "login_required"


def test_removal_from_an_organisation_ends_all_the_persons_sessions(app, people):
    owner = _browser(app, people["owner"])
    phone, laptop = _browser(app, people["member"]), _browser(app, people["member"])
    copy = _copy_of_cookie(app, phone)
    organisation = people["organisation"]
    members = owner.get(f"/api/v1/organisations/{organisation}/members").get_json()
    member_id = next(m["id"] for m in members if m["email"] == people["member"])

    assert owner.delete(f"/api/v1/organisations/{organisation}/members/{member_id}").status_code == 204

    for browser in (phone, laptop):
        refused = browser.get(f"/api/v1/organisations/{organisation}")
        assert refused.status_code == 401 and refused.get_json()["code"] == "login_required"
    assert copy.get(ME).status_code == 401
    assert owner.get(ME).status_code == 200


def test_a_session_ends_at_its_lifetime_however_active(app, people):
    start = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=people["owner"]))
        token = sessions.start(user=user, now=start, lifetime=timedelta(hours=12))

        assert sessions.user_of(token, now=start + timedelta(hours=11, minutes=59)) == user
        assert sessions.user_of(token, now=start + timedelta(hours=12)) is None


def test_a_login_clears_the_persons_expired_sessions(app, people):
    start = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email=people["owner"]))
        sessions.start(user=user, now=start, lifetime=timedelta(hours=12))
        live = sessions.start(user=user, now=start + timedelta(hours=13), lifetime=timedelta(hours=12))

        rows = db.session.scalars(sa.select(LoginSession).filter_by(user_id=user.id)).all()
        assert len(rows) == 1 and sessions.user_of(live, now=start + timedelta(hours=13)) == user


def test_the_database_holds_only_a_hash_of_the_session_token(app, people):
    browser = _browser(app, people["owner"])
    cookie = browser.client.get_cookie("session").value
    with app.app_context():
        stored = db.session.scalars(sa.select(LoginSession.token_hash)).all()

    assert len(stored) == 1 and len(stored[0]) == 32
    assert stored[0].hex() not in cookie


# --- wallet challenges work once --------------------------------------------------------

def _proof(client, device):
    challenge = client.post("/api/v1/wallet/challenge", json={"device_key": device.public_bytes.hex()})
    text = challenge.get_json()["challenge"]
    return {"device_key": device.public_bytes.hex(), "challenge": text, "signature": device.sign(text.encode()).hex()}


def test_a_wallet_challenge_sent_again_from_another_client_is_refused(app):
    device = DeviceKey.generate()
    proof = _proof(app.test_client(), device)

    first = app.test_client().post("/api/v1/wallet/session", json=proof)
    replay = app.test_client().post("/api/v1/wallet/session", json=proof)

    assert first.status_code == 200
    assert replay.status_code == 401 and replay.get_json()["code"] == "wallet_challenge_used"
    assert "token" not in replay.get_json()


def test_a_refused_proof_does_not_use_up_the_challenge(app):
    device = DeviceKey.generate()
    proof = _proof(app.test_client(), device)
    forged = {**proof, "signature": DeviceKey.generate().sign(proof["challenge"].encode()).hex()}

    assert app.test_client().post("/api/v1/wallet/session", json=forged).status_code == 401
    assert app.test_client().post("/api/v1/wallet/session", json=proof).status_code == 200


def test_used_challenges_are_kept_until_they_expire_then_cleared(app):
    now = datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc)
    with app.app_context():
        assert challenges.consume("n-1", expires_at=now + timedelta(minutes=5), now=now)
        assert not challenges.consume("n-1", expires_at=now + timedelta(minutes=5), now=now + timedelta(minutes=4))
        later = now + timedelta(minutes=6)
        assert challenges.consume("n-2", expires_at=later + timedelta(minutes=5), now=later)

        assert db.session.scalars(sa.select(UsedWalletChallenge.nonce)).all() == ["n-2"]


def _race(app, proof, clients=2):
    """The same proof sent by several clients at the same instant; their statuses."""
    barrier = threading.Barrier(clients)
    statuses = []

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/wallet/session", json=proof).status_code)

    threads = [threading.Thread(target=send) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_one_challenge_sent_at_once_by_several_clients_opens_one_session(app):
    device = DeviceKey.generate()
    proof = _proof(app.test_client(), device)

    assert _race(app, proof, clients=4) == [200, 401, 401, 401]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UsedWalletChallenge)) == 1


# --- with Redis (REDIS_URL) -------------------------------------------------------------

@pytest.fixture
def redis_app(app, redis_url):
    app.config["REDIS_URL"] = redis_url
    return app


@pytest.mark.redis
def test_with_redis_a_challenge_works_once_and_is_forgotten_at_expiry(redis_app):
    from server.extensions import redis_client

    device = DeviceKey.generate()
    proof = _proof(redis_app.test_client(), device)

    assert redis_app.test_client().post("/api/v1/wallet/session", json=proof).status_code == 200
    replay = redis_app.test_client().post("/api/v1/wallet/session", json=proof)

    assert replay.status_code == 401 and replay.get_json()["code"] == "wallet_challenge_used"
    with redis_app.app_context():
        nonce = accounts_api._challenges(redis_app.secret_key).loads(proof["challenge"])["nonce"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UsedWalletChallenge)) == 0
        assert 0 < redis_client().pttl(challenges.REDIS_PREFIX + nonce) <= accounts_api.WALLET_CHALLENGE_MAX_AGE * 1000


@pytest.mark.redis
def test_with_redis_one_challenge_sent_at_once_by_several_clients_opens_one_session(redis_app):
    device = DeviceKey.generate()
    proof = _proof(redis_app.test_client(), device)

    assert _race(redis_app, proof, clients=4) == [200, 401, 401, 401]
