"""The door's territory rule counts only what the scanner could know (server/door/README.md,
"A campaign's territory"): a campaign made after the scanner's last bundle download is not
in the bundle's `campaigns_not_here`, so a scanner following its rules accepts its
vouchers anywhere. The sync then pays them by the usual rules and notes the record for
the operator, instead of leaving the venue unpaid and its scanner flagged. The campaign
targets Milan; the `door` fixture's venue is moved to Rome."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server import keys
from server.campaigns.models import Campaign
from server.door import bundle as door_bundle, rules
from server.door.models import ScannerDevice, ScanRecord
from server.extensions import db
from server.ledger import api as ledger
from server.settlement import lines as settlement_lines
from tests.server import factories
from tests.server.door.test_campaign_territory import MILANO, OUTSIDE, ROMA, _money, _move, _outcomes, _target, \
    _typed, _untouched

HOUR = 3_600
NOTED = ("redeemed", rules.OUTSIDE_AREA_NOT_KNOWN)


@pytest.fixture
def rome(door):
    """The Milan campaign's voucher at a venue in Rome."""
    _target(door, MILANO)
    _move(door, door.venue_id, ROMA)
    return door


def _made_at(door, moment: int):
    with door.app.app_context():
        db.session.get(Campaign, door.campaign_id).created_at = _instant(moment)
        db.session.commit()


def _downloads(door, scanner_id: int, *moments: int):
    """The scanner's bundle downloads, as if they were its only ones (the fixture's forgotten)."""
    with door.app.app_context():
        scanner = db.session.get(ScannerDevice, scanner_id)
        scanner.bundle_downloaded_at = scanner.previous_bundle_downloaded_at = None
        for moment in moments:
            door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=_instant(moment))
        db.session.commit()


def _instant(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)


def _row(door, outcome_code):
    with door.app.app_context():
        row = db.session.scalars(sa.select(ScanRecord).filter_by(outcome_code=outcome_code)).one()
        db.session.expunge(row)
        return row


def test_a_campaign_made_before_the_download_is_rejected_as_ever(rome, now):
    a, _ = rome.scanners
    _made_at(rome, now - 3 * HOUR)
    _downloads(rome, a, now - 2 * HOUR)
    before = _money(rome)
    assert _outcomes(rome.sync(a, rome.record(a, at=now))) == [OUTSIDE]
    _untouched(rome, before)
    assert _row(rome, "outside_campaign_area").flagged


def test_a_campaign_made_after_the_download_is_paid_noted_and_not_flagged(rome, now):
    a, _ = rome.scanners
    _downloads(rome, a, now - 2 * HOUR)
    _made_at(rome, now - HOUR)
    voucher, payable, risk = _money(rome)
    assert _outcomes(rome.sync(a, rome.record(a, at=now))) == [NOTED]
    assert _money(rome) == (voucher - 1_200, payable + 1_200, risk)
    with rome.app.app_context():
        assert ledger.check_books() == []
        # Not an anomaly a settlement run holds: the venue is paid in the next run.
        assert db.session.execute(settlement_lines.open_anomalies(_instant(now + HOUR))).all() == []
    row = _row(rome, rules.OUTSIDE_AREA_NOT_KNOWN)
    assert (row.outcome, row.flagged, row.voucher_id, row.campaign_id) == ("redeemed", False, rome.voucher_id,
                                                                           rome.campaign_id)


def test_the_operator_sees_the_noted_redemption(rome, now):
    a, _ = rome.scanners
    _downloads(rome, a, now - 2 * HOUR)
    _made_at(rome, now - HOUR)
    rome.sync(a, rome.record(a, at=now))
    with rome.app.app_context():
        admin_email = factories.user(admin=True).email
        db.session.commit()
    admin = factories.ApiClient(rome.app.test_client()).login(admin_email)
    flags = admin.get("/api/v1/admin/flags").get_json()
    assert [(f["kind"], f["outcome"], f["outcome_code"], f["voucher_id"], f["scanner_id"], f["amount_cents"])
            for f in flags] == [("outside_area_paid", "redeemed", rules.OUTSIDE_AREA_NOT_KNOWN, rome.voucher_id, a,
                                 1_200)]


def test_the_usual_rules_still_bound_what_is_paid(rome, now):
    """Waived territory, not waived allowance: the scanner's share is 12 EUR per credential."""
    a, _ = rome.scanners
    _downloads(rome, a, now - 2 * HOUR)
    _made_at(rome, now - HOUR)
    records = [rome.record(a, at=now - 60, amount=1_200), rome.record(a, at=now, amount=500)]
    assert _outcomes(rome.sync(a, *records)) == [NOTED, ("rejected", "allowance_exceeded")]
    with rome.app.app_context():
        assert ledger.check_books() == []


