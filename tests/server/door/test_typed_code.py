"""Typed door codes (server/door/typed.py): the voucher number and six digits a volunteer
types when the camera cannot read, checked by the server and paid through the sync's
own path. The `door` fixture: a 25 EUR voucher, a 12 EUR theatre event, two scanners at
the venue and one across town."""
import json
import os

from types import SimpleNamespace

import limits.storage.memory
import sqlalchemy as sa

from server.door import typed, typed_code
from server.door.models import ScanRecord
from server.extensions import db
from server.http import throttle
from server.ledger import api as ledger
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from signing import record_scan, to_text
from tests.vectors import generate_typed


def _key(door) -> bytes:
    with door.app.app_context():
        return typed.door_code_key(db.session.get(Voucher, door.voucher_id))


def _code(door, at: int) -> str:
    return typed_code.code(_key(door), at // typed_code.STEP_SECONDS)


def _record(door, scanner_id, *, at, digits, voucher_id=None, amount=1200, record_id=None, event_id=None):
    default_event = door.away_event_id if scanner_id == door.away else door.event_id
    return to_text(record_scan(
        door.keys[scanner_id], record_id=record_id or os.urandom(16), scanner_id=scanner_id, scanned_at=at,
        event_id=default_event if event_id is None else event_id, amount_cents=amount, result="accepted",
        scanned_text=typed_code.record_text(voucher_id or door.voucher_id, digits), phone_at=at))


def _send(door, scanner_id, record, client=None):
    client = client or door.app.test_client()
    return client.post(f"/api/v1/scanners/{scanner_id}/typed-code", json={"record": record})


def _balance(door) -> int:
    with door.app.app_context():
        return vouchers_api.balance(db.session.get(Voucher, door.voucher_id))


def _books_balance(door, venue_paid=0):
    with door.app.app_context():
        assert ledger.check_books() == []
        assert ledger.account("venue_payable", door.venue_id).balance_cents == venue_paid
        # Online, a code is paid from the balance: the campaign's reserve (20 EUR) is untouched.
        assert ledger.account("campaign_risk", door.campaign_id).balance_cents == 2000


def test_the_wallet_gets_the_code_key_with_its_credential_and_never_in_lists(door):
    api = door.wallet_api()
    refreshed = api.post(f"/api/v1/wallet/vouchers/{door.voucher_id}/credential").get_json()
    assert refreshed["door_code_key"] == _key(door).hex()
    listed = api.get("/api/v1/wallet/vouchers").get_json()
    assert all("door_code_key" not in voucher for voucher in listed)


def test_a_typed_code_is_paid_once_online_and_the_books_balance(door, now):
    scanner = next(iter(door.scanners))
    record = _record(door, scanner, at=now, digits=_code(door, now))
    answer = _send(door, scanner, record)
    assert answer.status_code == 200, answer.get_json()
    first = answer.get_json()
    assert (first["outcome"], first["code"], first["amount_cents"], first["duplicate"]) == ("redeemed", None, 1200, False)
    assert _balance(door) == 2500 - 1200

    again = _send(door, scanner, record).get_json()  # the same record id: its first outcome, nothing moves
    assert (again["outcome"], again["duplicate"]) == ("redeemed", True)
    assert _balance(door) == 1300

    # The same code in a new record (a second tap, a replay): the presentation is paid.
    replay = _send(door, scanner, _record(door, scanner, at=now, digits=_code(door, now))).get_json()
    assert (replay["outcome"], replay["code"]) == ("rejected", "presentation_replayed")
    assert _balance(door) == 1300
    with door.app.app_context():
        rows = db.session.scalars(sa.select(ScanRecord).order_by(ScanRecord.id)).all()
        assert [(r.outcome, r.typed, r.flagged, r.time_step) for r in rows] == [
            ("redeemed", True, False, now // 15), ("rejected", True, False, now // 15)]
        assert rows[0].credential_valid_from is None  # paid from the balance, not an offline allowance
    _books_balance(door, venue_paid=1200)


def test_a_wrong_code_is_refused_with_a_stable_code(door, now):
    scanner = next(iter(door.scanners))
    right = _code(door, now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    answer = _send(door, scanner, _record(door, scanner, at=now, digits=wrong)).get_json()
    assert (answer["outcome"], answer["code"], answer["amount_cents"]) == ("rejected", "wrong_typed_code", 0)
    # An unknown voucher number reads the same: numbers cannot be probed.
    unknown = _send(door, scanner, _record(door, scanner, at=now, digits=right, voucher_id=999_999)).get_json()
    assert (unknown["outcome"], unknown["code"]) == ("rejected", "wrong_typed_code")
    assert _balance(door) == 2500
    _books_balance(door)


def test_a_code_from_a_minute_ago_is_refused_and_one_from_this_step_is_not(door, now):
    scanner = next(iter(door.scanners))
    old = _send(door, scanner, _record(door, scanner, at=now, digits=_code(door, now - 75))).get_json()
    assert (old["outcome"], old["code"]) == ("rejected", "wrong_typed_code")
    assert _balance(door) == 2500


def test_another_venues_scanner_cannot_use_or_forge_this_scanners_request(door, now):
    scanner = next(iter(door.scanners))
    digits = _code(door, now)
    # Signed by this scanner, sent as the other venue's: the signature does not match that scanner.
    forged = _send(door, door.away, _record(door, scanner, at=now, digits=digits))
    assert forged.status_code == 422 and forged.get_json()["code"] == "bad_scanner_signature"
    # The other venue's own scanner may take the code (the voucher pays for theatre there
    # too), and then the same code cannot be paid again at the first venue.
    away = _send(door, door.away, _record(door, door.away, at=now, digits=digits)).get_json()
    assert away["outcome"] == "redeemed"
    here = _send(door, scanner, _record(door, scanner, at=now, digits=digits)).get_json()
    assert (here["outcome"], here["code"]) == ("rejected", "presentation_replayed")
    # An event of the other venue named at this venue's scanner is not at its venue.
    elsewhere = _send(door, scanner, _record(door, scanner, at=now + 15, digits=_code(door, now + 15),
                                             event_id=door.away_event_id)).get_json()
    assert (elsewhere["outcome"], elsewhere["code"]) == ("rejected", "event_not_at_venue")
    assert _balance(door) == 2500 - 1200
    _books_balance(door)


def test_a_typed_code_never_overspends_the_balance(door, now):
    scanner = next(iter(door.scanners))
    big = _send(door, scanner, _record(door, scanner, at=now, digits=_code(door, now), amount=2600)).get_json()
    assert (big["outcome"], big["code"]) == ("rejected", "insufficient_balance")
    assert _balance(door) == 2500
    _books_balance(door)


def test_a_typed_code_synced_as_an_offline_acceptance_is_rejected(door, now):
    scanner = next(iter(door.scanners))
    (result,) = door.sync(scanner, _record(door, scanner, at=now, digits=_code(door, now)))
    assert (result["outcome"], result["code"]) == ("rejected", "typed_code_needs_connection")
    assert _balance(door) == 2500


def test_guessing_is_bounded_per_voucher_and_per_scanner(door, now, monkeypatch):
    scanner, other = door.scanners
    right = _code(door, now)
    wrong = [f"{(int(right) + i) % 1_000_000:06d}" for i in range(1, 7)]
    for digits in wrong[:typed.WRONG_CODES_PER_VOUCHER]:
        assert _send(door, scanner, _record(door, scanner, at=now, digits=digits)).get_json()["code"] == \
            "wrong_typed_code"
    # Locked for this voucher, even from the other phone, even with the right code.
    locked = _send(door, other, _record(door, other, at=now, digits=right)).get_json()
    assert (locked["outcome"], locked["code"]) == ("rejected", "typed_code_locked")
    assert _balance(door) == 2500

    # Per scanner: past the limit a minute, 429 whatever the code (the limiter's clock held still).
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: 1_900_000_000.0))
    answers = [_send(door, door.away, _record(door, door.away, at=now, digits=wrong[0], voucher_id=999_999))
               for _ in range(25)]
    statuses = [a.status_code for a in answers]
    limit = int(throttle.TYPED_CODES_PER_SCANNER.split()[0])
    assert statuses[:limit] == [200] * limit and statuses[limit] == 429, statuses
    assert answers[limit].get_json()["code"] == "too_many_requests"


def test_a_malformed_request_is_a_problem_not_a_500(door, now):
    scanner = next(iter(door.scanners))
    for body in ({"record": "MR:0"}, {"record": ""}, {"record": 5}, {}, {"record": "x" * 5000}):
        answer = door.app.test_client().post(f"/api/v1/scanners/{scanner}/typed-code", json=body)
        assert answer.status_code == 422, (body, answer.status_code)
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    # A real presentation sent as a typed code is not one.
    not_typed = _send(door, scanner, door.record(scanner, at=now))
    assert not_typed.status_code == 422 and not_typed.get_json()["code"] == "typed_code_malformed"
    missing = _send(door, 999_999, _record(door, scanner, at=now, digits="000000"))
    assert missing.status_code == 404 and missing.get_json()["code"] == "scanner_not_found"


def test_the_committed_vectors_are_current():
    assert generate_typed.FILE.read_text() == generate_typed.text()
    document = json.loads(generate_typed.text())
    key = bytes.fromhex(document["keys"]["12"])
    assert typed_code.matching_step(key, typed_code.code(key, 100), now=100 * 15 + 14) == 100
    assert typed_code.matching_step(key, typed_code.code(key, 100), now=104 * 15) is None  # a minute on
