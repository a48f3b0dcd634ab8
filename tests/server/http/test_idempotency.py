"""Idempotency-Key on the routes that move money or create something: a retry with the
same key and body answers as the first time and moves nothing; another body is 422; a
money route without a key is 400; a concurrent retry never runs twice (PostgreSQL);
a key lives 24 hours; keys of two principals never meet; stored answers are sealed."""
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.accounts.models import MEMBER, Membership, Wallet
from server.bookings import api as bookings_api
from server.campaigns.models import Campaign
from server.cli import main as cli
from server.extensions import db
from server.http import idempotency
from server.idempotency import api as idempotency_api
from server.idempotency import exceptions as idempotency_exceptions
from server.idempotency.models import IdempotencyRecord
from server.ledger.models import Account
from server.payments import api as payments_api
from server.vouchers import api as vouchers_api
from signing import DeviceKey
from tests.server import factories
from tests.server.waiting import until, waiting_on_a_lock
from tests.server.catalogue import factories as catalogue_factories

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


@dataclass
class World:
    """A funded campaign with a pending top-up, a school with an allocation and spare
    codes, a wallet holding a voucher with two bookings, a venue with three events."""

    app: object
    emails: dict  # role -> email
    campaign_id: int
    topup_id: int
    school_id: int
    allocation_id: int
    spare_codes: list
    wallet_key: DeviceKey
    voucher_id: int
    venue_id: int
    event_id: int  # open for a booking
    booking_id: int  # to cancel

    def client(self, role):
        if role == "wallet":
            return wallet_api(self.app, self.wallet_key)
        return factories.ApiClient(self.app.test_client()).login(self.emails[role])


def wallet_api(app, device):
    api = factories.ApiClient(app.test_client())
    key = device.public_bytes.hex()
    challenge = api.post("/api/v1/wallet/challenge", json={"device_key": key}).get_json()["challenge"]
    opened = api.post("/api/v1/wallet/session", json={"device_key": key, "challenge": challenge,
                                                       "signature": device.sign(challenge.encode()).hex()})
    assert opened.status_code == 200, opened.get_json()
    api.bearer = opened.get_json()["token"]
    return api


@pytest.fixture
def world(app):
    now = datetime.now(timezone.utc)
    with app.app_context():
        admin = factories.user(admin=True)
        sponsor_owner, school_owner = factories.user(), factories.user()
        sponsor = factories.organisation("sponsor", owner=sponsor_owner)
        campaign = factories.funded_campaign(sponsor, amount_cents=100_000, risk_reserve_bps=0)
        topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=7_000)
        school = factories.organisation("school", owner=school_owner)
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=10, today=date.today())
        codes = vouchers_api.issue_codes(allocation=allocation, count=3, secret=app.secret_key)
        wallet_key = DeviceKey.generate()
        wallet = Wallet(device_key=wallet_key.public_bytes)
        db.session.add(wallet)
        voucher = vouchers_api.claim(wallet=wallet, code_text=codes[0], secret=app.secret_key, today=date.today())
        venue_owner = catalogue_factories.person()
        venue = catalogue_factories.venue(owner=venue_owner)
        open_event, booked, cancellable = (catalogue_factories.event(venue, price_cents=500) for _ in range(3))
        for event, request_id in ((booked, "req-world-001"), (cancellable, "req-world-002")):
            booking = bookings_api.book(wallet=wallet, event_id=event.id, voucher_id=voucher.id,
                                        request_id=request_id, now=now)
        db.session.commit()
        return World(app, {"admin": admin.email, "sponsor": sponsor_owner.email, "school": school_owner.email,
                           "venue": venue_owner.email},
                     campaign.id, topup.id, school.id, allocation.id, codes[1:], wallet_key, voucher.id, venue.id,
                     open_event.id, booking.id)


@dataclass(frozen=True)
class Route:
    name: str
    role: str
    url: object  # World -> path
    body: object  # World -> JSON (None: no body)
    other_body: object  # World -> another JSON


def _device_key():
    return DeviceKey.generate().public_bytes.hex()


