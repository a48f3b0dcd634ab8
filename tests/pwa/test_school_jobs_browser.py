"""A school's page lists its recent jobs, unfinished first, and each opens its progress
page (a big direct issuance runs as a job: this list is how a teacher finds it again);
what a queued job holds of an allocation is not offered as codes."""
import re
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from server.accounts import api as accounts_api
from server.accounts.models import APPROVED, SCHOOL
from server.extensions import db
from server.jobs.models import DONE, QUEUED, RUNNING, Job
from server.vouchers import api as vouchers_api
from server.vouchers.models import IssuanceReservation
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in
from tests.server import factories

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


def _school_with_a_queued_issuance(app) -> tuple[str, int, int]:
    """A school of its own with an allocation of 40 vouchers: 5 as codes, 25 held by a
    queued direct issuance job (rows only: no worker runs it)."""
    with app.app_context():
        suffix = uuid.uuid4().hex[:8]
        email = f"docente.riserva.{suffix}@demo.example"
        teacher = accounts_api.create_user(email=email, password="mentoring-demo")
        school = factories.organisation(SCHOOL, owner=teacher, name=f"Liceo Riserva {suffix}")
        campaign = factories.funded_campaign(factories.organisation("sponsor", name=f"Forno {suffix}"),
                                             amount_cents=40 * 2_500, risk_reserve_bps=0)
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=40, today=date.today())
        vouchers_api.issue_codes(allocation=allocation, count=5, secret=app.secret_key)
        job = Job(kind="vouchers.issue_direct", args={"parts": []}, state=QUEUED, progress_done=0,
                  progress_total=25, attempts=0, organisation_id=school.id, created_at=datetime.now(timezone.utc))
        db.session.add(job)
        db.session.flush()
        db.session.add(IssuanceReservation(allocation_id=allocation.id, job_id=job.id, vouchers=25, issued=0))
        db.session.commit()
        return email, school.id, allocation.id


def test_the_vouchers_a_queued_issuance_holds_are_not_offered_as_codes(page, pilot, live_app):
    email, school_id, allocation_id = _school_with_a_queued_issuance(live_app)
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, email, f"/o/school/{school_id}")

    card = page.locator(f'.allocation-card[data-allocation="{allocation_id}"]')
    card.get_by_text("Ne restano 10 da generare.").wait_for()  # 40 less 5 codes less 25 held, not 35
    assert card.locator('[data-figure="room"] dd').inner_text() == "10"
    assert card.locator('[data-figure="held"] dd').inner_text() == "25"
    card.get_by_text("25 buoni sono riservati a emissioni dirette in corso").wait_for()
    card.get_by_label("Quanti codici generare").fill("11")
    card.get_by_role("button", name="Genera i codici").click()
    card.get_by_text("Scrivi un numero da 1 a 10.").wait_for()  # refused here, not by a 409 from the server
    assert serious_violations(page, ".allocation-card") == []
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
