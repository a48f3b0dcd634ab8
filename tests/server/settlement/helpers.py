"""Settlement test helpers: redemptions at the door fixture's venues, runs, balances."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from server.accounts.models import Organisation
from server.extensions import db
from server.ledger import api as ledger
from server.settlement import api as settlement

IBAN_A = "IT60X0542811101000000123456"
IBAN_B = "DE89370400440532013000"


def give_ibans(door):
    """The venues' approved IBANs (the column holds only an approved one)."""
    with door.app.app_context():
        db.session.get(Organisation, door.venue_id).iban = IBAN_A
        db.session.get(Organisation, door.away_venue_id).iban = IBAN_B
        db.session.commit()


def run(app, *, cut_off=None, by=None):
    """A run now (cut-off: a minute ago unless given), committed; its id."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        made = settlement.run_settlement(cut_off=cut_off or now - timedelta(seconds=1), created_by=by, now=now)
        db.session.commit()
        return made.id


def balance(app, kind, owner=0):
    with app.app_context():
        return ledger.account(kind, owner).balance_cents


def payouts(app, run_id):
    """{venue_id: (amount_cents, [(kind, source_id, amount)])} of a run."""
    with app.app_context():
        found = {}
        for payout in settlement.get_run(run_id).payouts:
            found[payout.venue_id] = (payout.amount_cents,
                                      sorted((line.kind, line.source_id, line.amount_cents) for line in payout.lines))
        return found


def scan_ids(app):
    from server.door.models import ScanRecord

    with app.app_context():
        return dict(db.session.execute(sa.select(ScanRecord.record_id, ScanRecord.id)).all())


def two_payout_run(door, now, *, export=True) -> int:
    """A run of two payouts (12.00 EUR at the door fixture's venue, 3.33 at the away one),
    exported unless told not to, committed: its id."""
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700), door.record(a, at=now - 500, amount=500))
    door.sync(door.away, door.record(door.away, at=now - 400, amount=333))
    run_id = run(door.app)
    if export:
        with door.app.app_context():
            settlement.export_pain(settlement.get_run(run_id), now=datetime.now(timezone.utc))
            db.session.commit()
    return run_id
