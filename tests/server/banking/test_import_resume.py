"""A statement import whose job failed is shown as failed and resumed by the operator
(POST /admin/bank-statements/<id>/resume): the same job goes on from the statement's
checkpoint, so what the chunks before the failure matched is never matched again."""
import pytest
import sqlalchemy as sa

from server.banking import api as banking_api
from server.banking import jobs as statement_jobs
from server.banking.models import BankLine, BankStatement
from server.documents.models import SponsorReceipt
from server.errors import Conflict
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import Job
from server.ledger import api as ledger_api
from server.ledger.models import Transfer
from tests.server.banking.builder import Camt
from tests.server.banking.test_import_job import held_jobs  # noqa: F401 - a fixture
from tests.server.concurrency import at_once

STATEMENTS = "/api/v1/admin/bank-statements"


def _five_top_ups_paid(desk):
    """Five pending top-ups and the file that pays each exactly: (top-up ids, file)."""
    statement, topups = Camt(message_id="RESUME-1"), []
    for n in range(5):
        topup_id, reference = desk.topup(30_000 + n)
        topups.append(topup_id)
        statement.credit(30_000 + n, reference=reference, name=f"Sponsor {n}")
    return topups, statement.xml()


def _fails_in_the_second_chunk(monkeypatch):
    """import_lines raises after its second chunk's top-ups were confirmed (flushed, not
    committed): the job fails with job_crashed, as a bug or a lost database would make it."""
    real, calls = banking_api.import_lines, []

    def fails(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the database went away")

    monkeypatch.setattr(banking_api, "import_lines", fails)
    return lambda: monkeypatch.setattr(banking_api, "import_lines", real)


def _resume(desk, statement_id, key):
    return desk.api.post(f"{STATEMENTS}/{statement_id}/resume", idempotency_key=key)


def _bank(app) -> int:
    with app.app_context():
        return ledger_api.account("bank").balance_cents


def test_a_job_failed_in_its_second_chunk_is_resumed_and_each_top_up_confirmed_once(desk, monkeypatch):
    desk.app.config.update(STATEMENT_INLINE_MAX_LINES=2, STATEMENT_JOB_CHUNK=2)
    topups, data = _five_top_ups_paid(desk)
    mend = _fails_in_the_second_chunk(monkeypatch)

    answer = desk.import_(data, file_name="grande.xml")  # inline: the job has run, and failed, by now

    assert answer.status_code == 202, answer.get_json()
    job_id, statement_id = answer.get_json()["id"], answer.get_json()["statement_id"]
    failed = desk.api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert (failed["state"], failed["error"], failed["progress"]) == ("failed", "job_crashed", {"done": 2, "total": 5})
    listed = desk.api.get(STATEMENTS).get_json()
    assert [(s["id"], s["status"], s["job_id"], s["counts"]["credits_matched"]) for s in listed] == [
        (statement_id, "failed", job_id, 2)]
    assert [desk.status(t) for t in topups] == ["confirmed"] * 2 + ["pending"] * 3
    assert _bank(desk.app) == 60_001

    again = desk.import_(data)  # the same file again: its import, failed; nothing starts or moves
    assert again.status_code == 200
    assert (again.get_json()["status"], again.get_json()["replayed"], len(again.get_json()["lines"])) == (
        "failed", True, 2)

    mend()
    resumed = _resume(desk, statement_id, "resume-1")

    assert resumed.status_code == 202, resumed.get_json()
    assert resumed.get_json()["id"] == job_id and resumed.headers["Location"] == f"/api/v1/jobs/{job_id}"
    done = desk.api.get(f"/api/v1/jobs/{job_id}").get_json()
    assert (done["state"], done["error"], done["progress"]) == ("done", None, {"done": 5, "total": 5})
    assert done["result"] == {"statement_id": statement_id, "credits_matched": 5, "debits_matched": 0, "queued": 0,
                              "already_known": 0}
    shown = desk.api.get(f"{STATEMENTS}/{statement_id}").get_json()
    assert (shown["status"], shown["job_id"], len(shown["lines"])) == ("imported", None, 5)
    assert [desk.status(t) for t in topups] == ["confirmed"] * 5
    assert _bank(desk.app) == 150_010
    with desk.app.app_context():
        received = db.session.execute(sa.select(Transfer.idempotency_key, sa.func.count())
                                      .where(Transfer.kind == "topup_received").group_by(Transfer.idempotency_key))
        assert dict(received.all()) == {f"topup:{t}:received": 1 for t in topups}
        receipts = db.session.execute(sa.select(SponsorReceipt.topup_id, SponsorReceipt.number)
                                      .order_by(SponsorReceipt.number)).all()
        assert sorted(topup for topup, _ in receipts) == topups  # one each
        numbers = [number for _, number in receipts]
        assert numbers == list(range(numbers[0], numbers[0] + 5))  # the lost chunk's numbers were not spent
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankLine)) == 5
        assert db.session.get(Job, job_id).attempts == 2
        assert db.session.get(BankStatement, statement_id).content is None
        assert ledger_api.check_books() == []

    retried = _resume(desk, statement_id, "resume-1")  # the lost answer's retry: the first answer
    assert retried.status_code == 202 and retried.headers["Idempotency-Replayed"] == "true"
    assert retried.get_json() == resumed.get_json()
    clicked_again = _resume(desk, statement_id, "resume-2")
    assert clicked_again.status_code == 409
    assert (clicked_again.get_json()["code"], clicked_again.get_json()["params"]) == (
        "statement_import_not_failed", {"status": "imported"})
    assert _bank(desk.app) == 150_010


