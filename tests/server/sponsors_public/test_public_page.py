"""A sponsor's public page: its owner switches it on (an address made from the name,
kept for good), anyone reads it without logging in, and it is gone again once
switched off. It shows only what the reports release and nothing a hidden cell holds."""
import threading
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.accounts.models import MEMBER, SPONSOR, Membership
from server.extensions import db
from server.reports import api as reports_api
from server.sponsors_public import api as public_api
from server.sponsors_public.models import SponsorPublicPage
from tests.server import factories
from tests.server.waiting import until, waiting_on_a_lock

PAGE = "/api/v1/organisations/{}/public-page"


@pytest.fixture
def world(app):
    with app.app_context():
        owner, member, admin = factories.user(), factories.user(), factories.user(admin=True)
        sponsor = factories.organisation(SPONSOR, owner=owner, name="Fondazione Città di Esempio S.p.A.")
        db.session.add(Membership(user=member, organisation=sponsor, role=MEMBER))
        factories.funded_campaign(sponsor)
        db.session.commit()
        return {"owner": owner.email, "member": member.email, "admin": admin.email, "sponsor": sponsor.id}


def _as(app, email):
    return factories.ApiClient(app.test_client()).login(email)


def _switch(client, sponsor_id, enabled):
    return client.client.put(PAGE.format(sponsor_id), json={"enabled": enabled},
                             headers={"X-CSRF-Token": client.csrf})


def test_the_page_is_off_until_the_owner_switches_it_on(app, world):
    owner = _as(app, world["owner"])

    before = owner.get(PAGE.format(world["sponsor"]))
    assert before.status_code == 200
    assert before.get_json() == {"enabled": False, "slug": None, "url": None}

    switched = _switch(owner, world["sponsor"], True)

    assert switched.status_code == 200, switched.get_json()
    assert switched.get_json() == {"enabled": True, "slug": "fondazione-citta-di-esempio",
                                   "url": "http://localhost/sponsor/fondazione-citta-di-esempio"}
    read_by_member = _as(app, world["member"]).get(PAGE.format(world["sponsor"]))
    assert read_by_member.get_json()["enabled"] is True


def test_anyone_reads_the_page_once_on_and_nobody_after_it_is_off(app, world):
    owner, anyone = _as(app, world["owner"]), app.test_client()
    assert anyone.get("/api/v1/public/sponsors/fondazione-citta-di-esempio").status_code == 404

    _switch(owner, world["sponsor"], True)
    page = anyone.get("/api/v1/public/sponsors/fondazione-citta-di-esempio")

    assert page.status_code == 200, page.get_json()
    assert page.headers["Cache-Control"] == "public, max-age=300"
    body = page.get_json()
    assert body["sponsor_name"] == "Fondazione Città di Esempio S.p.A."
    assert body["slug"] == "fondazione-citta-di-esempio"
    assert body["as_of"] is None  # nothing spent yet: nothing released
    assert body["headline"]["suppressed"] is True and body["headline"]["students_reached"] is None
    assert set(body) == {"slug", "sponsor_name", "as_of", "min_cell", "method", "headline", "trend", "by_category"}

    _switch(owner, world["sponsor"], False)
    gone = anyone.get("/api/v1/public/sponsors/fondazione-citta-di-esempio")

    assert gone.status_code == 404
    assert gone.mimetype == "application/problem+json"
    assert gone.get_json()["code"] == "public_page_not_found"


def test_the_address_stays_the_same_after_a_rename_and_a_switch_off(app, world):
    owner = _as(app, world["owner"])
    first = _switch(owner, world["sponsor"], True).get_json()["slug"]
    _switch(owner, world["sponsor"], False)
    renamed = owner.client.patch(f"/api/v1/organisations/{world['sponsor']}", json={"name": "Altro Nome"},
                                 headers={"X-CSRF-Token": owner.csrf})
    assert renamed.status_code == 200, renamed.get_json()

    again = _switch(owner, world["sponsor"], True).get_json()

    assert again["slug"] == first
    assert app.test_client().get(f"/api/v1/public/sponsors/{first}").get_json()["sponsor_name"] == "Altro Nome"


def test_two_sponsors_with_one_name_get_two_addresses(app, world):
    with app.app_context():
        other_owner = factories.user()
        other = factories.organisation(SPONSOR, owner=other_owner, name="Fondazione Città di Esempio")
        db.session.commit()
        other_id, other_email = other.id, other_owner.email
    _switch(_as(app, world["owner"]), world["sponsor"], True)

    second = _switch(_as(app, other_email), other_id, True).get_json()

    assert second["slug"] == "fondazione-citta-di-esempio-2"


