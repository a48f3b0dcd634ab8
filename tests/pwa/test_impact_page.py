"""The sponsor's impact page in real Chromium: the sentence a sponsor repeats and the
months as a chart both in the first screen of a 360×640 phone, the chart's figures as a
table for screen readers, a suppressed month read as "meno di 5" (never a zero), axe
clean on a phone and a desk, no sideways scroll; the venue report's new audience and
attendance.

The page is drawn from the report the server releases (server/reports: closed months,
rounded, never under min_cell). Its layout is checked on a released report of the
contract's shape (issue 13) served to the page by Playwright, so the checks do not
depend on which months the pilot happens to have closed; the tests after it read the
server's own answer on the pilot's seeded history (server/demo_history.py), download the
PDF and the window sticker (read back with pdftotext) and switch the public page.
"""
import copy
import json
import re
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.extensions import db
from tests.pwa.conftest import DESKTOP, serious_violations
from tests.pwa.test_accessibility import api_login
from tests.pwa.test_no_horizontal_scroll import OVERFLOW

pytestmark = pytest.mark.browser

SPONSOR_EMAIL = "forno.darsena@demo.example"
SPONSOR = "Forno della Darsena"
CAMPAIGN = "Il Forno per la musica"
VENUE_EMAIL = "direzione.navigli@demo.example"
VENUE = "Teatro dei Navigli"

FEWER = "meno di 5 studenti"


def cell(suppressed=False, **figures):
    return {**{k: None if suppressed else v for k, v in figures.items()}, "suppressed": suppressed}


def released_report(campaign_id: int, name: str) -> dict:
    """A report as the server releases it once months have closed (contract of issue 13)."""
    return {
        "campaign_id": campaign_id, "campaign_name": name, "min_cell": 5, "as_of": "2026-10-31",
        "method": {"period": "month", "students_rounded_to": 5, "cents_rounded_to": 1000},
        "funds": {"topped_up_cents": 500_000, "allocated_cents": 300_000, "available_cents": 180_000,
                  "risk_reserve_cents": 20_000, "vouchers_allocated": 300},
        "headline": {"students_reached": 230, "spend_cents": 1_234_000, "visits": 410, "venues": 12,
                     "suppressed": False},
        "students_reached": cell(count=230),
        "spend": {
            "total": cell(spend_cents=1_234_000, redemptions=410),
            "by_category": [{"slug": "cinema", "label": "Cinema", **cell(spend_cents=500_000, redemptions=200)},
                            {"slug": "teatro", "label": "Teatro", **cell(spend_cents=600_000, redemptions=150)},
                            {"slug": "altro", "label": "Altro", **cell(spend_cents=134_000, redemptions=60)}],
            "by_venue": [{"venue_id": 1, "name": VENUE, **cell(spend_cents=700_000, redemptions=220)},
                         {"venue_id": None, "name": "Altre sedi", **cell(spend_cents=534_000, redemptions=190)}],
            "by_area": [{"code": "015146", "name": "Milano", "level": "municipality",
                         **cell(spend_cents=1_000_000, redemptions=330)},
                        {"code": "MI", "name": "Milano", "level": "province",
                         **cell(spend_cents=234_000, redemptions=80)}],
        },
        "trend": [
            {"from": "2026-06-01", "to": "2026-06-30", "label": "giugno 2026", "students": 40,
             "spend_cents": 210_000, "suppressed": False},
            {"from": "2026-07-01", "to": "2026-08-31", "label": "luglio–agosto 2026", "students": None,
             "spend_cents": None, "suppressed": True},
            {"from": "2026-09-01", "to": "2026-09-30", "label": "settembre 2026", "students": 95,
             "spend_cents": 480_000, "suppressed": False},
            {"from": "2026-10-01", "to": "2026-10-31", "label": "ottobre 2026", "students": 120,
             "spend_cents": 544_000, "suppressed": False},
        ],
        "attendance": {"booked": cell(count=180), "checked_in": cell(count=160), "not_checked_in": cell(count=20)},
        "ratings": {"count": 85, "average_stars": 4.4, "suppressed": False,
                    "distribution": [{"stars": s, "count": c} for s, c in ((1, None), (2, None), (3, 10),
                                                                           (4, 25), (5, 45))]},
        "thanks": [{"choice": "grazie", "label": "Grazie!", "count": 60, "suppressed": False},
                   {"choice": "ci-torno", "label": "Ci torno", "count": None, "suppressed": True}],
    }


def ids(app, model, **by) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(model.id).filter_by(**by))
        db.session.rollback()
        return found


