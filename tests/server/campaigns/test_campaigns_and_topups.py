from datetime import date, timedelta

import pytest

from server.extensions import db
from server.ledger import api as ledger
from signing.qr import decode_image
from tests.server import factories
from tests.server.factories import ApiClient


@pytest.fixture
def sponsor_setup(app):
    with app.app_context():
        owner = factories.user()
        sponsor = factories.organisation("sponsor", owner=owner)
        admin = factories.user(admin=True)
        db.session.commit()
        return {"email": owner.email, "sponsor_id": sponsor.id, "admin_email": admin.email}


def _campaign_body(sponsor_id, **changes):
    today = date.today()
    body = {"sponsor_id": sponsor_id, "name": "Teatro per le superiori", "face_value_cents": 3000,
            "offline_allowance_cents": 1500, "categories": ["teatro", "musica"], "territory": ["Milano", "Sesto San Giovanni"],
            "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=90)).isoformat()}
    body.update(changes)
    return body


def test_a_sponsor_member_creates_a_campaign(client, sponsor_setup):
    api = ApiClient(client).login(sponsor_setup["email"])
    response = api.post("/api/v1/campaigns", json=_campaign_body(sponsor_setup["sponsor_id"]))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["category_codes"] == [0, 3] and body["available_cents"] == 0


@pytest.mark.parametrize("changes, code", [
    ({"categories": ["circo"]}, "unknown_category"),
    ({"offline_allowance_cents": 4000}, "invalid_offline_allowance"),
    ({"face_value_cents": 50}, "invalid_face_value"),
    ({"valid_until": "2020-01-01"}, "invalid_dates"),
    ({"territory": ["Atlantide"]}, "unknown_area"),
    ({"territory": ["Samone"]}, "ambiguous_municipality"),
])
def test_campaign_rules_are_422_with_codes(client, sponsor_setup, changes, code):
    api = ApiClient(client).login(sponsor_setup["email"])
    response = api.post("/api/v1/campaigns", json=_campaign_body(sponsor_setup["sponsor_id"], **changes))
    assert response.status_code == 422 and response.get_json()["code"] == code


def test_a_stranger_cannot_create_a_campaign_for_a_sponsor(client, app, sponsor_setup):
    with app.app_context():
        stranger = factories.user().email
        db.session.commit()
    api = ApiClient(client).login(stranger)
    response = api.post("/api/v1/campaigns", json=_campaign_body(sponsor_setup["sponsor_id"]))
    assert response.status_code == 403 and response.get_json()["code"] == "not_a_member"


def test_top_up_from_mobile_then_admin_confirms(client, app, sponsor_setup):
    api = ApiClient(client).login(sponsor_setup["email"])
    campaign_id = api.post("/api/v1/campaigns", json=_campaign_body(sponsor_setup["sponsor_id"])).get_json()["id"]

    created = api.post(f"/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": 50_000})
    assert created.status_code == 201, created.get_json()
    topup = created.get_json()
    instructions = topup["instructions"]
    assert topup["status"] == "pending" and instructions["amount"] == "EUR500.00"
    assert instructions["reference"].startswith("RF")
    png = api.get(instructions["qr_png_url"])
    assert png.mimetype == "image/png"
    assert decode_image(png.data) == [instructions["epc_payload"]]
    assert api.get(instructions["qr_svg_url"]).mimetype == "image/svg+xml"

    assert api.post(f"/api/v1/admin/topups/{topup['id']}/confirm").status_code == 403
    admin = ApiClient(app.test_client()).login(sponsor_setup["admin_email"])
    confirmed = admin.post(f"/api/v1/admin/topups/{topup['id']}/confirm")
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert admin.post(f"/api/v1/admin/topups/{topup['id']}/confirm").status_code == 200  # repeat: no-op

    campaign = api.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    assert (campaign["available_cents"], campaign["risk_reserve_cents"]) == (49_000, 1_000)
    with app.app_context():
        assert ledger.account("bank").balance_cents == 50_000
        assert ledger.account("sponsor", sponsor_setup["sponsor_id"]).balance_cents == 0


@pytest.mark.parametrize("amount", [0, 999, 10_000_001])
def test_top_up_amount_limits(client, sponsor_setup, amount):
    api = ApiClient(client).login(sponsor_setup["email"])
    campaign_id = api.post("/api/v1/campaigns", json=_campaign_body(sponsor_setup["sponsor_id"])).get_json()["id"]
    response = api.post(f"/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": amount})
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_amount"


def test_float_amounts_are_refused(client, sponsor_setup):
    api = ApiClient(client).login(sponsor_setup["email"])
    campaign_id = api.post("/api/v1/campaigns", json=_campaign_body(sponsor_setup["sponsor_id"])).get_json()["id"]
    response = api.post(f"/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": 12.5})
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_input"
