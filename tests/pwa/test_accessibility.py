"""Accessibility of the main screens, checked by axe-core (pwa/node_modules, injected
into the page: nothing downloaded) in real Chromium, at phone size, in the light and
the dark colour scheme. No `serious` or `critical` violation is allowed.

Screens: home, login, sign-up, the wallet's home and catalogue, its claim page in an
app's built-in browser (the advice to open the real browser), the scanner's start
page, and the organisations' area: a sponsor's campaigns, one campaign, a top-up
(SEPA details and EPC QR), a campaign's impact chart, a new campaign; registering an
organisation; a school's allocations and its printable codes; a venue's events, event
form and report; the operator's overview, approvals, transfers and flags.
"""
import base64
import io
import uuid
from dataclasses import dataclass
from typing import Callable
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image

from server import demo
from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.catalogue.models import Event
from server.extensions import db
from tests.pwa.conftest import CONTEXT_OPTIONS, serious_violations
from tests.pwa.test_org_browser import spend

pytestmark = pytest.mark.browser

ITALY = ZoneInfo("Europe/Rome")
LIBRERIA = "Leggere e vedere"  # its impact gets one small (suppressed) category here, nobody else books it


def ids(app, model, **by) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(model.id).filter_by(**by))
        db.session.rollback()
        return found


def api_login(page, email: str) -> str:
    """A member session in this browser context (cookie), without the login form; its CSRF token."""
    answer = page.request.post("/api/v1/auth/login", data={"email": email, "password": demo.DEMO_PASSWORD})
    assert answer.ok, answer.text()
    return answer.json()["csrf_token"]


# --- screens that need something made first: each returns the path to open ---------------------

