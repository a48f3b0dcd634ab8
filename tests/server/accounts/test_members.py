"""Owners see who belongs to their organisation and take people out of it."""
from datetime import datetime, timedelta, timezone

import pytest

from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, OWNER, VENUE, Membership
from server.extensions import db
from signing import DeviceKey
from tests.server import factories
from tests.server.factories import PASSWORD, ApiClient


@pytest.fixture
def venue(app):
    """A venue with its owner, a programme member and a door operator (staff)."""
    with app.app_context():
        owner, member, staff = factories.user(email="titolare@teatro.it"), factories.user(), factories.user()
        organisation = factories.organisation(VENUE, owner=owner)
        db.session.add_all([Membership(user=member, organisation=organisation, role=MEMBER),
                            Membership(user=staff, organisation=organisation, role="staff")])
        db.session.commit()
        return {"id": organisation.id, "owner": owner.email, "member": member.email, "staff": staff.email}


def _as(app, email):
    return ApiClient(app.test_client()).login(email)


def _members(api, venue):
    response = api.get(f"/api/v1/organisations/{venue['id']}/members")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _membership_id(api, venue, email):
    return next(m["id"] for m in _members(api, venue) if m["email"] == email)


def _invitation(api, venue, email, role="staff"):
    response = api.post(f"/api/v1/organisations/{venue['id']}/invitations", json={"email": email, "role": role})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def test_owners_see_the_people_owners_first(app, venue):
    listed = _members(_as(app, venue["owner"]), venue)

    assert listed[0] == {"id": listed[0]["id"], "email": venue["owner"], "role": OWNER}
    assert sorted((m["email"], m["role"]) for m in listed[1:]) == [(venue["member"], MEMBER),
                                                                   (venue["staff"], "staff")]
    assert [m["email"] for m in listed[1:]] == sorted([venue["member"], venue["staff"]])


def test_members_who_are_not_owners_do_not_see_the_list(app, venue):
    response = _as(app, venue["member"]).get(f"/api/v1/organisations/{venue['id']}/members")

    assert response.status_code == 403 and response.get_json()["code"] == "not_a_member"


def test_a_removed_person_loses_the_organisation_at_once(app, venue):
    owner, member = _as(app, venue["owner"]), _as(app, venue["member"])
    assert member.get(f"/api/v1/organisations/{venue['id']}").status_code == 200

    member_id = _membership_id(owner, venue, venue["member"])

    response = owner.delete(f"/api/v1/organisations/{venue['id']}/members/{member_id}")

    assert response.status_code == 204
    # Their session ended with the removal (tests/server/accounts/test_sessions.py); logged
    # in again, they are no longer in the organisation.
    assert member.get("/api/v1/auth/me").status_code == 401
    member = _as(app, venue["member"])
    assert member.get("/api/v1/auth/me").get_json()["memberships"] == []
    refused = member.get(f"/api/v1/organisations/{venue['id']}")
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_a_member"
    assert venue["member"] not in [m["email"] for m in _members(owner, venue)]


def test_removed_door_staff_can_no_longer_enrol_a_scanner(app, venue):
    owner, staff = _as(app, venue["owner"]), _as(app, venue["staff"])
    def enrol():
        return {"public_key": DeviceKey.generate().public_bytes.hex(), "label": "Ingresso"}
    assert staff.post(f"/api/v1/venues/{venue['id']}/scanners", json=enrol()).status_code == 201
    owner.delete(f"/api/v1/organisations/{venue['id']}/members/{_membership_id(owner, venue, venue['staff'])}")

    logged_out = staff.post(f"/api/v1/venues/{venue['id']}/scanners", json=enrol())
    refused = _as(app, venue["staff"]).post(f"/api/v1/venues/{venue['id']}/scanners", json=enrol())

    assert logged_out.status_code == 401 and logged_out.get_json()["code"] == "login_required"
    assert refused.status_code == 403 and refused.get_json()["code"] == "not_a_member"


def test_an_invitation_issued_before_the_removal_does_not_bring_them_back(app, venue):
    owner = _as(app, venue["owner"])
    old_token = _invitation(owner, venue, venue["staff"])
    owner.delete(f"/api/v1/organisations/{venue['id']}/members/{_membership_id(owner, venue, venue['staff'])}")

    response = app.test_client().post("/api/v1/invitations/accept", json={"token": old_token, "password": PASSWORD})

    assert response.status_code == 422 and response.get_json()["code"] == "bad_invitation"
    assert venue["staff"] not in [m["email"] for m in _members(owner, venue)]


def test_a_new_invitation_after_the_removal_brings_them_back_in_the_role_it_names(app, venue):
    owner = _as(app, venue["owner"])
    with app.app_context():  # removed a minute ago: the token below is later by the clock's seconds
        organisation = accounts_api.get_organisation(venue["id"])
        membership_id = _membership_id(owner, venue, venue["staff"])
        accounts_api.remove_member(organisation=organisation, membership_id=membership_id,
                                   now=datetime.now(timezone.utc) - timedelta(minutes=1))
        db.session.commit()
    token = _invitation(owner, venue, venue["staff"], role=MEMBER)

    response = app.test_client().post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})

    assert response.status_code == 200, response.get_json()
    assert [m["role"] for m in response.get_json()["user"]["memberships"]] == [MEMBER]
    assert (venue["staff"], MEMBER) in [(m["email"], m["role"]) for m in _members(owner, venue)]


def test_the_last_owner_cannot_be_removed_but_one_of_two_can(app, venue):
    owner = _as(app, venue["owner"])
    own_id = _membership_id(owner, venue, venue["owner"])

    refused = owner.delete(f"/api/v1/organisations/{venue['id']}/members/{own_id}")

    assert refused.status_code == 409 and refused.get_json()["code"] == "last_owner"
    with app.app_context():
        membership = db.session.get(Membership, _membership_id(owner, venue, venue["member"]))
        membership.role = OWNER
        db.session.commit()
    assert owner.delete(f"/api/v1/organisations/{venue['id']}/members/{own_id}").status_code == 204
    assert _as(app, venue["member"]).get(f"/api/v1/organisations/{venue['id']}/members").status_code == 200


def test_only_people_of_this_organisation_can_be_removed_from_it(app, venue):
    owner = _as(app, venue["owner"])
    with app.app_context():
        elsewhere = factories.organisation(VENUE)
        db.session.commit()
        other_membership = elsewhere.memberships[0].id

    response = owner.delete(f"/api/v1/organisations/{venue['id']}/members/{other_membership}")

    assert response.status_code == 404 and response.get_json()["code"] == "member_not_found"
    with app.app_context():
        assert db.session.get(Membership, other_membership).removed_at is None
