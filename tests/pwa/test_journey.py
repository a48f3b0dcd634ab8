"""The whole journey in real Chromium, one person per browser, as DESIGN.md section 8
tells it: a sponsor tops up from the phone and the operator confirms the transfer; the
sponsor allocates a voucher to a school, whose teacher prints a claim card; a student
opens the card's link in the wallet; the theatre's door staff enrol their phone; then
nobody has a signal. The scanner's camera (Chromium's fake capture, playing a video of
the wallet's own QR as drawn on the student's screen) reads the presentation: accepted;
the same presentation shown again: refused, with its reason. Both apps reload offline.
Back online, the scanner's outbox reaches the server, which pays the venue from the
voucher, and the sponsor's impact report, which keeps this month's spend until the month closes.
"""
import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar import pyzbar

from server.payments.models import TopUp
from server.vouchers.models import Allocation
from tests.pwa.camera import FRAME_SIZE, blank_frame, ffmpeg, sequence_video
from tests.pwa.conftest import DESKTOP, Network, require, wait_for_service_worker
from tests.pwa.test_org_browser import (
    log_in, open_campaign, operator_confirms_transfer, organisation_id, rows, screenshot_qr, spend,
)
from tests.pwa.test_scanner_browser import (
    FIRST_SHOW, FIRST_SHOW_PRICE, LUMEN, ZXING_WASM, balances, dismiss, enrol, pending, scan_records,
    wait_for_pending,
)

pytestmark = pytest.mark.browser

SPONSOR = "Lumen Energia S.p.A."
SPONSOR_EMAIL = "sponsorship@lumen.demo.example"
SCHOOL = "Liceo Scientifico dei Tigli"
TEACHER_EMAIL = "referente.tigli@demo.example"


def euro_cents(text: str) -> int:
    """'1.234,50 €' -> 123450 (the app's Italian money format)."""
    digits = re.sub(r"[^\d,]", "", text)
    units, _, cents = digits.partition(",")
    return int(units or 0) * 100 + int((cents or "0").ljust(2, "0"))


def figure(page, label: str) -> str:
    return page.locator("dl.figures > div", has_text=label).locator("dd").inner_text().replace("\u00a0", " ")


