"""A sponsor's allocation whose answer is lost on the way back to the phone: the server
did it, the phone saw a network error, the sponsor taps again. The PWA sends the same
Idempotency-Key, the server answers with the first result, and the money moved once."""
import pytest
import sqlalchemy as sa

from server.campaigns.models import Campaign
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers.models import Allocation
from tests.pwa.test_org_browser import FORNO, FORNO_EMAIL, log_in, open_campaign, organisation_id, rows

pytestmark = pytest.mark.browser


def campaign_balance(app, name: str) -> int:
    with app.app_context():
        campaign_id = db.session.scalar(sa.select(Campaign.id).filter_by(name=name))
        balance = ledger.account("campaign", campaign_id).balance_cents
        db.session.rollback()
        return balance


def test_an_allocation_whose_answer_was_lost_is_tapped_again_and_made_once(page, pilot, live_app):
    school = "Liceo Scientifico dei Tigli"
    school_id = organisation_id(live_app, school)
    log_in(page, FORNO_EMAIL)
    open_campaign(page, live_app)
    allocations = sa.select(sa.func.count()).select_from(Allocation).filter_by(school_id=school_id)
    [(before,)] = rows(live_app, allocations)
    balance_before = campaign_balance(live_app, FORNO)

    sent_keys, lost = [], []

    def lose_the_first_answer(route):
        sent_keys.append(route.request.headers.get("idempotency-key"))
        if lost:
            route.continue_()
            return
        lost.append(route.fetch().status)  # the server handles it ...
        route.abort("connectionreset")  # ... and the phone never hears back

    page.route("**/api/v1/campaigns/*/allocations", lose_the_first_answer)
    page.get_by_label("Scuola").select_option(label=f"{school} (Milano)")
    page.get_by_label("Quanti buoni").fill("2")
    page.get_by_role("button", name="Assegna i buoni").click()
    page.locator(".allocate-form .error-box").wait_for()
    assert lost == [201]
    [(done,)] = rows(live_app, allocations)
    assert done == before + 1  # it was done, though the phone does not know

    with page.expect_response("**/api/v1/campaigns/*/allocations") as answer:
        page.get_by_role("button", name="Assegna i buoni").click()
    page.get_by_text(f"Assegnati 2 buoni a {school}.").wait_for()
    assert answer.value.status == 201
    assert answer.value.headers.get("idempotency-replayed") == "true"
    assert len(sent_keys) == 2 and sent_keys[0] == sent_keys[1] and sent_keys[0].startswith('"')

    [(after,)] = rows(live_app, allocations)
    assert after == before + 1
    assert campaign_balance(live_app, FORNO) == balance_before - 2 * 2_000  # 20 EUR vouchers, moved once
