"""A big statement is imported by a job (202): the file is stored on its import, its
transactions matched in chunks; the same file twice is one import, and a worker killed
mid-way is resumed without confirming a top-up or paying a payout twice."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.banking import api as banking_api
from server.banking.models import BankLine, BankStatement
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs import transport
from server.jobs.models import DONE, Job
from server.ledger import api as ledger_api
from server.ledger.models import Transfer
from server.settlement import api as settlement
from tests.server import factories
from tests.server.banking.builder import Camt, Tx
from tests.server.banking.conftest import upload
from tests.server.settlement.helpers import give_ibans, run

STATEMENTS = "/api/v1/admin/bank-statements"


class Killed(BaseException):
    """A worker dying mid-chunk (not an Exception: nothing in the job catches it)."""


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are recorded but not sent: the test runs them by hand (a worker's view)."""
    held = []
    monkeypatch.setattr(transport, "send", lambda pending: held.extend(job_id for job_id, _, _ in pending))
    return held


def _five_credits(desk):
    """Four top-ups paid exactly and one credit nobody can place: (top-up ids, file)."""
    statement, topups = Camt(message_id="BIG-1"), []
    for n in range(4):
        topup_id, reference = desk.topup(10_000 + n)
        topups.append(topup_id)
        statement.credit(10_000 + n, reference=reference, name=f"Sponsor {n}")
    statement.credit(777, ustrd="senza causale", name="Ignoto")
    return topups, statement.xml()


def _bank(app) -> int:
    with app.app_context():
        return ledger_api.account("bank").balance_cents


def test_a_big_file_answers_with_its_job_which_imports_it_in_chunks(desk):
    desk.app.config.update(STATEMENT_INLINE_MAX_LINES=2, STATEMENT_JOB_CHUNK=2)
    topups, data = _five_credits(desk)

    answer = desk.import_(data, file_name="grande.xml")

    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert job["kind"] == "banking.import_statement" and answer.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    followed = desk.api.get(answer.headers["Location"]).get_json()  # inline: done by now
    assert followed["state"] == "done" and followed["progress"] == {"done": 5, "total": 5}
    assert followed["result"] == {"statement_id": job["statement_id"], "credits_matched": 4, "debits_matched": 0,
                                  "queued": 1, "already_known": 0}
    shown = desk.api.get(f"{STATEMENTS}/{job['statement_id']}").get_json()
    assert (shown["status"], shown["file_name"], len(shown["lines"])) == ("imported", "grande.xml", 5)
    assert [desk.status(t) for t in topups] == ["confirmed"] * 4
    assert _bank(desk.app) == 40_006
    with desk.app.app_context():  # the file is not kept once imported
        assert db.session.get(BankStatement, job["statement_id"]).content is None

    again = desk.import_(data)  # the same file, later: its first import, nothing moves
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    assert _bank(desk.app) == 40_006


def test_prefer_respond_async_makes_a_job_of_a_small_file(desk):
    topup_id, reference = desk.topup(5_000)
    answer = desk.import_(Camt().credit(5_000, reference=reference).xml(), headers={"Prefer": "respond-async"})
    assert answer.status_code == 202 and answer.headers["Preference-Applied"] == "respond-async"
    assert desk.api.get(answer.headers["Location"]).get_json()["state"] == "done"
    assert desk.status(topup_id) == "confirmed"


