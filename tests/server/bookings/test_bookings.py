import time
from datetime import datetime, timedelta, timezone

from server.bookings.models import Booking
from server.catalogue.models import Event
from server.extensions import db
from server.ledger import api as ledger
from server.door import revocations
from signing import PublicKeyset, parse_unverified, present, to_text, verify_credential
from tests.server.catalogue import factories as catalogue_factories


def _event(door, **fields):
    with door.app.app_context():
        from server.accounts.models import Organisation
        venue = db.session.get(Organisation, door.venue_id)
        event = catalogue_factories.event(venue, **fields)
        db.session.commit()
        return event.id


def _book(api, door, event_id, request_id="req-00000001"):
    return api.post("/api/v1/wallet/bookings", json={"event_id": event_id, "voucher_id": door.voucher_id,
                                                     "request_id": request_id})


def test_a_student_books_and_gets_a_ticket_bound_to_the_phone(door):
    api = door.wallet_api()
    response = _book(api, door, door.event_id)
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    keys = PublicKeyset.from_jwks(api.get("/api/v1/issuer-keys").get_json())
    ticket = verify_credential(booking["ticket"], keys=keys, now=int(time.time()))
    assert (ticket.ticket_id, ticket.event_id, ticket.venue_id) == (booking["id"], door.event_id, door.venue_id)
    assert ticket.device_key == door.wallet.public_bytes
    with door.app.app_context():
        assert ledger.account("voucher", door.voucher_id).balance_cents == 2_500 - 1_200
        assert ledger.account("venue_payable", door.venue_id).balance_cents == 1_200
        assert db.session.get(Event, door.event_id).seats_taken == 1


def test_a_retried_booking_books_once(door):
    api = door.wallet_api()
    first = _book(api, door, door.event_id).get_json()
    again = _book(api, door, door.event_id)
    assert again.get_json()["id"] == first["id"]
    with door.app.app_context():
        assert ledger.account("voucher", door.voucher_id).balance_cents == 1_300


def test_a_voucher_only_buys_its_categories(door):
    event_id = _event(door, category="corsi")
    response = _book(door.wallet_api(), door, event_id)
    assert response.status_code == 422 and response.get_json()["code"] == "voucher_not_valid_for_event"


def test_the_last_seat_is_sold_once(door):
    event_id = _event(door, capacity=1, price_cents=500)
    api = door.wallet_api()
    assert _book(api, door, event_id, "req-first-1").status_code == 201
    response = _book(api, door, event_id, "req-second-2")
    assert response.status_code == 409 and response.get_json()["code"] == "sold_out"


def test_a_booking_beyond_the_balance_is_refused(door):
    event_id = _event(door, price_cents=3_000)
    response = _book(door.wallet_api(), door, event_id)
    assert response.status_code == 409 and response.get_json()["code"] == "insufficient_funds"
    with door.app.app_context():
        assert db.session.get(Event, event_id).seats_taken == 0


def test_cancelling_refunds_and_revokes_the_ticket(door):
    api = door.wallet_api()
    booking_id = _book(api, door, door.event_id).get_json()["id"]
    cancelled = api.post(f"/api/v1/wallet/bookings/{booking_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert api.post(f"/api/v1/wallet/bookings/{booking_id}/cancel").get_json()["code"] == "already_cancelled"
    with door.app.app_context():
        assert ledger.account("voucher", door.voucher_id).balance_cents == 2_500
        assert db.session.get(Event, door.event_id).seats_taken == 0
        entries, _, _ = revocations.since(0)
        assert [(e.kind, e.value) for e in entries] == [("ticket", str(booking_id))]


def test_no_cancelling_after_the_deadline(door):
    now = datetime.now(timezone.utc)
    event_id = _event(door, booking_deadline=now + timedelta(seconds=2))
    api = door.wallet_api()
    booking_id = _book(api, door, event_id).get_json()["id"]
    time.sleep(2.1)  # the rule is about the wall clock at the request
    response = api.post(f"/api/v1/wallet/bookings/{booking_id}/cancel")
    assert response.status_code == 409 and response.get_json()["code"] == "booking_closed"


def test_a_ticket_checked_in_offline_is_recorded_once(door):
    api = door.wallet_api()
    ticket = parse_unverified(_book(api, door, door.event_id).get_json()["ticket"])
    a, b = door.scanners
    now = int(time.time())
    shown = to_text(present(ticket, door.wallet, now=now))
    first = door.sync(a, door.record(a, at=now, amount=0, text=shown))
    second = door.sync(b, door.record(b, at=now + 5, amount=0, text=shown))
    assert first[0]["outcome"] == "checked_in" and first[0]["code"] is None
    assert (second[0]["outcome"], second[0]["code"]) == ("checked_in", "already_checked_in")
    with door.app.app_context():
        assert db.session.get(Booking, ticket.ticket_id).checked_in_at is not None


def test_rating_waits_for_the_event(door):
    api = door.wallet_api()
    booking_id = _book(api, door, door.event_id).get_json()["id"]
    response = api.post(f"/api/v1/wallet/bookings/{booking_id}/rating", json={"stars": 5, "comment": "Bellissimo"})
    assert response.status_code == 409 and response.get_json()["code"] == "cannot_rate_yet"
