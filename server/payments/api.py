"""Top-up use cases. They flush, never commit."""
import logging
from datetime import datetime

import sqlalchemy as sa

from server.accounts.models import Organisation, User
from server.campaigns.models import Campaign
from server.documents import receipts
from server.errors import Conflict, InvalidInput, NotFound
from server.extensions import db
from server.ledger import api as ledger
from server.payments import reference
from server.payments.models import CANCELLED, CONFIRMED, PENDING, TopUp
from server.payments.providers import PROVIDERS

log = logging.getLogger(__name__)
MIN_TOPUP_CENTS, MAX_TOPUP_CENTS = 1_000, 10_000_000  # 10 euro .. 100,000 euro


def create_topup(*, campaign: Campaign, sponsor: Organisation, amount_cents: int,
                 provider: str = "sepa_transfer") -> TopUp:
    if not MIN_TOPUP_CENTS <= amount_cents <= MAX_TOPUP_CENTS:
        raise InvalidInput("La ricarica va da 10 a 100.000 euro.", code="invalid_amount", field="amount_cents",
                           params={"min_cents": MIN_TOPUP_CENTS, "max_cents": MAX_TOPUP_CENTS})
    if provider not in PROVIDERS:
        raise InvalidInput("Metodo di pagamento non disponibile.", code="unknown_provider", field="provider")
    topup = TopUp(campaign_id=campaign.id, sponsor_id=sponsor.id, amount_cents=amount_cents,
                  provider=provider, status=PENDING)
    db.session.add(topup)
    db.session.flush()
    topup.reference = reference.topup_reference(topup.id)  # needs the id: unique by construction
    db.session.flush()
    log.info("top-up created", extra={"topup_id": topup.id, "campaign_id": campaign.id})
    return topup


def get_topup(topup_id: int, *, for_update: bool = False) -> TopUp:
    select = sa.select(TopUp).filter_by(id=topup_id)
    if for_update:
        select = select.with_for_update()
    topup = db.session.scalar(select)
    if topup is None:
        raise NotFound("Ricarica non trovata.", code="topup_not_found")
    return topup


def reserve_cents(amount_cents: int, campaign: Campaign) -> int:
    """What a top-up sets aside in the campaign's risk account (the rest funds vouchers)."""
    return amount_cents * campaign.risk_reserve_bps // 10_000


def confirm_topup(*, topup: TopUp, operator: User, now: datetime) -> TopUp:
    """The money arrived: bank → sponsor → campaign, with the risk reserve set aside.

    Safe to repeat: the ledger transfers are idempotent by top-up id."""
    if topup.status == CONFIRMED:
        return topup
    if topup.status != PENDING:
        raise Conflict("Questa ricarica è stata annullata.", code="topup_cancelled")
    campaign = db.session.get(Campaign, topup.campaign_id)
    reserve = reserve_cents(topup.amount_cents, campaign)
    sponsor = ledger.account("sponsor", topup.sponsor_id)
    ledger.post(idempotency_key=f"topup:{topup.id}:received", kind="topup_received",
                entries=[(ledger.account("bank"), topup.amount_cents), (sponsor, -topup.amount_cents)])
    entries = [(sponsor, topup.amount_cents), (ledger.account("campaign", campaign.id), -(topup.amount_cents - reserve))]
    if reserve:
        entries.append((ledger.account("campaign_risk", campaign.id), -reserve))
    ledger.post(idempotency_key=f"topup:{topup.id}:funded", kind="campaign_funding", entries=entries)
    topup.status, topup.confirmed_at, topup.confirmed_by = CONFIRMED, now, operator.id
    db.session.flush()
    # Every way of confirming (the operator's button, the bank statement import) passes
    # here, so every confirmed top-up gets its numbered receipt in the same transaction.
    receipts.issue_receipt(topup=topup, now=now)
    log.info("top-up confirmed", extra={"topup_id": topup.id, "reserve_cents": reserve})
    return topup


def cancel_topup(*, topup: TopUp, user: User, now: datetime) -> TopUp:
    """The sponsor gave up on a pending transfer: it can no longer be confirmed (money
    arriving for it anyway is the operator's to decide on). Safe to repeat; 409
    `topup_confirmed` once the money arrived."""
    if topup.status == CANCELLED:
        return topup
    if topup.status == CONFIRMED:
        raise Conflict("Questa ricarica è già stata confermata.", code="topup_confirmed")
    topup.status, topup.cancelled_at, topup.cancelled_by = CANCELLED, now, user.id
    db.session.flush()
    log.info("top-up cancelled", extra={"topup_id": topup.id})
    return topup


def topups_of(campaign: Campaign) -> list[TopUp]:
    return list(db.session.scalars(sa.select(TopUp).filter_by(campaign_id=campaign.id).order_by(TopUp.id)))


def pending_topups() -> list[TopUp]:
    return list(db.session.scalars(sa.select(TopUp).filter_by(status=PENDING).order_by(TopUp.id)))
