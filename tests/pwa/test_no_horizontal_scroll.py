"""Every screen of the PWA fits a phone: no sideways scrolling at 320 and 360 px.

The routes come from the PWA's own route tables (pwa/src/router.js, the wallet's and
the organisations' tables, the scanner's paths), read when the tests are collected, so
a route added tomorrow is visited tomorrow. Each `:param` is filled from the demo pilot
by its name and the part of the path before it (PARAMS); a route whose parameter we
cannot fill fails, naming what to add, rather than being left out.
"""
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from server import demo
from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.catalogue.models import Event
from server.extensions import db
from tests.pwa.conftest import CONTEXT_OPTIONS
from tests.pwa.test_accessibility import api_login
from tests.pwa.test_wallet_browser import LUMEN, book, claim

pytestmark = pytest.mark.browser

SRC = Path(__file__).resolve().parents[2] / "pwa" / "src"
TABLES = [SRC / "router.js", SRC / "wallet" / "index.js", SRC / "org" / "index.js"]
SCANNER = SRC / "scanner" / "ui.js"
WIDTHS = (320, 360)

SPONSOR, SCHOOL, VENUE = "forno.darsena@demo.example", "referente.tigli@demo.example", "direzione.navigli@demo.example"
WALLET = "wallet"
# Who opens a route, by its longest matching prefix (None: nobody logged in).
USERS = [("/o/registrati", None), ("/o/admin", demo.ADMIN_EMAIL), ("/o/sponsor", SPONSOR), ("/o/school", SCHOOL),
         ("/o/venue", VENUE), ("/o/:kind", VENUE), ("/o", SCHOOL), ("/w", WALLET)]


def pwa_routes() -> list[str]:
    """Every concrete route pattern of the route tables; an area's `/x/*` stands for
    its own table, which must then exist (checked in test_every_area_has_its_routes)."""
    patterns = []
    for table in TABLES:
        patterns += re.findall(r"\{\s*path:\s*'([^']+)'", table.read_text())
    scanner = ["/s", *re.findall(r"path === '(/s/[^']*)'", SCANNER.read_text())]
    return sorted({*[p for p in patterns if not p.endswith("/*")], *scanner})


ROUTES = pwa_routes()


def test_every_area_has_its_routes():
    areas = [p[:-2] for table in TABLES for p in re.findall(r"\{\s*path:\s*'([^']+)'", table.read_text())
             if p.endswith("/*")]
    assert areas, "no area found in pwa/src/router.js: has its route table changed shape?"
    for area in areas:
        assert any(route == area or route.startswith(area + "/") for route in ROUTES), f"no route read for {area}/*"
    assert len(ROUTES) >= 30, ROUTES


def _id(app, model, **by) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(model.id).filter_by(**by))
        db.session.rollback()
        assert found, (model, by)
        return found