_DEVICE_KEYS = [_device_key(), _device_key()]

# Every route that moves money: the key is required.
MONEY_ROUTES = [
    Route("allocation", "sponsor", lambda w: f"/api/v1/campaigns/{w.campaign_id}/allocations",
          lambda w: {"school_id": w.school_id, "voucher_count": 2},
          lambda w: {"school_id": w.school_id, "voucher_count": 3}),
    Route("claim codes", "school", lambda w: f"/api/v1/schools/{w.school_id}/allocations/{w.allocation_id}/codes",
          lambda w: {"count": 2}, lambda w: {"count": 3}),
    Route("direct issuance", "school",
          lambda w: f"/api/v1/schools/{w.school_id}/allocations/{w.allocation_id}/direct",
          lambda w: {"device_keys": _DEVICE_KEYS[:1]}, lambda w: {"device_keys": _DEVICE_KEYS[1:]}),
    Route("top-up", "sponsor", lambda w: f"/api/v1/campaigns/{w.campaign_id}/topups",
          lambda w: {"amount_cents": 5_000}, lambda w: {"amount_cents": 6_000}),
    Route("top-up confirmation", "admin", lambda w: f"/api/v1/admin/topups/{w.topup_id}/confirm",
          lambda w: None, lambda w: {}),
    Route("claim", "wallet", lambda w: "/api/v1/wallet/claims",
          lambda w: {"code": w.spare_codes[0]}, lambda w: {"code": w.spare_codes[1]}),
    Route("booking", "wallet", lambda w: "/api/v1/wallet/bookings",
          lambda w: {"event_id": w.event_id, "voucher_id": w.voucher_id, "request_id": "req-idem-0001"},
          lambda w: {"event_id": w.event_id, "voucher_id": w.voucher_id, "request_id": "req-idem-0002"}),
    Route("booking cancellation", "wallet", lambda w: f"/api/v1/wallet/bookings/{w.booking_id}/cancel",
          lambda w: None, lambda w: {}),
    # Card 1 is the wallet's voucher: revoked at once, a code for the balance (server/recovery).
    Route("recovery", "school",
          lambda w: f"/api/v1/schools/{w.school_id}/allocations/{w.allocation_id}/cards/1/recovery",
          lambda w: None, lambda w: {}),
]
money_routes = pytest.mark.parametrize("route", MONEY_ROUTES, ids=[r.name for r in MONEY_ROUTES])


def _post(api, world, route, *, key=KEY, body=None):
    return api.post(route.url(world), json=route.body(world) if body is None else body, idempotency_key=key)


def snapshot(app) -> dict:
    """Rows in every table (idempotency records aside) and every ledger balance."""
    with app.app_context():
        counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                  for table in db.metadata.sorted_tables if table.name != IdempotencyRecord.__tablename__}
        balances = dict(db.session.execute(sa.select(Account.id, Account.balance_cents)).all())
        db.session.remove()
        return {"rows": counts, "balances": balances}


@money_routes
def test_a_retry_with_the_same_key_answers_as_the_first_time_and_moves_nothing(world, route):
    api = world.client(route.role)
    before = snapshot(world.app)
    first = _post(api, world, route)
    assert 200 <= first.status_code < 300, first.get_json()
    assert idempotency.REPLAYED_HEADER not in first.headers
    after_first = snapshot(world.app)
    assert after_first != before  # the route did something (money, rows or both)

    again = _post(api, world, route)
    assert again.status_code == first.status_code
    assert again.get_data() == first.get_data()
    assert again.headers[idempotency.REPLAYED_HEADER] == "true"
    assert again.content_type == first.content_type
    assert snapshot(world.app) == after_first


@money_routes
def test_the_same_key_with_another_body_is_refused_and_moves_nothing(world, route):
    api = world.client(route.role)
    assert 200 <= _post(api, world, route).status_code < 300
    after_first = snapshot(world.app)
    reused = _post(api, world, route, body=route.other_body(world))
    assert reused.status_code == 422
    assert reused.get_json()["code"] == "idempotency_key_reused"
    assert reused.mimetype == "application/problem+json"
    assert snapshot(world.app) == after_first


