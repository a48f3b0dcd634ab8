"""A big settlement run is computed by a job (202), in chunks of venues: the run is
`computing` meanwhile (nothing of it exported or paid, no other run started), a worker
killed mid-way is resumed without paying a venue twice, and the books balance."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.door.models import ScanRecord
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import DONE, FAILED, Job
from server.ledger.models import Transfer
from server.settlement import api as settlement
from server.settlement.models import Payout, PayoutLine, SettlementRun
from tests.server import factories
from tests.server.settlement.helpers import balance, give_ibans

RUNS = "/api/v1/admin/settlement-runs"
YESTERDAY = {"cut_off": (date.today() - timedelta(days=1)).isoformat()}


class Killed(BaseException):
    """A worker dying mid-chunk (not an Exception: nothing in the job catches it)."""


def _owed_at_two_venues(door, now):
    """Redemptions at both venues, dated two days ago (before yesterday's cut-off): 1,200
    at the first, 300 at the second."""
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700), door.record(a, at=now - 500, amount=500))
    door.sync(door.away, door.record(door.away, at=now - 400, amount=300))
    with door.app.app_context():
        db.session.execute(sa.update(ScanRecord).values(scanned_at=datetime.now(timezone.utc) - timedelta(days=2)))
        db.session.commit()


def _operator(app):
    with app.app_context():
        admin = factories.user(admin=True)
        db.session.commit()
        return factories.ApiClient(app.test_client()).login(admin.email)


def _paid_lines(app):
    with app.app_context():
        lines = db.session.execute(sa.select(PayoutLine.kind, PayoutLine.source_id)).all()
        return len(lines), len(set(lines))


def test_a_big_run_answers_with_its_job_which_pays_every_venue_in_chunks(door, now):
    _owed_at_two_venues(door, now)
    door.app.config.update(SETTLEMENT_INLINE_MAX=1, SETTLEMENT_JOB_CHUNK=1)
    api = _operator(door.app)

    answer = api.post(RUNS, json=YESTERDAY)

    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert job["kind"] == "settlement.run" and answer.headers["Location"] == f"/api/v1/jobs/{job['id']}"
    assert job["progress"]["total"] == 2
    followed = api.get(answer.headers["Location"]).get_json()  # inline: done by now
    assert followed["state"] == "done" and followed["progress"] == {"done": 2, "total": 2}
    assert followed["result"] == {"run_id": job["run_id"], "venues": 2, "status": "open"}
    run = api.get(f"{RUNS}/{job['run_id']}").get_json()
    assert run["status"] == "open" and run["job_id"] == job["id"]
    assert sorted((p["venue_id"], p["amount_cents"]) for p in run["payouts"]) == [
        (door.venue_id, 1_200), (door.away_venue_id, 300)]
    assert balance(door.app, "payout_in_transit") == 1_500
    assert balance(door.app, "venue_payable", door.venue_id) == balance(door.app, "venue_payable",
                                                                         door.away_venue_id) == 0
    with door.app.app_context():  # one transfer per chunk
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer).filter_by(kind="settlement")) == 2
    # Complete: it exports and is paid as any run.
    assert api.get(f"{RUNS}/{job['run_id']}/pain.001.xml").status_code == 200


def test_prefer_respond_async_makes_a_job_of_a_small_run(door, now):
    _owed_at_two_venues(door, now)
    api = _operator(door.app)
    answer = api.post(RUNS, json=YESTERDAY, headers={"Prefer": "wait=5, respond-async"})
    assert answer.status_code == 202 and answer.headers["Preference-Applied"] == "respond-async"
    assert api.get(f"/api/v1/jobs/{answer.get_json()['id']}").get_json()["result"]["venues"] == 2
    assert api.post(RUNS, json=YESTERDAY).status_code == 201  # small, without the header: at once


def test_a_run_with_nothing_owed_is_paid_when_its_job_ends(door, now):
    api = _operator(door.app)
    job = api.post(RUNS, json=YESTERDAY, headers={"Prefer": "respond-async"}).get_json()
    assert api.get(f"/api/v1/jobs/{job['id']}").get_json()["result"] == {"run_id": job["run_id"], "venues": 0,
                                                                         "status": "paid"}


def test_a_retried_post_gets_the_same_job(door, now, held_jobs):
    _owed_at_two_venues(door, now)
    door.app.config["SETTLEMENT_INLINE_MAX"] = 1
    api = _operator(door.app)
    first = api.post(RUNS, json=YESTERDAY, idempotency_key="run-big-1")
    again = api.post(RUNS, json=YESTERDAY, idempotency_key="run-big-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.get_json() == first.get_json() and again.headers["Idempotency-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"] == f"/api/v1/jobs/{first.get_json()['id']}"
    with door.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SettlementRun)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    jobs_api_run(door.app, held_jobs)


def jobs_api_run(app, held):
    with app.app_context():
        return [jobs_api.run(job_id) for job_id in held]


def test_while_a_run_is_computing_no_other_run_starts_and_it_cannot_be_exported_or_paid(door, now, held_jobs):
    _owed_at_two_venues(door, now)
    api = _operator(door.app)
    job = api.post(RUNS, json=YESTERDAY, headers={"Prefer": "respond-async"}).get_json()
    run_id = job["run_id"]
    shown = api.get(f"{RUNS}/{run_id}").get_json()
    assert (shown["status"], shown["payouts"], shown["job_id"]) == ("computing", [], job["id"])

    for headers in ({"Prefer": "respond-async"}, {}):  # a job or at once: both wait
        second = api.post(RUNS, json=YESTERDAY, headers=headers)
        assert second.status_code == 409, second.get_json()
        assert second.get_json()["code"] == "settlement_run_in_progress"
        assert second.get_json()["params"] == {"run_id": run_id}
    exported = api.get(f"{RUNS}/{run_id}/pain.001.xml")
    assert exported.status_code == 409 and exported.get_json()["code"] == "settlement_run_computing"
    paid = api.post(f"{RUNS}/{run_id}/confirm-paid", json={"booked_on": date.today().isoformat()})
    assert paid.status_code == 409 and paid.get_json()["code"] == "settlement_run_computing"

    assert jobs_api_run(door.app, held_jobs) == [DONE]
    assert api.get(f"{RUNS}/{run_id}").get_json()["status"] == "open"
    assert api.post(RUNS, json=YESTERDAY).status_code == 201  # its turn is over
    assert _paid_lines(door.app) == (3, 3)


def test_two_computing_runs_are_refused_by_the_database_too(door, now):
    with door.app.app_context():
        cut_off = datetime.now(timezone.utc) - timedelta(days=1)
        for _ in range(2):
            db.session.add(SettlementRun(cut_off=cut_off, status="computing", venue_cursor=0))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_worker_killed_mid_run_is_resumed_after_the_sweep_without_paying_a_venue_twice(
        door, now, held_jobs, monkeypatch):
    _owed_at_two_venues(door, now)
    door.app.config.update(SETTLEMENT_JOB_CHUNK=1)
    api = _operator(door.app)
    job_id = api.post(RUNS, json=YESTERDAY, headers={"Prefer": "respond-async"}).get_json()["id"]
    real, calls = settlement.settle_next_venues, []

    def dies_in_the_second_chunk(*args, **kwargs):
        settled = real(*args, **kwargs)
        calls.append(settled)
        if len(calls) == 2:
            raise Killed()  # its payouts and transfer written, not committed
        return settled

    monkeypatch.setattr(settlement, "settle_next_venues", dies_in_the_second_chunk)
    with door.app.app_context():
        with pytest.raises(Killed):
            jobs_api.run(job_id)
        db.session.rollback()  # what the database does with a dead connection's transaction
        job = db.session.get(Job, job_id)
        run = db.session.get(SettlementRun, job.args["run_id"])
        assert (job.progress_done, run.status, run.venue_cursor) == (1, "computing", door.venue_id)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payout)) == 1
    assert balance(door.app, "payout_in_transit") == 1_200  # the first chunk, and its money, stayed

    monkeypatch.setattr(settlement, "settle_next_venues", real)
    with door.app.app_context():
        assert jobs_api.run(job_id) is None  # still leased to the dead worker
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(hours=1))
        assert jobs_api.run(job_id) == DONE
        job = db.session.get(Job, job_id)
        assert (job.progress_done, job.attempts) == (2, 2)
        run_id = job.args["run_id"]
    got = api.get(f"{RUNS}/{run_id}").get_json()
    assert got["status"] == "open"
    assert sorted((p["venue_id"], p["amount_cents"]) for p in got["payouts"]) == [
        (door.venue_id, 1_200), (door.away_venue_id, 300)]
    assert _paid_lines(door.app) == (3, 3)
    assert balance(door.app, "payout_in_transit") == 1_500


def test_a_run_whose_job_failed_is_closed_with_what_it_settled_when_the_next_starts(door, now, held_jobs):
    _owed_at_two_venues(door, now)
    door.app.config.update(SETTLEMENT_JOB_CHUNK=1)
    api = _operator(door.app)
    first = api.post(RUNS, json=YESTERDAY, headers={"Prefer": "respond-async"}).get_json()
    with door.app.app_context():  # one chunk done, then the job gave up
        assert settlement.settle_next_venues(first["run_id"], limit=1, now=datetime.now(timezone.utc)) == 1
        db.session.execute(sa.update(Job).filter_by(id=first["id"]).values(state=FAILED, error="job_crashed"))
        db.session.commit()

    second = api.post(RUNS, json=YESTERDAY)

    assert second.status_code == 201, second.get_json()
    assert api.get(f"{RUNS}/{first['run_id']}").get_json()["status"] == "open"
    assert [(p["venue_id"], p["amount_cents"]) for p in second.get_json()["payouts"]] == [(door.away_venue_id, 300)]
    assert _paid_lines(door.app) == (3, 3)
    assert balance(door.app, "payout_in_transit") == 1_500
