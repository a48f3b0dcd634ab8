"""The demo pilot (`mentoring seed-demo`): built through the real use cases, balanced,
usable end to end, and made once; and the operator's `create-admin` command."""
import csv
import os
import stat
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask.cli import ScriptInfo

from server import demo
from server.accounts import api as accounts_api
from server.accounts.models import APPROVED, SCHOOL, SPONSOR, STAFF, VENUE, Membership, Organisation, User, Wallet
from server.bookings import api as bookings_api
from server.campaigns.models import Campaign
from server.catalogue import taxonomy
from server.catalogue.models import COURSE, Event
from server.cli import main
from server.extensions import db
from server.ledger import api as ledger_api
from server.ledger.models import Posting
from server.payments.models import CONFIRMED, PENDING, TopUp
from server.vouchers import api as vouchers_api
from server.vouchers.models import UNCLAIMED, Allocation, ClaimCode
from signing import DeviceKey

COUNTED = (User, Organisation, Membership, Campaign, TopUp, Event, Allocation, ClaimCode, Posting)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _seed(app):
    result = demo.seed(now=datetime.now(timezone.utc), secret_key=app.secret_key)
    db.session.commit()
    return result


def test_the_pilot_has_approved_sponsors_schools_and_venues_with_logins(app):
    with app.app_context():
        result = _seed(app)
        organisations = db.session.scalars(sa.select(Organisation)).all()
        assert sorted(o.kind for o in organisations) == [SCHOOL] * 2 + [SPONSOR] * 3 + [VENUE] * 4
        assert {o.status for o in organisations} == {APPROVED}
        assert len({o.municipality_code for o in organisations if o.kind == VENUE}) == 4
        for login in result.logins:
            if login.email != "-":
                assert accounts_api.authenticate(email=login.email, password=demo.DEMO_PASSWORD)
        assert accounts_api.authenticate(email=demo.ADMIN_EMAIL, password=demo.DEMO_PASSWORD).is_platform_admin
        staff = db.session.scalar(sa.select(Membership).join(User).filter(User.email == demo.STAFF_EMAIL))
        assert (staff.role, staff.organisation.name) == (STAFF, "Teatro dei Navigli")


def test_campaigns_are_funded_by_confirmed_top_ups_and_the_books_balance(app):
    with app.app_context():
        _seed(app)
        assert _count(Campaign) == len(demo.CAMPAIGNS)
        assert _count(TopUp, TopUp.status == PENDING) == 1  # left for the operator to confirm
        for campaign in db.session.scalars(sa.select(Campaign)):
            confirmed = db.session.scalar(sa.select(sa.func.sum(TopUp.amount_cents))
                                          .filter_by(campaign_id=campaign.id, status=CONFIRMED))
            allocated = db.session.scalar(sa.select(sa.func.sum(Allocation.voucher_count * Allocation.face_value_cents))
                                          .filter_by(campaign_id=campaign.id))
            available = ledger_api.account("campaign", campaign.id).balance_cents
            reserve = ledger_api.account("campaign_risk", campaign.id).balance_cents
            assert available + reserve + allocated == confirmed and available >= 0
        assert ledger_api.check_books() == []


def test_events_and_courses_start_over_the_next_weeks_in_their_categories(app):
    now = datetime.now(timezone.utc)
    with app.app_context():
        _seed(app)
        # The programme to come; the past events are the history's (test_demo_history.py).
        events = db.session.scalars(sa.select(Event).where(Event.starts_at > now)).all()
        assert len(events) == len(demo.EVENTS)
        assert all(now < e.starts_at < now + timedelta(weeks=5) and e.seats_taken == 0 for e in events)
        by_venue = {}
        for event in events:
            by_venue.setdefault(event.venue.name, set()).add(taxonomy.by_code(event.category_code).slug)
        assert by_venue["Cinema Arcobaleno"] == {"cinema"}
        assert "musei" in by_venue["Museo del Tessile Legnanese"]
        assert "teatro" in by_venue["Teatro dei Navigli"]
        assert {"corsi", "musica"} <= by_venue["Scuola di Musica Do Re Mi"]
        assert any(e.kind == COURSE and e.venue.name == "Scuola di Musica Do Re Mi" for e in events)


