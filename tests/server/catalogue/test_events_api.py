"""Venues list, change and cancel their events; nobody else can."""
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.accounts.models import MEMBER, SPONSOR, STAFF, Membership, Wallet
from server.catalogue import api as catalogue_api
from server.catalogue.exceptions import InvalidEvent
from server.catalogue.models import Event
from server.extensions import db
from server.http import auth
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories
from tests.server.catalogue.factories import ApiClient, event_payload


@dataclass
class World:
    venue_id: int
    owner_email: str
    member_email: str
    event_id: int
    other_venue_event_id: int
    emails: dict  # role in the matrix → email
    wallet_token: str


@pytest.fixture
def world(app):
    with app.app_context():
        owner = catalogue_factories.person()
        venue = catalogue_factories.venue(owner=owner)
        member, staff = catalogue_factories.person(), catalogue_factories.person()
        db.session.add_all([Membership(user=member, organisation=venue, role=MEMBER),
                            Membership(user=staff, organisation=venue, role=STAFF)])
        sponsor_member = catalogue_factories.person()
        factories.organisation(SPONSOR, owner=sponsor_member)
        other_owner = catalogue_factories.person()
        other_venue = catalogue_factories.venue(owner=other_owner)
        wallet = Wallet(device_key=os.urandom(33))
        db.session.add(wallet)
        event = catalogue_factories.event(venue)
        other_event = catalogue_factories.event(other_venue)
        db.session.commit()
        return World(venue_id=venue.id, owner_email=owner.email, member_email=member.email, event_id=event.id,
                     other_venue_event_id=other_event.id, wallet_token=auth.wallet_token(wallet),
                     emails={"sponsor_member": sponsor_member.email, "other_venue_owner": other_owner.email,
                             "venue_staff": staff.email})


def _logged_in(app, email):
    return ApiClient(app.test_client()).login(email)


def _events_url(world, *rest):
    return "/".join([f"/api/v1/venues/{world.venue_id}/events", *map(str, rest)])


def _public(app, event_id):
    return app.test_client().get(f"/api/v1/catalogue/{event_id}").get_json()


# --- what a venue does -----------------------------------------------------------------

@pytest.mark.parametrize("who", ["owner", "member"])
def test_a_venue_member_lists_an_event_that_is_published_at_once(app, world, who):
    api = _logged_in(app, world.owner_email if who == "owner" else world.member_email)
    response = api.post(_events_url(world), json=event_payload(booking_deadline=None))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "published" and body["venue_id"] == world.venue_id
    assert body["category"] == "teatro" and body["municipality_code"] == "015146"
    assert body["seats_taken"] == 0 and body["seats_left"] == body["capacity"] == 80
    assert _public(app, body["id"])["description"] == "Goldoni, regia nuova."


def test_times_are_stored_as_instants_and_returned_in_utc(app, world):
    api = _logged_in(app, world.owner_email)
    day = (datetime.now(timezone.utc) + timedelta(days=30)).date()
    body = api.post(_events_url(world), json=event_payload(
        starts_at=f"{day}T21:00:00+01:00", ends_at=f"{day}T20:30:00Z")).get_json()
    assert body["starts_at"] == f"{day}T20:00:00+00:00" and body["ends_at"] == f"{day}T20:30:00+00:00"


