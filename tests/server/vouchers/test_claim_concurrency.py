"""One code, two phones, the same instant: exactly one voucher, money moved once."""
import threading

import pytest

from server.extensions import db
from server.vouchers import api as vouchers_api
from server.vouchers.exceptions import CodeAlreadyClaimed
from server.vouchers.models import Voucher
from tests.server import factories

pytestmark = pytest.mark.postgres


def test_one_code_claimed_twice_at_once(app):
    from datetime import date

    from server.accounts.models import Wallet
    from signing import DeviceKey

    with app.app_context():
        sponsor = factories.organisation("sponsor")
        campaign = factories.funded_campaign(sponsor, amount_cents=10_000, risk_reserve_bps=0)
        school = factories.organisation("school")
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=1, today=date.today())
        (code,) = vouchers_api.issue_codes(allocation=allocation, count=1, secret=app.secret_key)
        wallets = [Wallet(device_key=DeviceKey.generate().public_bytes) for _ in range(2)]
        db.session.add_all(wallets)
        db.session.commit()
        wallet_ids = [w.id for w in wallets]

    barrier = threading.Barrier(2)
    outcomes = []

    def claim(wallet_id):
        with app.app_context():
            wallet = db.session.get(Wallet, wallet_id)
            barrier.wait()
            try:
                vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=date.today())
                db.session.commit()
                outcomes.append("claimed")
            except CodeAlreadyClaimed:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(wallet_id,)) for wallet_id in wallet_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["claimed", "refused"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Voucher)) == 1
