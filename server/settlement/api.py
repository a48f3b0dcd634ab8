"""Settlement use cases. They flush, never commit: the request boundary commits.

A run closes a period: per venue, every payable line before the cut-off becomes one
payout, and the money moves venue_payable → payout_in_transit in one ledger transfer.
The pain.001 export sends it to the bank; the bank statement (or the operator) says it
left, and payout_in_transit → bank. README.md says why each step is safe to repeat.
"""
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from server import bulk
from server.accounts.models import APPROVED, Organisation
from server.extensions import db
from server.jobs.models import FAILED, Job
from server.ledger import api as ledger
from server.settlement import exceptions as exc
from server.settlement import lines, sepa
from server.settlement.models import (
    COMPUTING, EXPORTED, LINE_KINDS, NO_IBAN, OPEN, OPEN_ANOMALY, PAID, PENDING, VENUE_NOT_APPROVED, Hold, Payout,
    PayoutLine, SettlementRun, SkippedVenue)

log = logging.getLogger(__name__)
ITALY = ZoneInfo("Europe/Rome")
IN_TRANSIT = ("payout_in_transit", ledger.PLATFORM)


def cut_off_instant(day: date) -> datetime:
    """A cut-off day is paid in full: the run takes what happened before the next
    midnight in Italy."""
    return datetime.combine(day + timedelta(days=1), time(0), ITALY)


def run_settlement(*, cut_off: datetime, created_by: int | None, now: datetime) -> SettlementRun:
    """Close the period before ``cut_off`` at once: one payout per venue that can be
    paid, the others listed as skipped with the reason, open anomalies held back.
    Settling the same period again finds nothing left to pay. A big run is computed
    by a job instead (``start_run``, ``settle_next_venues``)."""
    _check_cut_off(cut_off, now)
    _take_turn(now)
    # The venues owed anything are locked too, so no sync credits them and no hold is
    # placed on their lines while the run reads them; the unique (kind, source)
    # constraint on payout lines is the last word if anything slipped past.
    owed = list(db.session.scalars(sa.select(ledger.Account.owner_id).where(
        ledger.Account.kind == "venue_payable", ledger.Account.balance_cents > 0)))
    accounts = ledger.lock_accounts([IN_TRANSIT] + [("venue_payable", venue_id) for venue_id in owed])
    run = SettlementRun(cut_off=cut_off, status=OPEN, created_by=created_by, created_at=now)
    db.session.add(run)
    db.session.flush()
    paid, skipped = _settle(run, accounts, idempotency_key=f"settlement-run:{run.id}", now=now, after_venue=None)
    if not paid:
        run.status, run.paid_at = PAID, now  # nothing to pay: nothing to export or wait for
    db.session.flush()
    db.session.expire(run, ["payouts", "skipped"])
    log.info("settlement run", extra={"run_id": run.id, "payouts": paid, "skipped": skipped})
    return run


def _check_cut_off(cut_off: datetime, now: datetime) -> None:
    if cut_off > now:
        raise exc.CutOffInFuture("La data di chiusura non può essere nel futuro.", field="cut_off")


def _take_turn(now: datetime) -> None:
    """Lock payout_in_transit, every run's lock (runs take turns on it, and every path
    of a run takes it before any venue's account: no two runs wait on each other), and
    refuse while a job computes another run. A run whose job failed is closed first
    with the venues it settled: the others stay payable for this one."""
    ledger.lock_accounts([IN_TRANSIT])
    current = db.session.scalar(sa.select(SettlementRun).filter_by(status=COMPUTING).with_for_update()
                                .execution_options(populate_existing=True))
    if current is None:
        return
    job_state = db.session.scalar(sa.select(Job.state).filter_by(key=job_key(current.id)))
    if job_state == FAILED:
        log.warning("settlement run closed after its job failed", extra={"run_id": current.id})
        finish_run(current, now=now)
        return
    raise exc.RunInProgress("Una liquidazione è già in corso: aspetta che finisca.", params={"run_id": current.id})


