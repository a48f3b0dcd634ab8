"""Shared server fixtures. ``door``: a venue door on pilot day — a student's voucher
(25 EUR, 24 EUR offline, theatre and museums), a theatre event at 12 EUR, the venue's
two scanner phones (each may accept half the offline allowance, 12 EUR, per
credential), and a second venue across town with its own theatre event and scanner."""
import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from server import keys
from server.accounts.models import STAFF, Membership, Wallet
from server.extensions import db
from server.door import bundle as scanners_bundle, enrolment as scanners_api
from server.vouchers import api as vouchers_api
from signing import DeviceKey, keystore, parse_unverified, present, record_scan, to_text
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories


@dataclass
class Door:
    app: object
    credential: object  # the voucher credential, as the wallet holds it
    wallet: DeviceKey
    scanners: dict  # scanner id -> its DeviceKey
    venue_id: int
    event_id: int
    voucher_id: int
    campaign_id: int
    staff_email: str
    away: int  # the scanner of the second venue
    away_venue_id: int
    away_event_id: int

    def presentation(self, at: int) -> str:
        return to_text(present(self.credential, self.wallet, now=at))

    def record(self, scanner_id: int, *, at: int, amount: int = 1200, result: str = "accepted", text=None,
               event_id=None, record_id=None, phone_at=None) -> str:
        default_event = self.away_event_id if scanner_id == self.away else self.event_id
        return to_text(record_scan(
            self.keys[scanner_id], record_id=record_id or os.urandom(16), scanner_id=scanner_id, scanned_at=at,
            event_id=default_event if event_id is None else event_id, amount_cents=amount, result=result,
            scanned_text=self.presentation(at) if text is None else text, phone_at=phone_at))

    @property
    def keys(self) -> dict:
        return {**self.scanners, self.away: self.away_key}

    def wallet_api(self):
        """The student's phone talking to the API (a session opened with its device key)."""
        api = factories.ApiClient(self.app.test_client())
        key = self.wallet.public_bytes.hex()
        challenge = api.post("/api/v1/wallet/challenge", json={"device_key": key}).get_json()["challenge"]
        opened = api.post("/api/v1/wallet/session", json={"device_key": key, "challenge": challenge,
                                                           "signature": self.wallet.sign(challenge.encode()).hex()})
        api.bearer = opened.get_json()["token"]
        return api

    away_key: DeviceKey = None

    def sync(self, scanner_id: int, *records: str):
        response = self.app.test_client().post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": list(records)})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]


@pytest.fixture
def door(app):
    # Keys made ten days ago, credential issued three hours ago: scans can be dated in the past.
    keystore.init(app.instance_path, now=int(time.time()) - 10 * 86_400)
    with app.app_context():
        sponsor = factories.organisation("sponsor")
        campaign = factories.funded_campaign(sponsor, amount_cents=100_000, offline_allowance_cents=2_400)
        school = factories.organisation("school")
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=1, today=date.today())
        (code,) = vouchers_api.issue_codes(allocation=allocation, count=1, secret=app.secret_key)
        wallet_key = DeviceKey.generate()
        wallet = Wallet(device_key=wallet_key.public_bytes)
        db.session.add(wallet)
        voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=date.today())
        now = datetime.now(timezone.utc)
        credential = parse_unverified(vouchers_api.credential(voucher=voucher, wallet=wallet,
                                                              keyset=keys.issuer_keyset(),
                                                              now=now - timedelta(hours=3)))
        venue = catalogue_factories.venue()
        staff = factories.user()
        db.session.add(Membership(user=staff, organisation=venue, role=STAFF))
        event = catalogue_factories.event(venue, category="teatro", price_cents=1200)
        # Phones enrolled yesterday: a scan cannot predate its scanner's enrolment.
        enrolled = now - timedelta(days=1)
        scanners = {}
        for label in ("Ingresso A", "Ingresso B"):
            scanner, device = _scanner(venue, staff, label, enrolled, now)
            scanners[scanner.id] = device
        away_venue = catalogue_factories.venue()
        away_staff = factories.user()
        db.session.add(Membership(user=away_staff, organisation=away_venue, role=STAFF))
        away_event = catalogue_factories.event(away_venue, category="teatro", price_cents=1200)
        away, away_key = _scanner(away_venue, away_staff, "Teatro di fronte", enrolled, now)
        db.session.commit()
        return Door(app, credential, wallet_key, scanners, venue.id, event.id, voucher.id, campaign.id, staff.email,
                    away.id, away_venue.id, away_event.id, away_key)


def _scanner(venue, staff, label, enrolled, now):
    device = DeviceKey.generate()
    scanner = scanners_api.enroll(venue=venue, user=staff, public_key_hex=device.public_bytes.hex(), label=label,
                                  now=enrolled)
    scanners_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=now)
    return scanner, device


@pytest.fixture
def now():
    return int(time.time())
