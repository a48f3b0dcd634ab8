"""Report queries: aggregates computed by the database, read only.

Every aggregate comes with the number of distinct wallets behind it (a wallet is
one student's phone): that is what suppression is decided on. Balances are read
without ``ledger.account``, which creates the account it does not find; a report
writes nothing.
"""
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa

from server.accounts.models import PENDING as ORGANISATION_PENDING
from server.accounts.models import Organisation
from server.bookings.models import CANCELLED, CONFIRMED, Booking, Rating
from server.campaigns.models import campaign_sponsor
from server.catalogue.models import Event
from server.extensions import db
from server.ledger.models import Account
from server.payments.models import CONFIRMED as TOPUP_CONFIRMED
from server.payments.models import PENDING as TOPUP_PENDING
from server.payments.models import TopUp
from server.door.models import CHECKED_IN, REDEEMED, ScanRecord
from server.vouchers.models import Allocation, Voucher

Grouped = tuple[dict, tuple]  # ({key: measures}, measures over everything)


def _int(value) -> int:
    return int(value or 0)  # SUM of nothing is NULL; PostgreSQL sums bigints as numeric


def _aggregate(make: Callable[..., sa.Select], key, *measures) -> Grouped:
    """``measures`` per value of ``key`` (a column, or a tuple of columns) and over all
    rows: distinct counts do not add up, so the total is a query of its own."""
    keys = key if isinstance(key, tuple) else (key,)
    grouped = {(row[:len(keys)] if isinstance(key, tuple) else row[0]): tuple(_int(v) for v in row[len(keys):])
               for row in db.session.execute(make(*keys, *measures).group_by(*keys))}
    total = tuple(_int(v) for v in db.session.execute(make(*measures)).one())
    return grouped, total


def _students(column):
    return sa.func.count(sa.distinct(column))


def _within(column, start: datetime | None, end: datetime | None) -> list:
    # Comparing a column with None raises in SQLAlchemy: only the bounds given make a condition.
    return ([column >= start] if start is not None else []) + ([column < end] if end is not None else [])


# --- ledger --------------------------------------------------------------------------

def balance(kind: str, owner_id: int) -> int:
    return _int(db.session.scalar(sa.select(Account.balance_cents).filter_by(kind=kind, owner_id=owner_id)))


def balances_by_kind() -> dict[str, int]:
    return {kind: _int(total) for kind, total in db.session.execute(
        sa.select(Account.kind, sa.func.sum(Account.balance_cents)).group_by(Account.kind))}


def negative_risk_accounts() -> tuple[int, int]:
    """How many campaign risk accounts are below zero, and by how much in all."""
    count, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(Account.balance_cents))
        .where(Account.kind == "campaign_risk", Account.balance_cents < 0)).one()
    return _int(count), -_int(total)


def pending_counts() -> tuple[int, int]:
    organisations = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).filter_by(status=ORGANISATION_PENDING))
    topups = db.session.scalar(sa.select(sa.func.count()).select_from(TopUp).filter_by(status=TOPUP_PENDING))
    return _int(organisations), _int(topups)


# --- venue: its activity in a period, by event -----------------------------------------

def venue_redemptions(venue_id: int, start, end) -> Grouped:
    """Per event id (None: redeemed at the door without an event): count, amount, students."""
    def make(*columns):
        return (sa.select(*columns).select_from(ScanRecord).join(Voucher, Voucher.id == ScanRecord.voucher_id)
                .where(ScanRecord.venue_id == venue_id, ScanRecord.outcome == REDEEMED,
                       *_within(ScanRecord.scanned_at, start, end)))
    return _aggregate(make, ScanRecord.event_id, sa.func.count(), sa.func.sum(ScanRecord.amount_cents),
                      _students(Voucher.wallet_id))


def _check_in_rows(venue_id: int, start, end, *columns):
    return (sa.select(*columns).select_from(ScanRecord).join(Booking, Booking.id == ScanRecord.ticket_id)
            .where(ScanRecord.venue_id == venue_id, ScanRecord.outcome == CHECKED_IN,
                   *_within(ScanRecord.scanned_at, start, end)))


def venue_check_ins(venue_id: int, start, end) -> Grouped:
    """Per event id: tickets checked in (a ticket scanned twice counts once), students."""
    return _aggregate(lambda *columns: _check_in_rows(venue_id, start, end, *columns), Booking.event_id,
                      sa.func.count(sa.distinct(ScanRecord.ticket_id)), _students(Booking.wallet_id))


