from datetime import datetime, timezone

from flask import Response, current_app, url_for
from flask_smorest import Blueprint

from server import keys
from server.accounts import api as accounts_api
from server.campaigns import api as campaigns_api
from server.catalogue import taxonomy
from server.door import typed as door_api
from server.errors import InvalidInput
from server.extensions import db, limiter
from server.http import auth, idempotency, throttle
from server.http import jobs as http_jobs
from server.jobs import issuance as issuance_jobs
from server.jobs import schemas as jobs_schemas
from server.recovery import api as recovery_api
from server.vouchers import api as vouchers_api
from server.vouchers import cards, claim_codes, history, schemas
from server.vouchers.models import Allocation
from signing import device

# More device keys than this in one request are issued by a job (server/jobs/issuance.py).
DIRECT_IN_REQUEST = 1_000

bp = Blueprint("vouchers", __name__, url_prefix="/api/v1", description="Allocations, claim codes, wallet vouchers")


def _now():
    return datetime.now(timezone.utc)


def _allocation_view(allocation: Allocation) -> dict:
    """The allocation as the school and the sponsor made it, and the room a request has
    in it now: what queued issuance jobs hold is not on offer (server/vouchers/README.md).
    How many were claimed and used is about students: only the school report shows it,
    suppressed below min_cell (server/reports)."""
    campaign = campaigns_api.get_campaign(allocation.campaign_id)
    held = vouchers_api.held_by_jobs(allocation)
    return {**{c: getattr(allocation, c) for c in ("id", "campaign_id", "school_id", "voucher_count",
                                                   "face_value_cents", "codes_issued")},
            "campaign_name": campaign.name, "held_by_jobs": held,
            "room": max(vouchers_api.room(allocation, held=held), 0)}


def _voucher_view(voucher, credential=None) -> dict:
    campaign = campaigns_api.get_campaign(voucher.campaign_id)
    balance = vouchers_api.balance(voucher)
    status, status_reason = recovery_api.wallet_status(voucher, balance)
    return {
        "id": voucher.id, "campaign_id": campaign.id, "campaign_name": campaign.name,
        "sponsors": [s.name for s in campaign.sponsors], "face_value_cents": voucher.face_value_cents,
        "balance_cents": balance, "status": status, "status_reason": status_reason,
        "categories": [taxonomy.by_code(code).slug for code in campaign.category_codes],
        "campaign_valid_until": campaign.valid_until, "credential": credential,
        "credential_valid_until": voucher.credential_valid_until,
        # With each credential, the key of the typed door code under its QR (door.typed_code):
        # never in lists, so a stored copy is not overwritten with nothing.
        **({"door_code_key": door_api.door_code_key(voucher).hex()} if credential else {}),
    }


@bp.post("/campaigns/<int:campaign_id>/allocations")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.AllocationIn)
@bp.response(201, schemas.Allocation)
def allocate(body, campaign_id):
    """Give vouchers of the campaign to a school (sponsor members or platform admins)."""
    campaign = campaigns_api.get_campaign(campaign_id)
    campaigns_api.require_sponsor_member(user=auth.require_user(), campaign=campaign)
    school = accounts_api.get_organisation(body["school_id"])
    allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=body["voucher_count"],
                                       today=_now().date())
    return _allocation_view(allocation)


def _school_for_member(school_id):
    school = accounts_api.get_organisation(school_id)
    accounts_api.membership(user=auth.require_user(), organisation=school)
    return school


@bp.get("/schools/<int:school_id>/allocations")
@bp.response(200, schemas.Allocation(many=True))
def school_allocations(school_id):
    school = _school_for_member(school_id)
    allocations = db.session.scalars(db.select(Allocation).filter_by(school_id=school.id).order_by(Allocation.id))
    return [_allocation_view(a) for a in allocations]


@bp.post("/schools/<int:school_id>/allocations/<int:allocation_id>/codes")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.CodesIn)
@bp.response(201, schemas.Codes)
def issue_codes(body, school_id, allocation_id):
    """Generate claim codes to print for a class. They are shown only now."""
    school = _school_for_member(school_id)
    allocation = vouchers_api.get_allocation(allocation_id, school=school, for_update=True)
    first = allocation.codes_issued + 1  # the i-th code is card number first + i
    codes = vouchers_api.issue_codes(allocation=allocation, count=body["count"], secret=current_app.secret_key)
    return _codes_view([cards.Card(first + i, code) for i, code in enumerate(codes)])


def _base_url() -> str:
    return url_for("pwa.index", _external=True).rstrip("/")


def _codes_view(issued: list) -> dict:
    base = _base_url()
    return {"codes": [{"serial": card.serial, "code": card.code, "link": claim_codes.deep_link(base, card.code)}
                      for card in issued]}


@bp.post("/schools/<int:school_id>/allocations/<int:allocation_id>/codes/reissue")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.ReissueIn)
@bp.response(201, schemas.Codes)
def reissue_codes(body, school_id, allocation_id):
    """Void the codes of lost cards (by card number) and give those cards new codes,
    shown only now. The same vouchers: no money moves; the old codes are refused with
    409 `claim_code_voided`. 409 `cards_already_claimed` names cards a student already
    used; 422 `unknown_cards` numbers that are no card of the allocation."""
    school = _school_for_member(school_id)
    allocation = vouchers_api.get_allocation(allocation_id, school=school, for_update=True)
    issued = cards.reissue(allocation=allocation, serials=body["serials"], secret=current_app.secret_key,
                           now=_now())
    return _codes_view(issued)


