"""Students' thanks: once per voucher, after it was used, from a preset list; sponsors
get counts only."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.bookings.models import Booking
from server.extensions import db
from server.thanks import api as thanks_api
from server.thanks.models import Thanks
from server.vouchers.models import Voucher
from tests.server import factories
from tests.server.concurrency import at_once


def _thanks(api, door, choice="grazie"):
    return api.post(f"/api/v1/wallet/vouchers/{door.voucher_id}/thanks", json={"choice": choice})


def _redeem(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now))
    assert result["outcome"] == "redeemed"


def test_an_unused_voucher_cannot_thank_yet(door):
    api = door.wallet_api()
    assert api.get(f"/api/v1/wallet/vouchers/{door.voucher_id}/thanks").get_json()["used"] is False

    response = _thanks(api, door)

    assert response.status_code == 409 and response.get_json()["code"] == "thanks_voucher_not_used"


def test_after_a_redemption_the_student_thanks_once(door, now):
    _redeem(door, now)
    api = door.wallet_api()
    state = api.get(f"/api/v1/wallet/vouchers/{door.voucher_id}/thanks").get_json()
    assert state == {"used": True, "choice": None, "choices": list(thanks_api.SLUGS)}

    response = _thanks(api, door, "ci-torno")

    assert response.status_code == 201 and response.get_json()["choice"] == "ci-torno"
    assert api.get(f"/api/v1/wallet/vouchers/{door.voucher_id}/thanks").get_json()["choice"] == "ci-torno"
    again = _thanks(api, door, "grazie")
    assert again.status_code == 409 and again.get_json()["code"] == "thanks_already_sent"
    with door.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thanks)) == 1


@pytest.mark.parametrize("choice", ["grazie mille", "GRAZIE", "<script>"])
def test_an_unknown_choice_is_refused_with_its_code(door, now, choice):
    _redeem(door, now)
    response = _thanks(door.wallet_api(), door, choice)
    assert response.status_code == 422 and response.get_json()["code"] == "thanks_choice_unknown"
    assert response.get_json()["params"]["choices"] == list(thanks_api.SLUGS)


@pytest.mark.parametrize("body", [{}, {"choice": ""}, {"choice": "a\x00"}, {"choice": "x" * 33}, {"choice": 5}])
def test_malformed_thanks_are_refused(door, body):
    response = door.wallet_api().post(f"/api/v1/wallet/vouchers/{door.voucher_id}/thanks", json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_another_wallet_does_not_find_the_voucher(app, door, now):
    _redeem(door, now)
    other, _ = factories.wallet_client(app)
    response = _thanks(other, door)
    assert response.status_code == 404 and response.get_json()["code"] == "voucher_not_found"


def test_a_member_without_a_wallet_is_asked_for_one(app, door):
    response = app.test_client().post(f"/api/v1/wallet/vouchers/{door.voucher_id}/thanks",
                                      json={"choice": "grazie"})
    assert response.status_code == 401 and response.get_json()["code"] == "wallet_required"


def test_a_checked_in_ticket_counts_as_used(app, door):
    with app.app_context():
        voucher = db.session.get(Voucher, door.voucher_id)
        assert not thanks_api.was_used(voucher)
        booking = Booking(event_id=door.event_id, wallet_id=voucher.wallet_id, voucher_id=voucher.id,
                          request_id="thanks-booking", price_cents=0, status="confirmed",
                          checked_in_at=datetime.now(timezone.utc))
        db.session.add(booking)
        db.session.flush()
        assert thanks_api.was_used(voucher)
        db.session.rollback()


def test_the_row_keeps_the_voucher_the_choice_and_the_time_only():
    assert set(Thanks.__table__.columns.keys()) == {"id", "voucher_id", "choice", "created_at"}


def test_counts_for_the_campaign_by_choice_and_until(app, door, now):
    _redeem(door, now)
    assert _thanks(door.wallet_api(), door, "scoperta").status_code == 201
    with app.app_context():
        counts = thanks_api.counts_for_campaign(door.campaign_id)
        assert counts == {"grazie": (0, 0), "scoperta": (1, 1), "ci-torno": (0, 0), "consiglio": (0, 0)}
        earlier = datetime.now(timezone.utc) - timedelta(hours=1)
        assert thanks_api.counts_for_campaign(door.campaign_id, earlier)["scoperta"] == (0, 0)
        assert thanks_api.counts_for_campaign(door.campaign_id + 1000)["scoperta"] == (0, 0)


def test_two_taps_at_once_store_one_thanks(app, door, now):
    """Both pass the "none sent yet" read; the unique index lets one in and the other is
    told it was sent, not a 500."""
    _redeem(door, now)
    phones = [door.wallet_api(), door.wallet_api()]

    statuses = sorted(response.status_code for response in at_once(
        [lambda api=api, choice=choice: _thanks(api, door, choice) for api, choice in zip(phones, ("grazie", "ci-torno"))]))

    assert statuses == [201, 409]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Thanks)) == 1
