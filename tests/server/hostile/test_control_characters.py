"""Control characters in text are refused by the schema (422 `invalid_input`, the field
named in `errors`), on every database: NUL (PostgreSQL cannot store it), CR/LF on one
line (a mail header, a log line), C1 controls, lone surrogates and bidirectional
overrides. Multi-line text keeps its line breaks."""
import pytest
import sqlalchemy as sa

from server.accounts.models import Organisation, User
from server.extensions import db
from server.http import fields
from tests.server import factories
from tests.server.hostile.conftest import assert_problem

HOSTILE = ["A\x00B", "riga\r\nBcc: tutti@example.it", "A\x1bB", "A\x85B", "\ud800", "\u202eevil", "tab\there",
           "fine\u2028riga"]


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def member(app):
    with app.app_context():
        user = factories.user()
        db.session.commit()
        email = user.email
    return factories.ApiClient(app.test_client()).login(email)


@pytest.mark.parametrize("name", HOSTILE)
def test_an_organisation_name_with_control_characters_is_refused(app, member, name):
    response = member.post("/api/v1/organisations", json={
        "kind": "sponsor", "name": name, "municipality": "Milano", "vat_number": factories.VALID_VAT})
    assert "name" in assert_problem(response, 422, "invalid_input")["errors"]["json"]
    assert _count(app, Organisation) == 0


@pytest.mark.parametrize("email", ["persona\x00@example.it", "persona@example.it\r\n", "persona@exa\u202emple.it"])
def test_an_email_with_control_characters_is_refused_at_registration(app, email):
    response = app.test_client().post("/api/v1/auth/register", json={"email": email, "password": "x" * 12})
    assert "email" in assert_problem(response, 422, "invalid_input")["errors"]["json"]
    assert _count(app, User) == 0


def test_cr_lf_in_a_magic_link_address_is_the_same_422_for_a_known_address_and_an_unknown_one(app):
    with app.app_context():
        known = factories.user().email
        db.session.commit()
    answers = []
    for address in (known, "nessuno@example.it"):
        response = app.test_client().post("/api/v1/auth/magic-link", json={"email": address + "\r\nBcc: x@example.it"})
        assert_problem(response, 422, "invalid_input")
        answers.append(response.get_json())
    assert answers[0] == answers[1]


def test_multi_line_text_keeps_its_line_breaks_and_refuses_nul():
    description = fields.Text(2000, multiline=True)
    assert description.deserialize("Prima riga\r\nseconda\triga") == "Prima riga\r\nseconda\triga"
    for value in ("A\x00B", "A\x0bB", "\u202eB", "\ud800"):
        with pytest.raises(Exception, match="controllo"):
            description.deserialize(value)


@pytest.mark.parametrize("value", ["riga\n", "\n", "a\rb", "\x7f"])
def test_one_line_text_refuses_line_breaks_even_at_the_end(value):
    """Python's `$` matches before a final newline: the check must not rely on it."""
    with pytest.raises(Exception, match="controllo"):
        fields.Text(100).deserialize(value)


def test_ordinary_text_in_any_script_passes():
    name = "Teatro dell'Elfo — Caffè “Zoë” 東京 Ελληνικά 👩‍🎓"
    assert fields.Text(200).deserialize(name) == name
