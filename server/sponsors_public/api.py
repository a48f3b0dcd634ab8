"""The sponsor's public page: switched on and off by its owner, read by anyone.

What the page shows is `reports.api.sponsor_public_impact`: figures about students only
for closed months, rounded, with small cells suppressed (server/reports/README.md). This
module adds nothing about students; it only decides whether the page exists and at
which address, and passes on no figure a suppressed cell carries.
"""
import re
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.accounts.models import SPONSOR, Organisation
from server.errors import Conflict, NotFound
from server.extensions import db
from server.reports import api as reports_api
from server.reports import snapshots
from server.sponsors_public.models import SLUG_MAX_LENGTH, SponsorPublicPage

# How figures are released (reports' periods.METHOD), should the report not say.
METHOD = {"period": "month", "students_rounded_to": 5, "cents_rounded_to": 1000}
PAGE_PATH = "/sponsor/{slug}"  # the PWA route (pwa/src/router.js)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# Words that name what an organisation is, not which one: "Fondazione Rossi S.p.A." is
# at /sponsor/fondazione-rossi, shorter on a sticker and still recognisable.
_LEGAL_FORMS = {"spa", "srl", "srls", "snc", "sas", "scarl", "onlus", "ets", "aps"}


class PublicPageNotFound(NotFound):
    code = "public_page_not_found"


class PublicPageDisabled(Conflict):
    code = "public_page_disabled"


def check_sponsor(organisation: Organisation) -> None:
    """Only sponsors have a public page; any other kind is "not found" here."""
    if organisation.kind != SPONSOR:
        raise NotFound("Organizzazione non trovata.", code="organisation_not_found")


def page_of(organisation: Organisation) -> SponsorPublicPage | None:
    return db.session.get(SponsorPublicPage, organisation.id)


def slug_base(name: str) -> str:
    """"Banca Popolare di Sondrio S.p.A." -> "banca-popolare-di-sondrio": ASCII letters and
    digits, accents dropped, words joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [word for word in _NOT_SLUG.split(ascii_name) if word]
    while len(words) > 1:
        letters = 0  # "S.p.A." is split into s, p, a
        while letters < len(words) - 1 and len(words[-1 - letters]) == 1:
            letters += 1
        form = next((k for k in range(letters, 1, -1) if "".join(words[-k:]) in _LEGAL_FORMS), 0)
        if form:
            del words[-form:]
        elif words[-1] in _LEGAL_FORMS:
            words.pop()
        else:
            break
    base = "-".join(words)[:SLUG_MAX_LENGTH - 4].strip("-")
    return base or "sponsor"


def _free_slug(name: str) -> str:
    """The name's slug, or with -2, -3, ... when another sponsor has it."""
    base = slug_base(name)
    taken = set(db.session.scalars(sa.select(SponsorPublicPage.slug).where(
        sa.or_(SponsorPublicPage.slug == base, SponsorPublicPage.slug.like(f"{base}-%")))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def set_enabled(*, sponsor: Organisation, enabled: bool, now: datetime) -> SponsorPublicPage | None:
    """Switch the page on (made at the first time, same address afterwards) or off.
    Switched on, the last closed month's release is made by a job if the month's
    snapshot job has passed the page by (``snapshots.start_for_public_page``)."""
    check_sponsor(sponsor)
    page = page_of(sponsor)
    if page is None:
        if not enabled:
            return None
        page = _new_page(sponsor, now=now)
    switched_on = enabled and page.enabled_at is None
    if switched_on:
        page.enabled_at = now
    elif not enabled:
        page.enabled_at = None
    db.session.flush()
    if switched_on:  # the closed month's snapshot job may have passed the page by
        snapshots.start_for_public_page(sponsor.id, now=now)
    return page


def _new_page(sponsor: Organisation, *, now: datetime, attempts: int = 5) -> SponsorPublicPage:
    """The sponsor's page with the first free slug. Two sponsors of the same name
    switching on at once pick the same slug: the second INSERT waits for the first to
    commit and then fails on the unique slug; only its savepoint is undone, and the slug
    is picked again, now seeing the first page (READ COMMITTED: each statement sees what
    was committed before it). The same sponsor switching on twice at once finds its page
    made by the other request."""
    for attempt in range(attempts):
        try:
            with db.session.begin_nested():
                page = SponsorPublicPage(organisation_id=sponsor.id, slug=_free_slug(sponsor.name), created_at=now)
                db.session.add(page)
            return page
        except IntegrityError:
            made = page_of(sponsor)
            if made is not None:
                return made
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def state(page: SponsorPublicPage | None, *, base_url: str) -> dict:
    """What the owner's settings show: on or off, and the address once there is one."""
    if page is None:
        return {"enabled": False, "slug": None, "url": None}
    return {"enabled": page.enabled, "slug": page.slug, "url": public_url(page, base_url=base_url)}


def public_url(page: SponsorPublicPage, *, base_url: str) -> str:
    return base_url.rstrip("/") + PAGE_PATH.format(slug=page.slug)


def enabled_page_of(sponsor: Organisation) -> SponsorPublicPage:
    """The sponsor's page if switched on; 409 otherwise (nothing to point a sticker at)."""
    check_sponsor(sponsor)
    page = page_of(sponsor)
    if page is None or not page.enabled:
        raise PublicPageDisabled("La pagina pubblica dello sponsor non è attiva.")
    return page


def _page_by_slug(slug: str) -> tuple[SponsorPublicPage, Organisation]:
    found = None
    if len(slug) <= SLUG_MAX_LENGTH and SLUG.fullmatch(slug):
        found = db.session.execute(sa.select(SponsorPublicPage, Organisation)
                                   .join(Organisation, Organisation.id == SponsorPublicPage.organisation_id)
                                   .where(SponsorPublicPage.slug == slug)).first()
    # Switched off, never made, or the sponsor no longer approved: the same answer, so
    # the address does not tell which.
    if found is None or not found[0].enabled or not found[1].is_approved:
        raise PublicPageNotFound("Pagina non trovata.")
    return found[0], found[1]


def _without_hidden(row: dict, figures: tuple[str, ...]) -> dict:
    """A row as published: a suppressed row keeps its label and loses every figure,
    whatever the report beneath put there."""
    hidden = bool(row.get("suppressed"))
    return {**{key: value for key, value in row.items() if key not in figures},
            **{figure: None if hidden else row.get(figure) for figure in figures}, "suppressed": hidden}


HEADLINE_FIGURES = ("students_reached", "spend_cents", "visits", "venues")
TREND_FIGURES = ("students", "spend_cents")
CATEGORY_FIGURES = ("students", "spend_cents", "redemptions")


def public_view(slug: str, *, now: datetime) -> dict:
    """The public page's figures: the sponsor's name and what its money did, across all
    its campaigns, released as the reports release it."""
    page, sponsor = _page_by_slug(slug)
    impact = reports_api.sponsor_public_impact(sponsor=sponsor, now=now)
    return {
        "slug": page.slug,
        "sponsor_name": sponsor.name,
        "as_of": impact.get("as_of"),
        "min_cell": impact.get("min_cell"),
        "method": impact.get("method") or METHOD,
        "headline": _without_hidden(impact.get("headline") or {"suppressed": True}, HEADLINE_FIGURES),
        "trend": [_without_hidden(row, TREND_FIGURES) for row in impact.get("trend") or []],
        "by_category": [_without_hidden(row, CATEGORY_FIGURES) for row in impact.get("by_category") or []],
    }