@pytest.mark.parametrize("who", ["member", "admin"])
def test_only_an_owner_switches_the_page(app, world, who):
    response = _switch(_as(app, world[who]), world["sponsor"], True)

    assert response.status_code == 403
    assert response.get_json()["code"] == "not_a_member"


def test_switching_needs_the_csrf_token(app, world):
    owner = _as(app, world["owner"])

    response = owner.client.put(PAGE.format(world["sponsor"]), json={"enabled": True})

    assert response.status_code == 403 and response.get_json()["code"] == "csrf_failed"
    assert owner.get(PAGE.format(world["sponsor"])).get_json()["enabled"] is False


def test_only_sponsors_have_a_public_page(app):
    with app.app_context():
        owner = factories.user()
        venue = factories.organisation("venue", owner=owner)
        db.session.commit()
        venue_id, email = venue.id, owner.email

    response = _switch(_as(app, email), venue_id, True)

    assert response.status_code == 404 and response.get_json()["code"] == "organisation_not_found"


@pytest.mark.parametrize("slug", ["NON-ESISTE", "a" * 300, "a%00b", "-sponsor-", "sponsor"])
def test_an_unknown_or_odd_address_is_not_found(app, world, slug):
    response = app.test_client().get(f"/api/v1/public/sponsors/{slug}")

    assert response.status_code == 404 and response.get_json()["code"] == "public_page_not_found"


def test_the_page_passes_on_no_figure_of_a_hidden_cell(app, world, monkeypatch):
    """Whatever the report beneath returns, a suppressed row goes out with nulls."""
    released = {
        "sponsor_name": "ignored", "as_of": "2026-10-31", "min_cell": 5,
        "headline": {"students_reached": 35, "spend_cents": 84_000, "visits": 60, "venues": 4, "suppressed": False},
        "trend": [{"from": "2026-10-01", "to": "2026-10-31", "label": "ottobre 2026", "students": 3,
                   "spend_cents": 73_177, "suppressed": True}],
        "by_category": [{"slug": "altro", "label": "Altro", "spend_cents": 73_177, "redemptions": 3,
                         "suppressed": True, "venue_ids": [1, 2]}],
    }
    monkeypatch.setattr(reports_api, "sponsor_public_impact", lambda **kwargs: released)
    _switch(_as(app, world["owner"]), world["sponsor"], True)

    body = app.test_client().get("/api/v1/public/sponsors/fondazione-citta-di-esempio").get_json()

    assert body["headline"]["students_reached"] == 35
    assert body["trend"] == [{"from": "2026-10-01", "to": "2026-10-31", "label": "ottobre 2026", "students": None,
                              "spend_cents": None, "suppressed": True}]
    assert body["by_category"] == [{"slug": "altro", "label": "Altro", "students": None, "spend_cents": None,
                                    "redemptions": None, "suppressed": True}]
    assert body["method"]["students_rounded_to"] == 5


@pytest.mark.parametrize("name, slug", [
    ("Banca Popolare di Sondrio S.p.A.", "banca-popolare-di-sondrio"),
    ("Caffè Città srl", "caffe-citta"),
    ("Ditta X S.p.A", "ditta-x"),
    ("S.r.l.", "s-r-l"),
    ("Ωmega", "mega"),
    ("∑∑∑", "sponsor"),
])
def test_an_address_is_made_of_the_name_in_plain_letters(name, slug):
    assert public_api.slug_base(name) == slug


# --- two sponsors of one name switching on at once (PostgreSQL: SQLite queues whole transactions)


@pytest.mark.postgres
def test_two_sponsors_of_one_name_switching_on_at_once_both_get_a_page(app, world):
    """The first page's INSERT is held open (uncommitted) while the second sponsor's owner
    switches on: the second waits on the unique slug, then takes the next one instead
    of answering 409."""
    with app.app_context():
        other_owner = factories.user()
        twin = factories.organisation(SPONSOR, owner=other_owner, name="Fondazione Città di Esempio S.p.A.")
        db.session.commit()
        twin_id, other_email = twin.id, other_owner.email
    owner = _as(app, world["owner"])
    with app.app_context():
        held = db.engine.connect()
        held.execute(sa.insert(SponsorPublicPage.__table__).values(
            organisation_id=twin_id, slug="fondazione-citta-di-esempio", created_at=datetime.now(timezone.utc)))
        answer = {}
        second = threading.Thread(target=lambda: answer.update(response=_switch(owner, world["sponsor"], True)))
        second.start()
        until(lambda: waiting_on_a_lock(app) >= 1)  # the second INSERT waits on the held slug
        held.commit()
        held.close()
        second.join(60)

    response = answer["response"]
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["slug"] == "fondazione-citta-di-esempio-2"
    twin_page = _as(app, other_email).get(PAGE.format(twin_id)).get_json()
    assert twin_page["slug"] == "fondazione-citta-di-esempio"