def topup_page(page, app, pilot):
    csrf = api_login(page, "libreria.segnalibro@demo.example")
    campaign_id = ids(app, Campaign, name=LIBRERIA)
    answer = page.request.post(f"/api/v1/campaigns/{campaign_id}/topups", data={"amount_cents": 12_000},
                               headers={"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())})
    assert answer.ok, answer.text()
    sponsor_id = ids(app, Organisation, name="Libreria Il Segnalibro")
    return f"/o/sponsor/{sponsor_id}/ricariche/{answer.json()['id']}"


_impact_data = []


def impact_page(page, app, pilot):
    if not _impact_data:  # once per session: light and dark see the same report
        spend(app, pilot, [("Cineforum giovani: La vita è bella", 1)], campaign=LIBRERIA)
        _impact_data.append(True)
    api_login(page, "libreria.segnalibro@demo.example")
    sponsor_id = ids(app, Organisation, name="Libreria Il Segnalibro")
    return f"/o/sponsor/{sponsor_id}/campagne/{ids(app, Campaign, name=LIBRERIA)}/impatto"


def in_app_claim_page(page, app, pilot):
    """A card link opened in Instagram's built-in browser: the advice before claiming."""
    page.add_init_script("Object.defineProperty(navigator, 'userAgent', {get: () => "
                         "'Mozilla/5.0 (Linux; Android 13; Pixel 7; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Version/4.0 Chrome/123.0 Mobile Safari/537.36 Instagram 325.0.0.35.91 Android'})")
    return "/w/claim"


def print_page(page, app, pilot):
    """Codes exist only in the answer that issues them: allocate two vouchers, generate them in the UI."""
    csrf = api_login(page, "libreria.segnalibro@demo.example")
    school_id = ids(app, Organisation, name="Liceo Scientifico dei Tigli")
    answer = page.request.post(f"/api/v1/campaigns/{ids(app, Campaign, name=LIBRERIA)}/allocations",
                               data={"school_id": school_id, "voucher_count": 2},
                               headers={"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())})
    assert answer.ok, answer.text()
    page.request.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    api_login(page, "referente.tigli@demo.example")
    page.goto(f"/o/school/{school_id}")
    card = page.locator(f'.allocation-card[data-allocation="{answer.json()["id"]}"]')
    card.get_by_label("Quanti codici generare").fill("2")
    card.get_by_role("button", name="Genera i codici").click()
    page.locator(".code-card").nth(1).wait_for()
    return None  # already there


def event_edit_page(page, app, pilot):
    """An event with a poster, in its form: the poster field and its preview."""
    csrf = api_login(page, VENUE)
    venue_id = ids(app, Organisation, name="Teatro dei Navigli")
    event_id = ids(app, Event, title="Sei personaggi in cerca d'autore")
    png = io.BytesIO()
    Image.new("RGB", (600, 400), (120, 30, 60)).save(png, "PNG")
    answer = page.request.put(f"/api/v1/venues/{venue_id}/events/{event_id}/poster",
                              data={"content": base64.b64encode(png.getvalue()).decode()},
                              headers={"X-CSRF-Token": csrf})
    assert answer.ok, answer.text()
    return f"/o/venue/{venue_id}/eventi/{event_id}"


@dataclass(frozen=True)
class Screen:
    name: str
    path: str | Callable  # a path ({sponsor}, {school}, {venue}, {campaign} filled in) or a setup function
    ready: str  # a selector present once the screen has its content
    user: str | None = None


SPONSOR = "forno.darsena@demo.example"
SCHOOL = "referente.tigli@demo.example"
VENUE = "direzione.navigli@demo.example"

SCREENS = [
    Screen("home", "/", "nav.choices"),
    Screen("login", "/login", "form input[type=password]"),
    Screen("sign-up", "/o/registrati", "form input[type=password]"),
    Screen("wallet", "/w", ".wallet h1"),
    Screen("catalogue", "/w/catalogo", ".event-card"),
    Screen("wallet-claim-in-app", in_app_claim_page, ".storage-advice"),
    Screen("scanner", "/s", "main h1"),  # the scanner's start page (enrolment) or its placeholder
    Screen("sponsor-campaigns", "/o/sponsor/{sponsor}", ".campaign-card", SPONSOR),
    Screen("sponsor-campaign", "/o/sponsor/{sponsor}/campagne/{campaign}", ".allocate-form select option + option",
           SPONSOR),
    Screen("sponsor-new-campaign", "/o/sponsor/{sponsor}/nuova-campagna", "form input[type=checkbox]", SPONSOR),
    Screen("sponsor-topup", topup_page, ".epc-qr img"),
    Screen("sponsor-impact", impact_page, "svg.chart"),
    Screen("register-organisation", "/o/nuova", "form input[type=radio]", SPONSOR),
    Screen("organisations", "/o", ".membership", SCHOOL),
    Screen("school-allocations", "/o/school/{school}", ".school-report", SCHOOL),
    Screen("school-print", print_page, ".code-card svg"),
    Screen("school-vouchers", "/o/school/{school}/buoni", ".recovery-start", SCHOOL),
    Screen("venue-events", "/o/venue/{venue}", ".event-row", VENUE),
    Screen("venue-event-form", "/o/venue/{venue}/eventi/nuovo", "form select option + option", VENUE),
    Screen("venue-event-poster", event_edit_page, ".poster-preview img"),
    Screen("venue-report", "/o/venue/{venue}/report", ".venue-report .figures", VENUE),
    Screen("venue-staff", "/o/venue/{venue}", ".scanner-link", demo.STAFF_EMAIL),
    Screen("venue-payouts", "/o/venue/{venue}/pagamenti",
           '.payout-card, .payouts-page:has-text("Nessun pagamento")', VENUE),
    Screen("sponsor-receipts", "/o/sponsor/{sponsor}/ricevute", ".receipt-card", SPONSOR),
    Screen("admin-overview", "/o/admin", ".admin-count", demo.ADMIN_EMAIL),
    Screen("admin-approvals", "/o/admin/organizzazioni",
           '.pending-organisation, .admin-page:has-text("Nessuna organizzazione in attesa")', demo.ADMIN_EMAIL),
    Screen("admin-transfers", "/o/admin/ricariche",
           '.pending-topup, .admin-page:has-text("Nessun bonifico in attesa")', demo.ADMIN_EMAIL),
    Screen("admin-flags", "/o/admin/segnalazioni", '.flag, .admin-page:has-text("Nessuna segnalazione")',
           demo.ADMIN_EMAIL),
]


@pytest.fixture(params=["light", "dark"])
def scheme_context(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, **CONTEXT_OPTIONS, color_scheme=request.param)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.mark.parametrize("screen", SCREENS, ids=[screen.name for screen in SCREENS])
def test_no_serious_accessibility_violations(scheme_context, screen, pilot, live_app):
    page = scheme_context.new_page()
    if callable(screen.path):
        path = screen.path(page, live_app, pilot)
    else:
        if screen.user:
            api_login(page, screen.user)
        path = screen.path.format(
            sponsor=ids(live_app, Organisation, name="Forno della Darsena"),
            school=ids(live_app, Organisation, name="Liceo Scientifico dei Tigli"),
            venue=ids(live_app, Organisation, name="Teatro dei Navigli"),
            campaign=ids(live_app, Campaign, name="Il Forno per la musica"))
    if path:
        page.goto(path)
    page.locator(screen.ready).first.wait_for(state="attached")
    page.wait_for_function("!document.querySelector('.loading, .spinner')")

    assert serious_violations(page) == []
