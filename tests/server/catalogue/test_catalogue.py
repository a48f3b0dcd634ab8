"""The public catalogue: what students browse, logged in or not, online or from cache."""
import os
from datetime import datetime, time, timedelta, timezone

import pytest

from server.accounts.models import Organisation, Wallet
from server.catalogue.models import Event
from server.catalogue.repository import ITALY
from server.extensions import db
from server.http import auth
from tests.server.catalogue import factories as catalogue_factories

CATALOGUE = "/api/v1/catalogue"


@pytest.fixture
def public(client):
    return client


def _make(app, build):
    """Run ``build`` in an app context, commit, return what it returned (ids)."""
    with app.app_context():
        result = build()
        db.session.commit()
        return result


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_categories_are_public_with_italian_and_english_labels(public):
    response = public.get("/api/v1/categories")
    assert response.status_code == 200 and response.headers["ETag"]
    theatre = response.get_json()[0]
    assert theatre == {"code": 0, "slug": "teatro", "it": "Teatro", "en": "Theatre"}


def test_categories_come_from_the_configuration(app, public):
    app.config["CATEGORIES"] = [{"code": 9, "slug": "sport", "it": "Sport", "en": "Sport"}]
    assert [category["slug"] for category in public.get("/api/v1/categories").get_json()] == ["sport"]


def test_the_catalogue_needs_no_login_and_says_what_a_student_needs(app, public):
    def build():
        venue = catalogue_factories.venue(name="Teatro Franco Parenti", municipality="015146")
        return catalogue_factories.event(venue, title="Amleto", category="teatro", price_cents=1200, capacity=50,
                                         seats_taken=8, description="Lunga descrizione").id
    event_id = _make(app, build)
    item = public.get(CATALOGUE).get_json()["items"][0]
    assert item["id"] == event_id and item["title"] == "Amleto" and item["category"] == "teatro"
    assert item["venue"]["name"] == "Teatro Franco Parenti"
    assert item["municipality"] == {"code": "015146", "name": "Milano"}
    assert (item["price_cents"], item["seats_left"], item["kind"]) == (1200, 42, "event")
    assert datetime.fromisoformat(item["ends_at"]) > datetime.fromisoformat(item["starts_at"])
    assert "description" not in item and "seats_taken" not in item  # the list stays light; the venue's count is its own


def test_a_wallet_browses_the_same_catalogue(app, public):
    def build():
        catalogue_factories.event(catalogue_factories.venue())
        wallet = Wallet(device_key=os.urandom(33))
        db.session.add(wallet)
        db.session.flush()
        return auth.wallet_token(wallet)
    token = _make(app, build)
    as_wallet = public.get(CATALOGUE, headers={"Authorization": f"Bearer {token}"})
    assert as_wallet.status_code == 200 and as_wallet.get_json() == public.get(CATALOGUE).get_json()


def test_only_published_events_not_yet_over_are_listed(app, public):
    def build():
        venue = catalogue_factories.venue()
        make = lambda **kwargs: catalogue_factories.event(venue, **kwargs).id  # noqa: E731
        return {"over": make(starts_in=-timedelta(days=2)),
                "running": make(starts_in=-timedelta(days=2), duration=timedelta(days=30)),
                "cancelled": make(cancelled=True),
                "coming": make(starts_in=timedelta(days=1))}
    ids = _make(app, build)
    assert _ids(public.get(CATALOGUE)) == [ids["running"], ids["coming"]]


def test_one_event_is_public_with_its_description_even_once_cancelled(app, public):
    event_id = _make(app, lambda: catalogue_factories.event(catalogue_factories.venue(), cancelled=True,
                                                            description="Annullato per maltempo").id)
    event = public.get(f"{CATALOGUE}/{event_id}").get_json()
    assert (event["status"], event["description"]) == ("cancelled", "Annullato per maltempo")
    missing = public.get(f"{CATALOGUE}/999999")
    assert missing.status_code == 404 and missing.get_json()["code"] == "event_not_found"


# --- filters ---------------------------------------------------------------------------

@pytest.fixture
def programme(app):
    """Three venues in two municipalities, a few categories, kinds and days."""
    def build():
        milano = catalogue_factories.venue(municipality="Milano")
        sesto = catalogue_factories.venue(municipality="Sesto San Giovanni")
        other = catalogue_factories.venue(municipality="Milano")
        make = lambda venue, **kwargs: catalogue_factories.event(venue, **kwargs).id  # noqa: E731
        return {
            "theatre": make(milano, category="teatro", starts_in=timedelta(days=1)),
            "cinema": make(sesto, category="cinema", starts_in=timedelta(days=2)),
            "course": make(sesto, category="corsi", kind="course", starts_in=timedelta(days=3),
                           duration=timedelta(days=90)),
            "concert": make(other, category="musica", starts_in=timedelta(days=4)),
            "venues": {"milano": milano.id, "sesto": sesto.id},
        }
    return _make(app, build)


@pytest.mark.parametrize("query, expected", [
    ({"category": "teatro"}, ["theatre"]),
    ({"category": ["cinema", "musica"]}, ["cinema", "concert"]),
    ({"municipality": "sesto san giovanni"}, ["cinema", "course"]),
    ({"municipality": "015209"}, ["cinema", "course"]),
    ({"municipality": "015146"}, ["theatre", "concert"]),
    ({"kind": "course"}, ["course"]),
    ({"municipality": "Milano", "category": "musica"}, ["concert"]),
])
def test_filters(public, programme, query, expected):
    assert _ids(public.get(CATALOGUE, query_string=query)) == [programme[name] for name in expected]


