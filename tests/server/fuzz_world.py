"""A small pilot for the fuzzer (tests/server/test_api_schema.py) to act in: one person
who is a platform admin and owns an approved sponsor, school and venue, and a student's
phone with a claimed voucher and a booking, so that the fuzzed requests pass the login
and membership checks and reach the rules behind them. Every kind of row the paths name
exists with ids from 1 up (`SEEDED_IDS` of most kinds)."""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


from server import keys
from server.accounts.models import MEMBER, STAFF, Membership, Wallet
from server.bookings import api as bookings_api
from server.door import enrolment
from server.extensions import db
from server.http.fields import MAX_ID
from server.payments import api as payments_api
from server.vouchers import api as vouchers_api
from signing import DeviceKey, keystore
from tests.schema import empty_tables
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories

# Ids the fuzzer aims at: most tables have rows 1 to 3 once `build` ran.
SEEDED_IDS = 3
EMAIL = "fuzz@example.it"


@dataclass
class World:
    headers: dict  # a member's CSRF token and a wallet's bearer token
    cookies: dict  # the member's session cookie


def build(app) -> World:
    keystore.init(app.instance_path, now=int(datetime.now(timezone.utc).timestamp()) - 86_400)
    now = datetime.now(timezone.utc)
    with app.app_context():
        person = factories.user(admin=True, email=EMAIL)
        sponsors = [factories.organisation("sponsor", owner=person) for _ in range(SEEDED_IDS)]
        schools = [factories.organisation("school", owner=person) for _ in range(SEEDED_IDS)]
        venues = [catalogue_factories.venue(owner=person) for _ in range(SEEDED_IDS)]
        pending = factories.organisation("sponsor", owner=person, approved=False)  # for the operator
        others = []
        for organisation in (*sponsors, *schools, *venues):
            others.append(Membership(user=factories.user(), organisation=organisation,
                                     role=STAFF if organisation in venues else MEMBER))
            db.session.add(others[-1])
        db.session.flush()
        made = {"sponsor_id": sponsors, "school_id": schools, "venue_id": venues,
                "organisation_id": [*sponsors, *schools, *venues, pending], "membership_id": others}
        for name, rows in made.items():
            assert tuple(row.id for row in rows) == TARGETS[name], (name, [row.id for row in rows])
        campaigns = [factories.funded_campaign(sponsor, amount_cents=1_000_000) for sponsor in sponsors]
        payments_api.create_topup(campaign=campaigns[0], sponsor=sponsors[0], amount_cents=50_000)
        events = [catalogue_factories.event(venue, category="teatro", price_cents=500) for venue in venues]
        wallet_key = DeviceKey.generate()
        wallet = Wallet(device_key=wallet_key.public_bytes)
        db.session.add(wallet)
        for campaign, school in zip(campaigns, schools):
            allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=20, today=date.today())
            codes = vouchers_api.issue_codes(allocation=allocation, count=5, secret=app.secret_key)
            voucher = vouchers_api.claim(wallet=wallet, code_text=codes[0], secret=app.secret_key,
                                         today=date.today())
            vouchers_api.credential(voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(), now=now)
        for index, event in enumerate(events):
            bookings_api.book(wallet=wallet, event_id=event.id, voucher_id=1, request_id=f"seme-{index:04d}",
                              now=now)
        for venue in venues:
            enrolment.enroll(venue=venue, user=person, public_key_hex=DeviceKey.generate().public_bytes.hex(),
                             label="Ingresso", now=now - timedelta(hours=1))
        db.session.commit()
    member = factories.ApiClient(app.test_client()).login(EMAIL)
    cookie = member.client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    wallet_api, _ = factories.wallet_client(app, wallet_key)
    return World(headers={"X-CSRF-Token": member.csrf, "Authorization": f"Bearer {wallet_api.bearer}"},
                 cookies={cookie.key: cookie.value})


def reset(app) -> None:
    """Empty every table, ids starting from 1 again, for `build` to make the pilot anew."""
    with app.app_context():
        empty_tables()


# What `build` makes, by the name a path, query or body gives its id (asserted there):
# organisations 1-3 are sponsors, 4-6 schools, 7-9 venues, 10 a pending sponsor;
# memberships 11-19 are the other people's, removable (1-10 are the owner's).
TARGETS = {
    "sponsor_id": (1, 2, 3), "co_sponsor_ids": (1, 2, 3), "school_id": (4, 5, 6), "venue_id": (7, 8, 9),
    "organisation_id": tuple(range(1, 11)), "membership_id": tuple(range(11, 20)),
}
DEFAULT_TARGETS = tuple(range(1, SEEDED_IDS + 1))


def aim(value, name: str = ""):
    """Two ids in three become one `build` made for `name`, so that requests reach rows
    that exist; the third stays as drawn (an id nobody has). Values outside the id range
    stay too: the fuzzer drew them to be refused."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID and value % 3:
        targets = TARGETS.get(name, DEFAULT_TARGETS)
        return targets[value % len(targets)]
    return value


def aim_ids(values: dict | None) -> dict | None:
    """`aim` every `…_id` (and each of `…_ids`) in a dict of path, query or body values."""
    if not isinstance(values, dict):
        return values
    aimed = dict(values)
    for name, value in values.items():
        if name.endswith("_id"):
            aimed[name] = aim(value, name)
        elif name.endswith("_ids") and isinstance(value, list):
            aimed[name] = [aim(item, name) for item in value]
    return aimed


def with_idempotency_key(case):
    """Two requests in three get an Idempotency-Key of their own in place of the drawn one
    (money routes need one, and the fuzzer's draws repeat: "0" again with another body is a
    422 by design); the third keeps what was drawn. Derived from the request, never from a
    counter: Hypothesis must see the same request whenever it replays the same draws."""
    headers = case.headers or {}
    if "Idempotency-Key" not in headers:
        return case
    request = (case.method, case.path, case.path_parameters, case.query, case.body, headers["Idempotency-Key"])
    digest = hashlib.sha256(repr(request).encode()).hexdigest()
    if int(digest, 16) % 3:
        case.headers = {**headers, "Idempotency-Key": f"fuzz-{digest[:32]}"}
    return case
