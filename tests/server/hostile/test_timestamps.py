"""Every date-time the API answers carries its UTC offset, on SQLite as on PostgreSQL:
a time without one is read by a browser as local time, an hour or two off. The main
endpoints are called for real and each answer is walked with its OpenAPI response
schema; every `format: date-time` value must end in an offset."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from server.accounts.models import MEMBER, Membership
from server.extensions import db
from tests.server import factories
from tests.server.hostile.openapi_walk import resolve

WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)")


def date_times(document: dict, schema: dict, value, place: str = ""):
    """(place, value) of every date-time in `value`, as its schema says."""
    schema = resolve(document, schema)
    if value is None:
        return
    if schema.get("format") == "date-time":
        yield place, value
    elif isinstance(value, dict):
        for name, child in schema.get("properties", {}).items():
            if name in value:
                yield from date_times(document, child, value[name], f"{place}.{name}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            yield from date_times(document, schema["items"], item, f"{place}[{index}]")


class Checked:
    """Calls an endpoint and records the date-times of its answer, by its documented schema."""

    def __init__(self, app):
        self.document = app.test_client().get("/api/openapi.json").get_json()
        self.seen: dict[str, str] = {}

    def __call__(self, client, method: str, url: str, template: str, **kwargs):
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code < 300, (url, response.get_json())
        operation = self.document["paths"][template][method]
        schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
        for place, value in date_times(self.document, schema, response.get_json()):
            self.seen[f"{method.upper()} {template}{place}"] = value
        return response.get_json()


@pytest.fixture
def journey(door):
    """Money in, a booking, a scan synced: each main endpoint's answer, checked."""
    app = door.app
    check = Checked(app)
    with app.app_context():
        owner = factories.user()
        sponsor = factories.organisation("sponsor", owner=owner)
        campaign = factories.campaign(sponsor)
        admin = factories.user(admin=True)
        venue_member = factories.user()
        db.session.add(Membership(user=venue_member, organisation_id=door.venue_id, role=MEMBER))
        db.session.commit()
        emails = owner.email, admin.email, venue_member.email
        campaign_id = campaign.id
    sponsor_api, admin_api, venue_api = (factories.ApiClient(app.test_client()).login(email) for email in emails)
    staff_api = factories.ApiClient(app.test_client()).login(door.staff_email)
    wallet_api = door.wallet_api()

    topup = check(sponsor_api, "post", f"/api/v1/campaigns/{campaign_id}/topups",
                  "/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": 5_000})
    check(sponsor_api, "get", f"/api/v1/topups/{topup['id']}", "/api/v1/topups/{topup_id}")
    check(admin_api, "get", "/api/v1/admin/topups", "/api/v1/admin/topups")
    check(admin_api, "post", f"/api/v1/admin/topups/{topup['id']}/confirm", "/api/v1/admin/topups/{topup_id}/confirm")
    check(sponsor_api, "get", f"/api/v1/campaigns/{campaign_id}/topups", "/api/v1/campaigns/{campaign_id}/topups")

    check(wallet_api, "get", "/api/v1/wallet/vouchers", "/api/v1/wallet/vouchers")
    check(wallet_api, "get", "/api/v1/catalogue", "/api/v1/catalogue")
    check(wallet_api, "get", f"/api/v1/catalogue/{door.event_id}", "/api/v1/catalogue/{event_id}")
    check(wallet_api, "post", "/api/v1/wallet/bookings", "/api/v1/wallet/bookings",
          json={"event_id": door.event_id, "voucher_id": door.voucher_id, "request_id": "prenotazione-1"})
    check(wallet_api, "get", "/api/v1/wallet/bookings", "/api/v1/wallet/bookings")

    scanner_id = next(iter(door.scanners))
    scan_at = int((datetime.now(timezone.utc) - timedelta(minutes=5)).timestamp())
    check(staff_api, "get", f"/api/v1/scanners/{scanner_id}/bootstrap", "/api/v1/scanners/{scanner_id}/bootstrap")
    check(staff_api, "post", f"/api/v1/scanners/{scanner_id}/sync", "/api/v1/scanners/{scanner_id}/sync",
          json={"records": [door.record(scanner_id, at=scan_at, amount=500)], "since": 0})
    check(wallet_api, "get", "/api/v1/wallet/history", "/api/v1/wallet/history")
    check(venue_api, "get", f"/api/v1/venues/{door.venue_id}/scanners", "/api/v1/venues/{venue_id}/scanners")
    check(venue_api, "get", f"/api/v1/venues/{door.venue_id}/events", "/api/v1/venues/{venue_id}/events")
    check(venue_api, "get", f"/api/v1/venues/{door.venue_id}/report", "/api/v1/venues/{venue_id}/report")
    check(admin_api, "get", "/api/v1/admin/flags", "/api/v1/admin/flags")
    return check.seen


def test_every_date_time_of_the_main_endpoints_has_an_offset(journey):
    without = {place: value for place, value in journey.items() if not WITH_OFFSET.fullmatch(value)}
    assert without == {}


def test_the_walk_reached_the_date_times_that_matter(journey):
    """Top-up times came back without an offset on SQLite: they are among those checked."""
    expected = {
        "POST /api/v1/campaigns/{campaign_id}/topups.created_at",
        "POST /api/v1/admin/topups/{topup_id}/confirm.confirmed_at",
        "GET /api/v1/wallet/vouchers[0].credential_valid_until",
        "POST /api/v1/wallet/bookings.starts_at",
        "GET /api/v1/wallet/history.entries[0].at",
        "GET /api/v1/scanners/{scanner_id}/bootstrap.generated_at",
        "GET /api/v1/venues/{venue_id}/scanners[0].created_at",
        "GET /api/v1/catalogue.items[0].starts_at",
    }
    assert expected <= set(journey), sorted(set(journey))
