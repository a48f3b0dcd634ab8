from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.campaigns import api as campaigns_api
from server.campaigns import schemas
from server.http import auth, idempotency

bp = Blueprint("campaigns", __name__, url_prefix="/api/v1", description="Sponsors' campaigns")


def _with_funds(campaign):
    campaign.available_cents, campaign.risk_reserve_cents = campaigns_api.funds(campaign).values()
    return campaign


@bp.post("/campaigns")
@idempotency.idempotent(idempotency.member, required=False)
@bp.arguments(schemas.CampaignIn)
@bp.response(201, schemas.Campaign)
def create_campaign(body):
    user = auth.require_user()
    sponsor = accounts_api.get_organisation(body.pop("sponsor_id"))
    accounts_api.membership(user=user, organisation=sponsor)
    co_sponsors = [accounts_api.get_organisation(i) for i in body.pop("co_sponsor_ids")]
    # A sponsor is shown to students and may allocate the campaign's money: it joins
    # only through one of its own people, never by being named by another sponsor.
    for co_sponsor in co_sponsors:
        accounts_api.membership(user=user, organisation=co_sponsor)
    return _with_funds(campaigns_api.create_campaign(sponsor=sponsor, co_sponsors=co_sponsors, **body))


@bp.get("/campaigns/<int:campaign_id>")
@bp.response(200, schemas.Campaign)
def get_campaign(campaign_id):
    campaign = campaigns_api.get_campaign(campaign_id)
    campaigns_api.require_sponsor_member(user=auth.require_user(), campaign=campaign)
    return _with_funds(campaign)


@bp.get("/sponsors/<int:sponsor_id>/campaigns")
@bp.response(200, schemas.Campaign(many=True))
def list_campaigns(sponsor_id):
    user = auth.require_user()
    sponsor = accounts_api.get_organisation(sponsor_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=sponsor)
    return [_with_funds(c) for c in campaigns_api.campaigns_of(sponsor)]