@money_routes
def test_a_money_route_without_a_key_is_refused_and_moves_nothing(world, route):
    api = world.client(route.role)
    before = snapshot(world.app)
    response = _post(api, world, route, key=None)
    assert response.status_code == 400
    assert response.get_json()["code"] == "idempotency_key_missing"
    assert snapshot(world.app) == before


def test_a_key_used_on_another_path_is_refused(world):
    sponsor = world.client("sponsor")
    allocation, topup = MONEY_ROUTES[0], MONEY_ROUTES[3]
    assert _post(sponsor, world, allocation).status_code == 201
    response = _post(sponsor, world, topup)
    assert response.status_code == 422 and response.get_json()["code"] == "idempotency_key_reused"


def test_a_creation_route_runs_without_a_key_and_honours_one(world):
    """Creating a campaign does not move money: the key is optional there."""
    sponsor = world.client("sponsor")
    with world.app.app_context():
        sponsor_id = db.session.get(Campaign, world.campaign_id).sponsors[0].id
    today = date.today()
    body = {"sponsor_id": sponsor_id, "name": "Musica in classe", "face_value_cents": 2_000,
            "offline_allowance_cents": 1_000, "categories": ["teatro"], "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=90)).isoformat()}
    before = snapshot(world.app)["rows"]["campaign"]
    assert sponsor.post("/api/v1/campaigns", json=body, idempotency_key=None).status_code == 201
    first = sponsor.post("/api/v1/campaigns", json=body, idempotency_key=KEY)
    again = sponsor.post("/api/v1/campaigns", json=body, idempotency_key=KEY)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers[idempotency.REPLAYED_HEADER] == "true"
    assert snapshot(world.app)["rows"]["campaign"] == before + 2


def test_an_error_is_not_kept_and_the_same_key_runs_again(world):
    """A refused request rolled back everything, its key too: once the reason is gone,
    the same retry goes through (once)."""
    sponsor = world.client("sponsor")
    url = f"/api/v1/campaigns/{world.campaign_id}/allocations"
    body = {"school_id": world.school_id, "voucher_count": 60}  # 1,500 EUR; 1,000 funded, 250 allocated
    refused = sponsor.post(url, json=body, idempotency_key=KEY)
    assert refused.status_code == 409, refused.get_json()
    with world.app.app_context():
        campaign = db.session.get(Campaign, world.campaign_id)
        topup = payments_api.create_topup(campaign=campaign, sponsor=campaign.sponsors[0], amount_cents=100_000)
        payments_api.confirm_topup(topup=topup, operator=factories.user(admin=True), now=datetime.now(timezone.utc))
        db.session.commit()
    accepted = sponsor.post(url, json=body, idempotency_key=KEY)
    assert accepted.status_code == 201 and idempotency.REPLAYED_HEADER not in accepted.headers
    again = sponsor.post(url, json=body, idempotency_key=KEY)
    assert again.get_json() == accepted.get_json() and again.headers[idempotency.REPLAYED_HEADER] == "true"


# --- the header ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    "", " ", "x" * 256, '"' + "x" * 256 + '"', "chiave\x7f", "chiavé", '"non chiusa', '"k";p=1', "a\tb", '""',
], ids=["empty", "blank", "256 chars", "256 chars quoted", "DEL", "not ASCII", "unterminated", "parameters",
        "tab", "empty string"])
def test_a_malformed_key_is_a_bad_request(world, value):
    api = world.client("sponsor")
    before = snapshot(world.app)
    response = _post(api, world, MONEY_ROUTES[0], key=value)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["code"] == "idempotency_key_invalid"
    assert snapshot(world.app) == before


def test_quoted_and_bare_spell_the_same_key_up_to_255_characters(world):
    api = world.client("sponsor")
    key = "k" * 254 + '"'
    first = _post(api, world, MONEY_ROUTES[0], key=key)
    assert first.status_code == 201, first.get_json()
    again = _post(api, world, MONEY_ROUTES[0], key='"' + "k" * 254 + '\\""')  # RFC 9651 escape
    assert again.headers[idempotency.REPLAYED_HEADER] == "true" and again.get_data() == first.get_data()


