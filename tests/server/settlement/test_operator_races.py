"""The operator's settlement endpoints attacked as mistakes and races: a payout and its
whole run confirmed paid at once, twice at once, a hold placed while a run takes the
line, a hold released twice, and replays of the same act. After each: the books
balance and the money left the bank (or venue_payable) exactly once."""
from datetime import datetime, timedelta, timezone

import pytest

from server.extensions import db
from server.ledger import api as ledger
from server.settlement import api as settlement
from tests.server import factories
from tests.server.concurrency import at_once
from tests.server.lock_queue import account_lock, behind_a_lock
from tests.server.settlement.helpers import balance, give_ibans, run, scan_ids, two_payout_run

PAID = {"booked_on": "2026-11-27", "bank_reference": "BONIFICO-1"}


def _admin(app):
    with app.app_context():
        admin = factories.user(admin=True)
        db.session.commit()
        email = admin.email
    return lambda: factories.ApiClient(app.test_client()).login(email)


def _exported_run(door, now):
    """A run of two payouts (12.00 and 3.33 EUR), exported: (run id, [payout ids])."""
    run_id = two_payout_run(door, now)
    with door.app.app_context():
        return run_id, sorted(p.id for p in settlement.get_run(run_id).payouts)


def _paid_once(door, run_id, bank_before):
    """Every payout of the run paid, the bank's money out once, the books balanced."""
    with door.app.app_context():
        made = settlement.get_run(run_id)
        assert made.status == "paid"
        assert {p.status for p in made.payouts} == {"paid"}
        assert ledger.check_books() == []
    assert balance(door.app, "bank") == bank_before - 1_533
    assert balance(door.app, "payout_in_transit") == 0


@pytest.mark.postgres
@pytest.mark.parametrize("run_first", [True, False], ids=["run-then-payout", "payout-then-run"])
def test_a_payout_and_its_whole_run_confirmed_paid_at_once_pay_each_payout_once(door, now, run_first):
    """The run's confirmation takes its first payout, then waits; the second payout's own
    confirmation takes that payout, then waits: both queue behind payout_in_transit, and
    neither may deadlock the other."""
    run_id, (_, second) = _exported_run(door, now)
    bank_before = balance(door.app, "bank")
    login = _admin(door.app)
    by_run, by_payout = login(), login()
    whole = lambda: by_run.post(f"/api/v1/admin/settlement-runs/{run_id}/confirm-paid", json=PAID)  # noqa: E731
    one = lambda: by_payout.post(f"/api/v1/admin/payouts/{second}/confirm-paid", json=PAID)  # noqa: E731
    calls = [whole, one] if run_first else [one, whole]
    results = behind_a_lock(door.app, *account_lock("payout_in_transit"), calls)
    assert [getattr(r, "status_code", r) for r in results] == [200, 200], results
    _paid_once(door, run_id, bank_before)


def test_the_whole_run_confirmed_paid_twice_at_once_pays_once(door, now):
    run_id, _ = _exported_run(door, now)
    bank_before = balance(door.app, "bank")
    login = _admin(door.app)
    clients = [login(), login()]
    results = at_once([lambda c=c: c.post(f"/api/v1/admin/settlement-runs/{run_id}/confirm-paid", json=PAID)
                       for c in clients])
    assert [getattr(r, "status_code", r) for r in results] == [200, 200], results
    _paid_once(door, run_id, bank_before)


def test_one_payout_confirmed_twice_at_once_and_again_with_a_new_key_pays_once(door, now):
    run_id, (first, _) = _exported_run(door, now)
    bank_before = balance(door.app, "bank")
    login = _admin(door.app)
    clients = [login(), login()]
    results = at_once([lambda c=c: c.post(f"/api/v1/admin/payouts/{first}/confirm-paid", json=PAID)
                       for c in clients])
    assert [getattr(r, "status_code", r) for r in results] == [200, 200], results
    again = clients[0].post(f"/api/v1/admin/payouts/{first}/confirm-paid", json=PAID)  # a new key: the same act
    assert again.status_code == 200 and again.get_json()["status"] == "paid"
    with door.app.app_context():
        amount = settlement.get_payout(first).amount_cents
    assert balance(door.app, "bank") == bank_before - amount
    assert balance(door.app, "payout_in_transit") == 1_533 - amount