class Visitor:
    """One browser profile at one width: logs in as each route's user, and owns a
    wallet with a voucher and a ticket (made once, through the UI, as a student would)."""

    def __init__(self, context, app, pilot):
        self.context, self.app, self.pilot = context, app, pilot
        self.wallet = None  # {voucher, booking}
        self.topup = None

    def wallet_ids(self):
        if self.wallet is None:
            # A member's session cookie in the same browser makes the wallet's own writes
            # need its CSRF token (server/http/auth.py check_csrf): a student has none.
            self.leave()
            page = self.context.new_page()
            voucher = claim(page, self.pilot.claim_code(LUMEN).code)
            booking = book(page, "La locandiera")
            page.close()
            self.wallet = {"voucher": voucher, "booking": booking}
        return self.wallet

    def leave(self):
        """End the member session on the server, then drop the cookies. Clearing cookies
        alone is not enough: a response still in flight from the last page (the service
        worker outlives it) can set the old session's cookie again, and a login or a
        wallet write over a live session needs that session's CSRF token. Once ended on
        the server, a cookie that comes back names no session and carries nothing."""
        me = self.context.request.get("/api/v1/auth/me")
        if me.ok:
            answer = self.context.request.post("/api/v1/auth/logout",
                                               headers={"X-CSRF-Token": me.json()["csrf_token"]})
            assert answer.ok, answer.text()
        self.context.clear_cookies()

    def login(self, page, email):
        # A login over a live session needs that session's CSRF token: start afresh.
        self.leave()
        return api_login(page, email)

    def topup_id(self, page):
        if self.topup is None:
            csrf = self.login(page, SPONSOR)
            answer = page.request.post(
                f"/api/v1/campaigns/{_id(self.app, Campaign, name='Il Forno per la musica')}/topups",
                data={"amount_cents": 5_000}, headers={"X-CSRF-Token": csrf, "Idempotency-Key": str(uuid.uuid4())})
            assert answer.ok, answer.text()
            self.topup = answer.json()["id"]
        return self.topup

    def param(self, page, pattern: str, before: str, name: str) -> str:
        app = self.app
        org = {"sponsor": "Forno della Darsena", "school": "Liceo Scientifico dei Tigli",
               "venue": "Teatro dei Navigli", ":kind": "Teatro dei Navigli"}
        if name == "id" and before in org:
            return str(_id(app, Organisation, name=org[before]))
        if name == "kind":
            return "venue"
        if name == "campaignId":
            return str(_id(app, Campaign, name="Il Forno per la musica"))
        if name == "topupId":
            return str(self.topup_id(page))
        if name == "eventId" or (name == "id" and before == "eventi"):
            return str(_id(app, Event, title="La locandiera"))
        if name == "id" and before == "buoni":
            return str(self.wallet_ids()["voucher"])
        if name == "id" and before == "biglietti":
            return str(self.wallet_ids()["booking"])
        if name == "code" and before == "claim":
            return self.pilot.claim_code(LUMEN).code
        if name == "slug" and before == "sponsor":  # a page not switched on: its "not found" must fit too
            return "forno-della-darsena"
        if name == "jobId":  # no job in the pilot: the page's "not found" must fit
            return "999999"
        pytest.fail(f"route {pattern}: no value for :{name} after '{before}'; add it to Visitor.param")

    def open(self, page, pattern: str) -> str:
        parts = pattern.split("/")
        concrete = [self.param(page, pattern, parts[i - 1], part[1:]) if part.startswith(":") else part
                    for i, part in enumerate(parts)]
        user = next(user for prefix, user in USERS if pattern == prefix or pattern.startswith(prefix + "/")) \
            if any(pattern == p or pattern.startswith(p + "/") for p, _ in USERS) else None
        if user in (WALLET, None):
            self.leave()
        if user == WALLET:
            self.wallet_ids()
        elif user:
            self.login(page, user)
        path = "/".join(concrete) or "/"
        page.goto(path)
        return path


@pytest.fixture(scope="module")
def visitors(browser, live_server, live_app, pilot):
    made = {}

    def at(width: int) -> Visitor:
        if width not in made:
            context = browser.new_context(base_url=live_server.url,
                                          **{**CONTEXT_OPTIONS, "viewport": {"width": width, "height": 640}})
            context.set_default_timeout(15_000)
            made[width] = Visitor(context, live_app, pilot)
        return made[width]

    yield at
    for visitor in made.values():
        visitor.context.close()


OVERFLOW = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !el.closest('.table-scroll'))
    .map((el) => `${el.tagName.toLowerCase()}${typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : ''} (right ${Math.round(el.getBoundingClientRect().right)})`);
  return { scrollWidth: root.scrollWidth, clientWidth: width, wide: wide.slice(0, 8) };
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("pattern", ROUTES)
def test_no_route_scrolls_sideways(visitors, pattern, width):
    visitor = visitors(width)
    page = visitor.context.new_page()
    try:
        path = visitor.open(page, pattern)
        # Rendered: something in <main>, no spinner left, and the network quiet (late data
        # such as a poster or a report can still widen a page).
        page.wait_for_function("() => { const main = document.querySelector('main');"
                               " return main && main.innerText.trim().length > 0; }")
        page.wait_for_load_state("networkidle")
        page.wait_for_function("!document.querySelector('.loading, .spinner')")
        # The page itself, not the login form it would send a stranger to.
        assert pattern == "/login" or "/login" not in page.url, f"{path} sent to {page.url}"
        found = page.evaluate(OVERFLOW)
        assert found["scrollWidth"] <= found["clientWidth"], f"{path} at {width} px: {found}"
    finally:
        page.close()
