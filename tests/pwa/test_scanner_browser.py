"""The entrance scanner in real Chromium against the live server and the demo pilot:
the staff enrol the phone, typed codes are accepted once and refused after with their
reason, stale data stops the scanner, revocations arrive incrementally, and the camera
(Chromium's fake capture device playing a QR code as video) decodes a presentation
offline through zxing-wasm, whose record reaches the server once the phone is online.
"""
import re
import time
import uuid
from pathlib import Path
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from server import demo
from server.catalogue import taxonomy
from server.catalogue.models import Event
from server.extensions import db
from server.ledger import api as ledger
from server.door.models import ScanRecord
from server.door import revocations
from server.door.models import VOUCHER
from signing import DeviceKey, base45, issue_voucher, keystore, parse_unverified, present, to_text
from tests.pwa.camera import ffmpeg, qr_frame, still_video
from tests.pwa.conftest import Network, require, serious_violations, wait_for_service_worker

pytestmark = pytest.mark.browser

LUMEN = "Lumen per la cultura"  # 50 EUR; theatre among its categories
THEATRE = "Teatro dei Navigli"
FIRST_SHOW = "La locandiera"  # the theatre's next event: the scanner's default
FIRST_SHOW_PRICE = 1500
ZXING_WASM = "/wasm/zxing_reader.wasm"


# --- a student's phone, in Python ---------------------------------------------------------

@dataclass
class StudentPhone:
    app: object
    device: DeviceKey
    token: str
    voucher_id: int
    credential: str

    def presentation(self, credential: str | None = None, now: int | None = None) -> str:
        """What the wallet shows at the door now (the PWA's wallet makes the same with WebCrypto)."""
        token = parse_unverified(credential or self.credential)
        return to_text(present(token, self.device, now=int(time.time()) if now is None else now))

    def book(self, event_id: int) -> str:
        """Book a seat with the voucher; the ticket credential."""
        answer = self.app.test_client().post(
            "/api/v1/wallet/bookings", json={"event_id": event_id, "voucher_id": self.voucher_id,
                                             "request_id": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": str(uuid.uuid4())})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()["ticket"]


def claim_voucher(app, pilot, campaign: str = LUMEN) -> StudentPhone:
    """A seeded claim code claimed through the wallet API, as the PWA's wallet does."""
    device = DeviceKey.generate()
    key_hex = device.public_bytes.hex()
    client = app.test_client()
    challenge = client.post("/api/v1/wallet/challenge", json={"device_key": key_hex}).get_json()["challenge"]
    session = client.post("/api/v1/wallet/session", json={
        "device_key": key_hex, "challenge": challenge, "signature": device.sign(challenge.encode()).hex()}).get_json()
    answer = client.post("/api/v1/wallet/claims", json={"code": pilot.claim_code(campaign).code},
                         headers={"Authorization": f"Bearer {session['token']}", "Idempotency-Key": str(uuid.uuid4())})
    assert answer.status_code == 201, answer.get_json()
    voucher = answer.get_json()
    return StudentPhone(app, device, session["token"], voucher["id"], voucher["credential"])


def event_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Event.id).filter_by(title=title).order_by(Event.starts_at).limit(1))


def tampered(presentation: str) -> str:
    """The same presentation with one bit of the phone's signature flipped."""
    data = bytearray(base45.decode(presentation[3:]))
    data[-1] ^= 0x01
    return presentation[:3] + base45.encode(bytes(data))


# --- the server's books -------------------------------------------------------------------

def scan_records(app, scanner_id: int) -> list[tuple]:
    with app.app_context():
        found = db.session.execute(
            sa.select(ScanRecord.outcome, ScanRecord.scanner_result, ScanRecord.voucher_id, ScanRecord.amount_cents)
            .where(ScanRecord.scanner_id == scanner_id).order_by(ScanRecord.scanned_at, ScanRecord.id)).all()
        db.session.rollback()
        return [tuple(row) for row in found]


def balances(app, voucher_id: int, venue_id: int) -> tuple[int, int]:
    with app.app_context():
        found = (ledger.account("voucher", voucher_id).balance_cents,
                 ledger.account("venue_payable", venue_id).balance_cents)
        db.session.rollback()
        return found


def revoke_voucher(app, voucher_id: int) -> None:
    with app.app_context():
        revocations.add(kind=VOUCHER, value=voucher_id, reason="test", now=datetime.now(timezone.utc))
        db.session.commit()


# --- the scanner's screens ----------------------------------------------------------------

