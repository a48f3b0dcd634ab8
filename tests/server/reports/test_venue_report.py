"""The venue report's new audience by closed month, and bookings per event."""
from datetime import datetime, timedelta, timezone

from server.reports.periods import ITALY
from tests.server.reports.conftest import months_ahead


def _report(town, venue="milano") -> dict:
    venue_id = town.venues[venue]
    response = town.api(town.venue_emails[venue_id]).get(f"/api/v1/venues/{venue_id}/report")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_new_audience_by_closed_month_and_attendance_per_event(town, clock):
    now = datetime.now(timezone.utc)
    theatre = town.event("milano", category="teatro", price_cents=1_000, starts_at=now - timedelta(hours=1))
    students = town.students_from(7)
    for student in students[:6]:
        booking = town.book(student, theatre, now=now - timedelta(hours=2))
        if student is not students[5]:
            town.check_in(student, booking, "milano")
    town.backdate(datetime.now(ITALY).day + 12)  # all of it last month (an Italian month)
    clock(months_ahead(0))
    report = _report(town)
    (month,) = report["new_audience"]
    assert (month["students"], month["suppressed"]) == (5, False)  # six, rounded down
    last = datetime.fromisoformat(month["to"]).date()
    assert last == months_ahead(0).date().replace(day=1) - timedelta(days=1)
    (event,) = report["events"]
    assert event["attendance"] == {"booked": 6, "checked_in": 5}  # the venue's own counts: exact

    town.redeem(students[6], "milano", amount_cents=500, event_id=theatre)  # a seventh, this month
    clock(months_ahead(1))
    assert _report(town)["new_audience"] == report["new_audience"]  # one newcomer: merged, not shown


def test_a_venue_with_no_one_yet_has_no_new_audience(town, clock):
    clock(months_ahead(1))
    assert _report(town, "rho")["new_audience"] == []
