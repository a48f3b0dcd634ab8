"""Issue 12, items 4 and 5, in real Chromium: storage that lasts (advice before claiming
in an app's built-in browser or iOS outside the Home Screen, the install offer after the
first claim) and an honest wallet (the balance "as of" offline, what the sponsor's
reserve covered, suspended vouchers below active ones and saying why, the screen kept
awake while the QR is shown, the QR in view in landscape)."""
import json
import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.vouchers.models import Voucher
from tests.pwa.conftest import CONTEXT_OPTIONS, serious_violations, wait_for_service_worker
from tests.pwa.test_wallet_browser import LUMEN, change, claim

pytestmark = pytest.mark.browser

INSTAGRAM_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
    "Instagram 326.0.3.24.109 (iPhone14,5; iOS 17_4; it_IT; it; scale=3.00; 1170x2532; 578227364)")
IOS_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.4 Mobile/15E148 Safari/604.1")


@pytest.fixture
def phone_as(browser, live_server):
    """A phone whose browser says `user_agent` (and may use the clipboard)."""
    opened = []

    def open_phone(user_agent):
        context = browser.new_context(base_url=live_server.url, user_agent=user_agent,
                                      permissions=["clipboard-read", "clipboard-write"], **CONTEXT_OPTIONS)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context.new_page()

    yield open_phone
    for context in opened:
        context.close()


# --- storage that lasts -------------------------------------------------------------------------