def test_a_replayed_key_with_another_body_is_refused_and_moves_nothing(door, now):
    run_id, (first, second) = _exported_run(door, now)
    bank_before = balance(door.app, "bank")
    api = _admin(door.app)()
    paid = api.post(f"/api/v1/admin/payouts/{first}/confirm-paid", json=PAID, idempotency_key="pay-1")
    assert paid.status_code == 200
    other_body = api.post(f"/api/v1/admin/payouts/{first}/confirm-paid",
                          json={**PAID, "bank_reference": "ALTRO"}, idempotency_key="pay-1")
    other_payout = api.post(f"/api/v1/admin/payouts/{second}/confirm-paid", json=PAID, idempotency_key="pay-1")
    assert (other_body.status_code, other_body.get_json()["code"]) == (422, "idempotency_key_reused")
    assert (other_payout.status_code, other_payout.get_json()["code"]) == (422, "idempotency_key_reused")
    with door.app.app_context():
        assert settlement.get_payout(second).status == "exported"
        assert settlement.get_payout(first).bank_reference == "BONIFICO-1"
        amount = settlement.get_payout(first).amount_cents
    assert balance(door.app, "bank") == bank_before - amount


def _a_line(door, now):
    """One redemption owed to the venue (4.00 EUR): its scan id."""
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=400))
    (scan_id,) = scan_ids(door.app).values()
    return scan_id


@pytest.mark.postgres
def test_a_hold_asked_while_a_run_takes_the_line_is_refused_and_the_line_paid_once(door, now):
    scan_id = _a_line(door, now)
    api = _admin(door.app)()
    hold = lambda: api.post("/api/v1/admin/settlement-holds",  # noqa: E731
                            json={"kind": "redemption", "source_id": scan_id, "reason": "Controllo"})
    made, held = behind_a_lock(door.app, *account_lock("venue_payable", door.venue_id),
                               [lambda: run(door.app), hold])
    assert isinstance(made, int), made
    assert (held.status_code, held.get_json()["code"]) == (404, "settlement_line_not_found")
    assert balance(door.app, "venue_payable", door.venue_id) == 0
    assert balance(door.app, "payout_in_transit") == 400
    with door.app.app_context():
        assert settlement.holds() == []


@pytest.mark.postgres
def test_a_hold_placed_before_the_run_reads_keeps_the_line_out_of_it(door, now):
    scan_id = _a_line(door, now)
    api = _admin(door.app)()
    hold = lambda: api.post("/api/v1/admin/settlement-holds",  # noqa: E731
                            json={"kind": "redemption", "source_id": scan_id, "reason": "Controllo"})
    held, made = behind_a_lock(door.app, *account_lock("venue_payable", door.venue_id),
                               [hold, lambda: run(door.app)])
    assert held.status_code == 201, held.get_json()
    assert isinstance(made, int), made
    assert balance(door.app, "venue_payable", door.venue_id) == 400  # held back, not paid
    assert balance(door.app, "payout_in_transit") == 0
    # Released, it goes into the next run, once.
    api.post(f"/api/v1/admin/settlement-holds/{held.get_json()['id']}/release", json={"reason": "Verificato"})
    run(door.app)
    run(door.app)
    assert balance(door.app, "venue_payable", door.venue_id) == 0
    assert balance(door.app, "payout_in_transit") == 400


def test_a_hold_released_twice_at_once_is_released_once(door, now):
    scan_id = _a_line(door, now)
    login = _admin(door.app)
    clients = [login(), login()]
    held = clients[0].post("/api/v1/admin/settlement-holds",
                           json={"kind": "redemption", "source_id": scan_id, "reason": "Controllo"})
    hold_id = held.get_json()["id"]
    results = at_once([lambda c=c, r=r: c.post(f"/api/v1/admin/settlement-holds/{hold_id}/release", json={"reason": r})
                       for c, r in zip(clients, ("Verificato", "Tutto in ordine"))])
    assert sorted(r.status_code for r in results) == [200, 409], [r.get_json() for r in results]
    refused = next(r for r in results if r.status_code == 409)
    assert refused.get_json()["code"] == "settlement_hold_already_released"
    again = clients[0].post(f"/api/v1/admin/settlement-holds/{hold_id}/release", json={"reason": "Di nuovo"})
    assert (again.status_code, again.get_json()["code"]) == (409, "settlement_hold_already_released")
    with door.app.app_context():
        assert settlement.holds() == []
    run(door.app)
    assert balance(door.app, "payout_in_transit") == 400


