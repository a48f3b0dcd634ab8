"""A lost phone recovered end to end in real Chromium, at phone size, with no name given
to anyone (server/recovery/README.md): the teacher enters the card's number on the
school's Buoni page and gets a one-time recovery code; the student's new phone opens it
and holds the balance; a scanner that downloads its data afterwards refuses the old
phone's QR."""
import re
import time

import pytest
import sqlalchemy as sa

from server import demo
from server.accounts import api as accounts_api
from server.accounts.models import OWNER, Membership
from server.extensions import db
from server.vouchers.models import Allocation, ClaimCode
from tests.pwa.conftest import serious_violations
from tests.pwa.test_org_browser import log_in
from tests.pwa.test_scanner_browser import FIRST_SHOW, claim_voucher, enrol, type_code
from tests.pwa.test_scanner_door_browser import enrol_in_python, sync_one, voucher_balance_left

pytestmark = pytest.mark.browser


def card_of(app, voucher_id: int) -> tuple[int, int, int]:
    """(school id, allocation id, card number) of the card the voucher was claimed with."""
    with app.app_context():
        card = db.session.scalar(sa.select(ClaimCode).filter_by(voucher_id=voucher_id))
        found = (db.session.get(Allocation, card.allocation_id).school_id, card.allocation_id, card.serial)
        db.session.rollback()
        return found


def teacher_of(app, school_id: int, email: str) -> str:
    with app.app_context():
        teacher = accounts_api.create_user(email=email, password="mentoring-demo")
        db.session.add(Membership(user=teacher, organisation_id=school_id, role=OWNER))
        db.session.commit()
    return email


def test_a_lost_phone_is_recovered_and_its_old_qr_refused_at_a_scanner_with_fresh_data(page, people, pilot,
                                                                                        live_app):
    old_phone = claim_voucher(live_app, pilot)
    school_id, allocation_id, card = card_of(live_app, old_phone.voucher_id)

    # The teacher, on a phone: the card's number, nothing else.
    teacher = people()
    log_in(teacher, teacher_of(live_app, school_id, f"docente.recupero.{old_phone.voucher_id}@demo.example"),
           f"/o/school/{school_id}/buoni")
    teacher.get_by_role("heading", name="Telefono perso o cambiato").wait_for()
    choice = teacher.get_by_label("Assegnazione")
    if choice.count():
        choice.select_option(str(allocation_id))
    teacher.get_by_label("Numero della scheda").fill(str(card))
    teacher.get_by_role("button", name="Avvia il recupero").click()
    teacher.get_by_role("button", name="Sì, blocca e crea il codice").click()
    code = teacher.locator("[data-recovery-code]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    row = teacher.locator(f'tr[data-card="{card}"][data-allocation="{allocation_id}"]').filter(has_text="Recupero avviato")
    row.wait_for()
    assert "wallet" not in teacher.locator(".recovery-cards").inner_text().lower()
    assert serious_violations(teacher) == []
    assert teacher.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The student's new phone: the code in the box where claim codes go.
    new_phone = people()
    new_phone.goto("/w")
    new_phone.get_by_label("Codice del buono").fill(code.lower().replace("-", " "))
    new_phone.get_by_role("button", name="Aggiungi", exact=True).click()
    new_phone.wait_for_url(re.compile(r"/w/buoni/\d+$"))
    assert int(new_phone.url.rsplit("/", 1)[1]) != old_phone.voucher_id
    assert new_phone.locator(".balance-big .money").inner_text().replace("\u00a0", " ") == "50,00 €"

    # A scanner that downloads its data now refuses the old phone's QR.
    enrol(page)
    verdict = type_code(page, old_phone.presentation())
    assert (verdict.get_attribute("data-verdict"), verdict.get_attribute("data-code")) == ("refused", "revoked")

    # The school sees the card recovered, its balance on the new phone.
    teacher.reload()
    teacher.locator(f'tr[data-card="{card}"][data-allocation="{allocation_id}"][data-state="recovered"]').wait_for()
    assert "Recuperato su un nuovo telefono" in teacher.locator(f'tr[data-card="{card}"][data-allocation="{allocation_id}"]').inner_text()


def test_the_operator_reactivates_an_overspent_voucher_with_a_note(people, pilot, live_app):
    """Offline the cinema's phone took 5,00 € of the 2,00 € left: frozen, flagged. The
    operator closes the flag with a note; the wallet's voucher moves to a fresh one."""
    phone = claim_voucher(live_app, pilot)
    voucher_balance_left(phone, 200, (FIRST_SHOW, "Sei personaggi in cerca d'autore",
                                      "Il lago dei cigni — giovani danzatori"))
    cinema, cinema_key = enrol_in_python(live_app, "Cinema Arcobaleno", "Cassa cinema recupero")
    at = int(time.time()) + 1  # after the enrolment, within the skew
    assert sync_one(live_app, cinema, cinema_key, phone.presentation(now=at), scanned_at=at,
                    amount_cents=500)["outcome"] == "redeemed"

    desk = people()
    log_in(desk, demo.ADMIN_EMAIL, "/o/admin/segnalazioni")
    card = desk.locator('.flag[data-kind="overspend"]', has_text=f"buono n. {phone.voucher_id}")
    card.get_by_label("Nota (obbligatoria)").fill("Lettore del cinema difettoso, verificato")
    card.get_by_role("button", name=f"Riattiva il buono: buono n. {phone.voucher_id}").click()
    card.get_by_role("button", name="Riattiva il buono", exact=True).click()
    decided = card.locator('.flag-decision[data-decision="unfreeze"]')
    decided.wait_for()
    assert "Lettore del cinema difettoso, verificato" in decided.inner_text()
    assert serious_violations(desk, ".flag") == []

    answer = live_app.test_client().get("/api/v1/wallet/vouchers", headers={"Authorization": f"Bearer {phone.token}"})
    statuses = {v["id"]: (v["status"], v["status_reason"]) for v in answer.get_json()}
    assert statuses.pop(phone.voucher_id) == ("recovered", "reissued")
    assert list(statuses.values()) == [("spent", None)]  # the overspend left nothing; the new id is not revoked
