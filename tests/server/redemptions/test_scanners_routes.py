from datetime import datetime, timezone

import pytest

from server.extensions import db
from server.scanners import revocations
from server.scanners.models import VOUCHER
from signing import DeviceKey
from tests.server import factories
from tests.server.factories import ApiClient


def test_venue_staff_enroll_a_scanner_and_download_the_bundle(door):
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    device = DeviceKey.generate()
    enrolled = staff.post(f"/api/v1/venues/{door.venue_id}/scanners",
                          json={"public_key": device.public_bytes.hex(), "label": "Cassa"})
    assert enrolled.status_code == 201, enrolled.get_json()
    scanner_id = enrolled.get_json()["id"]
    again = staff.post(f"/api/v1/venues/{door.venue_id}/scanners", json={"public_key": device.public_bytes.hex()})
    assert again.status_code == 409 and again.get_json()["code"] == "scanner_already_enrolled"

    bundle = staff.get(f"/api/v1/scanners/{scanner_id}/bootstrap").get_json()
    assert bundle["issuer_keys"]["keys"][0]["crv"] == "Ed25519"
    assert [e["id"] for e in bundle["events"]] == [door.event_id]
    assert bundle["venue_categories"] == []  # the test venue never said what it offers
    assert bundle["policy"]["max_skew_seconds"] == 90 and bundle["policy"]["step_seconds"] == 15
    assert bundle["revocations"] == {"entries": [], "since": 0, "more": False, "full": True}


def test_the_revocation_list_is_incremental(door):
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    scanner_id = next(iter(door.scanners))
    with door.app.app_context():
        revocations.add(kind=VOUCHER, value=door.voucher_id, reason="test", now=datetime.now(timezone.utc))
        db.session.commit()
    first = staff.get(f"/api/v1/scanners/{scanner_id}/bootstrap").get_json()["revocations"]
    assert first["entries"] == [{"kind": "voucher", "value": str(door.voucher_id)}]
    later = staff.get(f"/api/v1/scanners/{scanner_id}/bootstrap?since={first['since']}").get_json()["revocations"]
    assert later["entries"] == [] and later["since"] == first["since"] and later["full"] is False


@pytest.mark.parametrize("who", ["sponsor_member", "other_venue_member", "anonymous"])
def test_only_people_of_the_venue_enroll_and_bootstrap(door, who):
    app = door.app
    client = ApiClient(app.test_client())
    if who != "anonymous":
        with app.app_context():
            kind = "sponsor" if who == "sponsor_member" else "venue"
            owner = factories.user()
            factories.organisation(kind, owner=owner)
            db.session.commit()
            email = owner.email
        client.login(email)
    scanner_id = next(iter(door.scanners))
    enroll = client.post(f"/api/v1/venues/{door.venue_id}/scanners",
                         json={"public_key": DeviceKey.generate().public_bytes.hex()})
    bundle = client.get(f"/api/v1/scanners/{scanner_id}/bootstrap")
    expected = 401 if who == "anonymous" else 403
    assert (enroll.status_code, bundle.status_code) == (expected, expected)


def test_a_broken_scanner_key_is_422(door):
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    response = staff.post(f"/api/v1/venues/{door.venue_id}/scanners", json={"public_key": "04" + "00" * 64})
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_scanner_key"


def test_flags_are_for_admins(door, now):
    a, b = door.scanners
    door.sync(a, door.record(a, at=now - 60, amount=1_500))
    door.sync(b, door.record(b, at=now - 30, amount=1_500))
    with door.app.app_context():
        admin_email = factories.user(admin=True).email
        db.session.commit()
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    assert staff.get("/api/v1/admin/flags").status_code == 403
    admin = ApiClient(door.app.test_client()).login(admin_email)
    flags = admin.get("/api/v1/admin/flags").get_json()
    assert [(f["voucher_id"], f["overspend_cents"]) for f in flags] == [(door.voucher_id, 500)]
