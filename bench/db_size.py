"""Database size per year at the national scale (docs/scale.md), from bytes per row
measured on a filled PostgreSQL database: the national-peak bench's (bench/locust/),
after its population and its run.

    .venv/bin/python bench/db_size.py [--url postgresql+psycopg://…/mentoring_locust] [--bookings 400]

It first books ``--bookings`` seats with the bench's vouchers (the bench books none, and a
booking's row and postings are a year's third biggest growth), then VACUUM ANALYZE, then
reads ``pg_total_relation_size`` (heap, TOAST, indexes) per table and divides by the rows:
index pages, updated rows' dead space and free space are in the figure, as in production.
A few hundred rows overstate bytes per row a little (an index's first pages are mostly
empty): the figures err high. Writes to the database it is given; never run it on one
that matters.

The year (assumptions in ASSUMPTIONS, stated again in docs/scale.md) multiplies rows per
student and per venue by bytes per row. Ledger postings come from what the run measured:
postings per door redemption, per booking, per voucher issued.
"""
import argparse
import os
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/mentoring_locust"
STUDENTS, VENUES = 8_000_000, 20_000
# Per student and year unless said otherwise; generous where unsure (docs/scale.md).
ASSUMPTIONS = {
    "vouchers_per_student": 2,  # two campaigns reach each student in a year
    "door_records_per_student": 15,  # 12 entries (one a month) + 3 refusals and re-scans
    "bookings_per_student": 6,  # half of the entries booked ahead (paid at booking, checked in at the door)
    "door_redemptions_per_student": 6,  # the other half paid at the door
    "scanners_per_venue": 2,
    "events_per_venue": 100,  # two a week
}

# Tables that grow with the year, and the business row each is counted in.
TABLES = ("voucher", "claim_code", "wallet", "ledger_account", "scan_record", "ledger_posting", "ledger_transfer",
          "booking", "rating", "event", "scanner_device", "idempotency_record", "login_session", "revocation_entry",
          "voucher_decision", "thanks", "used_wallet_challenge", "outbox_message", "job")


def book_seats(url: str, count: int) -> int:
    """Book up to ``count`` seats, one per voucher, at the bench's events (price 5 €)."""
    if count <= 0:
        return 0
    os.environ.setdefault("MENTORING_INSTANCE_PATH", str(ROOT / "instance"))
    from server import create_app
    from server.accounts.models import Wallet
    from server.bookings import api as bookings_api
    from server.catalogue.models import Event
    from server.errors import DomainError
    from server.extensions import db
    from server.vouchers.models import Voucher

    app = create_app({"DATABASE_URL": url, "LOG_JSON": False})
    booked = 0
    with app.app_context():
        events = list(db.session.scalars(sa.select(Event.id).order_by(Event.id)))
        vouchers = db.session.execute(sa.select(Voucher.id, Voucher.wallet_id).where(Voucher.wallet_id.is_not(None))
                                      .order_by(Voucher.id).limit(count)).all()
        now = datetime.now(timezone.utc)
        for number, (voucher_id, wallet_id) in enumerate(vouchers):
            try:
                bookings_api.book(wallet=db.session.get(Wallet, wallet_id), event_id=events[number % len(events)],
                                  voucher_id=voucher_id, request_id=uuid.uuid4().hex, now=now)
                db.session.commit()
                booked += 1
            except DomainError:  # a voucher the door run emptied, an event full: the next
                db.session.rollback()
        db.engine.dispose()
    return booked


def measure(url: str) -> dict:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
        tables = {}
        for table in TABLES:
            rows = connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
            total, indexes = connection.exec_driver_sql(
                f"SELECT pg_total_relation_size('\"{table}\"'), pg_indexes_size('\"{table}\"')").one()
            tables[table] = {"rows": rows, "bytes": total, "index_bytes": indexes,
                             "bytes_per_row": round(total / rows) if rows else None}
        postings_by_kind = dict(connection.exec_driver_sql(
            "SELECT t.kind, count(*) FROM ledger_posting p JOIN ledger_transfer t ON t.id = p.transfer_id"
            " GROUP BY t.kind").all())
        transfers_by_kind = dict(connection.exec_driver_sql(
            "SELECT kind, count(*) FROM ledger_transfer GROUP BY kind").all())
        redeemed = connection.exec_driver_sql("SELECT count(*) FROM scan_record WHERE outcome = 'redeemed'").scalar()
        database = connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
    engine.dispose()
    return {"tables": tables, "postings_by_kind": postings_by_kind, "transfers_by_kind": transfers_by_kind,
            "redeemed": redeemed, "database_bytes": database}


