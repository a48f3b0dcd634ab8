"""Revocations count only as the scanner could know them (server/door/README.md, "The rules,
as they are", step 4), by the same history of downloads as a campaign's territory: each
record is judged by the scanner's latest download of the whole revocation list at or
before its scan time (a bundle, or a sync answer that carried the list), and past the
data age by every revocation published up to the scan. A typed code is checked online:
every revocation up to now. The `door` fixture's voucher: 25 EUR, 12 EUR a record."""
from datetime import datetime, timezone

import pytest

from server import keys
from server.door import bundle as door_bundle, revocations, rules, sync as door_sync
from server.door.models import VOUCHER, ScannerDevice
from server.extensions import db
from server.ledger import api as ledger
from tests.server.door.test_campaign_territory import PAID, _money, _outcomes, _typed, _untouched

HOUR = 3_600
REVOKED = ("rejected", "revoked")


def _instant(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)


def _downloads(door, scanner_id: int, *moments: int):
    """The scanner's bundle downloads, as if they were its only ones (the fixture's forgotten)."""
    with door.app.app_context():
        scanner = db.session.get(ScannerDevice, scanner_id)
        scanner.last_bootstrap_at = scanner.previous_bootstrap_at = None
        scanner.bundle_downloaded_at = scanner.previous_bundle_downloaded_at = None
        for moment in moments:
            door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=_instant(moment))
        db.session.commit()


def _revoke(door, moment: int):
    with door.app.app_context():
        revocations.add(kind=VOUCHER, value=door.voucher_id, reason="lost phone", now=_instant(moment))
        db.session.commit()


def _sync_answer(door, scanner_id: int, moment: int):
    """A sync at ``moment`` asking for the revocations since 0: its answer carries the whole list."""
    with door.app.app_context():
        answer = door_sync.sync(scanner_id=scanner_id, since=0, keys=keys.public_keyset(), now=_instant(moment),
                                records=[door.record(scanner_id, at=moment - 60, result="out_of_scope", amount=0)],
                                max_skew_seconds=door.app.config["PRESENTATION_MAX_SKEW_SECONDS"])
        db.session.commit()
    assert answer["revocations"]["more"] is False


def _books_balance(door):
    with door.app.app_context():
        assert ledger.check_books() == []


def test_a_revocation_published_before_the_download_is_enforced(door, now):
    a, _ = door.scanners
    _revoke(door, now - 3 * HOUR)
    _downloads(door, a, now - 2 * HOUR)
    before = _money(door)
    assert _outcomes(door.sync(a, door.record(a, at=now - HOUR))) == [REVOKED]
    _untouched(door, before)


