"""Report snapshots (server/reports/snapshots.py): the job stores each campaign's and
each public sponsor page's release of a closed month once, also when run twice or
resumed after a worker died; the endpoints answer the same with or without it; a
snapshot of another method is not served; what is stored is only what is published."""
from contextlib import nullcontext
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import has_app_context

from server.accounts.models import Organisation, SPONSOR
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs import cli as jobs_cli
from server.jobs import transport
from server.jobs.models import DONE, Job
from server.reports import impact, snapshots
from server.reports.models import CAMPAIGN, ReportSnapshot
from server.sponsors_public import api as public_api
from server.sponsors_public import routes as public_routes
from tests.server import factories
from tests.server.reports.conftest import months_ahead

# Figures of a count of people, payments or ratings: shown only as 0 or at least min_cell.
COUNTS = ("count", "students", "redemptions", "students_reached", "visits")
# What a row says about itself rather than about students.
LABELS = {"stars", "category", "choice", "venue_id", "code", "name", "level", "from", "to", "label", "suppressed"}


class Killed(BaseException):
    """A worker dying mid-chunk (not an Exception: nothing in the job catches it)."""


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are recorded but not sent: the test runs them by hand (a worker's view)."""
    held = []
    monkeypatch.setattr(transport, "send", lambda pending: held.extend(job_id for job_id, _, _ in pending))
    return held


@pytest.fixture
def month_town(town, clock, monkeypatch):
    """The reports' town with a month of activity, now closed: six students booked the
    theatre in Milan and five came and rated it, five paid at the museum in Rho, one
    booked the cinema (a cell of one student, hidden). A second campaign of another
    sponsor did nothing. The town's sponsor has its public page on."""
    students = town.students_from(12)
    theatre = town.event("milano", category="teatro", price_cents=1_000,
                         starts_at=datetime.now(timezone.utc) - timedelta(hours=1))
    museum = town.event("rho", category="musei", price_cents=700)
    cinema = town.event("milano", category="cinema", price_cents=500)
    for student, stars in zip(students[:6], (5, 4, 4, 3, 5, None)):
        booking = town.book(student, theatre, now=datetime.now(timezone.utc) - timedelta(hours=2))
        if stars:
            town.check_in(student, booking, "milano")
            town.rate(booking, stars)
    for student in students[6:11]:
        town.redeem(student, "rho", amount_cents=700, event_id=museum)
    town.book(students[11], cinema)
    with town.app.app_context():
        town.quiet_campaign_id = factories.funded_campaign(factories.organisation(SPONSOR)).id
        sponsor = db.session.scalar(sa.select(Organisation).where(Organisation.kind == SPONSOR)
                                    .order_by(Organisation.id))
        town.sponsor_id = sponsor.id
        town.slug = public_api.set_enabled(sponsor=sponsor, enabled=True, now=datetime.now(timezone.utc)).slug
        db.session.commit()
    town.now = clock(months_ahead(1))
    monkeypatch.setattr(public_routes, "_now", lambda: town.now)
    town.month = snapshots.last_closed_month(town.now)
    assert town.month == datetime.now(timezone.utc).astimezone(snapshots.ITALY).date().replace(day=1)
    return town


def _snapshot_month(town) -> Job:
    with town.app.app_context():
        job = snapshots.enqueue_month(town.month, now=town.now)
        db.session.commit()  # without Redis the job runs right after the commit
        db.session.refresh(job)
        return job


def _stored(app) -> list[tuple]:
    """The stored rows, read in the test's own session when it has one (on SQLite a
    second session would wait for the first one's write lock)."""
    with nullcontext() if has_app_context() else app.app_context():
        return db.session.execute(sa.select(ReportSnapshot.subject, ReportSnapshot.subject_id, ReportSnapshot.month,
                                            ReportSnapshot.id, ReportSnapshot.computed_at)
                                  .order_by(ReportSnapshot.id)).all()


def _answers(town) -> list[bytes]:
    """The three answers built from a release, as bytes: the impact, its CSV, the public page."""
    sponsor = town.api(town.sponsor_email)
    made = [sponsor.get(f"/api/v1/campaigns/{town.campaign_id}/impact"),
            sponsor.get(f"/api/v1/campaigns/{town.campaign_id}/impact.csv"),
            town.api().get(f"/api/v1/public/sponsors/{town.slug}")]
    assert [answer.status_code for answer in made] == [200, 200, 200], [answer.get_json() for answer in made]
    return [answer.data for answer in made]


def test_the_job_stores_one_snapshot_per_campaign_and_public_page(month_town):
    job = _snapshot_month(month_town)

    assert (job.state, job.kind, job.progress_done, job.progress_total) == (DONE, snapshots.KIND, 3, 3)
    assert job.result == {"month": f"{month_town.month:%Y-%m}", "subjects": 3, "snapshots": 3}
    stored = _stored(month_town.app)
    assert sorted((subject, subject_id) for subject, subject_id, *_ in stored) == [
        ("campaign", month_town.campaign_id), ("campaign", month_town.quiet_campaign_id),
        ("sponsor", month_town.sponsor_id)]
    assert {row[2] for row in stored} == {month_town.month}
    with month_town.app.app_context():
        versions = set(db.session.scalars(sa.select(ReportSnapshot.method_version)))
        quiet = db.session.scalar(sa.select(ReportSnapshot.payload).filter_by(
            subject=CAMPAIGN, subject_id=month_town.quiet_campaign_id))
    assert versions == {snapshots.method_version(5)}
    assert quiet["as_of"] is None and quiet["headline"]["suppressed"]  # nothing released: all hidden


def test_a_second_run_stores_nothing_new(month_town):
    first = _snapshot_month(month_town)
    stored = _stored(month_town.app)

    assert _snapshot_month(month_town).id == first.id  # one job per month and method
    with month_town.app.app_context():
        again = jobs_api.enqueue(snapshots.KIND, first.args, total=first.progress_total)  # a copy without key
        db.session.commit()
        assert db.session.get(Job, again.id).state == DONE
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 2
    assert _stored(month_town.app) == stored  # the same rows, not made again


def test_a_worker_killed_mid_job_is_resumed_and_stores_each_subject_once(month_town, held_jobs, monkeypatch):
    month_town.app.config["REPORTS_SNAPSHOT_CHUNK"] = 1
    real = dict(snapshots.COMPUTE)
    computed = []

    def dies_at_the_second_subject(subject):
        def compute(subject_id, **kwargs):
            computed.append((subject, subject_id))
            if len(computed) == 2:
                raise Killed()  # after the first chunk's checkpoint, before the second's
            return real[subject](subject_id, **kwargs)
        return compute

    monkeypatch.setattr(snapshots, "COMPUTE", {kind: dies_at_the_second_subject(kind) for kind in real})
    job_id = _snapshot_month(month_town).id
    with month_town.app.app_context():
        with pytest.raises(Killed):
            jobs_api.run(job_id)
        db.session.rollback()  # what the database does with a dead connection's transaction
        assert db.session.get(Job, job_id).progress_done == 1
        assert len(_stored(month_town.app)) == 1

        assert jobs_api.run(job_id) is None  # still leased to the dead worker
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(hours=1))
        assert jobs_api.run(job_id) == DONE
        job = db.session.get(Job, job_id)
        assert (job.progress_done, job.attempts, job.result["snapshots"]) == (3, 2, 3)
    stored = _stored(month_town.app)
    assert len(stored) == len({(subject, subject_id) for subject, subject_id, *_ in stored}) == 3


