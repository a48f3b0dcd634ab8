import pytest

from server.extensions import db
from server.ledger import api as ledger
from server.ledger.exceptions import IdempotencyConflict, InsufficientFunds
from server.ledger.models import Posting


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.commit()


def _top_up(sponsor_id=1, amount=10_000, key="topup-1"):
    return ledger.post(idempotency_key=key, kind="topup",
                       entries=[(ledger.account("bank"), amount), (ledger.account("sponsor", sponsor_id), -amount)])


def test_a_top_up_credits_the_sponsor_and_the_bank(ctx):
    _top_up()
    assert ledger.account("bank").balance_cents == 10_000
    assert ledger.account("sponsor", 1).balance_cents == 10_000
    assert ledger.check_books() == []


def test_the_same_idempotency_key_moves_money_once(ctx):
    first = _top_up()
    again = _top_up()
    assert again.id == first.id
    assert ledger.account("sponsor", 1).balance_cents == 10_000


def test_the_same_key_for_another_movement_is_a_conflict(ctx):
    _top_up()
    with pytest.raises(IdempotencyConflict):
        _top_up(amount=5_000)


def test_an_account_cannot_go_below_zero(ctx):
    _top_up(amount=1_000)
    sponsor, campaign = ledger.account("sponsor", 1), ledger.account("campaign", 7)
    with pytest.raises(InsufficientFunds):
        ledger.move(idempotency_key="fund-7", kind="campaign_funding", source=sponsor, destination=campaign,
                    amount_cents=1_001)
    assert sponsor.balance_cents == 1_000 and campaign.balance_cents == 0


def test_the_risk_account_may_go_negative(ctx):
    risk, payable = ledger.account("campaign_risk", 7), ledger.account("venue_payable", 3)
    ledger.move(idempotency_key="overspend-1", kind="offline_overspend", source=risk, destination=payable,
                amount_cents=500)
    assert risk.balance_cents == -500 and payable.balance_cents == 500
    assert ledger.check_books() == []


def test_transfers_must_balance_and_be_integer_cents(ctx):
    with pytest.raises(ValueError):
        ledger.post(idempotency_key="bad", kind="x", entries=[(ledger.account("bank"), 1)])
    with pytest.raises(TypeError):
        ledger.post(idempotency_key="bad", kind="x",
                    entries=[(ledger.account("bank"), 1.5), (ledger.account("sponsor", 1), -1.5)])


def test_postings_are_immutable(ctx):
    _top_up()
    posting = db.session.scalars(db.select(Posting)).first()
    posting.amount_cents = 1
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_check_books_notices_a_tampered_balance(ctx):
    _top_up()
    ledger.account("sponsor", 1).balance_cents += 1
    db.session.flush()
    assert any("stored 10001" in problem for problem in ledger.check_books())
    ledger.account("sponsor", 1).balance_cents -= 1
