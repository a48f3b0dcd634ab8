"""The money's whole round trip (issue 11, done when): a sponsor's top-up is confirmed
by the bank's camt.053, funds an allocation, the school's codes are claimed, the
voucher is spent at a venue's door, a settlement run pays the venue in a pain.001 valid
against its XSD, and the bank's camt.054 built from that file's EndToEndIds marks the
payouts paid. The books balance to the cent after every step. Runs on SQLite and, with
MENTORING_DATABASE_URL, on PostgreSQL."""
import base64
import os
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import xmlschema
from lxml import etree

from server import keys
from server.accounts.models import STAFF, Membership, Wallet
from server.door import bundle as door_bundle
from server.door import enrolment as door_enrolment
from server.extensions import db
from server.ledger import api as ledger_api
from server.settlement import api as settlement_api
from server.settlement import sepa
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from signing import DeviceKey, keystore, parse_unverified, present, record_scan, to_text
from tests.server import factories
from tests.server.banking.builder import Camt, Tx
from tests.server.catalogue import factories as catalogue_factories

VENUE_IBAN = "IT02L1234512345123456789012"


def _books(app, step: str) -> None:
    with app.app_context():
        assert ledger_api.check_books() == [], step
        db.session.rollback()


def _balance(app, kind, owner=0) -> int:
    with app.app_context():
        cents = ledger_api.account(kind, owner).balance_cents
        db.session.rollback()
        return cents


def _upload(data: bytes, name: str) -> dict:
    return {"file_name": name, "content": base64.b64encode(data).decode()}