def test_a_refused_file_is_refused_in_the_request_even_when_big(desk):
    desk.app.config["STATEMENT_INLINE_MAX_LINES"] = 0
    other = Camt(iban="IT02L1234512345123456789012").credit(1_000, ustrd="x").xml()
    answer = desk.import_(other)
    assert answer.status_code == 422 and answer.get_json()["code"] == "statement_wrong_account"
    with desk.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_the_same_file_while_it_is_imported_and_a_retried_post_get_the_same_job(desk, held_jobs):
    desk.app.config["STATEMENT_INLINE_MAX_LINES"] = 2
    _, data = _five_credits(desk)
    first = desk.import_(data, idempotency_key="import-big-1")
    retried = desk.import_(data, idempotency_key="import-big-1")
    other_click = desk.import_(data)  # the same file uploaded again, another key
    assert [r.status_code for r in (first, retried, other_click)] == [202, 202, 202]
    assert retried.get_json() == first.get_json() and retried.headers["Idempotency-Replayed"] == "true"
    assert retried.headers["Location"] == first.headers["Location"] == f"/api/v1/jobs/{first.get_json()['id']}"
    assert other_click.get_json()["id"] == first.get_json()["id"]
    listed = desk.api.get(STATEMENTS).get_json()
    assert [(s["status"], s["job_id"]) for s in listed] == [("importing", first.get_json()["id"])]
    with desk.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
        assert [jobs_api.run(job_id) for job_id in held_jobs] == [DONE]


def test_a_worker_killed_mid_import_is_resumed_without_confirming_or_paying_twice(
        door, now, desk, held_jobs, monkeypatch):
    desk.app.config.update(STATEMENT_INLINE_MAX_LINES=1, STATEMENT_JOB_CHUNK=2)
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    door.sync(door.away, door.record(door.away, at=now - 500, amount=333))
    run_id = run(door.app)
    with door.app.app_context():
        made = settlement.get_run(run_id)
        settlement.export_pain(made, now=datetime.now(timezone.utc))
        payouts = [(p.id, p.end_to_end_id, p.amount_cents) for p in made.payouts]
        db.session.commit()
    topups, statement = [], Camt(message_id="BIG-2")
    for n in range(3):
        topup_id, reference = desk.topup(20_000 + n)
        topups.append(topup_id)
        statement.credit(20_000 + n, reference=reference)
    statement.debit_batch(*[Tx(amount, end_to_end_id=e2e) for _, e2e, amount in payouts])
    bank_before = _bank(desk.app)
    job_id = desk.import_(statement.xml()).get_json()["id"]  # 5 transactions: chunks of 2, 2, 1

    real, calls = banking_api.import_lines, []

    def dies_in_the_second_chunk(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise Killed()  # its top-up confirmed and payout paid, not committed

    monkeypatch.setattr(banking_api, "import_lines", dies_in_the_second_chunk)
    with desk.app.app_context():
        with pytest.raises(Killed):
            jobs_api.run(job_id)
        db.session.rollback()  # what the database does with a dead connection's transaction
        assert db.session.get(Job, job_id).progress_done == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankLine)) == 2
    assert [desk.status(t) for t in topups] == ["confirmed", "confirmed", "pending"]

    monkeypatch.setattr(banking_api, "import_lines", real)
    with desk.app.app_context():
        assert jobs_api.run(job_id) is None  # still leased to the dead worker
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(hours=1))
        assert jobs_api.run(job_id) == DONE
        job = db.session.get(Job, job_id)
        assert (job.progress_done, job.attempts) == (5, 2)
        assert job.result["credits_matched"] == 3 and job.result["debits_matched"] == 2
        assert [settlement.get_payout(p).status for p, _, _ in payouts] == ["paid", "paid"]
        assert settlement.get_run(run_id).status == "paid"
        kinds = dict(db.session.execute(sa.select(Transfer.kind, sa.func.count()).group_by(Transfer.kind)).all())
        assert kinds["payout_paid"] == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankLine)) == 5
        received = db.session.scalars(sa.select(Transfer.idempotency_key).where(
            Transfer.kind == "topup_received", Transfer.idempotency_key.in_([f"topup:{t}:received" for t in topups])))
        assert sorted(received) == sorted(f"topup:{t}:received" for t in topups)
    assert [desk.status(t) for t in topups] == ["confirmed"] * 3
    assert _bank(desk.app) == bank_before + 60_003 - 1_033