def test_a_card_link_opened_in_instagram_says_to_open_it_in_the_browser_before_claiming(phone_as, pilot):
    issued = pilot.claim_code(LUMEN)
    page = phone_as(INSTAGRAM_IPHONE)
    claims = []
    page.on("request", lambda request: claims.append(request.url) if "/wallet/claims" in request.url else None)

    page.goto(f"/w/claim/{issued.code}")

    advice = page.locator('.storage-advice[data-advice="open_in_browser"]')
    advice.get_by_text("Apri il link nel browser del telefono").wait_for()
    assert "browser interno di Instagram" in advice.inner_text()
    # The link is not claimed on opening here: the student reads the advice first.
    page.get_by_role("button", name="Aggiungi", exact=True).wait_for()
    assert "/w/claim/" in page.url and claims == []
    page.get_by_role("button", name="Copia il link").click()
    page.get_by_text("Link copiato. Incollalo nel browser.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == page.url
    assert serious_violations(page) == []
    # Claiming here anyway still works.
    page.get_by_role("button", name="Aggiungi", exact=True).click()
    page.wait_for_url(re.compile(r"/w/buoni/\d+$"))


def test_ios_safari_outside_the_home_screen_is_told_to_add_it_there(phone_as):
    page = phone_as(IOS_SAFARI)

    page.goto("/w/claim")

    advice = page.locator('.storage-advice[data-advice="add_to_home"]')
    advice.get_by_text("Aggiungi Mentoring alla schermata Home").wait_for()
    assert "7 giorni" in advice.inner_text()
    assert serious_violations(page) == []


def test_a_real_browser_gets_no_advice_and_the_card_link_claims_at_once(page, pilot):
    issued = pilot.claim_code(LUMEN)

    page.goto(f"/w/claim/{issued.code}")

    page.wait_for_url(re.compile(r"/w/buoni/\d+$"))
    assert page.locator(".storage-advice").count() == 0


FAKE_INSTALL_PROMPT = """() => {
    const event = new Event('beforeinstallprompt', {cancelable: true});
    window.installPrompted = 0;
    event.prompt = async () => { window.installPrompted += 1; };
    event.userChoice = Promise.resolve({outcome: 'accepted'});
    window.dispatchEvent(event);
}"""


def test_install_is_offered_after_the_first_claim_and_not_now_is_remembered(page, pilot):
    page.goto("/w")
    page.get_by_role("heading", name="Il tuo portafoglio").wait_for()
    page.evaluate(FAKE_INSTALL_PROMPT)
    # First visit, nothing claimed: no offer.
    page.get_by_label("Codice del buono").wait_for()
    assert page.get_by_role("heading", name="Installa Mentoring").count() == 0

    claim(page, pilot.claim_code(LUMEN).code)  # a new page load: the browser would offer again
    page.evaluate(FAKE_INSTALL_PROMPT)

    offer = page.get_by_role("complementary", name="Installa Mentoring")
    offer.wait_for()
    assert serious_violations(page) == []
    offer.get_by_role("button", name="Non ora").click()
    offer.wait_for(state="detached")
    page.goto("/w")
    page.locator(".voucher-card").first.wait_for()
    page.evaluate(FAKE_INSTALL_PROMPT)
    page.locator(".voucher-card").first.wait_for()
    assert page.get_by_role("heading", name="Installa Mentoring").count() == 0


def test_accepting_the_install_offer_opens_the_browsers_prompt(page, pilot):
    claim(page, pilot.claim_code(LUMEN).code)
    page.evaluate(FAKE_INSTALL_PROMPT)

    page.get_by_role("complementary", name="Installa Mentoring").get_by_role("button", name="Installa").click()

    page.wait_for_function("window.installPrompted === 1")
    page.get_by_role("heading", name="Installa Mentoring").wait_for(state="detached")


def test_claiming_asks_for_storage_that_lasts(page, pilot):
    page.add_init_script("""navigator.storage.persist = async () => {
        window.persistAsked = (window.persistAsked || 0) + 1; return false; };""")

    claim(page, pilot.claim_code(LUMEN).code)

    page.wait_for_function("window.persistAsked === 1")
    # Refused: nothing scary is shown.
    assert page.get_by_role("alert").count() == 0


# --- an honest wallet -----------------------------------------------------------------------------

def test_offline_the_balance_is_the_one_at_the_last_connection_with_its_time(page, pilot, network):
    voucher_id = claim(page, pilot.claim_code(LUMEN).code)
    wait_for_service_worker(page)
    page.locator("figure.presentation svg").wait_for()
    assert page.locator(".balance-big .label").inner_text() == "Saldo"

    with network.offline():
        page.reload()
        page.locator(".badge", has_text="Offline").wait_for()
        page.get_by_text("Saldo all’ultimo collegamento").wait_for()
        as_of = page.locator(".balance-as-of .as-of").inner_text()
        assert re.fullmatch(r"aggiornato al \d{1,2} \w{3} \d{4}, \d{2}:\d{2}", as_of), as_of
        assert page.locator(".balance-big .money").inner_text().replace("\u00a0", " ") == "50,00 €"
        page.get_by_text("Quello che spendi senza rete compare quando il telefono si ricollega.").wait_for()
        assert serious_violations(page) == []
        page.goto("/w")
        card = page.locator(f'.voucher-card[data-voucher="{voucher_id}"]')
        card.get_by_text("Saldo all’ultimo collegamento").wait_for()

    page.locator(".badge", has_text="Online").wait_for()
    page.goto(f"/w/buoni/{voucher_id}")
    page.locator(".balance-big .label", has_text=re.compile("^Saldo$")).wait_for()


@pytest.fixture
def page_without_worker(browser, live_server):
    """A phone whose requests Playwright can answer: page.route does not see what goes
    through a service worker, and once the worker controls the page (a race with the
    claim) the wallet's history request went past the route to the server (CI)."""
    context = browser.new_context(base_url=live_server.url, **{**CONTEXT_OPTIONS, "service_workers": "block"})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_history_says_what_the_sponsors_reserve_covered(page_without_worker, pilot):
    """The server's answer (its covered_by_reserve_cents is tested in
    tests/server/vouchers/test_wallet_history.py) for a 20 € voucher spent 14 + 14 offline."""
    page = page_without_worker
    voucher_id = claim(page, pilot.claim_code(LUMEN).code)

    at = datetime.now(timezone.utc).isoformat()
    entries = [
        {"at": at, "kind": "redemption", "amount_cents": -1_400, "voucher_id": voucher_id,
         "venue_name": "Teatro dei Navigli", "event_title": None, "covered_by_reserve_cents": 800},
        {"at": at, "kind": "redemption", "amount_cents": -1_400, "voucher_id": voucher_id,
         "venue_name": "Teatro dei Navigli", "event_title": None, "covered_by_reserve_cents": 0},
        {"at": at, "kind": "claim", "amount_cents": 2_000, "voucher_id": voucher_id,
         "venue_name": None, "event_title": None, "covered_by_reserve_cents": 0}]

    def overspent(route):
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"entries": entries}))

    page.route("**/api/v1/wallet/history", overspent)
    page.get_by_role("link", name="Storico").click()

    page.locator(".history-redemption .history-reserve").wait_for()
    first, second = page.locator(".history-redemption").all()
    assert "di cui 8,00 € pagati dalla riserva dello sponsor" in first.inner_text().replace("\u00a0", " ")
    assert second.locator(".history-reserve").count() == 0
    page.get_by_text("la differenza la paga una riserva dello sponsor").wait_for()
    assert serious_violations(page) == []


