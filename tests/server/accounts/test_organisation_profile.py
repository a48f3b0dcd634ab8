"""A venue's profile: categories at onboarding and on its page, and PATCH by owners."""
import pytest

from server.accounts.models import MEMBER, Membership
from server.extensions import db
from tests.server import factories
from tests.server.catalogue.factories import ApiClient

VENUE_BODY = {"kind": "venue", "name": "Teatro della Cooperativa", "municipality": "Milano",
              "vat_number": factories.VALID_VAT, "iban": factories.VALID_IBAN}
OTHER_IBAN = "DE89370400440532013000"


def _logged_in(app, user_email):
    return ApiClient(app.test_client()).login(user_email)


@pytest.fixture
def owner(app):
    """A venue owner, logged in, and the venue's id."""
    with app.app_context():
        person = factories.user()
        venue = factories.organisation("venue", owner=person, name="Teatro Verdi")
        db.session.commit()
        email, venue_id = person.email, venue.id
    return _logged_in(app, email), venue_id


def test_a_venue_registers_with_its_categories(app):
    with app.app_context():
        email = factories.user().email
        db.session.commit()
    api = _logged_in(app, email)

    created = api.post("/api/v1/organisations", json={**VENUE_BODY, "categories": ["musica", "teatro"]})

    assert created.status_code == 201, created.get_json()
    assert created.get_json()["categories"] == ["teatro", "musica"]  # in taxonomy order
    shown = api.get(f"/api/v1/organisations/{created.get_json()['id']}").get_json()
    assert shown["categories"] == ["teatro", "musica"]


@pytest.mark.parametrize("body, code", [
    ({**VENUE_BODY, "categories": ["teatro", "astrologia"]}, "unknown_category"),
    ({"kind": "sponsor", "name": "Panificio", "municipality": "Milano", "vat_number": factories.VALID_VAT,
      "categories": ["teatro"]}, "categories_not_allowed"),
])
def test_categories_are_checked_at_onboarding(app, body, code):
    with app.app_context():
        email = factories.user().email
        db.session.commit()

    response = _logged_in(app, email).post("/api/v1/organisations", json=body)

    assert response.status_code == 422
    assert response.get_json()["code"] == code and response.get_json()["field"] == "categories"


def test_other_organisations_show_no_categories(app):
    with app.app_context():
        person = factories.user()
        sponsor = factories.organisation("sponsor", owner=person)
        db.session.commit()
        email, sponsor_id = person.email, sponsor.id

    assert _logged_in(app, email).get(f"/api/v1/organisations/{sponsor_id}").get_json()["categories"] == []


def test_the_owner_edits_the_profile(owner):
    api, venue_id = owner

    response = api.patch(f"/api/v1/organisations/{venue_id}", json={
        "name": "  Teatro Verdi e Rossi ", "address": "Via Pastrengo 16", "municipality": "Sesto San Giovanni",
        "categories": ["cinema", "teatro"]})

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["name"], body["address"], body["municipality_code"], body["categories"]) == (
        "Teatro Verdi e Rossi", "Via Pastrengo 16", "015209", ["teatro", "cinema"])
    assert api.get(f"/api/v1/organisations/{venue_id}").get_json() == body


def test_only_the_fields_sent_change(owner):
    api, venue_id = owner
    before = api.get(f"/api/v1/organisations/{venue_id}").get_json()

    after = api.patch(f"/api/v1/organisations/{venue_id}", json={"address": "Via Roma 1"}).get_json()

    assert after == {**before, "address": "Via Roma 1"}


def test_null_clears_the_address_and_an_empty_list_the_categories(owner):
    api, venue_id = owner
    api.patch(f"/api/v1/organisations/{venue_id}", json={"address": "Via Roma 1", "categories": ["musei"]})

    body = api.patch(f"/api/v1/organisations/{venue_id}", json={"address": None, "categories": []}).get_json()

    assert body["address"] is None and body["categories"] == []


