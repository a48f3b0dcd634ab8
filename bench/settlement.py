"""A settlement run at national scale: 1,000,000 door redemptions at 10,000 venues
settled in one run on PostgreSQL. Target (DESIGN.md section 7): at least half the rate
of a bulk insert (COPY) of the same payout_line rows, measured in the same run.

    .venv/bin/python bench/settlement.py [--redemptions 1000000] [--venues 10000] [--url URL]

URL: --url, else MENTORING_BENCH_DATABASE_URL, else the local `test` database (the one the suite uses). The
bench drops and recreates every table in that database. The data set is written with
bulk inserts (server/bulk.py); about one redemption in a thousand is flagged, so the run also
holds lines back. The run is the real use case (`settlement_api.run_settlement`), timed
from its start to the commit. The last line is one JSON object.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
IBAN = "IT60X0542811101000000123456"
FLAG_EVERY = 1_009  # prime: the flags fall on every venue, not all on the same ten


def _amount(n: int) -> int:
    return 500 + (n % 10) * 100  # 5 to 14 EUR; every venue's 10-line cycles sum alike


def build(db, models, *, redemptions: int, venues: int, now: datetime) -> int:
    """Venues with a scanner each, their redemptions, and the money in their
    venue_payable accounts (bank → sponsor → venue_payable). What they are owed, in cents."""
    from server import bulk
    from server.accounts.models import User
    from server.ledger import api as ledger

    Organisation, ScannerDevice, ScanRecord = models
    user = User(email="operatore@bench.it", password_hash="x", is_platform_admin=True)
    db.session.add(user)
    db.session.flush()
    venue_ids = bulk.insert_returning_ids(Organisation.__table__, [
        {"kind": "venue", "name": f"Teatro {n}", "status": "approved", "vat_number": "00743110157", "iban": IBAN,
         "municipality_code": "015146", "category_mask": 1, "created_at": now} for n in range(venues)])
    scanner_ids = bulk.insert_returning_ids(ScannerDevice.__table__, [
        {"venue_id": venue_id, "enrolled_by": user.id, "public_key": os.urandom(33), "label": "Ingresso",
         "status": "active", "slot": 1, "allowance_share_bp": 10_000, "created_at": now} for venue_id in venue_ids])
    per_venue = redemptions // venues
    owed = sum(_amount(n) for n in range(per_venue))
    start = now - timedelta(days=10)
    step = 10 * 86_400 / redemptions
    page = 200_000
    for first in range(0, per_venue * venues, page):
        rows = []
        for n in range(first, min(first + page, per_venue * venues)):
            venue = n % venues
            at = start + timedelta(seconds=n * step)
            rows.append({"record_id": f"{n:032x}", "scanner_id": scanner_ids[venue], "venue_id": venue_ids[venue],
                         "scanned_at": at, "synced_at": at, "category_code": 0, "amount_cents": _amount(n // venues),
                         "scanner_result": "accepted", "outcome": "redeemed", "overspend_cents": 0,
                         "crossed_balance": False, "flagged": n % FLAG_EVERY == FLAG_EVERY - 1})
        bulk.insert(ScanRecord.__table__, rows)
    total = owed * venues
    bank, sponsor = ledger.account("bank"), ledger.account("sponsor", 1)
    ledger.post(idempotency_key="bench:topup", kind="topup", entries=[(bank, total), (sponsor, -total)])
    ledger.fund_new_accounts(idempotency_key="bench:venues", kind="bench", source=sponsor, new_kind="venue_payable",
                             owner_ids=venue_ids, amount_each=owed)
    db.session.commit()
    return total


def baseline_rows_per_s(db, *, venues: int, now: datetime) -> tuple[float, int]:
    """COPY of the payout_line rows a run would write (same count, same columns), into
    payouts of a throwaway run; rolled back. Rows are built before the clock starts."""
    import sqlalchemy as sa

    from server import bulk
    from server.door.models import ScanRecord
    from server.settlement.models import Payout, PayoutLine, SettlementRun

    run = SettlementRun(cut_off=now, status="open", created_at=now)
    db.session.add(run)
    db.session.flush()
    venue_ids = list(db.session.scalars(sa.select(ScanRecord.venue_id).distinct().order_by(ScanRecord.venue_id)))
    payout_ids = bulk.insert_returning_ids(Payout.__table__, [
        {"run_id": run.id, "venue_id": v, "amount_cents": 0, "iban": IBAN, "status": "pending",
         "end_to_end_id": f"base-{v}", "remittance": ""} for v in venue_ids])
    by_venue = dict(zip(venue_ids, payout_ids))
    rows = [{"payout_id": by_venue[venue_id], "kind": "redemption", "source_id": source_id, "occurred_at": at,
             "label": "Teatro", "amount_cents": amount}
            for source_id, venue_id, at, amount in db.session.execute(sa.select(
                ScanRecord.id, ScanRecord.venue_id, ScanRecord.scanned_at, ScanRecord.amount_cents)
                .where(ScanRecord.flagged.is_(False)))]
    started = time.perf_counter()
    bulk.insert(PayoutLine.__table__, rows)
    db.session.flush()
    seconds = time.perf_counter() - started
    db.session.rollback()
    return len(rows) / seconds, len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redemptions", type=int, default=1_000_000)
    parser.add_argument("--venues", type=int, default=10_000)
    parser.add_argument("--url", default=os.environ.get("MENTORING_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        os.environ["MENTORING_INSTANCE_PATH"] = str(Path(workdir) / "instance")
        from server import create_app
        from server.accounts.models import Organisation
        from server.door.models import ScannerDevice, ScanRecord
        from server.extensions import db
        from server.ledger import api as ledger
        from server.settlement import api as settlement_api
        from server.settlement.models import Hold, Payout, PayoutLine

        app = create_app({"DATABASE_URL": args.url})
        now = datetime.now(timezone.utc)
        with app.app_context():
            db.drop_all()
            db.create_all()
            print(f"building {args.redemptions:,} redemptions at {args.venues:,} venues ...", flush=True)
            started = time.perf_counter()
            owed = build(db, (Organisation, ScannerDevice, ScanRecord), redemptions=args.redemptions,
                         venues=args.venues, now=now)
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)

            baseline, rows = baseline_rows_per_s(db, venues=args.venues, now=now)
            print(f"baseline: COPY of {rows:,} payout_line rows at {baseline:,.0f} rows/s", flush=True)

            started = time.perf_counter()
            run = settlement_api.run_settlement(cut_off=now - timedelta(seconds=1), created_by=None, now=now)
            db.session.commit()
            seconds = time.perf_counter() - started
            lines = db.session.scalar(db.select(db.func.count()).select_from(PayoutLine))
            payouts = db.session.scalar(db.select(db.func.count()).select_from(Payout).filter_by(run_id=run.id))
            paid = db.session.scalar(db.select(db.func.sum(Payout.amount_cents)))
            held = db.session.scalar(db.select(db.func.count()).select_from(Hold))
            in_transit = ledger.account("payout_in_transit").balance_cents
            books = ledger.check_books()
            db.session.commit()
            rate = lines / seconds
            figures = {"redemptions": args.redemptions, "venues": args.venues, "run_seconds": round(seconds, 2),
                       "lines": lines, "lines_per_s": round(rate), "payouts": payouts, "held": held,
                       "baseline_copy_rows_per_s": round(baseline), "ratio": round(rate / baseline, 3),
                       "paid_cents": int(paid or 0), "owed_cents": owed, "in_transit_cents": in_transit,
                       "books_balance": books == [], "target_met": rate / baseline >= 0.5}
            print(f"settlement run: {lines:,} lines in {payouts:,} payouts ({held:,} held) in {seconds:.2f} s = "
                  f"{rate:,.0f} lines/s; bulk insert {baseline:,.0f} rows/s; ratio {rate / baseline:.2f} "
                  f"(target >= 0.5); books balance: {books == []}", flush=True)
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
