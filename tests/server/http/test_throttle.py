"""Limits per subject (server/http/throttle.py): an account, a wallet, a device, a scanner
is limited wherever its requests come from; the per-address ceilings let a class of 30
phones behind one school address claim within a minute; a 429 says when to retry;
X-Forwarded-For counts only behind the configured proxies; with Redis, every worker
sees the same counts.

The limits count on an injected clock (the `limits` memory storage's and the
throttle's), so a window passes without waiting for it."""
import re
import uuid
from datetime import date
from types import SimpleNamespace

import limits.storage.memory
import pytest

from server import create_app
from server.accounts import mail
from server.extensions import db, limiter
from server.http import throttle
from server.vouchers import api as vouchers_api
from signing import DeviceKey
from tests.server import factories
from tests.server.factories import PASSWORD, ApiClient

LOGIN = "/api/v1/auth/login"
CLAIMS = "/api/v1/wallet/claims"
WRONG = "non-la-password-giusta"


class Clock:
    def __init__(self):
        self.now = 1_900_000_000.0

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=clock.time))
    monkeypatch.setattr(throttle, "clock", clock.time)
    return clock


@pytest.fixture
def owner(app):
    with app.app_context():
        user = factories.user()
        db.session.commit()
        return user.email


def _login(client, email, password=WRONG, address="10.1.0.1", **environ):
    return client.post(LOGIN, json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address, **environ})


def _outbox(app):
    with app.app_context():
        return mail.mailer().outbox


# --- accounts ---------------------------------------------------------------------------

def test_forty_wrong_passwords_from_forty_addresses_reach_429(app, client, clock, owner):
    statuses = [_login(client, owner, address=f"10.9.0.{n}").status_code for n in range(40)]

    assert statuses[:10] == [401] * 10
    assert set(statuses[10:]) == {429}


def test_every_spelling_of_an_address_counts_against_its_account(app, client, clock, owner):
    """Logins find an account by its address's normal form (IDNA maps a full-width letter
    in the domain to its ASCII one): so does the limit, or each spelling would get ten tries."""
    name, domain = owner.split("@")
    spellings = [name + "@" + "".join(chr(ord(c) + 0xFEE0) if n >> i & 1 else c for i, c in enumerate(domain))
                 for n in range(11)]  # bit i: the i-th letter of the domain full-width
    assert len(set(spellings)) == 11

    statuses = [_login(client, spelling.upper(), address=f"10.9.0.{n}").status_code
                for n, spelling in enumerate(spellings)]

    assert statuses == [401] * 10 + [429]
    assert [notice["To"] for notice in _outbox(app)] == [owner]


def test_a_locked_account_is_told_by_mail_once(app, client, clock, owner):
    for n in range(40):
        _login(client, owner, address=f"10.9.0.{n}")

    (notice,) = _outbox(app)
    assert notice["To"] == owner
    assert "15 minuti" in notice.get_content() and "15 minutes" in notice.get_content()


def test_an_unknown_address_is_locked_alike_and_nobody_is_mailed(app, client, clock):
    statuses = [_login(client, "nessuno@example.it", address=f"10.9.0.{n}").status_code for n in range(12)]

    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    assert _outbox(app) == []


def test_the_right_password_waits_out_the_lock_too(app, client, clock, owner):
    for n in range(10):
        _login(client, owner, address=f"10.9.0.{n}")
        clock.advance(1)

    locked = _login(client, owner, PASSWORD, address="10.9.1.1")
    wait = int(locked.headers["Retry-After"])
    clock.advance(wait - 1)
    still = _login(client, owner, PASSWORD, address="10.9.1.2")
    clock.advance(1)
    free = _login(client, owner, PASSWORD, address="10.9.1.3")

    # The first attempt (10 s ago) leaves the 15-minute window in 890 s, and counts at 890 s.
    assert locked.status_code == 429 and wait == 15 * 60 - 10 + 1
    assert still.status_code == 429 and free.status_code == 200


