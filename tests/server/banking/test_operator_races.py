"""The operator's bank desk attacked as mistakes and races: a queued credit confirmed
twice at once, or while a statement import's job matches the same top-up; a top-up
cancelled while its credit is confirmed; a statement debit paying a payout while the
operator confirms it by hand; replays of a decision. After each: the books balance and
the top-up's money entered the ledger (or the payout's left it) exactly once."""
from datetime import datetime, timezone

import pytest

from server.accounts.models import OWNER, Membership
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs import transport
from server.jobs.models import DONE
from server.ledger import api as ledger
from server.settlement import api as settlement
from tests.server import factories
from tests.server.banking.builder import Camt, Tx
from tests.server.banking.conftest import upload
from tests.server.concurrency import at_once
from tests.server.lock_queue import account_lock, behind_a_lock
from tests.server.settlement.helpers import give_ibans, run

LINES = "/api/v1/admin/bank-lines"
TOPUP_LOCK = "SELECT id FROM topup WHERE id = :id FOR UPDATE"


def _bank(app) -> int:
    with app.app_context():
        return ledger.account("bank").balance_cents


def _books(app):
    with app.app_context():
        assert ledger.check_books() == []


def _queued_credit(desk, amount_cents, message_id="CODA-1"):
    """A credit nobody's reference names, waiting in the queue: its line id."""
    body = desk.import_(Camt(message_id=message_id).credit(amount_cents, ustrd="contributo progetto",
                                                          name="Fondazione").xml()).get_json()
    (line,) = body["lines"]
    assert line["status"] == "queued", line
    return line["id"]


def _admins(desk, count):
    with desk.app.app_context():
        emails = []
        for _ in range(count):
            emails.append(factories.user(admin=True).email)
        db.session.commit()
    return [factories.ApiClient(desk.app.test_client()).login(email) for email in emails]


def _confirm(api, line_id, topup_id):
    return lambda: api.post(f"{LINES}/{line_id}/decision", json={"action": "confirm_topup", "topup_id": topup_id})


def test_a_queued_credit_confirmed_twice_at_once_confirms_the_top_up_once(desk):
    topup_id, _ = desk.topup(5_000)
    line_id = _queued_credit(desk, 5_000)
    bank_before = _bank(desk.app)
    results = at_once([_confirm(api, line_id, topup_id) for api in _admins(desk, 2)])
    assert sorted(r.status_code for r in results) == [200, 409], [r.get_json() for r in results]
    assert next(r for r in results if r.status_code == 409).get_json()["code"] == "bank_line_decided"
    assert desk.status(topup_id) == "confirmed"
    assert _bank(desk.app) == bank_before + 5_000
    _books(desk.app)


def test_two_queued_credits_confirming_one_top_up_at_once_confirm_it_once(desk):
    topup_id, _ = desk.topup(5_000)
    lines = [_queued_credit(desk, 5_000, "CODA-1"), _queued_credit(desk, 5_000, "CODA-2")]
    bank_before = _bank(desk.app)
    results = at_once([_confirm(api, line_id, topup_id) for api, line_id in zip(_admins(desk, 2), lines)])
    assert sorted(r.status_code for r in results) == [200, 409], [r.get_json() for r in results]
    assert next(r for r in results if r.status_code == 409).get_json()["code"] == "topup_not_pending"
    assert _bank(desk.app) == bank_before + 5_000
    queue = desk.api.get(LINES).get_json()
    assert len(queue) == 1 and queue[0]["id"] in lines  # the other credit waits for the operator
    _books(desk.app)


