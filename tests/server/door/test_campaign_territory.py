"""The door honours a campaign's territory (server/door/rules.py, outside_campaign_area):
a voucher of a campaign for Milan presented at a venue in Rome is not paid at sync, by
QR or typed code, and no money moves; tickets were checked when booked. The `door`
fixture: a 25 EUR voucher (24 EUR offline), a 12 EUR theatre event, two scanners at a
venue in Milan and one at a second venue, also in Milan, across town."""
import os
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from server import keys
from server.accounts.models import Organisation, Wallet
from server.campaigns.models import Campaign
from server.catalogue import taxonomy
from server.catalogue.models import Event
from server.door import bundle as door_bundle, typed, typed_code
from server.door.models import ScannerDevice, ScanRecord
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from signing import parse_unverified, present, record_scan, to_text
from signing.tokens import categories_to_mask
from tests.server import factories

MILANO, SESTO, BERGAMO, MONZA, ROMA = "015146", "015209", "016024", "108033", "058091"
OUTSIDE = ("rejected", "outside_campaign_area")
PAID = ("redeemed", None)


def _target(door, *areas, campaign_id=None):
    """The campaign's territory, as area keys (empty: everywhere)."""
    with door.app.app_context():
        db.session.get(Campaign, campaign_id or door.campaign_id).territory = list(areas)
        db.session.commit()


def _move(door, venue_id, municipality_code):
    """The venue, and the events it lists (they carry its municipality), to another town."""
    with door.app.app_context():
        db.session.get(Organisation, venue_id).municipality_code = municipality_code
        db.session.execute(sa.update(Event).where(Event.venue_id == venue_id)
                           .values(municipality_code=municipality_code))
        db.session.commit()


def _offers_theatre(door):
    """A price typed at the door, with no event, pays for a category the venue offers."""
    with door.app.app_context():
        db.session.get(Organisation, door.venue_id).category_mask = categories_to_mask([taxonomy.by_slug("teatro").code])
        db.session.commit()


def _money(door):
    with door.app.app_context():
        return (ledger.account("voucher", door.voucher_id).balance_cents,
                ledger.account("venue_payable", door.venue_id).balance_cents,
                ledger.account("campaign_risk", door.campaign_id).balance_cents)


def _untouched(door, before):
    with door.app.app_context():
        assert ledger.check_books() == []
    assert _money(door) == before


def _outcomes(results):
    return [(result["outcome"], result["code"]) for result in results]


def test_a_voucher_of_a_milan_campaign_is_paid_at_a_venue_in_milan(door, now):
    _target(door, MILANO)
    a, _ = door.scanners
    assert _outcomes(door.sync(a, door.record(a, at=now))) == [PAID]
    assert _money(door)[:2] == (2_500 - 1_200, 1_200)


def test_at_a_venue_in_rome_it_is_rejected_and_no_money_moves(door, now):
    _target(door, MILANO)
    _move(door, door.venue_id, ROMA)
    before = _money(door)
    a, _ = door.scanners
    record = door.record(a, at=now)
    assert _outcomes(door.sync(a, record)) == [OUTSIDE]
    _untouched(door, before)
    with door.app.app_context():
        row = db.session.scalars(sa.select(ScanRecord)).one()
        # Stored as rejected and flagged against the scanner that accepted it: the
        # operator sees it, and the venue's log says why it was not paid.
        assert (row.outcome, row.outcome_code, row.flagged, row.voucher_id) == (*OUTSIDE, True, None)
    again = door.sync(a, record)  # sent again: its first outcome, still nothing paid
    assert _outcomes(again) == [OUTSIDE] and again[0]["duplicate"] is True
    _untouched(door, before)


def test_the_record_of_a_refusing_scanner_stays_a_refusal(door, now):
    """A scanner that knew (its bundle lists the campaign) refused out_of_scope: stored as such."""
    _target(door, MILANO)
    _move(door, door.venue_id, ROMA)
    before = _money(door)
    a, _ = door.scanners
    assert _outcomes(door.sync(a, door.record(a, at=now, result="out_of_scope"))) == [("refused", "out_of_scope")]
    _untouched(door, before)


def test_a_province_wide_campaign_pays_in_the_province_only(door, now):
    _target(door, "P015")  # Città metropolitana di Milano
    a, _ = door.scanners
    _move(door, door.venue_id, SESTO)
    assert _outcomes(door.sync(a, door.record(a, at=now - 600, amount=500))) == [PAID]
    for elsewhere in (MONZA, ROMA):  # Monza is next door, but another province
        _move(door, door.venue_id, elsewhere)
        before = _money(door)
        assert _outcomes(door.sync(a, door.record(a, at=now, amount=500))) == [OUTSIDE]
        _untouched(door, before)


