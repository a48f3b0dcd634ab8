"""HTTP for the reports: who may see which, then one query each."""
from datetime import datetime, timezone

from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER, SCHOOL, STAFF, VENUE
from server.campaigns import api as campaigns_api
from server.errors import NotFound
from server.http import auth
from server.reports import api as reports_api
from server.reports import schemas
from server.reports import snapshots  # noqa: F401  (registers the snapshot job and its table)

bp = Blueprint("reports", __name__, url_prefix="/api/v1",
               description="Reports for venues, schools, sponsors (impact) and the operator")
VENUE_PEOPLE = (OWNER, MEMBER, STAFF)


def _now() -> datetime:
    """The clock the reports' periods are closed by (tests set it)."""
    return datetime.now(timezone.utc)


@bp.after_request
def _not_for_shared_caches(response):
    response.cache_control.private = True  # about one organisation: no proxy keeps a copy
    return response


def _organisation_for_member(organisation_id: int, kind: str, roles=(OWNER, MEMBER)):
    """The organisation, if the caller is one of its people and it is of that kind."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    accounts_api.membership(user=user, organisation=organisation, roles=roles)
    if organisation.kind != kind:
        raise NotFound("Organizzazione non trovata.", code="organisation_not_found")
    return organisation


@bp.get("/venues/<int:venue_id>/report")
@bp.arguments(schemas.VenueReportQuery, location="query")
@bp.response(200, schemas.VenueReport)
def venue_report(query, venue_id):
    """Redemptions, check-ins, bookings and what the venue is owed, in total and by
    event (venue owners, members and scanner staff). Distinct student counts below
    `min_cell` are null with `suppressed: true`."""
    venue = _organisation_for_member(venue_id, VENUE, roles=VENUE_PEOPLE)
    return reports_api.venue_report(venue=venue, now=_now(), **query)


@bp.get("/schools/<int:school_id>/report")
@bp.response(200, schemas.SchoolReport)
def school_report(school_id):
    """Vouchers allocated, codes issued, claimed, used and amount spent, per allocation
    and in total (school members)."""
    return reports_api.school_report(school=_organisation_for_member(school_id, SCHOOL))


@bp.get("/campaigns/<int:campaign_id>/impact")
@bp.response(200, schemas.CampaignImpact)
def campaign_impact(campaign_id):
    """What the campaign's money did (members of its sponsors, platform admins).
    Every figure about fewer than `min_cell` students is suppressed."""
    user = auth.require_user()
    campaign = campaigns_api.get_campaign(campaign_id)
    campaigns_api.require_sponsor_member(user=user, campaign=campaign)
    return reports_api.campaign_impact(campaign=campaign, now=_now())


@bp.get("/admin/overview")
@bp.response(200, schemas.PlatformOverview)
def overview():
    """Platform totals from the ledger, the books check, pending approvals and top-ups."""
    auth.require_admin()
    return reports_api.platform_overview()