IMPACT_JSON = re.compile(r"/api/v1/campaigns/\d+/impact$")


def serve_report(page, report: dict):
    """The page's GET of the impact report answered with `report` (the PDF and CSV pass through)."""
    page.route(IMPACT_JSON, lambda route: route.fulfill(status=200, content_type="application/json",
                                                        body=json.dumps(report)))


STORIES = [
    {"id": 9001, "venue_name": VENUE, "event_title": "Sei personaggi in cerca d'autore",
     "body": "Quaranta ragazzi in platea, e dopo lo spettacolo mezz'ora di domande agli attori.",
     "photo_url": "/icons/icon-192.png", "posted_at": "2026-10-12T18:30:00+00:00"},
    {"id": 9002, "venue_name": "Cinema Arcobaleno", "event_title": None, "body": "Sala piena per il cineforum.",
     "photo_url": None, "posted_at": "2026-09-03T20:00:00+00:00"},
]


def open_impact(page, app, report: dict | None = None):
    api_login(page, SPONSOR_EMAIL)
    sponsor_id = ids(app, Organisation, name=SPONSOR)
    campaign_id = ids(app, Campaign, name=CAMPAIGN)
    if report is not None:
        serve_report(page, report if report else released_report(campaign_id, CAMPAIGN))
        page.route(re.compile(r"/api/v1/campaigns/\d+/stories$"), lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(STORIES)))
    page.goto(f"/o/sponsor/{sponsor_id}/campagne/{campaign_id}/impatto")
    page.locator(".impact-headline").wait_for()
    page.wait_for_function("!document.querySelector('.loading, .spinner')")
    return sponsor_id, campaign_id


def within_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= viewport["width"] + 0.5
            and box["y"] + box["height"] <= viewport["height"] + 0.5)


def no_sideways_scroll(page) -> bool:
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= found["clientWidth"], found
    return True


def test_the_headline_and_the_months_fill_the_first_screen_of_a_phone(page, pilot, live_app):
    open_impact(page, live_app, {})
    sentence = page.locator(".impact-sentence")
    assert sentence.text_content() == ("Con il vostro contributo, 230 studenti hanno vissuto "
                                       "410 esperienze culturali in 12 luoghi.")
    assert page.locator(".impact-as-of").text_content().startswith("dati al 31 ottobre 2026")
    assert "mai meno di 5 studenti" in page.locator(".impact-as-of").text_content()
    chart = page.locator("svg.trend-chart")
    assert within_viewport(page, sentence)
    assert within_viewport(page, chart), chart.bounding_box()

    # The merged summer is a dashed "meno di 5", not a column of zero.
    summer = chart.locator('g[data-period="2026-07-01"]')
    assert summer.locator("rect.chart-bar").count() == 0
    assert summer.locator(".chart-note").first.text_content() == "meno di 5"
    assert chart.locator("rect.chart-bar").count() == 3
    assert "luglio – agosto 2026: " + FEWER + ";" in chart.get_attribute("aria-label")

    # The same figures as a table, one row per period.
    table = page.locator("details.trend-table table")
    assert table.count() == 1
    page.locator("details.trend-table summary").click()
    row = table.locator('tr[data-period="2026-09-01"]')
    assert row.locator("td").nth(0).text_content() == "95"
    assert row.locator("td").nth(1).text_content().replace("\u00a0", " ") == "4800,00 €"  # Italian groups from five digits
    assert table.locator('tr[data-period="2026-07-01"] td.suppressed').count() == 2

    # Further down: "Altro", the other venues, areas coarsened, stars, thanks.
    categories = page.locator("svg.chart:not(.trend-chart)")
    assert categories.locator('g[data-slug="altro"] .chart-label').text_content() == "Altro"
    bar = lambda slug: float(categories.locator(f'g[data-slug="{slug}"] rect.chart-bar').get_attribute("width"))
    assert bar("teatro") > bar("cinema") > bar("altro")  # to scale: 6000, 5000, 1340 EUR
    assert page.locator("table.report-table", has_text="Altre sedi").count() == 1
    assert page.get_by_text("Milano (provincia)").count() == 1
    assert page.locator('.stars-list li[data-stars="5"] .stars-count').text_content() == "45"
    assert page.locator('.stars-list li[data-stars="1"]').get_by_text(FEWER).count() == 1
    assert page.locator('.thanks-figures [data-choice="ci-torno"]').get_by_text(FEWER).count() == 1
    story = page.locator('.story-card[data-story="9001"]')
    assert story.get_by_role("img", name=f"Foto da {VENUE}").count() == 1
    story.locator("img").evaluate("(img) => img.decode()")  # the photo loads
    assert story.locator(".meta").text_content() == f"{VENUE} · 12 ottobre 2026 · Sei personaggi in cerca d'autore"
    assert page.locator('.story-card[data-story="9002"] img').count() == 0
    assert no_sideways_scroll(page)

    page.get_by_role("button", name="EN").click()
    page.locator(".impact-sentence", has_text="With your support, 230 students").wait_for()
    assert page.locator(".impact-as-of").text_content().startswith("figures as of 31 October 2026")
    assert table.locator('tr[data-period="2026-07-01"] th').text_content() == "July – August 2026"
    assert table.locator('tr[data-period="2026-07-01"] td').first.text_content() == "fewer than 5 students"
    page.get_by_role("button", name="IT").click()