def test_a_mailed_link_still_logs_a_locked_member_in(app, client, clock, owner):
    for n in range(11):
        _login(client, owner, address=f"10.9.0.{n}")
    asked = client.post("/api/v1/auth/magic-link", json={"email": owner}, environ_base={"REMOTE_ADDR": "10.9.2.1"})
    link = next(m for m in _outbox(app) if "magic=" in m.get_content())
    token = re.search(r"magic=(\S+)", link.get_content()).group(1)

    redeemed = client.post("/api/v1/auth/magic-link/redeem", json={"token": token})

    assert asked.status_code == 202 and redeemed.status_code == 200


def test_password_changes_and_logins_count_against_the_same_account(app, client, clock, owner):
    member = ApiClient(app.test_client()).login(owner)  # attempt 1
    for n in range(5):  # attempts 2-6, wrong current passwords
        changed = member.post("/api/v1/auth/password", json={"current_password": WRONG, "new_password": WRONG},
                              environ_base={"REMOTE_ADDR": "10.9.3.1"})
        assert changed.status_code == 401
    for n in range(4):  # attempts 7-10
        assert _login(client, owner, address=f"10.9.4.{n}").status_code == 401

    assert _login(client, owner, address="10.9.5.1").status_code == 429
    refused = member.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": WRONG},
                          environ_base={"REMOTE_ADDR": "10.9.3.1"})
    assert refused.status_code == 429


# --- how a refusal reads ------------------------------------------------------------------

def test_a_429_is_a_problem_that_says_when_to_retry(app, client, clock):
    for n in range(10):  # ten different accounts: the address's own limit, ten a minute
        _login(client, f"persona{n}@example.it")
    clock.advance(20)

    refused = _login(client, "ancora@example.it")

    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["code"] == "too_many_requests" and body["status"] == 429
    # The first attempt leaves the minute's window 40 s from now (and still counts then).
    assert refused.headers["Retry-After"] == "41" and body["params"] == {"retry_after_seconds": 41}
    assert body["detail"] == "Troppi tentativi: riprova tra 41 secondi."
    assert "per" not in body["detail"] and "minute" not in body["detail"]


def test_a_long_wait_is_said_in_minutes(app, client, clock, owner):
    for n in range(10):
        _login(client, owner, address=f"10.9.0.{n}")

    body = _login(client, owner, address="10.9.1.1").get_json()

    assert body["params"]["retry_after_seconds"] == 15 * 60 + 1 and body["detail"] == "Troppi tentativi: riprova tra 16 minuti."


# --- wallets: a class behind one school address --------------------------------------------

@pytest.fixture
def claim_codes(app):
    """31 claim codes of one school allocation."""
    with app.app_context():
        sponsor = factories.organisation("sponsor")
        campaign = factories.funded_campaign(sponsor, amount_cents=100_000, risk_reserve_bps=0)
        school = factories.organisation("school")
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=31, today=date.today())
        codes = vouchers_api.issue_codes(allocation=allocation, count=31, secret=app.secret_key)
        db.session.commit()
        return codes


def _claim(phone, code, address="10.20.0.1"):
    return phone.post(CLAIMS, json={"code": code}, headers={"Idempotency-Key": str(uuid.uuid4())},
                      environ_base={"REMOTE_ADDR": address})


def _phones(app, count, address="10.20.0.1"):
    """Phones opening their wallets, all through one school address."""
    phones = []
    for _ in range(count):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        phones.append(factories.wallet_client(SimpleNamespace(test_client=lambda c=client: c))[0])
    return phones


def test_a_class_of_thirty_behind_one_address_claims_within_a_minute(app, clock, claim_codes):
    phones = _phones(app, 30)

    statuses = []
    for phone, code in zip(phones, claim_codes):
        statuses.append(_claim(phone, code).status_code)
        clock.advance(1.9)  # the whole class within 57 seconds

    assert statuses == [201] * 30


