"""Direct issuance (``vouchers_api.issue_direct``): each voucher lands in the wallet of
its own device key, new or known, in order; the credentials are those of the inline
path; the allocation's room is decided under its lock, after the rows are written."""
from datetime import date, datetime, timezone

import pytest

from server import keys
from server.accounts.models import SCHOOL, SPONSOR, Wallet
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers import api as vouchers_api
from server.vouchers import signing_pool
from server.vouchers.exceptions import NoCodesLeft
from server.vouchers.models import Allocation, Voucher
from signing import DeviceKey
from signing.issue import issue_vouchers_batch
from tests.server import factories


def _allocation(voucher_count: int) -> Allocation:
    school = factories.organisation(SCHOOL)
    campaign = factories.funded_campaign(factories.organisation(SPONSOR), amount_cents=1_000_000,
                                         face_value_cents=1_000, offline_allowance_cents=500)
    return vouchers_api.allocate(campaign=campaign, school=school, voucher_count=voucher_count, today=date.today())


def test_each_voucher_goes_to_the_wallet_of_its_own_device_key_new_or_known(app, monkeypatch):
    monkeypatch.setattr(signing_pool, "MIN_POOLED", 1)  # the pooled path, as in the job
    with app.app_context():
        allocation = _allocation(10)
        known = [DeviceKey.generate().public_bytes for _ in range(2)]
        db.session.add_all(Wallet(device_key=key) for key in known)
        db.session.flush()
        known_wallets = {w.device_key: w.id for w in db.session.scalars(db.select(Wallet))}
        fresh = [DeviceKey.generate().public_bytes for _ in range(3)]
        device_keys = [fresh[0], known[0], fresh[1], known[1], fresh[2]]
        now = datetime.now(timezone.utc)
        try:
            issued = vouchers_api.issue_direct(allocation=allocation, device_keys=device_keys,
                                               keyset=keys.issuer_keyset(), now=now)
        finally:
            signing_pool.shutdown()
        db.session.commit()

        vouchers = {v.id: v for v in db.session.scalars(db.select(Voucher))}
        wallets = {w.id: w.device_key for w in db.session.scalars(db.select(Wallet))}
        assert [wallets[vouchers[voucher_id].wallet_id] for voucher_id, _ in issued] == device_keys
        assert all(known_wallets[key] == vouchers[issued[device_keys.index(key)][0]].wallet_id for key in known)
        assert len(wallets) == 5
        campaign = db.session.get(vouchers_api.Campaign, allocation.campaign_id)
        valid_until = int(vouchers[issued[0][0]].credential_valid_until.timestamp())
        inline = issue_vouchers_batch(
            keys.issuer_keyset(), now=int(now.timestamp()), campaign_id=campaign.id,
            categories=campaign.category_codes, offline_allowance_cents=500, valid_from=int(now.timestamp()),
            valid_until=valid_until, holders=[(voucher_id, key) for (voucher_id, _), key in zip(issued, device_keys)])
        assert [text for _, text in issued] == inline
        assert [ledger.account("voucher", voucher_id).balance_cents for voucher_id, _ in issued] == [1_000] * 5
        assert ledger.account("school_allocation", allocation.id).balance_cents == 5 * 1_000
        assert db.session.get(Allocation, allocation.id).codes_issued == 5


def test_the_room_is_decided_when_the_vouchers_are_counted(app):
    """Another issuance took the last places after this one wrote its rows: refused,
    and the transaction is left to roll back (the job and the request both do)."""
    with app.app_context():
        allocation = _allocation(3)
        db.session.commit()
        device_keys = [DeviceKey.generate().public_bytes]
        started = vouchers_api.start_direct(allocation=allocation, device_keys=device_keys,
                                            keyset=keys.issuer_keyset(), now=datetime.now(timezone.utc))
        written = vouchers_api.write_direct(allocation=allocation, device_keys=device_keys, started=started)
        allocation.codes_issued = 3  # what the locked re-read would find
        with pytest.raises(NoCodesLeft):
            vouchers_api.settle_direct(written, allocation=allocation)
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(Voucher)) == 0
        assert db.session.get(Allocation, allocation.id).codes_issued == 0
