"""The sync tried as a dishonest or buggy scanner would: replays inside and across
records and scanners, records crafted to the limits of the format, garbage."""
import sqlalchemy as sa

from server.door.models import ScannerDevice, ScanRecord
from server.extensions import db
from server.ledger import api as ledger
from signing import present, to_text


def _payable(door, venue_id=None):
    with door.app.app_context():
        return ledger.account("venue_payable", venue_id or door.venue_id).balance_cents


def _post(door, scanner_id, records, **body):
    response = door.app.test_client().post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": records, **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_one_presentation_in_two_records_of_one_scanner_is_paid_once(door, now):
    a, _ = door.scanners
    shown = door.presentation(now)
    first, second = door.sync(a, door.record(a, at=now, amount=500, text=shown),
                              door.record(a, at=now + 2, amount=500, text=shown))
    assert first["outcome"] == "redeemed"
    assert (second["outcome"], second["code"]) == ("rejected", "presentation_replayed")
    assert _payable(door) == 500


def test_one_presentation_on_two_scanners_of_a_venue_is_paid_once(door, now):
    a, b = door.scanners
    shown = door.presentation(now)
    door.sync(a, door.record(a, at=now, amount=500, text=shown))
    (second,) = door.sync(b, door.record(b, at=now + 5, amount=500, text=shown))
    assert (second["outcome"], second["code"]) == ("rejected", "presentation_replayed")
    assert _payable(door) == 500


def test_one_presentation_at_two_venues_is_paid_once_whatever_the_sync_order(door, now):
    a, _ = door.scanners
    shown = door.presentation(now)
    later = door.record(a, at=now + 5, amount=500, text=shown)
    (away,) = door.sync(door.away, door.record(door.away, at=now, amount=500, text=shown))
    (here,) = door.sync(a, later)
    assert away["outcome"] == "redeemed" and (here["outcome"], here["code"]) == ("rejected", "presentation_replayed")
    assert (_payable(door), _payable(door, door.away_venue_id)) == (0, 500)


def test_the_same_presentation_with_a_malleated_signature_is_still_the_same_presentation(door, now):
    """ECDSA's (r, n - s) is as valid as (r, s): a different text, the same presentation."""
    from signing.tokens import parse_unverified

    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # of P-256
    a, b = door.scanners
    shown = present(door.credential, door.wallet, now=now)
    r, s = int.from_bytes(shown.signature[:32], "big"), int.from_bytes(shown.signature[32:], "big")
    twin = parse_unverified(to_text(shown))
    twin = type(twin)(twin.credential, twin.time_step, r.to_bytes(32, "big") + (order - s).to_bytes(32, "big"))
    assert to_text(twin) != to_text(shown)
    door.sync(a, door.record(a, at=now, amount=500, text=to_text(shown)))
    (second,) = door.sync(b, door.record(b, at=now, amount=500, text=to_text(twin)))
    assert second["code"] == "presentation_replayed"


def test_a_record_at_the_limits_of_the_format_is_rejected_alone(door, now):
    a, _ = door.scanners
    results = door.sync(a, door.record(a, at=now - 30, amount=0xFFFFFFFF),
                        door.record(a, at=now - 15, amount=1_000, event_id=0xFFFFFFFF),
                        door.record(a, at=now, amount=1_000))
    assert [(r["outcome"], r["code"]) for r in results] == [
        ("rejected", "invalid_amount"), ("rejected", "event_not_at_venue"), ("redeemed", None)]
    with door.app.app_context():
        stored = db.session.execute(sa.select(ScanRecord.amount_cents, ScanRecord.event_id)
                                    .order_by(ScanRecord.scanned_at)).all()
    assert [tuple(row) for row in stored] == [(0xFFFFFFFF, door.event_id), (1_000, 0xFFFFFFFF), (1_000, door.event_id)]
    assert _payable(door) == 1_000


def test_scans_dated_before_the_phone_existed_or_far_ahead_are_rejected(door, now):
    a, _ = door.scanners
    (ancient,) = door.sync(a, door.record(a, at=now - 3 * 86_400, amount=500))  # enrolled a day ago
    (ahead,) = door.sync(a, door.record(a, at=now + 3_600, amount=500))
    assert [ancient["code"], ahead["code"]] == ["scanned_before_enrolment", "scanned_in_future"]
    assert _payable(door) == 0


def test_garbage_does_not_move_a_scanners_last_sync(door, now):
    a, _ = door.scanners

    def last_sync():
        with door.app.app_context():
            return db.session.get(ScannerDevice, a).last_sync_at

    answer = _post(door, a, ["MR:garbage", door.record(door.away, at=now)])  # another scanner's key
    assert [r["code"] for r in answer["results"]] == ["malformed", "bad_scanner_signature"]
    assert last_sync() is None
    _post(door, a, [door.record(a, at=now, result="stale_presentation", amount=0)])
    assert last_sync() is not None


def test_a_scanner_cannot_spoil_another_scanners_record_ids(door, now):
    a, b = door.scanners
    record_id = bytes(range(16))
    (theirs,) = door.sync(b, door.record(b, at=now - 15, amount=300, record_id=record_id))
    (mine,) = door.sync(a, door.record(a, at=now, amount=500, record_id=record_id))
    assert (theirs["duplicate"], mine["duplicate"]) == (False, False)
    assert (theirs["outcome"], mine["outcome"]) == ("redeemed", "redeemed")
    assert _payable(door) == 800


def test_the_answer_carries_this_batchs_freeze_and_the_scanners_status(door, now):
    a, b = door.scanners
    with door.app.app_context():
        since = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(sa.text("id")), 0))
                                  .select_from(sa.table("revocation_entry")))
    door.sync(a, door.record(a, at=now - 60, amount=1_200))
    door.sync(b, door.record(b, at=now - 45, amount=1_200))
    answer = _post(door, door.away, [door.record(door.away, at=now - 30, amount=1_200)], since=since)
    assert answer["results"][0]["overspend_cents"] == 1_100
    assert answer["revocations"]["entries"] == [{"kind": "voucher", "value": str(door.voucher_id)}]
    assert answer["revocations"]["more"] is False and answer["revocations"]["since"] > since
    assert answer["scanner"] == {"status": "active", "retired_at": None}
    assert _post(door, a, [door.record(a, at=now, result="revoked", amount=0)])["revocations"] is None


def test_a_retired_scanner_is_told_so_in_the_sync_answer(door, now):
    a, _ = door.scanners
    with door.app.app_context():
        from datetime import datetime, timezone

        from server.accounts.models import Organisation
        from server.door import enrolment
        enrolment.retire(venue=db.session.get(Organisation, door.venue_id), scanner_id=a,
                         now=datetime.now(timezone.utc))
        db.session.commit()
    answer = _post(door, a, [door.record(a, at=now + 30, result="scanner_retired", amount=0)])
    assert answer["scanner"]["status"] == "retired" and answer["scanner"]["retired_at"]
    assert answer["results"][0]["outcome"] == "refused"


def test_the_since_cursor_is_checked(door):
    a, _ = door.scanners
    response = door.app.test_client().post(f"/api/v1/scanners/{a}/sync", json={"records": ["x"], "since": -1})
    assert response.status_code == 422
    huge = door.app.test_client().post(f"/api/v1/scanners/{a}/sync", json={"records": ["x"], "since": 2 ** 70})
    assert huge.status_code == 422