def test_a_scanner_that_downloaded_again_since_is_rejected(rome, now):
    a, _ = rome.scanners
    _downloads(rome, a, now - 2 * HOUR)
    _made_at(rome, now - HOUR)
    _downloads(rome, a, now - 2 * HOUR, now - HOUR // 2)
    before = _money(rome)
    assert _outcomes(rome.sync(a, rome.record(a, at=now))) == [OUTSIDE]
    _untouched(rome, before)


def test_each_record_is_judged_by_the_download_before_its_scan_time(rome, now):
    """A phone back online downloads and syncs at once: a record scanned with the previous
    bundle is still judged by it; one that claims a scan time after the later download,
    whatever the phone's clock says, is judged with the territory."""
    a, _ = rome.scanners
    _made_at(rome, now - HOUR)
    _downloads(rome, a, now - 2 * HOUR, now - HOUR // 2)
    records = [rome.record(a, at=now - 45 * 60, amount=500, phone_at=now - 45 * 60),
               rome.record(a, at=now - 20 * 60, amount=500, phone_at=now - 2 * HOUR)]
    assert _outcomes(rome.sync(a, *records)) == [NOTED, OUTSIDE]
    with rome.app.app_context():
        assert ledger.check_books() == []


def test_a_sync_answer_does_not_renew_the_campaigns_the_bundle_names(rome, now):
    """A sync that carried the whole revocation list moves what the scanner knows of
    revocations, not of campaigns: only a bundle download names them."""
    a, _ = rome.scanners
    _downloads(rome, a, now - 2 * HOUR)
    _made_at(rome, now - HOUR)
    response = rome.app.test_client().post(f"/api/v1/scanners/{a}/sync", json={
        "records": [rome.record(a, at=now - 60, result="out_of_scope")], "since": 0})
    assert response.status_code == 200, response.get_json()
    assert _outcomes(rome.sync(a, rome.record(a, at=now))) == [NOTED]


@pytest.mark.parametrize("downloaded_hours_ago", [None, 2], ids=["never", "past_the_data_age"])
def test_not_downloading_earns_no_waiver(rome, now, downloaded_hours_ago):
    """An honest scanner refuses every code on data older than the data age (one hour
    here), and a scanner with no download cannot decide: neither case is waived."""
    rome.app.config["SCANNER_MAX_DATA_AGE_SECONDS"] = HOUR
    a, _ = rome.scanners
    _downloads(rome, a, *([] if downloaded_hours_ago is None else [now - downloaded_hours_ago * HOUR]))
    _made_at(rome, now - HOUR // 2)
    before = _money(rome)
    assert _outcomes(rome.sync(a, rome.record(a, at=now))) == [OUTSIDE]
    _untouched(rome, before)


def test_a_typed_code_keeps_the_full_check(rome, now):
    """Checked online by a server that knows every campaign."""
    a, _ = rome.scanners
    _downloads(rome, a, now - 2 * HOUR)
    _made_at(rome, now - HOUR)
    before = _money(rome)
    refused = _typed(rome, a, at=now)
    assert (refused["outcome"], refused["code"], refused["amount_cents"]) == (*OUTSIDE, 0)
    _untouched(rome, before)
    row = _row(rome, "outside_campaign_area")
    assert row.typed and not row.flagged


@pytest.mark.parametrize("created, downloads, scanned, known", [
    (100, (200, None), 300, True),  # made before the download
    (250, (200, None), 300, False),  # made after it, before the scan
    (250, (280, 200), 300, True),  # downloaded again before the scan
    (250, (310, 200), 300, False),  # the download before the scan is the previous one
    (250, (310, 305), 300, True),  # no download the server knows before the scan
    (250, (None, None), 300, True),  # never downloaded
    (250, (200, None), 200 + 86_401, True),  # past the data age: an honest scanner refused
    (250, (200, None), 200 + 86_400, False),  # at the data age: still fresh
])
def test_which_campaigns_a_scanner_could_know(created, downloads, scanned, known):
    assert rules.campaign_known_offline(created, scanned_at=scanned, downloads=downloads,
                                        max_data_age_seconds=86_400) is known


def test_the_bundle_keeps_the_last_two_downloads(door):
    a, _ = door.scanners
    moments = [datetime(2026, 11, 28, hour, tzinfo=timezone.utc) for hour in (1, 2, 3)]
    _downloads(door, a, *(int(moment.timestamp()) for moment in moments))
    with door.app.app_context():
        scanner = db.session.get(ScannerDevice, a)
        assert (scanner.bundle_downloaded_at, scanner.previous_bundle_downloaded_at) == (moments[2], moments[1])
        assert scanner.last_bootstrap_at == moments[2]


def test_a_download_is_recorded_by_the_bootstrap_route(door):
    a, _ = door.scanners
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    staff = factories.ApiClient(door.app.test_client()).login(door.staff_email)
    assert staff.get(f"/api/v1/scanners/{a}/bootstrap").status_code == 200
    with door.app.app_context():
        assert db.session.get(ScannerDevice, a).bundle_downloaded_at >= before