def test_a_resume_that_fails_again_leaves_the_import_failed_at_the_same_checkpoint(desk, monkeypatch):
    desk.app.config.update(STATEMENT_INLINE_MAX_LINES=2, STATEMENT_JOB_CHUNK=2)
    topups, data = _five_top_ups_paid(desk)
    mend = _fails_in_the_second_chunk(monkeypatch)
    statement_id = desk.import_(data).get_json()["statement_id"]

    _fails_in_the_second_chunk(monkeypatch)  # the cause is not mended: its first chunk passes, its second fails
    resumed = _resume(desk, statement_id, "resume-too-soon")

    assert resumed.status_code == 202
    job = desk.api.get(resumed.headers["Location"]).get_json()
    # The resume went on from 2: its first chunk (3 and 4) stayed, its second (5) failed.
    assert (job["state"], job["progress"]["done"]) == ("failed", 4)
    assert desk.api.get(f"{STATEMENTS}/{statement_id}").get_json()["status"] == "failed"
    assert [desk.status(t) for t in topups] == ["confirmed"] * 4 + ["pending"]
    mend()
    assert _resume(desk, statement_id, "resume-mended").status_code == 202
    assert desk.api.get(f"{STATEMENTS}/{statement_id}").get_json()["status"] == "imported"
    assert [desk.status(t) for t in topups] == ["confirmed"] * 5
    assert _bank(desk.app) == 150_010


def test_only_a_failed_import_is_resumed(desk, held_jobs):  # noqa: F811 - the fixture
    small = desk.import_(Camt(message_id="SMALL").credit(1_000, ustrd="x").xml()).get_json()
    refused = _resume(desk, small["id"], "resume-imported")
    assert refused.status_code == 409
    assert (refused.get_json()["code"], refused.get_json()["params"]) == ("statement_import_not_failed",
                                                                         {"status": "imported"})

    desk.app.config["STATEMENT_INLINE_MAX_LINES"] = 0
    queued = desk.import_(Camt(message_id="QUEUED").credit(2_000, ustrd="y").xml()).get_json()  # held: not run
    refused = _resume(desk, queued["statement_id"], "resume-importing")
    assert refused.status_code == 409 and refused.get_json()["params"] == {"status": "importing"}
    with desk.app.app_context():
        assert db.session.get(Job, queued["id"]).state == "queued"

    assert _resume(desk, 2_000_000_000, "resume-nothing").get_json()["code"] == "statement_not_found"
    without_key = desk.api.post(f"{STATEMENTS}/{small['id']}/resume", idempotency_key=None)
    assert without_key.status_code == 400 and without_key.get_json()["code"] == "idempotency_key_missing"


def _resume_at_once(app, statement_id):
    with app.app_context():
        try:
            statement_jobs.resume(statement_id)
            db.session.commit()
            return "resumed"
        except Conflict as refused:
            db.session.rollback()
            return refused.code


@pytest.mark.postgres
def test_two_resumes_at_once_requeue_the_job_once(desk, monkeypatch, held_jobs):  # noqa: F811 - the fixture
    desk.app.config.update(STATEMENT_INLINE_MAX_LINES=2, STATEMENT_JOB_CHUNK=2)
    _, data = _five_top_ups_paid(desk)
    job_id, statement_id = (desk.import_(data).get_json()[name] for name in ("id", "statement_id"))
    _fails_in_the_second_chunk(monkeypatch)
    with desk.app.app_context():
        assert jobs_api.run(job_id) == "failed"
    held_jobs.clear()

    results = at_once([lambda: _resume_at_once(desk.app, statement_id)] * 2)

    assert sorted(results) == ["resumed", "statement_import_not_failed"]
    assert held_jobs == [job_id]  # sent once, by the resume that won
    with desk.app.app_context():
        assert db.session.get(Job, job_id).state == "queued"