def test_before_any_month_is_released_the_page_says_why_and_shows_no_figure(page, pilot, live_app):
    campaign_id = ids(live_app, Campaign, name=CAMPAIGN)
    waiting = released_report(campaign_id, CAMPAIGN)
    waiting.update(as_of=None, trend=[], headline={"students_reached": None, "spend_cents": None,
                                                   "visits": None, "venues": None, "suppressed": True})
    open_impact(page, live_app, waiting)
    assert page.locator(".impact-sentence").text_content().startswith(
        "Le prime cifre arrivano quando si chiude un mese in cui almeno 5 studenti")
    assert page.locator(".impact-as-of").text_content().startswith("nessun mese ancora pubblicato")
    assert page.locator("svg.trend-chart").count() == 0
    assert page.get_by_text("Nessun mese chiuso ancora").count() == 1


@pytest.mark.parametrize("viewport", [None, DESKTOP], ids=["phone", "desk"])
def test_the_impact_page_is_axe_clean_without_sideways_scroll(page, pilot, live_app, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    open_impact(page, live_app, {})
    page.locator("details.trend-table summary").click()
    page.locator(".impact-share").wait_for()
    assert serious_violations(page) == []
    assert no_sideways_scroll(page)


def test_at_320_px_nothing_scrolls_sideways(page, pilot, live_app):
    page.set_viewport_size({"width": 320, "height": 640})
    open_impact(page, live_app, {})
    page.locator("details.trend-table summary").click()
    assert no_sideways_scroll(page)


# --- on the pilot's own history (server/demo_history.py: closed months already released) --------

def live_report(page, campaign_id: int) -> dict:
    answer = page.request.get(f"/api/v1/campaigns/{campaign_id}/impact")
    assert answer.ok, answer.text()
    return answer.json()


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_the_seeded_history_reads_as_a_sentence_and_a_chart_in_the_first_screen(page, pilot, live_app):
    _, campaign_id = open_impact(page, live_app)
    report = live_report(page, campaign_id)
    headline = report["headline"]
    assert report["as_of"] and headline["students_reached"], "the demo history released no month"
    sentence = page.locator(".impact-sentence")
    # A figure the server hid (null) is left out of the sentence, never written as 0.
    visits = (f"{headline['visits']} esperienze culturali" if headline["visits"] is not None
              else "esperienze culturali")
    venues = f"{headline['venues']} luoghi" if headline["venues"] is not None else "luoghi diversi"
    assert sentence.text_content() == (f"Con il vostro contributo, {headline['students_reached']} studenti hanno "
                                       f"vissuto {visits} in {venues}.")
    assert page.locator(".impact-spend").count() == (1 if headline["spend_cents"] else 0)
    assert within_viewport(page, sentence)
    chart = page.locator("svg.trend-chart")
    assert within_viewport(page, chart), chart.bounding_box()
    assert chart.locator("g.trend-month").count() == min(len(report["trend"]), 12)
    for period in report["trend"]:
        if period["suppressed"]:
            assert chart.locator(f'g[data-period="{period["from"]}"] rect.chart-bar').count() == 0
    assert page.locator("details.trend-table tbody tr").count() == len(report["trend"])
    assert no_sideways_scroll(page)


def test_the_pdf_from_the_page_has_the_headline_figures(page, pilot, live_app, tmp_path):
    _, campaign_id = open_impact(page, live_app)
    headline = live_report(page, campaign_id)["headline"]
    answer = page.request.get(f"/api/v1/campaigns/{campaign_id}/impact.pdf")  # a refusal, named, not a timeout
    assert answer.ok, (answer.status, answer.text()[:300])
    with page.expect_download() as download:
        page.get_by_role("button", name="Scarica il PDF").click()
    saved = tmp_path / "impatto.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"impatto-campagna-{campaign_id}.pdf"
    text = pdf_text(saved)
    assert CAMPAIGN in text
    # Every headline figure the page shows (a partly hidden headline still shows those not null).
    for figure in (headline["students_reached"], headline["visits"], headline["venues"]):
        if figure is not None:
            assert re.search(rf"\b{figure}\b", text), (figure, text[:2000])
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Scarica il CSV").click()
    assert csv_download.value.suggested_filename.endswith(".csv")


def test_the_owner_publishes_the_public_page_copies_its_link_and_downloads_the_sticker(page, pilot, live_app,
                                                                                         tmp_path):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sponsor_id, _ = open_impact(page, live_app)
    state_path = f"/api/v1/organisations/{sponsor_id}/public-page"
    was_enabled = page.request.get(state_path).json()["enabled"]
    share = page.locator(".impact-share")
    toggle = share.locator("button[data-public-page]")
    try:
        if was_enabled:  # start from a page that is not public
            toggle.click()
            share.locator('.share-public[data-enabled="false"]').wait_for()
        assert share.get_by_text("Prima pubblica la pagina").count() == 1
        share.get_by_role("button", name="Pubblica la pagina").click()
        share.locator('.share-public[data-enabled="true"]').wait_for()
        url = share.locator(".public-url a").get_attribute("href")
        assert re.search(r"/sponsor/[a-z0-9-]+$", url), url
        share.get_by_role("button", name="Copia il link").click()
        share.get_by_text("Link copiato").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == url

        with page.expect_download() as download:
            share.get_by_role("button", name="Scarica l’adesivo").click()
        saved = tmp_path / "adesivo.pdf"
        download.value.save_as(saved)
        assert "Qui si regala cultura" in " ".join(pdf_text(saved).split())
        assert serious_violations(page, ".impact-share") == []
    finally:  # the pilot is shared by the session: leave the page as it was
        csrf = page.evaluate("sessionStorage.getItem('mentoring.csrf')")
        answer = page.request.put(state_path, data={"enabled": was_enabled}, headers={"X-CSRF-Token": csrf})
        assert answer.ok, answer.text()


def test_a_member_who_is_not_the_owner_sees_the_public_page_but_no_switch(page, pilot, live_app):
    campaign_id = ids(live_app, Campaign, name=CAMPAIGN)
    report = released_report(campaign_id, CAMPAIGN)
    api_login(page, SPONSOR_EMAIL)
    sponsor_id = ids(live_app, Organisation, name=SPONSOR)
    # The session as the page reads it, with this sponsor's membership turned into a member's.
    page.route(re.compile(r"/api/v1/auth/me$"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(as_member(route.fetch().json(), sponsor_id))))
    serve_report(page, report)
    page.goto(f"/o/sponsor/{sponsor_id}/campagne/{campaign_id}/impatto")
    share = page.locator(".impact-share")
    share.get_by_text("Solo chi è titolare dell’organizzazione").wait_for()
    assert share.locator("button[data-public-page]").count() == 0


def as_member(me: dict, organisation_id: int) -> dict:
    me = copy.deepcopy(me)
    for membership in me.get("memberships", []):
        if membership["organisation_id"] == organisation_id:
            membership["role"] = "member"
    return me


def test_the_venue_report_shows_its_new_audience_and_who_came_of_those_who_booked(people, pilot, live_app):
    page = people()
    api_login(page, VENUE_EMAIL)
    venue_id = ids(live_app, Organisation, name=VENUE)
    answer = page.request.get(f"/api/v1/venues/{venue_id}/report")
    assert answer.ok, answer.text()
    report = answer.json()
    page.goto(f"/o/venue/{venue_id}/report")
    audience = page.locator(".new-audience")
    audience.wait_for()
    page.wait_for_function("!document.querySelector('.loading, .spinner')")
    assert audience.locator("tbody tr").count() == len(report["new_audience"])
    for month in report["new_audience"]:
        cell = audience.locator(f'tr[data-period="{month["from"]}"] td')
        assert cell.text_content() == (FEWER if month["suppressed"] else str(month["students"]))
    events = [row for row in report["events"] if row.get("attendance") and row["event_id"] is not None]
    attendance = page.locator(".event-attendance")
    if events:
        row = attendance.locator(f'tr[data-event="{events[0]["event_id"]}"] td')
        assert row.nth(0).text_content() == str(events[0]["attendance"]["booked"])
        assert row.nth(1).text_content().startswith(str(events[0]["attendance"]["checked_in"]))
    assert serious_violations(page) == []
    assert no_sideways_scroll(page)
