"""Report snapshots (issue 14; README.md beside this file, "Snapshots").

A released month never changes (periods.py: activity lands in the month the server
recorded it), so the impact of a campaign and a sponsor's public figures are the same
all month long: the job ``reports.snapshot`` computes them once after the month closes,
and the endpoints serve the stored release instead of computing it again (the
complementary suppression is linear algebra, seconds for a big campaign). Without a
snapshot for the current release and method, the endpoint computes it as before: the
same JSON either way.
"""
import logging
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from server.accounts.models import APPROVED, Organisation
from server.campaigns.models import DRAFT, Campaign, campaign_sponsor
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs import transport
from server.jobs.models import FAILED, QUEUED, Job
from server.reports import impact, periods
from server.reports.models import CAMPAIGN, SPONSOR, ReportSnapshot
from server.reports.periods import ITALY
from server.reports.suppression import min_cell
from server.sponsors_public.models import SponsorPublicPage

log = logging.getLogger(__name__)

KIND = "reports.snapshot"
# Raise it whenever what a release holds or how it is protected changes (impact.py,
# suppression.py, periods.py, the territory's names): stored releases of the old
# method are then ignored, and the sweep makes the month's snapshots again.
METHOD_VERSION = 1
DEFAULT_CHUNK = 20  # subjects per transaction: a big campaign takes about a second
# Activity after a campaign's end still lands in a month (a late sync, a rating, a
# thanks): a campaign counts as active for this long after it ended.
AFTER_END = timedelta(days=92)

COMPUTE = {CAMPAIGN: impact.released_campaign, SPONSOR: impact.released_sponsor}


def method_version(minimum: int) -> str:
    """The method a release was computed with: the code's version, the minimum cell and
    the rounding (a change of REPORT_MIN_CELL must not serve releases made with another)."""
    return (f"{METHOD_VERSION};min_cell={minimum};students={periods.STUDENTS_ROUNDED_TO};"
            f"cents={periods.CENTS_ROUNDED_TO}")


def last_closed_month(now: datetime) -> date:
    """The first day of the month before ``now``'s (Europe/Rome)."""
    return (periods.month_start(now.astimezone(ITALY).date()) - timedelta(days=1)).date().replace(day=1)


def closing(month: date) -> datetime:
    """The instant ``month`` closed: midnight in Italy on the first of the next month.
    A release computed at that instant is the release all the next month long."""
    return periods.month_start((month + timedelta(days=32)).replace(day=1))


def job_key(month: date, minimum: int) -> str:
    return f"{KIND}:{month:%Y-%m}:{method_version(minimum)}"


# --- serving -------------------------------------------------------------------------------

def released(subject: str, subject_id: int, *, now: datetime, minimum: int) -> dict:
    """The released part of a subject's report at ``now``: the stored snapshot of the
    last closed month for this method, else computed now (and not stored: reports
    write nothing; the job does)."""
    stored = db.session.scalar(sa.select(ReportSnapshot.payload).filter_by(
        subject=subject, subject_id=subject_id, month=last_closed_month(now), method_version=method_version(minimum)))
    if stored is not None:
        return stored
    return COMPUTE[subject](subject_id, now=now, minimum=minimum)


# --- which subjects a month has ----------------------------------------------------------

def active_campaigns(month: date, *, sponsor_id: int | None = None) -> list[int]:
    """Campaigns that may have activity in ``month``: not drafts, valid during the month
    or ended at most AFTER_END before it (of one sponsor, with ``sponsor_id``)."""
    last_day = closing(month).date() - timedelta(days=1)
    select = sa.select(Campaign.id).where(Campaign.status != DRAFT, Campaign.valid_from <= last_day,
                                          Campaign.valid_until >= month - AFTER_END)
    if sponsor_id is not None:
        select = select.join(campaign_sponsor, campaign_sponsor.c.campaign_id == Campaign.id).where(
            campaign_sponsor.c.sponsor_id == sponsor_id)
    return list(db.session.scalars(select.order_by(Campaign.id)))


def public_sponsors(campaign_ids: list[int]) -> list[int]:
    """Sponsors of those campaigns whose public page is on."""
    if not campaign_ids:
        return []
    return list(db.session.scalars(
        sa.select(SponsorPublicPage.organisation_id).distinct()
        .join(Organisation, Organisation.id == SponsorPublicPage.organisation_id)
        .join(campaign_sponsor, campaign_sponsor.c.sponsor_id == SponsorPublicPage.organisation_id)
        .where(SponsorPublicPage.enabled_at.is_not(None), Organisation.status == APPROVED,
               campaign_sponsor.c.campaign_id.in_(campaign_ids))
        .order_by(SponsorPublicPage.organisation_id)))


# --- the job -------------------------------------------------------------------------------