def test_who_is_calling_comes_before_the_key(world):
    anonymous = factories.ApiClient(world.app.test_client())
    response = _post(anonymous, world, MONEY_ROUTES[0], key=None)
    assert response.status_code == 401 and response.get_json()["code"] == "login_required"
    response = _post(anonymous, world, MONEY_ROUTES[5], key=None)
    assert response.status_code == 401 and response.get_json()["code"] == "wallet_required"


# --- principals, lifetime ------------------------------------------------------------------


def test_two_principals_with_the_same_key_each_get_their_own_effect(world):
    """Two people of the same sponsor, and a wallet: the same key is three keys."""
    with world.app.app_context():
        colleague = factories.user()
        db.session.add(Membership(user=colleague, organisation=db.session.get(Campaign, world.campaign_id).sponsors[0],
                                  role=MEMBER))
        db.session.commit()
        colleague_email = colleague.email
    before = snapshot(world.app)["rows"]["allocation"]
    allocation = MONEY_ROUTES[0]
    first = _post(world.client("sponsor"), world, allocation)
    second = _post(factories.ApiClient(world.app.test_client()).login(colleague_email), world, allocation)
    claim = _post(world.client("wallet"), world, MONEY_ROUTES[5])
    assert (first.status_code, second.status_code, claim.status_code) == (201, 201, 201)
    assert idempotency.REPLAYED_HEADER not in second.headers and idempotency.REPLAYED_HEADER not in claim.headers
    assert first.get_json()["id"] != second.get_json()["id"]
    assert snapshot(world.app)["rows"]["allocation"] == before + 2


def test_a_key_is_kept_24_hours_then_forgotten(world, monkeypatch):
    api = world.client("sponsor")
    allocation = MONEY_ROUTES[0]
    start = datetime.now(timezone.utc)
    monkeypatch.setattr(idempotency, "_now", lambda: start)
    first = _post(api, world, allocation)
    with world.app.app_context():
        record = db.session.scalar(sa.select(IdempotencyRecord))
        assert record.expires_at - record.created_at == timedelta(hours=24)
    monkeypatch.setattr(idempotency, "_now", lambda: start + timedelta(hours=24) - timedelta(seconds=1))
    assert _post(api, world, allocation).headers[idempotency.REPLAYED_HEADER] == "true"
    before = snapshot(world.app)["rows"]["allocation"]
    monkeypatch.setattr(idempotency, "_now", lambda: start + timedelta(hours=24))
    later = _post(api, world, allocation)
    assert later.status_code == 201 and idempotency.REPLAYED_HEADER not in later.headers
    assert later.get_json()["id"] != first.get_json()["id"]
    assert snapshot(world.app)["rows"]["allocation"] == before + 1
    with world.app.app_context():  # the expired record made way for the new one
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 1


