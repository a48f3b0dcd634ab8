"""A few closed months of pilot history for the demo, so that the impact pages show
real figures rather than "meno di 5 studenti" everywhere.

Pseudonymous wallets (a random device key each, nothing else: the product never holds
a student's name) claim vouchers of the demo campaigns from the demo schools, then book
and attend past events, pay at the door and rate what they saw, month by month over the
last ``HISTORY_MONTHS`` closed months (Europe/Rome calendar months).

Money goes through the real use cases (top-up, allocation, claim, booking, rating) and
the real ledger, so the books balance. The reports bucket activity by the time the
server recorded it; the use cases stamp most rows with the wall clock, so every stamp
the reports read is moved back to its moment in history, in bulk, inside the seeding
transaction. Payments at the door are written as the door's sync would have stored
them (a scan record and an ``offline_redemptions`` transfer): the sync itself checks
signatures made with today's keys and cannot be fed scans signed months ago.

Deterministic (one seeded ``random.Random``): the same day gives the same figures.
Some cells are small on purpose, so that suppression is visible: one dance evening
with two students, and a quiet month (the third of five) with three.
"""
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.accounts.models import OWNER, Membership, Organisation, User, Wallet
from server.bookings import api as bookings_api
from server.bookings.models import Booking
from server.campaigns.models import Campaign
from server.catalogue import api as catalogue_api
from server.catalogue import taxonomy
from server.catalogue.models import EVENT, Event
from server.door import enrolment
from server.door.models import CHECKED_IN, REDEEMED, RETIRED, ScanRecord
from server.extensions import db
from server.ledger import api as ledger
from server.ledger.models import Account, Transfer
from server.payments import api as payments_api
from server.stories import api as stories_api
from server.thanks import api as thanks_api
from server.vouchers import api as vouchers_api
from server.vouchers.models import Allocation, ClaimCode, Voucher
from signing import DeviceKey

HISTORY_MONTHS = 5
QUIET_MONTH = 2  # of the history months, oldest first: only QUIET_STUDENTS pay that month
QUIET_STUDENTS = 3
DANCE_STUDENTS = 2  # the one dance evening: a category too small to show on its own
SEED = 13
ITALY = ZoneInfo("Europe/Rome")
STEP_SECONDS = 15  # a presentation's time step (signing.tokens)

# Vouchers handed out before this term, by campaign sponsor and school: one wallet each.
ALLOCATIONS = (("lumen", "liceo", 150), ("lumen", "itc", 90), ("forno", "itc", 50), ("libreria", "liceo", 30))
# Claims per history month (oldest first); the quiet month has none.
CLAIMS_BY_MONTH = (115, 60, 0, 100, 45)


@dataclass(frozen=True)
class PastEvent:
    venue: str
    title: str
    category: str
    starts: str  # Italian local time
    hours: float
    price_cents: int
    capacity: int
    per_month: int  # dates a month (not in the quiet month)


# Titles differ from the coming programme (demo.EVENTS): tests and people look those up by name.
PAST_EVENTS = (
    PastEvent("teatro", "Le baruffe chiozzotte", "teatro", "20:30", 2, 1500, 180, 1),
    PastEvent("teatro", "Il berretto a sonagli", "teatro", "20:30", 2, 1200, 180, 1),
    PastEvent("museo", "Alla scoperta della filanda", "musei", "10:00", 1.5, 600, 40, 2),
    PastEvent("museo", "Laboratorio di tessitura a mano", "corsi", "15:00", 2, 800, 20, 1),
    PastEvent("cinema", "Cineforum giovani: Ladri di biciclette", "cinema", "18:00", 2.5, 500, 120, 1),
    PastEvent("cinema", "Cineforum giovani: Roma città aperta", "cinema", "18:00", 2.5, 500, 120, 1),
    PastEvent("cinema", "Cineforum giovani: Il postino", "cinema", "18:00", 2.5, 500, 120, 1),
    PastEvent("musica", "Laboratorio di canto corale", "corsi", "17:00", 1.5, 1500, 30, 1),
    PastEvent("musica", "Concerto degli allievi", "musica", "18:00", 1.5, 300, 150, 1),
)
DANCE = PastEvent("teatro", "Serata di danza contemporanea", "danza", "20:00", 2, 1800, 60, 0)