def test_a_decision_replayed_with_another_body_is_refused_and_a_new_key_decides_nothing_more(desk):
    topup_id, _ = desk.topup(5_000)
    other_id, _ = desk.topup(5_000)
    line_id = _queued_credit(desk, 5_000)
    bank_before = _bank(desk.app)
    first = desk.api.post(f"{LINES}/{line_id}/decision", json={"action": "confirm_topup", "topup_id": topup_id},
                          idempotency_key="decisione-1")
    replay = desk.api.post(f"{LINES}/{line_id}/decision", json={"action": "confirm_topup", "topup_id": topup_id},
                           idempotency_key="decisione-1")
    other_body = desk.api.post(f"{LINES}/{line_id}/decision", json={"action": "confirm_topup", "topup_id": other_id},
                               idempotency_key="decisione-1")
    new_key = desk.api.post(f"{LINES}/{line_id}/decision", json={"action": "confirm_topup", "topup_id": other_id})
    assert first.status_code == replay.status_code == 200 and replay.headers["Idempotency-Replayed"] == "true"
    assert (other_body.status_code, other_body.get_json()["code"]) == (422, "idempotency_key_reused")
    assert (new_key.status_code, new_key.get_json()["code"]) == (409, "bank_line_decided")
    assert (desk.status(topup_id), desk.status(other_id)) == ("confirmed", "pending")
    assert _bank(desk.app) == bank_before + 5_000


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are recorded but not sent: the test runs them, as a worker would."""
    held = []
    monkeypatch.setattr(transport, "send", lambda pending: held.extend(job_id for job_id, _, _ in pending))
    return held


@pytest.mark.postgres
@pytest.mark.parametrize("decision_first", [True, False], ids=["decision-then-job", "job-then-decision"])
def test_a_decision_and_an_import_job_matching_the_same_top_up_confirm_it_once(desk, held_jobs, decision_first):
    """The operator confirms the top-up with a queued credit while the sponsor's real
    transfer, with its reference, is matched by a statement import's job: whoever comes
    second finds it confirmed (a 409 for the operator; a duplicate in the queue for the
    job's credit) and nothing moves twice."""
    topup_id, reference = desk.topup(5_000)
    line_id = _queued_credit(desk, 5_000)
    (admin,) = _admins(desk, 1)
    started = desk.import_(Camt(message_id="GIORNO-2").credit(5_000, reference=reference, name="Sponsor").xml(),
                           headers={"Prefer": "respond-async"})
    assert started.status_code == 202, started.get_json()
    (job_id,) = held_jobs
    bank_before = _bank(desk.app)

    def job():
        with desk.app.app_context():
            return jobs_api.run(job_id)

    decide = _confirm(admin, line_id, topup_id)
    calls = [decide, job] if decision_first else [job, decide]
    results = behind_a_lock(desk.app, TOPUP_LOCK, {"id": topup_id}, calls)
    decided, ran = (results[0], results[1]) if decision_first else (results[1], results[0])
    assert ran == DONE, ran
    assert desk.status(topup_id) == "confirmed"
    assert _bank(desk.app) == bank_before + 5_000
    statement = desk.api.get(f"/api/v1/admin/bank-statements/{started.get_json()['statement_id']}").get_json()
    (credit,) = statement["lines"]
    if decision_first:
        assert decided.status_code == 200, decided.get_json()
        assert (credit["status"], credit["queue_reason"]) == ("queued", "duplicate")
    else:
        assert (decided.status_code, decided.get_json()["code"]) == (409, "topup_not_pending")
        assert credit["status"] == "matched"
    _books(desk.app)


def _sponsor_member(desk):
    with desk.app.app_context():
        member = factories.user()
        db.session.add(Membership(user=member, organisation_id=desk.sponsor_id, role=OWNER))
        db.session.commit()
        email = member.email
    return factories.ApiClient(desk.app.test_client()).login(email)


@pytest.mark.postgres
@pytest.mark.parametrize("decision_first", [True, False], ids=["confirm-then-cancel", "cancel-then-confirm"])
def test_a_top_up_cancelled_while_its_credit_is_confirmed_is_one_or_the_other(desk, decision_first):
    topup_id, _ = desk.topup(5_000)
    line_id = _queued_credit(desk, 5_000)
    (admin,) = _admins(desk, 1)
    sponsor = _sponsor_member(desk)
    bank_before = _bank(desk.app)
    decide = _confirm(admin, line_id, topup_id)
    cancel = lambda: sponsor.post(f"/api/v1/topups/{topup_id}/cancel")  # noqa: E731
    calls = [decide, cancel] if decision_first else [cancel, decide]
    first, second = behind_a_lock(desk.app, TOPUP_LOCK, {"id": topup_id}, calls)
    assert first.status_code == 200, first.get_json()
    if decision_first:
        assert (second.status_code, second.get_json()["code"]) == (409, "topup_confirmed")
        assert desk.status(topup_id) == "confirmed"
        assert _bank(desk.app) == bank_before + 5_000
    else:
        assert (second.status_code, second.get_json()["code"]) == (409, "topup_not_pending")
        assert desk.status(topup_id) == "cancelled"
        assert _bank(desk.app) == bank_before  # the credit stays queued, outside the ledger
        assert [line["id"] for line in desk.api.get(LINES).get_json()] == [line_id]
    _books(desk.app)


def _exported_payout(door):
    """One exported payout (12.00 EUR): (id, EndToEndId, amount)."""
    give_ibans(door)
    a, _ = door.scanners
    now = int(datetime.now(timezone.utc).timestamp())
    door.sync(a, door.record(a, at=now - 600, amount=1_200))
    run_id = run(door.app)
    with door.app.app_context():
        made = settlement.get_run(run_id)
        settlement.export_pain(made, now=datetime.now(timezone.utc))
        (payout,) = made.payouts
        db.session.commit()
        return payout.id, payout.end_to_end_id, payout.amount_cents


@pytest.mark.postgres
@pytest.mark.parametrize("import_first", [True, False], ids=["import-then-operator", "operator-then-import"])
def test_a_statement_debit_and_the_operator_paying_one_payout_at_once_pay_it_once(door, desk, import_first):
    """The statement confirms a top-up (the bank's account locked) and pays the payout in
    one transaction, while the operator confirms the payout by hand (payout_in_transit,
    the payout, then the bank): queued behind the bank's account, neither deadlocks and
    the payout leaves the bank once."""
    payout_id, end_to_end_id, amount = _exported_payout(door)
    topup_id, reference = desk.topup(5_000)
    (admin,) = _admins(desk, 1)
    statement = Camt(message_id="GIORNO-3").credit(5_000, reference=reference, name="Sponsor")
    statement.debit_batch(Tx(amount, end_to_end_id=end_to_end_id, name="Teatro"))
    bank_before = _bank(desk.app)
    imported = lambda: desk.api.post("/api/v1/admin/bank-statements", json=upload(statement.xml()))  # noqa: E731
    by_hand = lambda: admin.post(f"/api/v1/admin/payouts/{payout_id}/confirm-paid",  # noqa: E731
                                 json={"booked_on": "2026-11-27"})
    calls = [imported, by_hand] if import_first else [by_hand, imported]
    results = behind_a_lock(desk.app, *account_lock("bank"), calls)
    assert [getattr(r, "status_code", r) for r in results] == ([201, 200] if import_first else [200, 201]), results
    assert desk.status(topup_id) == "confirmed"
    with desk.app.app_context():
        assert settlement.get_payout(payout_id).status == "paid"
        assert ledger.account("payout_in_transit").balance_cents == 0
    assert _bank(desk.app) == bank_before + 5_000 - amount
    _books(desk.app)


@pytest.mark.postgres
@pytest.mark.parametrize("same_file", [True, False], ids=["same-file", "054-and-053"])
def test_two_imports_of_one_transfer_at_once_confirm_it_once_and_both_answer(desk, same_file):
    """Two operators upload at the same moment the same file, or the transfer's camt.054
    and the day's camt.053: the top-up is confirmed once, the second import answers
    (its first import, or the movement counted as already known), neither is a 500."""
    topup_id, reference = desk.topup(5_000)
    notice = Camt(kind="054", message_id="AVVISO-1").credit(5_000, reference=reference, name="Sponsor")
    day = Camt(kind="053", message_id="GIORNO-1").credit(5_000, reference=reference, name="Sponsor")
    notice.entries[0].bank_reference = day.entries[0].bank_reference = "STESSO-BONIFICO"
    files = [notice.xml(), notice.xml() if same_file else day.xml()]
    bank_before = _bank(desk.app)
    results = at_once([lambda api=api, data=data: api.post("/api/v1/admin/bank-statements", json=upload(data))
                       for api, data in zip(_admins(desk, 2), files)])
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.status_code for r in results) == ([200, 201] if same_file else [201, 201]), \
        [r.get_json() for r in results]
    counts = sorted((r.get_json()["counts"]["credits_matched"], r.get_json()["counts"]["already_known"])
                    for r in results)
    assert counts == ([(1, 0), (1, 0)] if same_file else [(0, 1), (1, 0)])
    assert desk.status(topup_id) == "confirmed"
    assert _bank(desk.app) == bank_before + 5_000
    _books(desk.app)


