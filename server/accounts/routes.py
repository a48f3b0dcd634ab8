"""HTTP for people, organisations and wallets: parse, call one use case, shape the answer."""
import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app, request
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts import iban_changes
from server.accounts import schemas
from server.accounts.models import OWNER, Organisation
from server.extensions import db, limiter
from server.http import auth, idempotency, throttle

bp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Login, organisations, wallets")
log = logging.getLogger(__name__)

LOGIN_LIMIT = throttle.LOGIN_PER_ADDRESS
MAGIC_LINK_SENT = ("Se l'indirizzo appartiene a un account, ti abbiamo inviato un link per accedere: "
                   "controlla la posta.")


def _now():
    return datetime.now(timezone.utc)


def _session(user, *, now=None):
    now = now or _now()
    accounts_api.record_login(user=user, now=now)
    csrf = auth.log_in(user, now=now)
    return {"user": user, "csrf_token": csrf}


# Password attempts on one account, wherever they come from (login and password change
# count together): server/http/throttle.py.
_per_account = limiter.shared_limit(throttle.ATTEMPTS_PER_ACCOUNT, scope=throttle.ACCOUNT_SCOPE,
                                    key_func=throttle.requested_account, on_breach=throttle.account_locked)
_per_current_account = limiter.shared_limit(throttle.ATTEMPTS_PER_ACCOUNT, scope=throttle.ACCOUNT_SCOPE,
                                            key_func=throttle.current_account, on_breach=throttle.account_locked)


def _public_base_url() -> str:
    """Where mailed links point. Set PUBLIC_BASE_URL in production: the request's Host
    header is chosen by the client, and a link to another host would hand it the token."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    if not (current_app.config.get("DEVELOPMENT") or current_app.testing):
        log.warning("PUBLIC_BASE_URL is not set: mailed links use the request's host")
    return request.host_url


@bp.post("/auth/register")
@limiter.limit(LOGIN_LIMIT)
@bp.arguments(schemas.Credentials)
@bp.response(201, schemas.Session)
def register(body):
    """Create a member account (then register or join an organisation)."""
    return _session(accounts_api.create_user(email=body["email"], password=body["password"]))


@bp.post("/auth/login")
@limiter.limit(LOGIN_LIMIT)
@_per_account
@bp.arguments(schemas.Credentials)
@bp.response(200, schemas.Session)
def login(body):
    """429 `too_many_requests` past 10 attempts a minute from one address, or 10 in 15
    minutes on one account from anywhere (its owner is told by mail; a mailed login link
    still works)."""
    return _session(accounts_api.authenticate(email=body["email"], password=body["password"]))


@bp.post("/auth/logout")
@bp.response(204)
def logout():
    """End this browser's session, on the server too."""
    auth.log_out()


@bp.post("/auth/password")
@limiter.limit(LOGIN_LIMIT)
@_per_current_account
@bp.arguments(schemas.PasswordChange)
@bp.response(200, schemas.Session)
def change_password(body):
    """Change the password (the current one is asked again). Every session of the person
    ends, on every browser; this one gets a new session and CSRF token in the answer."""
    user = accounts_api.change_password(user=auth.require_user(), current_password=body["current_password"],
                                        new_password=body["new_password"])
    return _session(user)


@bp.post("/auth/magic-link")
@limiter.limit(LOGIN_LIMIT)
@limiter.limit(throttle.MAGIC_LINKS_PER_ADDRESS_ASKED, key_func=throttle.requested_inbox)
@bp.arguments(schemas.MagicLinkIn)
@bp.response(202, schemas.MagicLinkSent)
def request_magic_link(body):
    """Mail a one-time login link (valid 15 minutes) to a member. The answer is the
    same whether or not the address has an account."""
    accounts_api.request_magic_link(email=body["email"], base_url=_public_base_url(),
                                    secret_key=current_app.secret_key, now=_now())
    return {"detail": MAGIC_LINK_SENT, "expires_in_seconds": accounts_api.MAGIC_LINK_MAX_AGE}


@bp.post("/auth/magic-link/redeem")
@limiter.limit(LOGIN_LIMIT)
@bp.arguments(schemas.MagicLinkRedeem)
@bp.response(200, schemas.Session)
def redeem_magic_link(body):
    """Log in with the token of a mailed link; 401 `magic_link_expired`,
    `magic_link_used` or `magic_link_invalid` otherwise."""
    now = _now()
    return _session(accounts_api.redeem_magic_link(token=body["token"], secret_key=current_app.secret_key, now=now),
                    now=now)


@bp.get("/auth/me")
@bp.response(200, schemas.CurrentUser)
def me():
    user = auth.require_user()
    return {"id": user.id, "email": user.email, "is_platform_admin": user.is_platform_admin,
            "memberships": user.active_memberships, "csrf_token": auth.csrf_token()}


@bp.post("/organisations")
@idempotency.idempotent(idempotency.member, required=False)
@bp.arguments(schemas.OrganisationIn)
@bp.response(201, schemas.Organisation)
def register_organisation(body):
    """Register a sponsor, school or venue; it acts once a platform admin approves it."""
    return accounts_api.register_organisation(owner=auth.require_user(), **body)


@bp.get("/organisations/<int:organisation_id>")
@bp.response(200, schemas.Organisation)
def get_organisation(organisation_id):
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=organisation, must_be_approved=False)
    return organisation


