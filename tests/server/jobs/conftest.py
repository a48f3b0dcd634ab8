from datetime import date

import pytest

from server.extensions import db
from server.accounts.models import SCHOOL, SPONSOR
from server.jobs import transport
from server.vouchers import api as vouchers_api
from signing import DeviceKey
from tests.server import factories


class Scene:
    """A school with an allocation of 3,000 vouchers and its member's login."""

    def __init__(self, app):
        with app.app_context():
            self.member = factories.user()
            school = factories.organisation(SCHOOL, owner=self.member)
            sponsor = factories.organisation(SPONSOR)
            campaign = factories.funded_campaign(sponsor, amount_cents=10_000_000, face_value_cents=1_000,
                                                offline_allowance_cents=500)
            allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=3_000,
                                               today=date.today())
            db.session.commit()
            self.member_email, self.member_id = self.member.email, self.member.id
            self.school_id, self.allocation_id = school.id, allocation.id

    @property
    def direct_url(self):
        return f"/api/v1/schools/{self.school_id}/allocations/{self.allocation_id}/direct"


@pytest.fixture
def scene(app):
    return Scene(app)


@pytest.fixture
def device_keys():
    def make(count):
        return [DeviceKey.generate().public_bytes for _ in range(count)]
    return make


@pytest.fixture
def held_jobs(monkeypatch):
    """Jobs are recorded but not sent: the test runs them by hand (a worker's view)."""
    held = []
    monkeypatch.setattr(transport, "send", lambda pending: held.extend(job_id for job_id, _, _ in pending))
    return held
