import base64
from dataclasses import dataclass

import pytest

from server.extensions import db
from server.payments import api as payments_api
from tests.server import factories


@dataclass
class Desk:
    """The operator's desk: a logged-in platform admin, a sponsor's campaign and its top-ups."""
    app: object
    api: factories.ApiClient
    sponsor_id: int
    campaign_id: int

    def topup(self, amount_cents: int):
        """A pending top-up: (id, RF reference)."""
        with self.app.app_context():
            from server.accounts.models import Organisation
            from server.campaigns.models import Campaign
            topup = payments_api.create_topup(campaign=db.session.get(Campaign, self.campaign_id),
                                              sponsor=db.session.get(Organisation, self.sponsor_id),
                                              amount_cents=amount_cents)
            db.session.commit()
            return topup.id, topup.reference

    def status(self, topup_id: int) -> str:
        with self.app.app_context():
            from server.payments.models import TopUp
            return db.session.get(TopUp, topup_id).status

    def preview(self, data: bytes, **kwargs):
        return self.api.post("/api/v1/admin/bank-statements/preview", json=upload(data), **kwargs)

    def import_(self, data: bytes, *, file_name="estratto.xml", **kwargs):
        return self.api.post("/api/v1/admin/bank-statements", json=upload(data, file_name), **kwargs)


def upload(data: bytes, file_name="estratto.xml") -> dict:
    return {"file_name": file_name, "content": base64.b64encode(data).decode()}


@pytest.fixture
def desk(app):
    with app.app_context():
        admin = factories.user(admin=True)
        sponsor = factories.organisation("sponsor")
        campaign = factories.campaign(sponsor)
        db.session.commit()
        email, sponsor_id, campaign_id = admin.email, sponsor.id, campaign.id
    return Desk(app, factories.ApiClient(app.test_client()).login(email), sponsor_id, campaign_id)
