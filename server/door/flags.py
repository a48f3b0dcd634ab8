"""What the operator should look at: overspends (named by the scan that crossed the
balance, with every redemption of that voucher, its state and the operator's decision on
it: server/recovery), rule-breaking scanners, double check-ins; and, not flagged, the
redemptions paid outside their campaign's territory because the scanner's bundle could
not name the campaign (door.rules.OUTSIDE_AREA_NOT_KNOWN): no scanner is at fault and
the venue is paid (a flag would hold its payout: server/settlement), but the sponsor's
money left its territory and the operator should know."""
import sqlalchemy as sa

from server.accounts.models import Organisation
from server.door import rules
from server.door.models import CHECKED_IN, REDEEMED, ScannerDevice, ScanRecord
from server.extensions import db
from server.recovery import api as recovery_api
from server.vouchers.models import Voucher

OVERSPEND, RULE_BROKEN, DOUBLE_CHECK_IN = "overspend", "rule_broken", "double_check_in"
OUTSIDE_AREA_PAID = "outside_area_paid"


def flagged_records(limit: int = 200) -> list[dict]:
    records = list(db.session.scalars(
        sa.select(ScanRecord).where(sa.or_(ScanRecord.flagged.is_(True),
                                           ScanRecord.outcome_code == rules.OUTSIDE_AREA_NOT_KNOWN))
        .order_by(ScanRecord.id.desc()).limit(limit)))
    overspent = sorted({r.voucher_id for r in records if r.crossed_balance})
    involved: dict[int, list[ScanRecord]] = {}
    if overspent:
        for row in db.session.scalars(sa.select(ScanRecord).where(
                ScanRecord.voucher_id.in_(overspent), ScanRecord.outcome == REDEEMED)
                .order_by(ScanRecord.scanned_at, ScanRecord.record_id)):
            involved.setdefault(row.voucher_id, []).append(row)
    everything = records + [row for rows in involved.values() for row in rows]
    venues = _names(Organisation, Organisation.name, {r.venue_id for r in everything})
    scanners = _names(ScannerDevice, ScannerDevice.label, {r.scanner_id for r in everything})

    def card(record: ScanRecord) -> dict:
        return {"record_id": record.record_id, "scanner_id": record.scanner_id,
                "scanner_label": scanners.get(record.scanner_id), "venue_id": record.venue_id,
                "venue_name": venues.get(record.venue_id), "scanned_at": record.scanned_at,
                "outcome": record.outcome, "outcome_code": record.outcome_code, "voucher_id": record.voucher_id,
                "ticket_id": record.ticket_id, "amount_cents": record.amount_cents,
                "overspend_cents": record.overspend_cents, "crossing": record.crossed_balance}

    # The operator's word on each overspent voucher, and where it stands now.
    decisions = recovery_api.decisions_for(overspent)
    statuses = dict(db.session.execute(sa.select(Voucher.id, Voucher.status).where(Voucher.id.in_(overspent))).all()) \
        if overspent else {}
    flags = []
    for record in records:
        flag = card(record)
        if record.crossed_balance:
            flag["kind"] = OVERSPEND
            flag["involved"] = [card(row) for row in involved.get(record.voucher_id, [])]
            flag["voucher_status"] = statuses.get(record.voucher_id)
            decision = decisions.get(record.voucher_id)
            flag["decision"] = ({"decision": decision.decision, "note": decision.note,
                                 "decided_at": decision.decided_at} if decision else None)
        elif not record.flagged:
            flag["kind"] = OUTSIDE_AREA_PAID
            flag["involved"] = []
        else:
            flag["kind"] = DOUBLE_CHECK_IN if record.outcome == CHECKED_IN else RULE_BROKEN
            flag["involved"] = []
        flags.append(flag)
    return flags


def _names(model, column, ids) -> dict:
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(model.id, column).where(model.id.in_(sorted(ids)))).all())
