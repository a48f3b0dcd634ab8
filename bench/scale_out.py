"""Scale-out on one machine: two app hosts and a database host as network namespaces,
Caddy balancing the two, and one app host killed in the middle of a sync burst.

    sudo .venv/bin/python bench/scale_out.py [--records 3000] [--clients 6] [--kill-after 0.3]

Hosts (veth pairs to the root namespace, which routes between them):

    mdb   10.77.0.2  PostgreSQL (its own cluster, initdb'd in a temporary folder) and Redis
    app1  10.77.1.2  gunicorn (deploy/gunicorn.conf.py), 2 workers of 4 threads
    app2  10.77.2.2  the same
    root  Caddy on 127.0.0.1:<port>, reverse_proxy to app1 and app2 (round robin, health checks)

The scanners (threads here) do what the PWA's outbox does: post a batch, and on any failure
(a 502 from Caddy while app1 dies, a reset connection) post the same batch again until it is
answered. The server must then hold every record exactly once: one redemption per accepted
record, a replayed record answered as already known, no voucher paid twice, the books
balanced. Also checked through the balancer: a login made on one host is honoured by the
other (sessions signed with the shared secret) and the wallet-claim rate limit is counted
once across both hosts (Redis on the database host).

Needs root (ip netns), Debian's caddy and PostgreSQL 15 binaries; not part of `make test`.
The last line printed is one JSON object.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sync_ingest import _free_port, build_scenario, make_records  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
HOSTS = {"mdb": "10.77.0", "app1": "10.77.1", "app2": "10.77.2"}
APP_PORT = 8000
SCANNERS = 6
REDIS_PASSWORD = "scale-out-bench"  # a throwaway server on a private namespace


def sh(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=check, capture_output=True, text=True)


def netns_up() -> None:
    """One namespace per host, a veth pair each, routed through the root namespace."""
    netns_down()
    sh("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
    for name, net in HOSTS.items():
        sh("ip", "netns", "add", f"m-{name}")
        sh("ip", "link", "add", f"v-{name}", "type", "veth", "peer", "name", "eth0", "netns", f"m-{name}")
        sh("ip", "addr", "add", f"{net}.1/24", "dev", f"v-{name}")
        sh("ip", "link", "set", f"v-{name}", "up")
        inside = ("ip", "netns", "exec", f"m-{name}")
        sh(*inside, "ip", "addr", "add", f"{net}.2/24", "dev", "eth0")
        sh(*inside, "ip", "link", "set", "eth0", "up")
        sh(*inside, "ip", "link", "set", "lo", "up")
        sh(*inside, "ip", "route", "add", "default", "via", f"{net}.1")


def netns_down() -> None:
    for name in HOSTS:
        sh("ip", "link", "del", f"v-{name}", check=False)
        sh("ip", "netns", "del", f"m-{name}", check=False)


def in_host(name: str, command: list[str], **popen) -> subprocess.Popen:
    return subprocess.Popen(["ip", "netns", "exec", f"m-{name}", *command], start_new_session=True, **popen)


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up")


def start_database_host(workdir: Path) -> list[subprocess.Popen]:
    """A PostgreSQL cluster and a Redis of the database host's own, listening on its address."""
    data = workdir / "pgdata"
    data.mkdir(parents=True, mode=0o700)
    workdir.parent.chmod(0o755)  # the temporary folder: postgres must get through it
    shutil.chown(workdir, "postgres")
    shutil.chown(data, "postgres")
    sh("su", "postgres", "-s", "/bin/sh", "-c", f"{PG_BIN}/initdb --no-sync -A trust -U postgres -D {data}")
    with open(data / "pg_hba.conf", "a") as hba:
        hba.write("host all all 10.77.0.0/16 trust\nhost all all 127.0.0.1/32 trust\n")
    address = f"{HOSTS['mdb']}.2"
    postgres = in_host("mdb", ["su", "postgres", "-s", "/bin/sh", "-c",
                               f"exec {PG_BIN}/postgres -D {data} -c listen_addresses={address} -c port=5432 "
                               f"-c unix_socket_directories={data} -c max_connections=100 -c fsync=off"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Reached from the other hosts, so not in protected mode: a password, as in production.
    redis = in_host("mdb", ["redis-server", "--bind", address, "--port", "6379", "--save", "", "--appendonly", "no",
                            "--requirepass", REDIS_PASSWORD], stdout=subprocess.DEVNULL)
    wait_for(lambda: sh(f"{PG_BIN}/pg_isready", "-q", "-h", address, check=False).returncode == 0, "PostgreSQL")
    wait_for(lambda: sh("redis-cli", "-h", address, "--no-auth-warning", "-a", REDIS_PASSWORD, "ping",
                        check=False).stdout.strip() == "PONG", "Redis")
    sh("psql", "-h", address, "-U", "postgres", "-qc", "CREATE DATABASE mentoring")
    return [postgres, redis]


def start_app_host(name: str, env: dict, workdir: Path) -> subprocess.Popen:
    address = f"{HOSTS[name]}.2"
    log = open(workdir / f"{name}.log", "w")  # its JSON lines, if something goes wrong
    # The production settings (deploy/gunicorn.conf.py: gthread workers), two workers a host.
    process = in_host(name, [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "server:create_app()"],
                      cwd=ROOT, env={**env, "MENTORING_BIND": f"{address}:{APP_PORT}", "MENTORING_WORKERS": "2",
                                     "MENTORING_LOG_LEVEL": "warning"},
                      stdout=log, stderr=log)
    wait_for(lambda: urllib.request.urlopen(f"http://{address}:{APP_PORT}/api/v1/health", timeout=2).status == 200,
             f"{name}")
    return process


def start_caddy(workdir: Path, port: int) -> subprocess.Popen:
    upstreams = " ".join(f"{HOSTS[name]}.2:{APP_PORT}" for name in ("app1", "app2"))
    caddyfile = workdir / "Caddyfile"
    caddyfile.write_text(f"""{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    reverse_proxy {upstreams} {{
        lb_policy round_robin
        lb_try_duration 5s
        lb_try_interval 100ms
        fail_duration 10s
        health_uri /api/v1/health
        health_interval 2s
        health_timeout 5s
    }}
}}
""")
    process = subprocess.Popen(["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                               env={**os.environ, "HOME": str(workdir), "XDG_DATA_HOME": str(workdir)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status == 200,
             "Caddy")
    return process


def sync_burst(port: int, batches: dict, batch_size: int, clients: int, kill_after: float, kill) -> dict:
    """Every batch posted until answered, as the scanner's outbox does; ``kill`` runs once
    ``kill_after`` of the batches have been answered."""
    work = [(sid, texts[i:i + batch_size]) for sid, texts in batches.items() for i in range(0, len(texts), batch_size)]
    total = len(work)
    outcomes: dict[str, int] = {}
    failures = {"retries": 0, "by_error": {}}
    answered = [0]
    killed = threading.Event()
    lock = threading.Lock()

    def post(scanner_id, records):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/scanners/{scanner_id}/sync",
                                         data=json.dumps({"records": records}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)["results"]

    def client():
        while True:
            with lock:
                if not work:
                    return
                scanner_id, records = work.pop()
            for attempt in range(60):
                try:
                    results = post(scanner_id, records)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                    reason = getattr(error, "code", None) or type(getattr(error, "reason", error)).__name__
                    with lock:
                        failures["retries"] += 1
                        failures["by_error"][str(reason)] = failures["by_error"].get(str(reason), 0) + 1
                    time.sleep(0.1 * (attempt + 1))
            else:
                raise SystemExit("a batch was never answered")
            with lock:
                answered[0] += 1
                for result in results:
                    outcomes[result["outcome"]] = outcomes.get(result["outcome"], 0) + 1
                due = answered[0] >= kill_after * total and not killed.is_set()
                if due:
                    killed.set()
            if due:
                kill()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"batches": total, "seconds": round(time.perf_counter() - started, 2), "outcomes": outcomes, **failures}


def shared_state_checks(port: int, staff_email: str) -> dict:
    """Through the balancer: a session made on one host works on the other; the password
    attempts of one account are counted once across both hosts (10 per 15 minutes, and
    10 logins a minute per address): of 20 wrong passwords about 10 are refused with 429,
    where four separate counters (two hosts, two workers each) would refuse none."""
    base = f"http://127.0.0.1:{port}/api/v1"
    login = urllib.request.Request(f"{base}/auth/login", method="POST", headers={"Content-Type": "application/json"},
                                   data=json.dumps({"email": staff_email, "password": "bench-password"}).encode())
    with urllib.request.urlopen(login, timeout=10) as response:
        # The cookie is Secure (production) and this hop is plain HTTP: sent back by hand.
        cookie = response.headers["Set-Cookie"].split(";")[0]
    seen = []
    for _ in range(10):  # round robin: both hosts
        try:
            seen.append(urllib.request.urlopen(urllib.request.Request(f"{base}/auth/me", headers={"Cookie": cookie}),
                                               timeout=10).status)
        except urllib.error.HTTPError as error:
            seen.append(error.code)
    limited = 0
    for _ in range(20):
        attempt = urllib.request.Request(f"{base}/auth/login", method="POST",
                                         headers={"Content-Type": "application/json"},
                                         data=json.dumps({"email": "sponsor@bench.it", "password": "wrong"}).encode())
        try:
            urllib.request.urlopen(attempt, timeout=10)
        except urllib.error.HTTPError as error:
            limited += error.code == 429
    return {"session_on_both_hosts": seen.count(200) == len(seen), "wrong_passwords_refused_429": limited}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3_000)
    parser.add_argument("--vouchers", type=int, default=300)
    parser.add_argument("--batch", type=int, default=25)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--kill-after", type=float, default=0.3, help="share of batches answered before app1 dies")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root: network namespaces")
    processes: list[subprocess.Popen] = []
    netns_up()
    try:
        with tempfile.TemporaryDirectory() as workdir:
            workdir = Path(workdir)
            processes += start_database_host(workdir / "db")
            url = f"postgresql+psycopg://postgres@{HOSTS['mdb']}.2:5432/mentoring"
            instance = workdir / "instance"
            print(f"building {args.vouchers} vouchers, {SCANNERS} scanners on the database host ...", flush=True)
            app, holders, scanner_keys, event_id, _ = build_scenario(url, instance, vouchers=args.vouchers,
                                                                     scanners=SCANNERS)
            batches = make_records(holders, scanner_keys, event_id, args.records)
            env = {**os.environ, "MENTORING_DATABASE_URL": url, "MENTORING_INSTANCE_PATH": str(instance),
                   "MENTORING_REDIS_URL": f"redis://:{REDIS_PASSWORD}@{HOSTS['mdb']}.2:6379/0",
                   "MENTORING_SECRET_KEY": "scale-out-bench-shared-secret",
                   "MENTORING_SCANNER_SLOTS_PER_VENUE": str(SCANNERS),
                   "MENTORING_TRUSTED_PROXY_HOPS": "1"}  # Caddy in front: the client is in X-Forwarded-For
            app1 = start_app_host("app1", env, workdir)
            processes += [app1, start_app_host("app2", env, workdir)]
            port = _free_port()
            processes.append(start_caddy(workdir, port))
            shared = shared_state_checks(port, "venue@bench.it")

            def kill_app1():
                os.killpg(app1.pid, signal.SIGKILL)
                print("app1 killed (SIGKILL to its gunicorn master and workers)", flush=True)

            print(f"sync burst: {args.records} records in batches of {args.batch} from {args.clients} scanners' "
                  f"threads; app1 dies after {args.kill_after:.0%} of the batches", flush=True)
            burst = sync_burst(port, batches, args.batch, args.clients, args.kill_after, kill_app1)
            figures = {"records": args.records, **burst, **shared, **check_database(app, holders)}
            print(f"{args.records} records in {burst['seconds']} s through Caddy; retries {burst['retries']} "
                  f"{burst['by_error']}; outcomes {burst['outcomes']}; stored {figures['stored']}; "
                  f"redemptions {figures['redemptions']}; vouchers paid past their balance "
                  f"{figures['overpaid_vouchers']}; books balance: {figures['books_balance']}; "
                  f"session on both hosts: {shared['session_on_both_hosts']}; "
                  f"wrong passwords refused 429 across hosts: {shared['wrong_passwords_refused_429']}/20", flush=True)
            print(json.dumps(figures))
            ok = (figures["stored"] == args.records and figures["redemptions"] == args.records
                  and figures["overpaid_vouchers"] == 0 and figures["books_balance"])
            return 0 if ok else 1
    finally:
        for process in reversed(processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        netns_down()


def check_database(app, holders) -> dict:
    """Each record once, each accepted record one redemption, no voucher below zero, books balanced."""
    from server.door.models import ScanRecord
    from server.extensions import db
    from server.ledger import api as ledger_api
    from server.ledger.models import Account

    with app.app_context():
        stored = db.session.scalar(db.select(db.func.count()).select_from(ScanRecord))
        redemptions = db.session.scalar(db.select(db.func.count()).select_from(ScanRecord)
                                        .where(ScanRecord.outcome == "redeemed"))
        overpaid = db.session.scalar(db.select(db.func.count()).select_from(Account)
                                     .where(Account.kind == "voucher", Account.balance_cents < 0))
        books = ledger_api.check_books()
        db.engine.dispose()
    return {"stored": stored, "redemptions": redemptions, "overpaid_vouchers": overpaid, "books_balance": books == []}


if __name__ == "__main__":
    sys.exit(main())
