"""A sponsor's public page in real Chromium, as someone who scanned the window sticker
sees it: no login, the sponsor's name and what its money did, a hidden month read as
"meno di 5 studenti", Italian and English, axe clean at 360×640, nothing scrolls
sideways at 320 px; gone again once the owner switches it off.

The layout is checked on released figures of the contract's shape (issue 13) served to
the page by Playwright, so it does not depend on which months the pilot has closed;
the first test reads the server's own answer.
"""
import json
import re

import pytest

from tests.pwa.conftest import serious_violations
from tests.pwa.test_accessibility import api_login
from tests.pwa.test_no_horizontal_scroll import OVERFLOW

pytestmark = pytest.mark.browser

OWNER_EMAIL = "sponsorship@lumen.demo.example"
SPONSOR = "Lumen Energia S.p.A."
SLUG = "lumen-energia"
PUBLIC_JSON = re.compile(rf"/api/v1/public/sponsors/{SLUG}$")


def released_page() -> dict:
    """The public answer once months have closed (server/sponsors_public, issue 13)."""
    return {
        "slug": SLUG, "sponsor_name": SPONSOR, "as_of": "2026-10-31", "min_cell": 5,
        "method": {"period": "month", "students_rounded_to": 5, "cents_rounded_to": 1000},
        "headline": {"students_reached": 230, "spend_cents": 1_234_000, "visits": 410, "venues": 12,
                     "suppressed": False},
        "trend": [
            {"from": "2026-06-01", "to": "2026-06-30", "label": "giugno 2026", "students": 40,
             "spend_cents": 210_000, "suppressed": False},
            {"from": "2026-07-01", "to": "2026-08-31", "label": "luglio – agosto 2026", "students": None,
             "spend_cents": None, "suppressed": True},
            {"from": "2026-09-01", "to": "2026-09-30", "label": "settembre 2026", "students": 95,
             "spend_cents": 480_000, "suppressed": False},
        ],
        "by_category": [
            {"slug": "teatro", "label": "Teatro", "students": None, "spend_cents": 600_000, "redemptions": 150,
             "suppressed": False},
            {"slug": "altro", "label": "Altro", "students": None, "spend_cents": None, "redemptions": None,
             "suppressed": True},
        ],
    }


@pytest.fixture
def public_page_on(page, pilot):
    """The owner switches Lumen's page on (through the API, as the impact page's toggle
    does); off again afterwards: the pilot is shared by the session."""
    csrf = api_login(page, OWNER_EMAIL)
    sponsor_id = page.request.get("/api/v1/auth/me").json()["memberships"][0]["organisation_id"]

    def switch(enabled: bool):
        answer = page.request.put(f"/api/v1/organisations/{sponsor_id}/public-page", data={"enabled": enabled},
                                  headers={"X-CSRF-Token": csrf})
        assert answer.ok, answer.text()
        return answer.json()

    state = switch(True)
    assert state["slug"] == SLUG
    yield switch
    switch(False)


def open_public(visitor, figures: dict | None = None):
    if figures is not None:
        visitor.route(PUBLIC_JSON, lambda route: route.fulfill(status=200, content_type="application/json",
                                                               body=json.dumps(figures)))
    visitor.goto(f"/sponsor/{SLUG}")
    visitor.locator(".public-sponsor h1").wait_for()


def no_sideways_scroll(visitor) -> bool:
    found = visitor.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["clientWidth"], found
    return True


def test_anyone_opens_the_page_without_logging_in(public_page_on, people):
    visitor = people()

    open_public(visitor)

    assert visitor.locator(".public-sponsor h1").text_content() == SPONSOR
    assert visitor.locator(".public-kicker").text_content() == "Sponsor di Mentoring"
    assert visitor.locator(".public-sentence").count() == 1
    assert visitor.get_by_role("heading", name="Come contiamo").count() == 1


def test_the_figures_a_hidden_month_and_the_categories(public_page_on, people):
    visitor = people()

    open_public(visitor, released_page())

    assert visitor.locator(".public-sentence").text_content() == (
        "Fino al 31 ottobre 2026, almeno 230 ragazzi hanno scoperto teatri, musei e concerti di Milano "
        "grazie a Lumen Energia S.p.A.")  # one full stop, not two
    figures = visitor.locator(".public-figures dd").all_text_contents()
    assert [figure.replace("\u00a0", " ") for figure in figures] == ["230", "12.340 €", "410", "12"]
    months = visitor.locator('section[aria-labelledby="public-trend"] li')
    assert months.count() == 3
    assert months.nth(1).locator(".public-bar-label").text_content() == "luglio – agosto 2026"  # merged: small
    assert months.nth(1).locator(".public-bar-value").text_content() == "meno di 5 studenti"
    assert months.nth(1).locator(".public-bar > span").count() == 0  # no bar: no figure to read off
    assert months.nth(2).locator(".public-bar-value").text_content().replace("\u00a0", " ") == "4800 € · 95 studenti"
    categories = visitor.locator('section[aria-labelledby="public-categories"] li')
    assert categories.nth(0).locator(".public-bar-label").text_content() == "Teatro"
    assert categories.nth(1).locator(".public-bar-value").text_content() == "meno di 5 studenti"

    visitor.get_by_role("button", name="EN").click()
    visitor.locator(".public-sentence", has_text="at least 230 young people").wait_for()
    assert visitor.locator(".public-kicker").text_content() == "Mentoring sponsor"
    assert visitor.get_by_text("fewer than 5 students", exact=True).count() == 2
    visitor.get_by_role("button", name="IT").click()


def test_before_any_month_is_released_the_page_says_why(public_page_on, people):
    waiting = {**released_page(), "as_of": None, "trend": [], "by_category": [],
               "headline": {"students_reached": None, "spend_cents": None, "visits": None, "venues": None,
                            "suppressed": True}}
    visitor = people()

    open_public(visitor, waiting)

    assert visitor.locator(".public-sentence").text_content().startswith("I primi numeri compaiono quando")
    assert visitor.locator(".public-figures").count() == 0


def test_the_page_is_axe_clean_on_a_phone_and_nothing_scrolls_sideways_at_320(public_page_on, people):
    visitor = people()  # 360×640
    open_public(visitor, released_page())
    assert serious_violations(visitor) == []
    assert no_sideways_scroll(visitor)

    visitor.set_viewport_size({"width": 320, "height": 640})
    assert no_sideways_scroll(visitor)


def test_once_switched_off_the_page_is_not_found(public_page_on, people):
    public_page_on(False)
    visitor = people()

    visitor.goto(f"/sponsor/{SLUG}")

    visitor.get_by_role("heading", name="Pagina non trovata").wait_for()
    assert visitor.get_by_text("Questa pagina non c’è, o lo sponsor l’ha tolta.").count() == 1
