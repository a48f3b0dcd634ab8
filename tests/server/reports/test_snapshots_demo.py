"""On the demo's five closed months (server/demo_history.py), every campaign's impact
and a sponsor's public page answer byte for byte the same from the month's snapshots
as computed. A module of its own: the pilot is seeded once for it."""
import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.extensions import db
from server.jobs.models import DONE
from server.reports import impact, snapshots
from server.reports import routes as reports_routes
from server.reports.models import ReportSnapshot
from server.sponsors_public import api as public_api
from server.sponsors_public import routes as public_routes
from tests.server import factories
from tests.server.demo_pilot import seeded_demo

NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def pilot(tmp_path_factory):
    with seeded_demo(tmp_path_factory.mktemp("snapshot-demo"), now=NOW) as app:
        with app.app_context():
            app.public_slug = public_api.set_enabled(sponsor=_busiest_sponsor(), enabled=True, now=NOW).slug
            app.admin_email = factories.user(admin=True).email
            app.campaign_ids = list(db.session.scalars(sa.select(Campaign.id).order_by(Campaign.id)))
            db.session.commit()
        yield app


def _busiest_sponsor() -> Organisation:
    """The sponsor of the demo's main campaign (the one with the history)."""
    campaign = db.session.scalar(sa.select(Campaign).filter_by(name="Lumen per la cultura"))
    return campaign.sponsors[0]


def _answers(app) -> dict:
    admin = factories.ApiClient(app.test_client()).login(app.admin_email)
    made = {campaign_id: admin.get(f"/api/v1/campaigns/{campaign_id}/impact") for campaign_id in app.campaign_ids}
    made["public"] = app.test_client().get(f"/api/v1/public/sponsors/{app.public_slug}")
    assert {answer.status_code for answer in made.values()} == {200}
    return {key: answer.data for key, answer in made.items()}


def test_the_demo_answers_are_the_same_from_the_snapshots(pilot, monkeypatch):
    monkeypatch.setattr(reports_routes, "_now", lambda: NOW)
    monkeypatch.setattr(public_routes, "_now", lambda: NOW)
    computed = _answers(pilot)
    with pilot.app_context():
        job = snapshots.enqueue_month(snapshots.last_closed_month(NOW), now=NOW)
        db.session.commit()  # runs inline
        db.session.refresh(job)
        assert job.state == DONE and job.result["snapshots"] == len(pilot.campaign_ids) + 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSnapshot)) == job.result["snapshots"]
        main = db.session.scalar(sa.select(Campaign.id).filter_by(name="Lumen per la cultura"))

    def no_reading(*args, **kwargs):
        raise AssertionError("computed again: the snapshot was not served")

    monkeypatch.setattr(impact.Activity, "read", no_reading)
    served = _answers(pilot)
    assert served == computed
    shown = json.loads(served[main])
    assert shown["as_of"] and not shown["headline"]["suppressed"]  # released, with figures
    assert any(row["suppressed"] for row in shown["spend"]["by_category"])  # and a hidden cell
