"""The catalogue students open, at phone size (360×640): a poster a venue uploaded,
dates said once, the address with a link out to OpenStreetMap, "questo weekend" and
"coperto dal mio buono"; and a filter panel that fits a 320 px screen."""
import base64
import io
import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image

from server.accounts.models import Organisation
from server.catalogue.models import Event
from server.extensions import db
from tests.pwa.conftest import serious_violations
from tests.pwa.test_accessibility import api_login
from tests.pwa.test_wallet_browser import LUMEN, claim

pytestmark = pytest.mark.browser

ITALY = ZoneInfo("Europe/Rome")
VENUE = "direzione.navigli@demo.example"


def _id(app, model, **by) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(model.id).filter_by(**by))
        db.session.rollback()
        return found


def _photo() -> str:
    """A phone photo with a GPS position in its EXIF, base64."""
    image = Image.new("RGB", (1200, 800), (30, 90, 160))
    exif = Image.Exif()
    exif[0x8825] = {2: (45.0, 27.0, 0.0), 1: "N", 4: (9.0, 10.0, 0.0), 3: "E"}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return base64.b64encode(out.getvalue()).decode()


def weekend(now: datetime) -> tuple[datetime, datetime]:
    """Friday 18:00 to Monday 00:00 in Italy, as pwa/src/rome-time.js romeWeekend says."""
    today = now.astimezone(ITALY).date()
    back = {6: 2, 5: 1}.get(today.weekday())  # Sunday, Saturday: the weekend under way
    friday = today - timedelta(days=back) if back is not None else today + timedelta(days=4 - today.weekday())
    starts = datetime(friday.year, friday.month, friday.day, 18, tzinfo=ITALY)
    monday = friday + timedelta(days=3)
    return starts, datetime(monday.year, monday.month, monday.day, tzinfo=ITALY)


