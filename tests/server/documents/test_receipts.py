"""Sponsor receipts: issued at confirmation, numbered per year without gaps, downloadable."""
import threading
import time
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from server.accounts.models import Membership
from server.documents import pdf, receipts
from server.documents.models import SponsorReceipt
from server.extensions import db
from server.payments import api as payments_api
from tests.server import factories
from tests.server.catalogue.factories import ApiClient
from tests.server.documents.helpers import flat, pdf_text


@pytest.fixture
def sponsor(app):
    """An approved sponsor with an address, its member, a campaign, the operator."""
    with app.app_context():
        member, admin, stranger = factories.user(), factories.user(), factories.user()
        admin.is_platform_admin = True
        organisation = factories.organisation("sponsor", owner=member, name="Panificio Àlba S.r.l.")
        organisation.address = "Via Roma 3, Milano"
        campaign = factories.campaign(organisation)
        factories.organisation("sponsor", owner=stranger)
        db.session.commit()
        return {"member": member.email, "admin": admin.email, "stranger": stranger.email, "id": organisation.id,
                "campaign": campaign.id, "admin_id": admin.id}


def _topup(app, sponsor, amount_cents=25_000):
    from server.campaigns.models import Campaign
    from server.accounts.models import Organisation

    with app.app_context():
        topup = payments_api.create_topup(campaign=db.session.get(Campaign, sponsor["campaign"]),
                                          sponsor=db.session.get(Organisation, sponsor["id"]),
                                          amount_cents=amount_cents)
        db.session.commit()
        return topup.id


def _confirm(app, sponsor, topup_id):
    admin = ApiClient(app.test_client()).login(sponsor["admin"])
    response = admin.post(f"/api/v1/admin/topups/{topup_id}/confirm")
    assert response.status_code == 200, response.get_json()


def test_confirming_a_top_up_issues_a_numbered_receipt_with_what_a_company_books(app, sponsor):
    topup_id = _topup(app, sponsor)
    _confirm(app, sponsor, topup_id)
    member = ApiClient(app.test_client()).login(sponsor["member"])

    listed = member.get(f"/api/v1/sponsors/{sponsor['id']}/receipts").get_json()
    response = member.get(f"/api/v1/topups/{topup_id}/receipt.pdf")

    year = pdf.rome(datetime.now(timezone.utc)).year
    assert [(r["number"], r["topup_id"], r["amount_cents"]) for r in listed] == [(f"{year}/000001", topup_id, 25_000)]
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="ricevuta-{year}-000001.pdf"' in response.headers["Content-Disposition"]
    text = flat(pdf_text(response.data))
    assert f"Ricevuta n. {year}/000001" in text
    assert "Mentoring S.r.l." in text and "Partita IVA / C.F. 00743110157" in text
    assert "Via Fittizia 1, 20121 Milano (MI)" in text
    assert "Panificio Àlba S.r.l." in text and f"Partita IVA {factories.VALID_VAT}" in text
    assert "Via Roma 3, Milano" in text
    assert "Importo € 250,00" in text
    assert f"Riferimento RF {listed[0]['reference']}" in text
    assert "Cultura per tutti" in text  # the campaign


def test_numbers_follow_each_other_and_a_second_confirmation_issues_nothing_more(app, sponsor):
    first, second = _topup(app, sponsor), _topup(app, sponsor, 10_000)
    _confirm(app, sponsor, first)
    _confirm(app, sponsor, first)  # the operator taps twice
    _confirm(app, sponsor, second)

    with app.app_context():
        numbers = db.session.execute(sa.select(SponsorReceipt.topup_id, SponsorReceipt.number)
                                     .order_by(SponsorReceipt.number)).all()
    assert [tuple(row) for row in numbers] == [(first, 1), (second, 2)]


def test_a_pending_top_up_has_no_receipt_yet(app, sponsor):
    topup_id = _topup(app, sponsor)
    member = ApiClient(app.test_client()).login(sponsor["member"])

    response = member.get(f"/api/v1/topups/{topup_id}/receipt.pdf")

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "topup_not_confirmed"


