from datetime import datetime, timezone

from flask import current_app
from flask_smorest import Blueprint

from server import keys
from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER, STAFF
from server.extensions import limiter
from server.http import auth, idempotency, throttle
from server.door import bundle, enrolment, flags as door_flags, schemas, sync as door_sync
from server.door import typed as door_typed, typed_code as door_typed_code

bp = Blueprint("scanners", __name__, url_prefix="/api/v1", description="Scanner devices, offline bundle, sync")
VENUE_PEOPLE = (OWNER, MEMBER, STAFF)


def _now():
    return datetime.now(timezone.utc)


@bp.post("/venues/<int:venue_id>/scanners")
@idempotency.idempotent(idempotency.member, required=False)
@bp.arguments(schemas.EnrollIn)
@bp.response(201, schemas.Scanner)
def enroll(body, venue_id):
    """Enroll this phone as a scanner of the venue (its key signs every decision)."""
    user = auth.require_user()
    venue = accounts_api.get_organisation(venue_id)
    accounts_api.membership(user=user, organisation=venue, roles=VENUE_PEOPLE)
    return enrolment.enroll(venue=venue, user=user, public_key_hex=body["public_key"], label=body["label"],
                               now=_now())


@bp.get("/venues/<int:venue_id>/scanners")
@bp.response(200, schemas.Scanner(many=True))
def list_scanners(venue_id):
    """The venue's scanner phones, for its owners and members (door staff only scan)."""
    venue = accounts_api.get_organisation(venue_id)
    accounts_api.membership(user=auth.require_user(), organisation=venue, roles=(OWNER, MEMBER))
    return enrolment.venue_scanners(venue)


@bp.post("/venues/<int:venue_id>/scanners/<int:scanner_id>/retire")
@bp.response(200, schemas.Scanner)
def retire(venue_id, scanner_id):
    """Retire a lost or replaced phone: what it recorded until now still syncs and is paid;
    anything it dates later is rejected, and it gets no new offline bundle."""
    venue = accounts_api.get_organisation(venue_id)
    accounts_api.membership(user=auth.require_user(), organisation=venue, roles=(OWNER, MEMBER))
    return enrolment.retire(venue=venue, scanner_id=scanner_id, now=_now())


@bp.get("/scanners/<int:scanner_id>/bootstrap")
@bp.arguments(schemas.BootstrapQuery, location="query")
@bp.response(200, schemas.Bootstrap)
def bootstrap(query, scanner_id):
    """Everything the scanner needs offline. Call with the last `since` to get only new revocations."""
    user = auth.require_user()
    scanner = enrolment.get_scanner(scanner_id)
    accounts_api.membership(user=user, organisation=accounts_api.get_organisation(scanner.venue_id),
                            roles=VENUE_PEOPLE)
    return bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=query["since"], now=_now())


@bp.post("/scanners/<int:scanner_id>/sync")
@limiter.limit(throttle.SYNC_PER_ADDRESS)
@limiter.limit(throttle.SYNCS_PER_SCANNER, key_func=throttle.scanner_in_path)
@bp.arguments(schemas.SyncIn)
@bp.response(200, schemas.SyncResult)
def sync(body, scanner_id):
    """Offline decisions, signed by the scanner. No login needed: each record proves its
    scanner, and the staff session may have expired during a long shift offline."""
    return door_sync.sync(scanner_id=scanner_id, records=body["records"], since=body.get("since"),
                          keys=keys.public_keyset(), now=_now(),
                          max_skew_seconds=current_app.config["PRESENTATION_MAX_SKEW_SECONDS"])


@bp.post("/scanners/<int:scanner_id>/typed-code")
@limiter.limit(throttle.SYNC_PER_ADDRESS)
@limiter.limit(throttle.TYPED_CODES_PER_SCANNER, key_func=throttle.scanner_in_path)
@bp.arguments(schemas.TypedCodeIn)
@bp.response(200, schemas.TypedCodeResult)
def typed_code(body, scanner_id):
    """A door code typed when the camera cannot read the QR, checked by the server at
    once and paid like a synced scan. No login: the record proves its scanner."""
    return door_typed.redeem_typed(scanner_id=scanner_id, record_text=body["record"],
                                   secret=door_typed_code.door_secret(current_app.secret_key), now=_now(),
                                   max_skew_seconds=current_app.config["PRESENTATION_MAX_SKEW_SECONDS"])


@bp.get("/admin/flags")
@bp.response(200, schemas.Flag(many=True))
def flags():
    """Records the operator should look at: overspend (the scan that crossed the balance,
    with every redemption of that voucher), rule-breaking scanners, double check-ins."""
    auth.require_admin()
    return door_flags.flagged_records()