@pytest.mark.parametrize("body, code, field", [
    ({"name": "Nuovo nome", "categories": ["astrologia"]}, "unknown_category", "categories"),
    ({"name": "X"}, "invalid_name", "name"),
    ({"municipality": "Atlantide"}, "unknown_municipality", "municipality"),
    ({"iban": "IT60X0542811101000000123457"}, "invalid_iban", "iban"),
    ({"address": "   ", "iban": ""}, "invalid_iban", "iban"),
])
def test_a_refused_field_changes_nothing(owner, body, code, field):
    api, venue_id = owner
    before = api.get(f"/api/v1/organisations/{venue_id}").get_json()

    response = api.patch(f"/api/v1/organisations/{venue_id}", json=body)

    assert response.status_code == 422
    assert (response.get_json()["code"], response.get_json()["field"]) == (code, field)
    assert api.get(f"/api/v1/organisations/{venue_id}").get_json() == before


def test_a_new_iban_is_validated_and_normalised(owner):
    api, venue_id = owner

    response = api.patch(f"/api/v1/organisations/{venue_id}", json={"iban": "de89 3704 0044 0532 0130 00"})

    # The venue is approved: the new IBAN waits for the operator (test_iban_changes.py).
    assert response.status_code == 200 and response.get_json()["iban_pending"] == OTHER_IBAN
    assert response.get_json()["iban"] == factories.VALID_IBAN


@pytest.mark.parametrize("body, code", [
    ({"iban": factories.VALID_IBAN}, "iban_not_allowed"),
    ({"categories": ["teatro"]}, "categories_not_allowed"),
])
def test_a_sponsor_has_neither_iban_nor_categories(app, body, code):
    with app.app_context():
        person = factories.user()
        sponsor = factories.organisation("sponsor", owner=person)
        db.session.commit()
        email, sponsor_id = person.email, sponsor.id

    response = _logged_in(app, email).patch(f"/api/v1/organisations/{sponsor_id}", json=body)

    assert response.status_code == 422 and response.get_json()["code"] == code


@pytest.mark.parametrize("field", ["vat_number", "school_code", "kind", "status"])
def test_identity_and_status_are_not_editable(owner, field):
    api, venue_id = owner

    response = api.patch(f"/api/v1/organisations/{venue_id}", json={field: "x"})

    assert response.status_code == 422 and response.get_json()["code"] == "invalid_input"


def test_an_owner_fixes_a_pending_organisation(app):
    with app.app_context():
        person = factories.user()
        venue = factories.organisation("venue", owner=person, approved=False)
        db.session.commit()
        email, venue_id = person.email, venue.id

    response = _logged_in(app, email).patch(f"/api/v1/organisations/{venue_id}", json={"name": "Nome corretto"})

    assert response.status_code == 200 and response.get_json()["status"] == "pending"


def test_members_who_are_not_owners_cannot_edit(app, owner):
    _, venue_id = owner
    with app.app_context():
        colleague = factories.user()
        db.session.add(Membership(user=colleague, organisation_id=venue_id, role=MEMBER))
        admin = factories.user(admin=True)
        db.session.commit()
        emails = (colleague.email, admin.email)

    for email in emails:
        response = _logged_in(app, email).patch(f"/api/v1/organisations/{venue_id}", json={"name": "Presa"})
        assert response.status_code == 403 and response.get_json()["code"] == "not_a_member"


def test_editing_needs_a_login_and_the_csrf_token(app, owner):
    api, venue_id = owner

    assert app.test_client().patch(f"/api/v1/organisations/{venue_id}", json={"name": "Anonimo"}).status_code == 401
    refused = api.client.patch(f"/api/v1/organisations/{venue_id}", json={"name": "Senza token"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "csrf_failed"


def test_a_category_dropped_from_the_configuration_is_left_out(app, owner):
    api, venue_id = owner
    api.patch(f"/api/v1/organisations/{venue_id}", json={"categories": ["teatro", "libri"]})
    app.config["CATEGORIES"] = [{"code": 0, "slug": "teatro", "it": "Teatro", "en": "Theatre"}]

    assert api.get(f"/api/v1/organisations/{venue_id}").get_json()["categories"] == ["teatro"]
