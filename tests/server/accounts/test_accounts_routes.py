import base64
import json
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.extensions import db
from signing import DeviceKey
from tests.server import factories
from tests.server.factories import PASSWORD, ApiClient


@pytest.fixture
def api(client):
    return ApiClient(client)


def _commit(app, make):
    with app.app_context():
        thing = make()
        db.session.commit()
        return thing.id, getattr(thing, "email", None)


def test_register_then_login_sets_a_safe_session_cookie(api):
    response = api.client.post("/api/v1/auth/register", json={"email": "Sponsor@Example.it", "password": PASSWORD})
    assert response.status_code == 201
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert response.get_json()["user"]["email"] == "sponsor@example.it"


def test_wrong_password_is_401_problem(api, app):
    _, email = _commit(app, factories.user)
    response = api.client.post("/api/v1/auth/login", json={"email": email, "password": "sbagliata-123"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "invalid_credentials"


def test_login_is_rate_limited(api):
    for _ in range(10):
        api.client.post("/api/v1/auth/login", json={"email": "x@example.it", "password": "nope-nope-nope"})
    response = api.client.post("/api/v1/auth/login", json={"email": "x@example.it", "password": "nope-nope-nope"})
    assert response.status_code == 429
    assert response.get_json()["code"] == "too_many_requests"


def test_a_write_without_the_csrf_token_is_refused(api, app):
    _, email = _commit(app, factories.user)
    api.login(email)
    response = api.client.post("/api/v1/organisations", json={"kind": "sponsor"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "csrf_failed"


def test_an_organisation_is_registered_pending_with_validated_fields(api, app):
    _, email = _commit(app, factories.user)
    api.login(email)
    response = api.post("/api/v1/organisations", json={
        "kind": "venue", "name": "Teatro della Cooperativa", "municipality": "milano",
        "vat_number": "IT " + factories.VALID_VAT, "iban": "it60 x054 2811 1010 0000 0123 456"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending" and body["municipality_code"] == "015146"
    assert body["iban"] == factories.VALID_IBAN and body["vat_number"] == factories.VALID_VAT


@pytest.mark.parametrize("field, value, code", [
    ("vat_number", "00743110158", "invalid_vat_number"),
    ("iban", "IT60X0542811101000000123457", "invalid_iban"),
    ("municipality", "Atlantide", "unknown_municipality"),
])
def test_bad_onboarding_fields_are_422_with_a_stable_code(api, app, field, value, code):
    _, email = _commit(app, factories.user)
    api.login(email)
    body = {"kind": "venue", "name": "Teatro", "municipality": "Milano", "vat_number": factories.VALID_VAT,
            "iban": factories.VALID_IBAN, field: value}
    response = api.post("/api/v1/organisations", json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == code and response.get_json()["field"] == field


def test_schema_violations_are_422_problems(api, app):
    _, email = _commit(app, factories.user)
    api.login(email)
    response = api.post("/api/v1/organisations", json={"kind": "circus"})
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_input" and "kind" in response.get_json()["errors"]["json"]


def test_only_an_admin_approves(api, app):
    with app.app_context():
        organisation_id = factories.organisation("sponsor", approved=False).id
        member_email = factories.user().email
        admin_email = factories.user(admin=True).email
        db.session.commit()
    api.login(member_email)
    url = f"/api/v1/admin/organisations/{organisation_id}/decision"
    assert api.post(url, json={"approve": True}).status_code == 403
    api.login(admin_email)
    response = api.post(url, json={"approve": True})
    assert response.status_code == 200 and response.get_json()["status"] == "approved"
    assert api.post(url, json={"approve": False}).get_json()["code"] == "already_decided"


def test_invitation_link_makes_a_member(api, app):
    with app.app_context():
        owner = factories.user()
        organisation_id = factories.organisation("venue", owner=owner).id
        owner_email = owner.email
        db.session.commit()
    api.login(owner_email)
    token = api.post(f"/api/v1/organisations/{organisation_id}/invitations",
                     json={"email": "cassa@teatro.it", "role": "staff"}).get_json()["token"]
    invited = ApiClient(app.test_client())  # another person, another browser
    response = invited.client.post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})
    assert response.status_code == 200
    memberships = response.get_json()["user"]["memberships"]
    assert memberships == [{"organisation_id": organisation_id, "name": memberships[0]["name"], "kind": "venue",
                            "status": "approved", "role": "staff"}]
    tampered = app.test_client().post("/api/v1/invitations/accept", json={"token": token[:-2] + "xx", "password": PASSWORD})
    assert tampered.get_json()["code"] == "bad_invitation"


def _invite(api, app, *, kind="venue", role="staff", email="cassa@teatro.it"):
    with app.app_context():
        owner = factories.user()
        organisation = factories.organisation(kind, owner=owner)
        organisation_id, name, owner_email = organisation.id, organisation.name, owner.email
        db.session.commit()
    api.login(owner_email)
    response = api.post(f"/api/v1/organisations/{organisation_id}/invitations", json={"email": email, "role": role})
    assert response.status_code == 201, response.get_json()
    return organisation_id, name, response.get_json()


def test_the_invitation_link_opens_the_pwa_page_with_the_token_in_the_fragment(api, app):
    """A fragment never leaves the browser: the token stays out of server and proxy logs."""
    app.config["PUBLIC_BASE_URL"] = "https://mentoring.example.it/"
    _, _, invitation = _invite(api, app)

    link = urlsplit(invitation["link"])

    assert (link.scheme, link.netloc, link.path, link.query) == ("https", "mentoring.example.it", "/invito", "")
    assert link.fragment == invitation["token"]


def test_the_invitation_link_falls_back_to_the_request_host(api, app):
    _, _, invitation = _invite(api, app)

    assert invitation["link"] == f"http://localhost/invito#{invitation['token']}"


def test_the_invitation_token_names_the_organisation_for_the_invitee_to_read(api, app):
    """Signed, not encrypted: the PWA reads the name, the email and the role before accepting."""
    organisation_id, name, invitation = _invite(api, app, email="Cassa@Teatro.it")
    payload = invitation["token"].split(".")[0]

    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    assert data == {"org": organisation_id, "name": name, "email": "cassa@teatro.it", "role": "staff"}


def test_an_invitation_made_before_it_named_the_organisation_is_still_accepted(app):
    with app.app_context():
        organisation = factories.organisation("school")
        organisation_id = organisation.id
        db.session.commit()
    token = URLSafeTimedSerializer(app.secret_key, salt="mentoring.invitation").dumps(
        {"org": organisation_id, "email": "prof@scuola.it", "role": "member"})

    response = app.test_client().post("/api/v1/invitations/accept", json={"token": token, "password": PASSWORD})

    assert response.status_code == 200
    assert [m["organisation_id"] for m in response.get_json()["user"]["memberships"]] == [organisation_id]


def _wallet_proof(api, device):
    challenge = api.client.post("/api/v1/wallet/challenge",
                                json={"device_key": device.public_bytes.hex()}).get_json()["challenge"]
    return {"device_key": device.public_bytes.hex(), "challenge": challenge,
            "signature": device.sign(challenge.encode()).hex()}


def test_a_wallet_proves_its_device_key(api):
    device = DeviceKey.generate()
    opened = api.client.post("/api/v1/wallet/session", json=_wallet_proof(api, device))
    assert opened.status_code == 200
    again = api.client.post("/api/v1/wallet/session", json=_wallet_proof(api, device))
    assert again.get_json()["wallet_id"] == opened.get_json()["wallet_id"]
    proof = _wallet_proof(api, device)
    forged = {**proof, "signature": DeviceKey.generate().sign(proof["challenge"].encode()).hex()}
    assert api.client.post("/api/v1/wallet/session", json=forged).get_json()["code"] == "bad_wallet_proof"


def test_openapi_document_lists_the_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in spec["paths"] and "/api/v1/wallet/session" in spec["paths"]
