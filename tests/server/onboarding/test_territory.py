"""Italy's municipalities, provinces and regions (ISTAT), and the areas campaigns and the
catalogue are limited to."""
import pytest

from server.extensions import db
from server.onboarding import territory
from server.onboarding.exceptions import InvalidField
from tests.server.catalogue import factories as catalogue_factories


def test_every_italian_municipality_is_known_with_its_province_and_region():
    every = territory._all()
    assert len(every) == 7896  # ISTAT, 4 December 2024
    assert len({place.istat_code for place in every}) == len(every)
    assert len({place.province_code for place in every}) == 107
    assert len({place.region_code for place in every}) == 20
    assert all(place.istat_code.startswith(place.province_code) for place in every)
    rome = territory.municipality("Roma")
    assert (rome.istat_code, rome.province, rome.region_name) == ("058091", "RM", "Lazio")
    assert territory.municipality("Santa Cristina Valgardena").province == "BZ"


def test_the_pilot_area_is_the_133_municipalities_of_the_citta_metropolitana_di_milano():
    milan = [place for place in territory._all() if place.province == "MI"]
    assert len(milan) == 133
    assert {place.region_name for place in milan} == {"Lombardia"}
    assert territory.municipality("Vermezzo con Zelo").istat_code == "015251"


def test_a_name_two_municipalities_share_needs_the_province():
    with pytest.raises(InvalidField) as refused:
        territory.municipality("Samone")
    assert refused.value.code == "ambiguous_municipality" and "Samone (TN)" in str(refused.value)
    assert territory.municipality("Samone (TO)").province == "TO"
    assert territory.municipality("samone ( tn )").province == "TN"
    with pytest.raises(InvalidField):
        territory.municipality("Samone (MI)")


@pytest.mark.parametrize("typed, level, key, name", [
    ("Milano", "municipality", "015146", "Milano"),
    ("015146", "municipality", "015146", "Milano"),
    ("provincia di Milano", "province", "P015", "Milano"),
    ("Città metropolitana di Milano", "province", "P015", "Milano"),
    ("MB", "province", "P108", "Monza e della Brianza"),
    ("Monza e della Brianza", "province", "P108", "Monza e della Brianza"),
    ("Monza", "municipality", "108033", "Monza"),
    ("Lombardia", "region", "R03", "Lombardia"),
    ("regione  lombardia", "region", "R03", "Lombardia"),
    ("Trentino-Alto Adige", "region", "R04", "Trentino-Alto Adige/Südtirol"),
    ("provincia di Bolzano", "province", "P021", "Bolzano/Bozen"),
    ("P015", "province", "P015", "Milano"),
    ("R12", "region", "R12", "Lazio"),
])
def test_an_area_is_a_municipality_a_province_or_a_region(typed, level, key, name):
    found = territory.area(typed)
    assert (found.level, found.key, found.name) == (level, key, name)


@pytest.mark.parametrize("typed", ["Atlantide", "P999", "R99", "ZZ", "provincia di Atlantide", "", None, 15146])
def test_an_unknown_area_is_refused_with_a_stable_code(typed):
    with pytest.raises(InvalidField) as refused:
        territory.area(typed)
    assert refused.value.code == "unknown_area"


def test_a_territory_covers_its_municipalities_provinces_and_regions():
    sesto, monza, rome = "015209", "108033", "058091"
    assert territory.covers([], rome)  # no territory: everywhere
    assert territory.covers(["P015"], sesto) and not territory.covers(["P015"], monza)
    assert territory.covers(["R03"], monza) and not territory.covers(["R03"], rome)
    assert territory.covers(["015146", "R12"], rome)
    assert territory.area("R03").province_codes() == tuple(sorted(
        {p.province_code for p in territory._all() if p.region_name == "Lombardia"}))


def test_a_campaign_targets_a_province_and_a_region_and_shows_their_names(client, app):
    from tests.server.campaigns.test_campaigns_and_topups import _campaign_body
    from tests.server import factories
    from tests.server.factories import ApiClient
    with app.app_context():
        owner = factories.user()
        sponsor = factories.organisation("sponsor", owner=owner)
        db.session.commit()
        email, sponsor_id = owner.email, sponsor.id
    api = ApiClient(client).login(email)
    body = _campaign_body(sponsor_id, territory=["provincia di Monza e della Brianza", "Lazio", "Milano", "MB"])
    response = api.post("/api/v1/campaigns", json=body)
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()
    assert campaign["territory"] == ["015146", "P108", "R12"]  # stored once each, sorted
    assert campaign["areas"] == [{"level": "municipality", "key": "015146", "name": "Milano"},
                                 {"level": "province", "key": "P108", "name": "Monza e della Brianza"},
                                 {"level": "region", "key": "R12", "name": "Lazio"}]


def test_the_catalogue_filters_by_province_and_region(client, app):
    with app.app_context():
        made = {place: catalogue_factories.event(catalogue_factories.venue(municipality=place)).id
                for place in ("Milano", "Monza", "Roma")}
        db.session.commit()

    def ids(area):
        response = client.get("/api/v1/catalogue", query_string={"area": area})
        assert response.status_code == 200, response.get_json()
        return {item["id"] for item in response.get_json()["items"]}

    assert ids("provincia di Milano") == {made["Milano"]}
    assert ids("MB") == {made["Monza"]}
    assert ids("Lombardia") == {made["Milano"], made["Monza"]}
    assert ids("Roma") == {made["Roma"]}
    refused = client.get("/api/v1/catalogue", query_string={"area": "Atlantide"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "unknown_area"