def test_a_region_wide_campaign_pays_across_the_region(door, now):
    _target(door, "R03")  # Lombardia
    a, _ = door.scanners
    for step, town in enumerate((BERGAMO, MONZA)):
        _move(door, door.venue_id, town)
        assert _outcomes(door.sync(a, door.record(a, at=now - 600 + 60 * step, amount=500))) == [PAID]
    _move(door, door.venue_id, ROMA)
    before = _money(door)
    assert _outcomes(door.sync(a, door.record(a, at=now, amount=500))) == [OUTSIDE]
    _untouched(door, before)


def test_a_territory_of_several_areas_pays_in_any_of_them(door, now):
    _target(door, ROMA, "P016")
    a, _ = door.scanners
    _move(door, door.venue_id, BERGAMO)
    assert _outcomes(door.sync(a, door.record(a, at=now - 600, amount=500))) == [PAID]
    _move(door, door.venue_id, ROMA)
    assert _outcomes(door.sync(a, door.record(a, at=now, amount=500))) == [PAID]
    _move(door, door.venue_id, MILANO)
    assert _outcomes(door.sync(a, door.record(a, at=now + 60, amount=500))) == [OUTSIDE]


def test_a_campaign_with_no_territory_pays_anywhere(door, now):
    _target(door)
    _move(door, door.venue_id, ROMA)
    a, _ = door.scanners
    assert _outcomes(door.sync(a, door.record(a, at=now))) == [PAID]
    assert _money(door)[:2] == (2_500 - 1_200, 1_200)


def test_without_an_event_the_venue_s_municipality_counts(door, now):
    _target(door, MILANO)
    _offers_theatre(door)
    a, _ = door.scanners
    assert _outcomes(door.sync(a, door.record(a, at=now - 60, amount=900, event_id=0))) == [PAID]
    _move(door, door.venue_id, ROMA)
    assert _outcomes(door.sync(a, door.record(a, at=now, amount=900, event_id=0))) == [OUTSIDE]


def test_with_an_event_its_municipality_counts(door, now):
    """Events carry the municipality they were listed in: a venue that moved since keeps
    its earlier events where they are."""
    _target(door, MILANO)
    _offers_theatre(door)
    a, _ = door.scanners
    with door.app.app_context():
        db.session.get(Organisation, door.venue_id).municipality_code = ROMA  # the venue moved; the event did not
        db.session.commit()
    assert _outcomes(door.sync(a, door.record(a, at=now - 60))) == [PAID]
    assert _outcomes(door.sync(a, door.record(a, at=now, amount=500, event_id=0))) == [OUTSIDE]


def _second_voucher(door):
    """Another campaign's voucher in the same student's wallet (no territory), and its credential."""
    with door.app.app_context():
        sponsor = factories.organisation("sponsor")
        campaign = factories.funded_campaign(sponsor, amount_cents=50_000, offline_allowance_cents=2_400)
        school = factories.organisation("school")
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=1, today=date.today())
        (code,) = vouchers_api.issue_codes(allocation=allocation, count=1, secret=door.app.secret_key)
        wallet = db.session.scalars(sa.select(Wallet).filter_by(device_key=door.wallet.public_bytes)).one()
        voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=door.app.secret_key, today=date.today())
        credential = parse_unverified(vouchers_api.credential(
            voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(),
            now=datetime.now(timezone.utc) - timedelta(hours=3)))
        db.session.commit()
        return campaign.id, voucher.id, credential


def _ticket(door):
    """A ticket for the venue's event, booked while the voucher was good there."""
    api = door.wallet_api()
    response = api.post("/api/v1/wallet/bookings", json={"event_id": door.event_id, "voucher_id": door.voucher_id,
                                                          "request_id": "req-territory-1"})
    assert response.status_code == 201, response.get_json()
    return parse_unverified(response.get_json()["ticket"])


def test_a_batch_mixing_campaigns_pays_only_what_each_territory_allows(door, now):
    ticket = _ticket(door)  # paid 12 EUR from the voucher at booking, in Milan
    other_campaign, other_voucher, other_credential = _second_voucher(door)
    _target(door, MILANO)
    _target(door, ROMA, campaign_id=other_campaign)
    _move(door, door.venue_id, ROMA)
    with door.app.app_context():
        payable = ledger.account("venue_payable", door.venue_id).balance_cents
    a, _ = door.scanners
    records = [
        door.record(a, at=now - 90, amount=500),  # the Milan campaign's voucher: not here
        door.record(a, at=now - 60, amount=700, text=to_text(present(other_credential, door.wallet, now=now - 60))),
        door.record(a, at=now - 30, amount=0, text=to_text(present(ticket, door.wallet, now=now - 30))),
        door.record(a, at=now, amount=800),
    ]
    assert _outcomes(door.sync(a, *records)) == [OUTSIDE, PAID, ("checked_in", None), OUTSIDE]
    with door.app.app_context():
        assert ledger.check_books() == []
        assert ledger.account("voucher", door.voucher_id).balance_cents == 2_500 - 1_200  # the booking only
        assert ledger.account("voucher", other_voucher).balance_cents == 2_500 - 700
        assert ledger.account("venue_payable", door.venue_id).balance_cents == payable + 700


