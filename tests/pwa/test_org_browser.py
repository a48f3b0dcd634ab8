"""The organisations' area in real Chromium against the live server and the demo pilot:
a sponsor's top-up from the phone (SEPA details, the EPC QR decoded by zbar, pending
until the operator confirms it in another browser), allocating vouchers to a school,
the school's one-time claim codes and their printable cards, a venue's events reaching
the public catalogue, the impact chart with a suppressed category, signing up and
registering an organisation that the operator approves.
"""
import io
import os
import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect
from pyzbar import pyzbar

from server import demo
from server.accounts.models import Organisation, User, Wallet
from server.bookings import api as bookings_api
from server.catalogue.models import Event
from server.extensions import db
from server.payments.models import TopUp
from server.door import enrolment as scanners_api
from server.door.models import ScannerDevice
from server.vouchers import api as vouchers_api
from server.vouchers import claim_codes
from server.vouchers.models import Allocation, ClaimCode
from signing import DeviceKey
from tests.pwa.conftest import DESKTOP, serious_violations

pytestmark = pytest.mark.browser

FORNO = "Il Forno per la musica"  # 20 EUR; music, courses, cinema; sponsor Forno della Darsena
FORNO_EMAIL = "forno.darsena@demo.example"
ITALY = ZoneInfo("Europe/Rome")


# --- helpers ---------------------------------------------------------------------------------

def log_in(page, email: str, next_path: str = "/o"):
    """Through the login page, as a person does; lands on `next_path`."""
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))
    page.locator(".org-bar").wait_for()


def organisation_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Organisation.id).filter_by(name=name))


def rows(app, statement) -> list:
    with app.app_context():
        found = [tuple(row) for row in db.session.execute(statement).all()]
        db.session.rollback()
        return found


def decode(png: bytes) -> str:
    image = Image.open(io.BytesIO(png)).convert("L")
    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert len(found) == 1, f"expected one QR code, zbar found {len(found)}"
    return found[0].data.decode("utf-8")


def screenshot_qr(locator) -> str:
    image = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    image = image.resize((image.width * 3, image.height * 3), Image.NEAREST)  # zbar likes >= 4 px modules
    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert len(found) == 1, f"expected one QR code, zbar found {len(found)}"
    return found[0].data.decode("utf-8")


def operator_confirms_transfer(people, reference: str):
    """The operator, at a desk in another browser, confirms the transfer arrived; their page."""
    desk = people(DESKTOP)
    log_in(desk, demo.ADMIN_EMAIL, "/o/admin/ricariche")
    card = desk.locator(f'.pending-topup[data-reference="{reference}"]')
    card.get_by_role("button", name=f"Conferma ricevuto: {reference}").click()
    card.get_by_role("button", name="Sì, il bonifico è arrivato").click()
    desk.get_by_text(f"Bonifico {reference} confermato").wait_for()
    return desk


def open_campaign(page, app, campaign: str = FORNO, sponsor: str = "Forno della Darsena"):
    sponsor_id = organisation_id(app, sponsor)
    page.goto(f"/o/sponsor/{sponsor_id}")
    page.locator(".campaign-card", has_text=campaign).click()
    page.get_by_role("heading", level=1, name=campaign).wait_for()
    return sponsor_id


# --- the sponsor's top-up ---------------------------------------------------------------------

