"""Redemption sync over HTTP: signed scanner records verified and committed per second
by gunicorn (2 workers), against the raw rate of the same signature checks measured in
this run. Target (DESIGN.md section 7): ratio >= 0.5.

    .venv/bin/python bench/sync_ingest.py [--db sqlite|postgresql|both] [--records 4000] ...

Each record carries three signatures the server re-checks: the scanner's (P-256), the
issuer's over the credential (Ed25519) and the wallet's over the presentation (P-256).
The raw baseline is exactly those checks with `cryptography` in one process, keys
loaded from their bytes as the server must. The last line is one JSON object.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_BENCH_DB = "mentoring_bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    import sqlalchemy as sa

    engine = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {PG_BENCH_DB}")
    engine.dispose()
    return f"{PG_SERVER}/{PG_BENCH_DB}"


def build_scenario(url: str, instance: Path, *, vouchers: int, scanners: int):
    """A funded campaign, `vouchers` claimed vouchers (each with its wallet key and
    credential), one venue with an event and `scanners` enrolled scanners."""
    os.environ["MENTORING_INSTANCE_PATH"] = str(instance)
    from server import create_app, keys
    from server.accounts import api as accounts_api
    from server.accounts.models import APPROVED, Wallet
    from server.campaigns import api as campaigns_api
    from server.catalogue import api as catalogue_api
    from server.extensions import db
    from server.payments import api as payments_api
    from server.door import bundle as scanners_bundle, enrolment as scanners_api
    from server.vouchers import api as vouchers_api
    from signing import DeviceKey, keystore, parse_unverified

    keystore.init(instance, now=int(time.time()) - 86_400)
    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      "SCANNER_SLOTS_PER_VENUE": scanners})
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.create_all()
        admin = accounts_api.create_user(email="admin@bench.it", password="bench-password", is_platform_admin=True)

        def organisation(kind, name, **extra):
            owner = accounts_api.create_user(email=f"{name}@bench.it", password="bench-password")
            made = accounts_api.register_organisation(owner=owner, kind=kind, name=name, municipality="Milano",
                                                      **extra)
            made.status = APPROVED
            return made, owner

        sponsor, _ = organisation("sponsor", "sponsor", vat_number="00743110157")
        school, _ = organisation("school", "school", school_code="MIIS00900T")
        venue, staff = organisation("venue", "venue", vat_number="00743110157", iban="IT60X0542811101000000123456")
        campaign = campaigns_api.create_campaign(
            sponsor=sponsor, name="Bench", face_value_cents=2_500, offline_allowance_cents=2_500,
            categories=["teatro"], valid_from=date.today() - timedelta(days=1),
            valid_until=date.today() + timedelta(days=60))
        topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=10_000_000)
        payments_api.confirm_topup(topup=topup, operator=admin, now=now)
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=vouchers,
                                           today=date.today())
        codes = vouchers_api.issue_codes(allocation=allocation, count=vouchers, secret=app.secret_key)
        holders = []
        for code in codes:
            device = DeviceKey.generate()
            wallet = Wallet(device_key=device.public_bytes)
            db.session.add(wallet)
            voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=date.today())
            text = vouchers_api.credential(voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(),
                                           now=now - timedelta(hours=2))
            holders.append((parse_unverified(text), device))
        event = catalogue_api.create_event(venue=venue, title="Amleto", category="teatro", kind="event",
                                           starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=1, hours=2),
                                           price_cents=500, capacity=500, now=now)
        scanner_keys = {}
        for number in range(scanners):
            device = DeviceKey.generate()
            scanner = scanners_api.enroll(venue=venue, user=staff, public_key_hex=device.public_bytes.hex(),
                                          label=f"Ingresso {number}", now=now - timedelta(days=1))
            scanners_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=now)
            scanner_keys[scanner.id] = device
        db.session.commit()
        issuer_public = keys.issuer_keyset().keys[-1].private_key.public_key()
        return app, holders, scanner_keys, event.id, issuer_public


def make_records(holders, scanner_keys, event_id, count):
    """Realistic offline records: each voucher spends 1 EUR at a time, a new presentation
    each time, its spends spread over the scanners, within the last hour; never beyond
    its balance nor a scanner's share of the allowance, so every record is a redemption."""
    from signing import present, record_scan, to_text

    now = int(time.time())
    scanner_ids = sorted(scanner_keys)
    batches: dict[int, list[str]] = {sid: [] for sid in scanner_ids}
    for index in range(count):
        credential, wallet = holders[index % len(holders)]
        visit = index // len(holders)
        scanner_id = scanner_ids[visit % len(scanner_ids)]
        scanned_at = now - 3_000 + 60 * visit + random.randint(0, 40)  # one time step per visit
        record = record_scan(scanner_keys[scanner_id], record_id=os.urandom(16), scanner_id=scanner_id,
                             scanned_at=scanned_at, event_id=event_id, amount_cents=100, result="accepted",
                             scanned_text=to_text(present(credential, wallet, now=scanned_at)))
        batches[scanner_id].append(to_text(record))
    return batches


