"""The scanner and the door rules of issue 9 in real Chromium against the live server:
the phone shows its share of every voucher's offline allowance, learns from its own
sync answer that a voucher is frozen (no bundle download needed before the next scan),
and, once it knows the venue retired it, refuses every code in red.

The helpers (enrolment through the staff login, typed codes, the server's records) are
test_scanner_browser.py's.
"""
import re
import time
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from server import demo
from server.accounts import api as accounts_api
from server.accounts.models import Organisation, User
from server.campaigns.models import Campaign
from server.door import enrolment as door_enrolment
from server.door.models import ScannerDevice
from server.extensions import db
from signing import DeviceKey, record_scan, to_text
from tests.pwa.conftest import DESKTOP, serious_violations
from tests.pwa.test_org_browser import log_in
from tests.pwa.test_scanner_browser import (
    FIRST_SHOW, LUMEN, claim_voucher, dismiss, enrol, event_id, read_enrolment, scan_records, type_code,
    wait_for_pending,
)

pytestmark = pytest.mark.browser


def bundle_of(page) -> dict:
    """The bundle the phone keeps in IndexedDB (share, slot, revocation cursor, age)."""
    return read_enrolment(page, """{share: enrolment.bundle.allowance_share_bp, slot: enrolment.bundle.slot,
        slots: enrolment.bundle.slots, since: enrolment.bundle.revocations.since,
        entries: enrolment.bundle.revocations.entries, generatedAt: enrolment.bundle.generated_at,
        retiredAt: enrolment.retiredAt || null}""")


def retire_scanner(app, scanner_id: int) -> None:
    """The venue's owner retires the phone (the venue page's Retire button, server side)."""
    with app.app_context():
        scanner = db.session.get(ScannerDevice, scanner_id)
        door_enrolment.retire(venue=accounts_api.get_organisation(scanner.venue_id), scanner_id=scanner_id,
                              now=datetime.now(timezone.utc))
        db.session.commit()


def voucher_balance_left(phone, cents: int, titles: tuple[str, ...]) -> None:
    """Spend the voucher online (seats booked with it) until `cents` are left."""
    for title in titles:
        phone.book(event_id(phone.app, title))
    answer = phone.app.test_client().get("/api/v1/wallet/vouchers",
                                         headers={"Authorization": f"Bearer {phone.token}"})
    assert answer.status_code == 200, answer.get_json()
    voucher = next(v for v in answer.get_json() if v["id"] == phone.voucher_id)
    assert voucher["balance_cents"] == cents, voucher


def test_the_scanner_shows_its_share_of_every_vouchers_offline_allowance(page, pilot, live_app):
    enrol(page)
    stored = bundle_of(page)
    assert 1 <= stored["share"] <= 10_000 and 1 <= stored["slot"] <= stored["slots"]

    share = page.locator(".sc-share")
    assert share.get_attribute("data-share-bp") == str(stored["share"])
    text = share.inner_text()
    assert f"Scanner {stored['slot']} di {stored['slots']}" in text
    if stored["share"] * stored["slots"] == 10_000:
        assert f"Quota offline di questo scanner: 1/{stored['slots']} del limite di ogni buono" in text

    page.get_by_role("button", name="EN").click()
    page.get_by_text(f"Scanner {stored['slot']} of {stored['slots']}").wait_for()
    assert "offline share" in share.inner_text()


def test_the_share_limits_what_one_scanner_accepts_and_says_so(page, pilot, live_app):
    """Lumen's offline allowance: this scanner takes its share of it, no more."""
    allowance = next(plan.offline_allowance_cents for plan in demo.CAMPAIGNS if plan.name == LUMEN)
    phone = claim_voucher(live_app, pilot)
    enrol(page)
    limit = allowance * bundle_of(page)["share"] // 10_000
    over = limit + 1
    page.get_by_label("Importo da pagare col buono (€)").fill(f"{over // 100},{over % 100:02d}")

    verdict = type_code(page, phone.presentation())

    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused",
                                                                                          "allowance_exceeded")
    euros = f"{limit // 100},{limit % 100:02d} €"
    assert f"Supera il limite offline di {euros} su questo scanner" in verdict.inner_text()


