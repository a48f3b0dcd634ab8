from datetime import datetime, timezone

import sqlalchemy as sa

from server.accounts.models import Organisation
from server.catalogue import taxonomy
from server.extensions import db
from server.ledger import api as ledger
from server.door.models import ScanRecord
from server.reports import repository as reports_repository
from server.door import revocations
from server.door.models import VOUCHER
from server.vouchers.models import Voucher
from signing import DeviceKey, record_scan, to_text
from signing.tokens import categories_to_mask


def _balances(door):
    with door.app.app_context():
        return (ledger.account("voucher", door.voucher_id).balance_cents,
                ledger.account("venue_payable", door.venue_id).balance_cents,
                ledger.account("campaign_risk", door.campaign_id).balance_cents)


def test_an_offline_redemption_pays_the_venue(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now))
    assert result["outcome"] == "redeemed" and result["duplicate"] is False
    assert _balances(door)[:2] == (2_500 - 1_200, 1_200)


def test_the_same_record_twice_counts_once(door, now):
    a, _ = door.scanners
    record = door.record(a, at=now)
    first = door.sync(a, record)
    before = _balances(door)
    again = door.sync(a, record, record)
    assert [r["duplicate"] for r in again] == [True, True]
    assert [r["outcome"] for r in again] == [first[0]["outcome"]] * 2
    assert _balances(door) == before
    with door.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ScanRecord)) == 1


def test_the_time_step_is_checked_against_the_scan_time_not_the_sync_time(door, now):
    a, _ = door.scanners
    two_hours_ago = now - 7_200
    (result,) = door.sync(a, door.record(a, at=two_hours_ago))
    assert result["outcome"] == "redeemed"


def test_a_refused_scan_is_recorded_and_moves_nothing(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now, result="stale_presentation", amount=0))
    assert (result["outcome"], result["code"]) == ("refused", "stale_presentation")
    assert _balances(door)[:2] == (2_500, 0)


def test_a_record_not_signed_by_the_enrolled_scanner_is_rejected_and_not_stored(door, now):
    a, _ = door.scanners
    forged = to_text(record_scan(DeviceKey.generate(), record_id=bytes(16), scanner_id=a, scanned_at=now,
                                 event_id=door.event_id, amount_cents=1200, result="accepted",
                                 scanned_text=door.presentation(now)))
    (result,) = door.sync(a, forged)
    assert (result["outcome"], result["code"]) == ("rejected", "bad_scanner_signature")
    with door.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ScanRecord)) == 0


def test_a_scanner_that_accepted_a_screenshot_is_not_paid(door, now):
    a, _ = door.scanners
    old_presentation = door.presentation(now - 600)
    (result,) = door.sync(a, door.record(a, at=now, text=old_presentation))
    assert (result["outcome"], result["code"]) == ("rejected", "stale_presentation")
    assert _balances(door)[1] == 0


def test_a_voucher_overspent_across_venues_is_frozen_and_charged_to_the_risk_account(door, now):
    a, b = door.scanners
    door.sync(a, door.record(a, at=now - 60, amount=1_200))
    door.sync(b, door.record(b, at=now - 45, amount=800))
    (away,) = door.sync(door.away, door.record(door.away, at=now - 30, amount=1_200))
    assert away["outcome"] == "redeemed" and away["overspend_cents"] == 700
    voucher, payable, risk = _balances(door)
    assert (voucher, payable) == (0, 2_000)
    assert risk == 2_000 - 700
    with door.app.app_context():
        assert db.session.get(Voucher, door.voucher_id).status == "frozen"
        entries, _, _ = revocations.since(0)
        assert [(e.kind, e.value) for e in entries] == [(VOUCHER, str(door.voucher_id))]


def test_one_scanner_cannot_take_more_than_its_share_of_the_offline_allowance(door, now):
    a, _ = door.scanners  # two scanners at the venue: each may take 12 of the 24 EUR allowance
    first, second = door.sync(a, door.record(a, at=now - 40, amount=1_000), door.record(a, at=now - 20, amount=300))
    assert first["outcome"] == "redeemed"
    assert (second["outcome"], second["code"]) == ("rejected", "allowance_exceeded")
    assert _balances(door)[1] == 1_000


def test_a_revocation_published_after_the_scan_does_not_cancel_it(door, now):
    a, _ = door.scanners
    record = door.record(a, at=now - 120)
    with door.app.app_context():
        revocations.add(kind=VOUCHER, value=door.voucher_id, reason="lost phone", now=datetime.now(timezone.utc))
        db.session.commit()
    (result,) = door.sync(a, record)
    assert result["outcome"] == "redeemed"


def test_a_revocation_the_scanner_had_downloaded_is_enforced(door, now):
    a, _ = door.scanners
    with door.app.app_context():
        revocations.add(kind=VOUCHER, value=door.voucher_id, reason="lost phone",
                        now=datetime.fromtimestamp(now - 3_600, timezone.utc))
        db.session.commit()
    (result,) = door.sync(a, door.record(a, at=now))
    assert (result["outcome"], result["code"]) == ("rejected", "revoked")


def test_an_event_of_another_venue_is_out_of_bounds(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now, event_id=999_999))
    assert (result["outcome"], result["code"]) == ("rejected", "event_not_at_venue")


def _venue_offers(door, *slugs):
    with door.app.app_context():
        venue = db.session.get(Organisation, door.venue_id)
        venue.category_mask = categories_to_mask(taxonomy.by_slug(slug).code for slug in slugs)
        db.session.commit()


