"""HTTP for settlement: the operator runs, exports and confirms; venues see their payouts."""
from datetime import datetime, timezone

from flask import Response
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER, VENUE
from server.errors import NotFound
from server.http import auth, idempotency
from server.http import jobs as http_jobs
from server.jobs import schemas as jobs_schemas
from server.settlement import api as settlement_api
from server.settlement import jobs as run_jobs  # also registers the settlement.run job
from server.settlement import schemas, views

bp = Blueprint("settlement", __name__, url_prefix="/api/v1",
               description="Settlement: paying venues what was redeemed and booked at them")


def _now() -> datetime:
    return datetime.now(timezone.utc)


@bp.post("/admin/settlement-runs")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.RunIn)
@bp.response(201, schemas.RunDetail)
@bp.alt_response(202, schema=schemas.RunJob, description="more venues owed than SETTLEMENT_INLINE_MAX, or "
                                                         "`Prefer: respond-async`: a job computes the run "
                                                         "(GET /jobs/<id> for its progress; Location names it)")
def create_run(body):
    """Close the period up to `cut_off` (inclusive): one payout per venue owed anything,
    venues without an approved IBAN skipped, open anomalies held back. A big run is
    computed by a job (202): the run is `computing` until it is done, and no other
    run starts meanwhile (409 `settlement_run_in_progress`)."""
    operator = auth.require_admin()
    cut_off, now = settlement_api.cut_off_instant(body["cut_off"]), _now()
    if http_jobs.prefers_async() or settlement_api.owed_venue_count() > run_jobs.inline_max():
        run, job = run_jobs.start(cut_off=cut_off, created_by=operator.id, now=now)
        return http_jobs.accepted(schemas.RunJob().dump({**jobs_schemas.job_view(job), "run_id": run.id}), job.id)
    run = settlement_api.run_settlement(cut_off=cut_off, created_by=operator.id, now=now)
    return views.run_detail(run)


@bp.get("/admin/settlement-runs")
@bp.response(200, schemas.Run(many=True))
def list_runs():
    auth.require_admin()
    return views.run_summaries(settlement_api.list_runs())


@bp.get("/admin/settlement-runs/<int:run_id>")
@bp.response(200, schemas.RunDetail)
def get_run(run_id):
    auth.require_admin()
    return views.run_detail(settlement_api.get_run(run_id))


@bp.get("/admin/settlement-runs/<int:run_id>/pain.001.xml")
@bp.response(200)
def pain_file(run_id):
    """The SEPA credit transfer file (pain.001) for the bank. The first download marks
    the run exported; every download is the same file."""
    auth.require_admin()
    xml = settlement_api.export_pain(settlement_api.get_run(run_id), now=_now())
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="mentoring-pagamenti-{run_id}.xml"',
        "Cache-Control": "no-store"})


@bp.post("/admin/settlement-runs/<int:run_id>/confirm-paid")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.PaidIn)
@bp.response(200, schemas.RunDetail)
def confirm_run_paid(body, run_id):
    """The operator saw the whole file paid: every exported payout becomes paid."""
    auth.require_admin()
    run = settlement_api.confirm_run_paid(settlement_api.get_run(run_id), now=_now(), **body)
    return views.run_detail(run)


@bp.post("/admin/payouts/<int:payout_id>/confirm-paid")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.PaidIn)
@bp.response(200, schemas.PayoutWithLines)
def confirm_payout_paid(body, payout_id):
    auth.require_admin()
    payout = settlement_api.mark_payout_paid(settlement_api.get_payout(payout_id), now=_now(), **body)
    return views.payout(payout, with_lines=True)


@bp.get("/admin/settlement-holds")
@bp.arguments(schemas.HoldsQuery, location="query")
@bp.response(200, schemas.Hold(many=True))
def list_holds(query):
    auth.require_admin()
    return views.holds(settlement_api.holds(**query))


@bp.post("/admin/settlement-holds")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.HoldIn)
@bp.response(201, schemas.Hold)
def hold_line(body):
    """Keep an unpaid line out of runs, with the reason."""
    operator = auth.require_admin()
    (hold,) = views.holds([settlement_api.hold_line(by=operator.id, now=_now(), **body)])
    return hold


@bp.post("/admin/settlement-holds/<int:hold_id>/release")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.ReleaseIn)
@bp.response(200, schemas.Hold)
def release_hold(body, hold_id):
    """Let a held line into the next run."""
    operator = auth.require_admin()
    (hold,) = views.holds([settlement_api.release_hold(hold_id=hold_id, by=operator.id, now=_now(), **body)])
    return hold


@bp.get("/admin/venues/<int:venue_id>/settlement-lines")
@bp.response(200, schemas.UnpaidLine(many=True))
def unpaid_lines(venue_id):
    """A venue's lines no payout has yet (the newest 500), held or not: what the operator may hold."""
    auth.require_admin()
    return settlement_api.unpaid_lines(venue_id)


def _venue_for_member(venue_id: int):
    user = auth.require_user()
    venue = accounts_api.get_organisation(venue_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=venue, roles=(OWNER, MEMBER))
    if venue.kind != VENUE:
        raise NotFound("Organizzazione non trovata.", code="organisation_not_found")
    return venue


@bp.get("/venues/<int:venue_id>/payouts")
@bp.response(200, schemas.Payout(many=True))
def venue_payouts(venue_id):
    """What the venue was paid, run by run (owners and members; scanner staff do not see money)."""
    venue = _venue_for_member(venue_id)
    return [views.payout(p) for p in settlement_api.payouts_of_venue(venue.id)]


@bp.get("/payouts/<int:payout_id>")
@bp.response(200, schemas.PayoutWithLines)
def get_payout(payout_id):
    """One payout with its lines: the venue statement's content."""
    user = auth.require_user()
    payout = settlement_api.get_payout(payout_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=accounts_api.get_organisation(payout.venue_id),
                                roles=(OWNER, MEMBER))
    return views.payout(payout, with_lines=True)

