"""HTTP for documents: venue statements and sponsor receipts, as files to download."""
from flask import Response, current_app
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER
from server.campaigns import api as campaigns_api
from server.documents import receipts, schemas, statements
from server.http import auth
from server.payments import api as payments_api
from server.settlement import api as settlement_api

bp = Blueprint("documents", __name__, url_prefix="/api/v1",
               description="Documents: venue payout statements and sponsor receipts")

PDF, CSV = "application/pdf", "text/csv"


@bp.after_request
def _not_for_shared_caches(response):
    response.cache_control.private = True  # one organisation's money: no proxy keeps a copy
    return response


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/payouts/<int:payout_id>/statement.<any(pdf, csv):fmt>")
@bp.response(200, description="application/pdf, or text/csv (semicolons, comma decimals, UTF-8 with BOM)")
def payout_statement(payout_id, fmt):
    """A payout's statement: every line (date in Italy, event or door category, amount),
    the total, the transfer's reference and the IBAN paid into (masked). The venue's
    owners and members, and platform admins (scanner staff do not see money)."""
    user = auth.require_user()
    payout = settlement_api.get_payout(payout_id)
    venue = accounts_api.get_organisation(payout.venue_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=venue, roles=(OWNER, MEMBER))
    if fmt == "csv":
        return _download(statements.statement_csv(payout, venue), f"{CSV}; charset=utf-8",
                         statements.filename(payout, "csv"))
    issuer = current_app.config["PLATFORM_NAME"]
    return _download(statements.statement_pdf(payout, venue, issuer=issuer), PDF, statements.filename(payout, "pdf"))


@bp.get("/topups/<int:topup_id>/receipt.pdf")
@bp.response(200, description="application/pdf")
def topup_receipt(topup_id):
    """The numbered receipt of a confirmed top-up (the sponsor's members, platform
    admins); 409 `topup_not_confirmed` while the money has not arrived."""
    user = auth.require_user()
    topup = payments_api.get_topup(topup_id)
    if not user.is_platform_admin:
        campaigns_api.require_sponsor_member(user=user, campaign=campaigns_api.get_campaign(topup.campaign_id))
    receipt = receipts.receipt_of(topup)
    return _download(receipts.receipt_pdf(receipt), PDF, receipts.filename(receipt))


@bp.get("/sponsors/<int:sponsor_id>/receipts")
@bp.response(200, schemas.Receipt(many=True))
def sponsor_receipts(sponsor_id):
    """A sponsor's receipts, newest first (its members, platform admins)."""
    user = auth.require_user()
    sponsor = accounts_api.get_organisation(sponsor_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=sponsor)
    return receipts.receipts_of(sponsor.id)
