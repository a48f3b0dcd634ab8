"""Recovery without identity (server/recovery/README.md): a lost phone's balance moves
to a new wallet on a code the school hands out; the old credential is revoked; what the
old phone still spends offline is paid by the campaign's risk account within the door's
bound. And the operator's decisions on frozen vouchers."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.accounts.models import OWNER, Membership
from server.door.models import RevocationEntry, ScannerDevice
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers.models import ClaimCode, Voucher
from tests.server import factories
from tests.server.concurrency import at_once

ALLOWANCE = 2_400  # the door fixture's campaign: each venue may take one allowance offline


def _school_api(door):
    with door.app.app_context():
        voucher = db.session.get(Voucher, door.voucher_id)
        card = db.session.scalar(sa.select(ClaimCode).filter_by(voucher_id=voucher.id))
        from server.vouchers.models import Allocation
        school_id = db.session.get(Allocation, voucher.allocation_id).school_id
        teacher = factories.user()
        db.session.add(Membership(user=teacher, organisation_id=school_id, role=OWNER))
        db.session.commit()
        email, card_number, allocation_id = teacher.email, card.serial, voucher.allocation_id
    api = factories.ApiClient(door.app.test_client()).login(email)
    return api, school_id, allocation_id, card_number


def _start(door):
    api, school_id, allocation_id, card_number = _school_api(door)
    started = api.post(f"/api/v1/schools/{school_id}/allocations/{allocation_id}/cards/{card_number}/recovery")
    assert started.status_code == 201, started.get_json()
    return api, school_id, started.get_json()


def _balance(door, kind, owner):
    with door.app.app_context():
        return ledger.account(kind, owner).balance_cents


def _claim(api, code):
    return api.post("/api/v1/wallet/claims", json={"code": code})


def test_a_lost_phone_is_recovered_on_a_new_wallet(door, now):
    old_phone = door.wallet_api()
    _, school_id, started = _start(door)
    new_phone, _ = factories.wallet_client(door.app)
    claimed = _claim(new_phone, started["code"])
    assert claimed.status_code == 201, claimed.get_json()
    moved = claimed.get_json()
    assert moved["id"] != door.voucher_id and moved["balance_cents"] == 2_500 and moved["credential"]
    assert (moved["status"], moved["status_reason"]) == ("active", None)
    # The old phone: recovered elsewhere, no new credential, nothing to spend.
    (old,) = old_phone.get("/api/v1/wallet/vouchers").get_json()
    assert (old["status"], old["status_reason"], old["balance_cents"]) == ("recovered", "other_device", 0)
    refused = old_phone.post(f"/api/v1/wallet/vouchers/{door.voucher_id}/credential")
    assert refused.status_code == 409 and refused.get_json()["code"] == "voucher_frozen"
    # The code is one-time: another wallet is told so; the same wallet retrying gets the same voucher.
    other, _ = factories.wallet_client(door.app)
    assert _claim(other, started["code"]).get_json()["code"] == "code_already_claimed"
    assert _claim(new_phone, started["code"]).get_json()["id"] == moved["id"]


def test_the_old_credential_is_in_the_next_bundle_and_a_fresh_scanner_refuses_it(door, now):
    _start(door)
    a, _ = door.scanners
    # The bundle a scanner downloads next names the old voucher.
    staff = factories.ApiClient(door.app.test_client()).login(door.staff_email)
    bundle = staff.get(f"/api/v1/scanners/{a}/bootstrap?since=0")
    assert bundle.status_code == 200, bundle.get_json()
    assert {"kind": "voucher", "value": str(door.voucher_id)} in bundle.get_json()["revocations"]["entries"]
    with door.app.app_context():
        revoked = db.session.scalar(sa.select(RevocationEntry).filter_by(kind="voucher", value=str(door.voucher_id)))
        downloaded = revoked.created_at + timedelta(seconds=1)
        db.session.get(ScannerDevice, a).last_bootstrap_at = downloaded
        db.session.commit()
    # A scan after the scanner downloaded the list is refused by the rules: not paid.
    (result,) = door.sync(a, door.record(a, at=int(downloaded.timestamp()) + 1))
    assert (result["outcome"], result["code"]) == ("rejected", "revoked")
    assert _balance(door, "venue_payable", door.venue_id) == 0


def test_old_phone_spends_synced_after_the_recovery_are_paid_by_the_risk_account_within_the_bound(door, now):
    """Offline, before the scanners knew: two slots of one venue and the venue across
    town. Total paid ≤ original balance + allowance × venues; the excess from risk."""
    a, b = door.scanners
    records = [(a, door.record(a, at=now - 900, amount=1_200)), (b, door.record(b, at=now - 600, amount=1_200)),
               (door.away, door.record(door.away, at=now - 300, amount=1_200))]
    risk_before = _balance(door, "campaign_risk", door.campaign_id)
    _, _, started = _start(door)
    new_phone, _ = factories.wallet_client(door.app)
    new_voucher = _claim(new_phone, started["code"]).get_json()["id"]
    for scanner, record in records:
        (result,) = door.sync(scanner, record)
        assert result["outcome"] == "redeemed", result
    old_paid = 1_200 + 1_200 + 1_200
    venues = 2
    assert _balance(door, "voucher", new_voucher) == 2_500
    assert _balance(door, "voucher", door.voucher_id) == 0
    risk_taken = risk_before - _balance(door, "campaign_risk", door.campaign_id)
    assert risk_taken == old_paid <= ALLOWANCE * venues
    total_paid_possible = old_paid + 2_500
    assert total_paid_possible <= 2_500 + ALLOWANCE * venues
    with door.app.app_context():
        assert ledger.check_books() == []
        # A recovered voucher overspent later is flagged, not frozen again.
        assert db.session.get(Voucher, door.voucher_id).status == "recovered"


def test_the_school_sees_cards_by_state_without_any_identity(door, now):
    api, school_id, started = _start(door)
    listed = api.get(f"/api/v1/schools/{school_id}/vouchers").get_json()
    assert listed["counts"] == {"recovering": 1}
    (card,) = listed["cards"]
    assert set(card) == {"card_number", "allocation_id", "campaign_name", "status", "status_reason", "balance_cents"}
    new_phone, _ = factories.wallet_client(door.app)
    _claim(new_phone, started["code"])
    listed = api.get(f"/api/v1/schools/{school_id}/vouchers").get_json()
    assert listed["counts"] == {"recovered": 1}
    assert listed["cards"][0]["balance_cents"] == 2_500
    assert "wallet" not in str(listed) and str(door.voucher_id) not in {str(c.get("id")) for c in listed["cards"]}


def test_starting_again_replaces_the_code_not_yet_used(door, now):
    api, school_id, first = _start(door)
    with door.app.app_context():
        allocation_id = db.session.get(Voucher, door.voucher_id).allocation_id
    again = api.post(f"/api/v1/schools/{school_id}/allocations/{allocation_id}/cards/{first['card_number']}/recovery")
    second = again.get_json()
    wallet, _ = factories.wallet_client(door.app)
    assert _claim(wallet, first["code"]).get_json()["code"] == "invalid_claim_code"
    assert _claim(wallet, second["code"]).status_code == 201
    with door.app.app_context():  # one revocation, not two
        from server.door.models import RevocationEntry
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RevocationEntry)) == 1


def test_an_unknown_card_is_a_404(door):
    api, school_id, allocation_id, _ = _school_api(door)
    response = api.post(f"/api/v1/schools/{school_id}/allocations/{allocation_id}/cards/999/recovery")
    assert response.status_code == 404 and response.get_json()["code"] == "card_not_found"


def _overspend(door, now):
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 900, amount=1_200))
    door.sync(door.away, door.record(door.away, at=now - 600, amount=1_200))
    b = list(door.scanners)[1]
    door.sync(b, door.record(b, at=now - 300, amount=1_200))
    with door.app.app_context():
        assert db.session.get(Voucher, door.voucher_id).status == "frozen"


def _admin(door):
    with door.app.app_context():
        admin = factories.user(admin=True)
        db.session.commit()
        email = admin.email
    return factories.ApiClient(door.app.test_client()).login(email)


def test_the_operator_unfreezes_with_a_note_and_the_wallet_gets_a_fresh_voucher(door, now):
    _overspend(door, now)
    wallet = door.wallet_api()
    (frozen,) = wallet.get("/api/v1/wallet/vouchers").get_json()
    assert (frozen["status"], frozen["status_reason"]) == ("frozen", "overspend")
    admin = _admin(door)
    made = admin.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision",
                      json={"decision": "unfreeze", "note": "Errore del lettore, verificato"})
    assert made.status_code == 201, made.get_json()
    vouchers = wallet.get("/api/v1/wallet/vouchers").get_json()
    assert [(v["status"], v["status_reason"]) for v in vouchers] == [("recovered", "reissued"), ("spent", None)]
    flags = admin.get("/api/v1/admin/flags").get_json()
    overspend = [f for f in flags if f["kind"] == "overspend"]
    assert overspend and overspend[0]["decision"]["decision"] == "unfreeze"
    assert overspend[0]["voucher_status"] == "recovered"
    again = admin.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision", json={"decision": "unfreeze", "note": "x"})
    assert again.status_code == 409 and again.get_json()["code"] == "nothing_to_recover"


def test_the_operator_keeps_it_frozen_for_a_recovery_and_the_school_sees_it_suspended(door, now):
    _overspend(door, now)
    admin = _admin(door)
    made = admin.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision",
                      json={"decision": "recover", "note": "Telefono rubato secondo la scuola"})
    assert made.status_code == 201
    (voucher,) = door.wallet_api().get("/api/v1/wallet/vouchers").get_json()
    assert (voucher["status"], voucher["status_reason"]) == ("frozen", "under_review")
    api, school_id, _, _ = _school_api(door)
    (card,) = api.get(f"/api/v1/schools/{school_id}/vouchers").get_json()["cards"]
    assert (card["status"], card["status_reason"]) == ("suspended", "under_review")


@pytest.mark.parametrize("body", [{"decision": "forget", "note": "x"}, {"decision": "unfreeze", "note": ""},
                                  {"decision": "unfreeze"}])
def test_a_bad_decision_is_a_422(door, body):
    response = _admin(door).post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision", json=body)
    assert response.status_code == 422


def test_a_decision_on_an_active_voucher_is_refused(door):
    response = _admin(door).post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision",
                                 json={"decision": "recover", "note": "?"})
    assert response.status_code == 409 and response.get_json()["code"] == "nothing_to_recover"


def test_the_old_phone_syncing_while_the_new_one_claims_keeps_the_books_and_the_bound(door, now):
    """Whatever the order the locks give: what the old voucher still held when the claim
    took its lock moves; what the old phone spent beyond it comes from the risk account,
    never from the new voucher, within allowance × venues. (On SQLite the write lock
    queues them; on PostgreSQL they race on row locks.)"""
    a, b = door.scanners
    spends = [(a, door.record(a, at=now - 900, amount=1_200)), (b, door.record(b, at=now - 600, amount=1_200)),
              (door.away, door.record(door.away, at=now - 300, amount=1_200))]
    risk_before = _balance(door, "campaign_risk", door.campaign_id)
    _, _, started = _start(door)
    new_phone, _ = factories.wallet_client(door.app)
    results = at_once([lambda: _claim(new_phone, started["code"])]
                       + [lambda s=s, r=r: door.sync(s, r)[0] for s, r in spends])
    claimed = results[0]
    assert claimed.status_code == 201, claimed.get_json()
    assert [r["outcome"] for r in results[1:]] == ["redeemed"] * 3
    old_paid = 3 * 1_200
    moved = _balance(door, "voucher", claimed.get_json()["id"])
    risk_taken = risk_before - _balance(door, "campaign_risk", door.campaign_id)
    assert _balance(door, "voucher", door.voucher_id) == 0
    assert risk_taken == old_paid - (2_500 - moved)  # the voucher covered what it held, risk the rest
    assert 0 <= risk_taken <= ALLOWANCE * 2  # two venues
    assert old_paid + moved <= 2_500 + ALLOWANCE * 2
    with door.app.app_context():
        assert ledger.check_books() == []
