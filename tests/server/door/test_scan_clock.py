"""Scan times from door phones whose clocks are wrong (issue 15): a record dated on the
server's time as the scanner measured it, with the phone's own clock signed beside it
(the clock trailer), is judged on the corrected time within rules.MAX_CLOCK_CORRECTION_SECONDS."""
from datetime import datetime, timezone

import sqlalchemy as sa

from server.door import rules
from server.door.models import ScanRecord
from server.extensions import db


def _stored(door):
    with door.app.app_context():
        return db.session.execute(sa.select(ScanRecord.scanned_at, ScanRecord.phone_scanned_at, ScanRecord.outcome,
                                            ScanRecord.outcome_code).order_by(ScanRecord.id)).all()


def _at(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc)


def test_a_door_phone_ten_minutes_off_is_paid_on_the_corrected_time_and_both_times_are_kept(door, now):
    a, b = door.scanners
    (behind,) = door.sync(a, door.record(a, at=now - 30, phone_at=now - 30 - 600, amount=500))
    (ahead,) = door.sync(b, door.record(b, at=now, phone_at=now + 600, amount=500))
    assert [behind["outcome"], ahead["outcome"]] == ["redeemed", "redeemed"]
    assert [tuple(row) for row in _stored(door)] == [
        (_at(now - 30), _at(now - 630), "redeemed", None), (_at(now), _at(now + 600), "redeemed", None)]


def test_a_record_without_the_clock_trailer_keeps_no_phone_time(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now, amount=500))
    assert result["outcome"] == "redeemed"
    assert [tuple(row) for row in _stored(door)] == [(_at(now), None, "redeemed", None)]


def test_a_correction_past_the_maximum_is_rejected_with_a_stable_code(door, now):
    a, _ = door.scanners
    limit = rules.MAX_CLOCK_CORRECTION_SECONDS
    at_limit, past = door.sync(a, door.record(a, at=now - 30, phone_at=now - 30 - limit, amount=500),
                               door.record(a, at=now, phone_at=now + limit + 1, amount=500))
    assert at_limit["outcome"] == "redeemed"
    assert (past["outcome"], past["code"]) == ("rejected", "clock_correction_too_large")


def test_a_corrected_time_ahead_of_the_sync_is_in_the_future_whatever_the_phone_clock_says(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now + 3_600, phone_at=now, amount=500))
    assert (result["outcome"], result["code"]) == ("rejected", "scanned_in_future")


def test_a_refusal_keeps_its_own_code_whatever_its_clock(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now, phone_at=now - 3 * 86_400, amount=0,
                                         result="scanner_clock_wrong"))
    assert (result["outcome"], result["code"]) == ("refused", "scanner_clock_wrong")
