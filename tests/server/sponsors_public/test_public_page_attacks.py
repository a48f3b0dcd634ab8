"""The public sponsor page and sticker attacked: can an outsider tell a switched-off page
from one that never existed, or reach a page through an odd address; can anyone but the
owner switch it; does the sticker's QR code ever carry anything but the page's address."""
import subprocess
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar import pyzbar

from server.accounts.models import MEMBER, PENDING, SPONSOR, Membership, Organisation
from server.extensions import db
from server.sponsors_public import api as public_api
from tests.server import factories

PAGE = "/api/v1/organisations/{}/public-page"
PUBLIC = "/api/v1/public/sponsors/{}"
STICKER = "/api/v1/organisations/{}/sticker.pdf"
# Headers that differ between any two answers whatever they say.
PER_REQUEST = {"X-Request-Id", "Server-Time", "Date", "Set-Cookie"}


@pytest.fixture
def world(app):
    """Four sponsors: one whose page is on, one that switched it off, one switched on and
    then no longer approved, one that never switched it on."""
    app.config["PUBLIC_BASE_URL"] = "https://mentoring.example.it"
    now = datetime.now(timezone.utc)
    with app.app_context():
        people = {name: factories.user() for name in ("owner", "member", "other_owner", "admin")}
        people["admin"].is_platform_admin = True
        on = factories.organisation(SPONSOR, owner=people["owner"], name="Fondazione Accesa")
        db.session.add(Membership(user=people["member"], organisation=on, role=MEMBER))
        off = factories.organisation(SPONSOR, owner=people["other_owner"], name="Fondazione Spenta")
        suspended = factories.organisation(SPONSOR, name="Fondazione Sospesa")
        factories.organisation(SPONSOR, name="Fondazione Mai Accesa")
        for sponsor in (on, off, suspended):
            public_api.set_enabled(sponsor=sponsor, enabled=True, now=now)
        public_api.set_enabled(sponsor=off, enabled=False, now=now)
        suspended.status = PENDING
        db.session.commit()
        return {"on": on.id, "off": off.id, **{name: person.email for name, person in people.items()}}


def _as(app, email):
    return factories.ApiClient(app.test_client()).login(email)


def _switch(client, sponsor_id, enabled, **headers):
    return client.client.put(PAGE.format(sponsor_id), json={"enabled": enabled},
                             headers={"X-CSRF-Token": client.csrf, **headers})


def _answer(response) -> tuple:
    headers = sorted((name, value) for name, value in response.headers.items() if name not in PER_REQUEST)
    return response.status_code, tuple(headers), response.get_data()


def _statements(app, path) -> tuple[int, object]:
    """How many SQL statements answering ``path`` ran, and the answer."""
    ran = []
    with app.app_context():
        engine = db.engine

    def count(*_):
        ran.append(1)
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = app.test_client().get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(ran), response


# --- no enumeration ----------------------------------------------------------------------------

def test_a_switched_off_page_answers_exactly_as_one_that_never_existed(app, world):
    assert app.test_client().get(PUBLIC.format("fondazione-accesa")).status_code == 200  # the premise
    answers = {slug: _answer(app.test_client().get(PUBLIC.format(slug))) for slug in (
        "fondazione-spenta", "fondazione-sospesa", "fondazione-mai-accesa", "nessuno-si-chiama-cosi")}

    assert len(set(answers.values())) == 1, answers
    status, headers, body = answers["fondazione-spenta"]
    assert status == 404 and b'"public_page_not_found"' in body
    assert b"Spenta" not in body and ("Cache-Control", "public, max-age=300") not in headers


def test_a_switched_off_page_costs_the_same_statements_as_one_that_never_existed(app, world):
    """The same timing class, counted rather than timed: one lookup by slug, then the
    refusal, whether a row was found (off, sponsor suspended) or not."""
    counted = {slug: _statements(app, PUBLIC.format(slug))[0] for slug in (
        "fondazione-spenta", "fondazione-sospesa", "fondazione-mai-accesa", "nessuno-si-chiama-cosi")}

    assert len(set(counted.values())) == 1, counted
    on, page = _statements(app, PUBLIC.format("fondazione-accesa"))
    assert page.status_code == 200 and on > counted["fondazione-spenta"]  # the premise: counting works


