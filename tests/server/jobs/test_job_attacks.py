"""Jobs attacked: another organisation's job by id, a school's people reading a
sponsor's job or the operator's settlement run and statement import, the job list of an
organisation one is not in, and a member who left. Every refusal is the 404 a job that
does not exist gets, with nothing of the job in it."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.accounts.models import MEMBER, SCHOOL, SPONSOR, STAFF, VENUE, Membership
from server.extensions import db
from server.jobs.models import DONE, Job
from tests.server import factories

PER_REQUEST = {"X-Request-Id", "Server-Time", "Date", "Set-Cookie"}
SECRET_RESULT = {"vouchers": 4242, "statement_id": 77, "run_id": 31}


def _job(kind, *, organisation_id=None, created_by=None) -> Job:
    job = Job(kind=kind, args={"device_keys": ["ab" * 33]}, state=DONE, progress_done=4242, progress_total=4242,
              attempts=1, organisation_id=organisation_id, created_by=created_by, result=SECRET_RESULT,
              created_at=datetime.now(timezone.utc))
    db.session.add(job)
    db.session.flush()
    return job


@pytest.fixture
def world(app):
    """Two schools, a sponsor and a venue, each with its people; a job of each school, a
    sponsor's job, and the operator's settlement run and statement import jobs."""
    with app.app_context():
        people = {name: factories.user() for name in (
            "school_owner", "school_member", "school_staff", "other_school_owner", "sponsor_owner", "venue_owner",
            "admin")}
        people["admin"].is_platform_admin = True
        school = factories.organisation(SCHOOL, owner=people["school_owner"])
        db.session.add_all([Membership(user=people["school_member"], organisation=school, role=MEMBER),
                            Membership(user=people["school_staff"], organisation=school, role=STAFF)])
        other_school = factories.organisation(SCHOOL, owner=people["other_school_owner"])
        sponsor = factories.organisation(SPONSOR, owner=people["sponsor_owner"])
        factories.organisation(VENUE, owner=people["venue_owner"])
        jobs = {
            "school": _job("vouchers.issue_direct", organisation_id=school.id, created_by=people["school_member"].id),
            "other_school": _job("vouchers.issue_direct", organisation_id=other_school.id,
                                 created_by=people["other_school_owner"].id),
            "sponsor": _job("vouchers.issue_direct", organisation_id=sponsor.id, created_by=people["sponsor_owner"].id),
            "settlement": _job("settlement.run", created_by=people["admin"].id),
            "statement": _job("banking.import_statement", created_by=people["admin"].id),
        }
        db.session.commit()
        return {"jobs": {name: job.id for name, job in jobs.items()},
                "organisations": {"school": school.id, "other_school": other_school.id, "sponsor": sponsor.id},
                **{name: person.email for name, person in people.items()}}


def _as(app, email):
    return factories.ApiClient(app.test_client()).login(email)


def _assert_not_found_and_says_nothing(response):
    assert response.status_code == 404, response.get_json()
    assert response.mimetype == "application/problem+json" and response.get_json()["code"] == "job_not_found"
    text = response.get_data(as_text=True)
    for content in ("4242", "vouchers", "issue_direct", "settlement", "statement", "progress", "result"):
        assert content not in text, content


@pytest.mark.parametrize("who, job", [
    ("other_school_owner", "school"),  # another organisation's job
    ("school_owner", "other_school"),
    ("school_member", "sponsor"),  # a school's member reading a sponsor's job
    ("school_staff", "school"),  # scanner staff are not the school's members
    ("sponsor_owner", "school"),
    ("venue_owner", "school"),
    ("school_owner", "settlement"),  # the operator's jobs
    ("sponsor_owner", "settlement"),
    ("venue_owner", "settlement"),
    ("venue_owner", "statement"),
    ("school_member", "statement"),
])
def test_a_job_of_others_is_not_found_and_shows_nothing(app, world, who, job):
    _assert_not_found_and_says_nothing(_as(app, world[who]).get(f"/api/v1/jobs/{world['jobs'][job]}"))


def test_a_job_of_others_answers_exactly_as_one_that_does_not_exist(app, world):
    api = _as(app, world["other_school_owner"])

    def answer(job_id):
        response = api.get(f"/api/v1/jobs/{job_id}")
        return response.status_code, sorted((k, v) for k, v in response.headers.items() if k not in PER_REQUEST), \
            response.get_data()

    assert answer(world["jobs"]["school"]) == answer(2_000_000_000)


@pytest.mark.parametrize("who, organisation", [
    ("school_member", "sponsor"), ("sponsor_owner", "school"), ("venue_owner", "school"),
    ("other_school_owner", "school"), ("school_staff", "school"),
])
def test_the_job_list_of_an_organisation_one_is_not_in_is_not_found(app, world, who, organisation):
    response = _as(app, world[who]).get(f"/api/v1/organisations/{world['organisations'][organisation]}/jobs")

    _assert_not_found_and_says_nothing(response)


def test_the_right_people_do_see_it(app, world):
    """The premise of the refusals above: the same requests answer the school's people."""
    job = _as(app, world["school_owner"]).get(f"/api/v1/jobs/{world['jobs']['school']}")
    listed = _as(app, world["school_member"]).get(f"/api/v1/organisations/{world['organisations']['school']}/jobs")
    settlement = _as(app, world["admin"]).get(f"/api/v1/jobs/{world['jobs']['settlement']}")

    assert job.status_code == 200 and job.get_json()["result"] == SECRET_RESULT
    assert [found["id"] for found in listed.get_json()] == [world["jobs"]["school"]]
    assert settlement.status_code == 200


