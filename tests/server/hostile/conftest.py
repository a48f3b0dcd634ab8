"""Hostile-input tests: what an attacker, a broken client or a fuzzer sends. Every
answer is a problem+json with a stable code, never a 500, and nothing stored changes."""
import pytest

from tests.server import factories


@pytest.fixture
def sponsor(app):
    """A logged-in owner of an approved sponsor with a funded campaign, and a school."""
    with app.app_context():
        from server.extensions import db

        owner = factories.user()
        organisation = factories.organisation("sponsor", owner=owner)
        campaign = factories.funded_campaign(organisation)
        school = factories.organisation("school")
        db.session.commit()
        ids = {"sponsor_id": organisation.id, "campaign_id": campaign.id, "school_id": school.id}
        email = owner.email
    client = factories.ApiClient(app.test_client()).login(email)
    client.ids = ids
    return client


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body
