"""A sponsor cancels an abandoned top-up; the top-up says what the risk reserve takes."""
import pytest

from server.campaigns.models import Campaign
from server.extensions import db
from server.payments import api as payments_api
from tests.server import factories
from tests.server.catalogue.factories import ApiClient


@pytest.fixture
def pending(app):
    with app.app_context():
        member, admin = factories.user(), factories.user(admin=True)
        sponsor = factories.organisation("sponsor", owner=member)
        campaign = factories.campaign(sponsor, risk_reserve_bps=200)
        topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=25_000)
        db.session.commit()
        return {"member": member.email, "admin": admin.email, "topup": topup.id, "campaign": campaign.id}


def test_the_sponsor_cancels_a_pending_top_up_and_it_can_no_longer_be_confirmed(app, pending):
    member = ApiClient(app.test_client()).login(pending["member"])

    response = member.post(f"/api/v1/topups/{pending['topup']}/cancel")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled" and response.get_json()["cancelled_at"]
    admin = ApiClient(app.test_client()).login(pending["admin"])
    refused = admin.post(f"/api/v1/admin/topups/{pending['topup']}/confirm")
    assert refused.status_code == 409 and refused.get_json()["code"] == "topup_cancelled"
    assert member.get(f"/api/v1/topups/{pending['topup']}/receipt.pdf").get_json()["code"] == "topup_not_confirmed"
    assert pending["topup"] not in [t["id"] for t in admin.get("/api/v1/admin/topups").get_json()]


def test_cancelling_needs_an_idempotency_key(app, pending):
    member = ApiClient(app.test_client()).login(pending["member"])

    response = member.post(f"/api/v1/topups/{pending['topup']}/cancel", idempotency_key=None)

    assert response.status_code == 400 and response.get_json()["code"] == "idempotency_key_missing"
    assert member.get(f"/api/v1/topups/{pending['topup']}").get_json()["status"] == "pending"


def test_a_confirmed_top_up_cannot_be_cancelled(app, pending):
    admin = ApiClient(app.test_client()).login(pending["admin"])
    admin.post(f"/api/v1/admin/topups/{pending['topup']}/confirm")
    member = ApiClient(app.test_client()).login(pending["member"])

    response = member.post(f"/api/v1/topups/{pending['topup']}/cancel")

    assert response.status_code == 409 and response.get_json()["code"] == "topup_confirmed"
    shown = member.get(f"/api/v1/topups/{pending['topup']}").get_json()
    assert shown["status"] == "confirmed"
    assert shown["receipt_pdf_url"] == f"/api/v1/topups/{pending['topup']}/receipt.pdf"


def test_the_top_up_says_what_the_reserve_takes_and_what_reaches_the_campaign(app, pending):
    member = ApiClient(app.test_client()).login(pending["member"])

    shown = member.get(f"/api/v1/topups/{pending['topup']}").get_json()

    assert (shown["risk_reserve_bps"], shown["reserve_cents"], shown["campaign_cents"]) == (200, 500, 24_500)
    assert shown["receipt_pdf_url"] is None
    admin = ApiClient(app.test_client()).login(pending["admin"])
    admin.post(f"/api/v1/admin/topups/{pending['topup']}/confirm")
    with app.app_context():
        from server.campaigns import api as campaigns_api

        funds = campaigns_api.funds(db.session.get(Campaign, pending["campaign"]))
    assert (funds["available_cents"], funds["risk_reserve_cents"]) == (24_500, 500)  # as the page said
