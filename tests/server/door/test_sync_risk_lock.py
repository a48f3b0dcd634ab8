"""A campaign has one risk account: a sync locks it only when its batch may overspend
(sync._lock_accounts), or every door of the campaign would queue on that one row.
The national-peak bench (bench/locust/) found syncs waiting seconds on it."""
import pytest
import sqlalchemy as sa

from server.extensions import db
from server.ledger import api as ledger
from server.ledger.models import Account

pytestmark = pytest.mark.postgres


@pytest.fixture
def risk_row_held(door):
    """Another transaction holds the campaign's risk account, as a sync of another door
    that overspends would. The app's connections give up on a lock after 10 s (an error,
    not a hung test) should a sync wait for it."""
    with door.app.app_context():
        engine = db.engine

        def give_up_on_locks(connection, record, proxy):
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '10s'")

        sa.event.listen(engine, "checkout", give_up_on_locks)
        engine.dispose()  # pooled connections are checked out again, with the setting
        holder = engine.connect()
        holder.begin()
        holder.execute(sa.select(Account.id).filter_by(kind="campaign_risk", owner_id=door.campaign_id)
                       .with_for_update()).one()
    yield
    holder.rollback()
    holder.close()
    sa.event.remove(engine, "checkout", give_up_on_locks)


def test_a_batch_its_vouchers_cover_does_not_wait_for_the_risk_account(door, now, risk_row_held):
    a, b = door.scanners
    (first,) = door.sync(a, door.record(a, at=now - 60, amount=1_200))
    (second,) = door.sync(b, door.record(b, at=now - 30, amount=800))
    assert (first["outcome"], second["outcome"]) == ("redeemed", "redeemed")
    assert first["overspend_cents"] == second["overspend_cents"] == 0
    with door.app.app_context():
        assert ledger.account("voucher", door.voucher_id).balance_cents == 2_500 - 2_000


def test_a_batch_that_may_overspend_still_takes_it_and_charges_it(door, now):
    a, b = door.scanners
    door.sync(a, door.record(a, at=now - 60, amount=1_200))
    door.sync(b, door.record(b, at=now - 45, amount=800))
    (away,) = door.sync(door.away, door.record(door.away, at=now - 30, amount=1_200))
    assert away["outcome"] == "redeemed" and away["overspend_cents"] == 700
    with door.app.app_context():
        assert ledger.account("campaign_risk", door.campaign_id).balance_cents == 2_000 - 700
        assert ledger.check_books() == []