def test_a_hold_asked_twice_with_new_keys_is_one_hold(door, now):
    scan_id = _a_line(door, now)
    login = _admin(door.app)
    clients = [login(), login()]
    results = at_once([lambda c=c: c.post("/api/v1/admin/settlement-holds",
                                           json={"kind": "redemption", "source_id": scan_id, "reason": "Controllo"})
                       for c in clients])
    assert sorted(r.status_code for r in results) == [201, 409], [r.get_json() for r in results]
    with door.app.app_context():
        assert len(settlement.holds()) == 1


@pytest.mark.postgres
def test_a_hold_asked_while_a_run_job_s_chunk_takes_the_line_is_refused_and_the_line_paid_once(door, now, held_jobs):
    from server.jobs import api as jobs_api
    from server.jobs.models import DONE
    from server.settlement import jobs as run_jobs

    scan_id = _a_line(door, now)
    api = _admin(door.app)()
    with door.app.app_context():
        started = datetime.now(timezone.utc)
        run_jobs.start(cut_off=started - timedelta(seconds=1), created_by=None, now=started)
        db.session.commit()
    (job_id,) = held_jobs

    def chunk():
        with door.app.app_context():
            return jobs_api.run(job_id)

    hold = lambda: api.post("/api/v1/admin/settlement-holds",  # noqa: E731
                            json={"kind": "redemption", "source_id": scan_id, "reason": "Controllo"})
    ran, held = behind_a_lock(door.app, *account_lock("venue_payable", door.venue_id), [chunk, hold])
    assert ran == DONE, ran
    assert (held.status_code, held.get_json()["code"]) == (404, "settlement_line_not_found")
    assert balance(door.app, "venue_payable", door.venue_id) == 0
    assert balance(door.app, "payout_in_transit") == 400


def test_a_hold_replayed_with_another_body_is_refused(door, now):
    scan_id = _a_line(door, now)
    api = _admin(door.app)()
    body = {"kind": "redemption", "source_id": scan_id, "reason": "Controllo"}
    first = api.post("/api/v1/admin/settlement-holds", json=body, idempotency_key="trattieni-1")
    replay = api.post("/api/v1/admin/settlement-holds", json=body, idempotency_key="trattieni-1")
    other = api.post("/api/v1/admin/settlement-holds", json={**body, "reason": "Altro"}, idempotency_key="trattieni-1")
    again = api.post("/api/v1/admin/settlement-holds", json=body)  # a new key: the same act
    assert first.status_code == replay.status_code == 201 and replay.get_json() == first.get_json()
    assert (other.status_code, other.get_json()["code"]) == (422, "idempotency_key_reused")
    assert (again.status_code, again.get_json()["code"]) == (409, "settlement_line_already_held")
    with door.app.app_context():
        assert len(settlement.holds()) == 1


def test_a_run_confirmation_replayed_with_another_body_is_refused_and_a_new_key_pays_nothing_more(door, now):
    run_id, _ = _exported_run(door, now)
    bank_before = balance(door.app, "bank")
    api = _admin(door.app)()
    url = f"/api/v1/admin/settlement-runs/{run_id}/confirm-paid"
    first = api.post(url, json=PAID, idempotency_key="run-pagata-1")
    other = api.post(url, json={**PAID, "booked_on": "2026-11-28"}, idempotency_key="run-pagata-1")
    again = api.post(url, json={**PAID, "booked_on": "2026-11-28"})
    assert first.status_code == 200 and first.get_json()["status"] == "paid"
    assert (other.status_code, other.get_json()["code"]) == (422, "idempotency_key_reused")
    assert again.status_code == 200
    assert {p["booked_on"] for p in again.get_json()["payouts"]} == {"2026-11-27"}  # the first word stands
    _paid_once(door, run_id, bank_before)
