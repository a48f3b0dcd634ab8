"""``town``: a small world for reports, built through the real use cases — a sponsor's
campaign (25 EUR vouchers, 15 EUR offline, theatre, museums and cinema), a school,
two venues in two municipalities with an enrolled scanner each, and students who
claim, book, cancel, rate, redeem at the door and check in."""
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server import keys
from server.accounts.models import STAFF, Membership, Organisation, Wallet
from server.bookings import api as bookings_api
from server.bookings.models import Booking, Rating
from server.door.models import ScanRecord
from server.campaigns.models import Campaign
from server.extensions import db
from server.door import bundle as scanners_bundle, enrolment as scanners_api
from server.reports import routes as reports_routes
from server.reports.periods import ITALY
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from signing import DeviceKey, keystore, parse_unverified, present, record_scan, to_text
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories


def _now():
    return datetime.now(timezone.utc)


@dataclass
class Student:
    key: DeviceKey
    wallet_id: int
    voucher_id: int
    credential: object  # the voucher credential, as the wallet holds it


@dataclass
class Town:
    app: object
    campaign_id: int
    sponsor_email: str
    school_id: int
    school_email: str
    venues: dict  # "milano" / "rho" -> venue id
    venue_emails: dict  # venue id -> its owner's email
    staff_email: str  # scanner staff of the Milan venue
    scanners: dict  # venue id -> (scanner id, its DeviceKey)
    students: list = field(default_factory=list)

    def students_from(self, count: int, *, school_id: int | None = None) -> list[Student]:
        """``count`` students of a school (this town's by default) who claimed a voucher."""
        with self.app.app_context():
            campaign = db.session.get(Campaign, self.campaign_id)
            school = db.session.get(Organisation, school_id or self.school_id)
            allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=count,
                                               today=date.today())
            codes = vouchers_api.issue_codes(allocation=allocation, count=count, secret=self.app.secret_key)
            made = [self._claim(code) for code in codes]
            db.session.commit()
        self.students.extend(made)
        return made

    def _claim(self, code: str) -> Student:
        key = DeviceKey.generate()
        wallet = Wallet(device_key=key.public_bytes)
        db.session.add(wallet)
        voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=self.app.secret_key, today=date.today())
        credential = parse_unverified(vouchers_api.credential(
            voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(), now=_now() - timedelta(hours=3)))
        return Student(key, wallet.id, voucher.id, credential)

    def event(self, venue: str, *, category: str, price_cents: int, **fields) -> int:
        with self.app.app_context():
            made = catalogue_factories.event(db.session.get(Organisation, self.venues[venue]), category=category,
                                             price_cents=price_cents, **fields)
            db.session.commit()
            return made.id

    def book(self, student: Student, event_id: int, *, now: datetime | None = None) -> int:
        with self.app.app_context():
            booking = bookings_api.book(wallet=db.session.get(Wallet, student.wallet_id), event_id=event_id,
                                        voucher_id=student.voucher_id, request_id=os.urandom(8).hex(),
                                        now=now or _now())
            db.session.commit()
            return booking.id

    def cancel(self, booking_id: int) -> None:
        with self.app.app_context():
            bookings_api.cancel(booking=db.session.get(Booking, booking_id), now=_now())
            db.session.commit()

    def rate(self, booking_id: int, stars: int) -> None:
        with self.app.app_context():
            bookings_api.rate(booking=db.session.get(Booking, booking_id), stars=stars, comment=None, now=_now())
            db.session.commit()

    def redeem(self, student: Student, venue: str, *, amount_cents: int, event_id: int = 0) -> dict:
        """The student shows the voucher at the door; the scanner syncs its record."""
        at = int(time.time())
        return self._sync(venue, at, amount_cents, event_id, to_text(present(student.credential, student.key, now=at)))

    def check_in(self, student: Student, booking_id: int, venue: str) -> dict:
        at = int(time.time())
        with self.app.app_context():
            booking = db.session.get(Booking, booking_id)
            wallet = db.session.get(Wallet, student.wallet_id)
            ticket = parse_unverified(bookings_api.ticket(booking=booking, wallet=wallet, keyset=keys.issuer_keyset(),
                                                          now=_now()))
            event_id = booking.event_id
        return self._sync(venue, at, 0, event_id, to_text(present(ticket, student.key, now=at)))

    def _sync(self, venue: str, at: int, amount_cents: int, event_id: int, shown: str) -> dict:
        scanner_id, scanner_key = self.scanners[self.venues[venue]]
        record = to_text(record_scan(scanner_key, record_id=os.urandom(16), scanner_id=scanner_id, scanned_at=at,
                                     event_id=event_id, amount_cents=amount_cents, result="accepted",
                                     scanned_text=shown))
        response = self.app.test_client().post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": [record]})
        assert response.status_code == 200, response.get_json()
        (result,) = response.get_json()["results"]
        assert result["outcome"] in ("redeemed", "checked_in"), result
        return result

    def backdate(self, days: int) -> None:
        """Move everything recorded so far ``days`` back, as if it had happened then:
        reports bucket activity by the server's time, which tests cannot wait for."""
        shift = timedelta(days=days)
        with self.app.app_context():
            for model, columns in ((Voucher, ("created_at",)), (Booking, ("created_at", "cancelled_at")),
                                   (ScanRecord, ("synced_at",)), (Rating, ("created_at",))):
                for row in db.session.scalars(sa.select(model)):
                    for column in columns:
                        if getattr(row, column) is not None:
                            setattr(row, column, getattr(row, column) - shift)
            db.session.commit()

    def api(self, email: str | None = None) -> factories.ApiClient:
        """A browser, logged in as ``email`` (anonymous without)."""
        client = factories.ApiClient(self.app.test_client())
        return client.login(email) if email else client


