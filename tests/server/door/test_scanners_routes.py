from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.accounts.models import STAFF, Membership, Organisation, User
from server.door import enrolment, revocations
from server.errors import Conflict
from server.extensions import db
from server.door.models import VOUCHER
from signing import DeviceKey
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories
from tests.server.factories import ApiClient


def _new_venue(app):
    """A venue with one event and a door volunteer (staff), logged in."""
    with app.app_context():
        venue = catalogue_factories.venue()
        staff = factories.user()
        db.session.add(Membership(user=staff, organisation=venue, role=STAFF))
        event = catalogue_factories.event(venue, category="teatro", price_cents=1200)
        db.session.commit()
        ids = venue.id, event.id
        email = staff.email
    return (*ids, ApiClient(app.test_client()).login(email))


def test_venue_staff_enroll_a_scanner_and_download_the_bundle(door):
    venue_id, event_id, staff = _new_venue(door.app)
    device = DeviceKey.generate()
    enrolled = staff.post(f"/api/v1/venues/{venue_id}/scanners",
                          json={"public_key": device.public_bytes.hex(), "label": "Cassa"})
    assert enrolled.status_code == 201, enrolled.get_json()
    scanner_id = enrolled.get_json()["id"]
    again = staff.post(f"/api/v1/venues/{venue_id}/scanners", json={"public_key": device.public_bytes.hex()})
    assert again.status_code == 409 and again.get_json()["code"] == "scanner_already_enrolled"

    bundle = staff.get(f"/api/v1/scanners/{scanner_id}/bootstrap").get_json()
    assert bundle["issuer_keys"]["keys"][0]["crv"] == "Ed25519"
    assert [e["id"] for e in bundle["events"]] == [event_id]
    assert bundle["venue_categories"] == []  # the test venue never said what it offers
    assert bundle["policy"]["max_skew_seconds"] == 90 and bundle["policy"]["step_seconds"] == 15
    assert bundle["revocations"] == {"entries": [], "since": 0, "more": False, "full": True}
    assert (bundle["status"], bundle["slot"], bundle["slots"], bundle["allowance_share_bp"]) == ("active", 1, 2, 5_000)


def test_a_venue_cannot_widen_the_bound_by_enrolling_more_phones(door, now):
    """Two slots: a third phone is refused, and a retired phone's slot stays taken until
    every credential it could have accepted has expired."""
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    third = staff.post(f"/api/v1/venues/{door.venue_id}/scanners",
                       json={"public_key": DeviceKey.generate().public_bytes.hex()})
    assert third.status_code == 409 and third.get_json()["code"] == "no_scanner_slot"
    a, _ = door.scanners
    with door.app.app_context():
        venue = db.session.get(Organisation, door.venue_id)
        user = db.session.scalar(sa.select(User).filter_by(email=door.staff_email))
        retired = enrolment.retire(venue=venue, scanner_id=a, now=datetime.now(timezone.utc))
        slot = retired.slot
        with pytest.raises(Conflict):
            enrolment.enroll(venue=venue, user=user, public_key_hex=DeviceKey.generate().public_bytes.hex(),
                             label="Nuovo", now=datetime.now(timezone.utc) + timedelta(days=7))
        later = enrolment.enroll(venue=venue, user=user, public_key_hex=DeviceKey.generate().public_bytes.hex(),
                                 label="Nuovo", now=datetime.now(timezone.utc) + timedelta(days=7, hours=4))
        assert (later.slot, later.allowance_share_bp) == (slot, 5_000)
        db.session.rollback()


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
    door.sync(a, door.record(a, at=now - 60, amount=1_200))
    door.sync(door.away, door.record(door.away, at=now - 30, amount=1_200))
    # Synced last, so it found the voucher short; but by scan time the away venue crossed the balance.
    door.sync(b, door.record(b, at=now - 45, amount=1_000))
    with door.app.app_context():
        admin_email = factories.user(admin=True).email
        db.session.commit()
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    assert staff.get("/api/v1/admin/flags").status_code == 403
    admin = ApiClient(door.app.test_client()).login(admin_email)
    flags = admin.get("/api/v1/admin/flags").get_json()
    assert [(f["kind"], f["voucher_id"], f["scanner_id"], f["overspend_cents"]) for f in flags] == [
        ("overspend", door.voucher_id, door.away, 900)]  # 12 + 10 + 12 EUR of a 25 EUR voucher
    (flag,) = flags
    assert flag["scanner_label"] == "Teatro di fronte" and flag["venue_id"] == door.away_venue_id
    assert [(r["scanner_id"], r["amount_cents"], r["overspend_cents"], r["crossing"]) for r in flag["involved"]] == [
        (a, 1_200, 0, False), (b, 1_000, 0, False), (door.away, 1_200, 900, True)]
