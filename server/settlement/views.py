"""What the settlement routes answer: runs, payouts and holds with the venues' names,
each read in one query per kind rather than one per row."""
import sqlalchemy as sa

from server.extensions import db
from server.jobs.models import Job
from server.settlement import api as settlement_api
from server.settlement.models import Hold, Payout, PayoutLine, SettlementRun, SkippedVenue


def _day(run: SettlementRun):
    """The last day a run settled: its cut-off is the midnight after it, in Italy."""
    from datetime import timedelta

    return (run.cut_off.astimezone(settlement_api.ITALY) - timedelta(seconds=1)).date()


def run_summaries(runs: list[SettlementRun]) -> list[dict]:
    ids = [run.id for run in runs]
    totals, skipped, jobs = {}, {}, {}
    if ids:
        keys = {settlement_api.job_key(run_id): run_id for run_id in ids}
        jobs = {keys[key]: job_id for key, job_id in db.session.execute(
            sa.select(Job.key, Job.id).where(Job.key.in_(list(keys))))}
        totals = {run_id: (count, total) for run_id, count, total in db.session.execute(
            sa.select(Payout.run_id, sa.func.count(), sa.func.sum(Payout.amount_cents))
            .where(Payout.run_id.in_(ids)).group_by(Payout.run_id))}
        skipped = dict(db.session.execute(sa.select(SkippedVenue.run_id, sa.func.count())
                                          .where(SkippedVenue.run_id.in_(ids)).group_by(SkippedVenue.run_id)).all())
    return [_summary(run, *totals.get(run.id, (0, 0)), skipped.get(run.id, 0), jobs.get(run.id)) for run in runs]


def _summary(run: SettlementRun, payout_count: int, total, skipped_count: int, job_id: int | None) -> dict:
    fields = ("id", "cut_off", "status", "created_by", "created_at", "exported_at", "paid_at", "message_id",
              "pain_version")
    return {**{name: getattr(run, name) for name in fields}, "cut_off_day": _day(run),
            "payout_count": payout_count, "total_cents": int(total or 0), "skipped_count": skipped_count,
            "job_id": job_id}


def run_detail(run: SettlementRun) -> dict:
    (summary,) = run_summaries([run])
    payouts = list(db.session.scalars(sa.select(Payout).filter_by(run_id=run.id).order_by(Payout.id)))
    skipped = list(db.session.scalars(sa.select(SkippedVenue).filter_by(run_id=run.id).order_by(SkippedVenue.venue_id)))
    names = settlement_api.venue_names([p.venue_id for p in payouts] + [s.venue_id for s in skipped])
    counts = dict(db.session.execute(
        sa.select(PayoutLine.payout_id, sa.func.count()).join(Payout, Payout.id == PayoutLine.payout_id)
        .where(Payout.run_id == run.id).group_by(PayoutLine.payout_id)).all())
    return {**summary,
            "payouts": [payout(p, name=names.get(p.venue_id), line_count=counts.get(p.id, 0)) for p in payouts],
            "skipped": [{"venue_id": s.venue_id, "venue_name": names.get(s.venue_id), "reason": s.reason,
                         "amount_cents": s.amount_cents, "line_count": s.line_count} for s in skipped],
            "holds": holds(list(db.session.scalars(sa.select(Hold).filter_by(run_id=run.id).order_by(Hold.id))))}


def payout(found: Payout, *, with_lines: bool = False, name: str | None = None, line_count: int | None = None) -> dict:
    fields = ("id", "run_id", "venue_id", "amount_cents", "iban", "end_to_end_id", "remittance", "statement_number",
              "status", "paid_at", "booked_on", "bank_reference")
    shown = {field: getattr(found, field) for field in fields}
    shown["venue_name"] = name if name is not None else settlement_api.venue_names([found.venue_id]).get(found.venue_id)
    if with_lines:
        shown["lines"] = found.lines
        shown["line_count"] = len(found.lines)
    else:
        shown["line_count"] = line_count if line_count is not None else db.session.scalar(
            sa.select(sa.func.count()).select_from(PayoutLine).filter_by(payout_id=found.id))
    return shown


def holds(found: list[Hold]) -> list[dict]:
    names = settlement_api.venue_names(hold.venue_id for hold in found)
    fields = ("id", "kind", "source_id", "venue_id", "amount_cents", "reason", "run_id", "created_at", "released_at",
              "release_reason")
    return [{**{name: getattr(hold, name) for name in fields}, "venue_name": names.get(hold.venue_id)}
            for hold in found]