def enrol(page) -> tuple[int, int]:
    """Log in as the theatre's door staff from /s, enrol the phone; (scanner id, venue id)."""
    page.goto("/s")
    page.get_by_role("link", name="Accedi").click()
    page.wait_for_url(re.compile(r"/login\?next=/s$"))
    page.get_by_label("Email").fill(demo.STAFF_EMAIL)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url(re.compile(r"/s$"))
    assert page.get_by_role("radio", name=THEATRE).is_checked()  # the staff's one venue, chosen for them
    page.get_by_role("button", name="Registra questo telefono").click()
    page.locator(".sc-status").wait_for()
    page.get_by_text("Dati aggiornati adesso").wait_for()
    scanner_id = int(page.locator("[data-scanner-id]").get_attribute("data-scanner-id"))
    return scanner_id, venue_id_of(page)


def read_enrolment(page, returns: str):
    """``returns``, a JavaScript expression over ``enrolment``: what the phone keeps in
    IndexedDB about its enrolment (the key itself cannot leave the page)."""
    return page.evaluate("""async () => {
      const db = await new Promise((ok, ko) => {
        const r = indexedDB.open('mentoring');
        r.onsuccess = () => ok(r.result);
        r.onerror = () => ko(r.error);
      });
      const enrolment = await new Promise((ok) => {
        const r = db.transaction('scanner').objectStore('scanner').get('enrolment');
        r.onsuccess = () => ok(r.result);
      });
      db.close();
      return (RETURNS);
    }""".replace("RETURNS", returns))


def stored_enrolment(page) -> dict:
    """What the phone keeps in IndexedDB about its enrolment (the key itself stays unreadable)."""
    return read_enrolment(page, """{venueId: enrolment.venueId, since: enrolment.bundle.revocations.since,
              extractable: enrolment.privateKey.extractable, algorithm: enrolment.privateKey.algorithm.name}""")


def venue_id_of(page) -> int:
    return stored_enrolment(page)["venueId"]


def type_code(page, text: str):
    """Type (paste) a code and check it; the verdict screen."""
    manual = page.locator("details.sc-manual")
    if manual.get_attribute("open") is None:
        page.get_by_text("Inserisci il codice a mano").click()
    page.get_by_label("Codice (inizia con MP:)").fill(text)
    page.get_by_role("button", name="Verifica").click()
    verdict = page.locator(".sc-verdict")
    verdict.wait_for()
    return verdict


def dismiss(page):
    page.get_by_role("button", name="Tocca per continuare").click()
    page.locator(".sc-verdict").wait_for(state="detached")


def pending(page) -> int:
    return int(page.locator(".sc-pending").get_attribute("data-count"))


def wait_for_pending(page, count: int):
    page.locator(f'.sc-pending[data-count="{count}"]').wait_for(timeout=20_000)


# --- typed codes ------------------------------------------------------------------------

def test_a_typed_presentation_is_accepted_once_then_refused_and_a_tampered_one_refused(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    scanner_id, venue_id = enrol(page)
    assert FIRST_SHOW in page.locator("#sc-event option:checked").inner_text()
    assert page.get_by_label("Importo da pagare col buono (€)").input_value() == "15,00"
    assert stored_enrolment(page)["extractable"] is False  # the scanner key cannot be read out
    before = balances(live_app, phone.voucher_id, venue_id)
    shown = phone.presentation()

    verdict = type_code(page, shown)
    assert verdict.get_attribute("data-verdict") == "accepted"
    assert "Valido" in verdict.inner_text()
    assert "Pagato 15,00 € con il buono" in verdict.inner_text()
    dismiss(page)

    verdict = type_code(page, shown)
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused",
                                                                                          "already_presented")
    assert "Già usato su questo dispositivo" in verdict.inner_text()
    dismiss(page)

    verdict = type_code(page, tampered(phone.presentation()))
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused",
                                                                                          "bad_device_signature")
    assert "Firma del telefono non valida" in verdict.inner_text()
    dismiss(page)

    # Online: the three records go to the server soon after; it pays the one accepted.
    wait_for_pending(page, 0)
    assert scan_records(live_app, scanner_id) == [
        ("redeemed", "accepted", phone.voucher_id, FIRST_SHOW_PRICE),
        ("refused", "already_presented", None, FIRST_SHOW_PRICE),  # refusals move nothing: no voucher kept
        ("refused", "bad_device_signature", None, FIRST_SHOW_PRICE),
    ]
    after = balances(live_app, phone.voucher_id, venue_id)
    assert (after[0] - before[0], after[1] - before[1]) == (-FIRST_SHOW_PRICE, FIRST_SHOW_PRICE)
    assert page.locator(".sc-last-sync").inner_text().startswith("Ultimo invio: ")
    assert "mai" not in page.locator(".sc-last-sync").inner_text()

    page.get_by_role("link", name="Registro").click()
    entries = page.locator(".sc-log li")
    entries.first.wait_for()
    assert [entries.nth(i).get_attribute("data-code") for i in range(entries.count())] == [
        "bad_device_signature", "already_presented", "accepted"]
    assert "inviata" in entries.last.inner_text()