def _settle(run: SettlementRun, accounts: dict, *, idempotency_key: str, now: datetime,
            after_venue: int | None) -> tuple[int, int]:
    """Settle the venues whose payable accounts are in ``accounts`` (locked): hold their
    open anomalies, skip those that cannot be paid, pay the others in one ledger
    transfer. ``after_venue``: a job's chunk, the venues after that id (the run's
    earlier payouts are not this chunk's); None for a whole run. Returns (payouts
    made, venues skipped)."""
    # The balances the locks returned are the ones that count.
    owed = sorted(owner for (kind, owner), acc in accounts.items() if kind == "venue_payable" and acc.balance_cents > 0)
    _hold_open_anomalies(run, run.cut_off, owed, now)
    payable_venues, skipped = _payable_venues(owed)
    _record_skipped(run, run.cut_off, skipped)
    span = (after_venue, max(owed)) if after_venue is not None and owed else None
    these = _payouts_of(run, span)
    _make_payouts(run, run.cut_off, payable_venues, these, span)
    paid = []
    if payable_venues:
        paid = db.session.execute(sa.select(Payout.venue_id, Payout.amount_cents).where(these)).all()
    if paid:
        entries = [(accounts[("venue_payable", venue_id)], amount) for venue_id, amount in paid]
        ledger.post(idempotency_key=idempotency_key, kind="settlement",
                    entries=entries + [(accounts[IN_TRANSIT], -sum(amount for _, amount in paid))])
    return len(paid), len(skipped)


# --- a big run, computed by a job in chunks of venues (server/settlement/jobs.py) -----

JOB_KIND = "settlement.run"


def job_key(run_id: int) -> str:
    """The key of the job computing a run: one job per run, found from the run."""
    return f"{JOB_KIND}:{run_id}"


