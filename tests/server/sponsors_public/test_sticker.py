"""The window sticker: an A6 PDF whose QR code, read back from the printed page, opens
the sponsor's public page; refused while the page is off."""
import re
import subprocess

import pytest
from PIL import Image
from pyzbar import pyzbar

from server.accounts.models import MEMBER, SPONSOR, Membership
from server.extensions import db
from tests.server import factories
from tests.server.documents.helpers import flat, pdf_text

STICKER = "/api/v1/organisations/{}/sticker.pdf"


@pytest.fixture
def world(app):
    app.config["PUBLIC_BASE_URL"] = "https://mentoring.example.it"
    with app.app_context():
        owner, member, stranger = factories.user(), factories.user(), factories.user()
        sponsor = factories.organisation(SPONSOR, owner=owner, name="Libreria Àncora")
        factories.organisation(SPONSOR, owner=stranger)
        db.session.add(Membership(user=member, organisation=sponsor, role=MEMBER))
        db.session.commit()
        return {"owner": owner.email, "member": member.email, "stranger": stranger.email, "sponsor": sponsor.id}


def _as(app, email):
    return factories.ApiClient(app.test_client()).login(email)


def _switch_on(app, world):
    owner = _as(app, world["owner"])
    response = owner.client.put(f"/api/v1/organisations/{world['sponsor']}/public-page", json={"enabled": True},
                                headers={"X-CSRF-Token": owner.csrf})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["url"]


def _qr_codes(pdf_file) -> list[str]:
    """The QR codes a phone would read off the printed page (rendered at 150 dpi)."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_file), str(pdf_file.with_suffix(""))],
                   capture_output=True, check=True)
    page = Image.open(pdf_file.with_suffix(".png"))
    return [found.data.decode() for found in pyzbar.decode(page) if found.type == "QRCODE"]


def test_no_sticker_while_the_page_is_off(app, world):
    response = _as(app, world["owner"]).get(STICKER.format(world["sponsor"]))

    assert response.status_code == 409
    assert response.get_json()["code"] == "public_page_disabled"


def test_the_sticker_is_an_a6_page_whose_qr_opens_the_public_page(app, world, tmp_path):
    url = _switch_on(app, world)
    assert url == "https://mentoring.example.it/sponsor/libreria-ancora"

    response = _as(app, world["member"]).get(STICKER.format(world["sponsor"]))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="vetrofania-libreria-ancora.pdf"'
    (tmp_path / "sticker.pdf").write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(tmp_path / "sticker.pdf")], capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.M)
    assert re.search(r"^Page size:\s+297.64 x 419.53 pts", info, re.M)  # A6: 105 x 148 mm
    text = flat(pdf_text(response.data))
    assert "Qui si regala cultura ai ragazzi di Milano" in text
    assert "Libreria Àncora" in text
    assert "mentoring.example.it/sponsor/libreria-ancora" in text  # printed for those who type
    assert _qr_codes(tmp_path / "sticker.pdf") == [url]


def test_another_sponsors_people_get_no_sticker(app, world):
    _switch_on(app, world)

    response = _as(app, world["stranger"]).get(STICKER.format(world["sponsor"]))

    assert response.status_code == 403