def test_another_sponsors_member_gets_neither_receipt_nor_list(app, sponsor):
    topup_id = _topup(app, sponsor)
    _confirm(app, sponsor, topup_id)
    stranger = ApiClient(app.test_client()).login(sponsor["stranger"])

    assert stranger.get(f"/api/v1/topups/{topup_id}/receipt.pdf").status_code == 403
    assert stranger.get(f"/api/v1/sponsors/{sponsor['id']}/receipts").status_code == 403


def test_a_receipt_keeps_what_it_printed_when_the_sponsor_changes_its_name(app, sponsor):
    from server.accounts.models import Organisation

    topup_id = _topup(app, sponsor)
    _confirm(app, sponsor, topup_id)
    with app.app_context():
        db.session.get(Organisation, sponsor["id"]).name = "Nuovo nome"
        db.session.commit()
    member = ApiClient(app.test_client()).login(sponsor["member"])

    text = flat(pdf_text(member.get(f"/api/v1/topups/{topup_id}/receipt.pdf").data))

    assert "Panificio Àlba S.r.l." in text and "Nuovo nome" not in text


def test_text_outside_the_font_is_printed_readably():
    assert pdf.printable("Ştefan Łódź € à “x”") == "Stefan ?ódz € à “x”"  # Ł has no plain letter inside
    assert pdf.printable("日本") == "??"


@pytest.mark.postgres
def test_two_confirmations_at_once_get_consecutive_numbers(app, sponsor):
    """Two operators (or the operator and the bank import) confirm two top-ups at the same
    moment: each transaction takes the year's counter row in turn."""
    _confirm(app, sponsor, _topup(app, sponsor))  # the year's counter row exists: the lock is what orders them
    topups = [_topup(app, sponsor), _topup(app, sponsor, 10_000)]
    start = threading.Barrier(2)
    errors = []

    def confirm(topup_id):
        try:
            with app.app_context():
                from server.accounts.models import User

                operator = db.session.get(User, sponsor["admin_id"])
                topup = payments_api.get_topup(topup_id, for_update=True)
                start.wait(timeout=30)
                payments_api.confirm_topup(topup=topup, operator=operator, now=datetime.now(timezone.utc))
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    _run_together(confirm, topups)

    assert errors == []
    with app.app_context():
        numbers = sorted(db.session.scalars(sa.select(SponsorReceipt.number)))
        counter = db.session.execute(sa.text("SELECT last_number FROM receipt_counter")).scalar_one()
    assert numbers == [1, 2, 3] and counter == 3


@pytest.mark.postgres
def test_a_second_receipt_waits_for_the_first_ones_number(app, sponsor):
    """The ledger's locks already order two confirmations of one campaign; here two
    receipts are issued with nothing else in between. The first holds its number, not yet
    committed; the second must wait (seen in pg_stat_activity, polled with a deadline),
    then take the next number once the first commits."""
    _confirm(app, sponsor, _topup(app, sponsor))  # the year's counter row exists
    first_id, second_id = _topup(app, sponsor), _topup(app, sponsor, 10_000)
    holding, errors = threading.Event(), []

    def second():
        try:
            holding.wait(timeout=30)
            with app.app_context():
                receipts.issue_receipt(topup=payments_api.get_topup(second_id), now=datetime.now(timezone.utc))
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    with app.app_context():
        receipts.issue_receipt(topup=payments_api.get_topup(first_id), now=datetime.now(timezone.utc))
        holding.set()
        _wait_until_a_session_waits_for_a_lock(app)
        db.session.commit()
        db.session.remove()
    thread.join(timeout=60)

    assert errors == []
    with app.app_context():
        numbers = dict(db.session.execute(sa.select(SponsorReceipt.topup_id, SponsorReceipt.number)).all())
    assert (numbers[first_id], numbers[second_id]) == (2, 3)


def _wait_until_a_session_waits_for_a_lock(app, deadline_seconds=30):
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + deadline_seconds
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                waiting = connection.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")).scalar_one()
                if waiting:
                    return
                time.sleep(0.01)  # polling, not a timed assertion
        raise AssertionError("the second receipt never waited for the first")
    finally:
        engine.dispose()


def _run_together(target, arguments):
    threads = [threading.Thread(target=target, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
