from datetime import datetime, timezone

from flask import Response, url_for
from flask_smorest import Blueprint

from server.campaigns import api as campaigns_api
from server.http import auth, idempotency
from server.payments import api as payments_api
from server.payments import schemas
from server.payments.models import CONFIRMED, TopUp
from server.payments.providers import PROVIDERS

bp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Top-ups: sponsors pay into campaigns")


def _authorised_topup(topup_id: int) -> TopUp:
    user = auth.require_user()
    topup = payments_api.get_topup(topup_id)
    if not user.is_platform_admin:
        campaigns_api.require_sponsor_member(user=user, campaign=campaigns_api.get_campaign(topup.campaign_id))
    return topup


def _with_instructions(topup: TopUp) -> TopUp:
    campaign = campaigns_api.get_campaign(topup.campaign_id)
    topup.risk_reserve_bps = campaign.risk_reserve_bps
    topup.reserve_cents = payments_api.reserve_cents(topup.amount_cents, campaign)
    topup.campaign_cents = topup.amount_cents - topup.reserve_cents
    topup.receipt_pdf_url = (url_for("documents.topup_receipt", topup_id=topup.id)
                             if topup.status == CONFIRMED else None)
    topup.instructions = {
        **PROVIDERS[topup.provider].instructions(topup),
        "qr_png_url": url_for("payments.topup_qr", topup_id=topup.id, fmt="png"),
        "qr_svg_url": url_for("payments.topup_qr", topup_id=topup.id, fmt="svg"),
    }
    return topup


@bp.post("/campaigns/<int:campaign_id>/topups")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.TopUpIn)
@bp.response(201, schemas.TopUpWithInstructions)
def create_topup(body, campaign_id):
    """Start a top-up from the phone: returns SEPA details and the EPC QR for banking apps."""
    campaign = campaigns_api.get_campaign(campaign_id)
    sponsor = campaigns_api.require_sponsor_member(user=auth.require_user(), campaign=campaign)
    campaigns_api.require_active(campaign, today=datetime.now(timezone.utc).date())
    return _with_instructions(payments_api.create_topup(campaign=campaign, sponsor=sponsor, **body))


@bp.get("/topups/<int:topup_id>")
@bp.response(200, schemas.TopUpWithInstructions)
def get_topup(topup_id):
    return _with_instructions(_authorised_topup(topup_id))


@bp.get("/topups/<int:topup_id>/qr.<any(png, svg):fmt>")
@bp.response(200)
def topup_qr(topup_id, fmt):
    """The EPC ("GiroCode") QR of a top-up, for a banking app to scan."""
    topup = _authorised_topup(topup_id)
    provider = PROVIDERS[topup.provider]
    if fmt == "png":
        return Response(provider.qr_png(topup), mimetype="image/png")
    return Response(provider.qr_svg(topup), mimetype="image/svg+xml")


@bp.post("/topups/<int:topup_id>/cancel")
@idempotency.idempotent(idempotency.member, required=True)
@bp.response(200, schemas.TopUp)
def cancel_topup(topup_id):
    """The sponsor gives up on a transfer not yet confirmed (the sponsor's members): it
    can no longer be confirmed. 409 `topup_confirmed` once the money arrived."""
    user = auth.require_user()
    topup = payments_api.get_topup(topup_id, for_update=True)
    campaigns_api.require_sponsor_member(user=user, campaign=campaigns_api.get_campaign(topup.campaign_id))
    return payments_api.cancel_topup(topup=topup, user=user, now=datetime.now(timezone.utc))


@bp.get("/campaigns/<int:campaign_id>/topups")
@bp.response(200, schemas.TopUp(many=True))
def list_topups(campaign_id):
    campaign = campaigns_api.get_campaign(campaign_id)
    campaigns_api.require_sponsor_member(user=auth.require_user(), campaign=campaign)
    return payments_api.topups_of(campaign)


@bp.get("/admin/topups")
@bp.response(200, schemas.TopUp(many=True))
def pending_topups():
    auth.require_admin()
    return payments_api.pending_topups()


@bp.post("/admin/topups/<int:topup_id>/confirm")
@idempotency.idempotent(idempotency.member, required=True)
@bp.response(200, schemas.TopUp)
def confirm_topup(topup_id):
    """The transfer is on the bank statement: credit the campaign (idempotent)."""
    operator = auth.require_admin()
    topup = payments_api.get_topup(topup_id, for_update=True)
    return payments_api.confirm_topup(topup=topup, operator=operator, now=datetime.now(timezone.utc))