def test_the_batch_reads_its_campaigns_territories_in_one_query(door, now):
    """However many records and campaigns: one SELECT on the campaign table per sync."""
    _, _, other_credential = _second_voucher(door)
    _target(door, MILANO)
    a, _ = door.scanners
    records = [door.record(a, at=now - 60 * n, amount=100) for n in range(4)]
    records += [door.record(a, at=now - 60 * n, amount=100,
                            text=to_text(present(other_credential, door.wallet, now=now - 60 * n))) for n in range(4)]
    statements = []
    with door.app.app_context():
        engine = db.engine

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        results = door.sync(a, *records)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert _outcomes(results) == [PAID] * 8
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM campaign " in s + " "]
    assert len(reads) == 1, reads


# --- typed door codes, checked online -------------------------------------------------------


def _typed(door, scanner_id, *, at, amount=1200, event_id=None):
    with door.app.app_context():
        key = typed.door_code_key(db.session.get(Voucher, door.voucher_id))
    digits = typed_code.code(key, at // typed_code.STEP_SECONDS)
    record = to_text(record_scan(
        door.keys[scanner_id], record_id=os.urandom(16), scanner_id=scanner_id, scanned_at=at,
        event_id=door.event_id if event_id is None else event_id, amount_cents=amount, result="accepted",
        scanned_text=typed_code.record_text(door.voucher_id, digits), phone_at=at))
    response = door.app.test_client().post(f"/api/v1/scanners/{scanner_id}/typed-code", json={"record": record})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_typed_code_gets_the_same_check(door, now):
    _target(door, "P015")
    a, _ = door.scanners
    paid = _typed(door, a, at=now)
    assert (paid["outcome"], paid["code"], paid["amount_cents"]) == ("redeemed", None, 1200)

    _move(door, door.venue_id, ROMA)
    before = _money(door)
    refused = _typed(door, a, at=now + typed_code.STEP_SECONDS, amount=500)
    assert (refused["outcome"], refused["code"], refused["amount_cents"]) == (*OUTSIDE, 0)
    _untouched(door, before)
    with door.app.app_context():
        row = db.session.scalars(sa.select(ScanRecord).filter_by(outcome_code="outside_campaign_area")).one()
        assert row.typed and not row.flagged  # the server decided online: no scanner broke a rule


# --- the bundle: what the scanner refuses offline --------------------------------------------


def _bundle(door, scanner_id=None):
    with door.app.app_context():
        scanner = db.session.get(ScannerDevice, scanner_id or next(iter(door.scanners)))
        made = door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0,
                                     now=datetime.now(timezone.utc))
        db.session.commit()
        return made


def test_the_bundle_names_the_campaigns_not_good_at_the_venue(door):
    other_campaign, _, _ = _second_voucher(door)
    _target(door)
    _target(door, "P015", campaign_id=other_campaign)
    assert _bundle(door)["campaigns_not_here"] == []  # everywhere, and Milan's province
    _move(door, door.venue_id, ROMA)
    made = _bundle(door)
    assert made["campaigns_not_here"] == [other_campaign]
    assert all("campaigns_not_here" not in event for event in made["events"])  # events are where the venue is
    with door.app.app_context():
        db.session.get(Campaign, other_campaign).valid_until = date.today() - timedelta(days=1)
        db.session.commit()
    assert _bundle(door)["campaigns_not_here"] == []  # over: none of its credentials is valid any more


def test_an_event_listed_before_the_venue_moved_carries_its_own_list(door):
    _target(door, MILANO)
    with door.app.app_context():
        db.session.get(Organisation, door.venue_id).municipality_code = ROMA
        db.session.commit()
    made = _bundle(door)
    assert made["campaigns_not_here"] == [door.campaign_id]
    (event,) = [e for e in made["events"] if e["id"] == door.event_id]
    assert event["campaigns_not_here"] == []


def test_the_bootstrap_route_serves_the_list(door):
    _target(door, ROMA)
    api = factories.ApiClient(door.app.test_client()).login(door.staff_email)
    answer = api.get(f"/api/v1/scanners/{next(iter(door.scanners))}/bootstrap")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["campaigns_not_here"] == [door.campaign_id]
