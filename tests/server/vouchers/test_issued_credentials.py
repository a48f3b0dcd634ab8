"""A direct issuance stores each voucher's credential in its row; the wallet's first
fetch of the voucher gets that credential, byte for byte, while it still has a day to
run; every other fetch, and a fetch of one about to end or ended, signs anew."""
from datetime import datetime, timedelta, timezone

import pytest

from server import keys
from server.accounts.models import Wallet
from server.extensions import db
from server.vouchers import api as vouchers_api
from server.vouchers.models import Voucher
from signing import DeviceKey, parse_unverified, verify_credential
from tests.server import factories
from tests.server.factories import ApiClient, wallet_client


@pytest.fixture
def pilot(app):
    """A funded campaign (25 EUR vouchers, 15 EUR offline) and an approved school."""
    with app.app_context():
        sponsor_owner, school_owner = factories.user(), factories.user()
        campaign = factories.funded_campaign(factories.organisation("sponsor", owner=sponsor_owner),
                                             amount_cents=100_000, risk_reserve_bps=0)
        school = factories.organisation("school", owner=school_owner)
        db.session.commit()
        return {"sponsor_email": sponsor_owner.email, "campaign_id": campaign.id,
                "school_email": school_owner.email, "school_id": school.id}


def _issue(app, pilot, phones):
    sponsor = ApiClient(app.test_client()).login(pilot["sponsor_email"])
    allocation_id = sponsor.post(f"/api/v1/campaigns/{pilot['campaign_id']}/allocations",
                                 json={"school_id": pilot["school_id"], "voucher_count": len(phones)}).get_json()["id"]
    school = ApiClient(app.test_client()).login(pilot["school_email"])
    issued = school.post(f"/api/v1/schools/{pilot['school_id']}/allocations/{allocation_id}/direct",
                         json={"device_keys": [phone.public_bytes.hex() for phone in phones]})
    assert issued.status_code == 201, issued.get_json()
    return issued.get_json()["vouchers"]


@pytest.fixture
def signings(monkeypatch):
    """How many credentials ``vouchers_api.credential`` signs."""
    calls = []
    real = vouchers_api.issue_voucher

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vouchers_api, "issue_voucher", counted)
    return calls


def test_each_issued_credential_is_stored_with_its_voucher_and_verifies_with_the_issuer_key(app, pilot):
    phones = [DeviceKey.generate() for _ in range(3)]
    issued = _issue(app, pilot, phones)
    with app.app_context():
        issuer = keys.public_keyset()
        for phone, answered in zip(phones, issued):
            voucher = db.session.get(Voucher, answered["voucher_id"])
            assert voucher.issued_credential == answered["credential"]
            stored = verify_credential(voucher.issued_credential, keys=issuer,
                                       now=int(datetime.now(timezone.utc).timestamp()))
            assert (stored.voucher_id, stored.device_key) == (voucher.id, phone.public_bytes)
            assert voucher.credential_valid_until == datetime.fromtimestamp(stored.valid_until, timezone.utc)


def test_the_wallets_first_fetch_gets_the_stored_credential_and_the_next_a_fresh_one(app, pilot, signings):
    phone = DeviceKey.generate()
    [answered] = _issue(app, pilot, [phone])
    wallet, _ = wallet_client(app, phone)
    url = f"/api/v1/wallet/vouchers/{answered['voucher_id']}/credential"

    first = wallet.post(url)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["credential"] == answered["credential"] and signings == []
    with app.app_context():
        assert db.session.get(Voucher, answered["voucher_id"]).issued_credential is None  # served once

    again = wallet.post(url)
    assert again.status_code == 200 and again.get_json()["credential"] and signings == [1]


@pytest.mark.parametrize("later", [timedelta(days=6, hours=12), timedelta(days=8)],
                         ids=["less-than-a-day-left", "expired"])
def test_a_stored_credential_that_ends_within_a_day_or_has_ended_is_replaced(app, pilot, signings, later):
    phone = DeviceKey.generate()
    [answered] = _issue(app, pilot, [phone])
    with app.app_context():
        voucher = db.session.get(Voucher, answered["voucher_id"])
        wallet = db.session.scalar(db.select(Wallet).filter_by(device_key=phone.public_bytes))
        now = datetime.now(timezone.utc) + later
        fresh = vouchers_api.credential(voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(), now=now)
        assert fresh != answered["credential"] and signings == [1]
        assert parse_unverified(fresh).valid_until > parse_unverified(answered["credential"]).valid_until
        assert voucher.issued_credential is None
        db.session.rollback()


def test_a_stored_credential_for_another_phone_is_not_served(app, pilot, signings):
    """A row's credential names the wallet it was issued to: a fetch for another wallet
    (a voucher moved meanwhile) gets one bound to its own key."""
    phone, other = DeviceKey.generate(), DeviceKey.generate()
    [answered] = _issue(app, pilot, [phone])
    with app.app_context():
        voucher = db.session.get(Voucher, answered["voucher_id"])
        elsewhere = Wallet(device_key=other.public_bytes)
        db.session.add(elsewhere)
        db.session.flush()
        fresh = vouchers_api.credential(voucher=voucher, wallet=elsewhere, keyset=keys.issuer_keyset(),
                                        now=datetime.now(timezone.utc))
        assert parse_unverified(fresh).device_key == other.public_bytes and signings == [1]
        db.session.rollback()
