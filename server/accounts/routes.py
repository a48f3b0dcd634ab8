"""HTTP for people, organisations and wallets: parse, call one use case, shape the answer."""
import sqlalchemy as sa
from flask import current_app, url_for
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts import schemas
from server.accounts.models import OWNER, Organisation
from server.extensions import db, limiter
from server.http import auth

bp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Login, organisations, wallets")

LOGIN_LIMIT = "10 per minute"


def _session(user):
    csrf = auth.log_in(user)
    return {"user": user, "csrf_token": csrf}


@bp.post("/auth/register")
@limiter.limit(LOGIN_LIMIT)
@bp.arguments(schemas.Credentials)
@bp.response(201, schemas.Session)
def register(body):
    """Create a member account (then register or join an organisation)."""
    return _session(accounts_api.create_user(email=body["email"], password=body["password"]))


@bp.post("/auth/login")
@limiter.limit(LOGIN_LIMIT)
@bp.arguments(schemas.Credentials)
@bp.response(200, schemas.Session)
def login(body):
    return _session(accounts_api.authenticate(email=body["email"], password=body["password"]))


@bp.post("/auth/logout")
@bp.response(204)
def logout():
    auth.log_out()


@bp.get("/auth/me")
@bp.response(200, schemas.Me)
def me():
    return auth.require_user()


@bp.post("/organisations")
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


@bp.post("/organisations/<int:organisation_id>/invitations")
@bp.arguments(schemas.InvitationIn)
@bp.response(201, schemas.Invitation)
def invite(body, organisation_id):
    """A signed invitation link (valid 7 days) for a colleague or, at venues, scanner staff."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    accounts_api.membership(user=user, organisation=organisation, roles=(OWNER,))
    token = accounts_api.invitation_token(organisation=organisation, email=body["email"], role=body["role"],
                                          secret_key=current_app.secret_key)
    return {"token": token, "link": url_for("pwa.index", _external=True) + f"#/invito/{token}"}


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
    return db.session.scalars(select).all()


@bp.post("/admin/organisations/<int:organisation_id>/decision")
@bp.arguments(schemas.Decision)
@bp.response(200, schemas.Organisation)
def decide(body, organisation_id):
    auth.require_admin()
    return accounts_api.decide_organisation(organisation=accounts_api.get_organisation(organisation_id),
                                            approve=body["approve"])


@bp.post("/wallet/challenge")
@limiter.limit("30 per minute")
@bp.arguments(schemas.WalletChallengeIn)
@bp.response(200, schemas.WalletChallenge)
def wallet_challenge(body):
    """Step 1 of a wallet login: a short-lived challenge for the device key to sign."""
    return {"challenge": accounts_api.wallet_challenge(device_key_hex=body["device_key"],
                                                       secret_key=current_app.secret_key)}


@bp.post("/wallet/session")
@limiter.limit("30 per minute")
@bp.arguments(schemas.WalletProof)
@bp.response(200, schemas.WalletSession)
def wallet_session(body):
    """Step 2: the signed challenge opens (or creates) the pseudonymous wallet."""
    wallet = accounts_api.open_wallet(device_key_hex=body["device_key"], challenge=body["challenge"],
                                      signature_hex=body["signature"], secret_key=current_app.secret_key)
    return {"wallet_id": wallet.id, "token": auth.wallet_token(wallet)}