def test_the_purge_command_deletes_expired_keys_only(world):
    api = world.client("sponsor")
    assert _post(api, world, MONEY_ROUTES[0], key="ieri").status_code == 201
    assert _post(api, world, MONEY_ROUTES[3], key="oggi").status_code == 201
    with world.app.app_context():
        old = db.session.scalar(sa.select(IdempotencyRecord).filter_by(path=MONEY_ROUTES[0].url(world)))
        old.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
        db.session.commit()
    result = world.app.test_cli_runner().invoke(cli, ["purge-idempotency-keys"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired" in result.output
    with world.app.app_context():
        assert [r.path for r in db.session.scalars(sa.select(IdempotencyRecord))] == [MONEY_ROUTES[3].url(world)]


# --- what is stored ------------------------------------------------------------------------


def test_claim_codes_are_stored_sealed_and_the_replay_gives_codes_that_work(world):
    school = world.client("school")
    route = MONEY_ROUTES[1]
    first = _post(school, world, route)
    codes = [c["code"] for c in first.get_json()["codes"]]
    with world.app.app_context():
        stored = db.session.scalar(sa.select(IdempotencyRecord))
        assert stored.key_digest != KEY and KEY.encode() not in stored.response_sealed
        for code in codes:
            assert code.encode() not in stored.response_sealed
            assert code.replace("-", "").encode() not in stored.response_sealed
    again = _post(school, world, route)
    assert [c["code"] for c in again.get_json()["codes"]] == codes
    claimed = world.client("wallet").post("/api/v1/wallet/claims", json={"code": codes[1]})
    assert claimed.status_code == 201, claimed.get_json()


def test_a_stored_answer_opens_only_with_the_same_key_principal_and_secret(world):
    attempt = idempotency_api.Attempt(principal="user:1", key=KEY, method="POST", path="/api/v1/x", body=b"{}")
    with world.app.app_context():
        record = IdempotencyRecord()
        idempotency_api.complete(record, attempt, status=201, content_type="application/json", body=b'{"a": 1}',
                                 secret="segreto")
        assert idempotency_api.stored_answer(record, attempt, secret="segreto") == b'{"a": 1}'
        for other, secret in ((attempt, "un altro segreto"),
                              (idempotency_api.Attempt("user:2", KEY, "POST", "/api/v1/x", b"{}"), "segreto"),
                              (idempotency_api.Attempt("user:1", KEY + "x", "POST", "/api/v1/x", b"{}"), "segreto")):
            with pytest.raises(idempotency_exceptions.ReplayUnavailable):
                idempotency_api.stored_answer(record, other, secret=secret)
        db.session.rollback()


def test_the_headers_kept_with_an_answer_are_sealed_and_open_only_as_headers(world):
    attempt = idempotency_api.Attempt(principal="user:1", key=KEY, method="POST", path="/api/v1/x", body=b"{}")
    with world.app.app_context():
        record = IdempotencyRecord()
        idempotency_api.complete(record, attempt, status=202, content_type="application/json", body=b'{"id": 7}',
                                 secret="segreto", headers={"Location": "/api/v1/jobs/7"})
        assert b"/api/v1/jobs/7" not in record.response_headers_sealed
        assert idempotency_api.stored_headers(record, attempt, secret="segreto") == {"Location": "/api/v1/jobs/7"}
        with pytest.raises(idempotency_exceptions.ReplayUnavailable):
            idempotency_api.stored_headers(record, attempt, secret="un altro segreto")
        # Each seal opens as what it is: the body's blob put where the headers' go does not.
        record.response_headers_sealed = record.response_sealed
        with pytest.raises(idempotency_exceptions.ReplayUnavailable):
            idempotency_api.stored_headers(record, attempt, secret="segreto")
        idempotency_api.complete(record, attempt, status=201, content_type="application/json", body=b"{}",
                                 secret="segreto")  # an answer with none of the kept headers
        assert record.response_headers_sealed is None
        assert idempotency_api.stored_headers(record, attempt, secret="segreto") == {}
        db.session.rollback()


# --- the OpenAPI document -------------------------------------------------------------------

REQUIRED = {
    "/api/v1/campaigns/{campaign_id}/allocations", "/api/v1/schools/{school_id}/allocations/{allocation_id}/codes",
    "/api/v1/schools/{school_id}/allocations/{allocation_id}/direct", "/api/v1/campaigns/{campaign_id}/topups",
    "/api/v1/schools/{school_id}/allocations/{allocation_id}/codes/reissue",
    "/api/v1/admin/topups/{topup_id}/confirm", "/api/v1/wallet/claims", "/api/v1/wallet/bookings",
    "/api/v1/wallet/bookings/{booking_id}/cancel", "/api/v1/topups/{topup_id}/cancel",
    "/api/v1/admin/bank-statements", "/api/v1/admin/bank-statements/{statement_id}/resume",
    "/api/v1/admin/bank-lines/{line_id}/decision",
    "/api/v1/admin/settlement-runs", "/api/v1/admin/settlement-runs/{run_id}/confirm-paid",
    "/api/v1/admin/payouts/{payout_id}/confirm-paid", "/api/v1/admin/settlement-holds",
    "/api/v1/admin/settlement-holds/{hold_id}/release",
    "/api/v1/schools/{school_id}/allocations/{allocation_id}/cards/{card_number}/recovery",
    "/api/v1/admin/vouchers/{voucher_id}/decision",
}
OPTIONAL = {
    "/api/v1/campaigns", "/api/v1/venues/{venue_id}/events", "/api/v1/organisations",
    "/api/v1/organisations/{organisation_id}/invitations", "/api/v1/venues/{venue_id}/scanners",
    "/api/v1/wallet/bookings/{booking_id}/rating", "/api/v1/venues/{venue_id}/events/{event_id}/cancel",
    "/api/v1/venues/{venue_id}/stories",
}


def test_the_document_names_the_header_on_exactly_the_routes_of_the_readme(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    found = {}
    for path, operations in paths.items():
        for parameter in operations.get("post", {}).get("parameters", []):
            if parameter["name"] == idempotency.HEADER:
                found[path] = parameter["required"]
    assert {p for p, required in found.items() if required} == REQUIRED
    assert {p for p, required in found.items() if not required} == OPTIONAL


# --- concurrency (PostgreSQL: SQLite queues whole transactions) ----------------------------


class Held:
    """Holds the allocation use case open until released, as a slow request would."""

    def __init__(self, monkeypatch):
        self.entered, self.released, self.calls = threading.Event(), threading.Event(), 0
        real = vouchers_api.allocate

        def allocate(**kwargs):
            self.calls += 1
            self.entered.set()
            assert self.released.wait(60), "never released"
            return real(**kwargs)

        monkeypatch.setattr(vouchers_api, "allocate", allocate)


@pytest.mark.postgres
def test_a_concurrent_retry_waits_for_the_first_and_gets_its_answer(world, monkeypatch):
    held = Held(monkeypatch)
    clients = [world.client("sponsor"), world.client("sponsor")]  # two tabs of one person
    before = snapshot(world.app)["rows"]["allocation"]
    answers = [None, None]

    def send(index):
        answers[index] = _post(clients[index], world, MONEY_ROUTES[0])

    first = threading.Thread(target=send, args=(0,))
    first.start()
    assert held.entered.wait(30)
    second = threading.Thread(target=send, args=(1,))
    second.start()
    until(lambda: waiting_on_a_lock(world.app) >= 1)  # the retry waits on the key's index
    held.released.set()
    first.join(60)
    second.join(60)
    assert held.calls == 1
    assert [a.status_code for a in answers] == [201, 201]
    assert idempotency.REPLAYED_HEADER not in answers[0].headers
    assert answers[1].headers[idempotency.REPLAYED_HEADER] == "true"
    assert answers[1].get_data() == answers[0].get_data()
    assert snapshot(world.app)["rows"]["allocation"] == before + 1


@pytest.mark.postgres
def test_a_concurrent_retry_past_the_wait_is_told_to_come_back(world, monkeypatch):
    world.app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.05
    held = Held(monkeypatch)
    clients = [world.client("sponsor"), world.client("sponsor")]
    before = snapshot(world.app)["rows"]["allocation"]
    answers = []
    first = threading.Thread(target=lambda: answers.append(_post(clients[0], world, MONEY_ROUTES[0])))
    first.start()
    assert held.entered.wait(30)
    busy = _post(clients[1], world, MONEY_ROUTES[0])
    assert busy.status_code == 409, busy.get_json()
    assert busy.get_json()["code"] == "idempotency_request_in_progress"
    assert busy.headers["Retry-After"] == "1"
    held.released.set()
    first.join(60)
    assert answers[0].status_code == 201
    later = _post(clients[1], world, MONEY_ROUTES[0])
    assert later.headers[idempotency.REPLAYED_HEADER] == "true" and later.get_data() == answers[0].get_data()
    assert held.calls == 1
    assert snapshot(world.app)["rows"]["allocation"] == before + 1