def owed_venue_count(*, after: int = 0) -> int:
    """How many venues are owed anything (with an id above ``after``): a run's size."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(ledger.Account).where(
        ledger.Account.kind == "venue_payable", ledger.Account.balance_cents > 0, ledger.Account.owner_id > after))


def start_run(*, cut_off: datetime, created_by: int | None, now: datetime) -> SettlementRun:
    """Record a run to be computed by a job: status ``computing`` until its last
    chunk, refused while another run is computing (the partial unique index
    ``uq_settlement_run_computing`` backs the check)."""
    _check_cut_off(cut_off, now)
    _take_turn(now)
    run = SettlementRun(cut_off=cut_off, status=COMPUTING, venue_cursor=0, created_by=created_by, created_at=now)
    db.session.add(run)
    db.session.flush()
    return run


def settle_next_venues(run_id: int, *, limit: int, now: datetime) -> int:
    """One chunk of a computing run: the next ``limit`` venues owed anything (by id,
    after the run's cursor) are settled and the cursor moves past them, in the
    caller's transaction (the job commits it with its checkpoint). Their money moves
    in one transfer per chunk, keyed by the run and the cursor it started from.
    Returns how many venues it took: 0 when none is left (nothing was changed)."""
    ledger.lock_accounts([IN_TRANSIT])  # every run's lock first, as in _take_turn
    run = get_run(run_id, for_update=True)
    if run.status != COMPUTING:
        return 0
    venues = list(db.session.scalars(
        sa.select(ledger.Account.owner_id).where(ledger.Account.kind == "venue_payable",
                                                 ledger.Account.balance_cents > 0,
                                                 ledger.Account.owner_id > run.venue_cursor)
        .order_by(ledger.Account.owner_id).limit(limit)))
    if not venues:
        return 0
    accounts = ledger.lock_accounts([IN_TRANSIT] + [("venue_payable", venue_id) for venue_id in venues])
    paid, skipped = _settle(run, accounts, idempotency_key=f"settlement-run:{run.id}:after-venue:{run.venue_cursor}",
                            now=now, after_venue=run.venue_cursor)
    run.venue_cursor = venues[-1]
    db.session.flush()
    log.info("settlement run chunk", extra={"run_id": run.id, "venues": len(venues), "payouts": paid,
                                            "skipped": skipped, "cursor": run.venue_cursor})
    return len(venues)


def finish_run(run: SettlementRun, *, now: datetime) -> SettlementRun:
    """A computing run is complete (or its job gave up: it keeps the venues it settled):
    open with its payouts, or paid if it has none."""
    if run.status != COMPUTING:
        return run
    if db.session.scalar(sa.select(Payout.id).filter_by(run_id=run.id).limit(1)) is None:
        run.status, run.paid_at = PAID, now
    else:
        run.status = OPEN
    db.session.flush()
    db.session.expire(run, ["payouts", "skipped"])
    log.info("settlement run computed", extra={"run_id": run.id, "status": run.status})
    return run


def _hold_open_anomalies(run: SettlementRun, cut_off: datetime, venue_ids: list[int], now: datetime) -> None:
    if not venue_ids:
        return
    flagged = lines.open_anomalies(cut_off).where(bulk.any_of(lines.ScanRecord.venue_id, venue_ids)).subquery()
    db.session.execute(sa.insert(Hold).from_select(
        ["kind", "source_id", "venue_id", "amount_cents", "reason", "run_id", "created_at"],
        sa.select(flagged.c.kind, flagged.c.source_id, flagged.c.venue_id, flagged.c.amount_cents,
                  sa.literal(OPEN_ANOMALY), sa.literal(run.id), sa.literal(now, lines.ScanRecord.synced_at.type))))


def _payable_venues(owed: list[int]) -> tuple[dict[int, str], dict[int, str]]:
    """Venues the run may pay, with their IBAN; the others, with the reason why not.
    The iban column holds only an IBAN the operator approved (server/accounts)."""
    payable, skipped = {}, {}
    if not owed:
        return payable, skipped
    for venue_id, status, iban in db.session.execute(sa.select(Organisation.id, Organisation.status, Organisation.iban)
                                                     .where(bulk.any_of(Organisation.id, owed))):
        if status != APPROVED:
            skipped[venue_id] = VENUE_NOT_APPROVED
        elif not iban:
            skipped[venue_id] = NO_IBAN
        else:
            payable[venue_id] = iban
    return payable, skipped


def _record_skipped(run: SettlementRun, cut_off: datetime, skipped: dict[int, str]) -> None:
    if not skipped:
        return
    payable = lines.payable(cut_off)
    owed = db.session.execute(
        sa.select(payable.c.venue_id, sa.func.sum(payable.c.amount_cents), sa.func.count())
        .where(bulk.any_of(payable.c.venue_id, sorted(skipped))).group_by(payable.c.venue_id)).all()
    bulk.insert(SkippedVenue.__table__, [
        {"run_id": run.id, "venue_id": venue_id, "reason": skipped[venue_id], "amount_cents": int(amount),
         "line_count": count} for venue_id, amount, count in owed])


def _payouts_of(run: SettlementRun, span: tuple[int, int] | None) -> sa.ColumnElement:
    """The payouts this call of ``_settle`` makes: the run's, or a chunk's as a range of
    venue ids (after, up to]: a chunk's venues are consecutive among those owed, and a
    range reads by index where ``= ANY(ids)`` would compare every id per row."""
    if span is None:
        return Payout.run_id == run.id
    return sa.and_(Payout.run_id == run.id, Payout.venue_id > span[0], Payout.venue_id <= span[1])


def _make_payouts(run: SettlementRun, cut_off: datetime, venues: dict[int, str], these: sa.ColumnElement,
                  span: tuple[int, int] | None) -> None:
    """Payouts for every payable venue, then their lines in one INSERT ... SELECT; each
    payout's amount is the sum of the lines it got, and a venue that got none has none.
    Only ``these`` payouts are touched: a job's earlier chunks stay as they are."""
    if not venues:
        return
    bulk.insert(Payout.__table__, [
        # Placeholders, unique per run and venue, until the ids are known.
        {"run_id": run.id, "venue_id": venue_id, "amount_cents": 0, "iban": iban, "status": PENDING,
         "end_to_end_id": f"run{run.id}-venue{venue_id}", "remittance": ""}
        for venue_id, iban in sorted(venues.items())])
    if db.session.get_bind().dialect.name == "postgresql":
        # Row estimates for the payouts just written: without them the planner takes the
        # new run's payouts for one row and rescans every payable line per venue.
        db.session.execute(sa.text("ANALYZE payout"))
    payable = lines.payable(cut_off, span)
    db.session.execute(sa.insert(PayoutLine).from_select(
        ["payout_id", "kind", "source_id", "occurred_at", "label", "amount_cents"],
        sa.select(Payout.id, payable.c.kind, payable.c.source_id, payable.c.occurred_at, payable.c.label,
                  payable.c.amount_cents)
        .join(Payout, sa.and_(Payout.venue_id == payable.c.venue_id, these))))
    total = (sa.select(sa.func.sum(PayoutLine.amount_cents)).where(PayoutLine.payout_id == Payout.id)
             .scalar_subquery())
    payout_id = sa.cast(Payout.id, sa.String)
    db.session.execute(sa.update(Payout).where(these).values(
        amount_cents=sa.func.coalesce(total, 0),
        end_to_end_id=f"MENT-{run.id}-" + payout_id,
        remittance=f"Mentoring pagamento {run.id} estratto P-" + payout_id,
    ).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(Payout).where(these, Payout.amount_cents == 0)
                       .execution_options(synchronize_session=False))


def list_runs(limit: int = 100) -> list[SettlementRun]:
    return list(db.session.scalars(sa.select(SettlementRun).order_by(SettlementRun.id.desc()).limit(limit)))


def get_run(run_id: int, *, for_update: bool = False) -> SettlementRun:
    query = sa.select(SettlementRun).filter_by(id=run_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    run = db.session.scalar(query)
    if run is None:
        raise exc.RunNotFound("Liquidazione non trovata.")
    return run


def venue_names(venue_ids) -> dict[int, str]:
    ids = sorted(set(venue_ids))
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Organisation.id, Organisation.name)
                                   .where(bulk.any_of(Organisation.id, ids))).all())