def enqueue_month(month: date, *, now: datetime, retry_failed: bool = False) -> Job:
    """The snapshot job of a closed month, made once per month and method (its key):
    the subjects are listed now, so that every attempt walks the same list. With
    ``retry_failed`` (the operator's command, not the sweep: a job that crashed would
    crash again every minute), a failed job goes back to the queue and resumes."""
    if closing(month) > now:
        raise ValueError(f"{month:%Y-%m} has not closed yet")  # its figures are still moving
    minimum = min_cell()
    key = job_key(month, minimum)
    existing = db.session.scalar(sa.select(Job).filter_by(key=key))
    if existing is not None and retry_failed and existing.state == FAILED:
        existing.state, existing.error, existing.run_after, existing.finished_at = QUEUED, None, None, None
        transport.send_after_commit(existing.id, queue=jobs_api.KINDS[KIND].queue)
    if existing is not None:
        return existing
    campaigns = active_campaigns(month)
    sponsors = public_sponsors(campaigns)
    return jobs_api.enqueue(KIND, {"month": f"{month:%Y-%m}", "min_cell": minimum, "campaigns": campaigns,
                                   "sponsors": sponsors}, key=key, total=len(campaigns) + len(sponsors), now=now)


def start_when_closed(*, now: datetime) -> Job | None:
    """For the sweep (every minute): the last closed month's job if it is not there yet
    (the first sweep after a month closes, or after the method changed), else None."""
    month = last_closed_month(now)
    if db.session.scalar(sa.select(Job.id).filter_by(key=job_key(month, min_cell()))) is not None:
        db.session.rollback()
        return None
    try:
        job = enqueue_month(month, now=now)
        db.session.commit()
    except sa.exc.IntegrityError:  # two sweeps at once: the other one's job stands
        db.session.rollback()
        return None
    return job


def start_for_public_page(sponsor_id: int, *, now: datetime) -> Job | None:
    """A public page switched on after the last closed month's job listed its subjects
    would be computed per request until the next month: its release of that month is
    made by a job of its own (the same kind, with that one subject), sent after the
    caller's commit. None when the month's job is not made yet (the sweep will list the
    sponsor: its page is on now), lists it already, or would not have listed it (no
    campaign of the sponsor active that month). One such job per sponsor, month and
    method (its key): switching off and on again starts no other."""
    month = last_closed_month(now)
    minimum = min_cell()
    month_key = job_key(month, minimum)
    month_job = db.session.scalar(sa.select(Job).filter_by(key=month_key))
    if month_job is None or sponsor_id in month_job.args["sponsors"]:
        return None
    if sponsor_id not in public_sponsors(active_campaigns(month, sponsor_id=sponsor_id)):
        return None
    return jobs_api.enqueue(KIND, {"month": f"{month:%Y-%m}", "min_cell": minimum, "campaigns": [],
                                   "sponsors": [sponsor_id]}, key=f"{month_key}:sponsor:{sponsor_id}", total=1, now=now)


@jobs_api.handler(KIND)
def snapshot_month(job, run) -> dict:
    """Each chunk of subjects computed, then stored with its checkpoint in one
    transaction. A subject already stored (a run before a kill, a second run) is
    skipped; the unique key stops the one an old attempt writes at the same moment."""
    label = job.args["month"]  # read once: the row expires at each commit, and args may be long
    month = date.fromisoformat(label + "-01")
    minimum = int(job.args["min_cell"])
    version, now = method_version(minimum), closing(month)
    subjects = [(CAMPAIGN, i) for i in job.args["campaigns"]] + [(SPONSOR, i) for i in job.args["sponsors"]]
    chunk = int(current_app.config.get("REPORTS_SNAPSHOT_CHUNK") or DEFAULT_CHUNK)
    db.session.commit()
    while True:
        done = run.lock()
        # No lock held while the figures are computed (seconds each): the checkpoint
        # below only lands while the job is still this attempt's.
        db.session.rollback()
        if done >= len(subjects):
            stored = db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)
                                       .filter_by(month=month, method_version=version))
            db.session.rollback()
            return {"month": label, "subjects": len(subjects), "snapshots": stored}
        part = subjects[done:done + chunk]
        have = set(db.session.execute(
            sa.select(ReportSnapshot.subject, ReportSnapshot.subject_id).where(
                ReportSnapshot.month == month, ReportSnapshot.method_version == version,
                sa.tuple_(ReportSnapshot.subject, ReportSnapshot.subject_id).in_(part))).all())
        rows = []
        for subject, subject_id in part:
            if (subject, subject_id) not in have:
                rows.append({"subject": subject, "subject_id": subject_id, "month": month, "method_version": version,
                             "payload": COMPUTE[subject](subject_id, now=now, minimum=minimum),
                             "computed_at": datetime.now(timezone.utc)})
            # End the read: on SQLite every transaction holds the write lock
            # (server/sqlite.py), and requests wait while it is held.
            db.session.rollback()
        if rows:
            db.session.execute(_insert_new(), rows)
        run.checkpoint(done=done + len(part))
        log.info("report snapshots chunk", extra={"job_id": run.job_id, "done": done + len(part),
                                                  "total": len(subjects)})


def _insert_new():
    """INSERT that leaves a release already stored as it is (ON CONFLICT DO NOTHING)."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[db.engine.dialect.name]
    return dialect.insert(ReportSnapshot).on_conflict_do_nothing(
        index_elements=["subject", "subject_id", "month", "method_version"])
