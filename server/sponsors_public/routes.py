"""HTTP for what a sponsor shares: the impact report as PDF and CSV, the public page
(its owner's switch, and the page itself for anyone), and the window sticker."""
import logging
from datetime import datetime, timezone

from flask import Response, current_app, request
from flask_smorest import Blueprint

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER, Organisation
from server.campaigns import api as campaigns_api
from server.documents import impact, sticker
from server.http import auth
from server.http.fields import NoControlCharacters
from server.reports import api as reports_api
from server.sponsors_public import api as public_api
from server.sponsors_public import schemas
from server.sponsors_public.models import SLUG_MAX_LENGTH

bp = Blueprint("sponsors_public", __name__, url_prefix="/api/v1",
               description="What sponsors share: impact report files, public page, window sticker")
log = logging.getLogger(__name__)

PDF, CSV = "application/pdf", "text/csv"
# Anyone may read the public page, and a sticker scanned by a queue of people asks for
# it many times: shared caches may keep it for a while. Figures change once a month.
PUBLIC_MAX_AGE = 300
SLUG_PARAMETER = {"in": "path", "name": "slug", "required": True, "schema": {
    "type": "string", "maxLength": SLUG_MAX_LENGTH, "pattern": NoControlCharacters().regex.pattern,
    "description": "lower-case letters, digits and hyphens"}}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _private(response: Response) -> Response:
    response.cache_control.private = True  # one organisation's figures: no proxy keeps a copy
    return response


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)


def _base_url() -> str:
    """Where the page's address points: PUBLIC_BASE_URL, as for mailed links. Without it
    (a laptop demo, tests) the request's host: a sticker printed from there is a demo."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured
    if not (current_app.config.get("DEVELOPMENT") or current_app.testing):
        log.warning("PUBLIC_BASE_URL is not set: the public page's address uses the request's host")
    return request.host_url


def _sponsor(organisation_id: int, *, owners_only: bool = False) -> Organisation:
    """The sponsor, if the caller is one of its people (owners only for a change);
    platform admins read any sponsor's, and change none: the choice is the sponsor's."""
    user = auth.require_user()
    organisation = accounts_api.get_organisation(organisation_id)
    if owners_only or not user.is_platform_admin:
        roles = (OWNER,) if owners_only else (OWNER, MEMBER)
        accounts_api.membership(user=user, organisation=organisation, roles=roles)
    public_api.check_sponsor(organisation)
    return organisation


# --- the impact report as files -----------------------------------------------------------

@bp.get("/campaigns/<int:campaign_id>/impact.<any(pdf, csv):fmt>")
@bp.response(200, description="application/pdf, or text/csv (semicolons, comma decimals, UTF-8 with BOM)")
def campaign_impact_file(campaign_id, fmt):
    """The campaign's impact (`/campaigns/<id>/impact`) as a document for a CSR or
    sustainability report; suppressed cells read "meno di 5 studenti" and carry no figure.
    The same people as the impact: members of the campaign's sponsors, platform admins."""
    user = auth.require_user()
    campaign = campaigns_api.get_campaign(campaign_id)
    campaigns_api.require_sponsor_member(user=user, campaign=campaign)
    report = reports_api.campaign_impact(campaign=campaign, now=_now())
    if fmt == "csv":
        return _download(impact.impact_csv(report), f"{CSV}; charset=utf-8", impact.filename(report, "csv"))
    return _download(impact.impact_pdf(report, issuer=current_app.config["PLATFORM_NAME"]), PDF,
                     impact.filename(report, "pdf"))


# --- the public page ------------------------------------------------------------------------

@bp.get("/organisations/<int:organisation_id>/public-page")
@bp.response(200, schemas.PublicPageState)
def public_page(organisation_id):
    """Whether the sponsor's public page is on, and its address (the sponsor's owners
    and members, platform admins)."""
    sponsor = _sponsor(organisation_id)
    return public_api.state(public_api.page_of(sponsor), base_url=_base_url())


@bp.put("/organisations/<int:organisation_id>/public-page")
@bp.arguments(schemas.PublicPageSetting)
@bp.response(200, schemas.PublicPageState)
def set_public_page(body, organisation_id):
    """Switch the public page on or off (the sponsor's owners). The address is made
    from the name the first time and kept, also after switching off and on again."""
    sponsor = _sponsor(organisation_id, owners_only=True)
    page = public_api.set_enabled(sponsor=sponsor, enabled=body["enabled"], now=_now())
    log.info("public sponsor page switched", extra={"organisation_id": sponsor.id, "enabled": body["enabled"]})
    return public_api.state(page, base_url=_base_url())


@bp.route("/public/sponsors/<slug>", methods=["GET"], parameters=[SLUG_PARAMETER])
@bp.response(200, schemas.PublicSponsor, headers={
    "Cache-Control": {"description": f"public, max-age={PUBLIC_MAX_AGE}", "schema": {"type": "string"}}})
def public_sponsor(slug):
    """A sponsor's public page: what its money did across its campaigns, released for
    closed months and rounded, nothing about fewer than `min_cell` students. No login;
    404 `public_page_not_found` unless the sponsor's owner has switched it on."""
    view = public_api.public_view(slug, now=_now())
    return view, 200, {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"}


# --- the window sticker ---------------------------------------------------------------------

@bp.get("/organisations/<int:organisation_id>/sticker.pdf")
@bp.response(200, description="application/pdf, A6")
def window_sticker(organisation_id):
    """An A6 card for the sponsor's window with a QR code to its public page (the
    sponsor's owners and members, platform admins); 409 `public_page_disabled` while
    the page is off."""
    sponsor = _sponsor(organisation_id)
    page = public_api.enabled_page_of(sponsor)
    url = public_api.public_url(page, base_url=_base_url())
    body = sticker.sticker_pdf(sponsor_name=sponsor.name, url=url, issuer=current_app.config["PLATFORM_NAME"])
    return _download(body, PDF, sticker.filename(page.slug))