def test_an_attempt_that_lost_its_lease_stores_nothing_twice(month_town, held_jobs, monkeypatch):
    """A worker thought dead wakes up while another attempt has done the job: its rows
    meet the unique key (nothing stored) and its checkpoint does not land."""
    month_town.app.config["REPORTS_SNAPSHOT_CHUNK"] = 2
    real = dict(snapshots.COMPUTE)
    calls = []

    def slow_first_attempt(subject):
        def compute(subject_id, **kwargs):
            calls.append(subject_id)
            if len(calls) == 3:  # the first attempt's second chunk: it stalls, its lease runs out
                monkeypatch.setattr(snapshots, "COMPUTE", real)
                jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(hours=1))
                assert jobs_api.run(job_id) == DONE  # the second attempt, all of it
            return real[subject](subject_id, **kwargs)
        return compute

    monkeypatch.setattr(snapshots, "COMPUTE", {kind: slow_first_attempt(kind) for kind in real})
    job_id = _snapshot_month(month_town).id
    with month_town.app.app_context():
        assert jobs_api.run(job_id) is None  # lease lost: the first attempt ends without a word
        job = db.session.get(Job, job_id)
        assert (job.state, job.attempts, job.progress_done) == (DONE, 2, 3)
    stored = _stored(month_town.app)
    assert len(stored) == len({(subject, subject_id) for subject, subject_id, *_ in stored}) == 3


