"""A town for door tests: wallets holding vouchers, venues with scanner phones, made
through the real use cases. Scans are dated in the past hour: keys made ten days ago,
credentials three hours ago, phones enrolled a day ago."""
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from server import keys
from server.accounts.models import STAFF, Membership, Wallet
from server.door import bundle, enrolment
from server.extensions import db
from server.vouchers import api as vouchers_api
from signing import DeviceKey, keystore, parse_unverified, present, record_scan, to_text
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories


@dataclass
class Holder:
    voucher_id: int
    credential: object
    wallet: DeviceKey

    def presentation(self, at: int) -> str:
        return to_text(present(self.credential, self.wallet, now=at))


@dataclass
class Phone:
    scanner_id: int
    venue_id: int
    event_id: int
    key: DeviceKey

    def record(self, *, at: int, amount: int, text: str, result: str = "accepted", record_id: bytes = None) -> str:
        return to_text(record_scan(self.key, record_id=record_id or os.urandom(16), scanner_id=self.scanner_id,
                                   scanned_at=at, event_id=self.event_id, amount_cents=amount, result=result,
                                   scanned_text=text))


@dataclass
class Town:
    app: object
    campaign_id: int
    allowance_cents: int
    face_value_cents: int
    holders: list[Holder] = field(default_factory=list)
    phones: list[Phone] = field(default_factory=list)

    def sync(self, scanner_id: int, records: list[str], client=None) -> list[dict]:
        client = client or self.app.test_client()
        response = client.post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": records})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["results"]


def build(app, *, wallets: int, venues: int, phones_per_venue: int = 2, face_value_cents: int = 2_500,
          allowance_cents: int = 2_000) -> Town:
    keystore.init(app.instance_path, now=int(time.time()) - 10 * 86_400)
    app.config["SCANNER_SLOTS_PER_VENUE"] = phones_per_venue
    with app.app_context():
        sponsor = factories.organisation("sponsor")
        campaign = factories.funded_campaign(sponsor, amount_cents=face_value_cents * wallets * 2,
                                             face_value_cents=face_value_cents, offline_allowance_cents=allowance_cents)
        school = factories.organisation("school")
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=wallets, today=date.today())
        codes = vouchers_api.issue_codes(allocation=allocation, count=wallets, secret=app.secret_key)
        now = datetime.now(timezone.utc)
        town = Town(app, campaign.id, allowance_cents, face_value_cents)
        for code in codes:
            key = DeviceKey.generate()
            wallet = Wallet(device_key=key.public_bytes)
            db.session.add(wallet)
            voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=date.today())
            credential = parse_unverified(vouchers_api.credential(
                voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(), now=now - timedelta(hours=3)))
            town.holders.append(Holder(voucher.id, credential, key))
        for _ in range(venues):
            venue = catalogue_factories.venue()
            staff = factories.user()
            db.session.add(Membership(user=staff, organisation=venue, role=STAFF))
            event = catalogue_factories.event(venue, category="teatro", price_cents=1_000)
            for n in range(phones_per_venue):
                key = DeviceKey.generate()
                scanner = enrolment.enroll(venue=venue, user=staff, public_key_hex=key.public_bytes.hex(),
                                           label=f"Ingresso {n + 1}", now=now - timedelta(days=1))
                bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=now)
                town.phones.append(Phone(scanner.id, venue.id, event.id, key))
        db.session.commit()
    return town