def test_a_voucher_frozen_by_this_scanners_own_sync_is_refused_at_the_next_scan_without_a_download(
        page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    # 50,00 € less three seats booked online (15 + 15 + 18): 2,00 € left on the voucher.
    voucher_balance_left(phone, 200, (FIRST_SHOW, "Sei personaggi in cerca d'autore",
                                      "Il lago dei cigni — giovani danzatori"))
    scanner_id, _ = enrol(page)
    before = bundle_of(page)
    downloads = []
    page.context.on("request", lambda request: "/bootstrap" in request.url and downloads.append(request.url))
    syncs = []
    page.context.on("request", lambda request: request.url.endswith("/sync") and syncs.append(request.post_data_json))

    # Offline the phone cannot know: 5,00 € fit its share of the allowance.
    page.get_by_label("Importo da pagare col buono (€)").fill("5,00")
    verdict = type_code(page, phone.presentation())
    assert verdict.get_attribute("data-verdict") == "accepted"
    dismiss(page)
    wait_for_pending(page, 0)

    # Paid (the venue followed the rules), 3,00 € over the balance: the voucher is frozen,
    # and the answer to this very sync told the phone.
    assert scan_records(live_app, scanner_id) == [("redeemed", "accepted", phone.voucher_id, 500)]
    assert syncs and syncs[0]["since"] == before["since"]
    page.wait_for_function("(since) => Number(document.querySelector('[data-since]').dataset.since) > since",
                           arg=before["since"])
    after = bundle_of(page)
    assert {"kind": "voucher", "value": str(phone.voucher_id)} in after["entries"]
    assert after["generatedAt"] == before["generatedAt"]  # the data age is still the download's

    verdict = type_code(page, phone.presentation(now=int(time.time()) + 15))
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused", "revoked")
    assert "Buono bloccato" in verdict.inner_text()
    assert downloads == []


def test_a_voucher_of_a_campaign_for_another_territory_is_refused_at_the_door(page, pilot, live_app):
    """Lumen given to Rome only (for this test): the bundle names it, the scanner refuses
    its voucher offline in plain words, and the record it sends is a refusal, not paid."""
    phone = claim_voucher(live_app, pilot)
    with live_app.app_context():
        lumen = db.session.scalar(sa.select(Campaign).filter_by(name=LUMEN))
        territory, lumen.territory = lumen.territory, ["058091"]
        db.session.commit()
    try:
        scanner_id, _ = enrol(page)
        page.get_by_label("Importo da pagare col buono (€)").fill("5,00")
        verdict = type_code(page, phone.presentation())
    finally:
        with live_app.app_context():
            db.session.scalar(sa.select(Campaign).filter_by(name=LUMEN)).territory = territory
            db.session.commit()
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused", "out_of_scope")
    assert "Questo buono non vale in questo comune" in verdict.inner_text()
    dismiss(page)
    wait_for_pending(page, 0)
    assert scan_records(live_app, scanner_id) == [("refused", "out_of_scope", None, 500)]


def test_a_retired_scanner_says_so_and_refuses_every_code_in_red(page, pilot, live_app):
    phone = claim_voucher(live_app, pilot)
    scanner_id, _ = enrol(page)
    retire_scanner(live_app, scanner_id)
    time.sleep(1.1)  # records are dated in whole seconds: this one in the second after

    # It does not know yet: this code is accepted here, and its record tells it.
    page.get_by_label("Importo da pagare col buono (€)").fill("5,00")
    verdict = type_code(page, phone.presentation())
    assert verdict.get_attribute("data-verdict") == "accepted"
    dismiss(page)
    notice = page.locator(".sc-retired")
    notice.wait_for(timeout=20_000)
    assert "Scanner disattivato" in notice.inner_text()
    assert "Non far entrare nessuno con questo telefono" in notice.inner_text()
    assert bundle_of(page)["retiredAt"]
    assert serious_violations(page, ".sc-status-block") == []

    verdict = type_code(page, phone.presentation(now=int(time.time()) + 15))
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused",
                                                                                          "scanner_retired")
    assert re.search(r"Scanner disattivato: .*Non far entrare con questo telefono", verdict.inner_text())
    dismiss(page)
    wait_for_pending(page, 0)
    # Both records reached the server; neither is paid: the phone was retired before it scanned.
    outcomes = [row[0] for row in scan_records(live_app, scanner_id)]
    assert len(outcomes) == 2 and "redeemed" not in outcomes

    # Reloaded, it still knows.
    page.reload()
    page.locator(".sc-retired").wait_for()
    verdict = type_code(page, phone.presentation(now=int(time.time()) + 30))
    assert verdict.get_attribute("data-code") == "scanner_retired"


def test_a_retired_scanner_learns_it_from_a_data_download_too(page, pilot, live_app):
    scanner_id, _ = enrol(page)
    retire_scanner(live_app, scanner_id)

    page.locator(".sc-status").get_by_role("button", name="Aggiorna dati").click()

    page.locator(".sc-retired").wait_for()
    assert bundle_of(page)["retiredAt"]
    verdict = type_code(page, "MP:NOT-A-CODE")
    assert verdict.get_attribute("data-code") == "scanner_retired"


# --- the operator's card ------------------------------------------------------------------------

def enrol_in_python(app, venue_name: str, label: str) -> tuple[int, DeviceKey]:
    """A scanner phone of another venue, enrolled as its staff would (key made here)."""
    key = DeviceKey.generate()
    with app.app_context():
        venue = db.session.scalar(sa.select(Organisation).filter_by(name=venue_name))
        staff = db.session.scalar(sa.select(User).filter_by(email=demo.STAFF_EMAIL))
        scanner = door_enrolment.enroll(venue=venue, user=staff, label=label, public_key_hex=key.public_bytes.hex(),
                                        now=datetime.now(timezone.utc))
        db.session.commit()
        return scanner.id, key


