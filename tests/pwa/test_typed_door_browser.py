"""The door always has a way in (issue 12): the typed door code at an online scanner, the
same code refused offline with a clear message, and "Avvia fotocamera" above the fold
of a 360×640 phone with the event and the price in view while the camera runs.

The helpers (enrolment through the staff login, a claimed voucher, the server's records)
are test_scanner_browser.py's.
"""
import time

import pytest

from server.door import typed, typed_code
from server.extensions import db
from server.vouchers.models import Voucher
from tests.pwa.conftest import serious_violations
from tests.pwa.test_scanner_browser import (
    FIRST_SHOW_PRICE, LUMEN, balances, camera_video, claim_voucher, dismiss, enrol, scan_records,
)
from tests.pwa.test_wallet_browser import claim

pytestmark = pytest.mark.browser
__all__ = ["camera_video"]  # a fixture, used by name below


def door_code(app, voucher_id: int, at: int | None = None) -> str:
    """The six digits the student's wallet shows under its QR now (or at ``at``)."""
    with app.app_context():
        key = typed.door_code_key(db.session.get(Voucher, voucher_id))
    return typed_code.code(key, (int(time.time()) if at is None else at) // typed_code.STEP_SECONDS)


def type_door_code(page, voucher_id: int, digits: str):
    page.get_by_label("Numero del buono").fill(str(voucher_id))
    page.get_by_label("Codice (6 cifre)").fill(digits)
    page.get_by_role("button", name="Invia codice").click()


def test_a_typed_door_code_is_checked_by_the_server_and_paid_once(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    scanner_id, venue_id = enrol(page)
    before = balances(live_app, phone.voucher_id, venue_id)

    # One code, typed twice below: computed again, it could belong to the next 15 s step,
    # a new presentation the voucher could no longer afford instead of a replay.
    digits = door_code(live_app, phone.voucher_id)
    type_door_code(page, phone.voucher_id, digits)
    verdict = page.locator(".sc-verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "accepted", verdict.inner_text()
    assert "Codice valido: pagato dal buono." in verdict.inner_text()
    assert "15,00" in verdict.inner_text()
    dismiss(page)
    # Paid at once, online: nothing waits in the outbox for it.
    assert scan_records(live_app, scanner_id) == [("redeemed", "accepted", phone.voucher_id, FIRST_SHOW_PRICE)]
    after = balances(live_app, phone.voucher_id, venue_id)
    assert (after[0] - before[0], after[1] - before[1]) == (-FIRST_SHOW_PRICE, FIRST_SHOW_PRICE)

    # The same code again (a second tap): the presentation is paid, the staff are told why.
    type_door_code(page, phone.voucher_id, digits)
    verdict.wait_for()
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == (
        "refused", "presentation_replayed")
    assert "già stato usato" in verdict.inner_text()
    dismiss(page)

    # A code from two minutes ago: refused, nothing paid.
    type_door_code(page, phone.voucher_id, door_code(live_app, phone.voucher_id, at=int(time.time()) - 120))
    verdict.wait_for()
    assert verdict.get_attribute("data-code") == "wrong_typed_code"
    assert "Codice sbagliato o scaduto" in verdict.inner_text()
    assert not serious_violations(page, ".sc-verdict")
    dismiss(page)
    assert balances(live_app, phone.voucher_id, venue_id) == after


def test_the_wallet_shows_the_door_code_under_its_qr_and_the_door_takes_it(page, people, pilot, live_app):
    student = people()
    voucher_id = claim(student, pilot.claim_code(LUMEN).code)
    shown = student.locator("figure.presentation .typed-door-code")
    shown.wait_for()
    step, digits = int(shown.get_attribute("data-step")), shown.get_attribute("data-door-code")
    # The same step as the QR above it, and the digits the server derives for it.
    assert step == int(student.locator("figure.presentation").get_attribute("data-step"))
    assert digits == door_code(live_app, voucher_id, at=step * typed_code.STEP_SECONDS)
    assert f"Buono n. {voucher_id}" in shown.inner_text()
    assert f"{digits[:3]} {digits[3:]}" in shown.inner_text()
    assert not serious_violations(student, "figure.presentation")

    scanner_id, _ = enrol(page)
    type_door_code(page, voucher_id, digits)
    verdict = page.locator(".sc-verdict")
    verdict.wait_for()
    assert verdict.get_attribute("data-verdict") == "accepted", verdict.inner_text()
    assert scan_records(live_app, scanner_id) == [("redeemed", "accepted", voucher_id, FIRST_SHOW_PRICE)]


def test_offline_a_typed_code_is_refused_with_a_clear_message_and_nothing_is_sent(page, context, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    scanner_id, _ = enrol(page)
    context.set_offline(True)
    page.locator('[data-online="false"]').wait_for()
    page.locator(".sc-typed-offline").wait_for()
    assert "Serve la connessione per il codice digitato" in page.locator(".sc-typed-offline").inner_text()
    type_door_code(page, phone.voucher_id, door_code(live_app, phone.voucher_id))
    problem = page.locator(".sc-typed-problem")
    problem.wait_for()
    assert "Serve la connessione per il codice digitato" in problem.inner_text()
    assert page.locator(".sc-verdict").count() == 0
    context.set_offline(False)
    assert scan_records(live_app, scanner_id) == []
    assert not serious_violations(page, ".sc-typed")
    # The form fits the narrowest phones: no sideways scroll at 320 px.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def _in_view(page, selector: str) -> bool:
    return page.evaluate("""(selector) => {
      const box = document.querySelector(selector).getBoundingClientRect();
      return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
    }""", selector)


def test_the_camera_starts_above_the_fold_with_the_event_and_price_in_view(pilot, live_app, camera_video,
                                                                          camera_phone):
    phone = claim_voucher(live_app, pilot)
    page = camera_phone(camera_video(phone.presentation())).new_page()
    assert page.viewport_size == {"width": 360, "height": 640}
    enrol(page)
    page.evaluate("window.scrollTo(0, 0)")
    start = page.get_by_role("button", name="Avvia fotocamera")
    box = start.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640, box
    assert _in_view(page, "#sc-event") and _in_view(page, "#sc-amount")

    start.click()
    page.locator('.sc-viewfinder[data-camera="on"]').wait_for(timeout=20_000)
    # While scanning, the chosen event and its price stay on screen with the camera.
    page.evaluate("window.scrollTo(0, 0)")
    assert _in_view(page, "#sc-event") and _in_view(page, "#sc-amount")
    viewfinder = page.locator(".sc-viewfinder").bounding_box()
    assert viewfinder["y"] < 640 and viewfinder["height"] > 100
    # The fake camera has no torch: none is offered rather than one that fails.
    assert page.locator(".sc-viewfinder").get_attribute("data-torch") == "none"
    # The verdict is felt and heard (the fake camera films the student's QR).
    page.locator(".sc-verdict").wait_for(timeout=20_000)
    dismiss(page)
    page.get_by_role("button", name="Suono e vibrazione attivi").click()
    assert page.evaluate("localStorage.getItem('mentoring.scanner.muted')") == "on"
    page.get_by_role("button", name="Suono e vibrazione spenti").wait_for()