@bp.patch("/organisations/<int:organisation_id>")
@bp.arguments(schemas.OrganisationPatch, required=False)  # only the fields sent change
@bp.response(200, schemas.Organisation)
def update_organisation(body, organisation_id):
    """Owners edit the profile: name, address, municipality, and for venues categories
    and IBAN, with the checks of onboarding. Pending organisations too (fix before approval).
    Once the venue is approved a new IBAN waits in `iban_pending` for the operator (every
    owner is mailed); payouts keep going to `iban` until then."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    accounts_api.membership(user=user, organisation=organisation, must_be_approved=False, roles=(OWNER,))
    return accounts_api.update_organisation(organisation=organisation, user=user, now=_now(), **body)


@bp.post("/organisations/<int:organisation_id>/invitations")
@idempotency.idempotent(idempotency.member, required=False)
@bp.arguments(schemas.InvitationIn)
@bp.response(201, schemas.Invitation)
def invite(body, organisation_id):
    """A signed invitation link (valid 7 days) for a colleague or, at venues, scanner staff.
    The token is the link's fragment (`/invito#TOKEN`): browsers never send a fragment,
    so it stays out of server and proxy logs when the invitee opens the page."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    accounts_api.membership(user=user, organisation=organisation, roles=(OWNER,))
    token = accounts_api.invitation_token(organisation=organisation, email=body["email"], role=body["role"],
                                          secret_key=current_app.secret_key)
    return {"token": token, "link": f"{_public_base_url().rstrip('/')}/invito#{token}"}


@bp.get("/organisations/<int:organisation_id>/members")
@bp.response(200, schemas.Member(many=True))
def list_members(organisation_id):
    """The people of the organisation, for its owners (and the platform operator)."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    if not user.is_platform_admin:
        accounts_api.membership(user=user, organisation=organisation, must_be_approved=False, roles=(OWNER,))
    return accounts_api.members(organisation)


@bp.delete("/organisations/<int:organisation_id>/members/<int:membership_id>")
@bp.response(204)
def remove_member(organisation_id, membership_id):
    """An owner takes someone out (a colleague who left, staff who no longer scan);
    409 `last_owner` for the organisation's only owner."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    accounts_api.membership(user=user, organisation=organisation, roles=(OWNER,))
    accounts_api.remove_member(organisation=organisation, membership_id=membership_id, now=_now())


@bp.post("/invitations/accept")
@limiter.limit(LOGIN_LIMIT)
@bp.arguments(schemas.InvitationAccept)
@bp.response(200, schemas.Session)
def accept_invitation(body):
    member = accounts_api.accept_invitation(token=body["token"], password=body["password"],
                                            secret_key=current_app.secret_key)
    return _session(member.user)


@bp.get("/admin/organisations")
@bp.arguments(schemas.OrganisationQuery, location="query")
@bp.response(200, schemas.Organisation(many=True))
def list_organisations(query):
    auth.require_admin()
    select = sa.select(Organisation).order_by(Organisation.id)
    if "status" in query:
        select = select.filter_by(status=query["status"])
    if query.get("iban_change_pending"):
        select = select.where(Organisation.iban_pending.is_not(None))
    return db.session.scalars(select).all()


@bp.post("/admin/organisations/<int:organisation_id>/iban-decision")
@bp.arguments(schemas.Decision)
@bp.response(200, schemas.Organisation)
def decide_iban_change(body, organisation_id):
    """Approve the venue's pending IBAN (it becomes the one payouts go to) or refuse it
    (it is dropped); 409 `no_iban_change` when none is pending. Every owner is mailed."""
    auth.require_admin()
    return iban_changes.decide(organisation=accounts_api.get_organisation(organisation_id), approve=body["approve"])


@bp.post("/admin/organisations/<int:organisation_id>/decision")
@bp.arguments(schemas.Decision)
@bp.response(200, schemas.Organisation)
def decide(body, organisation_id):
    auth.require_admin()
    return accounts_api.decide_organisation(organisation=accounts_api.get_organisation(organisation_id),
                                            approve=body["approve"])


@bp.post("/wallet/challenge")
@auth.ignores_the_cookie
@limiter.limit(throttle.CLASSROOM_PER_ADDRESS)
@limiter.limit(throttle.WALLET_LOGINS_PER_DEVICE, key_func=throttle.requesting_device)
@bp.arguments(schemas.WalletChallengeIn)
@bp.response(200, schemas.WalletChallenge)
def wallet_challenge(body):
    """Step 1 of a wallet login: a short-lived challenge for the device key to sign."""
    return {"challenge": accounts_api.wallet_challenge(device_key_hex=body["device_key"],
                                                       secret_key=current_app.secret_key)}


@bp.post("/wallet/session")
@auth.ignores_the_cookie
@limiter.limit(throttle.CLASSROOM_PER_ADDRESS)
@limiter.limit(throttle.WALLET_LOGINS_PER_DEVICE, key_func=throttle.requesting_device)
@bp.arguments(schemas.WalletProof)
@bp.response(200, schemas.WalletSession)
def wallet_session(body):
    """Step 2: the signed challenge opens (or creates) the pseudonymous wallet. A challenge
    works once: sent again, from any client, it is 401 `wallet_challenge_used`."""
    wallet = accounts_api.open_wallet(device_key_hex=body["device_key"], challenge=body["challenge"],
                                      signature_hex=body["signature"], secret_key=current_app.secret_key,
                                      now=_now())
    return {"wallet_id": wallet.id, "token": auth.wallet_token(wallet)}