@pytest.mark.parametrize("slug", [
    "FONDAZIONE-ACCESA", "fondazione-accesa ", " fondazione-accesa", "fondazione-accesa%20",
    "fondazione-accesa%00", "fondazione-accesa\u200b", "fondazione-acces\u0430", "\uff46ondazione-accesa",
    "fondazione_accesa", "fondazione-%", "%25", "_", "fondazione-accesa' OR '1'='1", "fondazione-accesa;--",
    "fondazione-accesa-", "-fondazione-accesa", "fondazione--accesa-x" + "-x" * 100,
])
def test_an_address_only_resembling_a_live_one_reaches_nothing(app, world, slug):
    response = app.test_client().get(PUBLIC.format(slug))

    assert response.status_code == 404 and response.get_json()["code"] == "public_page_not_found"
    assert "Accesa" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", [
    "/api/v1/public/sponsors/../sponsors/fondazione-accesa/", "/api/v1/public/sponsors/fondazione-accesa/x",
    "/api/v1/public/sponsors/%2e%2e%2ffondazione-accesa", "/api/v1/public/sponsors/fondazione-accesa%2F",
])
def test_a_path_trick_reaches_no_page(app, world, path):
    response = app.test_client().get(path)

    assert response.status_code == 404
    assert "Accesa" not in response.get_data(as_text=True)


# --- only the owner switches --------------------------------------------------------------------

@pytest.mark.parametrize("who", ["member", "admin", "other_owner"])
def test_nobody_but_the_owner_switches_it_off(app, world, who):
    response = _switch(_as(app, world[who]), world["on"], False)

    assert response.status_code == 403 and response.get_json()["code"] == "not_a_member"
    assert app.test_client().get(PUBLIC.format("fondazione-accesa")).status_code == 200


def test_another_sponsors_owner_cannot_switch_a_page_on_either(app, world):
    response = _switch(_as(app, world["owner"]), world["off"], True)

    assert response.status_code == 403
    assert app.test_client().get(PUBLIC.format("fondazione-spenta")).status_code == 404


def test_a_removed_owner_switches_nothing(app, world):
    owner = _as(app, world["owner"])
    with app.app_context():
        second_owner = factories.user()
        db.session.add(Membership(user=second_owner, organisation=db.session.get(Organisation, world["on"]),
                                  role="owner"))
        db.session.execute(sa.update(Membership).where(Membership.organisation_id == world["on"],
                                                       Membership.user_id == sa.select(Membership.user_id)
                                                       .where(Membership.organisation_id == world["on"],
                                                              Membership.role == "owner").limit(1)
                                                       .scalar_subquery())
                           .values(removed_at=datetime.now(timezone.utc)))
        db.session.commit()

    response = _switch(owner, world["on"], False)

    assert response.status_code == 403
    assert app.test_client().get(PUBLIC.format("fondazione-accesa")).status_code == 200


def test_without_a_login_nobody_switches_or_reads_the_settings(app, world):
    anyone = app.test_client()

    assert anyone.put(PAGE.format(world["on"]), json={"enabled": False}).status_code == 401
    assert anyone.get(PAGE.format(world["on"])).status_code == 401
    assert anyone.get(STICKER.format(world["on"])).status_code == 401


@pytest.mark.parametrize("body", [{}, {"enabled": "false"}, {"enabled": 0}, {"enabled": None}, {"enabled": [False]},
                                  {"enabled": False, "slug": "altra-pagina"}])
def test_a_hostile_switch_body_changes_nothing(app, world, body):
    owner = _as(app, world["owner"])

    response = owner.client.put(PAGE.format(world["on"]), json=body, headers={"X-CSRF-Token": owner.csrf})

    assert response.status_code == 422
    assert owner.get(PAGE.format(world["on"])).get_json()["slug"] == "fondazione-accesa"
    assert app.test_client().get(PUBLIC.format("fondazione-accesa")).status_code == 200


# --- the sticker ---------------------------------------------------------------------------------