def export_pain(run: SettlementRun, *, now: datetime) -> bytes:
    """The run's pain.001. The first export builds and keeps it and marks the run and
    its payouts exported; every later one returns the same bytes (same MsgId: a bank
    given it twice refuses the second)."""
    run = get_run(run.id, for_update=True)  # two downloads at once build one file
    _refuse_computing(run)
    if run.pain_xml is not None:
        return run.pain_xml
    payouts = list(db.session.scalars(sa.select(Payout).filter_by(run_id=run.id).order_by(Payout.id)))
    if not payouts:
        raise exc.NothingToExport("Questa liquidazione non ha pagamenti da esportare.")
    config = current_app.config
    version = config.get("SEPA_PAIN_VERSION") or sepa.DEFAULT_VERSION
    names = venue_names(p.venue_id for p in payouts)
    run.pain_xml = sepa.credit_transfers(
        run_id=run.id, version=version, now=now,
        debtor={"name": config["PLATFORM_NAME"], "iban": config["PLATFORM_IBAN"], "bic": config.get("PLATFORM_BIC")},
        payments=[{"name": names[p.venue_id], "iban": p.iban, "amount_cents": p.amount_cents,
                   "remittance": p.remittance, "end_to_end_id": p.end_to_end_id} for p in payouts])
    run.pain_version, run.message_id, run.exported_at = version, sepa.message_id(run.id), now
    if run.status == OPEN:
        run.status = EXPORTED
    db.session.execute(sa.update(Payout).where(Payout.run_id == run.id, Payout.status == PENDING)
                       .values(status=EXPORTED).execution_options(synchronize_session=False))
    db.session.flush()
    for payout in payouts:
        db.session.expire(payout, ["status"])
    return run.pain_xml


def _refuse_computing(run: SettlementRun) -> None:
    if run.status == COMPUTING:
        raise exc.RunComputing("La liquidazione è ancora in calcolo: aspetta che finisca.",
                               params={"run_id": run.id})


def find_payout_by_end_to_end_id(end_to_end_id: str) -> Payout | None:
    """The payout a bank statement entry names by its EndToEndId, if any."""
    return db.session.scalar(sa.select(Payout).filter_by(end_to_end_id=end_to_end_id))


def get_payout(payout_id: int) -> Payout:
    """A payout with its lines (PayoutNotFound otherwise)."""
    found = db.session.scalar(sa.select(Payout).filter_by(id=payout_id).options(selectinload(Payout.lines)))
    if found is None:
        raise exc.PayoutNotFound("Pagamento non trovato.")
    return found


def payouts_of_venue(venue_id: int) -> list[Payout]:
    """A venue's payouts, newest first."""
    return list(db.session.scalars(sa.select(Payout).filter_by(venue_id=venue_id).order_by(Payout.id.desc())))


def mark_payout_paid(payout: Payout, *, booked_on: date, bank_reference: str | None, now: datetime) -> Payout:
    """The bank paid it: payout_in_transit → bank. Idempotent (a statement imported
    twice, or the operator confirming what the statement already did, moves nothing
    more); the run is paid with its last payout. Only an exported payout can be paid.

    payout_in_transit is locked first, before the payout's row: a run's confirmation
    holding its first payout and another payout's own confirmation would otherwise each
    wait for what the other holds (a deadlock). A caller that locks ``bank`` before
    paying (a statement import confirming top-ups) takes payout_in_transit first too."""
    lock_payouts_paid()
    payout = db.session.scalar(sa.select(Payout).filter_by(id=payout.id).with_for_update()
                               .execution_options(populate_existing=True))
    if payout.status == PAID:
        return payout
    if payout.status != EXPORTED:
        raise exc.NotExported("Il pagamento non è ancora stato esportato nel file per la banca.")
    accounts = ledger.lock_accounts([IN_TRANSIT, ("bank", ledger.PLATFORM)])
    ledger.post(idempotency_key=f"payout-paid:{payout.id}", kind="payout_paid",
                entries=[(accounts[IN_TRANSIT], payout.amount_cents),
                         (accounts[("bank", ledger.PLATFORM)], -payout.amount_cents)])
    payout.status, payout.paid_at, payout.booked_on = PAID, now, booked_on
    payout.bank_reference = bank_reference
    db.session.flush()
    unpaid = db.session.scalar(sa.select(sa.func.count()).select_from(Payout)
                               .where(Payout.run_id == payout.run_id, Payout.status != PAID))
    if not unpaid:
        run = get_run(payout.run_id, for_update=True)
        if run.status != PAID:
            run.status, run.paid_at = PAID, now
    db.session.flush()
    log.info("payout paid", extra={"payout_id": payout.id, "run_id": payout.run_id})
    return payout


