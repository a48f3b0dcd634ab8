"""A school follows a big issuance job: a progress bar that moves as the job does
(polled, no reload), then what it made; axe-clean and no sideways scroll at 320 or 360 px."""
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.accounts import api as accounts_api
from server.accounts.models import OWNER, SCHOOL, Membership, Organisation
from server.extensions import db
from server.jobs.models import DONE, RUNNING, Job
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in

pytestmark = pytest.mark.browser


def _school_job(app) -> tuple[str, int, int]:
    """A teacher of a demo school and a running job of that school (a row only: no
    worker runs it, the test moves it)."""
    with app.app_context():
        school = db.session.scalar(sa.select(Organisation).filter_by(kind=SCHOOL).order_by(Organisation.id))
        email = f"docente.lavori.{uuid.uuid4().hex[:8]}@demo.example"
        teacher = accounts_api.create_user(email=email, password="mentoring-demo")
        db.session.add(Membership(user=teacher, organisation_id=school.id, role=OWNER))
        job = Job(kind="vouchers.issue_direct", args={"parts": []}, state=RUNNING, progress_done=300,
                  progress_total=1_000, attempts=1, created_by=None, organisation_id=school.id,
                  created_at=datetime.now(timezone.utc))
        db.session.add(job)
        db.session.commit()
        return email, school.id, job.id


def _finish(app, job_id):
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.state, job.progress_done, job.result = DONE, 1_000, {"vouchers": 1_000}
        job.finished_at = datetime.now(timezone.utc)
        db.session.commit()


def test_the_school_sees_its_issuance_job_move_to_done(page, pilot, live_app):
    email, school_id, job_id = _school_job(live_app)
    path = f"/o/school/{school_id}/lavori/{job_id}"
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, email, path)

    bar = page.get_by_role("progressbar", name="Avanzamento")
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "30"
    page.get_by_text("300 di 1000").wait_for()
    assert serious_violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    _finish(live_app, job_id)
    page.get_by_text("1000 buoni emessi").wait_for()  # the page polls: no reload
    assert page.locator(f'[data-job="{job_id}"]').get_attribute("data-state") == "done"
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