def test_every_allocated_voucher_has_a_claim_code_and_only_its_hash_is_stored(app):
    with app.app_context():
        result = _seed(app)
        allocated = db.session.scalar(sa.select(sa.func.sum(Allocation.voucher_count)))
        assert allocated == _count(ClaimCode)
        # The history's codes were claimed months ago; every code still to claim is printed.
        assert len(result.codes) == _count(ClaimCode, ClaimCode.status == UNCLAIMED) >= 200
        stored = set(db.session.scalars(sa.select(ClaimCode.code_hash)))
        assert not {issued.code for issued in result.codes} & stored


def test_a_printed_code_claims_a_voucher_that_books_a_museum_visit(app):
    with app.app_context():
        result = _seed(app)
        issued = next(c for c in result.codes if c.campaign == "Lumen per la cultura")
        wallet = Wallet(device_key=DeviceKey.generate().public_bytes)
        db.session.add(wallet)
        now = datetime.now(timezone.utc)
        voucher = vouchers_api.claim(wallet=wallet, code_text=issued.code, secret=app.secret_key, today=now.date())
        visit = db.session.scalar(sa.select(Event).where(Event.title.startswith("Visita guidata"))
                                  .order_by(Event.starts_at).limit(1))
        bookings_api.book(wallet=wallet, event_id=visit.id, voucher_id=voucher.id, request_id="demo-test-1",
                          now=now)
        db.session.commit()
        assert vouchers_api.balance(voucher) == issued.face_value_cents - visit.price_cents


def test_seeding_again_adds_nothing(app):
    with app.app_context():
        first = _seed(app)
        before = {model.__name__: _count(model) for model in COUNTED}
        again = _seed(app)
        assert (first.created, again.created, again.codes) == (True, False, [])
        assert again.logins == first.logins
        assert {model.__name__: _count(model) for model in COUNTED} == before


def test_the_codes_file_is_readable_by_its_owner_only(app, tmp_path):
    path = tmp_path / demo.CODES_FILE
    path.write_text("old")
    path.chmod(0o644)
    with app.app_context():
        result = _seed(app)
    demo.write_codes(str(path), result.codes, base_url="http://localhost:5000")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["code"] for row in rows] == [issued.code for issued in result.codes]
    assert rows[0]["claim_link"] == f"http://localhost:5000/w/claim/{rows[0]['code']}"


# --- the commands -----------------------------------------------------------------------

@pytest.fixture
def mentoring(app):
    """Runs `mentoring ...` on the test app and its database."""
    def run(*args, input=None):
        return CliRunner().invoke(main, list(args), input=input, obj=ScriptInfo(create_app=lambda: app))
    return run


def test_seed_demo_prints_the_logins_and_writes_the_codes_once(app, mentoring):
    first = mentoring("seed-demo", "--base-url", "http://localhost:8000")
    assert first.exit_code == 0, first.output
    assert demo.ADMIN_EMAIL in first.output and demo.DEMO_PASSWORD in first.output
    path = f"{app.instance_path}/{demo.CODES_FILE}"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, newline="") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    assert codes[0] in first.output

    again = mentoring("seed-demo")
    assert again.exit_code == 0, again.output
    assert "already there" in again.output and demo.STAFF_EMAIL in again.output
    with open(path, newline="") as handle:
        assert [row["code"] for row in csv.DictReader(handle)] == codes


def test_create_admin_reads_the_password_twice_or_from_stdin(app, mentoring):
    prompted = mentoring("create-admin", "Capo@Example.org", input="una-password-lunga\nuna-password-lunga\n")
    assert prompted.exit_code == 0, prompted.output
    piped = mentoring("create-admin", "vice@example.org", "--password-stdin", input="altra-password-lunga\n")
    assert piped.exit_code == 0, piped.output
    with app.app_context():
        assert accounts_api.authenticate(email="capo@example.org", password="una-password-lunga").is_platform_admin
        assert accounts_api.authenticate(email="vice@example.org", password="altra-password-lunga").is_platform_admin


def test_create_admin_refuses_an_existing_email_and_changes_nothing(app, mentoring):
    assert mentoring("create-admin", "capo@example.org", "--password-stdin", input="una-password-lunga\n") \
        .exit_code == 0
    again = mentoring("create-admin", "CAPO@example.org", "--password-stdin", input="un-altra-password\n")
    assert again.exit_code == 1 and "already exists" in again.output
    with app.app_context():
        assert accounts_api.authenticate(email="capo@example.org", password="una-password-lunga")


def test_create_admin_refuses_a_short_password(app, mentoring):
    result = mentoring("create-admin", "capo@example.org", "--password-stdin", input="corta\n")
    assert result.exit_code == 1 and "weak_password" in result.output