def test_an_update_changes_only_the_fields_sent(app, world):
    api = _logged_in(app, world.member_email)
    before = api.get(_events_url(world)).get_json()["items"][0]
    response = api.patch(_events_url(world, world.event_id), json={"title": "Amleto (replica)", "price_cents": 0,
                                                                   "description": None})
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["title"] == "Amleto (replica)" and after["price_cents"] == 0 and after["description"] is None
    unchanged = {"starts_at", "ends_at", "capacity", "category", "kind", "created_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert after["updated_at"] >= before["updated_at"]


def test_cancelling_is_idempotent_and_freezes_the_event(app, world):
    api = _logged_in(app, world.owner_email)
    first = api.post(_events_url(world, world.event_id, "cancel"))
    assert first.status_code == 200 and first.get_json()["status"] == "cancelled"
    again = api.post(_events_url(world, world.event_id, "cancel"))
    assert again.status_code == 200 and again.get_json() == first.get_json()
    refused = api.patch(_events_url(world, world.event_id), json={"title": "Ripensamento"})
    assert refused.status_code == 409 and refused.get_json()["code"] == "event_cancelled"


def test_the_venue_list_includes_cancelled_and_past_events(app, world):
    with app.app_context():
        venue = db.session.get(Event, world.event_id).venue
        past = catalogue_factories.event(venue, starts_in=-timedelta(days=3)).id
        cancelled = catalogue_factories.event(venue, cancelled=True).id
        db.session.commit()
    api = _logged_in(app, world.owner_email)
    items = api.get(_events_url(world)).get_json()["items"]
    assert [item["id"] for item in items] == [past, world.event_id, cancelled]
    only_cancelled = api.get(_events_url(world), query_string={"status": "cancelled"}).get_json()["items"]
    assert [item["id"] for item in only_cancelled] == [cancelled]


def test_an_event_that_is_over_cannot_be_changed(app, world):
    with app.app_context():
        venue = db.session.get(Event, world.event_id).venue
        past = catalogue_factories.event(venue, starts_in=-timedelta(days=3)).id
        db.session.commit()
    api = _logged_in(app, world.owner_email)
    response = api.patch(_events_url(world, past), json={"price_cents": 100})
    assert response.status_code == 409 and response.get_json()["code"] == "event_over"
    assert api.post(_events_url(world, past, "cancel")).get_json()["code"] == "event_over"


def test_another_venues_event_is_not_found_through_my_venue(app, world):
    api = _logged_in(app, world.owner_email)
    response = api.patch(_events_url(world, world.other_venue_event_id), json={"title": "Mio"})
    assert response.status_code == 404 and response.get_json()["code"] == "event_not_found"
    assert _public(app, world.other_venue_event_id)["title"] == "Amleto"


def test_a_write_without_the_csrf_token_is_refused(app, world):
    api = _logged_in(app, world.owner_email)
    response = api.client.patch(_events_url(world, world.event_id), json={"title": "Senza token"})
    assert response.status_code == 403 and response.get_json()["code"] == "csrf_failed"


# --- who may not -----------------------------------------------------------------------

ENDPOINTS = {
    "list": lambda api, world: api.get(_events_url(world)),
    "create": lambda api, world: api.post(_events_url(world), json=event_payload()),
    "update": lambda api, world: api.patch(_events_url(world, world.event_id), json={"title": "Preso!"}),
    "cancel": lambda api, world: api.post(_events_url(world, world.event_id, "cancel")),
}
REFUSED = {
    "sponsor_member": (403, "not_a_member"),
    "other_venue_owner": (403, "not_a_member"),
    "venue_staff": (403, "not_a_member"),  # scanner operators scan, they do not edit the programme
    "anonymous": (401, "login_required"),
    "wallet": (401, "login_required"),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("role", REFUSED)
def test_only_members_of_the_venue_manage_its_events(app, world, role, endpoint):
    api = ApiClient(app.test_client())
    if role == "wallet":
        api.bearer = world.wallet_token
    elif role != "anonymous":
        api.login(world.emails[role])
    response = ENDPOINTS[endpoint](api, world)
    assert (response.status_code, response.get_json()["code"]) == REFUSED[role]
    assert response.mimetype == "application/problem+json"
    event = _public(app, world.event_id)
    assert (event["title"], event["status"]) == ("Amleto", "published")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 2


def test_a_venue_waiting_for_approval_cannot_list_events(app):
    with app.app_context():
        owner = catalogue_factories.person()
        venue_id, email = catalogue_factories.venue(owner=owner, approved=False).id, owner.email
        db.session.commit()
    response = _logged_in(app, email).post(f"/api/v1/venues/{venue_id}/events", json=event_payload())
    assert response.status_code == 403 and response.get_json()["code"] == "organisation_not_approved"


def test_a_sponsor_has_no_events_even_for_its_own_members(app):
    with app.app_context():
        owner = catalogue_factories.person()
        sponsor_id, email = factories.organisation(SPONSOR, owner=owner).id, owner.email
        db.session.commit()
    api = _logged_in(app, email)
    response = api.post(f"/api/v1/venues/{sponsor_id}/events", json=event_payload())
    assert response.status_code == 403 and response.get_json()["code"] == "not_a_venue"
    assert api.get(f"/api/v1/venues/{sponsor_id}/events").get_json()["code"] == "not_a_venue"


# --- validation ------------------------------------------------------------------------

_IN_A_WEEK = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)


@pytest.mark.parametrize("overrides, code, field", [
    ({"category": "circo"}, "unknown_category", "category"),
    ({"ends_at": (_IN_A_WEEK - timedelta(hours=1)).isoformat()}, "ends_before_starts", "ends_at"),
    ({"ends_at": _IN_A_WEEK.isoformat()}, "ends_before_starts", "ends_at"),
    ({"price_cents": -1}, "invalid_price", "price_cents"),
    ({"price_cents": 1_000_001}, "invalid_price", "price_cents"),
    ({"capacity": 0}, "invalid_capacity", "capacity"),
    ({"title": "   "}, "invalid_title", "title"),
    ({"starts_at": "2020-03-01T20:00:00+01:00", "ends_at": "2020-03-01T22:00:00+01:00"}, "event_in_past", "ends_at"),
    ({"booking_deadline": (_IN_A_WEEK + timedelta(days=1)).isoformat()}, "invalid_booking_deadline",
     "booking_deadline"),
])
def test_invalid_events_are_422_problems_with_their_code(app, world, overrides, code, field):
    api = _logged_in(app, world.owner_email)
    body = event_payload(starts_at=_IN_A_WEEK.isoformat(), ends_at=(_IN_A_WEEK + timedelta(hours=2)).isoformat())
    body.update(overrides)
    response = api.post(_events_url(world), json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert (response.get_json()["code"], response.get_json()["field"]) == (code, field)


@pytest.mark.parametrize("overrides", [
    {"starts_at": "2026-12-01T20:00:00"},  # no offset: which 20:00?
    {"price_cents": "12"},
    {"kind": "gita"},
])
def test_malformed_fields_fail_the_schema(app, world, overrides):
    response = _logged_in(app, world.owner_email).post(_events_url(world), json=event_payload(**overrides))
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_input"
    assert list(response.get_json()["errors"]["json"]) == list(overrides)


def test_capacity_cannot_drop_below_the_seats_taken(app, world):
    with app.app_context():
        db.session.get(Event, world.event_id).seats_taken = 30
        db.session.commit()
    api = _logged_in(app, world.owner_email)
    refused = api.patch(_events_url(world, world.event_id), json={"capacity": 29})
    assert refused.status_code == 422
    assert (refused.get_json()["code"], refused.get_json()["field"]) == ("capacity_below_seats_taken", "capacity")
    accepted = api.patch(_events_url(world, world.event_id), json={"capacity": 30})
    assert accepted.status_code == 200 and accepted.get_json()["seats_left"] == 0


def test_a_partial_update_is_checked_against_the_fields_it_keeps(app, world):
    api = _logged_in(app, world.owner_email)
    event = api.get(_events_url(world)).get_json()["items"][0]
    moved_after_its_end = datetime.fromisoformat(event["ends_at"]) + timedelta(minutes=1)
    response = api.patch(_events_url(world, world.event_id), json={"starts_at": moved_after_its_end.isoformat()})
    assert response.get_json()["code"] == "ends_before_starts"
    assert api.get(_events_url(world)).get_json()["items"][0]["starts_at"] == event["starts_at"]


# --- the rules without HTTP, on an injected clock -------------------------------------

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)


def _create(venue, **overrides):
    values = {"title": "Mostra", "category": "musei", "kind": "event", "starts_at": NOW + timedelta(days=1),
              "ends_at": NOW + timedelta(days=1, hours=3), "price_cents": 800, "capacity": 40, "now": NOW}
    values.update(overrides)
    return catalogue_api.create_event(venue=venue, **values)


def test_an_exhibition_already_running_can_be_listed_but_not_one_that_is_over(app):
    with app.app_context():
        venue = catalogue_factories.venue()
        running = _create(venue, starts_at=NOW - timedelta(days=10), ends_at=NOW + timedelta(days=60))
        assert running.status == "published"
        with pytest.raises(InvalidEvent) as refused:
            _create(venue, starts_at=NOW - timedelta(hours=3), ends_at=NOW)
        assert refused.value.code == "event_in_past"


def test_editing_a_running_event_does_not_trip_the_past_rule(app):
    with app.app_context():
        running = _create(catalogue_factories.venue(), starts_at=NOW - timedelta(days=1),
                          ends_at=NOW + timedelta(days=1))
        catalogue_api.update_event(event=running, now=NOW, title="Mostra prorogata", ends_at=NOW + timedelta(days=30))
        assert running.ends_at == NOW + timedelta(days=30)


def test_the_database_refuses_more_seats_taken_than_capacity(app):
    """The last line of defence, should a writer forget the rules."""
    with app.app_context():
        event = _create(catalogue_factories.venue(), capacity=2)
        event.seats_taken = 3
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
def test_a_capacity_change_waits_for_a_booking_holding_the_row(app):
    """A booking (simulated: bookings come later) holds the event row while it takes
    seats; a concurrent capacity cut must see those seats, not the old count."""
    with app.app_context():
        event_id = _create(catalogue_factories.venue(), now=datetime.now(timezone.utc),
                           starts_at=datetime.now(timezone.utc) + timedelta(days=1),
                           ends_at=datetime.now(timezone.utc) + timedelta(days=1, hours=2)).id
        db.session.commit()
    locked, outcome = threading.Event(), {}

    def cut_capacity():
        with app.app_context():
            locked.wait()
            try:
                event = catalogue_api.get_event(event_id, for_update=True)
                catalogue_api.update_event(event=event, now=datetime.now(timezone.utc), capacity=5)
                db.session.commit()
                outcome["result"] = "changed"
            except InvalidEvent as refused:
                db.session.rollback()
                outcome["result"] = refused.code
            finally:
                db.session.remove()

    venue_request = threading.Thread(target=cut_capacity)
    venue_request.start()
    with app.app_context():
        event = catalogue_api.get_event(event_id, for_update=True)
        event.seats_taken = 10
        db.session.flush()
        locked.set()
        _wait_until_someone_waits_for_a_lock()
        db.session.commit()
        db.session.remove()
    venue_request.join(timeout=10)
    assert outcome == {"result": "capacity_below_seats_taken"}


def _wait_until_someone_waits_for_a_lock(timeout=5.0):
    deadline = time.monotonic() + timeout
    with db.engine.connect() as connection:
        while time.monotonic() < deadline:
            waiting = connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).scalar_one()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("the capacity change never waited for the row lock")
