"""The sponsor's impact report: its figures, and suppression below five students —
with complements that hold across the linked breakdowns. Figures are read with the
current month closed (``closed``), rounded down to 5 students and 10 EUR."""
from datetime import datetime, timedelta, timezone

import pytest

from server.extensions import db
from server.reports import periods
from tests.server import factories

HIDDEN_SPEND = {"spend_cents": None, "redemptions": None, "suppressed": True}


def _impact(town, email=None):
    response = town.api(email or town.sponsor_email).get(f"/api/v1/campaigns/{town.campaign_id}/impact")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _spend(amount, payments):
    return {"spend_cents": amount, "redemptions": payments, "suppressed": False}


@pytest.fixture
def busy_town(town):
    """Twelve students. Six booked the theatre in Milan (under way now): five came and
    rated it. Five redeemed 7 EUR each at the museum in Rho. One booked the cinema."""
    students = town.students_from(12)
    now = datetime.now(timezone.utc)
    theatre = town.event("milano", category="teatro", price_cents=1_000, starts_at=now - timedelta(hours=1))
    museum = town.event("rho", category="musei", price_cents=700)
    cinema = town.event("milano", category="cinema", price_cents=500)
    for student, stars in zip(students[:6], (5, 4, 4, 3, 5, None)):
        booking = town.book(student, theatre, now=now - timedelta(hours=2))
        if stars:
            town.check_in(student, booking, "milano")
            town.rate(booking, stars)
    for student in students[6:11]:
        town.redeem(student, "rho", amount_cents=700, event_id=museum)
    town.book(students[11], cinema)
    return town


def test_funds_are_the_sponsors_own_money_and_shown_in_full(busy_town):
    assert _impact(busy_town)["funds"] == {
        "topped_up_cents": 100_000, "risk_reserve_cents": 2_000,  # 2% set aside
        "allocated_cents": 12 * 2_500, "vouchers_allocated": 12, "available_cents": 98_000 - 30_000}


def test_the_figures_about_enough_students_rounded_down(busy_town, closed):
    impact = _impact(busy_town)
    assert impact["min_cell"] == 5
    assert impact["method"] == {"period": "month", "students_rounded_to": 5, "cents_rounded_to": 1_000}
    assert impact["students_reached"] == {"count": 10, "suppressed": False}  # 12
    assert impact["spend"]["total"] == _spend(10_000, 10)  # 6_000 + 3_500 + 500 in 12 payments
    assert impact["headline"] == {"students_reached": 10, "spend_cents": 10_000, "visits": 10, "venues": 2,
                                  "suppressed": False}
    assert impact["spend"]["by_venue"] == [
        {"venue_id": busy_town.venues["rho"], "name": "Museo di Rho", **_spend(3_000, 5)},  # 3_500
        {"venue_id": busy_town.venues["milano"], "name": "Teatro Milano", **_spend(6_000, 5)}]  # 6_500, 7
    assert impact["spend"]["by_area"] == [
        {"code": "015146", "name": "Milano", "level": "municipality", **_spend(6_000, 5)},
        {"code": "015182", "name": "Rho", "level": "municipality", **_spend(3_000, 5)}]
    assert impact["ratings"]["count"] == 5 and impact["ratings"]["average_stars"] == 4.2
    # Five ratings: two 5s, two 4s, one 3 — each star is about fewer than five students.
    assert [row["suppressed"] for row in impact["ratings"]["distribution"]] == [False, False, True, True, True]
    assert impact["trend"] == [{**_this_month(closed), "students": 10, "spend_cents": 10_000, "suppressed": False}]


def _this_month(closed) -> dict:
    last = closed.date().replace(day=1) - timedelta(days=1)
    return {"from": last.replace(day=1).isoformat(), "to": last.isoformat(), "label": periods.Period(
        periods.month_start(last), periods.month_start(closed.date())).label}


def test_a_category_of_one_student_is_merged_and_hidden_with_a_complement_the_venues_cannot_undo(busy_town, closed):
    """Cinema (one student) goes into "Altro", which is still about one student and is
    hidden. Hiding museums, the next smallest, would not do: the Milan venue runs only
    theatre and cinema, so cinema = Milan - theatre. The complement is theatre: Milan
    then tells only theatre + cinema."""
    by_category = _impact(busy_town)["spend"]["by_category"]
    assert by_category == [
        {"slug": "teatro", "label": "Teatro", **HIDDEN_SPEND},
        {"slug": "musei", "label": "Musei e mostre", **_spend(3_000, 5)},
        {"slug": "altro", "label": "Altro", **HIDDEN_SPEND}]


