"""A venue tells the sponsors how an event went, with a photo, from a phone (360×640);
the operator hides it with a reason; the venue sees it hidden and why, and the photo is
no longer served. Axe-clean and no horizontal scroll on each page."""
import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from server import demo
from server.accounts.models import Organisation
from server.extensions import db
from tests.pwa.conftest import serious_violations
from tests.pwa.test_accessibility import api_login

pytestmark = pytest.mark.browser

VENUE = "direzione.navigli@demo.example"
TEXT = "Sala piena per la prova aperta: domande sul finale fino a tardi."


def _venue_id(app) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(Organisation.id).filter_by(name="Teatro dei Navigli"))
        db.session.rollback()
        return found


def _photo() -> bytes:
    """A phone photo with a GPS position in its EXIF."""
    image = Image.new("RGB", (1200, 800), (160, 60, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (45.0, 27.0, 0.0), 1: "N", 4: (9.0, 10.0, 0.0), 3: "E"}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_venue_posts_a_story_with_a_photo_and_the_operator_hides_it(people, pilot, live_app):
    venue_id = _venue_id(live_app)
    venue = people()
    api_login(venue, VENUE)
    venue.goto(f"/o/venue/{venue_id}/racconti")
    venue.get_by_role("heading", name="Racconta l’evento").wait_for()
    venue.get_by_label("Il racconto").fill(TEXT)
    venue.get_by_label("Foto (facoltativa)").set_input_files(
        {"name": "sala.jpg", "mimeType": "image/jpeg", "buffer": _photo()})

    # Without the confirmation nothing is sent.
    venue.get_by_role("button", name="Pubblica il racconto").click()
    venue.get_by_text("Serve questa conferma per pubblicare.").wait_for()
    assert venue.locator(".story").count() == 0 or TEXT not in venue.locator(".stories-page .cards").inner_text()
    assert serious_violations(venue) == []

    venue.get_by_label("Nessun minore è riconoscibile nella foto").check()
    venue.get_by_role("button", name="Pubblica il racconto").click()
    venue.get_by_text("Racconto pubblicato.").wait_for()
    story = venue.locator(".story", has_text=TEXT)
    photo = story.locator("img.story-photo")
    photo.wait_for()
    venue.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    photo_url = photo.get_attribute("src")
    assert re.search(r"/api/v1/stories/\d+/photo\.webp\?v=1$", photo_url)
    assert serious_violations(venue) == [] and _fits(venue)
    venue.set_viewport_size({"width": 320, "height": 640})
    assert _fits(venue)
    venue.set_viewport_size({"width": 360, "height": 640})

    # The operator, on a phone too.
    operator = people()
    api_login(operator, demo.ADMIN_EMAIL)
    operator.goto("/o/admin/racconti")
    card = operator.locator(".story", has_text=TEXT)
    card.get_by_role("button", name="Nascondi il racconto di Teatro dei Navigli").click()
    card.get_by_role("button", name="Nascondi il racconto", exact=True).click()
    card.get_by_text("Scrivi il motivo.").wait_for()  # a reason is needed: the venue reads it
    card.get_by_label("Motivo (la sede lo leggerà)").fill("Si riconosce il volto di uno spettatore.")
    card.get_by_role("button", name="Nascondi il racconto", exact=True).click()
    operator.locator('.story[data-hidden="true"]', has_text=TEXT).wait_for()
    assert serious_violations(operator) == [] and _fits(operator)
    operator.set_viewport_size({"width": 320, "height": 640})
    assert _fits(operator)

    # The venue is told, and the photo is served to nobody.
    venue.reload()
    hidden = venue.locator('.story[data-hidden="true"]', has_text=TEXT)
    hidden.wait_for()
    assert "Nascosto dall’operatore" in hidden.inner_text()
    assert "Si riconosce il volto di uno spettatore." in hidden.inner_text()
    assert hidden.locator("img").count() == 0
    assert venue.request.get(photo_url).status == 404
    assert serious_violations(venue) == [] and _fits(venue)

    # The venue deletes it (the pilot is shared by the session: leave no story behind).
    hidden.get_by_role("button", name=re.compile("^Cancella:")).click()
    hidden.get_by_role("button", name="Sì, cancella").click()
    venue.get_by_text("Nessun racconto ancora.").or_(venue.locator(".story", has_text=TEXT)).first.wait_for()
    venue.locator(".story", has_text=TEXT).wait_for(state="detached")
