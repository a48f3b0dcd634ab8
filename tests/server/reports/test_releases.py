"""Differencing: two impact reports taken around one student's payment must not tell
that payment (README beside server/reports, "Reports over time")."""
from datetime import datetime, timedelta

import pytest

from server.extensions import db
from server.reports import api as reports_api
from server.accounts.models import Organisation
from server.door.models import ScanRecord
from server.reports.periods import ITALY
from tests.server.reports.conftest import months_ahead

ONE_STUDENT_CENTS = 730  # what the single student spends: it must not be recoverable


def _impact(town) -> dict:
    response = town.api(town.sponsor_email).get(f"/api/v1/campaigns/{town.campaign_id}/impact")
    assert response.status_code == 200, response.get_json()
    return {key: value for key, value in response.get_json().items() if key != "funds"}  # the sponsors' money


@pytest.fixture
def released_town(town, clock):
    """Six students booked the theatre last month: released. The clock is now."""
    theatre = town.event("milano", category="teatro", price_cents=1_000)
    for student in town.students_from(6):
        town.book(student, theatre)
    town.backdate(_days_into_last_month())
    clock(months_ahead(0))
    return town


def _museum(town) -> int:
    return town.event("rho", category="musei", price_cents=1_500)


def _days_into_last_month() -> int:
    """Days to go back from now to land in the middle of last month."""
    today = datetime.now(ITALY).date()  # the report's months are Italian
    return today.day + 12


def _visible_rows(impact: dict) -> dict:
    rows = {("total",): impact["spend"]["total"]}
    rows.update({("category", r["slug"]): r for r in impact["spend"]["by_category"]})
    rows.update({("venue", r["venue_id"]): r for r in impact["spend"]["by_venue"]})
    rows.update({("area", r["code"]): r for r in impact["spend"]["by_area"]})
    return {key: row for key, row in rows.items() if not row["suppressed"]}


def test_one_payment_in_the_open_month_changes_nothing_then_its_month_is_merged(released_town, clock):
    before = _impact(released_town)
    assert before["as_of"] is not None and before["headline"]["students_reached"] == 5

    (late,) = released_town.students_from(1)
    released_town.redeem(late, "rho", amount_cents=ONE_STUDENT_CENTS, event_id=_museum(released_town))
    assert _impact(released_town) == before  # the open month is in no figure

    clock(months_ahead(1))  # its month closes with one student's activity in it
    merged = _impact(released_town)
    assert merged == before  # merged into the next month, not released: as_of unchanged


def test_the_next_release_holds_five_students_and_still_hides_the_one_who_paid(released_town, clock):
    first = _impact(released_town)
    (payer,) = released_town.students_from(1)
    released_town.redeem(payer, "rho", amount_cents=ONE_STUDENT_CENTS, event_id=_museum(released_town))
    released_town.students_from(4)  # four more claim, nobody else pays
    clock(months_ahead(1))
    second = _impact(released_town)

    assert second["as_of"] > first["as_of"]
    assert second["headline"]["students_reached"] == 10  # 11
    assert [row["suppressed"] for row in second["trend"]] == [False, True]  # the new month: one payer
    # The total moved by the one payment alone (the earlier total is public): hidden.
    assert second["spend"]["total"]["suppressed"] and second["headline"]["spend_cents"] is None
    assert second["trend"][0] == first["trend"][0]
    # Whatever is shown now differs from the earlier release by no single payment.
    then, now = _visible_rows(first), _visible_rows(second)
    assert then.keys() & now.keys()  # theatre, its venue and its town are shown both times
    for key in then.keys() & now.keys():
        assert now[key]["spend_cents"] - then[key]["spend_cents"] != ONE_STUDENT_CENTS, key
    assert ("venue", released_town.venues["rho"]) not in now and ("area", "015182") not in now


def test_with_enough_payers_the_new_month_is_shown(released_town, clock):
    museum = released_town.event("rho", category="musei", price_cents=800)
    for student in released_town.students_from(5):
        released_town.book(student, museum)
    clock(months_ahead(1))
    impact = _impact(released_town)
    assert [(row["students"], row["spend_cents"], row["suppressed"]) for row in impact["trend"]] == \
        [(5, 6_000, False), (5, 4_000, False)]
    assert impact["headline"]["spend_cents"] == 10_000  # 6_000 + 4_000


def test_a_sponsor_public_impact_covers_all_its_campaigns(released_town):
    with released_town.app.app_context():
        sponsor = db.session.scalar(db.select(Organisation).filter_by(kind="sponsor"))
        public = reports_api.sponsor_public_impact(sponsor=sponsor, now=months_ahead(0))
    assert public["sponsor_name"] == sponsor.name and public["min_cell"] == 5
    assert public["headline"]["students_reached"] == 5 and public["headline"]["spend_cents"] == 6_000
    assert [row["slug"] for row in public["by_category"]] == ["teatro"]
    assert len(public["trend"]) == 1


def test_a_late_sync_lands_in_the_month_it_arrived(released_town, clock):
    """Scanned last month by a phone offline, synced this month: counted in this
    month, so the month already released stays as it was."""
    first = _impact(released_town)
    museum = _museum(released_town)
    for student in released_town.students_from(5):
        released_town.redeem(student, "rho", amount_cents=700, event_id=museum)
    with released_town.app.app_context():
        for record in db.session.scalars(db.select(ScanRecord)):
            record.scanned_at -= timedelta(days=_days_into_last_month())
        db.session.commit()
    assert _impact(released_town) == first
    clock(months_ahead(1))
    later = _impact(released_town)
    assert later["trend"][0] == first["trend"][0]
    assert later["trend"][1]["spend_cents"] == 3_000  # 3_500, in this month's row
    assert later["as_of"] > first["as_of"]
