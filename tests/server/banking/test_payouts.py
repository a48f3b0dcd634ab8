"""Debits: a camt.054 reporting the pain.001's transfers marks each payout paid, by
EndToEndId, once; what does not match waits in the queue."""
from datetime import date

from server.extensions import db
from server.settlement import api as settlement
from tests.server import factories
from tests.server.banking.builder import Camt, Tx
from tests.server.banking.conftest import upload
from tests.server.settlement.helpers import balance, two_payout_run


def _run_with_two_payouts(door, now, *, export=True):
    run_id = two_payout_run(door, now, export=export)
    with door.app.app_context():
        made = settlement.get_run(run_id)
        payouts = [(p.id, p.end_to_end_id, p.amount_cents, p.iban) for p in made.payouts]
        admin = factories.user(admin=True)
        db.session.commit()
        email = admin.email
    return run_id, payouts, factories.ApiClient(door.app.test_client()).login(email)


def _status(app, payout_id):
    with app.app_context():
        return settlement.get_payout(payout_id).status


def test_a_batch_debit_pays_each_payout_of_the_run_once(door, now):
    run_id, payouts, api = _run_with_two_payouts(door, now)
    in_transit = sum(amount for _, _, amount, _ in payouts)
    bank_before = balance(door.app, "bank")
    statement = Camt(kind="054", version="02").debit_batch(
        *[Tx(amount, end_to_end_id=e2e, name="Teatro", iban=iban) for _, e2e, amount, iban in payouts])

    body = api.post("/api/v1/admin/bank-statements", json=upload(statement.xml())).get_json()

    assert body["counts"]["debits_matched"] == 2, body
    assert sorted(line["payout_id"] for line in body["lines"]) == sorted(p[0] for p in payouts)
    assert [_status(door.app, p[0]) for p in payouts] == ["paid", "paid"]
    with door.app.app_context():
        made = settlement.get_run(run_id)
        assert made.status == "paid"
        assert {p.booked_on for p in made.payouts} == {date(2026, 11, 27)}
    assert balance(door.app, "bank") == bank_before - in_transit
    # The day's camt.053 reports the same batch: known, nothing moves again.
    day = Camt(kind="053", message_id="DAY-1").debit_batch(
        *[Tx(amount, end_to_end_id=e2e) for _, e2e, amount, _ in payouts])
    day.entries[0].bank_reference = statement.entries[0].bank_reference = "SAME-BATCH"
    api.post("/api/v1/admin/bank-statements", json=upload(statement.xml()))
    again = api.post("/api/v1/admin/bank-statements", json=upload(day.xml())).get_json()
    assert balance(door.app, "bank") == bank_before - in_transit
    assert again["counts"]["debits_matched"] == 0


def test_debits_that_do_not_match_wait_and_move_nothing(door, now):
    _, payouts, api = _run_with_two_payouts(door, now)
    (first_id, first_e2e, first_amount, _), (second_id, second_e2e, second_amount, _) = payouts
    bank_before = balance(door.app, "bank")
    statement = (Camt(kind="054").debit_batch(Tx(first_amount + 1, end_to_end_id=first_e2e),
                                              Tx(999, end_to_end_id="MENT-NOT-OURS"))
                 .debit_batch(Tx(second_amount, end_to_end_id=second_e2e), Tx(second_amount, end_to_end_id=second_e2e)))

    body = api.post("/api/v1/admin/bank-statements", json=upload(statement.xml())).get_json()

    assert [(l["status"], l["queue_reason"]) for l in body["lines"]] == [
        ("queued", "amount_mismatch"), ("queued", "unknown"), ("matched", None), ("queued", "duplicate")]
    assert [_status(door.app, first_id), _status(door.app, second_id)] == ["exported", "paid"]
    assert balance(door.app, "bank") == bank_before - second_amount
    queued = api.get("/api/v1/admin/bank-lines").get_json()
    refused = api.post(f"/api/v1/admin/bank-lines/{queued[0]['id']}/decision",
                       json={"action": "confirm_topup", "topup_id": 1})
    assert refused.status_code == 422 and refused.get_json()["code"] == "bank_line_not_credit"


def test_a_debit_for_a_payout_never_exported_waits(door, now):
    _, payouts, api = _run_with_two_payouts(door, now, export=False)
    payout_id, e2e, amount, _ = payouts[0]
    body = api.post("/api/v1/admin/bank-statements",
                    json=upload(Camt(kind="054").debit_batch(Tx(amount, end_to_end_id=e2e)).xml())).get_json()
    assert body["lines"][0]["queue_reason"] == "payout_not_exported"
    assert _status(door.app, payout_id) == "pending"