def test_a_suspended_voucher_sorts_below_the_active_one_and_says_why(page, pilot, live_app):
    first = claim(page, pilot.claim_code(LUMEN).code)
    page.goto("/w/claim")  # a second one: on /w the claim form is folded away now
    page.get_by_label("Codice del buono").fill(pilot.claim_code(LUMEN).code)
    page.get_by_role("button", name="Aggiungi", exact=True).click()
    page.wait_for_url(re.compile(rf"/w/buoni/(?!{first}$)\d+$"))
    second = int(page.url.rsplit("/", 1)[1])
    change(live_app, sa.update(Voucher).where(Voucher.id == first).values(status="frozen",
                                                                           frozen_reason="offline_overspend"))

    page.goto("/w")
    page.locator(f'.voucher-card[data-voucher="{first}"][data-status="frozen"]').wait_for()

    order = page.eval_on_selector_all(".voucher-card", "cards => cards.map((c) => Number(c.dataset.voucher))")
    assert order == [second, first]
    assert "Sospeso" in page.locator(f'.voucher-card[data-voucher="{first}"]').inner_text()
    page.locator(f'.voucher-card[data-voucher="{first}"]').click()
    page.get_by_text("Il buono è sospeso per un controllo").wait_for()
    assert "Non serve fare nulla" in page.locator(".voucher-status").inner_text()
    assert page.locator("figure.presentation").count() == 0
    assert serious_violations(page) == []


WAKE_LOCK_SPY = """(() => {
    window.wakeLocks = {requested: 0, released: 0, held: []};
    // What a browser does when the page is hidden: drops the lock by itself.
    window.dropWakeLocks = () => window.wakeLocks.held.forEach((s) => { s.released = true; });
    Object.defineProperty(navigator, 'wakeLock', {configurable: true, value: {request: async () => {
        window.wakeLocks.requested += 1;
        const sentinel = {released: false, release: async () => {
            if (!sentinel.released) window.wakeLocks.released += 1;
            sentinel.released = true; }};
        window.wakeLocks.held.push(sentinel);
        return sentinel;
    }}});
})();"""


def test_the_screen_stays_awake_while_the_qr_is_shown(page, pilot):
    page.add_init_script(WAKE_LOCK_SPY)
    claim(page, pilot.claim_code(LUMEN).code)
    page.locator("figure.presentation svg").wait_for()

    page.wait_for_function("window.wakeLocks.requested - window.wakeLocks.released === 1")
    # Hidden and shown again (another app, the lock screen): asked for again.
    before = page.evaluate("window.wakeLocks.requested")
    page.evaluate("window.dropWakeLocks(); document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_function(f"window.wakeLocks.requested === {before} + 1")
    page.get_by_role("link", name="Storico").click()  # the QR goes away
    page.get_by_role("heading", name="Storico").wait_for()
    page.wait_for_function("window.wakeLocks.held.every((s) => s.released)")


def test_the_qr_is_in_view_in_landscape(page, pilot):
    voucher_id = claim(page, pilot.claim_code(LUMEN).code)
    page.set_viewport_size({"width": 640, "height": 360})
    page.goto(f"/w/buoni/{voucher_id}")

    qr = page.locator(".qr-frame svg")
    qr.wait_for()
    box = qr.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 360, box
    assert box["height"] >= 150, box  # still big enough for a scanner
    assert page.evaluate("window.scrollY") == 0
