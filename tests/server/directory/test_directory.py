"""The directory lists approved schools and venues to logged-in members only."""
from server.accounts.models import SCHOOL, SPONSOR, VENUE
from server.extensions import db
from tests.server import factories


def _member(app, client):
    with app.app_context():
        sponsor = factories.organisation(SPONSOR)
        email = sponsor.memberships[0].user.email
        approved = factories.organisation(SCHOOL, name="Liceo Parini")
        pending = factories.organisation(SCHOOL, name="Istituto in attesa", approved=False)
        venue = factories.organisation(VENUE, name="Teatro Verdi")
        db.session.commit()
        ids = approved.id, pending.id, venue.id
    return factories.ApiClient(client).login(email), ids


def test_members_see_approved_schools_with_their_municipality(app, client):
    member, (approved, pending, _venue) = _member(app, client)

    response = member.get("/api/v1/directory/schools")

    assert response.status_code == 200
    listed = {entry["id"]: entry for entry in response.get_json()}
    assert approved in listed and pending not in listed
    assert listed[approved] == {"id": approved, "name": "Liceo Parini", "municipality_code": "015146",
                                "municipality": "Milano"}


def test_venues_are_listed_apart_from_schools(app, client):
    member, (school, _pending, venue) = _member(app, client)

    venues = {entry["id"] for entry in member.get("/api/v1/directory/venues").get_json()}

    assert venue in venues and school not in venues


def test_anonymous_callers_must_log_in(client):
    response = client.get("/api/v1/directory/schools")

    assert response.status_code == 401
    assert response.get_json()["code"] == "login_required"