def test_filter_by_venue(public, programme):
    assert _ids(public.get(CATALOGUE, query_string={"venue_id": programme["venues"]["milano"]})) == \
        [programme["theatre"]]


def test_a_range_of_days_matches_what_is_on_during_it(public, programme):
    fourth_day = (datetime.now(ITALY) + timedelta(days=4)).date()
    on_the_fourth = _ids(public.get(CATALOGUE, query_string={"from": fourth_day, "to": fourth_day}))
    assert on_the_fourth == [programme["course"], programme["concert"]]  # the course runs for months
    until_tomorrow = _ids(public.get(CATALOGUE, query_string={"to": fourth_day - timedelta(days=3)}))
    assert programme["theatre"] in until_tomorrow and programme["concert"] not in until_tomorrow


def test_days_are_italian_calendar_days(app, public):
    day = (datetime.now(ITALY) + timedelta(days=20)).date()
    after_midnight = datetime.combine(day, time(0, 30), tzinfo=ITALY)  # still the day before in UTC
    event_id = _make(app, lambda: catalogue_factories.event(catalogue_factories.venue(), starts_at=after_midnight,
                                                            duration=timedelta(minutes=20)).id)
    assert _ids(public.get(CATALOGUE, query_string={"from": day, "to": day})) == [event_id]
    day_before = day - timedelta(days=1)
    assert _ids(public.get(CATALOGUE, query_string={"from": day_before, "to": day_before})) == []


@pytest.mark.parametrize("query, code", [
    ({"category": "circo"}, "unknown_category"),
    ({"municipality": "Atlantide"}, "unknown_municipality"),
    ({"from": "2026-12-10", "to": "2026-12-01"}, "invalid_date_range"),
    ({"cursor": "non-un-cursore"}, "invalid_cursor"),
    ({"page_size": 101}, "invalid_input"),
    ({"page_size": 0}, "invalid_input"),
    ({"from": "domani"}, "invalid_input"),
])
def test_bad_filters_are_422_problems(public, query, code):
    response = public.get(CATALOGUE, query_string=query)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code


# --- pages -----------------------------------------------------------------------------

def test_pages_follow_the_cursor_in_a_stable_order_without_repeats(app, public):
    def build():
        venue = catalogue_factories.venue()
        same_time = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
        made = [catalogue_factories.event(venue, starts_at=same_time).id for _ in range(3)]  # ties: by id
        made += [catalogue_factories.event(venue, starts_in=timedelta(days=days)).id for days in (5, 1, 3, 4)]
        return made
    made = _make(app, build)
    seen, cursor = [], None
    while True:
        query = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = public.get(CATALOGUE, query_string=query).get_json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    one_page = _ids(public.get(CATALOGUE, query_string={"page_size": 100}))
    assert seen == one_page and len(seen) == len(set(seen)) == 7
    assert seen[:4] == [made[4], *made[:3]]  # tomorrow, then the three at the same time by id


def test_an_event_published_while_scrolling_neither_repeats_nor_shifts_a_page(app, public):
    venue_id = _make(app, lambda: catalogue_factories.venue().id)

    def add(days):
        def build():
            return catalogue_factories.event(db.session.get(Organisation, venue_id),
                                             starts_in=timedelta(days=days)).id
        return _make(app, build)
    first, second, third = add(2), add(3), add(4)
    page = public.get(CATALOGUE, query_string={"page_size": 2}).get_json()
    assert [item["id"] for item in page["items"]] == [first, second]
    add(1)  # lands before the cursor: page-number paging would repeat `second`
    rest = _ids(public.get(CATALOGUE, query_string={"page_size": 2, "cursor": page["next_cursor"]}))
    assert rest == [third]


def test_the_default_page_is_twenty(app, public):
    _make(app, lambda: [catalogue_factories.event(venue, starts_in=timedelta(hours=hours + 1))
                        for venue in [catalogue_factories.venue()] for hours in range(21)])
    page = public.get(CATALOGUE).get_json()
    assert len(page["items"]) == 20 and page["next_cursor"]


# --- caching ---------------------------------------------------------------------------

def test_etag_round_trip_answers_304_until_something_changes(app, public):
    event_id = _make(app, lambda: catalogue_factories.event(catalogue_factories.venue()).id)
    first = public.get(CATALOGUE)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    etag = first.headers["ETag"]

    unchanged = public.get(CATALOGUE, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == etag and unchanged.headers["Cache-Control"] == "public, max-age=60"

    def book_a_seat():
        db.session.get(Event, event_id).seats_taken = 1
    _make(app, book_a_seat)
    changed = public.get(CATALOGUE, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["items"][0]["seats_left"] == 99


def test_one_event_and_the_categories_are_cacheable_too(app, public):
    event_id = _make(app, lambda: catalogue_factories.event(catalogue_factories.venue()).id)
    for url in (f"{CATALOGUE}/{event_id}", "/api/v1/categories"):
        etag = public.get(url).headers["ETag"]
        assert public.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_different_query_has_a_different_etag(app, public, programme):
    everything = public.get(CATALOGUE).headers["ETag"]
    theatre_only = public.get(CATALOGUE, query_string={"category": "teatro"})
    assert theatre_only.headers["ETag"] != everything
    assert public.get(CATALOGUE, query_string={"category": "teatro"},
                      headers={"If-None-Match": everything}).status_code == 200