def test_a_top_up_travels_to_a_venue_and_every_bank_file_reconciles_it(app):
    # Keys from ten days ago, the scanner enrolled yesterday: scans a few minutes old are valid.
    keystore.init(app.instance_path, now=int(time.time()) - 10 * 86_400)
    now = datetime.now(timezone.utc)
    with app.app_context():
        operator, sponsor_owner, school_owner, staff = (factories.user(admin=True), factories.user(),
                                                        factories.user(), factories.user())
        sponsor = factories.organisation("sponsor", owner=sponsor_owner, name="Pasticceria Marchési")
        campaign = factories.campaign(sponsor, face_value_cents=2_500, offline_allowance_cents=2_400)
        school = factories.organisation("school", owner=school_owner)
        venue = catalogue_factories.venue(name="Teatro Franco Parenti")
        venue.iban = VENUE_IBAN
        db.session.add(Membership(user=staff, organisation=venue, role=STAFF))
        event = catalogue_factories.event(venue, category="teatro", price_cents=1_200)
        scanner_key = DeviceKey.generate()
        scanner = door_enrolment.enroll(venue=venue, user=staff, public_key_hex=scanner_key.public_bytes.hex(),
                                        label="Ingresso", now=now - timedelta(days=1))
        door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=now)
        db.session.commit()
        ids = {"campaign": campaign.id, "school": school.id, "venue": venue.id, "event": event.id,
               "scanner": scanner.id}
        emails = {"operator": operator.email, "sponsor": sponsor_owner.email, "school": school_owner.email}
    desk = factories.ApiClient(app.test_client()).login(emails["operator"])
    sponsor_api = factories.ApiClient(app.test_client()).login(emails["sponsor"])
    school_api = factories.ApiClient(app.test_client()).login(emails["school"])
    _books(app, "start")

    # 1. The sponsor tops up 50 EUR from the phone and pays by bank transfer.
    topup = sponsor_api.post(f"/api/v1/campaigns/{ids['campaign']}/topups", json={"amount_cents": 5_000}).get_json()
    assert topup["status"] == "pending"
    _books(app, "top-up created")

    # 2. The day's camt.053 brings the transfer, with its RF reference: confirmed.
    day = Camt(kind="053", message_id="BPM-053-20261127").credit(
        5_000, reference=topup["reference"], name="Pasticceria Marchési S.r.l.", iban="IT60X0542811101000000654321")
    imported = desk.post("/api/v1/admin/bank-statements", json=_upload(day.xml(), "BPM_053.xml"))
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["counts"]["credits_matched"] == 1
    assert sponsor_api.get(f"/api/v1/topups/{topup['id']}").get_json()["status"] == "confirmed"
    assert _balance(app, "bank") == 5_000
    _books(app, "top-up confirmed by the statement")

    # 3. Allocation to the school, claim codes, a student claims one.
    allocation = sponsor_api.post(f"/api/v1/campaigns/{ids['campaign']}/allocations",
                                  json={"school_id": ids["school"], "voucher_count": 1})
    assert allocation.status_code == 201, allocation.get_json()
    _books(app, "allocated")
    codes = school_api.post(f"/api/v1/schools/{ids['school']}/allocations/{allocation.get_json()['id']}/codes",
                            json={"count": 1})
    assert codes.status_code == 201, codes.get_json()
    (code,) = [c["code"] for c in codes.get_json()["codes"]]
    wallet_api, wallet_key = factories.wallet_client(app)
    claimed = wallet_api.post("/api/v1/wallet/claims", json={"code": code})
    assert claimed.status_code in (200, 201), claimed.get_json()
    voucher_id = claimed.get_json()["id"]
    _books(app, "claimed")

    # 4. At the door, offline: two scans the scanner syncs later.
    with app.app_context():
        voucher = db.session.get(Voucher, voucher_id)
        credential = parse_unverified(vouchers_api.credential(
            voucher=voucher, wallet=db.session.get(Wallet, voucher.wallet_id), keyset=keys.issuer_keyset(), now=now - timedelta(hours=3)))
        db.session.rollback()
    at = int(time.time())
    records = [to_text(record_scan(scanner_key, record_id=os.urandom(16), scanner_id=ids["scanner"], scanned_at=at - s,
                                   event_id=ids["event"], amount_cents=amount, result="accepted",
                                   scanned_text=to_text(present(credential, wallet_key, now=at - s))))
               for s, amount in ((600, 700), (500, 500))]
    synced = app.test_client().post(f"/api/v1/scanners/{ids['scanner']}/sync", json={"records": records})
    assert synced.status_code == 200 and [r["outcome"] for r in synced.get_json()["results"]] == ["redeemed", "redeemed"], \
        synced.get_json()
    assert _balance(app, "venue_payable", ids["venue"]) == 1_200
    _books(app, "redeemed")

    # 5. The settlement run pays the venue; the pain.001 is valid against its XSD.
    with app.app_context():
        run = settlement_api.run_settlement(cut_off=datetime.now(timezone.utc) - timedelta(seconds=1),
                                            created_by=None, now=datetime.now(timezone.utc))
        db.session.commit()
        run_id = run.id
    _books(app, "settled")
    pain = desk.get(f"/api/v1/admin/settlement-runs/{run_id}/pain.001.xml")
    assert pain.status_code == 200 and pain.mimetype == "application/xml"
    version = app.config.get("SEPA_PAIN_VERSION", sepa.DEFAULT_VERSION)
    xmlschema.XMLSchema(sepa.schema(version).url).validate(pain.data.decode())
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    transfers = [(t.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
                  int(Decimal(t.findtext("p:Amt/p:InstdAmt", namespaces=ns)) * 100),
                  t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns))
                 for t in etree.fromstring(pain.data).iterfind(".//p:CdtTrfTxInf", ns)]
    assert [(amount, iban) for _, amount, iban in transfers] == [(1_200, VENUE_IBAN)]
    _books(app, "exported")
    bank_before = _balance(app, "bank")

    # 6. The bank's camt.054 of the batch, built from the file's EndToEndIds: paid.
    notification = Camt(kind="054", message_id="BPM-054-20261128").debit_batch(
        *[Tx(amount, end_to_end_id=e2e, name="Teatro Franco Parenti", iban=iban) for e2e, amount, iban in transfers])
    paid = desk.post("/api/v1/admin/bank-statements", json=_upload(notification.xml(), "BPM_054.xml"))
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["counts"]["debits_matched"] == len(transfers)
    run_now = desk.get(f"/api/v1/admin/settlement-runs/{run_id}").get_json()
    assert run_now["status"] == "paid" and {p["status"] for p in run_now["payouts"]} == {"paid"}
    assert _balance(app, "bank") == bank_before - 1_200
    _books(app, "paid by the statement")

    # 7. The venue's payout statement and the sponsor's receipt, as PDFs.
    (payout,) = run_now["payouts"]
    statement = desk.get(f"/api/v1/payouts/{payout['id']}/statement.pdf")
    assert statement.status_code == 200 and statement.mimetype == "application/pdf"
    assert statement.data.startswith(b"%PDF-")
    receipt = sponsor_api.get(f"/api/v1/topups/{topup['id']}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    assert receipt.data.startswith(b"%PDF-")
    _books(app, "documents")

    # The same notification again changes nothing.
    again = desk.post("/api/v1/admin/bank-statements", json=_upload(notification.xml(), "BPM_054.xml"))
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    assert _balance(app, "bank") == bank_before - 1_200
    _books(app, "the same file twice")