def months_ahead(months: int) -> datetime:
    """The tenth of a month ``months`` after the current one (0: now): a report clock
    for which every month before is closed."""
    today = datetime.now(ITALY).date()
    year, month = divmod(today.month - 1 + months, 12)
    return datetime(today.year + year, month + 1, 10, 12, tzinfo=ITALY)


@pytest.fixture
def clock(monkeypatch):
    """Sets the clock the reports close their periods by: ``clock(datetime)``."""
    def set_to(instant: datetime) -> datetime:
        monkeypatch.setattr(reports_routes, "_now", lambda: instant)
        return instant
    return set_to


@pytest.fixture
def closed(clock):
    """The current month closed: reports are read in the next month."""
    return clock(months_ahead(1))


def _owner_email(organisation: Organisation) -> str:
    return organisation.memberships[0].user.email


@pytest.fixture
def town(app):
    # Keys made ten days ago, credentials issued three hours ago: scans can be dated in the past.
    keystore.init(app.instance_path, now=int(time.time()) - 10 * 86_400)
    now = _now()
    with app.app_context():
        sponsor = factories.organisation("sponsor")
        campaign = factories.funded_campaign(sponsor, amount_cents=100_000, categories=("teatro", "musei", "cinema"))
        school = factories.organisation("school")
        venues = {"milano": catalogue_factories.venue(municipality="Milano", name="Teatro Milano"),
                  "rho": catalogue_factories.venue(municipality="Rho", name="Museo di Rho")}
        staff = factories.user()
        db.session.add(Membership(user=staff, organisation=venues["milano"], role=STAFF))
        scanners = {}
        for venue in venues.values():
            device = DeviceKey.generate()
            scanner = scanners_api.enroll(venue=venue, user=staff if venue is venues["milano"] else
                                          venue.memberships[0].user, public_key_hex=device.public_bytes.hex(),
                                          label="Ingresso", now=now)
            scanners_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=now)
            scanners[venue.id] = (scanner.id, device)
        db.session.commit()
        return Town(app, campaign.id, _owner_email(sponsor), school.id, _owner_email(school),
                    {name: venue.id for name, venue in venues.items()},
                    {venue.id: _owner_email(venue) for venue in venues.values()}, staff.email, scanners)
