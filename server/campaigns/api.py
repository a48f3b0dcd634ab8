"""Campaign use cases. They flush, never commit."""
import logging
from datetime import date

import sqlalchemy as sa

from server.accounts import api as accounts_api
from server.accounts.models import SPONSOR, Organisation, User
from server.campaigns.exceptions import CampaignNotActive, CampaignNotFound, NotACampaignSponsor
from server.campaigns.models import ACTIVE, Campaign
from server.catalogue import taxonomy
from server.errors import InvalidInput
from server.extensions import db
from server.ledger import api as ledger
from server.onboarding import territory as territory_api
from signing.tokens import MAX_OFFLINE_ALLOWANCE_CENTS

log = logging.getLogger(__name__)
MIN_FACE_VALUE_CENTS, MAX_FACE_VALUE_CENTS = 100, 100_000  # 1 euro .. 1000 euro


def create_campaign(*, sponsor: Organisation, name: str, face_value_cents: int, offline_allowance_cents: int,
                    categories: list[str], valid_from: date, valid_until: date, territory: list[str] = (),
                    risk_reserve_bps: int = 200, description: str | None = None,
                    co_sponsors: list[Organisation] = ()) -> Campaign:
    if sponsor.kind != SPONSOR:
        raise InvalidInput("Solo uno sponsor crea campagne.", code="not_a_sponsor")
    if not MIN_FACE_VALUE_CENTS <= face_value_cents <= MAX_FACE_VALUE_CENTS:
        raise InvalidInput("Il valore del buono va da 1 a 1000 euro.", code="invalid_face_value",
                           field="face_value_cents",
                           params={"min_cents": MIN_FACE_VALUE_CENTS, "max_cents": MAX_FACE_VALUE_CENTS})
    most_offline = min(face_value_cents, MAX_OFFLINE_ALLOWANCE_CENTS)
    if not 0 <= offline_allowance_cents <= most_offline:
        raise InvalidInput("Il limite offline non può superare il valore del buono (né 655,35 euro).",
                           code="invalid_offline_allowance", field="offline_allowance_cents",
                           params={"max_cents": most_offline})
    if valid_until < valid_from:
        raise InvalidInput("La campagna deve finire dopo l'inizio.", code="invalid_dates", field="valid_until")
    if not categories:
        raise InvalidInput("Scegli almeno una categoria.", code="no_categories", field="categories")
    mask = 0
    for slug in categories:
        mask |= 1 << taxonomy.by_slug(slug).code
    if any(co.kind != SPONSOR or not co.is_approved for co in co_sponsors):
        raise InvalidInput("I co-sponsor devono essere sponsor approvati.", code="invalid_co_sponsor")
    campaign = Campaign(
        name=name.strip(), description=description, status=ACTIVE, face_value_cents=face_value_cents,
        offline_allowance_cents=offline_allowance_cents, risk_reserve_bps=risk_reserve_bps, category_mask=mask,
        territory=sorted({territory_api.area(item).key for item in territory}),
        valid_from=valid_from, valid_until=valid_until, sponsors=[sponsor, *co_sponsors],
    )
    db.session.add(campaign)
    db.session.flush()
    log.info("campaign created", extra={"campaign_id": campaign.id, "sponsor_id": sponsor.id})
    return campaign


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound("Campagna non trovata.")
    return campaign


def require_sponsor_member(*, user: User, campaign: Campaign) -> Organisation:
    """The approved sponsor of ``campaign`` that ``user`` acts for; admins act for the first."""
    if user.is_platform_admin:
        return campaign.sponsors[0]
    for sponsor in campaign.sponsors:
        try:
            accounts_api.membership(user=user, organisation=sponsor)
            return sponsor
        except accounts_api.exc.NotAMember:
            continue
    raise NotACampaignSponsor("Non sei sponsor di questa campagna.")


def require_active(campaign: Campaign, *, today: date) -> None:
    if campaign.status != ACTIVE or today > campaign.valid_until:
        raise CampaignNotActive("La campagna non è attiva.")


def campaigns_of(sponsor: Organisation) -> list[Campaign]:
    return list(db.session.scalars(
        sa.select(Campaign).where(Campaign.sponsors.contains(sponsor)).order_by(Campaign.id)))


def funds(campaign: Campaign) -> dict:
    """What a campaign holds now, from the ledger."""
    return {
        "available_cents": ledger.account("campaign", campaign.id).balance_cents,
        "risk_reserve_cents": ledger.account("campaign_risk", campaign.id).balance_cents,
    }
