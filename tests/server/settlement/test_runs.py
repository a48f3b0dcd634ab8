"""A run pays each venue what it is owed, once; holds and skips keep lines payable."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from server.accounts.models import Organisation
from server.door.models import ScanRecord
from server.extensions import db
from server.settlement import api as settlement
from server.settlement import cli as settlement_cli
from server.settlement import exceptions as exc
from server.settlement.models import Hold, PayoutLine, SettlementRun
from tests.server.settlement.helpers import balance, give_ibans, payouts, run


def test_a_run_pays_each_venue_its_redemptions_and_moves_the_money_in_transit(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700), door.record(a, at=now - 500, amount=500))
    door.sync(door.away, door.record(door.away, at=now - 400, amount=300))
    run_id = run(door.app)
    got = payouts(door.app, run_id)
    assert {venue: amount for venue, (amount, _) in got.items()} == {door.venue_id: 1_200, door.away_venue_id: 300}
    assert sorted(line[2] for line in got[door.venue_id][1]) == [500, 700]
    assert balance(door.app, "venue_payable", door.venue_id) == 0
    assert balance(door.app, "venue_payable", door.away_venue_id) == 0
    assert balance(door.app, "payout_in_transit") == 1_500
    with door.app.app_context():
        made = settlement.get_run(run_id)
        assert made.status == "open"
        payout = made.payouts[0]
        assert payout.end_to_end_id == f"MENT-{run_id}-{payout.id}"
        assert payout.remittance == f"Mentoring pagamento {run_id} estratto P-{payout.id}"
        assert payout.iban in ("IT60X0542811101000000123456", "DE89370400440532013000")


def test_settling_the_same_period_twice_pays_nothing_twice(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600))
    first = run(door.app)
    second = run(door.app)
    assert payouts(door.app, first)[door.venue_id][0] == 1_200
    assert payouts(door.app, second) == {}
    assert balance(door.app, "payout_in_transit") == 1_200
    with door.app.app_context():
        assert settlement.get_run(second).status == "paid"  # nothing to pay, nothing to wait for
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PayoutLine)) == 1


def test_a_line_after_the_cut_off_waits_for_the_next_run(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 7_200, amount=400), door.record(a, at=now - 600, amount=600))
    cut = datetime.fromtimestamp(now - 1_800, timezone.utc)
    first = run(door.app, cut_off=cut)
    assert payouts(door.app, first)[door.venue_id][0] == 400
    assert balance(door.app, "venue_payable", door.venue_id) == 600
    second = run(door.app)
    assert payouts(door.app, second)[door.venue_id][0] == 600


def test_a_late_synced_redemption_before_an_old_cut_off_is_paid_by_the_next_run(door, now):
    give_ibans(door)
    a, b = door.scanners
    cut = datetime.fromtimestamp(now - 600, timezone.utc)
    door.sync(a, door.record(a, at=now - 10_200, amount=400))
    first = run(door.app, cut_off=cut)
    door.sync(b, door.record(b, at=now - 1800, amount=300))  # scanned before the cut-off, synced after the run
    second = run(door.app, cut_off=cut)
    assert payouts(door.app, first)[door.venue_id][0] == 400
    assert payouts(door.app, second)[door.venue_id][0] == 300


def test_a_cut_off_in_the_future_is_refused(app):
    now = datetime.now(timezone.utc)
    with app.app_context():
        try:
            settlement.run_settlement(cut_off=now + timedelta(hours=1), created_by=None, now=now)
        except exc.CutOffInFuture as error:
            assert error.code == "settlement_cut_off_in_future"
        else:
            raise AssertionError("a cut-off in the future was accepted")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SettlementRun)) == 0


def test_a_venue_without_an_approved_iban_is_skipped_and_its_lines_stay_payable(door, now):
    give_ibans(door)
    with door.app.app_context():
        db.session.get(Organisation, door.away_venue_id).iban = None
        db.session.commit()
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=500))
    door.sync(door.away, door.record(door.away, at=now - 400, amount=300))
    first = run(door.app)
    assert set(payouts(door.app, first)) == {door.venue_id}
    with door.app.app_context():
        (skip,) = settlement.get_run(first).skipped
        assert (skip.venue_id, skip.reason, skip.amount_cents, skip.line_count) == (door.away_venue_id, "no_iban", 300, 1)
        db.session.get(Organisation, door.away_venue_id).iban = "DE89370400440532013000"
        db.session.commit()
    assert balance(door.app, "venue_payable", door.away_venue_id) == 300
    second = run(door.app)
    assert payouts(door.app, second)[door.away_venue_id][0] == 300


def test_a_venue_no_longer_approved_is_skipped(door, now):
    give_ibans(door)
    with door.app.app_context():
        db.session.get(Organisation, door.venue_id).status = "rejected"
        db.session.commit()
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=500))
    first = run(door.app)
    with door.app.app_context():
        assert [(s.venue_id, s.reason) for s in settlement.get_run(first).skipped] == [
            (door.venue_id, "venue_not_approved")]
    assert payouts(door.app, first) == {}


def test_a_flagged_redemption_is_held_until_released_then_paid(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700), door.record(a, at=now - 500, amount=500))
    with door.app.app_context():
        flagged = db.session.scalar(sa.select(ScanRecord).order_by(ScanRecord.scanned_at))
        flagged.flagged = True
        flagged_id = flagged.id
        db.session.commit()
    first = run(door.app)
    assert payouts(door.app, first)[door.venue_id][0] == 500
    with door.app.app_context():
        (hold,) = settlement.holds()
        assert (hold.kind, hold.source_id, hold.reason, hold.run_id) == ("redemption", flagged_id, "open_anomaly", first)
        hold_id = hold.id
    again = run(door.app)  # still held: not paid, not held twice
    assert payouts(door.app, again) == {}
    with door.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Hold)) == 1
        settlement.release_hold(hold_id=hold_id, reason="verificato con il teatro", by=None,
                                now=datetime.now(timezone.utc))
        db.session.commit()
    third = run(door.app)
    assert payouts(door.app, third)[door.venue_id] == (700, [("redemption", flagged_id, 700)])
    assert balance(door.app, "venue_payable", door.venue_id) == 0


def test_the_operator_holds_a_line_and_a_paid_line_cannot_be_held(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    door.sync(door.away, door.record(door.away, at=now - 400, amount=300))
    with door.app.app_context():
        ids = dict(db.session.execute(sa.select(ScanRecord.venue_id, ScanRecord.id)).all())
        settlement.hold_line(kind="redemption", source_id=ids[door.venue_id], reason="contestata", by=None,
                             now=datetime.now(timezone.utc))
        db.session.commit()
        try:
            settlement.hold_line(kind="redemption", source_id=ids[door.venue_id], reason="di nuovo", by=None,
                                 now=datetime.now(timezone.utc))
        except exc.LineAlreadyHeld:
            db.session.rollback()
        else:
            raise AssertionError("held twice")
    first = run(door.app)
    assert set(payouts(door.app, first)) == {door.away_venue_id}
    with door.app.app_context():
        try:
            settlement.hold_line(kind="redemption", source_id=ids[door.away_venue_id], reason="tardi", by=None,
                                 now=datetime.now(timezone.utc))
        except exc.LineNotFound:
            pass
        else:
            raise AssertionError("a paid line was held")


def test_the_scheduled_command_runs_a_settlement_and_a_second_one_pays_nothing(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    with door.app.app_context():
        db.session.execute(sa.update(ScanRecord).values(scanned_at=datetime.now(timezone.utc) - timedelta(days=2)))
        db.session.commit()
    runner = door.app.test_cli_runner()
    yesterday = (datetime.now(timezone.utc).date() - timedelta(days=1)).isoformat()
    first = runner.invoke(settlement_cli.settlement, ["run", "--cut-off", yesterday])
    assert first.exit_code == 0, first.output
    assert "1 payouts, 7.00 EUR" in first.output
    second = runner.invoke(settlement_cli.settlement, ["run", "--cut-off", yesterday])
    assert "0 payouts, 0.00 EUR" in second.output and "status paid" in second.output
    future = runner.invoke(settlement_cli.settlement, ["run", "--cut-off", "2999-01-01"])
    assert future.exit_code != 0 and "futuro" in future.output
    assert balance(door.app, "payout_in_transit") == 700
