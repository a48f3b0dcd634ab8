"""A campaign whose voucher booked a seat at the theatre: the theatre's stories reach the
campaign's sponsor; the museum across town, where no voucher went, keeps its own."""
import io
from datetime import date, datetime, timezone

import pytest

from server.accounts.models import MEMBER, STAFF, Membership, Wallet
from server.bookings import api as bookings_api
from server.extensions import db
from server.vouchers import api as vouchers_api
from signing import DeviceKey
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories
from tests.server.photos import phone_photo as photo


@pytest.fixture
def world(app):
    with app.app_context():
        people = {name: catalogue_factories.person() for name in
                  ("owner", "member", "staff", "other_owner", "sponsor", "other_sponsor", "admin")}
        people["admin"].is_platform_admin = True
        venue = catalogue_factories.venue(owner=people["owner"], name="Teatro Franco Parenti")
        db.session.add_all([Membership(user=people["member"], organisation=venue, role=MEMBER),
                            Membership(user=people["staff"], organisation=venue, role=STAFF)])
        event = catalogue_factories.event(venue, title="La locandiera")
        other_venue = catalogue_factories.venue(owner=people["other_owner"], name="Museo del Novecento")
        other_event = catalogue_factories.event(other_venue, title="Mostra")
        sponsor = factories.organisation("sponsor", owner=people["sponsor"])
        campaign = factories.funded_campaign(sponsor)
        other_campaign = factories.funded_campaign(factories.organisation("sponsor", owner=people["other_sponsor"]))
        school = factories.organisation("school")
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=1, today=date.today())
        (code,) = vouchers_api.issue_codes(allocation=allocation, count=1, secret=app.secret_key)
        wallet = Wallet(device_key=DeviceKey.generate().public_bytes)
        db.session.add(wallet)
        voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=date.today())
        bookings_api.book(wallet=wallet, event_id=event.id, voucher_id=voucher.id, request_id="stories-booking",
                          now=datetime.now(timezone.utc))
        db.session.commit()
        return {"venue_id": venue.id, "event_id": event.id, "other_venue_id": other_venue.id,
                "other_event_id": other_event.id, "campaign_id": campaign.id, "other_campaign_id": other_campaign.id,
                **{name: person.email for name, person in people.items()}}


def as_person(app, email):
    return factories.ApiClient(app.test_client()).login(email)


def post_story(api, venue_id, **fields):
    body = {"body": "Una sala piena di ragazzi, e un dibattito fino a tardi.", "no_minor_recognisable": True,
            **fields}
    return api.post(f"/api/v1/venues/{venue_id}/stories", json=body)


def upload(api, story_id, data: bytes, name="foto.jpg"):
    return api.client.post(f"/api/v1/stories/{story_id}/photo", data={"photo": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", headers=api._headers(None))
