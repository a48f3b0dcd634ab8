"""GET /organisations/<id>/jobs: the recent jobs of an organisation (the school page's
list, pwa/src/org/school-page.js), newest first, for its members and platform admins;
anyone else gets the 404 a job one may not see gets."""
from datetime import datetime, timedelta, timezone

import pytest

from server.accounts.models import MEMBER, SCHOOL, STAFF, Membership
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.models import DONE, QUEUED, RUNNING, Job
from tests.server import factories

START = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def _job(organisation_id, *, minutes, state=DONE, created_by=None):
    job = Job(kind="vouchers.issue_direct", args={"device_keys": ["00" * 33] * 3}, state=state, progress_done=3,
              progress_total=3, attempts=1, organisation_id=organisation_id, created_by=created_by,
              created_at=START + timedelta(minutes=minutes), result={"vouchers": 3} if state == DONE else None)
    db.session.add(job)
    return job


@pytest.fixture
def schools(app):
    with app.app_context():
        member, stranger, admin = factories.user(), factories.user(), factories.user(admin=True)
        staff = factories.user()
        school = factories.organisation(SCHOOL, owner=member)
        other = factories.organisation(SCHOOL, owner=stranger)
        db.session.add(Membership(user=staff, organisation=school, role=STAFF))
        for minutes in range(25):
            _job(school.id, minutes=minutes, state=RUNNING if minutes == 3 else DONE)
        _job(other.id, minutes=30)
        _job(None, minutes=31, created_by=member.id)  # a job of the member's own, not the school's
        db.session.commit()
        return {"school": school.id, "other": other.id, "member": member.email, "stranger": stranger.email,
                "admin": admin.email, "staff": staff.email}


def _get(app, email, organisation_id):
    api = factories.ApiClient(app.test_client())
    if email:
        api.login(email)
    return api.get(f"/api/v1/organisations/{organisation_id}/jobs")


def test_a_member_sees_the_twenty_newest_jobs_of_the_school_newest_first(app, schools):
    answer = _get(app, schools["member"], schools["school"])

    assert answer.status_code == 200, answer.get_json()
    jobs = answer.get_json()
    assert len(jobs) == jobs_api.RECENT_JOBS_LIMIT == 20
    created = [job["created_at"] for job in jobs]
    assert created == sorted(created, reverse=True)
    assert created[0].startswith("2026-11-20T09:24") and created[-1].startswith("2026-11-20T09:05")
    first = jobs[0]
    assert set(first) == {"id", "kind", "state", "progress", "result", "error", "created_at", "finished_at"}
    assert first["kind"] == "vouchers.issue_direct" and first["progress"] == {"done": 3, "total": 3}
    assert "args" not in first


def test_a_running_job_is_listed_with_its_state(app, schools):
    with app.app_context():
        _job(schools["school"], minutes=60, state=QUEUED)
        db.session.commit()
    jobs = _get(app, schools["member"], schools["school"]).get_json()
    assert jobs[0]["state"] == "queued" and jobs[0]["result"] is None


def test_a_platform_admin_sees_them(app, schools):
    answer = _get(app, schools["admin"], schools["school"])
    assert answer.status_code == 200 and len(answer.get_json()) == 20


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_anyone_else_is_told_there_is_no_such_job(app, schools, who):
    answer = _get(app, schools[who], schools["school"])
    assert answer.status_code == 404
    assert answer.mimetype == "application/problem+json" and answer.get_json()["code"] == "job_not_found"


def test_an_organisation_that_does_not_exist_answers_the_same(app, schools):
    answer = _get(app, schools["admin"], 2_000_000_000)
    assert answer.status_code == 404 and answer.get_json()["code"] == "job_not_found"


def test_without_a_login_it_asks_for_one(app, schools):
    answer = _get(app, None, schools["school"])
    assert answer.status_code == 401 and answer.get_json()["code"] == "login_required"


def test_a_school_with_no_jobs_gets_an_empty_list(app, schools):
    assert _get(app, schools["stranger"], schools["other"]).get_json()[0]["kind"] == "vouchers.issue_direct"
    with app.app_context():
        quiet = factories.organisation(SCHOOL, owner=factories.user(email="quiet@example.it"))
        db.session.add(Membership(user=factories.user(), organisation=quiet, role=MEMBER))
        db.session.commit()
        quiet_id = quiet.id
    assert _get(app, "quiet@example.it", quiet_id).get_json() == []