def test_a_sponsor_tops_up_from_the_phone_and_sees_it_confirmed_by_the_operator(page, people, pilot,
                                                                                 live_app):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, FORNO_EMAIL)
    open_campaign(page, live_app)

    page.get_by_label("Importo (€)").fill("75")
    page.get_by_role("button", name="Prepara il bonifico").click()
    page.wait_for_url(re.compile(r"/o/sponsor/\d+/ricariche/\d+$"))
    topup_id = int(page.url.rsplit("/", 1)[1])

    # Pending, with every SEPA detail and the reference the server stored.
    page.get_by_text("In attesa del bonifico").wait_for()
    [(reference, status, amount)] = rows(live_app, sa.select(TopUp.reference, TopUp.status, TopUp.amount_cents)
                                         .filter_by(id=topup_id))
    assert (status, amount) == ("pending", 7500)
    assert re.fullmatch(r"RF\d{2}[0-9A-Z]+", reference)
    sepa = page.locator("dl.sepa")
    assert sepa.locator('[data-field="reference"] .sepa-value').inner_text() == reference
    assert sepa.locator('[data-field="amount"] .sepa-value').inner_text().replace("\u00a0", " ") == "75,00 €"
    assert sepa.locator('[data-field="iban"] .sepa-value').inner_text().startswith("IT")
    assert sepa.locator('[data-field="beneficiary"] .sepa-value').inner_text().strip()

    # A copy button puts the bare value on the clipboard, for the banking app.
    sepa.get_by_role("button", name="Copia Causale (riferimento RF)").click()
    sepa.locator('[data-field="reference"]').get_by_text("Copiato").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == reference

    # The EPC QR image loads, and a banking app would read this transfer from it.
    image = page.locator(".epc-qr img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) > 0
    png = page.request.get(page.locator(".epc-qr a").get_attribute("href"))
    assert png.ok and png.headers["content-type"] == "image/png"
    epc = decode(png.body()).split("\n")
    assert epc[0] == "BCD" and "EUR75.00" in epc and reference in epc

    # The operator, in another browser, sees the transfer and confirms it.
    desk = operator_confirms_transfer(people, reference)
    expect(desk.locator(f'.pending-topup[data-reference="{reference}"]')).to_have_count(0)  # once the list reloads

    # The sponsor's page, still open, learns it by itself.
    page.get_by_text("Ricarica confermata").wait_for()
    assert page.locator(".topup-page").get_attribute("data-status") == "confirmed"
    assert page.locator(".epc-qr").count() == 0  # nothing left to pay
    assert rows(live_app, sa.select(TopUp.status).filter_by(id=topup_id)) == [("confirmed",)]


def test_a_topup_amount_out_of_range_is_refused_under_the_field(page, pilot, live_app):
    log_in(page, FORNO_EMAIL)
    open_campaign(page, live_app)

    page.get_by_label("Importo (€)").fill("5")
    page.get_by_role("button", name="Prepara il bonifico").click()

    field = page.get_by_label("Importo (€)")
    page.get_by_text("L’importo va da 10,00").wait_for()  # the PWA's words, the server's limits
    assert field.get_attribute("aria-invalid") == "true"
    assert "ricariche" not in page.url


# --- allocating, claim codes, printable cards -------------------------------------------------

def test_a_sponsor_allocates_to_a_school_which_prints_claim_cards_kept_until_saved(page, people, pilot, live_app,
                                                                                    live_server):
    school = "Liceo Scientifico dei Tigli"
    school_id = organisation_id(live_app, school)
    log_in(page, FORNO_EMAIL)
    open_campaign(page, live_app)

    page.get_by_label("Scuola").select_option(label=f"{school} (Milano)")
    page.get_by_label("Quanti buoni").fill("3")
    assert "60,00 €" in page.get_by_text("Costo:").inner_text().replace("\u00a0", " ")
    page.get_by_role("button", name="Assegna i buoni").click()
    page.get_by_text(f"Assegnati 3 buoni a {school}.").wait_for()
    [(allocation_id,)] = rows(live_app, sa.select(Allocation.id).filter_by(school_id=school_id, voucher_count=3)
                              .order_by(Allocation.id.desc()).limit(1))

    teacher = people(DESKTOP)
    log_in(teacher, "referente.tigli@demo.example", f"/o/school/{school_id}")
    card = teacher.locator(f'.allocation-card[data-allocation="{allocation_id}"]')
    card.get_by_label("Quanti codici generare").fill("3")
    card.get_by_role("button", name="Genera i codici").click()

    teacher.wait_for_url(re.compile(rf"/o/school/{school_id}/stampa$"))
    teacher.get_by_text("Queste 3 schede non sono ancora salvate").wait_for()
    codes = [c.get_attribute("data-code") for c in teacher.locator(".code-card-code").all()]
    assert len(codes) == 3 and len(set(codes)) == 3
    # Real codes of this allocation (the server keeps their HMAC only) ...
    with live_app.app_context():
        hashes = {claim_codes.hash_code(code, live_app.secret_key) for code in codes}
        stored = set(db.session.scalars(sa.select(ClaimCode.code_hash).filter_by(allocation_id=allocation_id)))
    assert hashes == stored
    # ... and each card's QR opens the wallet on the claim link of its own code.
    first = teacher.locator(".code-card").first
    assert screenshot_qr(first.locator("svg.code-card-qr")) == f"{live_server.url}/w/claim/{codes[0]}"

    # On paper: only the cards, none of the app around them.
    teacher.emulate_media(media="print")
    assert teacher.locator(".code-card").first.is_visible()
    for chrome in (".topbar", ".org-bar", ".org-tabs", ".print-page .no-print"):
        assert not teacher.locator(chrome).first.is_visible(), chrome
    teacher.emulate_media(media="screen")

    # Kept by this tab until the school says it saved them (tests/pwa/test_cards_browser.py
    # reloads and downloads); then gone from the device, and the page says why.
    teacher.get_by_role("button", name="Ho salvato o stampato le schede").click()
    teacher.get_by_role("button", name="Sì, toglili").click()
    teacher.get_by_text("Nessuna scheda da salvare").wait_for()
    assert teacher.locator(".code-card").count() == 0
    teacher.reload()
    teacher.get_by_text("Nessuna scheda da salvare").wait_for()


# --- venues --------------------------------------------------------------------------------

def catalogue_item(page, venue_id: int, title: str):
    cursor = None
    while True:
        answer = page.request.get("/api/v1/catalogue", params={"venue_id": venue_id, "page_size": 100,
                                                                **({"cursor": cursor} if cursor else {})})
        assert answer.ok
        data = answer.json()
        for item in data["items"]:
            if item["title"] == title:
                return item
        cursor = data["next_cursor"]
        if not cursor:
            return None


def test_a_venue_lists_an_event_that_reaches_the_public_catalogue_then_edits_and_cancels_it(page, pilot,
                                                                                            live_app):
    venue_id = organisation_id(live_app, "Teatro dei Navigli")
    title = f"Prova aperta {uuid.uuid4().hex[:6]}"
    day = (datetime.now(ITALY) + timedelta(days=9)).date()
    log_in(page, "direzione.navigli@demo.example", f"/o/venue/{venue_id}")

    page.get_by_role("link", name="Nuovo evento o corso").click()
    page.get_by_label("Titolo").fill(title)
    page.get_by_label("Categoria").select_option("teatro")
    page.get_by_label("Inizio").fill(f"{day}T18:00")
    page.get_by_label("Fine", exact=True).fill(f"{day}T20:30")
    page.get_by_label("Prezzo (€)").fill("7,50")
    page.get_by_label("Posti").fill("40")
    page.get_by_role("button", name="Pubblica").click()

    page.wait_for_url(re.compile(rf"/o/venue/{venue_id}$"))
    row = page.locator(".event-row", has_text=title)
    row.wait_for()
    item = catalogue_item(page, venue_id, title)
    assert item is not None, "the new event is not in the public catalogue"
    # Typed as Italian time, whatever the device's zone: 18:00 in Rome that day.
    starts = datetime.fromisoformat(item["starts_at"])
    assert starts == datetime(day.year, day.month, day.day, 18, 0, tzinfo=ITALY)
    assert (item["price_cents"], item["seats_left"], item["category"]) == (750, 40, "teatro")

    row.get_by_role("link", name=f"Modifica {title}").click()
    page.get_by_label("Prezzo (€)").fill("8")
    page.get_by_role("button", name="Salva le modifiche").click()
    page.wait_for_url(re.compile(rf"/o/venue/{venue_id}$"))
    page.locator(".event-row", has_text=title).get_by_text("8,00").wait_for()
    assert page.request.get(f"/api/v1/catalogue/{item['id']}").json()["price_cents"] == 800

    row = page.locator(".event-row", has_text=title)
    row.get_by_role("button", name=f"Annulla {title}").click()
    row.get_by_role("button", name="Sì, annulla l’evento").click()
    page.locator(f'.event-row[data-event="{item["id"]}"][data-status="cancelled"]').wait_for()
    assert page.request.get(f"/api/v1/catalogue/{item['id']}").json()["status"] == "cancelled"
    assert catalogue_item(page, venue_id, title) is None


def test_an_event_ending_before_it_starts_is_refused_under_the_end_field(page, pilot, live_app):
    venue_id = organisation_id(live_app, "Teatro dei Navigli")
    day = (datetime.now(ITALY) + timedelta(days=9)).date()
    log_in(page, "direzione.navigli@demo.example", f"/o/venue/{venue_id}/eventi/nuovo")

    page.get_by_label("Titolo").fill("Al contrario")
    page.get_by_label("Categoria").select_option("teatro")
    page.get_by_label("Inizio").fill(f"{day}T18:00")
    page.get_by_label("Fine", exact=True).fill(f"{day}T17:00")
    page.get_by_label("Prezzo (€)").fill("5")
    page.get_by_label("Posti").fill("10")
    page.get_by_role("button", name="Pubblica").click()

    page.get_by_text("La fine deve essere successiva all’inizio.").wait_for()
    end = page.get_by_label("Fine", exact=True)
    assert end.get_attribute("aria-invalid") == "true"
    # Under the field it is about, and read out with it.
    error_id = end.get_attribute("aria-describedby").split()[-1]
    assert page.locator(f"#{error_id}").inner_text() == "La fine deve essere successiva all’inizio."
    assert page.url.endswith("/eventi/nuovo")


def test_the_venue_report_shows_what_the_venue_will_be_paid_and_links_the_scanner(page, pilot, live_app):
    venue_id = organisation_id(live_app, "Teatro dei Navigli")
    spend(live_app, pilot, [("La locandiera", 1)], campaign="Lumen per la cultura")
    log_in(page, "direzione.navigli@demo.example", f"/o/venue/{venue_id}/report")

    page.get_by_role("heading", name="Resoconto").wait_for()
    report = page.request.get(f"/api/v1/venues/{venue_id}/report").json()
    assert report["payable_now_cents"] >= 1500
    payable = page.locator(".figures div", has=page.locator("dt", has_text="Da ricevere")).locator("dd")
    euros = f"{report['payable_now_cents'] // 100},{report['payable_now_cents'] % 100:02d}"
    assert payable.inner_text().replace("\u00a0", " ").replace(".", "") == f"{euros} €"
    by_event = page.locator("table.report-table").first  # the attendance table below names it too
    assert by_event.get_by_text("La locandiera").count() == 1
    page.locator(".venue-report").get_by_role("link", name="Apri lo scanner per l’ingresso").click()
    page.wait_for_url(re.compile(r"/s$"))


def test_the_venue_retires_a_lost_scanner_phone(page, pilot, live_app):
    venue_id = organisation_id(live_app, "Teatro dei Navigli")
    label = f"Telefono cassa {uuid.uuid4().hex[:6]}"
    with live_app.app_context():
        staff = db.session.scalar(sa.select(User).filter_by(email=demo.STAFF_EMAIL))
        scanner_id = scanners_api.enroll(venue=db.session.get(Organisation, venue_id), user=staff, label=label,
                                         public_key_hex=DeviceKey.generate().public_bytes.hex(),
                                         now=datetime.now(timezone.utc)).id
        db.session.commit()
    log_in(page, "direzione.navigli@demo.example", f"/o/venue/{venue_id}/report")

    card = page.locator(f'.scanner-device[data-scanner="{scanner_id}"]')
    expect(card).to_contain_text(label)
    expect(card).to_contain_text("Ultimo invio: mai")
    card.get_by_role("button", name=f"Ritira: {label}").click()
    card.get_by_text("Telefono perso o sostituito?").wait_for()
    assert serious_violations(page) == []
    card.get_by_role("button", name="Sì, ritira il telefono").click()

    page.get_by_text(f"{label} è stato ritirato.").wait_for()
    expect(card).to_have_attribute("data-status", "retired")
    expect(card.get_by_role("button")).to_have_count(0)
    assert rows(live_app, sa.select(ScannerDevice.status).filter_by(id=scanner_id)) == [("retired",)]


# --- the impact report ----------------------------------------------------------------------------

def spend(app, pilot, plan: list[tuple[str, int]], campaign: str = FORNO):
    """Students (wallets made here) claim the campaign's codes and book: (event title, how many)."""
    now = datetime.now(timezone.utc)
    with app.app_context():
        for title, students in plan:
            event = db.session.scalars(sa.select(Event).filter_by(title=title).order_by(Event.starts_at)).first()
            for _ in range(students):
                wallet = Wallet(device_key=b"\x02" + os.urandom(32))
                db.session.add(wallet)
                db.session.flush()
                voucher = vouchers_api.claim(wallet=wallet, code_text=pilot.claim_code(campaign).code,
                                             secret=app.secret_key, today=now.astimezone(ITALY).date())
                bookings_api.book(wallet=wallet, event_id=event.id, voucher_id=voucher.id,
                                  request_id=uuid.uuid4().hex, now=now)
        db.session.commit()


def test_the_impact_chart_shows_spend_by_category_and_hides_small_groups(page, pilot, live_app):
    """On the pilot's released months (server/demo_history.py): what is spent this month
    is not in the report until the month closes (server/reports/README.md), so the chart
    is read against the report the server gives; tests/pwa/test_impact_page.py checks the
    rest of the page on a report of known figures."""
    log_in(page, FORNO_EMAIL)
    open_campaign(page, live_app)
    page.get_by_role("link", name="Vedi l’impatto").click()
    page.get_by_role("heading", name="Impatto della campagna").wait_for()
    campaign_id = re.search(r"/campagne/(\d+)/impatto$", page.url).group(1)
    report = page.request.get(f"/api/v1/campaigns/{campaign_id}/impact").json()

    chart = page.locator("figure.chart-figure svg.chart:not(.trend-chart)")
    chart.wait_for()
    assert report["spend"]["by_category"], "the demo history released no category"
    for row in report["spend"]["by_category"]:
        group = chart.locator(f'g[data-slug="{row["slug"] or "none"}"]')
        if row["suppressed"]:  # no bar: a hidden figure is not drawn as a zero
            assert group.locator("rect.chart-bar").count() == 0
            assert group.locator(".chart-value").text_content() == "meno di 5 studenti"
        else:
            assert group.locator("rect.chart-bar").count() == 1
            assert euro_text(group.locator(".chart-value").text_content()) == row["spend_cents"]
    # Screen readers get the same figures in the chart's name.
    assert chart.get_attribute("aria-label").startswith("Spesa per categoria. ")

    page.get_by_role("button", name="EN").click()
    page.get_by_role("heading", name="Campaign impact").wait_for()
    hidden = [row for row in report["spend"]["by_category"] if row["suppressed"]]
    if hidden:
        assert (chart.locator(f'g[data-slug="{hidden[0]["slug"] or "none"}"] .chart-value').text_content()
                == "fewer than 5 students")
    page.get_by_role("button", name="IT").click()


def euro_text(text: str) -> int:
    """'1240,00 €' -> 124000."""
    units, _, cents = re.sub(r"[^\d,]", "", text).partition(",")
    return int(units or 0) * 100 + int((cents or "0").ljust(2, "0"))


# --- joining the platform -------------------------------------------------------------------------

def test_signing_up_and_registering_a_venue_until_the_operator_approves_it(page, people, pilot, live_app):
    email = f"nuovo.{uuid.uuid4().hex[:8]}@demo.example"
    name = f"Teatro Prova {uuid.uuid4().hex[:6]}"
    page.goto("/o")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_role("link", name="Non hai un account? Registrati").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("una-password-lunga")
    page.get_by_role("button", name="Crea l’account").click()

    page.wait_for_url(re.compile(r"/o/nuova$"))
    page.get_by_label("Luogo della cultura").check()
    page.get_by_label("Nome").fill(name)
    page.get_by_label("Comune").fill("Milano")
    page.get_by_label("Partita IVA").fill("33915820154")
    iban = page.get_by_label("IBAN per i pagamenti")
    iban.fill("IT40K0999001600000000412838")  # last digit changed: the check digits no longer match
    page.get_by_label("Teatro", exact=True).check()
    page.get_by_role("button", name="Invia la registrazione").click()

    page.get_by_text("L’IBAN non è valido: controlla di averlo copiato per intero.").wait_for()
    assert iban.get_attribute("aria-invalid") == "true"
    expect(iban).to_be_focused()  # the person lands on what to fix
    assert page.url.endswith("/o/nuova")

    iban.fill("IT40 K099 9001 6000 0000 0412 837")
    page.get_by_role("button", name="Invia la registrazione").click()
    page.wait_for_url(re.compile(r"/o\?registrata=1$"))
    card = page.locator(".membership", has_text=name)
    assert "In attesa di approvazione" in card.inner_text()
    assert card.evaluate("node => node.tagName") == "LI"  # nothing to open until approved

    desk = people(DESKTOP)
    log_in(desk, demo.ADMIN_EMAIL, "/o/admin/organizzazioni")
    pending = desk.locator(".pending-organisation", has_text=name)
    pending.get_by_role("button", name=f"Approva: {name}").click()
    pending.get_by_role("button", name="Sì, approva").click()
    pending.wait_for(state="detached")

    page.goto("/o")
    page.locator(".membership", has_text=name).get_by_text("Attiva").wait_for()
    page.get_by_role("link", name=re.compile(name)).click()
    page.wait_for_url(re.compile(r"/o/venue/\d+$"))
    page.get_by_text("Nessun evento ancora in programma.").wait_for()


def test_a_deep_link_asks_for_a_login_then_opens_where_it_pointed(page, pilot, live_app):
    sponsor_id = organisation_id(live_app, "Forno della Darsena")

    page.goto(f"/o/sponsor/{sponsor_id}")

    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(FORNO_EMAIL)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(rf"/o/sponsor/{sponsor_id}$"))
    page.locator(".campaign-card", has_text=FORNO).wait_for()