THANKS_WEIGHTS = (50, 25, 19, 6)  # grazie, scoperta, ci-torno, consiglio: the last one stays small
STORIES = (
    ("Le baruffe chiozzotte",
     "Sala piena di ragazzi per Goldoni: alla fine sono rimasti a parlare con gli attori per mezz'ora. "
     "Grazie a chi ha reso possibile la serata!"),
    ("Laboratorio di tessitura a mano",
     "Due ore al telaio: ognuno è tornato a casa con il suo primo pezzo di tessuto. "
     "Alcuni ci hanno chiesto quando si ripete."),
    ("Concerto degli allievi",
     "Il saggio più affollato di sempre: in platea tanti studenti che non erano mai entrati nella nostra scuola."),
)
STARS = (1, 2, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5)  # mostly happy, not all


@dataclass(eq=False)  # one per voucher: compared by identity
class _Spend:
    """A history voucher and what it still holds, as the history spends it."""

    voucher: Voucher  # held: the session's identity map keeps only what is referenced
    wallet: Wallet
    campaign: Campaign
    claimed_at: datetime
    balance: int
    first_used: datetime | None = None  # a door payment, or a ticket checked in

    def used(self, at: datetime) -> None:
        self.first_used = at if self.first_used is None else min(self.first_used, at)