def test_one_wallet_hammering_is_limited_while_its_classmates_claim(app, clock, claim_codes):
    hammering, classmate = _phones(app, 2)

    statuses = [_claim(hammering, f"SBAGLIATO{n}", address=f"10.20.1.{n}").status_code for n in range(11)]

    assert 429 not in statuses[:10] and statuses[10] == 429
    assert _claim(classmate, claim_codes[0]).status_code == 201


def test_one_device_cannot_open_sessions_without_end(app, clock):
    device = DeviceKey.generate().public_bytes.hex()
    statuses = [app.test_client().post("/api/v1/wallet/challenge", json={"device_key": device},
                                       environ_base={"REMOTE_ADDR": f"10.30.0.{n}"}).status_code
                for n in range(11)]

    assert statuses == [200] * 10 + [429]


def test_one_address_has_a_ceiling(app, clock):
    statuses = [app.test_client().post("/api/v1/wallet/challenge",
                                       json={"device_key": DeviceKey.generate().public_bytes.hex()},
                                       environ_base={"REMOTE_ADDR": "10.30.1.1"}).status_code
                for _ in range(121)]

    assert statuses == [200] * 120 + [429]


# --- scanners: keyed on the scanner in the path (sync has no login) --------------------------

def test_sync_is_limited_per_scanner_wherever_it_comes_from(door, clock):
    a, b = door.scanners
    client = door.app.test_client()

    def sync(scanner_id, n):
        return client.post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": ["MR:0"]},
                           environ_base={"REMOTE_ADDR": f"10.40.{n // 250}.{n % 250}"}).status_code

    statuses = [sync(a, n) for n in range(121)]

    assert set(statuses[:120]) == {200} and statuses[120] == 429
    assert sync(b, 0) == 200


# --- behind proxies ---------------------------------------------------------------------------

def _app_like(app, **config):
    return create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"],
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})


@pytest.fixture
def proxied(app):
    """The app behind one reverse proxy (TRUSTED_PROXY_HOPS=1)."""
    behind = _app_like(app, TRUSTED_PROXY_HOPS=1)
    yield behind
    with behind.app_context():
        db.session.remove()
        db.engine.dispose()


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, client, clock):
    for n in range(10):
        _login(client, f"persona{n}@example.it", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert _login(client, "ancora@example.it", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_counts_apart(proxied, clock):
    client = proxied.test_client()
    for n in range(10):
        _login(client, f"persona{n}@example.it", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    other = _login(client, "ancora@example.it", address="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99")
    for n in range(9):
        _login(client, f"altra{n}@example.it", address="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99")
    eleventh = _login(client, "ultima@example.it", address="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert other.status_code == 401 and eleventh.status_code == 429


def test_behind_one_proxy_an_address_the_client_wrote_is_not_believed(proxied, clock):
    """The proxy appends the address it saw: only the last hop counts, not what the client prepended."""
    client = proxied.test_client()
    for n in range(10):
        _login(client, f"persona{n}@example.it", address="10.0.0.2",
               HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.1")

    refused = _login(client, "ancora@example.it", address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.99, 192.0.2.1")

    assert refused.status_code == 429


@pytest.mark.parametrize("hops", [-1, "due", 1.5, True])
def test_the_number_of_trusted_proxies_is_checked(app, hops):
    with pytest.raises(ValueError, match="TRUSTED_PROXY_HOPS"):
        _app_like(app, TRUSTED_PROXY_HOPS=hops)


# --- shared by every worker ----------------------------------------------------------------

def test_without_redis_limits_count_in_memory(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.redis
def test_with_redis_every_worker_sees_the_same_counts(app, redis_url):
    """Two app instances stand for two workers: each builds its own storage client."""
    config = {"REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    first = _app_like(app, **config)
    for n in range(10):
        _login(first.test_client(), f"persona{n}@example.it")
    storage = limiter.storage

    second = _app_like(app, **config)
    refused = _login(second.test_client(), "ancora@example.it")

    assert limiter.storage is not storage and type(limiter.storage).__name__ == "RedisStorage"
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    for made in (first, second):
        with made.app_context():
            db.session.remove()
            db.engine.dispose()
