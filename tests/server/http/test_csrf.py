"""CSRF (server/http/auth.py:check_csrf): a cookie-authenticated write carries the
session's token, and only a wallet bearer token that verifies excuses it — not the mere
presence of an Authorization header."""
import uuid

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.payments.models import TopUp
from tests.server import factories
from tests.server.factories import ApiClient


@pytest.fixture
def sponsor(app):
    """A sponsor member, logged in, and a campaign of theirs."""
    with app.app_context():
        owner = factories.user()
        campaign = factories.campaign(factories.organisation("sponsor", owner=owner))
        db.session.commit()
        return ApiClient(app.test_client()).login(owner.email), campaign.id


def _top_up(api, campaign_id, headers):
    return api.client.post(f"/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": 50_000},
                           headers={"Idempotency-Key": str(uuid.uuid4()), **headers})


def _top_ups(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(TopUp))


@pytest.mark.parametrize("authorization", ["Bearer junk", "Bearer ", "Bearer eyJ3YWxsZXQiOjF9.forged.sig"])
def test_a_bearer_header_that_does_not_verify_does_not_excuse_the_csrf_token(app, sponsor, authorization):
    api, campaign_id = sponsor

    response = _top_up(api, campaign_id, {"Authorization": authorization})

    assert response.status_code == 403 and response.get_json()["code"] == "csrf_failed"
    assert _top_ups(app) == 0


def test_the_session_token_lets_the_same_write_through(app, sponsor):
    api, campaign_id = sponsor

    response = _top_up(api, campaign_id, {"X-CSRF-Token": api.csrf})

    assert response.status_code == 201, response.get_json()
    assert _top_ups(app) == 1


def test_a_verified_wallet_needs_no_csrf_token_even_beside_a_member_cookie(app, sponsor):
    """A phone that is both a sponsor's browser and a student's wallet: the wallet's own
    writes carry its bearer token, which a page of another site cannot set."""
    api, _ = sponsor
    wallet, _device = factories.wallet_client(app)

    response = api.client.post("/api/v1/wallet/claims", json={"code": "NON-UN-CODICE"},
                               headers={"Authorization": f"Bearer {wallet.bearer}",
                                        "Idempotency-Key": str(uuid.uuid4())})

    assert response.status_code != 403
    assert response.get_json()["code"] != "csrf_failed"


def test_a_token_of_other_characters_is_refused_not_a_crash(app, sponsor):
    api, campaign_id = sponsor

    response = _top_up(api, campaign_id, {"X-CSRF-Token": "tòken-è"})

    assert response.status_code == 403 and response.get_json()["code"] == "csrf_failed"


def test_without_a_live_session_there_is_nothing_to_forge(app, sponsor):
    """After logout the cookie names no session: writes are judged as anonymous (401),
    and logging in again needs no token from the session that ended."""
    api, campaign_id = sponsor
    stale = app.test_client()
    stale.set_cookie("session", api.client.get_cookie("session").value)
    api.post("/api/v1/auth/logout")

    response = stale.post(f"/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": 50_000},
                          headers={"Idempotency-Key": str(uuid.uuid4())})

    assert response.status_code == 401 and response.get_json()["code"] == "login_required"
    assert _top_ups(app) == 0



def test_a_wallet_opens_beside_a_member_cookie_without_the_csrf_token(app, sponsor):
    """A teacher's phone is also a student's wallet: the wallet's login steps read nothing
    from the member session, so they need no token; the member's own writes still do."""
    from signing import DeviceKey

    api, campaign_id = sponsor
    device = DeviceKey.generate()
    challenge = api.client.post("/api/v1/wallet/challenge", json={"device_key": device.public_bytes.hex()})
    assert challenge.status_code == 200, challenge.get_json()
    opened = api.client.post("/api/v1/wallet/session", json={
        "device_key": device.public_bytes.hex(), "challenge": challenge.get_json()["challenge"],
        "signature": device.sign(challenge.get_json()["challenge"].encode()).hex()})
    assert opened.status_code == 200, opened.get_json()

    response = _top_up(api, campaign_id, {})
    assert response.status_code == 403 and response.get_json()["code"] == "csrf_failed"