def raw_rate(batches, scanner_keys, issuer_public) -> float:
    """Records per second for the three signature checks alone, one process."""
    from signing.tokens import SIGNATURE_LENGTH, read_unverified

    curve, ecdsa = ec.SECP256R1(), ec.ECDSA(hashes.SHA256())

    def der(signature):
        return encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))

    prepared = []
    for scanner_id, texts in batches.items():
        point = scanner_keys[scanner_id].public_bytes
        for text in texts:
            record, record_bytes = read_unverified(text)
            presentation, data = read_unverified(record.scanned_text)
            end = 2 + data[1]
            prepared.append((point, der(record.signature), record_bytes[:-SIGNATURE_LENGTH],
                             presentation.credential.signature, data[2:end - SIGNATURE_LENGTH],
                             presentation.credential.device_key, der(presentation.signature),
                             data[:-SIGNATURE_LENGTH]))
    started = time.perf_counter()
    for scanner_point, scanner_sig, record_body, issuer_sig, credential_body, device_point, device_sig, body in prepared:
        ec.EllipticCurvePublicKey.from_encoded_point(curve, scanner_point).verify(scanner_sig, record_body, ecdsa)
        issuer_public.verify(issuer_sig, credential_body)
        ec.EllipticCurvePublicKey.from_encoded_point(curve, device_point).verify(device_sig, body, ecdsa)
    return len(prepared) / (time.perf_counter() - started)


def serve(url: str, instance: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "MENTORING_DATABASE_URL": url, "MENTORING_INSTANCE_PATH": str(instance),
           "MENTORING_RATELIMIT_ENABLED": "false", "MENTORING_SCANNER_SLOTS_PER_VENUE": str(SCANNERS)}
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "server:create_app()"], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def send(port: int, batches, batch_size: int, clients: int) -> tuple[float, dict]:
    """Post every scanner's records in batches from `clients` threads; seconds taken and outcome counts."""
    work = [(sid, texts[i:i + batch_size]) for sid, texts in batches.items() for i in range(0, len(texts), batch_size)]
    random.shuffle(work)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def client():
        while True:
            with lock:
                if not work:
                    return
                scanner_id, records = work.pop()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/scanners/{scanner_id}/sync",
                                             data=json.dumps({"records": records}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=120) as response:
                results = json.load(response)["results"]
            with lock:
                for result in results:
                    outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, outcomes


SCANNERS = 8  # set from --scanners: the bench venue has a slot for each


def run(kind: str, args) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        instance = workdir / "instance"
        url = _fresh_database(kind, workdir)
        print(f"[{kind}] building {args.vouchers} vouchers, {args.scanners} scanners ...", flush=True)
        app, holders, scanner_keys, event_id, issuer_public = build_scenario(
            url, instance, vouchers=args.vouchers, scanners=args.scanners)
        batches = make_records(holders, scanner_keys, event_id, args.records)
        baseline = raw_rate(batches, scanner_keys, issuer_public)
        port = _free_port()
        server = serve(url, instance, port)
        try:
            seconds, outcomes = send(port, batches, args.batch, args.clients)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        from server.extensions import db
        from server.ledger import api as ledger_api
        from server.door.models import ScanRecord

        with app.app_context():
            stored = db.session.scalar(db.select(db.func.count()).select_from(ScanRecord))
            books = ledger_api.check_books()
            db.engine.dispose()
        rate = args.records / seconds
        figures = {"records": args.records, "seconds": round(seconds, 2), "records_per_s": round(rate),
                   "raw_checks_per_s": round(baseline), "ratio": round(rate / baseline, 3),
                   "outcomes": outcomes, "stored": stored, "books_balance": books == []}
        print(f"[{kind}] {rate:8.0f} records/s synced   raw checks {baseline:8.0f}/s   ratio {rate / baseline:.2f}"
              f" (target >= 0.5)   outcomes {outcomes}   books balance: {books == []}", flush=True)
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--records", type=int, default=4_000)
    parser.add_argument("--vouchers", type=int, default=400)
    parser.add_argument("--scanners", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    global SCANNERS
    SCANNERS = args.scanners
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    summary = {kind: run(kind, args) for kind in kinds}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