def test_a_member_who_left_no_longer_sees_the_job_they_started(app, world):
    """Removed from the school, a person loses its pages at once
    (accounts_api.remove_member): the school's job too, though they started it."""
    api = _as(app, world["school_member"])
    assert api.get(f"/api/v1/jobs/{world['jobs']['school']}").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(Membership).where(
            Membership.organisation_id == world["organisations"]["school"],
            Membership.role == MEMBER).values(removed_at=datetime.now(timezone.utc)))
        db.session.commit()

    _assert_not_found_and_says_nothing(api.get(f"/api/v1/jobs/{world['jobs']['school']}"))


def test_without_a_login_no_job_is_read(app, world):
    anyone = app.test_client()

    for url in (f"/api/v1/jobs/{world['jobs']['school']}",
                f"/api/v1/organisations/{world['organisations']['school']}/jobs"):
        response = anyone.get(url)
        assert response.status_code == 401 and "4242" not in response.get_data(as_text=True)


@pytest.mark.parametrize("job_id", [0, -1, 2**31, 2**63, "1%20OR%201=1", "1.0"])
def test_an_odd_job_id_matches_no_job(app, world, job_id):
    response = _as(app, world["admin"]).get(f"/api/v1/jobs/{job_id}")

    assert response.status_code == 404 and "4242" not in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["school_owner", "sponsor_owner", "venue_owner"])
def test_the_operators_job_endpoints_refuse_everyone_else_before_any_lookup(app, world, who):
    """Settlement runs and statement imports are the operator's: the run, the import and
    the job they name are not read, and no job is started, for anyone else."""
    api = _as(app, world[who])
    with app.app_context():
        jobs_before = db.session.scalar(sa.select(sa.func.count()).select_from(Job))

    reads = [api.get(url) for url in ("/api/v1/admin/settlement-runs/1", "/api/v1/admin/bank-statements/1",
                                      "/api/v1/admin/settlement-runs", "/api/v1/admin/bank-statements")]
    started = api.post("/api/v1/admin/settlement-runs", json={"cut_off": "2026-11-01"},
                       headers={"Prefer": "respond-async"})
    resumed = api.post("/api/v1/admin/bank-statements/1/resume")

    for response in (*reads, started, resumed):
        assert response.status_code == 403 and response.get_json()["code"] == "admin_only", response.request.path
        assert "Location" not in response.headers
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == jobs_before
