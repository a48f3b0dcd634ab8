"""Two transactions spending the same balance at once, on real parallel connections."""
import threading

import pytest

from server.extensions import db
from server.ledger import api as ledger
from server.ledger.exceptions import InsufficientFunds

pytestmark = pytest.mark.postgres


def test_two_concurrent_spends_cannot_overdraw(app):
    with app.app_context():
        ledger.post(idempotency_key="topup", kind="topup",
                    entries=[(ledger.account("bank"), 1_000), (ledger.account("sponsor", 1), -1_000)])
        ledger.account("campaign", 1), ledger.account("campaign", 2)
        db.session.commit()

    barrier = threading.Barrier(2)
    outcomes = []

    def spend(campaign_id):
        with app.app_context():
            sponsor = ledger.account("sponsor", 1)
            destination = ledger.account("campaign", campaign_id)
            barrier.wait()
            try:
                ledger.move(idempotency_key=f"fund-{campaign_id}", kind="campaign_funding", source=sponsor,
                            destination=destination, amount_cents=700)
                db.session.commit()
                outcomes.append("ok")
            except InsufficientFunds:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=spend, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused"]
    with app.app_context():
        assert ledger.account("sponsor", 1).balance_cents == 300
