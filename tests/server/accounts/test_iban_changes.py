"""A venue's new IBAN waits for the operator: payouts only ever go to `iban`."""
import pytest

from server.accounts import mail
from server.accounts.models import OWNER, Membership, Organisation
from server.extensions import db
from tests.server import factories
from tests.server.catalogue.factories import ApiClient

NEW_IBAN = "DE89370400440532013000"


@pytest.fixture
def venue(app):
    """An approved venue with two owners (the second one only gets mail), and the operator."""
    with app.app_context():
        owner, second, admin = factories.user(), factories.user(), factories.user(admin=True)
        organisation = factories.organisation("venue", owner=owner, name="Teatro Verdi")
        db.session.add(Membership(user=second, organisation=organisation, role=OWNER))
        db.session.commit()
        ids = {"owner": owner.email, "second": second.email, "admin": admin.email, "venue": organisation.id}
    return ids


def _outbox(app):
    with app.app_context():
        return mail.mailer().outbox


def _stored(app, venue_id):
    with app.app_context():
        organisation = db.session.get(Organisation, venue_id)
        return organisation.iban, organisation.iban_pending


def _ask(app, venue):
    api = ApiClient(app.test_client()).login(venue["owner"])
    return api.patch(f"/api/v1/organisations/{venue['venue']}", json={"iban": NEW_IBAN})


def test_a_new_iban_waits_and_every_owner_is_told_without_the_full_iban(app, venue):
    response = _ask(app, venue)

    assert response.status_code == 200, response.get_json()
    shown = response.get_json()
    assert (shown["iban"], shown["iban_pending"]) == (factories.VALID_IBAN, NEW_IBAN)
    assert shown["iban_requested_at"] is not None
    assert _stored(app, venue["venue"]) == (factories.VALID_IBAN, NEW_IBAN)
    messages = _outbox(app)
    assert sorted(m["To"] for m in messages) == sorted([venue["owner"], venue["second"]])
    for message in messages:
        body = message.get_content()
        assert "…3000" in body and "…3456" in body
        assert NEW_IBAN not in body and factories.VALID_IBAN not in body


def test_asking_again_for_the_same_iban_mails_nobody_twice(app, venue):
    _ask(app, venue)
    _ask(app, venue)

    assert len(_outbox(app)) == 2  # one per owner, once


def test_the_operator_approves_and_only_then_payouts_go_to_the_new_iban(app, venue):
    _ask(app, venue)
    admin = ApiClient(app.test_client()).login(venue["admin"])
    waiting = admin.get("/api/v1/admin/organisations?iban_change_pending=true").get_json()
    assert [o["id"] for o in waiting] == [venue["venue"]]

    response = admin.post(f"/api/v1/admin/organisations/{venue['venue']}/iban-decision", json={"approve": True})

    assert response.status_code == 200, response.get_json()
    assert _stored(app, venue["venue"]) == (NEW_IBAN, None)
    assert admin.get("/api/v1/admin/organisations?iban_change_pending=true").get_json() == []
    assert len(_outbox(app)) == 4  # asked, then decided: both owners each time


def test_a_refusal_drops_the_pending_iban(app, venue):
    _ask(app, venue)
    admin = ApiClient(app.test_client()).login(venue["admin"])

    response = admin.post(f"/api/v1/admin/organisations/{venue['venue']}/iban-decision", json={"approve": False})

    assert response.status_code == 200
    assert (response.get_json()["iban"], response.get_json()["iban_pending"]) == (factories.VALID_IBAN, None)
    assert _stored(app, venue["venue"]) == (factories.VALID_IBAN, None)
    with app.app_context():
        assert db.session.get(Organisation, venue["venue"]).iban_requested_at is None


def test_a_decision_with_nothing_pending_is_a_conflict(app, venue):
    admin = ApiClient(app.test_client()).login(venue["admin"])

    response = admin.post(f"/api/v1/admin/organisations/{venue['venue']}/iban-decision", json={"approve": True})

    assert response.status_code == 409 and response.get_json()["code"] == "no_iban_change"
    assert response.mimetype == "application/problem+json"


def test_asking_for_the_approved_iban_withdraws_the_change(app, venue):
    _ask(app, venue)
    api = ApiClient(app.test_client()).login(venue["owner"])

    response = api.patch(f"/api/v1/organisations/{venue['venue']}", json={"iban": factories.VALID_IBAN})

    assert response.get_json()["iban_pending"] is None
    assert _stored(app, venue["venue"]) == (factories.VALID_IBAN, None)


def test_before_approval_the_iban_is_fixed_directly(app):
    """The operator reads it when approving the venue: that is its approval."""
    with app.app_context():
        owner = factories.user()
        organisation = factories.organisation("venue", owner=owner, approved=False)
        db.session.commit()
        email, venue_id = owner.email, organisation.id
    api = ApiClient(app.test_client()).login(email)

    response = api.patch(f"/api/v1/organisations/{venue_id}", json={"iban": NEW_IBAN})

    assert response.status_code == 200
    assert _stored(app, venue_id) == (NEW_IBAN, None)
    assert _outbox(app) == []
