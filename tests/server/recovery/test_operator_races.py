"""The operator's decision on a frozen voucher attacked as mistakes and races: twice at
once, replayed with another body, and while a door sync pays an old spend of that
voucher. After each: the books balance and the voucher's money went once, either to
the venue or to the fresh voucher, never to both (the risk account pays the rest)."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.door import overspend
from server.extensions import db
from server.ledger import api as ledger
from server.vouchers.models import Voucher
from tests.server import factories
from tests.server.concurrency import at_once
from tests.server.lock_queue import account_lock, behind_a_lock
from tests.server.recovery.test_recovery import _school_api

UNFREEZE = {"decision": "unfreeze", "note": "Errore del lettore, verificato"}


def _frozen(door):
    """The door froze the voucher (25.00 EUR on it): the operator has a decision to make."""
    with door.app.app_context():
        overspend.freeze(db.session.get(Voucher, door.voucher_id), datetime.now(timezone.utc))
        db.session.commit()


def _admins(door, count):
    with door.app.app_context():
        emails = [factories.user(admin=True).email for _ in range(count)]
        db.session.commit()
    return [factories.ApiClient(door.app.test_client()).login(email) for email in emails]


def _balance(door, kind, owner):
    with door.app.app_context():
        return ledger.account(kind, owner).balance_cents


def _fresh_vouchers(door):
    with door.app.app_context():
        return list(db.session.scalars(sa.select(Voucher.id).where(Voucher.id != door.voucher_id)))


def test_an_unfreeze_decided_twice_at_once_moves_the_balance_once(door):
    _frozen(door)
    results = at_once([lambda api=api: api.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision", json=UNFREEZE)
                       for api in _admins(door, 2)])
    assert sorted(r.status_code for r in results) == [201, 409], [r.get_json() for r in results]
    assert next(r for r in results if r.status_code == 409).get_json()["code"] == "nothing_to_recover"
    (fresh,) = _fresh_vouchers(door)
    assert _balance(door, "voucher", fresh) == 2_500
    assert _balance(door, "voucher", door.voucher_id) == 0


def test_a_decision_replayed_with_another_body_or_a_new_key_moves_nothing_more(door):
    _frozen(door)
    (api,) = _admins(door, 1)
    url = f"/api/v1/admin/vouchers/{door.voucher_id}/decision"
    first = api.post(url, json=UNFREEZE, idempotency_key="decisione-buono-1")
    replay = api.post(url, json=UNFREEZE, idempotency_key="decisione-buono-1")
    other = api.post(url, json={"decision": "recover", "note": "Altro"}, idempotency_key="decisione-buono-1")
    assert first.status_code == replay.status_code == 201 and replay.get_json() == first.get_json()
    assert (other.status_code, other.get_json()["code"]) == (422, "idempotency_key_reused")
    again = api.post(url, json=UNFREEZE)  # a new key for the same act: it was done
    assert (again.status_code, again.get_json()["code"]) == (409, "nothing_to_recover")
    (fresh,) = _fresh_vouchers(door)
    assert _balance(door, "voucher", fresh) == 2_500


@pytest.mark.postgres
@pytest.mark.parametrize("decision_first", [True, False], ids=["decision-then-sync", "sync-then-decision"])
def test_an_unfreeze_while_the_door_syncs_an_old_spend_pays_the_voucher_money_once(door, now, decision_first):
    """The old phone spent 12.00 EUR at the door before the freeze; its scanner syncs
    while the operator unfreezes. Both take the voucher's account first: the decision
    moves what is left when it gets the lock, the sync is paid from the voucher if it
    comes first, else by the campaign's risk account (and flagged)."""
    a, _ = door.scanners
    spend = door.record(a, at=now - 600, amount=1_200)
    _frozen(door)
    (api,) = _admins(door, 1)
    risk_before = _balance(door, "campaign_risk", door.campaign_id)
    decide = lambda: api.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision", json=UNFREEZE)  # noqa: E731
    sync = lambda: door.sync(a, spend)[0]  # noqa: E731
    calls = [decide, sync] if decision_first else [sync, decide]
    results = behind_a_lock(door.app, *account_lock("voucher", door.voucher_id), calls)
    decided, synced = results if decision_first else results[::-1]
    assert decided.status_code == 201, decided.get_json()
    assert synced["outcome"] == "redeemed", synced
    (fresh,) = _fresh_vouchers(door)
    moved = _balance(door, "voucher", fresh)
    risk_taken = risk_before - _balance(door, "campaign_risk", door.campaign_id)
    assert _balance(door, "voucher", door.voucher_id) == 0
    assert _balance(door, "venue_payable", door.venue_id) == 1_200  # the venue is paid in full, once
    assert (moved, risk_taken) == ((2_500, 1_200) if decision_first else (1_300, 0))
    with door.app.app_context():
        assert ledger.check_books() == []


