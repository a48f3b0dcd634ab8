"""HTTP for a student's thanks: the wallet (bearer token) thanks for its own used voucher."""
from datetime import datetime, timezone

from flask_smorest import Blueprint

from server.http import auth
from server.thanks import api as thanks_api
from server.thanks import schemas
from server.vouchers import api as vouchers_api

bp = Blueprint("thanks", __name__, url_prefix="/api/v1/wallet", description="Students' thanks to the sponsors")


@bp.post("/vouchers/<int:voucher_id>/thanks")
@bp.arguments(schemas.ThanksIn)
@bp.response(201, schemas.Thanks)
def send_thanks(body, voucher_id):
    """Thank the sponsors with one of the preset choices, once per voucher, after it was
    used. Another wallet's voucher is not found."""
    voucher = vouchers_api.wallet_voucher(wallet=auth.require_wallet(), voucher_id=voucher_id)
    return thanks_api.send(voucher=voucher, choice=body["choice"], now=datetime.now(timezone.utc))


@bp.get("/vouchers/<int:voucher_id>/thanks")
@bp.response(200, schemas.ThanksState)
def thanks_state(voucher_id):
    """Whether the voucher page shows the thanks buttons (used, none sent yet) or the
    confirmation of the thanks sent."""
    voucher = vouchers_api.wallet_voucher(wallet=auth.require_wallet(), voucher_id=voucher_id)
    sent = thanks_api.sent_for(voucher)
    return {"used": thanks_api.was_used(voucher), "choice": sent.choice if sent else None,
            "choices": list(thanks_api.SLUGS)}