def _qr_codes(tmp_path, pdf: bytes) -> list[str]:
    """The QR codes a phone would read off the printed page (rendered at 150 dpi)."""
    (tmp_path / "sticker.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "sticker.pdf"),
                    str(tmp_path / "sticker")], capture_output=True, check=True)
    return [found.data.decode() for found in pyzbar.decode(Image.open(tmp_path / "sticker.png"))]


@pytest.mark.parametrize("name", [
    "https://phishing.example/login Fondazione", "=HYPERLINK(\"https://phishing.example\")",
    "Fondazione <a href=\"https://phishing.example\">", "Fondazione\u202eetilaM",
    "W" * 200, "Fondazione per la cultura " * 7 + "ETS",  # the longest names a sponsor can have
])
def test_the_stickers_only_code_is_the_page_address_whatever_the_name(app, world, tmp_path, name):
    """The name is printed, never encoded."""
    with app.app_context():
        db.session.get(Organisation, world["on"]).name = name
        db.session.commit()

    response = _as(app, world["member"]).get(STICKER.format(world["on"]))

    assert response.status_code == 200
    assert _qr_codes(tmp_path, response.data) == ["https://mentoring.example.it/sponsor/fondazione-accesa"]


def test_the_address_comes_from_the_configuration_not_from_the_host_a_request_claims(app, world):
    from server.sponsors_public import routes

    with app.test_request_context(PAGE.format(world["on"]), headers={"Host": "phishing.example"}):
        assert routes._base_url() == "https://mentoring.example.it"


def test_a_switched_off_pages_sticker_is_refused_to_its_own_owner(app, world):
    response = _as(app, world["other_owner"]).get(STICKER.format(world["off"]))

    assert response.status_code == 409 and response.get_json()["code"] == "public_page_disabled"


@pytest.mark.parametrize("who", ["other_owner"])
def test_another_sponsor_gets_neither_the_sticker_nor_the_settings(app, world, who):
    intruder = _as(app, world[who])

    assert intruder.get(STICKER.format(world["on"])).status_code == 403
    refused = intruder.get(PAGE.format(world["on"]))
    assert refused.status_code == 403 and "fondazione-accesa" not in refused.get_data(as_text=True)


@pytest.mark.parametrize("name", ["W" * 200, "Fondazione per la cultura " * 7 + "ETS", "Libreria Àncora"])
def test_the_sponsors_name_never_runs_under_the_code(app, world, tmp_path, name):
    """A long name is set smaller (and cut short at the smallest), not printed beneath
    the code where nobody reads it."""
    import re

    from server.documents import sticker

    with app.app_context():
        db.session.get(Organisation, world["on"]).name = name
        db.session.commit()
    response = _as(app, world["member"]).get(STICKER.format(world["on"]))
    (tmp_path / "sticker.pdf").write_bytes(response.data)

    html = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "sticker.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', html)
    texts = [word for _, _, word in words]
    # In reading order: the line, "con", the name, then (under the code) "Inquadra il codice..."
    name_words = words[texts.index("con") + 1:texts.index("Inquadra")]
    name_bottoms = [float(y_max) for _, y_max, _ in name_words]
    qr_top = (sticker.HEIGHT - sticker.MARGIN - 12 - sticker.QR_SIZE) * 72 / 25.4
    assert name_bottoms, words  # the premise: the name is on the page
    assert max(name_bottoms) <= qr_top


def test_a_name_too_long_even_at_the_smallest_type_is_cut_short_above_the_code(tmp_path):
    """Longer than the column allows (200): the sticker is still made, the name ends in "..."."""
    from server.documents import sticker

    (tmp_path / "sticker.pdf").write_bytes(sticker.sticker_pdf(sponsor_name="Fondazione " * 100,
                                                               url="https://m.example.it/sponsor/x", issuer="X"))

    text = subprocess.run(["pdftotext", str(tmp_path / "sticker.pdf"), "-"], capture_output=True,
                          check=True).stdout.decode()
    name = text[text.index("con "):text.index("Inquadra")]
    assert name.rstrip().endswith("...") and name.count("Fondazione") < 100
    assert _qr_codes(tmp_path, (tmp_path / "sticker.pdf").read_bytes()) == ["https://m.example.it/sponsor/x"]
