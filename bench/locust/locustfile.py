"""National peak, as locust users (bench/locust/README.md): scanner phones syncing every
30 s, wallets refreshing their vouchers, people browsing the catalogue.

Run by national_peak.py (which builds the world, serves the app and reads the
figures), not by hand: it needs ``BENCH_WORLD`` (population.py's JSON) and refuses any
host but loopback. Bounded: a fixed number of users of each kind (``fixed_count``) and
``--run-time``.
"""
import itertools
import json
import os
import random
import time
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

from signing import DeviceKey, parse_unverified, present, record_scan, to_text

WORLD = json.loads(open(os.environ["BENCH_WORLD"]).read())
COUNTS = json.loads(os.environ.get("BENCH_USERS", '{"scanner": 1, "wallet": 1, "browser": 1}'))
# Records a scanner signs between two syncs at the peak: an entrance lets in a person
# every few seconds when a show is about to start, none in between.
RECORDS_PER_SYNC = json.loads(os.environ.get("BENCH_RECORDS_PER_SYNC", "[0, 0, 1, 2, 3]"))
RECORD_CENTS = 100
BUNDLE_REFRESH_SECONDS = 300  # pwa/src/scanner/sync.js BUNDLE_REFRESH_MS
SYNC_SECONDS = 30

_scanners = itertools.cycle(WORLD["scanners"])
_holder_slices: dict[int, list] = {}


@events.test_start.add_listener
def _loopback_only(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"bench/locust: loopback only, not {host!r}")


def _holders_for(index: int, of: int) -> list:
    """This scanner's own vouchers: no voucher is spent at two doors."""
    holders = WORLD["holders"]
    return holders[index::of] or holders


class ScannerPhone(HttpUser):
    """A door's phone as pwa/src/scanner/sync.js runs it: every 30 s the outbox is sent
    if it holds records; every 5 minutes the bundle's revocations are refreshed (the
    staff's session, logged in at the start of the shift)."""

    fixed_count = COUNTS["scanner"]

    def wait_time(self):
        """Every 30 s from the phone's first sync, as sync.js's timer. Not locust's
        constant_pacing: its first wait is 0, so a first sync slower than a few seconds
        was followed at once by a second, in the same 15 s presentation step: replays
        that no phone at a door makes."""
        self.next_sync_at += SYNC_SECONDS
        return max(0.0, self.next_sync_at - time.monotonic())

    def on_start(self):
        index = WORLD["scanners"].index(scanner := next(_scanners))
        self.scanner_id, self.event_id = scanner["id"], scanner["event_id"]
        self.key = DeviceKey.from_secret(int(scanner["device"], 16))
        self.holders = [(parse_unverified(h["credential"]), DeviceKey.from_secret(int(h["device"], 16)))
                        for h in _holders_for(index, len(WORLD["scanners"]))]
        self.next_holder = 0
        self.since = 0
        # The staff's session from the start of the shift (population.py). The cookie is
        # Secure and the bench speaks plain http on loopback: sent by hand.
        self.session_cookie = scanner["session_cookie"]
        # Phones do not sync in step: spread the first sync over the 30 s, the refreshes over 5 minutes.
        self.last_refresh = time.monotonic() - random.uniform(0, BUNDLE_REFRESH_SECONDS)
        time.sleep(random.uniform(0, SYNC_SECONDS))
        self.next_sync_at = time.monotonic()

    def _record(self) -> str:
        credential, wallet = self.holders[self.next_holder % len(self.holders)]
        self.next_holder += 1
        now = int(time.time())
        return to_text(record_scan(self.key, record_id=os.urandom(16), scanner_id=self.scanner_id, scanned_at=now,
                                   event_id=self.event_id, amount_cents=RECORD_CENTS, result="accepted",
                                   scanned_text=to_text(present(credential, wallet, now=now))))

    @task
    def every_30_seconds(self):
        if time.monotonic() - self.last_refresh >= BUNDLE_REFRESH_SECONDS:
            self.last_refresh = time.monotonic()
            self.client.get(f"/api/v1/scanners/{self.scanner_id}/bootstrap?since={self.since}", name="bootstrap",
                            headers={"Cookie": self.session_cookie})
        records = [self._record() for _ in range(random.choice(RECORDS_PER_SYNC))]
        if not records:
            return  # an empty outbox sends nothing
        with self.client.post(f"/api/v1/scanners/{self.scanner_id}/sync", json={"records": records,
                              "since": self.since}, name="sync", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"sync answered {response.status_code}")
                return
            answer = response.json()
            if answer.get("revocations"):
                self.since = answer["revocations"].get("since", self.since)
            refused = [r for r in answer["results"] if r["outcome"] != "redeemed"]
            if refused:
                response.failure(f"records not redeemed: {sorted({r['code'] for r in refused})}")


class WalletPhone(HttpUser):
    """A student's wallet in the foreground: it refreshes its vouchers (balance,
    credential) now and then."""

    fixed_count = COUNTS["wallet"]
    wait_time = between(30, 90)

    def on_start(self):
        self.token = random.choice(WORLD["holders"])["token"]

    @task
    def vouchers(self):
        self.client.get("/api/v1/wallet/vouchers", headers={"Authorization": f"Bearer {self.token}"},
                        name="wallet vouchers")


class CatalogueBrowser(HttpUser):
    """Someone choosing what to do tonight: lists, a filter, an event's page; the PWA
    revalidates what it has cached (If-None-Match)."""

    fixed_count = COUNTS["browser"]
    wait_time = between(3, 12)

    def on_start(self):
        self.etag = None

    @task(4)
    def catalogue(self):
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = self.client.get("/api/v1/catalogue", headers=headers, name="catalogue")
        self.etag = response.headers.get("ETag") or self.etag

    @task(2)
    def category(self):
        self.client.get(f"/api/v1/catalogue?category={random.choice(['teatro', 'musei', 'cinema', 'musica'])}",
                        name="catalogue?category")

    @task(3)
    def event(self):
        self.client.get(f"/api/v1/catalogue/{random.choice(WORLD['events'])}", name="catalogue/<event_id>")
