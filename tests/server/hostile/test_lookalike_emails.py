"""Addresses are checked and normalised by email-validator, and a new login whose
address looks like an existing one (same Unicode TR39 skeleton) is refused with 409
`email_confusable`. Logins stored before keep working, look-alikes among them too."""
import pytest
import sqlalchemy as sa

from server.accounts import emails, mail
from server.accounts.models import User
from server.extensions import db
from tests.server import factories
from tests.server.hostile.conftest import assert_problem

EXISTING = "operatore@mentoring.example"
PASSWORD = "una-password-lunga"


def _register(app, email):
    return app.test_client().post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})


def _users(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(User.email).order_by(User.id)))


@pytest.fixture
def existing(app):
    assert _register(app, EXISTING).status_code == 201
    return EXISTING


@pytest.mark.parametrize("lookalike", [
    "оperatore@mentoring.example",  # Cyrillic о
    "ореrаtоrе@mentoring.example",  # every look-alike letter Cyrillic
    "operatore@mentoring.exarnple",  # rn for m
    "operatore@mentoring.examp1e",  # digit one for l
    "ｏperatore@mentoring.example",  # full-width o
    "OPERATORE@MENTORING.EXAMPLE".replace("O", "О", 1),  # Cyrillic capital О, then lower case
])
def test_a_lookalike_of_an_existing_address_cannot_register(app, existing, lookalike):
    assert_problem(_register(app, lookalike), 409, "email_confusable")
    assert _users(app) == [EXISTING]


@pytest.mark.parametrize("invisible", [EXISTING + "\u200b", "operatore\u200d@mentoring.example",
                                       "\u2060operatore@mentoring.example", "operatore@mentoring.example\u00ad"])
def test_invisible_characters_are_refused_as_an_invalid_address(app, existing, invisible):
    assert_problem(_register(app, invisible), 422, "invalid_email")
    assert _users(app) == [EXISTING]


@pytest.mark.parametrize("address", ["senza-chiocciola", "due@@example.it", "a@localhost", "a@[127.0.0.1]",
                                     '"citata"@example.it', "a@-example.it", "a@" + "b" * 64 + ".it"])
def test_malformed_addresses_are_refused(app, address):
    assert_problem(_register(app, address), 422, "invalid_email")


def test_an_invisible_character_is_the_same_422_for_a_known_address_and_an_unknown_one(app):
    with app.app_context():
        known = factories.user().email
        db.session.commit()
    answers = [app.test_client().post("/api/v1/auth/magic-link", json={"email": address}).get_json()
               for address in (known + "\u200b", "nessuno@example.it\u200b")]
    assert answers[0] == answers[1]
    assert answers[0]["code"] == "invalid_email"


def test_an_address_is_stored_in_its_normal_form(app):
    assert _register(app, "  Mario.Rossi@Example.IT ").get_json()["user"]["email"] == "mario.rossi@example.it"
    assert_problem(_register(app, "mario.rossi@example.it"), 409, "email_taken")


def test_an_internationalised_domain_is_one_address_however_it_is_typed(app):
    assert _register(app, "ospite@Bücher.example").get_json()["user"]["email"] == "ospite@bücher.example"
    assert_problem(_register(app, "ospite@xn--bcher-kva.example"), 409, "email_taken")
    factories.ApiClient(app.test_client()).login("ospite@XN--BCHER-KVA.example", PASSWORD)


def test_different_addresses_are_not_lookalikes(app, existing):
    assert _register(app, "operatrice@mentoring.example").status_code == 201


def test_logins_stored_before_the_check_keep_working(app):
    """Two look-alike logins from before, one with its domain as typed in ASCII (IDNA):
    both still log in, and the link by mail reaches each."""
    with app.app_context():
        from werkzeug.security import generate_password_hash

        password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        db.session.add_all([User(email=EXISTING, password_hash=password_hash),
                            User(email="оperatore@mentoring.example", password_hash=password_hash),
                            User(email="vecchio@xn--bcher-kva.example", password_hash=password_hash)])
        db.session.commit()
    for typed in (EXISTING, "оperatore@mentoring.example", "Vecchio@XN--BCHER-KVA.example", "vecchio@bücher.example"):
        factories.ApiClient(app.test_client()).login(typed, PASSWORD)
    with app.app_context():
        mail.mailer().outbox.clear()
    response = app.test_client().post("/api/v1/auth/magic-link", json={"email": "vecchio@bücher.example"})
    assert response.status_code == 202
    with app.app_context():
        assert [message["To"] for message in mail.mailer().outbox] == ["vecchio@xn--bcher-kva.example"]


def test_an_invitation_to_a_lookalike_address_creates_no_login(app, existing):
    with app.app_context():
        owner = factories.user()
        organisation = factories.organisation("sponsor", owner=owner)
        db.session.commit()
        organisation_id, owner_email = organisation.id, owner.email
    owner_client = factories.ApiClient(app.test_client()).login(owner_email)
    invitation = owner_client.post(f"/api/v1/organisations/{organisation_id}/invitations",
                                   json={"email": "оperatore@mentoring.example"})
    assert invitation.status_code == 201, invitation.get_json()
    response = app.test_client().post("/api/v1/invitations/accept",
                                      json={"token": invitation.get_json()["token"], "password": PASSWORD})
    assert_problem(response, 409, "email_confusable")
    assert "оperatore@mentoring.example" not in _users(app)


def test_the_skeleton_follows_unicode_tr39():
    assert emails.skeleton("рауpal.example") == emails.skeleton("paypal.example")  # Cyrillic р, а, у
    assert emails.skeleton("mario") == emails.skeleton("rnario")
    assert emails.skeleton("anna") != emails.skeleton("anne")
    # Prototypes are fixed points: the skeleton of a skeleton is itself.
    for text in ("оperatore@mentoring.example", "ﺎlef", "ℌello", "ǆ"):
        assert emails.skeleton(emails.skeleton(text)) == emails.skeleton(text)
