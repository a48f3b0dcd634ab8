"""The demo pilot's history (server/demo_history.py): closed months of activity, each
recorded in its month, money that balances, and an impact report with figures to show.

The pilot is seeded once for the module (a few seconds) and only read afterwards."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server import demo, demo_history
from server.bookings.models import Booking, Rating
from server.campaigns.models import Campaign
from server.catalogue import taxonomy
from server.catalogue.models import Event
from server.door.models import CHECKED_IN, REDEEMED, ScanRecord
from server.extensions import db
from server.ledger import api as ledger_api
from server.ledger.models import Posting, Transfer
from server.payments.models import CONFIRMED, TopUp
from server.reports import api as reports_api
from server.stories import api as stories_api
from server.stories.models import Story
from server.thanks.models import Thanks
from server.accounts.models import Wallet
from server.vouchers.models import Allocation, Voucher
from tests.server.demo_pilot import seeded_demo

HISTORY_RECORDS = (Wallet, Voucher, Booking, Rating, ScanRecord, Thanks, Story, Event, Transfer, Posting)
NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    """The demo seeded once; the app context stays open for the module's read-only tests."""
    with seeded_demo(tmp_path_factory.mktemp("demo-history"), now=NOW) as app, app.app_context():
        yield app


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _month_start(back: int) -> datetime:
    today = NOW.astimezone(demo.ITALY).date()
    return datetime.combine(demo_history._month_start(today, back), datetime.min.time(), tzinfo=demo.ITALY)


def _students_paying(start: datetime, end: datetime) -> int:
    """Distinct wallets that paid (a booking or at the door) as the server recorded it."""
    booked = sa.select(Booking.wallet_id).where(Booking.created_at >= start, Booking.created_at < end)
    at_door = (sa.select(Voucher.wallet_id).join(ScanRecord, ScanRecord.voucher_id == Voucher.id)
               .where(ScanRecord.outcome == REDEEMED, ScanRecord.synced_at >= start, ScanRecord.synced_at < end))
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(sa.union(booked, at_door).subquery().c.wallet_id))))


def test_every_history_month_has_activity_and_the_quiet_one_three_students(pilot):
    for index, back in enumerate(range(demo_history.HISTORY_MONTHS, 0, -1)):
        students = _students_paying(_month_start(back), _month_start(back - 1))
        if index == demo_history.QUIET_MONTH:
            assert students == demo_history.QUIET_STUDENTS
        else:
            assert students >= 40
    assert _count(Wallet) == sum(count for _, _, count in demo_history.ALLOCATIONS)


def test_nothing_of_the_history_is_in_the_open_month(pilot):
    month = _month_start(0)
    assert _count(Booking, Booking.created_at >= month) == 0
    assert _count(ScanRecord, sa.or_(ScanRecord.synced_at >= month, ScanRecord.scanned_at >= month)) == 0
    assert _count(Rating, Rating.created_at >= month) == 0
    assert _count(Thanks, Thanks.created_at >= month) == 0
    assert _count(Transfer, Transfer.kind.in_(("booking", "offline_redemptions", "voucher_claim")),
                  Transfer.created_at >= month) == 0
    # ...and every payment's ledger transfer sits in the month its booking or sync was recorded.
    for booking in db.session.scalars(sa.select(Booking).limit(50)):
        transfer = db.session.scalar(sa.select(Transfer).filter_by(idempotency_key=f"booking:{booking.id}"))
        assert transfer.created_at == booking.created_at


def test_bookings_were_checked_in_mostly_and_rated_after_the_event(pilot):
    bookings = _count(Booking)
    checked_in = _count(Booking, Booking.checked_in_at.is_not(None))
    assert 0.75 * bookings < checked_in < bookings  # a few did not come
    assert _count(ScanRecord, ScanRecord.outcome == CHECKED_IN) == checked_in
    late = (sa.select(sa.func.count()).select_from(Rating).join(Event, Event.id == Rating.event_id)
            .where(Rating.created_at < Event.starts_at))
    assert _count(Rating) > 100 and db.session.scalar(late) == 0


def test_the_books_balance_and_confirmed_top_ups_cover_every_campaign(pilot):
    assert ledger_api.check_books() == []
    for campaign in db.session.scalars(sa.select(Campaign)):
        confirmed = db.session.scalar(sa.select(sa.func.sum(TopUp.amount_cents))
                                      .filter_by(campaign_id=campaign.id, status=CONFIRMED))
        allocated = db.session.scalar(sa.select(sa.func.sum(Allocation.voucher_count * Allocation.face_value_cents))
                                      .filter_by(campaign_id=campaign.id))
        available = ledger_api.account("campaign", campaign.id).balance_cents
        reserve = ledger_api.account("campaign_risk", campaign.id).balance_cents
        assert available >= 0 and reserve >= 0 and available + reserve + allocated == confirmed


def test_one_dance_evening_with_two_students(pilot):
    dance = taxonomy.by_slug("danza").code
    wallets = (sa.select(sa.func.count(sa.distinct(Booking.wallet_id))).join(Event, Event.id == Booking.event_id)
               .where(Event.category_code == dance, Event.starts_at < NOW))
    assert db.session.scalar(wallets) == demo_history.DANCE_STUDENTS


def test_the_main_campaign_impact_is_released_with_a_headline(pilot):
    campaign = db.session.scalar(sa.select(Campaign).filter_by(name="Lumen per la cultura"))
    impact = reports_api.campaign_impact(campaign=campaign, now=NOW)
    last_closed_day = (_month_start(0) - timedelta(days=1)).date()
    assert str(impact["as_of"]) == last_closed_day.isoformat()
    headline = impact["headline"]
    assert not headline["suppressed"] and headline["students_reached"] >= 100 and headline["spend_cents"] > 0
    quiet = _month_start(demo_history.HISTORY_MONTHS - demo_history.QUIET_MONTH).date().isoformat()
    assert not [row for row in impact["trend"] if str(row["from"]) == quiet and not row["suppressed"]
                and str(row["to"]).startswith(quiet[:7])]  # three students: merged, never a month alone
    shown = {row["slug"] for row in impact["spend"]["by_category"] if not row["suppressed"]}
    assert "danza" not in shown and len(shown) >= 3


def test_students_thanked_and_venues_told_without_photos(pilot):
    campaign = db.session.scalar(sa.select(Campaign).filter_by(name="Lumen per la cultura"))
    assert _count(Thanks) > 50
    stories = stories_api.for_campaign(campaign.id)
    assert len(stories) == len(demo_history.STORIES) and all(s.photo_version is None for s in stories)


def test_seeding_again_adds_nothing(pilot):
    before = {model.__name__: _count(model) for model in HISTORY_RECORDS}
    assert demo.seed(now=NOW, secret_key=pilot.secret_key).created is False
    db.session.commit()
    assert {model.__name__: _count(model) for model in HISTORY_RECORDS} == before