def test_the_answers_are_the_same_with_and_without_the_snapshot(month_town, clock, monkeypatch):
    real = impact.Activity.read
    computed = _answers(month_town)
    _snapshot_month(month_town)

    def no_reading(*args, **kwargs):
        raise AssertionError("computed again: the snapshot was not served")

    monkeypatch.setattr(impact.Activity, "read", no_reading)
    assert _answers(month_town) == computed  # byte for byte, from the snapshots

    month_town.now = clock(months_ahead(2))  # the next month closed: no snapshot of it yet
    reads = []
    monkeypatch.setattr(impact.Activity, "read", classmethod(lambda cls, ids: reads.append(ids) or real(ids)))
    _answers(month_town)
    assert len(reads) == 3  # computed, as before the job existed


def _switch_public_page(town, enabled: bool):
    owner = town.api(town.sponsor_email)
    answer = owner.client.put(f"/api/v1/organisations/{town.sponsor_id}/public-page", json={"enabled": enabled},
                              headers={"X-CSRF-Token": owner.csrf})
    assert answer.status_code == 200, answer.get_json()


def test_a_page_switched_on_after_the_months_job_is_served_from_a_snapshot_of_its_own(month_town, monkeypatch):
    """The month's job listed its subjects while the page was off: switching it on
    starts that sponsor's release as a job, run after the commit (inline here)."""
    computed = _answers(month_town)[2]
    _switch_public_page(month_town, False)
    month_job = _snapshot_month(month_town)
    assert month_job.args["sponsors"] == [] and month_job.progress_total == 2

    _switch_public_page(month_town, True)

    with month_town.app.app_context():
        job = db.session.scalar(sa.select(Job).where(Job.id != month_job.id))
        assert (job.kind, job.state, job.args["sponsors"], job.progress_done) == (
            snapshots.KIND, DONE, [month_town.sponsor_id], 1)
    assert ("sponsor", month_town.sponsor_id, month_town.month) in [row[:3] for row in _stored(month_town.app)]

    def no_reading(*args, **kwargs):
        raise AssertionError("computed again: the snapshot was not served")

    monkeypatch.setattr(impact.Activity, "read", no_reading)
    assert month_town.api().get(f"/api/v1/public/sponsors/{month_town.slug}").data == computed  # byte for byte

    _switch_public_page(month_town, False)
    _switch_public_page(month_town, True)  # the month's release is stored: no other job
    with month_town.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 2


def test_a_page_switched_on_before_the_months_job_starts_nothing_the_job_lists_it(month_town):
    _switch_public_page(month_town, False)
    _switch_public_page(month_town, True)
    with month_town.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    assert _snapshot_month(month_town).args["sponsors"] == [month_town.sponsor_id]


def _tamper(app, **headline) -> None:
    """Change what the stored release says, to tell which one an answer came from."""
    with app.app_context():
        row = db.session.scalar(sa.select(ReportSnapshot).filter_by(subject=CAMPAIGN))
        row.payload = {**row.payload, "headline": {**row.payload["headline"], **headline}}
        db.session.commit()


def _headline(town) -> dict:
    return town.api(town.sponsor_email).get(f"/api/v1/campaigns/{town.campaign_id}/impact").get_json()["headline"]


def test_a_snapshot_of_another_method_is_not_served(month_town, monkeypatch):
    _snapshot_month(month_town)
    computed = _headline(month_town)
    with month_town.app.app_context():
        db.session.execute(sa.delete(ReportSnapshot).where(ReportSnapshot.subject_id != month_town.campaign_id))
        db.session.commit()
    _tamper(month_town.app, visits=12_345)
    assert _headline(month_town)["visits"] == 12_345  # the stored release is what is served

    version = snapshots.METHOD_VERSION
    monkeypatch.setattr(snapshots, "METHOD_VERSION", version + 1)
    assert _headline(month_town) == computed  # old method: ignored, computed again
    monkeypatch.setattr(snapshots, "METHOD_VERSION", version)
    assert _headline(month_town)["visits"] == 12_345
    month_town.app.config["REPORT_MIN_CELL"] = 6
    assert _headline(month_town)["visits"] != 12_345  # another minimum cell: ignored too

    # The sweep makes the month's job again for the new method; the old rows stay unread.
    month_town.app.config["REPORT_MIN_CELL"] = 5
    monkeypatch.setattr(snapshots, "METHOD_VERSION", version + 1)
    with month_town.app.app_context():
        job = snapshots.start_when_closed(now=month_town.now)
        assert job is not None and snapshots.start_when_closed(now=month_town.now) is None
        assert db.session.get(Job, job.id).state == DONE
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)
                                 .filter_by(method_version=snapshots.method_version(5))) == 3
    assert _headline(month_town) == computed