def _booking_rows(venue_id: int, start, end, *columns):
    return (sa.select(*columns).select_from(Booking).join(Event, Event.id == Booking.event_id)
            .where(Event.venue_id == venue_id, *_within(Booking.created_at, start, end)))


def venue_bookings(venue_id: int, start, end) -> Grouped:
    """Per event id, bookings made in the period: confirmed, their amount, cancelled, students."""
    confirmed = Booking.status == CONFIRMED
    return _aggregate(lambda *columns: _booking_rows(venue_id, start, end, *columns), Booking.event_id,
                      sa.func.sum(sa.case((confirmed, 1), else_=0)),
                      sa.func.sum(sa.case((confirmed, Booking.price_cents), else_=0)),
                      sa.func.sum(sa.case((Booking.status == CANCELLED, 1), else_=0)),
                      _students(Booking.wallet_id))


def venue_students(venue_id: int, start, end) -> Grouped:
    """Distinct students per event id and in all, whatever they did there."""
    everyone = sa.union_all(
        sa.select(ScanRecord.event_id.label("event_id"), Voucher.wallet_id.label("wallet_id"))
        .select_from(ScanRecord).join(Voucher, Voucher.id == ScanRecord.voucher_id)
        .where(ScanRecord.venue_id == venue_id, ScanRecord.outcome == REDEEMED,
               *_within(ScanRecord.scanned_at, start, end)),
        _check_in_rows(venue_id, start, end, Booking.event_id, Booking.wallet_id),
        _booking_rows(venue_id, start, end, Booking.event_id, Booking.wallet_id),
    ).subquery("activity")
    return _aggregate(lambda *columns: sa.select(*columns).select_from(everyone), everyone.c.event_id,
                      _students(everyone.c.wallet_id))


def events(event_ids) -> dict[int, Event]:
    ids = [i for i in event_ids if i is not None]
    return {e.id: e for e in db.session.scalars(sa.select(Event).where(Event.id.in_(ids)))} if ids else {}


# --- school: its allocations ------------------------------------------------------------

def _voucher_account():
    return sa.and_(Account.kind == "voucher", Account.owner_id == Voucher.id)


def school_allocations(school_id: int) -> list[Allocation]:
    return list(db.session.scalars(sa.select(Allocation).filter_by(school_id=school_id).order_by(Allocation.id)))


def school_vouchers(school_id: int) -> dict[str, Grouped]:
    """Per allocation id and over the school: claimed, used (with the amount spent)
    and claimed but not used vouchers, each with its students. Used means the
    balance is below the face value."""
    spent = Voucher.face_value_cents - Account.balance_cents
    is_used = Account.balance_cents < Voucher.face_value_cents

    def make(condition):
        return lambda *columns: (
            sa.select(*columns).select_from(Voucher).join(Account, _voucher_account())
            .join(Allocation, Allocation.id == Voucher.allocation_id)
            .where(Allocation.school_id == school_id, condition))

    return {
        "claimed": _aggregate(make(sa.true()), Voucher.allocation_id, sa.func.count(), _students(Voucher.wallet_id)),
        "used": _aggregate(make(is_used), Voucher.allocation_id, sa.func.count(), sa.func.sum(spent),
                           _students(Voucher.wallet_id)),
        "not_used": _aggregate(make(sa.not_(is_used)), Voucher.allocation_id, sa.func.count(),
                               _students(Voucher.wallet_id)),
    }


# --- campaign: what its vouchers did ---------------------------------------------------

def campaign_funds(campaign_id: int) -> dict:
    topped_up = db.session.scalar(sa.select(sa.func.sum(TopUp.amount_cents))
                                  .filter_by(campaign_id=campaign_id, status=TOPUP_CONFIRMED))
    vouchers, allocated = db.session.execute(
        sa.select(sa.func.sum(Allocation.voucher_count),
                  sa.func.sum(Allocation.voucher_count * Allocation.face_value_cents))
        .filter_by(campaign_id=campaign_id)).one()
    return {"topped_up_cents": _int(topped_up), "available_cents": balance("campaign", campaign_id),
            "risk_reserve_cents": balance("campaign_risk", campaign_id), "allocated_cents": _int(allocated),
            "vouchers_allocated": _int(vouchers)}


