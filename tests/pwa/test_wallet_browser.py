"""The student wallet in real Chromium against the live server and the demo pilot:
claiming, the rotating presentation QR (decoded with pyzbar, verified by the Python
verifier), offline use, booking, cancelling, rating, history, language, accessibility.
"""
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar import pyzbar

from server.accounts.models import Organisation
from server.bookings.models import Booking, Rating
from server.catalogue import taxonomy
from server.catalogue.models import Event
from server.extensions import db
from signing import Scope, TicketCredential, VoucherCredential, keystore, verify_presentation
from tests.pwa.conftest import serious_violations, wait_for_service_worker

pytestmark = pytest.mark.browser

LUMEN = "Lumen per la cultura"  # 50 EUR, theatre, museums, cinema, music, courses, dance
STEP = 15


# --- helpers ---------------------------------------------------------------------------------

def as_typed(code: str) -> str:
    """How a student types a code: lower case, spaces for dashes."""
    return code.lower().replace("-", " ")


def claim(page, code: str) -> int:
    page.goto("/w")
    page.get_by_label("Codice del buono").fill(as_typed(code))
    page.get_by_role("button", name="Aggiungi", exact=True).click()
    page.wait_for_url(re.compile(r"/w/buoni/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def decode_qr(locator) -> str:
    """The text of the one QR code drawn in `locator`, read from a screenshot by zbar."""
    image = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    image = image.resize((image.width * 2, image.height * 2), Image.NEAREST)  # zbar likes >= 4 px modules
    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert len(found) == 1, f"expected one QR code, zbar found {len(found)}"
    return found[0].data.decode("ascii")


def shown_step(page) -> int:
    return int(page.locator("figure.presentation").get_attribute("data-step"))


def wait_for_step(page, step: int):
    page.locator(f'figure.presentation[data-step="{step}"] svg').wait_for()


def public_keys(app):
    return keystore.load(Path(app.instance_path)).public()


def rows(app, statement) -> list:
    with app.app_context():
        found = [tuple(row) for row in db.session.execute(statement).all()]
        db.session.rollback()
        return found


def change(app, statement) -> None:
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def venue_scope(app, venue_name: str, category: str) -> Scope:
    with app.app_context():
        venue_id = db.session.scalar(sa.select(Organisation.id).filter_by(name=venue_name))
        return Scope(venue_id=venue_id, category=taxonomy.categories()[category].code)


def event_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Event.id).filter_by(title=title).order_by(Event.starts_at).limit(1))


def step_start(moment: datetime) -> datetime:
    """The start of the next 15-second step, plus a second: clear of any boundary."""
    seconds = int(moment.timestamp())
    return datetime.fromtimestamp((seconds // STEP + 1) * STEP + 1, timezone.utc)


# --- claiming --------------------------------------------------------------------------------

def test_claimed_voucher_shows_balance_and_sponsor(page, pilot):
    issued = pilot.claim_code(LUMEN)

    claim(page, issued.code)

    page.get_by_role("heading", name=LUMEN).wait_for()
    assert page.locator(".balance-big .money").inner_text().replace("\u00a0", " ") == "50,00 €"
    assert page.get_by_text("offerto da Lumen Energia S.p.A.").is_visible()
    page.get_by_role("link", name="Buoni", exact=True).click()
    card = page.locator(".voucher-card")
    card.first.wait_for()
    assert card.count() == 1
    assert "50,00" in card.inner_text() and "offerto da Lumen Energia S.p.A." in card.inner_text()


def test_claim_link_from_a_printed_card_claims_on_opening(page, pilot):
    issued = pilot.claim_code(LUMEN)

    page.goto(f"/w/claim/{issued.code}")

    page.wait_for_url(re.compile(r"/w/buoni/\d+$"))
    page.get_by_text("offerto da Lumen Energia S.p.A.").wait_for()
    # Back does not land on the claim link again (it was replaced in history).
    page.go_back()
    assert "/w/claim/" not in page.url


def test_a_mistyped_code_is_caught_on_the_phone(page, pilot):
    issued = pilot.claim_code(LUMEN)
    symbols = issued.code.replace("-", "")
    typo = symbols[1] + symbols[0] + symbols[2:] if symbols[0] != symbols[1] else symbols[:-1] + "X"
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "/wallet/claims" in request.url else None)
    page.goto("/w")

    page.get_by_label("Codice del buono").fill(typo)
    page.get_by_role("button", name="Aggiungi", exact=True).click()

    page.get_by_text("Codice non valido: controlla di averlo scritto bene.").wait_for()
    assert requests == []


def test_a_code_claimed_on_another_phone_is_refused_with_the_servers_reason(page, browser, live_server, pilot):
    issued = pilot.claim_code(LUMEN)
    claim(page, issued.code)
    other_phone = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 640})
    try:
        other = other_phone.new_page()
        other.goto("/w")
        other.get_by_label("Codice del buono").fill(issued.code)
        other.get_by_role("button", name="Aggiungi", exact=True).click()

        other.get_by_role("alert").get_by_text("Questo codice è già stato usato.").wait_for()
        assert other.locator(".voucher-card").count() == 0
    finally:
        other_phone.close()