def _school_starts(door):
    """The school starts a recovery of the door's card (the student lost the phone):
    the code it hands out."""
    teacher, school_id, allocation_id, card_number = _school_api(door)
    return lambda: teacher.post(f"/api/v1/schools/{school_id}/allocations/{allocation_id}/cards/{card_number}/recovery")


@pytest.mark.parametrize("decision", ["unfreeze", "recover"])
def test_the_operator_cannot_decide_on_a_voucher_whose_recovery_the_school_started(door, decision):
    """The voucher was frozen for overspend, then the student lost the phone and the school
    started a recovery. An unfreeze would give the balance back to the lost phone's wallet
    and void the code the school handed out; a recovery is already under way. 409, and
    the student's new phone gets the balance with the school's code."""
    _frozen(door)
    started = _school_starts(door)()
    assert started.status_code == 201, started.get_json()
    (api,) = _admins(door, 1)
    refused = api.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision", json={"decision": decision, "note": "Ok"})
    assert (refused.status_code, refused.get_json()["code"]) == (409, "voucher_recovery_started")
    new_phone, _ = factories.wallet_client(door.app)
    claimed = new_phone.post("/api/v1/wallet/claims", json={"code": started.get_json()["code"]})
    assert claimed.status_code == 201, claimed.get_json()
    assert _balance(door, "voucher", claimed.get_json()["id"]) == 2_500


@pytest.mark.postgres
@pytest.mark.parametrize("school_first", [True, False], ids=["school-then-operator", "operator-then-school"])
def test_a_recovery_started_while_the_operator_unfreezes_leaves_the_balance_to_one_of_them(door, school_first):
    """Both take the voucher's account first. The school first: the operator is refused
    and the code stands. The operator first: the balance is on a fresh voucher of the
    same wallet, and the school's recovery (asked again: it had read the old voucher) freezes that
    one and hands its code."""
    _frozen(door)
    start = _school_starts(door)
    (api,) = _admins(door, 1)
    unfreeze = lambda: api.post(f"/api/v1/admin/vouchers/{door.voucher_id}/decision", json=UNFREEZE)  # noqa: E731
    calls = [start, unfreeze] if school_first else [unfreeze, start]
    results = behind_a_lock(door.app, *account_lock("voucher", door.voucher_id), calls)
    started, decided = results if school_first else results[::-1]
    if school_first:
        assert started.status_code == 201, started.get_json()
        assert (decided.status_code, decided.get_json()["code"]) == (409, "voucher_recovery_started")
    else:
        assert decided.status_code == 201, decided.get_json()
        # The school read the card's voucher before the move: told to reload, and again
        # it starts the recovery of the voucher the money sits on now.
        assert (started.status_code, started.get_json()["code"]) == (409, "nothing_to_recover")
        started = start()
        assert started.status_code == 201, started.get_json()
    new_phone, _ = factories.wallet_client(door.app)
    claimed = new_phone.post("/api/v1/wallet/claims", json={"code": started.get_json()["code"]})
    assert claimed.status_code == 201, claimed.get_json()
    assert _balance(door, "voucher", claimed.get_json()["id"]) == 2_500
    with door.app.app_context():
        assert ledger.check_books() == []