@bp.post("/schools/<int:school_id>/allocations/<int:allocation_id>/cards.<any(pdf, csv):fmt>")
@bp.arguments(schemas.CardsIn)
@bp.response(200, description="application/pdf (A4, eight cards a page), or text/csv (semicolons, UTF-8 with BOM)")
def card_sheet(body, school_id, allocation_id, fmt):
    """The cards of codes this school was given, as a PDF to print or a CSV. The codes
    are posted back from the answer that issued them (the server keeps only their
    HMACs), checked against the allocation (422 `card_code_mismatch`, 409
    `claim_code_voided`) and forgotten: nothing is stored, the answer is not cached."""
    school = _school_for_member(school_id)
    allocation = vouchers_api.get_allocation(allocation_id, school=school)
    checked = cards.checked_cards(allocation=allocation, posted=body["cards"], secret=current_app.secret_key)
    campaign = campaigns_api.get_campaign(allocation.campaign_id)
    sheet = cards.Sheet(campaign=campaign.name, sponsors=", ".join(s.name for s in campaign.sponsors),
                        face_value_cents=allocation.face_value_cents, valid_until=campaign.valid_until,
                        school=school.name, label=body["label"].strip(), base_url=_base_url())
    if fmt == "csv":
        response = Response(cards.cards_csv(sheet, checked), mimetype="text/csv; charset=utf-8")
    else:
        response = Response(cards.cards_pdf(sheet, checked, issuer=current_app.config["PLATFORM_NAME"]),
                            mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{cards.filename(allocation, fmt)}"'
    response.headers["Cache-Control"] = "no-store"  # plain codes: no cache keeps a copy
    return response


@bp.post("/schools/<int:school_id>/allocations/<int:allocation_id>/direct")
@idempotency.idempotent(idempotency.member, required=True)
@bp.arguments(schemas.DirectIn)
@bp.response(201, schemas.DirectOut)
@bp.alt_response(202, schema=jobs_schemas.Job, description="more than 1,000 keys, or `Prefer: respond-async`: "
                                                           "a job issues them (GET /jobs/<id> for its progress; "
                                                           "Location names it)")
def issue_direct(body, school_id, allocation_id):
    """Issue vouchers straight to students' wallets (their device keys, scanned in class).
    Up to 1,000 at once in the answer; more (or any number with `Prefer:
    respond-async`) are issued by a background job, in chunks, and the answer (202) is
    the job to follow; wallets fetch their credentials themselves."""
    user = auth.require_user()
    school = _school_for_member(school_id)
    allocation = vouchers_api.get_allocation(allocation_id, school=school, for_update=True)
    try:
        device_keys = [device.compress(bytes.fromhex(key)) for key in body["device_keys"]]
    except ValueError:
        raise InvalidInput("Una chiave di dispositivo non è valida.", code="invalid_device_key",
                           field="device_keys") from None
    if len(device_keys) > DIRECT_IN_REQUEST or http_jobs.prefers_async():
        job = issuance_jobs.enqueue_direct(parts=[(allocation, device_keys)], created_by=user.id,
                                           organisation_id=school.id)
        return http_jobs.accepted(jobs_schemas.Job().dump(jobs_schemas.job_view(job)), job.id)
    issued = vouchers_api.issue_direct(allocation=allocation, device_keys=device_keys, keyset=keys.issuer_keyset(),
                                       now=_now())
    return {"vouchers": [{"voucher_id": voucher_id, "credential": text} for voucher_id, text in issued]}


@bp.post("/wallet/claims")
@limiter.limit(throttle.CLASSROOM_PER_ADDRESS)
@limiter.limit(throttle.CLAIMS_PER_WALLET, key_func=throttle.requesting_wallet)
@idempotency.idempotent(idempotency.wallet, required=True)
@bp.arguments(schemas.ClaimIn)
@bp.response(201, schemas.Voucher)
def claim(body):
    """Claim a voucher with a school code; answers with its first signed credential."""
    wallet = auth.require_wallet()
    voucher = vouchers_api.claim(wallet=wallet, code_text=body["code"], secret=current_app.secret_key,
                                 today=_now().date())
    credential = vouchers_api.credential(voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(), now=_now())
    return _voucher_view(voucher, credential)


@bp.get("/wallet/vouchers")
@bp.response(200, schemas.Voucher(many=True))
def wallet_vouchers():
    return [_voucher_view(v) for v in vouchers_api.vouchers_of(auth.require_wallet())]


@bp.get("/wallet/history")
@bp.response(200, schemas.History)
def wallet_history():
    """Money into and out of this wallet's vouchers, newest first: claims, bookings,
    refunds of cancelled bookings and redemptions at the door (the latest 200)."""
    return {"entries": history.wallet_history(auth.require_wallet())}


@bp.post("/wallet/vouchers/<int:voucher_id>/credential")
@bp.response(200, schemas.Voucher)
def refresh_credential(voucher_id):
    """Re-issue the credential: new validity, the allowance the balance allows now."""
    wallet = auth.require_wallet()
    voucher = vouchers_api.wallet_voucher(wallet=wallet, voucher_id=voucher_id)
    credential = vouchers_api.credential(voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(), now=_now())
    return _voucher_view(voucher, credential)


@bp.get("/issuer-keys")
@bp.response(200)
def issuer_keys():
    """The public issuer keyset (JWK Set, RFC 8037) that scanners and wallets verify with."""
    response = current_app.response_class(
        current_app.json.dumps(keys.public_keyset().to_jwks()), mimetype="application/jwk-set+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