def test_a_ticket_lets_one_person_in_without_money_and_only_at_its_event(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    ticket = phone.book(event_id(live_app, FIRST_SHOW))
    scanner_id, venue_id = enrol(page)
    shown = phone.presentation(ticket)
    page.get_by_label("Evento").select_option(value=str(event_id(live_app, "Sei personaggi in cerca d'autore")))

    verdict = type_code(page, shown)
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused", "out_of_scope")
    assert "Biglietto per un altro evento" in verdict.inner_text()
    dismiss(page)

    page.get_by_label("Evento").select_option(value=str(event_id(live_app, FIRST_SHOW)))
    verdict = type_code(page, shown)
    assert verdict.get_attribute("data-verdict") == "accepted"
    assert "Biglietto valido: può entrare" in verdict.inner_text()
    assert "€" not in verdict.inner_text()
    dismiss(page)

    verdict = type_code(page, shown)
    assert verdict.get_attribute("data-code") == "already_presented"
    assert "Biglietto già usato su questo dispositivo" in verdict.inner_text()
    dismiss(page)
    wait_for_pending(page, 0)
    assert [row[0] for row in scan_records(live_app, scanner_id)] == ["refused", "checked_in", "refused"]


def test_with_no_event_chosen_the_typed_price_is_paid_at_the_door(page, pilot, live_app):
    """The theatre offers theatre, dance and courses; the Lumen voucher allows theatre."""
    phone = claim_voucher(live_app, pilot)
    scanner_id, _ = enrol(page)
    page.get_by_label("Evento").select_option(label="Nessun evento: scrivo il prezzo")
    price = page.get_by_label("Importo da pagare col buono (€)")
    expect(price).to_have_value("")
    page.get_by_text("Senza evento: scrivi il prezzo").wait_for()

    verdict = type_code(page, phone.presentation())
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused",
                                                                                          "invalid_amount")
    dismiss(page)
    price.fill("9,00")
    verdict = type_code(page, phone.presentation(now=int(time.time()) + 15))

    assert verdict.get_attribute("data-verdict") == "accepted"
    assert "Pagato 9,00 € con il buono" in verdict.inner_text()
    dismiss(page)
    wait_for_pending(page, 0)
    assert [(row[0], row[3]) for row in scan_records(live_app, scanner_id)] == [("redeemed", 900)]


def test_a_typed_reduction_is_what_the_voucher_pays(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    enrol(page)
    page.get_by_label("Importo da pagare col buono (€)").fill("7,50")

    verdict = type_code(page, phone.presentation())

    assert verdict.get_attribute("data-verdict") == "accepted"
    assert "Pagato 7,50 € con il buono" in verdict.inner_text()
    dismiss(page)
    page.get_by_label("Importo da pagare col buono (€)").fill("sette")
    verdict = type_code(page, phone.presentation(now=int(time.time()) + 15))
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused",
                                                                                          "invalid_amount")