# --- the presentation QR ------------------------------------------------------------------------

def test_presentation_qr_rotates_every_step_and_verifies(page, pilot, live_app):
    issued = pilot.claim_code(LUMEN)
    page.clock.install(time=datetime.now(timezone.utc))
    # This test drives the steps by the phone's own (fake) clock, paused ahead of the real
    # time: answers without the server's time leave the wallet on it (pwa/src/clock.js);
    # the correction itself is test_door_clock_browser.py's.
    page.route("**/api/**", lambda route: route.fulfill(response=(answer := route.fetch()), headers={
        name: value for name, value in answer.headers.items() if name.lower() != "server-time"}))
    voucher_id = claim(page, issued.code)
    page.locator("figure.presentation svg").wait_for()  # its timer runs: the fake clock drives it now
    moment = step_start(datetime.now(timezone.utc) + timedelta(seconds=30))

    page.clock.pause_at(moment)
    step = int(moment.timestamp()) // STEP
    wait_for_step(page, step)
    first = decode_qr(page.locator(".qr-frame svg"))
    page.clock.run_for(STEP * 1000)
    wait_for_step(page, step + 1)
    second = decode_qr(page.locator(".qr-frame svg"))

    assert first.startswith("MP:") and second.startswith("MP:")
    assert first != second
    keys, scope = public_keys(live_app), venue_scope(live_app, "Teatro dei Navigli", "teatro")
    now = int(moment.timestamp())
    one = verify_presentation(first, keys=keys, now=now, scope=scope)
    two = verify_presentation(second, keys=keys, now=now + STEP, scope=scope)
    assert (one.time_step, two.time_step) == (step, step + 1)
    assert isinstance(one.credential, VoucherCredential)
    assert one.credential.voucher_id == two.credential.voucher_id == voucher_id
    assert one.credential.device_key == two.credential.device_key
    assert page.get_by_text("Nuovo codice tra 14 s").is_visible()  # one second into the step
    page.clock.run_for(4000)
    assert page.get_by_text("Nuovo codice tra 10 s").is_visible()


def test_offline_the_voucher_and_its_qr_still_work(page, pilot, live_app, network):
    issued = pilot.claim_code(LUMEN)
    voucher_id = claim(page, issued.code)
    wait_for_service_worker(page)
    page.locator("figure.presentation svg").wait_for()

    with network.offline():
        page.reload()
        page.locator(".badge", has_text="Offline").wait_for()
        page.locator("figure.presentation svg").wait_for()
        text = decode_qr(page.locator(".qr-frame svg"))
        step = shown_step(page)
        assert page.get_by_text("offerto da Lumen Energia S.p.A.").is_visible()

    presentation = verify_presentation(text, keys=public_keys(live_app), now=step * STEP,
                                       scope=venue_scope(live_app, "Teatro dei Navigli", "teatro"))
    assert presentation.credential.voucher_id == voucher_id


def test_back_online_the_wallet_refreshes_its_credentials(page, pilot, network):
    issued = pilot.claim_code(LUMEN)
    voucher_id = claim(page, issued.code)
    wait_for_service_worker(page)
    page.locator("figure.presentation svg").wait_for()
    page.wait_for_load_state("networkidle")  # the refresh of opening the voucher is over

    with page.expect_request(lambda request: request.method == "POST"
                             and request.url.endswith(f"/api/v1/wallet/vouchers/{voucher_id}/credential")):
        with network.offline():
            page.locator(".badge", has_text="Offline").wait_for()
        # leaving the block: the server is back and Chromium fires `online`

    page.locator(".badge", has_text="Online").wait_for()


# --- catalogue, booking, tickets ----------------------------------------------------------------