def lock_payouts_paid() -> None:
    """The turn of whoever marks payouts paid (and of runs, which take it too): every
    path takes payout_in_transit before any payout's row or the bank's account."""
    ledger.lock_accounts([IN_TRANSIT])


def confirm_run_paid(run: SettlementRun, *, booked_on: date, bank_reference: str | None,
                     now: datetime) -> SettlementRun:
    """The operator saw the whole file leave the bank: every payout not yet paid is."""
    lock_payouts_paid()
    run = get_run(run.id, for_update=True)  # its status as it is now, not as first read
    _refuse_computing(run)
    if run.status == OPEN:
        raise exc.NotExported("La liquidazione non è ancora stata esportata nel file per la banca.")
    for payout in db.session.scalars(sa.select(Payout).filter_by(run_id=run.id).order_by(Payout.id)).all():
        mark_payout_paid(payout, booked_on=booked_on, bank_reference=bank_reference, now=now)
    db.session.refresh(run)
    return run


def hold_line(*, kind: str, source_id: int, reason: str, by: int, now: datetime) -> Hold:
    """Keep one unpaid line out of runs until released."""
    if kind not in LINE_KINDS:
        raise exc.LineNotFound("Riga non trovata.", field="kind")
    line = lines.one(kind, source_id)
    if line is None:
        raise exc.LineNotFound("Nessuna riga da pagare con questo numero.", field="source_id")
    ledger.lock_accounts([("venue_payable", line.venue_id)])  # a run at that venue finishes first
    if lines.one(kind, source_id) is None:  # ... and may have paid it
        raise exc.LineNotFound("Nessuna riga da pagare con questo numero.", field="source_id")
    if _active_hold(kind, source_id) is not None:
        raise exc.LineAlreadyHeld("Questa riga è già trattenuta.")
    hold = Hold(kind=kind, source_id=source_id, venue_id=line.venue_id, amount_cents=line.amount_cents,
                reason=reason, created_by=by, created_at=now)
    db.session.add(hold)
    db.session.flush()
    return hold


def release_hold(*, hold_id: int, reason: str, by: int, now: datetime) -> Hold:
    """Let a held line into the next run (a flagged scan too: the release is the
    operator's word on the anomaly)."""
    hold = db.session.scalar(sa.select(Hold).filter_by(id=hold_id).with_for_update()
                             .execution_options(populate_existing=True))
    if hold is None:
        raise exc.HoldNotFound("Trattenuta non trovata.")
    if hold.released_at is not None:
        raise exc.HoldAlreadyReleased("Questa trattenuta è già stata rilasciata.")
    hold.released_at, hold.released_by, hold.release_reason = now, by, reason
    db.session.flush()
    return hold


def holds(*, active: bool = True, limit: int = 500) -> list[Hold]:
    query = sa.select(Hold).order_by(Hold.id.desc()).limit(limit)
    if active:
        query = query.where(Hold.released_at.is_(None))
    return list(db.session.scalars(query))


def unpaid_lines(venue_id: int, limit: int = 500) -> list[dict]:
    """A venue's lines no payout has yet, newest first, each with its active hold if any."""
    found = sa.union_all(lines.redemptions().where(lines.ScanRecord.venue_id == venue_id),
                         lines.bookings().where(lines.Event.venue_id == venue_id)).subquery()
    rows = db.session.execute(sa.select(found, Hold.id.label("hold_id")).outerjoin(Hold, sa.and_(
        Hold.kind == found.c.kind, Hold.source_id == found.c.source_id, Hold.released_at.is_(None)))
        .order_by(found.c.occurred_at.desc(), found.c.source_id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def _active_hold(kind: str, source_id: int) -> Hold | None:
    return db.session.scalar(sa.select(Hold).filter_by(kind=kind, source_id=source_id, released_at=None))