class _History:
    def __init__(self, *, organisations: dict[str, Organisation], admin: User, now: datetime, secret_key: str):
        self.organisations, self.admin, self.secret_key = organisations, admin, secret_key
        self.dance_campaign: Campaign | None = None  # the brand's: it alone pays for dance
        self.random = random.Random(SEED)
        today = now.astimezone(ITALY).date()
        self.months = [_month_start(today, back) for back in range(HISTORY_MONTHS, 0, -1)]
        self.start = self.months[0]
        self.transfer_times: list[dict] = []  # idempotency key -> when the server recorded it
        self.scans: list[dict] = []
        self.scanners: dict[int, int] = {}  # venue id -> its history scanner id
        self.sync_times: dict[int, datetime] = {}  # event id -> when its door phone synced
        self.records = 0
        self.check_ins: list[dict] = []  # booking id -> checked in at
        self.paid_presentations: set[tuple[int, int]] = set()  # (voucher, time step): paid once

    # --- the money, before the term ---------------------------------------------------

    def fund_and_allocate(self, campaigns: dict[str, Campaign]) -> list[tuple[Campaign, Allocation]]:
        before = _at(self.start - timedelta(days=14), "09:30")
        allocations = []
        for campaign in campaigns.values():
            campaign.valid_from = min(campaign.valid_from, self.start - timedelta(days=14))
            campaign.created_at = min(campaign.created_at, before - timedelta(days=1))
        for sponsor_key, campaign in campaigns.items():
            wanted = sum(count for key, _, count in ALLOCATIONS if key == sponsor_key) * campaign.face_value_cents
            sponsor = self.organisations[sponsor_key]
            topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor,
                                              amount_cents=_topup_covering(wanted, campaign.risk_reserve_bps))
            payments_api.confirm_topup(topup=topup, operator=self.admin, now=before)
            topup.created_at = before - timedelta(days=2)
            self._transfer(f"topup:{topup.id}:received", before)
            self._transfer(f"topup:{topup.id}:funded", before)
        for sponsor_key, school_key, count in ALLOCATIONS:
            campaign, school = campaigns[sponsor_key], self.organisations[school_key]
            allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=count,
                                               today=self.start)
            allocation.created_at = before + timedelta(days=1)
            self._transfer(f"allocation:{allocation.id}", allocation.created_at)
            allocations.append((campaign, allocation))
        return allocations

    # --- the students ----------------------------------------------------------------

    def claim(self, allocations: list[tuple[Campaign, Allocation]]) -> list[list[_Spend]]:
        """Every history code claimed by a wallet of its own; vouchers by month of claim."""
        slots = [(campaign, allocation) for campaign, allocation in allocations for _ in range(allocation.voucher_count)]
        self.random.shuffle(slots)
        codes = {allocation.id: iter(vouchers_api.issue_codes(
                    allocation=vouchers_api.get_allocation(allocation.id, school=db.session.get(
                        Organisation, allocation.school_id), for_update=True),
                    count=allocation.voucher_count, secret=self.secret_key))
                 for _, allocation in allocations}
        by_month, claimed = [], []
        for month, count in zip(self.months, CLAIMS_BY_MONTH):
            spends = []
            for campaign, allocation in slots[len(claimed):len(claimed) + count]:
                at = self._moment(month, first_day=1, last_day=12)
                # A real key whose private half is dropped: no one can ever open these wallets.
                wallet = Wallet(device_key=DeviceKey.generate().public_bytes, created_at=at)
                db.session.add(wallet)
                voucher = vouchers_api.claim(wallet=wallet, code_text=next(codes[allocation.id]),
                                             secret=self.secret_key, today=at.date())
                spends.append(_Spend(voucher, wallet, campaign, at, voucher.face_value_cents))
                claimed.append((voucher.id, at))
            by_month.append(spends)
        self._backdate_claims(claimed)
        return by_month

    def _backdate_claims(self, claimed: list[tuple[int, datetime]]) -> None:
        at = dict(claimed)
        rows = [{"key": voucher_id, "at": at[voucher_id]} for voucher_id in at]
        _update(Voucher.__table__.c.id, Voucher.__table__.c.created_at, rows)
        _update(ClaimCode.__table__.c.voucher_id, ClaimCode.__table__.c.claimed_at, rows)
        accounts = db.session.execute(sa.select(Account.id, Account.owner_id).where(
            Account.kind == "voucher", Account.owner_id.in_(list(at))))
        _update(Account.__table__.c.id, Account.__table__.c.created_at,
                [{"key": account_id, "at": at[owner]} for account_id, owner in accounts])
        for code_id, voucher_id in db.session.execute(
                sa.select(ClaimCode.id, ClaimCode.voucher_id).where(ClaimCode.voucher_id.in_(list(at)))):
            self._transfer(f"claim:{code_id}", at[voucher_id])

    # --- the programme ----------------------------------------------------------------

    def programme(self) -> list[list[Event]]:
        """Past events by month; the quiet month has the cinema only."""
        by_month = []
        for index, month in enumerate(self.months):
            plans = [p for p in PAST_EVENTS if p.venue == "cinema"][:1] if index == QUIET_MONTH else [
                p for p in PAST_EVENTS for _ in range(p.per_month)]
            if index == HISTORY_MONTHS - 1:
                plans = plans + [DANCE]
            by_month.append([self._list(plan, month) for plan in plans])
        return by_month

    def _list(self, plan: PastEvent, month: date) -> Event:
        starts_at = _at(month.replace(day=self.random.randint(8, 26)), plan.starts)
        listed = starts_at - timedelta(days=30)
        return catalogue_api.create_event(
            venue=self.organisations[plan.venue], title=plan.title, category=plan.category, kind=EVENT,
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=plan.hours), price_cents=plan.price_cents,
            capacity=plan.capacity, now=listed)

    # --- spending ---------------------------------------------------------------------

    def spend(self, vouchers_by_month: list[list[_Spend]], events_by_month: list[list[Event]]) -> None:
        holders: list[_Spend] = []
        for index, (month_vouchers, events) in enumerate(zip(vouchers_by_month, events_by_month)):
            holders += month_vouchers
            if index == QUIET_MONTH:
                (film,) = events
                able = [s for s in holders if _spendable(s, film) and s.balance >= film.price_cents]
                for spend in self.random.sample(able, QUIET_STUDENTS):
                    self._door(spend, film)
                continue
            dance = [e for e in events if e.category_code == taxonomy.by_slug("danza").code]
            dancers = [s for s in holders if s.campaign is self.dance_campaign and _spendable(s, dance[0])
                       and s.balance >= dance[0].price_cents] if dance else []
            for spend in self.random.sample(dancers, DANCE_STUDENTS) if dance else []:
                self._book(spend, dance[0])
            for spend in holders:
                # The newly arrived spend more; about a third of the others come back.
                if spend not in month_vouchers and self.random.random() > 0.3:
                    continue
                for _ in range(self.random.choice((1, 1, 1, 2, 2, 3))):
                    usable = [e for e in events if e not in dance and _spendable(spend, e)]
                    if not usable:
                        break
                    event = self.random.choice(usable)
                    (self._book if self.random.random() < 0.55 else self._door)(spend, event)

    def _book(self, spend: _Spend, event: Event) -> None:
        if spend.balance < event.price_cents or event.seats_taken >= event.capacity:
            return
        month_start = _at(_local(event.starts_at).date().replace(day=1), "08:00")
        booked_at = max(spend.claimed_at + timedelta(hours=1), month_start,
                        event.starts_at - timedelta(days=self.random.randint(1, 6), hours=self.random.randint(0, 9)))
        self.records += 1
        booking = bookings_api.book(wallet=spend.wallet, event_id=event.id, voucher_id=spend.voucher.id,
                                    request_id=f"storico-{self.records}", now=booked_at)
        spend.balance -= event.price_cents
        self._transfer(f"booking:{booking.id}", booked_at)
        if self.random.random() < 0.12:
            return  # booked, paid, and did not come
        scanned_at = event.starts_at - timedelta(minutes=self.random.randint(1, 25))
        self.check_ins.append({"key": booking.id, "at": scanned_at})  # as the sync sets it, in bulk at the end
        spend.used(scanned_at)
        self._scan(event, scanned_at, outcome=CHECKED_IN, ticket_id=booking.id, amount=0, voucher_id=None,
                   campaign_id=None, category_code=None, valid_from=booked_at)
        if self.random.random() < 0.6:
            bookings_api.rate(booking=booking, stars=self.random.choice(STARS), comment=None,
                              now=event.ends_at + timedelta(hours=self.random.randint(1, 40)))

    def _door(self, spend: _Spend, event: Event) -> None:
        """Paid at the door, with the event picked on the scanner."""
        scanned_at = event.starts_at - timedelta(minutes=self.random.randint(1, 25))
        presentation = (spend.voucher.id, int(scanned_at.timestamp()) // STEP_SECONDS)
        if spend.balance < event.price_cents or presentation in self.paid_presentations:
            return
        self.paid_presentations.add(presentation)
        self._scan(event, scanned_at, outcome=REDEEMED, ticket_id=None, amount=event.price_cents,
                   voucher_id=spend.voucher.id, campaign_id=spend.campaign.id, category_code=event.category_code,
                   valid_from=spend.claimed_at)
        spend.balance -= event.price_cents
        spend.used(scanned_at)

    def _scan(self, event: Event, scanned_at: datetime, *, outcome: str, ticket_id, amount: int, voucher_id,
              campaign_id, category_code, valid_from: datetime) -> dict:
        self.records += 1
        record = {
            "record_id": self.random.randbytes(16).hex(), "scanner_id": self._scanner(event.venue_id),
            "venue_id": event.venue_id, "scanned_at": scanned_at, "phone_scanned_at": None,
            # The door phone worked offline and synced the evening's scans once, after the start.
            "synced_at": self._sync_time(event),
            "event_id": event.id, "category_code": category_code, "amount_cents": amount,
            "scanner_result": "accepted", "outcome": outcome, "outcome_code": None, "voucher_id": voucher_id,
            "ticket_id": ticket_id, "campaign_id": campaign_id, "credential_valid_from": int(valid_from.timestamp()),
            "time_step": int(scanned_at.timestamp()) // STEP_SECONDS, "overspend_cents": 0,
            "crossed_balance": False, "flagged": False, "typed": False}
        self.scans.append(record)
        return record

    def _sync_time(self, event: Event) -> datetime:
        if event.id not in self.sync_times:
            self.sync_times[event.id] = event.starts_at + timedelta(minutes=self.random.randint(20, 90))
        return self.sync_times[event.id]

    def _scanner(self, venue_id: int) -> int:
        """Each venue's phone at the door in those months, retired since (its slot free)."""
        if venue_id not in self.scanners:
            venue = db.session.get(Organisation, venue_id)
            scanner = enrolment.enroll(venue=venue, user=_owner(venue_id), public_key_hex=DeviceKey.generate().public_bytes.hex(),
                                       label="Telefono della stagione scorsa", now=_at(self.start, "08:00"))
            scanner.status, scanner.retired_at = RETIRED, _at(self.start, "08:00") + timedelta(days=1)
            scanner.last_sync_at = scanner.retired_at
            self.scanners[venue_id] = scanner.id
        return self.scanners[venue_id]

    # --- helpers ----------------------------------------------------------------------

    def _moment(self, month: date, *, first_day: int, last_day: int) -> datetime:
        day = month.replace(day=self.random.randint(first_day, last_day))
        return _at(day, f"{self.random.randint(8, 19):02d}:{self.random.randint(0, 59):02d}")

    def _transfer(self, key: str, at: datetime) -> None:
        self.transfer_times.append({"key": key, "at": at})

    # --- what students and venues said ------------------------------------------------

    def thank(self, vouchers_by_month: list[list[_Spend]]) -> None:
        """About four in ten used vouchers send thanks, a day or so after their first use
        (the wallet asks only then). Needs the scan records stored."""
        for spend in (s for month in vouchers_by_month for s in month):
            if spend.first_used is None or self.random.random() > 0.4:
                continue
            choice = self.random.choices(thanks_api.SLUGS, weights=THANKS_WEIGHTS)[0]
            thanks_api.send(voucher=spend.voucher, choice=choice,
                            now=spend.first_used + timedelta(hours=self.random.randint(2, 30)))

    def tell(self, events_by_month: list[list[Event]]) -> None:
        """A few venues wrote about an evening, without photos (a demo has no pictures of minors to show)."""
        past = {event.title: event for month in events_by_month for event in month}
        for title, body in STORIES:
            event = past[title]
            stories_api.post(venue=event.venue, user=_owner(event.venue_id), body=body, no_minor_recognisable=True,
                             event_id=event.id, now=event.ends_at + timedelta(hours=18))

    def store_scans(self) -> None:
        _update(Booking.__table__.c.id, Booking.__table__.c.checked_in_at, self.check_ins)
        """The scan records, and for each event's sync one ledger transfer paying the venue
        from the vouchers, as the door's sync posts it (server/door/sync.py _redeem)."""
        batches: dict[int, list[dict]] = {}
        for record in self.scans:
            if record["outcome"] == REDEEMED:
                batches.setdefault(record["event_id"], []).append(record)
        for records in batches.values():
            debits: dict[int, int] = {}
            for record in records:
                debits[record["voucher_id"]] = debits.get(record["voucher_id"], 0) + record["amount_cents"]
            first = min(records, key=lambda r: r["record_id"])
            entries = [(ledger.account("venue_payable", first["venue_id"]), -sum(debits.values()))]
            entries += [(ledger.account("voucher", voucher_id), amount) for voucher_id, amount in debits.items()]
            ledger.post(idempotency_key=f"sync:{first['scanner_id']}:{first['record_id']}",
                        kind="offline_redemptions", entries=entries)
            self._transfer(f"sync:{first['scanner_id']}:{first['record_id']}", first["synced_at"])
        if self.scans:
            db.session.execute(sa.insert(ScanRecord.__table__), self.scans)
        db.session.flush()

    def finish(self) -> None:
        _update(Transfer.__table__.c.idempotency_key, Transfer.__table__.c.created_at, self.transfer_times)
        db.session.expire_all()  # rows changed behind the session's back


def grow(*, organisations: dict[str, Organisation], campaigns: dict[str, Campaign], admin: User, now: datetime,
         secret_key: str) -> None:
    """Add the history to a freshly seeded pilot. Flushes, never commits.
    ``campaigns``: the demo campaigns by sponsor key."""
    history = _History(organisations=organisations, admin=admin, now=now, secret_key=secret_key)
    history.dance_campaign = campaigns["lumen"]
    allocations = history.fund_and_allocate(campaigns)
    vouchers_by_month = history.claim(allocations)
    events_by_month = history.programme()
    history.spend(vouchers_by_month, events_by_month)
    history.store_scans()
    history.thank(vouchers_by_month)
    history.tell(events_by_month)
    history.finish()


# --- dates -------------------------------------------------------------------------------

def _month_start(today: date, back: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
    return date(year, month + 1, 1)


def _at(day: date, local_time: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(local_time), tzinfo=ITALY).astimezone(timezone.utc)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ITALY)


def _topup_covering(amount_cents: int, reserve_bps: int) -> int:
    """A top-up whose part left after the risk reserve covers ``amount_cents``, in whole 100 EUR."""
    gross = -(-amount_cents * 10_000 // (10_000 - reserve_bps))
    return -(-gross // 10_000) * 10_000


def _spendable(spend: _Spend, event: Event) -> bool:
    campaign = spend.campaign
    return (event.category_code in campaign.category_codes and event.starts_at > spend.claimed_at + timedelta(days=1)
            and (not campaign.territory or event.municipality_code in campaign.territory))


def _owner(venue_id: int) -> User:
    return db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.organisation_id == venue_id, Membership.role == OWNER))


def _update(key_column, column, rows: list[dict]) -> None:
    """One executemany: ``column`` = row["at"] where ``key_column`` = row["key"]."""
    if rows:
        db.session.execute(sa.update(key_column.table).where(key_column == sa.bindparam("key"))
                           .values({column.name: sa.bindparam("at")}), rows)