def test_a_revocation_reaches_the_door_with_the_next_incremental_refresh(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    revoke_voucher(live_app, 10**9)  # the list is not empty at enrolment: the since-token moves
    enrol(page)
    since = stored_enrolment(page)["since"]
    assert since > 0
    revoke_voucher(live_app, phone.voucher_id)
    generated = page.locator("[data-bundle-at]").get_attribute("data-bundle-at")

    with page.expect_request(lambda request: "/bootstrap" in request.url) as bootstrap:
        page.locator(".sc-status").get_by_role("button", name="Aggiorna dati").click()
    page.wait_for_function("(before) => document.querySelector('[data-bundle-at]').dataset.bundleAt !== before",
                           arg=generated)

    assert re.search(rf"[?&]since={since}(&|$)", bootstrap.value.url)
    assert stored_enrolment(page)["since"] > since
    verdict = type_code(page, phone.presentation())
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused", "revoked")
    assert "Buono bloccato" in verdict.inner_text()


def test_stale_data_stops_the_scanner_and_says_so(page, pilot):
    page.clock.install()
    enrol(page)
    assert page.locator("#sc-manual-text").is_enabled()

    page.clock.set_system_time(datetime.now(timezone.utc) + timedelta(hours=25))
    page.clock.run_for(16_000)  # the status line re-reads the clock every 15 s

    page.get_by_text("Dati troppo vecchi: scanner fermo").wait_for()
    assert page.get_by_text("Dati aggiornati 1 h fa").count() == 0
    assert page.locator(".sc-freshness").get_attribute("data-stale") == "true"
    assert page.locator("#sc-manual-text").is_disabled()
    assert page.get_by_role("button", name="Avvia fotocamera").is_disabled()


def test_the_enrolment_asks_for_a_login_first(page, pilot):
    page.goto("/s")
    page.get_by_text("Accedi con l’account del personale del luogo").wait_for()
    assert page.get_by_role("link", name="Accedi").get_attribute("href") == "/login?next=/s"


def test_records_of_an_earlier_enrolment_still_reach_the_server_after_enrolling_again(page, pilot, live_app,
                                                                                      live_server):
    phone = claim_voucher(live_app, pilot)
    first_scanner, _ = enrol(page)
    live_server.stop()  # the record cannot go yet
    try:
        assert type_code(page, phone.presentation()).get_attribute("data-verdict") == "accepted"
        dismiss(page)
        wait_for_pending(page, 1)
    finally:
        live_server.start()

    page.get_by_role("link", name="Registro").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Registra di nuovo questo telefono").click()
    page.get_by_role("button", name="Registra questo telefono").click()
    page.locator(".sc-status").wait_for()
    second_scanner = int(page.locator("[data-scanner-id]").get_attribute("data-scanner-id"))
    assert second_scanner != first_scanner
    page.get_by_role("button", name="Invia ora").click()

    wait_for_pending(page, 0)
    assert scan_records(live_app, first_scanner) == [("redeemed", "accepted", phone.voucher_id, FIRST_SHOW_PRICE)]
    assert scan_records(live_app, second_scanner) == []


def test_students_never_download_the_qr_decoder(page, pilot):
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto("/w")
    page.get_by_label("Codice del buono").wait_for()
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert fetched and not [url for url in fetched if url.endswith(".wasm")]


# --- the camera -----------------------------------------------------------------------------

@pytest.fixture
def camera_video(tmp_path):
    """A function that films a text's QR code for Chromium's fake camera."""
    require(ffmpeg() is not None, "ffmpeg is missing: run `make sysdeps` (Debian package ffmpeg)")

    def film(text: str):
        return still_video(qr_frame(text), tmp_path / "qr.y4m", seconds=3, fps=15)

    return film


def test_the_camera_reads_a_presentation_offline_and_the_record_reaches_the_server_online(
        pilot, live_app, live_server, camera_video, camera_phone):
    phone = claim_voucher(live_app, pilot)
    video = camera_video(phone.presentation())
    context = camera_phone(video)
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    scanner_id, venue_id = enrol(page)
    wait_for_service_worker(page)
    # The decoder's WebAssembly, fetched at enrolment while online (the worker keeps a copy).
    page.wait_for_function(f"performance.getEntriesByType('resource').some((e) => e.name.endsWith('{ZXING_WASM}'))")
    before = balances(live_app, phone.voucher_id, venue_id)

    with Network(live_server, context).offline():
        page.locator('[data-online="false"]').wait_for()
        page.get_by_role("button", name="Avvia fotocamera").click()
        verdict = page.locator(".sc-verdict")
        verdict.wait_for(timeout=20_000)

        assert verdict.get_attribute("data-verdict") == "accepted"
        assert "Pagato 15,00 € con il buono" in verdict.inner_text()
        assert page.locator(".sc-viewfinder").get_attribute("data-decoder") == "zxing"
        dismiss(page)
        page.get_by_role("button", name="Ferma fotocamera").click()
        assert pending(page) == 1
        assert scan_records(live_app, scanner_id) == []

    wait_for_pending(page, 0)
    assert scan_records(live_app, scanner_id) == [("redeemed", "accepted", phone.voucher_id, FIRST_SHOW_PRICE)]
    after = balances(live_app, phone.voucher_id, venue_id)
    assert (after[0] - before[0], after[1] - before[1]) == (-FIRST_SHOW_PRICE, FIRST_SHOW_PRICE)
    # Everything came from our server: the decoder's wasm too, never a CDN.
    assert any(url == live_server.url + ZXING_WASM for url in requests)
    assert [url for url in requests if not url.startswith((live_server.url, "data:", "blob:"))] == []


def test_a_record_the_server_will_not_pay_is_flagged_on_the_phone(page, pilot, live_app):
    """A credential the issuer really signed, for a voucher the server does not have:
    the phone cannot know and accepts it; the server rejects the record, and the staff
    are told, with the record marked in the log, until they acknowledge it."""
    keyset = keystore.load(Path(live_app.instance_path))
    now = int(time.time())
    with live_app.app_context():
        theatre = taxonomy.categories()["teatro"].code
    holder = DeviceKey.generate()
    # An allowance whose share on this scanner (half, with two slots) covers the show.
    credential = issue_voucher(keyset, now=now, voucher_id=10**8, campaign_id=1, categories={theatre},
                               offline_allowance_cents=5_000, valid_from=now - 3_600, valid_until=now + 86_400,
                               device_key=holder.public_bytes)
    enrol(page)

    verdict = type_code(page, to_text(present(credential, holder, now=now)))
    assert verdict.get_attribute("data-verdict") == "accepted"
    dismiss(page)

    warning = page.get_by_text("Il server ha respinto 1 registrazione: non sarà pagata.")
    warning.wait_for(timeout=20_000)
    page.get_by_role("link", name="Registro").first.click()
    page.locator(".sc-log li").first.wait_for()
    assert "respinta dal server" in page.locator(".sc-log li").first.inner_text()
    page.get_by_role("link", name="Torna allo scanner").click()
    page.get_by_role("button", name="Ho capito").click()
    warning.wait_for(state="detached")


# --- background sync, language, accessibility ------------------------------------------------

def wait_for_records(app, scanner_id: int, *, timeout: float = 20.0) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = scan_records(app, scanner_id)
        if found:
            return found
        time.sleep(0.2)
    return []


def test_background_sync_in_the_worker_delivers_the_outbox_with_no_scanner_page_open(page, pilot, live_app,
                                                                                     live_server):
    phone = claim_voucher(live_app, pilot)
    scanner_id, _ = enrol(page)
    wait_for_service_worker(page)
    live_server.stop()  # no answer from the server, though the phone believes it is online
    try:
        verdict = type_code(page, phone.presentation())
        assert verdict.get_attribute("data-verdict") == "accepted"
        dismiss(page)
        tags = page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.sync.getTags())")
        assert "scanner-outbox" in tags
        page.goto("/")  # the home page, from the worker's cache: no scanner code runs in the page now
        page.get_by_role("link", name=re.compile("Scanner ingresso")).wait_for()
    finally:
        live_server.start()
    assert scan_records(live_app, scanner_id) == []

    # What the browser does when connectivity returns, done now through DevTools.
    session = page.context.new_cdp_session(page)
    registrations = []
    session.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    session.send("ServiceWorker.enable")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(100)
    registration = next(r for r in registrations if not r["isDeleted"])
    session.send("ServiceWorker.dispatchSyncEvent", {"origin": live_server.url, "tag": "scanner-outbox",
                                                     "registrationId": registration["registrationId"],
                                                     "lastChance": False})

    assert wait_for_records(live_app, scanner_id) == [("redeemed", "accepted", phone.voucher_id, FIRST_SHOW_PRICE)]


def test_the_verdict_speaks_english_after_the_switch(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    enrol(page)
    page.get_by_role("button", name="EN").click()
    page.get_by_text("Data updated just now").wait_for()

    page.get_by_text("Type the code").click()
    page.get_by_label("Code (starts with MP:)").fill(phone.presentation())
    page.get_by_role("button", name="Check", exact=True).click()

    verdict = page.locator(".sc-verdict")
    verdict.wait_for()
    assert "Valid" in verdict.inner_text()
    assert "Paid €15.00 with the voucher" in verdict.inner_text()


@pytest.mark.parametrize("path", ["/s", "/s/registro"])
def test_scanner_pages_have_no_serious_accessibility_violations(page, pilot, live_app, path):
    phone = claim_voucher(live_app, pilot)
    enrol(page)
    type_code(page, phone.presentation())
    dismiss(page)
    if path != "/s":
        page.get_by_role("link", name="Registro").click()
        page.locator(".sc-log li").first.wait_for()
    assert serious_violations(page) == []


def test_the_verdict_screen_has_no_serious_accessibility_violations(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    enrol(page)
    for shown in (phone.presentation(), tampered(phone.presentation())):
        type_code(page, shown)
        assert serious_violations(page, ".sc-verdict") == []
        dismiss(page)