def sync_one(app, scanner_id: int, key: DeviceKey, presentation: str, *, scanned_at: int, amount_cents: int) -> dict:
    """The phone's record of an accepted payment with a typed price (no event), sent as its outbox does."""
    record = record_scan(key, record_id=uuid.uuid4().bytes, scanner_id=scanner_id, scanned_at=scanned_at, event_id=0,
                         amount_cents=amount_cents, result="accepted", scanned_text=presentation)
    answer = app.test_client().post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": [to_text(record)]})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["results"][0]


def test_the_operators_card_names_the_door_that_crossed_the_balance_and_the_other_records(people, pilot,
                                                                                           live_app):
    """Two venues' phones offline; the one that scanned later syncs first. By scan time
    the museum's 1,50 € fitted the 2,00 € left and the cinema's 5,00 € crossed it."""
    phone = claim_voucher(live_app, pilot)
    voucher_balance_left(phone, 200, (FIRST_SHOW, "Sei personaggi in cerca d'autore",
                                      "Il lago dei cigni — giovani danzatori"))
    museum, museum_key = enrol_in_python(live_app, "Museo del Tessile Legnanese", "Biglietteria museo")
    cinema, cinema_key = enrol_in_python(live_app, "Cinema Arcobaleno", "Cassa cinema")
    time.sleep(3)  # records are dated after the enrolments (the server rejects earlier ones)
    now = int(time.time())
    at_museum, at_cinema = now - 2, now - 1
    # Two presentations (time steps 30 s apart): each is paid once on the platform.
    at_museum_shown = phone.presentation(now=at_museum - 30)

    assert sync_one(live_app, cinema, cinema_key, phone.presentation(now=at_cinema), scanned_at=at_cinema,
                    amount_cents=500)["outcome"] == "redeemed"
    assert sync_one(live_app, museum, museum_key, at_museum_shown, scanned_at=at_museum,
                    amount_cents=150)["outcome"] == "redeemed"

    desk = people(DESKTOP)
    log_in(desk, demo.ADMIN_EMAIL, "/o/admin/segnalazioni")
    card = desk.locator('.flag[data-kind="overspend"]', has_text=f"buono n. {phone.voucher_id}")
    expect(card).to_have_count(1)
    text = card.inner_text().replace("\u00a0", " ")
    assert "Spesa oltre il credito: 4,50 €" in text
    crossing = card.locator(".flag-door").inner_text()
    assert "Ha superato il credito:" in crossing and "Cinema Arcobaleno" in crossing and "Cassa cinema" in crossing
    others = card.locator(".flag-involved li")
    expect(others).to_have_count(1)
    other = others.first.inner_text().replace("\u00a0", " ")
    assert "Museo del Tessile Legnanese" in other and "Biglietteria museo" in other and "1,50 €" in other
    assert serious_violations(desk, ".flag") == []


def test_the_operators_desk_shows_a_payment_outside_a_territory_the_scanner_could_not_know(people, pilot,
                                                                                           live_app):
    """Lumen given to Rome only, and made after the museum's phone last downloaded its
    data: the phone could not know, so the sync pays its record, unflagged, and the
    operator's desk says why the sponsor's money left its territory."""
    phone = claim_voucher(live_app, pilot)
    museum, museum_key = enrol_in_python(live_app, "Museo del Tessile Legnanese", "Biglietteria mostra")
    now = int(time.time())
    with live_app.app_context():
        scanner = db.session.get(ScannerDevice, museum)
        # Enrolled and last downloaded a while ago (set here, not waited for).
        scanner.created_at = datetime.fromtimestamp(now - 600, timezone.utc)
        scanner.bundle_downloaded_at = datetime.fromtimestamp(now - 300, timezone.utc)
        lumen = db.session.scalar(sa.select(Campaign).filter_by(name=LUMEN))
        kept = lumen.territory, lumen.created_at
        lumen.territory, lumen.created_at = ["058091"], datetime.fromtimestamp(now - 120, timezone.utc)
        db.session.commit()
    try:
        answer = sync_one(live_app, museum, museum_key, phone.presentation(now=now), scanned_at=now,
                          amount_cents=150)
    finally:
        with live_app.app_context():
            lumen = db.session.scalar(sa.select(Campaign).filter_by(name=LUMEN))
            lumen.territory, lumen.created_at = kept
            db.session.commit()
    assert (answer["outcome"], answer["code"]) == ("redeemed", "outside_campaign_area_not_known")

    desk = people(DESKTOP)
    log_in(desk, demo.ADMIN_EMAIL, "/o/admin/segnalazioni")
    card = desk.locator('.flag[data-kind="outside_area_paid"]', has_text=f"buono n. {phone.voucher_id}")
    expect(card).to_have_count(1)
    text = card.inner_text().replace("\u00a0", " ")
    assert "Pagato fuori dal territorio della campagna" in text and "Biglietteria mostra" in text and "1,50 €" in text
    assert serious_violations(desk, ".flag") == []
