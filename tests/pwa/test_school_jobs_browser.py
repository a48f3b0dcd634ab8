"""A school's page lists its recent jobs, unfinished first, and each opens its progress
page (a big direct issuance runs as a job: this list is how a teacher finds it again)."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.accounts import api as accounts_api
from server.accounts.models import APPROVED, SCHOOL
from server.extensions import db
from server.jobs.models import DONE, RUNNING, Job
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in

pytestmark = pytest.mark.browser


def _school_with_jobs(app) -> tuple[str, int, int, int]:
    """A school of its own (the pilot's schools collect other tests' jobs), its teacher,
    a finished job and an older one still running (rows only: no worker runs them)."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        suffix = uuid.uuid4().hex[:8]
        email = f"docente.elenco.{suffix}@demo.example"
        teacher = accounts_api.create_user(email=email, password="mentoring-demo")
        school = accounts_api.register_organisation(owner=teacher, kind=SCHOOL, name=f"Liceo Lavori {suffix}",
                                                    municipality="Milano", school_code="MIPS01000X")
        school.status = APPROVED
        running = Job(kind="vouchers.issue_direct", args={"parts": []}, state=RUNNING, progress_done=300,
                      progress_total=1_000, attempts=1, organisation_id=school.id,
                      created_at=now - timedelta(hours=2))
        done = Job(kind="vouchers.issue_direct", args={"parts": []}, state=DONE, progress_done=1_500,
                   progress_total=1_500, attempts=1, organisation_id=school.id, result={"vouchers": 1_500},
                   created_at=now - timedelta(hours=1), finished_at=now - timedelta(minutes=50))
        db.session.add_all([running, done])
        db.session.commit()
        return email, school.id, running.id, done.id


def test_a_teacher_finds_the_running_job_on_the_school_page_and_opens_it(page, pilot, live_app):
    email, school_id, running_id, done_id = _school_with_jobs(live_app)
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, email, f"/o/school/{school_id}")

    page.get_by_role("heading", name="Lavori recenti").wait_for()
    cards = page.locator(".job-card")
    assert cards.evaluate_all("(all) => all.map((c) => [c.dataset.job, c.dataset.state])") == [
        [str(running_id), "running"], [str(done_id), "done"]]  # the unfinished one first, though older
    assert "300 di 1000" in cards.first.inner_text() and "Emissione dei buoni" in cards.first.inner_text()
    assert serious_violations(page, ".school-jobs") == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    cards.first.click()
    page.wait_for_url(re.compile(rf"/o/school/{school_id}/lavori/{running_id}$"))
    bar = page.get_by_role("progressbar", name="Avanzamento")
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "30"

    page.get_by_role("link", name="Torna alla scuola").click()
    page.wait_for_url(re.compile(rf"/o/school/{school_id}$"))
    page.locator(f'.job-card[data-job="{done_id}"]').click()
    page.get_by_text("1500 buoni emessi").wait_for()