# Transfer kinds of money paid at the door (server/door/sync.py, typed.py).
DOOR_KINDS = ("redemption", "door")


def _kinds(by_kind: dict, *words) -> int:
    return sum(n for kind, n in by_kind.items() if any(word in kind for word in words))


def year(measured: dict) -> dict:
    """Rows and bytes in a year at 8 million students and 20,000 venues."""
    tables, postings, transfers = measured["tables"], measured["postings_by_kind"], measured["transfers_by_kind"]
    vouchers = max(tables["voucher"]["rows"], 1)
    bookings = max(tables["booking"]["rows"], 1)
    redeemed = max(measured["redeemed"], 1)
    door_postings, booking_postings = _kinds(postings, *DOOR_KINDS), _kinds(postings, "booking")
    door_transfers, booking_transfers = _kinds(transfers, *DOOR_KINDS), _kinds(transfers, "booking")
    ratios = {
        "postings_per_door_redemption": door_postings / redeemed,
        "postings_per_booking": booking_postings / bookings,
        # Top-up, allocation, claim: the money's way to a voucher, shared out per voucher.
        "postings_per_voucher_issued": (sum(postings.values()) - door_postings - booking_postings) / vouchers,
        "transfers_per_door_redemption": door_transfers / redeemed,
        "transfers_per_booking": booking_transfers / bookings,
        "transfers_per_voucher_issued": (sum(transfers.values()) - door_transfers - booking_transfers) / vouchers,
    }
    a = ASSUMPTIONS
    v, d, b = (STUDENTS * a["vouchers_per_student"], STUDENTS * a["door_records_per_student"],
               STUDENTS * a["bookings_per_student"])
    redemptions = STUDENTS * a["door_redemptions_per_student"]  # the door records that move money
    rows = {
        "voucher": v, "claim_code": v, "wallet": STUDENTS,
        "ledger_account": v,  # one per voucher; the organisations' and campaigns' few are nothing beside
        "scan_record": d,
        "ledger_posting": round(redemptions * ratios["postings_per_door_redemption"]
                                + b * ratios["postings_per_booking"] + v * ratios["postings_per_voucher_issued"]),
        "ledger_transfer": round(redemptions * ratios["transfers_per_door_redemption"]
                                 + b * ratios["transfers_per_booking"] + v * ratios["transfers_per_voucher_issued"]),
        "booking": b,
        "event": VENUES * a["events_per_venue"], "scanner_device": VENUES * a["scanners_per_venue"],
    }
    sizes = {table: rows[table] * (tables[table]["bytes_per_row"] or 0) for table in rows}
    return {"ratios": {k: round(x, 2) for k, x in ratios.items()}, "rows": rows, "bytes": sizes,
            "total_bytes": sum(sizes.values())}


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("MENTORING_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--bookings", type=int, default=400, help="seats to book first (0: none)")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        parser.error("PostgreSQL only: the sizes are PostgreSQL's")
    booked = book_seats(args.url, args.bookings)
    measured = measure(args.url)
    print(f"booked {booked} seats first; database {_gb(measured['database_bytes'])}"
          f" ({measured['database_bytes']:,} bytes)")
    print(f"{'table':22s} {'rows':>8s} {'bytes':>12s} {'of which indexes':>17s} {'bytes/row':>10s}")
    for table, row in measured["tables"].items():
        print(f"{table:22s} {row['rows']:8,d} {row['bytes']:12,d} {row['index_bytes']:17,d}"
              f" {row['bytes_per_row'] if row['bytes_per_row'] is not None else '-':>10}")
    print(f"transfers by kind {measured['transfers_by_kind']}; postings by kind {measured['postings_by_kind']};"
          f" door records redeemed {measured['redeemed']}")
    projected = year(measured)
    print(f"ratios: {projected['ratios']}")
    print(f"a year at {STUDENTS:,} students and {VENUES:,} venues ({ASSUMPTIONS}):")
    for table, rows in projected["rows"].items():
        print(f"  {table:20s} {rows:>14,d} rows  {_gb(projected['bytes'][table]):>10s}")
    print(f"  {'total':20s} {'':>14s}       {_gb(projected['total_bytes']):>10s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
