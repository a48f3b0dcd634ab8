"""A venue retires a lost or replaced scanner phone: what it recorded before is still
paid, what it dates after is not, and it gets no new offline bundle."""
import pytest

from server.accounts.models import MEMBER, Membership
from server.extensions import db
from server.ledger import api as ledger
from server.door.models import ScannerDevice
from tests.server import factories
from tests.server.factories import ApiClient


@pytest.fixture
def manager(door):
    """A member of the door's venue (programme and report), logged in."""
    with door.app.app_context():
        person = factories.user()
        db.session.add(Membership(user=person, organisation_id=door.venue_id, role=MEMBER))
        db.session.commit()
        email = person.email
    return ApiClient(door.app.test_client()).login(email)


def _retire(client, door, scanner_id):
    return client.post(f"/api/v1/venues/{door.venue_id}/scanners/{scanner_id}/retire")


def test_the_venue_lists_its_scanners_and_door_staff_do_not(door, manager):
    listed = manager.get(f"/api/v1/venues/{door.venue_id}/scanners")

    assert listed.status_code == 200
    assert sorted(s["id"] for s in listed.get_json()) == sorted(door.scanners)
    assert {s["status"] for s in listed.get_json()} == {"active"}
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    refused = staff.get(f"/api/v1/venues/{door.venue_id}/scanners")
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_a_member"


def test_a_retired_scanner_is_paid_for_what_it_recorded_before_and_not_after(door, manager, now):
    a, _ = door.scanners
    before = door.record(a, at=now - 60)

    retired = _retire(manager, door, a)

    assert retired.status_code == 200 and retired.get_json()["status"] == "retired"
    after = door.record(a, at=now + 30, amount=300)
    results = door.sync(a, before, after)
    assert [(r["outcome"], r["code"]) for r in results] == [("redeemed", None), ("rejected", "scanner_retired")]
    with door.app.app_context():
        assert ledger.account("venue_payable", door.venue_id).balance_cents == 1_200
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    bundle = staff.get(f"/api/v1/scanners/{a}/bootstrap")
    assert bundle.status_code == 403 and bundle.get_json()["code"] == "scanner_retired"
    listed = manager.get(f"/api/v1/venues/{door.venue_id}/scanners").get_json()
    assert listed[-1]["id"] == a and listed[-1]["retired_at"] is not None  # retired ones last


def test_retiring_twice_keeps_the_first_time(door, manager):
    a, _ = door.scanners
    first = _retire(manager, door, a).get_json()["retired_at"]

    again = _retire(manager, door, a)

    assert again.status_code == 200 and again.get_json()["retired_at"] == first


def test_a_venue_retires_none_of_another_venues_scanners(door):
    with door.app.app_context():
        owner = factories.user()
        other_venue = factories.organisation("venue", owner=owner)
        db.session.commit()
        other_id, email = other_venue.id, owner.email
    a, _ = door.scanners
    other = ApiClient(door.app.test_client()).login(email)

    response = other.post(f"/api/v1/venues/{other_id}/scanners/{a}/retire")

    assert response.status_code == 404 and response.get_json()["code"] == "scanner_not_found"
    with door.app.app_context():
        assert db.session.get(ScannerDevice, a).retired_at is None