def test_a_record_scanned_before_a_download_that_landed_first_is_judged_by_the_previous_one(door, now):
    """A phone back online downloads and syncs at once: the download lands before the
    records scanned with the previous bundle, which could not list the revocation. A record
    whose scan time is after the new download is judged with it."""
    a, _ = door.scanners
    _downloads(door, a, now - 2 * HOUR)
    _revoke(door, now - HOUR)
    _downloads(door, a, now - 2 * HOUR, now - HOUR // 2)
    voucher, payable, risk = _money(door)
    records = [door.record(a, at=now - 45 * 60, amount=500), door.record(a, at=now - 20 * 60, amount=500)]
    assert _outcomes(door.sync(a, *records)) == [PAID, REVOKED]
    assert _money(door) == (voucher - 500, payable + 500, risk)
    _books_balance(door)


def test_a_sync_answer_that_carried_the_whole_list_is_a_download(door, now):
    a, _ = door.scanners
    _downloads(door, a, now - 2 * HOUR)
    _revoke(door, now - 90 * 60)
    _sync_answer(door, a, now - HOUR)
    before = _money(door)
    assert _outcomes(door.sync(a, door.record(a, at=now - HOUR // 2))) == [REVOKED]
    _untouched(door, before)


def test_records_scanned_before_the_sync_answer_are_judged_by_the_bundle(door, now):
    """A second batch of the same outbox, scanned before the first batch's answer."""
    a, _ = door.scanners
    _downloads(door, a, now - 2 * HOUR)
    _revoke(door, now - 90 * 60)
    _sync_answer(door, a, now - HOUR)
    assert _outcomes(door.sync(a, door.record(a, at=now - 80 * 60))) == [PAID]
    _books_balance(door)


def test_a_bundle_download_does_not_hide_the_revocations_a_sync_answer_gave_before(door, now):
    """The scanner got the revocation in a sync answer, accepted the voucher anyway, then
    downloaded a bundle before syncing that record: the answer is still on record
    (previous_bootstrap_at), so the record is judged with it."""
    a, _ = door.scanners
    _downloads(door, a, now - 3 * HOUR)
    _revoke(door, now - 150 * 60)
    _sync_answer(door, a, now - 2 * HOUR)
    _downloads_again(door, a, now - HOUR)
    before = _money(door)
    assert _outcomes(door.sync(a, door.record(a, at=now - 90 * 60))) == [REVOKED]
    _untouched(door, before)


def _downloads_again(door, scanner_id: int, moment: int):
    with door.app.app_context():
        scanner = db.session.get(ScannerDevice, scanner_id)
        door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=_instant(moment))
        db.session.commit()


@pytest.mark.parametrize("max_data_age_seconds, outcome", [(86_400, PAID), (HOUR, REVOKED)],
                         ids=["within_the_data_age", "past_the_data_age"])
def test_a_stale_scanner_is_judged_with_every_revocation_up_to_the_scan(door, now, max_data_age_seconds, outcome):
    """An honest scanner refuses every code on data older than the data age
    (scanner_data_stale): not downloading earns no ignored revocation."""
    door.app.config["SCANNER_MAX_DATA_AGE_SECONDS"] = max_data_age_seconds
    a, _ = door.scanners
    _downloads(door, a, now - 3 * HOUR)
    _revoke(door, now - 2 * HOUR)
    assert _outcomes(door.sync(a, door.record(a, at=now - HOUR))) == [outcome]
    _books_balance(door)


def test_a_typed_code_is_judged_with_every_revocation_up_to_now(door, now):
    """Checked online, by a server that knows the whole list; the same scanner's offline
    record of that moment could not know it, and is paid."""
    a, _ = door.scanners
    _downloads(door, a, now - 2 * HOUR)
    _revoke(door, now - 60)
    before = _money(door)
    refused = _typed(door, a, at=now)
    assert (refused["outcome"], refused["code"], refused["amount_cents"]) == (*REVOKED, 0)
    _untouched(door, before)
    assert _outcomes(door.sync(a, door.record(a, at=now))) == [PAID]
    _books_balance(door)


def test_a_bundle_page_that_leaves_more_to_fetch_is_no_download(door, now, monkeypatch):
    """The scanner decides nothing until the list is complete: only the last page counts,
    and the previous bundle stays among the last two."""
    a, _ = door.scanners
    _downloads(door, a, now - 2 * HOUR)
    _revoke(door, now - 3 * HOUR)
    _revoke(door, now - 3 * HOUR)
    monkeypatch.setattr(revocations, "MAX_ENTRIES_PER_PAGE", 1)
    with door.app.app_context():
        scanner = db.session.get(ScannerDevice, a)
        first = door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=_instant(now - HOUR))
        assert first["revocations"]["more"] is True
        assert (scanner.last_bootstrap_at, scanner.bundle_downloaded_at) == (_instant(now - 2 * HOUR),) * 2
        last = door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=first["revocations"]["since"],
                                     now=_instant(now - HOUR + 5))
        assert last["revocations"]["more"] is False
        assert (scanner.last_bootstrap_at, scanner.bundle_downloaded_at, scanner.previous_bundle_downloaded_at) == (
            _instant(now - HOUR + 5), _instant(now - HOUR + 5), _instant(now - 2 * HOUR))


@pytest.mark.parametrize("downloads, scanned, known", [
    ((200, 200, None), 300, 200),  # the download before the scan
    ((310, 310, 200), 300, 200),  # downloaded again after the scan: the previous one
    ((250, 200, None), 300, 250),  # a sync answer that carried the whole list since
    ((310, 305, None), 300, 300),  # no download the server knows before the scan
    ((None, None, None), 300, 300),  # never downloaded
    ((200, 200, None), 200 + 86_401, 200 + 86_401),  # past the data age: everything up to the scan
    ((200, 200, None), 200 + 86_400, 200),  # at the data age: still fresh
])
def test_which_revocations_a_scanner_could_know(downloads, scanned, known):
    assert rules.revocations_known_at(scanned, downloads=downloads, max_data_age_seconds=86_400) == known