def campaign_reach(campaign_id: int) -> tuple[int, int]:
    """Vouchers claimed, and the distinct wallets holding them."""
    claimed, students = db.session.execute(
        sa.select(sa.func.count(), _students(Voucher.wallet_id)).filter_by(campaign_id=campaign_id)).one()
    return _int(claimed), _int(students)


def _uses(campaign_id: int):
    """Every payment made with the campaign's vouchers: bookings still confirmed and
    redemptions at the door, with where they happened."""
    booked = (sa.select(Booking.wallet_id.label("wallet_id"), Booking.price_cents.label("amount_cents"),
                        Event.category_code.label("category_code"), Event.venue_id.label("venue_id"),
                        Event.municipality_code.label("municipality_code"))
              .select_from(Booking).join(Voucher, Voucher.id == Booking.voucher_id)
              .join(Event, Event.id == Booking.event_id)
              .where(Voucher.campaign_id == campaign_id, Booking.status == CONFIRMED))
    redeemed = (sa.select(Voucher.wallet_id, ScanRecord.amount_cents,
                          sa.func.coalesce(ScanRecord.category_code, Event.category_code), ScanRecord.venue_id,
                          sa.func.coalesce(Event.municipality_code, Organisation.municipality_code))
                .select_from(ScanRecord).join(Voucher, Voucher.id == ScanRecord.voucher_id)
                .join(Organisation, Organisation.id == ScanRecord.venue_id)
                .outerjoin(Event, Event.id == ScanRecord.event_id)
                .where(ScanRecord.campaign_id == campaign_id, ScanRecord.outcome == REDEEMED))
    return sa.union_all(booked, redeemed).subquery("uses")


def campaign_spend(campaign_id: int) -> dict[str, Grouped]:
    """Spend, payments and students by category code, venue id, municipality code, and
    by all three at once (``cell``: never published, but what links the other three)."""
    uses = _uses(campaign_id)

    def by(key) -> Grouped:
        return _aggregate(lambda *columns: sa.select(*columns).select_from(uses), key,
                          sa.func.sum(uses.c.amount_cents), sa.func.count(), _students(uses.c.wallet_id))

    return {"category": by(uses.c.category_code), "venue": by(uses.c.venue_id),
            "municipality": by(uses.c.municipality_code),
            "cell": by((uses.c.category_code, uses.c.venue_id, uses.c.municipality_code))}


def campaign_attendance(campaign_id: int, now: datetime) -> Grouped:
    """Confirmed bookings for events that have started, by checked in (True/False)."""
    checked_in = Booking.checked_in_at.is_not(None)
    grouped, total = _aggregate(
        lambda *columns: (sa.select(*columns).select_from(Booking).join(Voucher, Voucher.id == Booking.voucher_id)
                          .join(Event, Event.id == Booking.event_id)
                          .where(Voucher.campaign_id == campaign_id, Booking.status == CONFIRMED,
                                 Event.starts_at <= now)),
        checked_in, sa.func.count(), _students(Booking.wallet_id))
    return {bool(flag): measures for flag, measures in grouped.items()}, total  # SQLite says 1/0


def campaign_ratings(campaign_id: int) -> tuple[int, int, int]:
    """Ratings of events booked with the campaign's vouchers: count, stars in all, students."""
    count, stars, students = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(Rating.stars), _students(Booking.wallet_id))
        .select_from(Rating).join(Booking, Booking.id == Rating.booking_id)
        .join(Voucher, Voucher.id == Booking.voucher_id).where(Voucher.campaign_id == campaign_id)).one()
    return _int(count), _int(stars), _int(students)


def names(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())


# --- campaigns over time: one row per thing a student did, with the server's time ------

