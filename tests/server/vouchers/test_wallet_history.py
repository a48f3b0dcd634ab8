"""GET /wallet/history: a wallet's own money movements, newest first."""
import time
from datetime import date, datetime, timezone

from server import keys
from server.accounts.models import Organisation, Wallet
from server.catalogue.models import Event
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers import api as vouchers_api
from server.vouchers import history
from tests.server import factories

HISTORY = "/api/v1/wallet/history"


def _names(door):
    with door.app.app_context():
        return db.session.get(Organisation, door.venue_id).name, db.session.get(Event, door.event_id).title


def _book_and_cancel(api, door):
    booked = api.post("/api/v1/wallet/bookings", json={"event_id": door.event_id, "voucher_id": door.voucher_id,
                                                        "request_id": "storia-1"})
    assert booked.status_code == 201, booked.get_json()
    cancelled = api.post(f"/api/v1/wallet/bookings/{booked.get_json()['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.get_json()


def test_a_fresh_claim_is_money_in(door):
    response = door.wallet_api().get(HISTORY)

    assert response.status_code == 200
    (entry,) = response.get_json()["entries"]
    assert {k: entry[k] for k in ("kind", "amount_cents", "voucher_id", "venue_name", "event_title")} == {
        "kind": "claim", "amount_cents": 2_500, "voucher_id": door.voucher_id, "venue_name": None,
        "event_title": None}
    assert datetime.fromisoformat(entry["at"]).tzinfo is not None


def test_claim_booking_cancellation_and_redemption_newest_first(door):
    api = door.wallet_api()
    _book_and_cancel(api, door)
    scanner, _ = door.scanners
    # A little ahead of the server's clock (within the skew allowed), so it is the newest.
    (synced,) = door.sync(scanner, door.record(scanner, at=int(time.time()) + 2, amount=800))
    assert synced["outcome"] == "redeemed"
    # A refused scan moves no money and is no entry.
    door.sync(scanner, door.record(scanner, at=int(time.time()), result="stale_presentation", amount=0))

    entries = api.get(HISTORY).get_json()["entries"]

    venue, title = _names(door)
    assert [(e["kind"], e["amount_cents"], e["venue_name"], e["event_title"]) for e in entries] == [
        ("redemption", -800, venue, title),
        ("refund", 1_200, venue, title),
        ("booking", -1_200, venue, title),
        ("claim", 2_500, None, None),
    ]
    assert {e["voucher_id"] for e in entries} == {door.voucher_id}
    moments = [datetime.fromisoformat(e["at"]) for e in entries]
    assert moments == sorted(moments, reverse=True)
    with door.app.app_context():  # the history adds up to the balance
        assert sum(e["amount_cents"] for e in entries) == ledger.account("voucher", door.voucher_id).balance_cents


def test_a_booking_still_held_has_no_refund(door):
    api = door.wallet_api()
    assert api.post("/api/v1/wallet/bookings", json={"event_id": door.event_id, "voucher_id": door.voucher_id,
                                                      "request_id": "storia-2"}).status_code == 201

    assert [e["kind"] for e in api.get(HISTORY).get_json()["entries"]] == ["booking", "claim"]


def test_another_wallet_sees_none_of_it(door, app):
    _book_and_cancel(door.wallet_api(), door)
    stranger, _ = factories.wallet_client(app)

    response = stranger.get(HISTORY)

    assert response.status_code == 200 and response.get_json() == {"entries": []}


def test_a_wallet_token_is_needed(door, client):
    response = client.get(HISTORY)

    assert response.status_code == 401 and response.get_json()["code"] == "wallet_required"


def test_direct_issuance_counts_as_money_in(app):
    api, device = factories.wallet_client(app)
    with app.app_context():
        campaign = factories.funded_campaign(factories.organisation("sponsor"), amount_cents=50_000)
        allocation = vouchers_api.allocate(campaign=campaign, school=factories.organisation("school"),
                                           voucher_count=2, today=date.today())
        vouchers_api.issue_direct(allocation=allocation, device_keys=[device.public_bytes],
                                  keyset=keys.issuer_keyset(), now=datetime.now(timezone.utc))
        db.session.commit()

    (entry,) = api.get(HISTORY).get_json()["entries"]

    assert (entry["kind"], entry["amount_cents"]) == ("claim", 2_500)


def test_the_list_is_bounded_to_the_newest(door):
    api = door.wallet_api()
    _book_and_cancel(api, door)
    with door.app.app_context():
        wallet = db.session.scalar(db.select(Wallet).filter_by(device_key=door.wallet.public_bytes))
        newest_two = history.wallet_history(wallet, limit=2)

    assert [entry.kind for entry in newest_two] == ["refund", "booking"]


def test_an_offline_overspend_says_what_the_sponsors_reserve_covered(door):
    """2,500 on the voucher, three 1,200 scans offline at two venues: the third crossed the
    balance by 1,100, which the campaign's reserve paid. The history says so on that entry."""
    a, b = door.scanners
    now = int(time.time())
    door.sync(a, door.record(a, at=now - 60, amount=1_200))
    door.sync(b, door.record(b, at=now - 45, amount=1_200))
    door.sync(door.away, door.record(door.away, at=now - 30, amount=1_200))

    entries = door.wallet_api().get(HISTORY).get_json()["entries"]

    # (The fixture's voucher was made after these back-dated scans: the claim comes first.)
    assert [(e["kind"], e["amount_cents"], e["covered_by_reserve_cents"]) for e in entries] == [
        ("claim", 2_500, 0),
        ("redemption", -1_200, 1_100),
        ("redemption", -1_200, 0),
        ("redemption", -1_200, 0),
    ]
    # What the voucher itself paid adds up to what it had: nothing left, nothing below zero.
    assert sum(e["amount_cents"] + e["covered_by_reserve_cents"] for e in entries) == 0
