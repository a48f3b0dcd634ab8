from datetime import datetime, timezone

from flask import current_app, url_for
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.http import auth, idempotency
from server.recovery import api as recovery_api
from server.recovery import schemas
from server.vouchers import claim_codes

bp = Blueprint("recovery", __name__, url_prefix="/api/v1",
               description="Recovery of a lost phone's voucher; the operator's decisions on frozen vouchers")


def _now():
    return datetime.now(timezone.utc)


def _school_for_member(school_id):
    school = accounts_api.get_organisation(school_id)
    accounts_api.membership(user=auth.require_user(), organisation=school)
    return school


@bp.get("/schools/<int:school_id>/vouchers")
@bp.response(200, schemas.SchoolCards)
def school_cards(school_id):
    """The school's claimed cards by number and state (active, spent, suspended, recovering,
    recovered, resolved), with counts. No student identity: numbers and counts only."""
    return recovery_api.school_cards(_school_for_member(school_id))


@bp.post("/schools/<int:school_id>/allocations/<int:allocation_id>/cards/<int:card_number>/recovery")
@idempotency.idempotent(idempotency.member, required=True)
@bp.response(201, schemas.RecoveryCode)
def start_recovery(school_id, allocation_id, card_number):
    """A student lost the phone: the card's voucher is revoked now and a one-time recovery
    code is returned (shown once) for the student's new wallet, which gets the balance."""
    school = _school_for_member(school_id)
    code = recovery_api.start(school=school, allocation_id=allocation_id, card_number=card_number,
                              user=auth.require_user(), secret=current_app.secret_key, now=_now())
    base = url_for("pwa.index", _external=True).rstrip("/")
    return {"card_number": card_number, "code": code, "link": claim_codes.deep_link(base, code)}


@bp.post("/admin/vouchers/<int:voucher_id>/decision")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.VoucherDecisionIn)
@bp.response(201, schemas.VoucherDecision)
def decide(body, voucher_id):
    """The operator closes an anomaly on a frozen voucher: unfreeze (with a note) or keep
    it frozen for a recovery."""
    user = auth.require_admin()
    made = recovery_api.decide(voucher_id=voucher_id, decision=body["decision"], note=body["note"], user=user,
                               now=_now())
    return {"voucher_id": made.voucher_id, "decision": made.decision, "note": made.note,
            "decided_at": made.decided_at}