def test_the_operator_desk_is_closed_to_other_members(page, pilot):
    log_in(page, FORNO_EMAIL, "/o/admin")

    page.get_by_text("Questa sezione è riservata agli operatori della piattaforma.").wait_for()
    assert page.locator(".admin-count").count() == 0


@pytest.mark.parametrize("language", ["IT", "EN"])
@pytest.mark.parametrize("email, where", [(demo.ADMIN_EMAIL, "/o/admin"),
                                          ("direzione.navigli@demo.example", "venue people")])
def test_every_tab_of_an_organisation_is_in_sight_on_a_phone(page, pilot, live_app, email, where, language):
    """At 360 px nothing hides off the edge of the tab bar (the operator has six tabs,
    Pagamenti and Racconti among them, and a venue's owner six as well: Pagamenti ricevuti,
    Racconti)."""
    path = f"/o/venue/{organisation_id(live_app, 'Teatro dei Navigli')}/persone" if where == "venue people" else where
    log_in(page, email, path)
    page.get_by_role("button", name=language, exact=True).click()

    tabs = page.locator(".org-tabs .tab")
    expect(tabs).to_have_count(6)
    for tab in tabs.all():
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], tab.inner_text()
    assert page.locator(".org-tabs").evaluate("bar => bar.scrollWidth <= bar.clientWidth")