def test_a_typed_price_with_no_event_pays_for_a_category_the_venue_offers_and_the_voucher_allows(door, now):
    _venue_offers(door, "cinema", "musei")  # the voucher allows teatro and musei
    a, _ = door.scanners

    (result,) = door.sync(a, door.record(a, at=now, event_id=0, amount=900))

    assert result["outcome"] == "redeemed"
    assert _balances(door)[:2] == (2_500 - 900, 900)
    with door.app.app_context():
        museums = taxonomy.by_slug("musei").code  # the one category both allow
        stored = db.session.execute(sa.select(ScanRecord.event_id, ScanRecord.category_code)
                                    .filter_by(scanner_id=a)).one()
        by_category, _ = reports_repository.campaign_spend(door.campaign_id)["category"]
    assert tuple(stored) == (None, museums)
    assert list(by_category) == [museums] and by_category[museums][0] == 900  # the sponsor sees museums


def test_a_redemption_at_an_event_is_reported_under_the_events_category(door, now):
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now))
    with door.app.app_context():
        stored = db.session.scalar(sa.select(ScanRecord.category_code).filter_by(scanner_id=a))
        assert stored == taxonomy.by_slug("teatro").code


def test_a_typed_price_with_no_event_is_out_of_scope_where_the_venue_offers_nothing_the_voucher_allows(door, now):
    a, _ = door.scanners
    _venue_offers(door, "cinema")
    (elsewhere,) = door.sync(a, door.record(a, at=now, event_id=0, amount=900))
    _venue_offers(door)  # a venue that never said what it offers
    (unsaid,) = door.sync(a, door.record(a, at=now, event_id=0, amount=900))

    assert [(r["outcome"], r["code"]) for r in (elsewhere, unsaid)] == [("rejected", "out_of_scope")] * 2
    assert _balances(door)[:2] == (2_500, 0)


def test_a_record_repeated_within_one_batch_counts_once(door, now):
    a, _ = door.scanners
    record = door.record(a, at=now)
    first, repeat = door.sync(a, record, record)
    assert (first["outcome"], first["duplicate"]) == ("redeemed", False)
    assert (repeat["outcome"], repeat["duplicate"], repeat["record_id"]) == ("redeemed", True, first["record_id"])
    assert _balances(door)[:2] == (1_300, 1_200)


def test_overspend_within_one_batch_is_charged_to_the_latest_scans(door, now):
    a, _ = door.scanners
    records = [door.record(a, at=now - 50 + 15 * n, amount=400) for n in range(3)]  # 12 EUR: this scanner's share
    with door.app.app_context():
        from server.ledger import api as ledger
        ledger.move(idempotency_key="spent-online", kind="booking", source=ledger.account("voucher", door.voucher_id),
                    destination=ledger.account("venue_payable", door.venue_id), amount_cents=1_800)
        db.session.commit()
    results = door.sync(a, *records)
    assert [r["overspend_cents"] for r in results] == [0, 100, 400]
    assert _balances(door)[0] == 0


def _state(door):
    """Everything a sync can change, in a comparable form."""
    from server.ledger.models import Account, Posting, Transfer
    from server.door.models import RevocationEntry

    with door.app.app_context():
        rows = lambda model, *columns: sorted(db.session.execute(db.select(*columns)).all())  # noqa: E731
        return {
            "scan_records": rows(ScanRecord, ScanRecord.record_id, ScanRecord.outcome, ScanRecord.outcome_code,
                                 ScanRecord.amount_cents, ScanRecord.overspend_cents, ScanRecord.flagged),
            "balances": rows(Account, Account.kind, Account.owner_id, Account.balance_cents),
            "postings": rows(Posting, Posting.account_id, Posting.amount_cents),
            "transfers": rows(Transfer, Transfer.idempotency_key, Transfer.kind),
            "revocations": rows(RevocationEntry, RevocationEntry.kind, RevocationEntry.value),
            "voucher_status": db.session.get(Voucher, door.voucher_id).status,
        }


def test_a_whole_sync_replayed_gives_identical_state(door, now):
    """Redemptions at two venues with an overspend, a refused scan, a forged record
    and an over-allowance one, then every batch sent again, in another order."""
    a, b = door.scanners
    batch_a = [door.record(a, at=now - 300, amount=1_200), door.record(a, at=now - 200, result="stale_presentation",
                                                                         amount=0),
               door.record(a, at=now - 100, amount=1_000)]  # beyond this scanner's 12 EUR share
    batch_b = [door.record(b, at=now - 80, amount=800)]
    batch_away = [door.record(door.away, at=now - 50, amount=1_500)]  # 15 > the 12 EUR share: rejected
    # 12 + 8 + 12 EUR spent from a 25 EUR voucher: 7 EUR of overspend, the voucher frozen
    batch_away.append(door.record(door.away, at=now - 35, amount=1_200))
    first = door.sync(a, *batch_a) + door.sync(b, *batch_b) + door.sync(door.away, *batch_away)
    assert [r["outcome"] for r in first] == ["redeemed", "refused", "rejected", "redeemed", "rejected", "redeemed"]
    assert first[-1]["overspend_cents"] == 700
    before = _state(door)
    assert before["voucher_status"] == "frozen" and len(before["transfers"]) >= 3

    again = door.sync(door.away, *batch_away) + door.sync(b, *batch_b) + door.sync(a, *reversed(batch_a))

    assert _state(door) == before
    assert all(r["duplicate"] for r in again)
    assert [r["outcome"] for r in again] == ["rejected", "redeemed", "redeemed", "rejected", "refused", "redeemed"]