def campaign_claims(campaign_ids) -> list[tuple[int, datetime]]:
    """(wallet id, when the server recorded the claim) of every voucher of the campaigns."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Voucher.wallet_id, Voucher.created_at).where(Voucher.campaign_id.in_(campaign_ids)))]


def campaign_use_rows(campaign_ids) -> list[tuple]:
    """Every payment with the campaigns' vouchers: (wallet id, amount, category code,
    venue id, municipality code, recorded at, cancelled at). A booking counts from its
    creation to its cancellation; a redemption from its sync (not the phone's scan
    time: a late sync lands in the month it arrived, so a closed month stays closed)."""
    booked = (sa.select(Booking.wallet_id, Booking.price_cents, Event.category_code, Event.venue_id,
                        Event.municipality_code, Booking.created_at,
                        sa.case((Booking.status == CANCELLED, Booking.cancelled_at), else_=None))
              .select_from(Booking).join(Voucher, Voucher.id == Booking.voucher_id)
              .join(Event, Event.id == Booking.event_id)
              .where(Voucher.campaign_id.in_(campaign_ids)))
    redeemed = (sa.select(Voucher.wallet_id, ScanRecord.amount_cents,
                          sa.func.coalesce(ScanRecord.category_code, Event.category_code), ScanRecord.venue_id,
                          sa.func.coalesce(Event.municipality_code, Organisation.municipality_code),
                          ScanRecord.synced_at, sa.null())
                .select_from(ScanRecord).join(Voucher, Voucher.id == ScanRecord.voucher_id)
                .join(Organisation, Organisation.id == ScanRecord.venue_id)
                .outerjoin(Event, Event.id == ScanRecord.event_id)
                .where(ScanRecord.campaign_id.in_(campaign_ids), ScanRecord.outcome == REDEEMED))
    return [tuple(row) for row in db.session.execute(booked)] + [tuple(row) for row in db.session.execute(redeemed)]


def campaign_booking_rows(campaign_ids) -> list[tuple]:
    """Bookings with the campaigns' vouchers: (wallet id, created at, cancelled at,
    event start, first check-in as recorded by the server at sync)."""
    first_check_in = (sa.select(ScanRecord.ticket_id, sa.func.min(ScanRecord.synced_at).label("at"))
                      .where(ScanRecord.outcome == CHECKED_IN).group_by(ScanRecord.ticket_id).subquery())
    return [tuple(row) for row in db.session.execute(
        sa.select(Booking.wallet_id, Booking.created_at,
                  sa.case((Booking.status == CANCELLED, Booking.cancelled_at), else_=None),
                  Event.starts_at, first_check_in.c.at)
        .select_from(Booking).join(Voucher, Voucher.id == Booking.voucher_id)
        .join(Event, Event.id == Booking.event_id)
        .outerjoin(first_check_in, first_check_in.c.ticket_id == Booking.id)
        .where(Voucher.campaign_id.in_(campaign_ids)))]


def campaign_rating_rows(campaign_ids) -> list[tuple[int, int, datetime]]:
    """(wallet id, stars, recorded at) of ratings of events booked with the vouchers."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Booking.wallet_id, Rating.stars, Rating.created_at)
        .select_from(Rating).join(Booking, Booking.id == Rating.booking_id)
        .join(Voucher, Voucher.id == Booking.voucher_id).where(Voucher.campaign_id.in_(campaign_ids)))]


def sponsor_campaign_ids(sponsor_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(campaign_sponsor.c.campaign_id)
                                   .where(campaign_sponsor.c.sponsor_id == sponsor_id)
                                   .order_by(campaign_sponsor.c.campaign_id)))


# --- venue: first visits and bookings per event -----------------------------------------

def venue_first_visits(venue_id: int) -> list[tuple[int, datetime]]:
    """(wallet id, server time of its first activity at the venue): a booking made or a
    redemption synced."""
    everyone = sa.union_all(
        sa.select(Voucher.wallet_id.label("wallet_id"), ScanRecord.synced_at.label("at"))
        .select_from(ScanRecord).join(Voucher, Voucher.id == ScanRecord.voucher_id)
        .where(ScanRecord.venue_id == venue_id, ScanRecord.outcome == REDEEMED),
        sa.select(Booking.wallet_id, Booking.created_at).select_from(Booking)
        .join(Event, Event.id == Booking.event_id).where(Event.venue_id == venue_id),
    ).subquery("activity")
    return [tuple(row) for row in db.session.execute(
        sa.select(everyone.c.wallet_id, sa.func.min(everyone.c.at)).group_by(everyone.c.wallet_id))]


def event_attendance(event_ids) -> dict[int, tuple[int, int]]:
    """Per event: bookings still confirmed, and of those, checked in."""
    ids = [i for i in event_ids if i is not None]
    if not ids:
        return {}
    return {event_id: (_int(booked), _int(checked_in)) for event_id, booked, checked_in in db.session.execute(
        sa.select(Booking.event_id, sa.func.count(),
                  sa.func.sum(sa.case((Booking.checked_in_at.is_not(None), 1), else_=0)))
        .where(Booking.event_id.in_(ids), Booking.status == CONFIRMED).group_by(Booking.event_id))}