def _cells(value, path=()):
    """Every dict in a stored release that is a cell (it has "suppressed"), with its path."""
    if isinstance(value, dict):
        if "suppressed" in value:
            yield path, value
        for key, inner in value.items():
            yield from _cells(inner, (*path, key))
    elif isinstance(value, list):
        for position, inner in enumerate(value):
            yield from _cells(inner, (*path, position))


def test_a_snapshot_holds_no_figure_about_fewer_than_the_minimum_cell(month_town):
    _snapshot_month(month_town)
    with month_town.app.app_context():
        payloads = list(db.session.scalars(sa.select(ReportSnapshot.payload)))
    hidden = shown = 0
    for payload in payloads:
        assert "wallet" not in repr(payload)
        for path, cell in _cells(payload):
            figures = {name: value for name, value in cell.items() if name not in LABELS
                       and not isinstance(value, (dict, list))}
            if cell["suppressed"]:
                hidden += 1
                assert set(figures.values()) == {None}, (path, cell)
            else:
                shown += 1
                small = {name: cell[name] for name in COUNTS if name in cell and cell[name] and cell[name] < 5}
                assert not small, (path, cell)
                assert all(value is None or value % 5 == 0 for name, value in figures.items() if name in COUNTS)
    assert hidden and shown  # the cinema's one student is hidden, the theatre shown


def test_the_sweep_starts_the_closed_months_job_once(month_town, monkeypatch):
    monkeypatch.setattr(jobs_cli, "datetime", _Frozen.at(month_town.now))
    runner = month_town.app.test_cli_runner()
    first = runner.invoke(jobs_cli.jobs, ["sweep"])
    second = runner.invoke(jobs_cli.jobs, ["sweep"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert f"({snapshots.job_key(month_town.month, 5)})" in first.output and "Started" not in second.output
    assert len(_stored(month_town.app)) == 3


def test_the_command_makes_a_closed_months_job_and_refuses_an_open_month(month_town):
    runner = month_town.app.test_cli_runner()
    open_month = runner.invoke(jobs_cli.jobs, ["report-snapshots", "--month", f"{date.today():%Y-%m}"])
    assert open_month.exit_code != 0 and "Not a closed month" in open_month.output
    last = runner.invoke(jobs_cli.jobs, ["report-snapshots"])  # the month before this one: nothing of the town
    assert last.exit_code == 0 and ": done, " in last.output, last.output


def test_a_failed_month_is_not_retried_by_the_sweep_but_resumed_by_the_command(month_town, monkeypatch):
    real = dict(snapshots.COMPUTE)
    month_town.app.config["REPORTS_SNAPSHOT_CHUNK"] = 1

    def breaks_on_the_quiet_campaign(subject):
        def compute(subject_id, **kwargs):
            if subject_id == month_town.quiet_campaign_id:
                raise RuntimeError("a bug")
            return real[subject](subject_id, **kwargs)
        return compute

    monkeypatch.setattr(snapshots, "COMPUTE", {kind: breaks_on_the_quiet_campaign(kind) for kind in real})
    job = _snapshot_month(month_town)
    assert (job.state, job.error, job.progress_done) == ("failed", "job_crashed", 1)
    with month_town.app.app_context():
        assert snapshots.start_when_closed(now=month_town.now) is None  # the sweep leaves it

    monkeypatch.setattr(snapshots, "COMPUTE", real)
    from server.reports import cli as reports_cli
    monkeypatch.setattr(reports_cli, "datetime", _Frozen.at(month_town.now))
    resumed = month_town.app.test_cli_runner().invoke(jobs_cli.jobs, ["report-snapshots", "--month",
                                                                      f"{month_town.month:%Y-%m}"])
    assert resumed.exit_code == 0 and f"Job {job.id} " in resumed.output and ": done, 3/3" in resumed.output, \
        resumed.output
    assert len(_stored(month_town.app)) == 3


class _Frozen(datetime):
    """``datetime`` whose now() is fixed: the sweep reads the wall clock."""
    instant: datetime

    @classmethod
    def at(cls, instant: datetime):
        return type("FrozenAt", (cls,), {"instant": instant})

    @classmethod
    def now(cls, tz=None):
        return cls.instant.astimezone(tz) if tz else cls.instant