def test_attendance_hides_the_one_absent_student_and_so_those_who_came(busy_town, closed):
    assert _impact(busy_town)["attendance"] == {
        "booked": {"count": 5, "suppressed": False},  # 6: the cinema has not started, not counted
        "checked_in": {"count": None, "suppressed": True},  # else 6 - 5 = the one who stayed home
        "not_checked_in": {"count": None, "suppressed": True}}


def test_in_a_single_breakdown_the_complement_is_the_next_smallest_cell(town, closed):
    students = town.students_from(12)
    events = {category: town.event("milano", category=category, price_cents=price)
              for category, price in (("teatro", 1_000), ("musei", 400), ("cinema", 500))}
    for student, category in zip(students, ["teatro"] * 6 + ["cinema"] * 5 + ["musei"]):
        town.book(student, events[category])
    impact = _impact(town)
    assert impact["spend"]["by_category"] == [
        {"slug": "teatro", "label": "Teatro", **_spend(6_000, 5)},
        {"slug": "cinema", "label": "Cinema", **HIDDEN_SPEND},
        {"slug": "altro", "label": "Altro", **HIDDEN_SPEND}]  # museums, one student
    assert impact["spend"]["total"] == _spend(8_000, 10)  # 8_900, 12
    assert impact["spend"]["by_venue"][0]["suppressed"] is False  # one venue: it is the total


def test_fewer_than_five_students_and_nothing_is_released(town, closed):
    students = town.students_from(3)
    theatre = town.event("milano", category="teatro", price_cents=1_000,
                         starts_at=datetime.now(timezone.utc) - timedelta(hours=1))
    for student in students:
        booking = town.book(student, theatre, now=datetime.now(timezone.utc) - timedelta(hours=2))
        town.check_in(student, booking, "milano")
        town.rate(booking, 5)
    impact = _impact(town)
    # The month's changes come from three students: merged into the next, not released.
    assert impact["as_of"] is None and impact["trend"] == []
    assert impact["headline"] == {"students_reached": None, "spend_cents": None, "visits": None, "venues": None,
                                  "suppressed": True}
    assert impact["students_reached"] == {"count": None, "suppressed": True}
    assert impact["spend"] == {"total": HIDDEN_SPEND, "by_category": [], "by_venue": [], "by_area": []}
    assert impact["attendance"]["checked_in"] == {"count": None, "suppressed": True}
    assert impact["ratings"]["count"] is None and impact["ratings"]["suppressed"] is True
    assert impact["funds"]["allocated_cents"] == 3 * 2_500


def test_the_threshold_is_configuration(busy_town, closed):
    busy_town.app.config["REPORT_MIN_CELL"] = 1
    impact = _impact(busy_town)
    assert impact["min_cell"] == 1
    # Nothing is too small to stand alone: cinema keeps its row (rounding still applies).
    assert impact["spend"]["by_category"][2] == {"slug": "cinema", "label": "Cinema", **_spend(0, 0)}
    assert impact["attendance"]["not_checked_in"] == {"count": 0, "suppressed": False}


def test_a_campaign_with_no_activity_releases_nothing(town, closed):
    impact = _impact(town)
    assert impact["as_of"] is None and impact["headline"]["suppressed"] is True
    assert impact["spend"] == {"total": HIDDEN_SPEND, "by_category": [], "by_venue": [], "by_area": []}
    assert [row["choice"] for row in impact["thanks"]] == ["grazie", "scoperta", "ci-torno", "consiglio"]


def test_the_open_month_is_never_in_a_figure(busy_town):
    impact = _impact(busy_town)  # the clock is now: this month is open
    assert impact["as_of"] is None and impact["headline"]["suppressed"] is True


def test_platform_admins_see_it_too(busy_town, closed):
    with busy_town.app.app_context():
        email = factories.user(admin=True).email
        db.session.commit()
    assert _impact(busy_town, email)["students_reached"]["count"] == 10


def test_a_small_town_goes_up_to_its_province_then_region(town, closed):
    """Five students at the theatre in Milan, two at the museum in Rho: Rho alone is
    too small, so is the rest of the province, so the row is Lombardy's other towns."""
    theatre = town.event("milano", category="teatro", price_cents=1_000)
    museum = town.event("rho", category="musei", price_cents=700)
    students = town.students_from(7)
    for student in students[:5]:
        town.book(student, theatre)
    for student in students[5:]:
        town.book(student, museum)
    impact = _impact(town)
    by_area = impact["spend"]["by_area"]
    assert [(row["level"], row["code"], row["suppressed"]) for row in by_area] == [
        ("municipality", "015146", False), ("region", "R03", True)]
    assert impact["spend"]["total"]["suppressed"]  # else the rest = total - Milan
    assert by_area[1]["name"].startswith("Lombardia") and by_area[1]["name"].endswith("(altri comuni)")