def create_event(page, csrf, venue_id, title, starts_at, ends_at, price_cents=1200, category="teatro"):
    answer = page.request.post(f"/api/v1/venues/{venue_id}/events", data={
        "title": title, "category": category, "kind": "event", "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(), "price_cents": price_cents, "capacity": 50},
        headers={"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())})
    assert answer.ok, answer.text()
    return answer.json()["id"]


@pytest.fixture(scope="module")
def programme(browser, live_server, live_app, pilot):
    """Events of our own at the demo theatre, and a poster on one of them, through the API
    as the venue would: this weekend, a weekday after it, one too dear for a voucher."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    csrf = api_login(page, VENUE)
    venue_id = _id(live_app, Organisation, name="Teatro dei Navigli")
    now = datetime.now(timezone.utc)
    starts, ends = weekend(now)
    saturday = max(starts + timedelta(days=1, hours=3), now + timedelta(minutes=5))  # Saturday 21:00
    events = {"weekend": create_event(page, csrf, venue_id, "Concerto del weekend", saturday, ends - timedelta(minutes=1))}
    wednesday = ends + timedelta(days=2, hours=20, minutes=30)
    events["weekday"] = create_event(page, csrf, venue_id, "Prova del mercoledì", wednesday,
                                     wednesday + timedelta(hours=2, minutes=15))
    events["dear"] = create_event(page, csrf, venue_id, "Gran galà caro", wednesday, wednesday + timedelta(hours=3),
                                  price_cents=9_000)
    poster = page.request.put(f"/api/v1/venues/{venue_id}/events/{events['weekday']}/poster",
                              data={"content": _photo()}, headers={"X-CSRF-Token": csrf})
    assert poster.ok, poster.text()
    yield events
    # The pilot is shared by the whole browser session: later tests (the scanner's default
    # event is the theatre's next one) must not find this weekend's concert there.
    for event_id in events.values():
        cancelled = page.request.post(f"/api/v1/venues/{venue_id}/events/{event_id}/cancel",
                                      headers={"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())})
        assert cancelled.ok, cancelled.text()
    context.close()


def card(page, title):
    return page.locator(".event-card", has_text=title)


def test_a_poster_and_a_date_said_once_on_the_card(page, programme):
    page.goto("/w/catalogo")
    weekday = card(page, "Prova del mercoledì")
    weekday.wait_for()
    image = weekday.locator("img.card-poster")
    # Loaded from our server (srcset picks a width), decorative beside the written title.
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.get_attribute("alt") == ""
    assert re.search(r"/api/v1/events/\d+/poster/\d+\.webp\?v=1$", image.evaluate("img => img.currentSrc"))
    assert re.search(r"\d{1,2} \w{3} \d{4}, 20:30–22:45$", weekday.locator(".event-when").inner_text())
    assert card(page, "Concerto del weekend").locator("img").count() == 0  # no poster, no empty frame
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert serious_violations(page) == []  # posters, the quick filters' pressed state


def test_the_event_page_shows_the_poster_the_address_and_a_map_link(page, programme):
    page.goto(f"/w/eventi/{programme['weekday']}")
    page.get_by_role("heading", name="Prova del mercoledì").wait_for()
    poster = page.get_by_role("img", name="Prova del mercoledì")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=poster.element_handle())
    assert "Ripa di Porta Ticinese 60, Milano" in page.locator(".facts").inner_text()
    link = page.locator("a.map-link")
    assert link.get_attribute("href") == ("https://www.openstreetmap.org/search?query="
                                          "Ripa%20di%20Porta%20Ticinese%2060%2C%20Milano%2C%20Milano")
    assert link.get_attribute("rel") == "noopener noreferrer external"
    assert serious_violations(page) == []


def test_this_weekend_keeps_what_is_on_between_friday_evening_and_sunday(page, programme, live_app):
    page.goto("/w/catalogo")
    card(page, "Prova del mercoledì").wait_for()
    page.get_by_role("button", name="Questo weekend").click()

    card(page, "Concerto del weekend").wait_for()
    page.wait_for_function("!document.querySelector('.loading, .spinner')")
    assert card(page, "Prova del mercoledì").count() == 0
    assert page.get_by_role("button", name="Questo weekend").get_attribute("aria-pressed") == "true"
    starts, ends = weekend(datetime.now(timezone.utc))
    shown = [int(n) for n in page.locator(".event-card").evaluate_all("cards => cards.map((c) => c.dataset.event)")]
    with live_app.app_context():
        for event in db.session.scalars(sa.select(Event).where(Event.id.in_(shown))):
            assert event.ends_at > starts and event.starts_at < ends, event.title
        db.session.rollback()

    page.get_by_role("button", name="Questo weekend").click()
    card(page, "Prova del mercoledì").wait_for()


def test_covered_by_my_voucher_hides_what_no_voucher_pays(page, programme, pilot):
    claim(page, pilot.claim_code(LUMEN).code)  # 50 EUR
    page.goto("/w/catalogo")
    card(page, "Gran galà caro").wait_for()

    page.get_by_role("button", name="Coperto dal mio buono").click()

    card(page, "Gran galà caro").wait_for(state="detached")
    assert card(page, "Prova del mercoledì").count() == 1  # 12 EUR, theatre


def test_the_filter_panel_fits_a_320_px_screen(page, programme):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/w/catalogo")
    card(page, "Prova del mercoledì").wait_for()
    page.get_by_text("Filtra").click()
    page.get_by_label("Dal", exact=True).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    right = page.evaluate("Math.max(...[...document.querySelectorAll('.filters *')].map((e) => "
                          "e.getBoundingClientRect().right))")
    assert right <= 320


def test_a_poster_that_cannot_load_leaves_no_broken_frame(page, programme):
    page.route(re.compile(r"/api/v1/events/\d+/poster/"), lambda route: route.abort())  # as offline, never seen
    page.goto("/w/catalogo")
    image = card(page, "Prova del mercoledì").locator("img.card-poster")
    image.wait_for(state="hidden")
    assert image.evaluate("img => img.hidden") is True


def test_the_venue_uploads_a_poster_from_the_event_form(browser, live_server, live_app, programme):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 640}, locale="it-IT",
                                  timezone_id="Europe/Rome")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        api_login(page, VENUE)
        venue_id = _id(live_app, Organisation, name="Teatro dei Navigli")
        page.goto(f"/o/venue/{venue_id}/eventi/{programme['dear']}")
        field = page.get_by_label("Locandina", exact=True)
        # Over 2 MB: refused on the phone, before anything is sent.
        field.set_input_files({"name": "enorme.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" * 700_000})
        page.get_by_text("Il file supera 2 MB").wait_for()
        field.set_input_files({"name": "locandina.jpg", "mimeType": "image/jpeg", "buffer": base64.b64decode(_photo())})
        page.get_by_text("Locandina salvata.").wait_for()
        preview = page.locator(".poster-preview img")
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
        assert preview.get_attribute("alt") == "Gran galà caro"
        page.get_by_role("button", name="Togli la locandina").click()
        page.get_by_text("Locandina tolta.").wait_for()
        assert page.locator(".poster-preview").count() == 0
    finally:
        context.close()
