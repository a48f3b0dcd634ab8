"""API reads under load: the wallet's and the catalogue's GETs at a fixed arrival rate
against gunicorn (2 workers). Target (DESIGN.md section 7): p99 under 100 ms at
300 requests/s on PostgreSQL.

    .venv/bin/python bench/api_reads.py [--db postgresql|sqlite|both] [--rate 300] [--seconds 15]

Open loop: requests are sent on a fixed schedule whatever the answers do, and each
latency is measured from the moment its request was due, so a slow server cannot
hide its queue (no coordinated omission). The mix: the public catalogue (first page,
a category filter, a revalidation with If-None-Match as the PWA sends it) and wallets
reading their vouchers with their bearer tokens. The baseline of the same run is
`/api/v1/health` at the same rate: the floor the framework and the HTTP stack set.
The last line is one JSON object.
"""
import argparse
import http.client
import json
import os
import queue
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sync_ingest import _free_port, _fresh_database, serve  # noqa: E402

WALLETS = 60
THREADS = 48  # enough connections that a slow answer does not delay the next request


def build(url: str, instance: Path) -> list[str]:
    """The demo pilot, plus `WALLETS` wallets that claimed one of its codes: their tokens."""
    os.environ["MENTORING_INSTANCE_PATH"] = str(instance)
    from server import create_app, demo
    from server.accounts import api as accounts_api
    from server.extensions import db
    from server.http import auth
    from server.vouchers import api as vouchers_api
    from signing import DeviceKey

    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    tokens = []
    with app.app_context():
        db.create_all()
        now = datetime.now(timezone.utc)
        pilot = demo.seed(now=now, secret_key=app.secret_key)
        for issued in pilot.codes[:WALLETS]:
            device = DeviceKey.generate()
            challenge = accounts_api.wallet_challenge(device_key_hex=device.public_bytes.hex(),
                                                      secret_key=app.secret_key)
            wallet = accounts_api.open_wallet(device_key_hex=device.public_bytes.hex(), challenge=challenge,
                                              signature_hex=device.sign(challenge.encode()).hex(),
                                              secret_key=app.secret_key)
            vouchers_api.claim(wallet=wallet, code_text=issued.code, secret=app.secret_key, today=now.date())
            with app.test_request_context():
                tokens.append(auth.wallet_token(wallet))
        db.session.commit()
        db.engine.dispose()
    return tokens


def catalogue_etag(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/api/v1/catalogue")
    response = connection.getresponse()
    response.read()
    return response.getheader("ETag", "")


def requests_mix(tokens: list[str], etag: str):
    """(path, headers) for the next request of the realistic mix."""
    roll = random.random()
    if roll < 0.35:
        return "/api/v1/catalogue", {}
    if roll < 0.5:
        return "/api/v1/catalogue?category=teatro", {}
    if roll < 0.6:
        return "/api/v1/catalogue", {"If-None-Match": etag}
    return "/api/v1/wallet/vouchers", {"Authorization": f"Bearer {random.choice(tokens)}"}


def load(port: int, rate: int, seconds: float, make_request) -> dict:
    """Send `rate` requests/s for `seconds`; latencies measured from each due time."""
    due = queue.Queue()
    latencies, statuses, lock = [], {}, threading.Lock()

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            item = due.get()
            if item is None:
                return
            when, (path, headers) = item
            delay = when - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = "error"
            elapsed = time.perf_counter() - when
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)
    for n in range(total):
        due.put((start + n / rate, make_request()))
    for _ in threads:
        due.put(None)
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)

    def percentile(p):
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {"requests": total, "p50_ms": percentile(0.50), "p90_ms": percentile(0.90), "p99_ms": percentile(0.99),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1), "statuses": statuses}


def run(kind: str, args) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        instance = workdir / "instance"
        url = _fresh_database(kind, workdir)
        print(f"[{kind}] seeding the demo pilot and {WALLETS} wallets ...", flush=True)
        tokens = build(url, instance)
        port = _free_port()
        server = serve(url, instance, port)
        try:
            etag = catalogue_etag(port)
            load(port, args.rate, 3, lambda: requests_mix(tokens, etag))  # warm-up: connections, caches
            baseline = load(port, args.rate, args.seconds, lambda: ("/api/v1/health", {}))
            reads = load(port, args.rate, args.seconds, lambda: requests_mix(tokens, etag))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    figures = {"rate_per_s": args.rate, "reads": reads, "health_baseline": baseline,
               "p99_ratio_to_baseline": round(reads["p99_ms"] / max(baseline["p99_ms"], 0.1), 2),
               "target_met": reads["p99_ms"] < 100}
    print(f"[{kind}] {args.rate} req/s for {args.seconds:.0f} s   reads p50 {reads['p50_ms']} ms  p90 {reads['p90_ms']} ms"
          f"  p99 {reads['p99_ms']} ms (target < 100)   health baseline p99 {baseline['p99_ms']} ms"
          f"   statuses {reads['statuses']}", flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="postgresql")
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(json.dumps({kind: run(kind, args) for kind in kinds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