def filmed_screen(screenshot: bytes) -> Image.Image:
    """The wallet's screen as the door camera sees it: its QR, enlarged, on a plain background."""
    shot = Image.open(io.BytesIO(screenshot)).convert("RGB")
    side = min(FRAME_SIZE) - 40
    scale = max(1, side // max(shot.size))
    shot = shot.resize((shot.width * scale, shot.height * scale), Image.NEAREST)
    frame = Image.new("RGB", FRAME_SIZE, "white")
    frame.paste(shot, ((FRAME_SIZE[0] - shot.width) // 2, (FRAME_SIZE[1] - shot.height) // 2))
    return frame


def read_qr(png: bytes) -> str:
    image = Image.open(io.BytesIO(png)).convert("L")
    image = image.resize((image.width * 3, image.height * 3), Image.NEAREST)  # zbar likes >= 4 px modules
    [found] = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return found.data.decode("ascii")


def test_from_a_sponsors_top_up_to_an_offline_scan_at_the_theatre_door_and_back_to_the_impact_report(
        page, people, camera_phone, pilot, live_app, live_server, tmp_path):
    require(ffmpeg() is not None, "ffmpeg is missing: run `make sysdeps` (Debian package ffmpeg)")
    # Five classmates already spent their Lumen voucher on the show: without them every
    # figure about this one student would be suppressed (fewer than 5 students).
    spend(live_app, pilot, [(FIRST_SHOW, 5)], campaign=LUMEN)
    school_id = organisation_id(live_app, SCHOOL)

    # 1. The sponsor, on the phone: the impact so far, then a top-up of 100 EUR.
    sponsor = people()
    log_in(sponsor, SPONSOR_EMAIL)
    open_campaign(sponsor, live_app, LUMEN, SPONSOR)
    campaign_page = sponsor.url
    topped_up_before = euro_cents(figure(sponsor, "Versato"))
    sponsor.get_by_role("link", name="Vedi l’impatto").click()
    sponsor.get_by_role("heading", name="Impatto della campagna").wait_for()
    headline_before = sponsor.locator(".impact-headline").inner_text()

    sponsor.goto(campaign_page)
    sponsor.get_by_label("Importo (€)").fill("100")
    sponsor.get_by_role("button", name="Prepara il bonifico").click()
    sponsor.wait_for_url(re.compile(r"/ricariche/\d+$"))
    sponsor.get_by_text("In attesa del bonifico").wait_for()
    reference = sponsor.locator('dl.sepa [data-field="reference"] .sepa-value').inner_text()

    # 2. The operator, at a desk, confirms the transfer arrived; the sponsor's page learns it.
    operator_confirms_transfer(people, reference)
    sponsor.get_by_text("Ricarica confermata").wait_for()
    assert rows(live_app, sa.select(TopUp.status).filter_by(reference=reference)) == [("confirmed",)]
    sponsor.goto(campaign_page)
    sponsor.locator("dl.figures > div", has_text="Versato").wait_for()
    assert euro_cents(figure(sponsor, "Versato")) == topped_up_before + 10_000

    # 3. The sponsor allocates one voucher to the school; the teacher prints its claim card.
    sponsor.get_by_label("Scuola").select_option(label=f"{SCHOOL} (Milano)")
    sponsor.get_by_label("Quanti buoni").fill("1")
    sponsor.get_by_role("button", name="Assegna i buoni").click()
    sponsor.get_by_text(f"a {SCHOOL}.").wait_for()

    teacher = people(DESKTOP)
    log_in(teacher, TEACHER_EMAIL, f"/o/school/{school_id}")
    [(allocation_id,)] = rows(live_app, sa.select(Allocation.id).filter_by(school_id=school_id)
                              .order_by(Allocation.id.desc()).limit(1))
    allocation = teacher.locator(f'.allocation-card[data-allocation="{allocation_id}"]')
    allocation.get_by_label("Quanti codici generare").fill("1")
    allocation.get_by_role("button", name="Genera i codici").click()
    teacher.wait_for_url(re.compile(rf"/o/school/{school_id}/stampa$"))
    claim_link = screenshot_qr(teacher.locator(".code-card svg.code-card-qr").first)
    assert claim_link.startswith(f"{live_server.url}/w/claim/")

    # 4. The student opens the card's link on the phone: the voucher is in the wallet.
    wallet = page
    wallet.goto(claim_link)
    wallet.wait_for_url(re.compile(r"/w/buoni/\d+$"))
    voucher_id = int(wallet.url.rsplit("/", 1)[1])
    wallet.get_by_text(f"offerto da {SPONSOR}").wait_for()
    assert wallet.locator(".balance-big .money").inner_text().replace("\u00a0", " ") == "50,00 €"
    wallet.locator("figure.presentation svg").wait_for()
    wait_for_service_worker(wallet)

    # 5. The door staff enrol their phone at the theatre; it downloads what it needs offline.
    video = tmp_path / "door-camera.y4m"  # filmed below, before the camera opens
    door = camera_phone(video).new_page()
    scanner_id, venue_id = enrol(door)
    assert FIRST_SHOW in door.locator("#sc-event option:checked").inner_text()
    wait_for_service_worker(door)
    door.wait_for_function(
        f"performance.getEntriesByType('resource').some((e) => e.name.endsWith('{ZXING_WASM}'))")
    money_before = balances(live_app, voucher_id, venue_id)

    # 6. No signal for anyone.
    with Network(live_server, wallet.context, door.context).offline():
        wallet.reload()  # from the service worker
        wallet.locator(".badge", has_text="Offline").wait_for()
        shown = wallet.locator(".qr-frame svg")
        shown.wait_for()
        screen = shown.screenshot()
        assert read_qr(screen).startswith("MP:")  # a presentation, made on the phone offline

        # The student holds the phone up for a moment, lowers it, then shows it again.
        sequence_video([(filmed_screen(screen), 2.5), (blank_frame(), 3.0)], video)
        door.locator('[data-online="false"]').wait_for()
        door.get_by_role("button", name="Avvia fotocamera").click()
        verdict = door.locator(".sc-verdict")
        verdict.wait_for(timeout=20_000)
        assert verdict.get_attribute("data-verdict") == "accepted"
        assert "Pagato 15,00 € con il buono" in verdict.inner_text()
        dismiss(door)

        verdict.wait_for(timeout=20_000)  # the same presentation, seen again
        assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == (
            "refused", "already_presented")
        assert "Già usato su questo dispositivo" in verdict.inner_text()
        dismiss(door)
        door.get_by_role("button", name="Ferma fotocamera").click()
        assert pending(door) == 2

        door.reload()  # the scanner too starts from its worker's cache, its outbox kept
        door.locator('[data-online="false"]').wait_for()
        wait_for_pending(door, 2)
        assert scan_records(live_app, scanner_id) == []  # the server has heard nothing yet

    # 7. Back online: the outbox goes; the venue is paid from the voucher.
    wait_for_pending(door, 0)
    assert scan_records(live_app, scanner_id) == [
        ("redeemed", "accepted", voucher_id, FIRST_SHOW_PRICE),
        ("refused", "already_presented", None, FIRST_SHOW_PRICE),
    ]
    money_after = balances(live_app, voucher_id, venue_id)
    assert (money_after[0] - money_before[0], money_after[1] - money_before[1]) == (-FIRST_SHOW_PRICE,
                                                                                    FIRST_SHOW_PRICE)
    wallet.reload()  # and the wallet, online again, shows what is left
    wallet.locator(".balance-big .money", has_text="35,00").wait_for()

    # 8. The sponsor's impact report does not move: this month's payments are published
    # once the month closes, with its other students (issue 13: one student's spend
    # cannot be read as the difference between two reports).
    sponsor.goto(campaign_page)
    sponsor.get_by_role("link", name="Vedi l’impatto").click()
    sponsor.get_by_role("heading", name="Impatto della campagna").wait_for()
    assert sponsor.locator(".impact-headline").inner_text() == headline_before