def book(page, title: str) -> int:
    page.get_by_role("link", name="Eventi", exact=True).click()
    page.get_by_role("heading", name="Eventi e corsi").wait_for()
    page.locator(".event-card", has_text=title).first.click()
    page.get_by_role("heading", name=title).wait_for()
    page.get_by_role("button", name=re.compile("^Prenota")).click()
    page.wait_for_url(re.compile(r"/w/biglietti/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_booking_an_event_gives_a_ticket_with_its_own_qr(page, pilot, live_app):
    issued = pilot.claim_code(LUMEN)
    claim(page, issued.code)

    booking_id = book(page, "La locandiera")

    page.get_by_role("heading", name="La locandiera").wait_for()
    page.locator("figure.presentation svg").wait_for()
    text = decode_qr(page.locator(".qr-frame svg"))
    presentation = verify_presentation(text, keys=public_keys(live_app), now=shown_step(page) * STEP,
                                       scope=Scope(**{**venue_scope(live_app, "Teatro dei Navigli", "teatro").__dict__,
                                                      "event_id": event_id(live_app, "La locandiera")}))
    assert isinstance(presentation.credential, TicketCredential)
    assert presentation.credential.ticket_id == booking_id
    page.get_by_role("link", name="Buoni", exact=True).click()
    assert "35,00" in page.locator(".voucher-card").inner_text()  # 50 - 15


def test_cancelling_before_the_deadline_refunds_the_voucher(page, pilot, live_app):
    issued = pilot.claim_code(LUMEN)
    claim(page, issued.code)
    booking_id = book(page, "Cineforum giovani: Nuovo Cinema Paradiso")

    page.get_by_role("button", name="Annulla la prenotazione").click()
    page.get_by_role("button", name="Sì, annulla").click()

    page.get_by_text("Prenotazione annullata").first.wait_for()
    assert page.locator("figure.presentation").count() == 0
    assert rows(live_app, sa.select(Booking.status).filter_by(id=booking_id)) == [("cancelled",)]
    page.get_by_role("link", name="Buoni", exact=True).click()
    page.locator(".voucher-card", has_text="50,00").wait_for()


def test_after_the_event_the_student_rates_it(page, pilot, live_app):
    issued = pilot.claim_code(LUMEN)
    claim(page, issued.code)
    booking_id = book(page, "Visita guidata: fili e telai")
    # The event took place: move it into the past.
    ((event,),) = rows(live_app, sa.select(Booking.event_id).filter_by(id=booking_id))
    past = datetime.now(timezone.utc) - timedelta(days=1)
    change(live_app, sa.update(Event).where(Event.id == event).values(starts_at=past, ends_at=past + timedelta(hours=2)))
    page.evaluate("""async () => {
        const db = await new Promise((ok) => { const r = indexedDB.open('mentoring'); r.onsuccess = () => ok(r.result); });
        const tx = db.transaction('tickets', 'readwrite');
        const store = tx.objectStore('tickets');
        const get = store.get(%d);
        await new Promise((ok) => { get.onsuccess = ok; });
        store.put({...get.result, starts_at: '%s'});
        await new Promise((ok) => { tx.oncomplete = ok; });
    }""" % (booking_id, past.isoformat()))
    page.reload()

    page.get_by_text("Com’è andata?").wait_for()
    page.locator(".star").nth(3).click()
    page.get_by_label("Un commento (facoltativo)").fill("Bellissima visita")
    page.get_by_role("button", name="Invia il voto").click()

    page.get_by_text("Grazie!").wait_for()
    assert rows(live_app, sa.select(Rating.stars, Rating.comment).filter_by(booking_id=booking_id)) == [
        (4, "Bellissima visita")]


def test_catalogue_filters_by_category_and_reads_offline(page, pilot, network):
    page.goto("/w/catalogo")
    page.locator(".event-card").first.wait_for()
    wait_for_service_worker(page)
    page.get_by_text("Filtra").click()

    page.get_by_label("Categoria").select_option("cinema")

    page.locator(".event-card", has_text="Cineforum").first.wait_for()
    page.wait_for_function("document.querySelectorAll('.event-card').length === 3")
    with network.offline():
        page.reload()  # the worker's copy of the catalogue
        page.get_by_text("Sei offline").wait_for()
        page.locator(".event-card", has_text="La locandiera").wait_for()
        page.get_by_text("Filtra").click()
        page.get_by_label("Categoria").select_option("teatro")  # never asked online: the saved events
        page.wait_for_function("document.querySelectorAll('.event-card').length === 2")
        assert page.locator(".event-card", has_text="Cineforum").count() == 0
        assert page.locator(".event-card", has_text="La locandiera").count() == 1


def test_history_lists_the_claim_and_the_booking(page, pilot):
    issued = pilot.claim_code(LUMEN)
    claim(page, issued.code)
    book(page, "Sei personaggi in cerca d'autore")

    page.get_by_role("link", name="Storico").click()

    page.get_by_role("heading", name="Storico").wait_for()
    page.locator(".history-booking").wait_for()
    assert "Sei personaggi" in page.locator(".history-booking").inner_text()
    assert "15,00" in page.locator(".history-booking").inner_text()
    assert page.locator(".history-claim").count() == 1


# --- language and accessibility ---------------------------------------------------------------

def test_english_switch_translates_and_persists(page, pilot):
    issued = pilot.claim_code(LUMEN)
    claim(page, issued.code)

    page.get_by_role("button", name="EN").click()

    page.get_by_text("offered by Lumen Energia S.p.A.").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator(".balance-big .money").inner_text() == "€50.00"
    page.reload()
    page.get_by_text("offered by Lumen Energia S.p.A.").wait_for()


@pytest.mark.parametrize("path", ["/", "/w", "/w/buoni", "/w/catalogo", "/w/biglietti", "/login"])
def test_pages_have_no_serious_accessibility_violations(page, pilot, path):
    issued = pilot.claim_code(LUMEN)
    voucher_id = claim(page, issued.code)
    page.goto(f"/w/buoni/{voucher_id}" if path == "/w/buoni" else path)
    page.locator("main h1").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