@pytest.mark.postgres
def test_a_statement_paying_a_run_s_payouts_in_another_order_while_the_operator_confirms_the_run(door, desk):
    """The bank's batch lists the run's payouts in its own order (the second first) while
    the operator confirms the whole run (the first first): both take payout_in_transit
    before any payout, so neither holds one the other waits for."""
    give_ibans(door)
    a, _ = door.scanners
    now = int(datetime.now(timezone.utc).timestamp())
    door.sync(a, door.record(a, at=now - 600, amount=1_200))
    door.sync(door.away, door.record(door.away, at=now - 500, amount=333))
    run_id = run(door.app)
    with door.app.app_context():
        made = settlement.get_run(run_id)
        settlement.export_pain(made, now=datetime.now(timezone.utc))
        payouts = sorted((p.id, p.end_to_end_id, p.amount_cents) for p in made.payouts)
        db.session.commit()
    (admin,) = _admins(desk, 1)
    statement = Camt(kind="054", message_id="LOTTO-1").debit_batch(
        *[Tx(amount, end_to_end_id=e2e, name="Luogo") for _, e2e, amount in reversed(payouts)])
    bank_before = _bank(desk.app)
    whole = lambda: admin.post(f"/api/v1/admin/settlement-runs/{run_id}/confirm-paid",  # noqa: E731
                               json={"booked_on": "2026-11-27"})
    imported = lambda: desk.api.post("/api/v1/admin/bank-statements", json=upload(statement.xml()))  # noqa: E731
    results = behind_a_lock(desk.app, *account_lock("payout_in_transit"), [whole, imported])
    assert [getattr(r, "status_code", r) for r in results] == [200, 201], results
    with desk.app.app_context():
        assert settlement.get_run(run_id).status == "paid"
        assert ledger.account("payout_in_transit").balance_cents == 0
    assert _bank(desk.app) == bank_before - 1_533
    _books(desk.app)


def test_an_import_replayed_with_another_file_is_refused_and_a_new_key_imports_nothing_twice(desk):
    topup_id, reference = desk.topup(5_000)
    other_id, other_reference = desk.topup(7_000)
    first_file = Camt(message_id="GIORNO-4").credit(5_000, reference=reference).xml()
    other_file = Camt(message_id="GIORNO-5").credit(7_000, reference=other_reference).xml()
    bank_before = _bank(desk.app)
    first = desk.import_(first_file, idempotency_key="estratto-1")
    other = desk.import_(other_file, idempotency_key="estratto-1")
    again = desk.import_(first_file)  # a new key, the same file: its first import
    assert first.status_code == 201
    assert (other.status_code, other.get_json()["code"]) == (422, "idempotency_key_reused")
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    assert (desk.status(topup_id), desk.status(other_id)) == ("confirmed", "pending")
    assert _bank(desk.app) == bank_before + 5_000
    assert len(desk.api.get("/api/v1/admin/bank-statements").get_json()) == 1
