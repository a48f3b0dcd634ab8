"""Integers outside their column's range are a 422 (bodies, queries) or a 404 (paths),
never the database's "integer out of range" (PostgreSQL) or OverflowError (SQLite)."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.http.fields import MAX_ID
from server.vouchers.models import Allocation
from tests.server import factories
from tests.server.hostile.conftest import assert_problem

TOO_BIG_IDS = [2**63, 2**63 - 1, 2**31, -1, 0, 10**25]


def _allocations(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Allocation))


@pytest.mark.parametrize("school_id", TOO_BIG_IDS + [2.5, "٣", "1e3", True])
def test_an_id_in_a_body_outside_the_id_range_is_a_422(app, sponsor, school_id):
    response = sponsor.post(f"/api/v1/campaigns/{sponsor.ids['campaign_id']}/allocations",
                            json={"school_id": school_id, "voucher_count": 1})
    body = assert_problem(response, 422, "invalid_input")
    assert "school_id" in body["errors"]["json"]
    assert _allocations(app) == 0


def test_the_largest_id_is_still_an_id(app, sponsor):
    response = sponsor.post(f"/api/v1/campaigns/{sponsor.ids['campaign_id']}/allocations",
                            json={"school_id": MAX_ID, "voucher_count": 1})
    assert_problem(response, 404, "organisation_not_found")


def test_a_list_of_ids_is_checked_item_by_item(app, sponsor):
    today = date.today()
    response = sponsor.post("/api/v1/campaigns", json={
        "sponsor_id": sponsor.ids["sponsor_id"], "co_sponsor_ids": [10**12], "name": "Cultura",
        "face_value_cents": 2_500, "offline_allowance_cents": 1_000, "categories": ["teatro"],
        "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=30)).isoformat()})
    body = assert_problem(response, 422, "invalid_input")
    assert "co_sponsor_ids" in body["errors"]["json"]


@pytest.mark.parametrize("value", ["2.3e25", "23000000000000000000000000", str(2**63), str(2**31), "0", "-5",
                                   "٣", "1.5", " 7"])
def test_an_id_in_a_query_outside_the_id_range_is_a_422(client, value):
    response = client.get("/api/v1/catalogue", query_string={"venue_id": value})
    body = assert_problem(response, 422, "invalid_input")
    assert "venue_id" in body["errors"]["query"]


@pytest.mark.parametrize("value", [str(10**30), "0", "-1"])
def test_a_page_size_outside_its_range_is_a_422(client, value):
    assert_problem(client.get("/api/v1/catalogue", query_string={"page_size": value}), 422, "invalid_input")


@pytest.mark.parametrize("value", [str(2**63), str(2**62), str(MAX_ID + 1), "-1"])
def test_a_revocation_cursor_outside_its_range_is_a_422(client, value):
    response = client.get("/api/v1/scanners/1/bootstrap", query_string={"since": value})
    assert_problem(response, 422, "invalid_input")


def test_a_revocation_cursor_is_in_the_range_of_the_ids_it_is_compared_with(door):
    """The cursor is compared with an `Integer` id: past 2**31-1 PostgreSQL said
    "integer out of range" (the fuzzer found it with 2**62 - 1)."""
    staff = factories.ApiClient(door.app.test_client()).login(door.staff_email)
    scanner_id = next(iter(door.scanners))
    url = f"/api/v1/scanners/{scanner_id}/bootstrap"
    assert staff.get(url, query_string={"since": MAX_ID}).status_code == 200
    assert_problem(staff.get(url, query_string={"since": 2**62 - 1}), 422, "invalid_input")
    sync = door.app.test_client().post(f"/api/v1/scanners/{scanner_id}/sync",
                                       json={"records": ["MR:x"], "since": MAX_ID})
    assert sync.status_code == 200, sync.get_json()
    assert_problem(door.app.test_client().post(f"/api/v1/scanners/{scanner_id}/sync",
                                               json={"records": ["MR:x"], "since": 2**62 - 1}), 422, "invalid_input")


@pytest.mark.parametrize("path_id", [str(MAX_ID + 1), str(2**63), "9" * 40, "0", "-1"])
def test_an_id_in_a_path_outside_the_id_range_is_a_404(client, path_id):
    assert_problem(client.get(f"/api/v1/catalogue/{path_id}"), 404, "not_found")


@pytest.mark.parametrize("field, value", [("event_id", 2**40), ("voucher_id", 2**63), ("event_id", -3)])
def test_ids_a_wallet_sends_are_checked_too(app, field, value):
    wallet, _ = factories.wallet_client(app)
    body = {"event_id": 1, "voucher_id": 1, "request_id": "richiesta-1", field: value}
    response = wallet.post("/api/v1/wallet/bookings", json=body)
    assert field in assert_problem(response, 422, "invalid_input")["errors"]["json"]


@pytest.mark.parametrize("amount", [2**63, -(2**63) - 1, 10**40])
def test_cents_past_their_column_are_a_422(sponsor, amount):
    response = sponsor.post(f"/api/v1/campaigns/{sponsor.ids['campaign_id']}/topups", json={"amount_cents": amount})
    assert "amount_cents" in assert_problem(response, 422, "invalid_input")["errors"]["json"]


def test_cents_within_the_column_but_past_the_rule_keep_the_rules_code(sponsor):
    response = sponsor.post(f"/api/v1/campaigns/{sponsor.ids['campaign_id']}/topups",
                            json={"amount_cents": 2**40})
    assert response.status_code == 422
    assert response.get_json()["code"] != "invalid_input"
