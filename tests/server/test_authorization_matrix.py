"""Who may call what: every role against every endpoint of the API.

One scenario (a funded campaign, its school allocation, a claimed voucher, a booked
event, an enrolled scanner) and one table listing every non-public endpoint with the
roles allowed to call it. Every other role must be refused before anything happens:
401 when it lacks the kind of identity the endpoint needs (no login, or no wallet),
403 when it is logged in but not allowed, always as problem+json with an
authorization code; another wallet asking for this wallet's voucher or booking gets
404, so that wallets cannot probe each other's ids. Allowed roles must get past authorization: they may still get a
404, 409 or 422 for the table's dummy requests, never a 401, 403 or 5xx.

``test_the_matrix_lists_every_api_route`` fails when a route under /api/ is added
without a row here (or a row outlives its route), so the matrix stays complete.

The scenario is built once for the module (rebuilding it for each of the ~400 cases
would cost minutes on PostgreSQL). Cases run in table order and allowed writes do
change it (a booking gets cancelled, a pending organisation approved); every row is
written so that what came before cannot turn a refusal into a pass.
"""
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import pytest

from server import create_app
from server.accounts import api as accounts_api
from server.accounts.models import MEMBER, SCHOOL, SPONSOR, STAFF, VENUE, Membership, User, Wallet
from server.bookings import api as bookings_api
from server.catalogue import api as catalogue_api
from server.extensions import db
from server.http import auth
from server.ledger import api as ledger_api
from server.payments import api as payments_api
from server.settlement.models import Payout, SettlementRun
from server.door import enrolment as scanners_api
from server.stories import api as stories_api
from server.vouchers import api as vouchers_api
from signing import DeviceKey
from tests.conftest import database_url_from_environment
from tests.schema import fresh_schema
from tests.server import factories

# --- roles ------------------------------------------------------------------------------

SPONSOR_MEMBER, SCHOOL_MEMBER = "sponsor member", "school member"
VENUE_OWNER, VENUE_MEMBER, VENUE_STAFF = "venue owner", "venue member", "venue staff"
ADMIN, WALLET, OTHER_WALLET, ANONYMOUS = "platform admin", "wallet", "another wallet", "anonymous"
OTHER_SPONSOR, OTHER_SCHOOL, OTHER_VENUE = "other sponsor's member", "other school's member", "other venue's owner"
LOGGED_IN = (SPONSOR_MEMBER, SCHOOL_MEMBER, VENUE_OWNER, VENUE_MEMBER, VENUE_STAFF, ADMIN,
             OTHER_SPONSOR, OTHER_SCHOOL, OTHER_VENUE)
WALLETS = (WALLET, OTHER_WALLET)
ROLES = (*LOGGED_IN, *WALLETS, ANONYMOUS)

# What a refusal may say: authentication or authorization, never e.g. "csrf_failed".
REFUSAL_CODES = {
    401: {"login_required", "wallet_required"},
    403: {"admin_only", "not_a_member", "not_a_campaign_sponsor", "organisation_not_approved"},
    # Another wallet's vouchers and bookings are "not found" rather than forbidden:
    # a wallet cannot even learn which ids exist.
    404: {"voucher_not_found", "booking_not_found",
          # An organisation's jobs, to anyone not of it: as for a job one may not see.
          "job_not_found"},
}

# --- the table --------------------------------------------------------------------------

USER, NEEDS_WALLET = "user", "wallet"


@dataclass(frozen=True)
class Endpoint:
    method: str
    rule: str  # exactly as in app.url_map
    allowed: frozenset = frozenset()
    needs: str = USER  # the identity a refused caller lacks: a login, or a wallet
    body: object = None  # JSON, or a function of the Scenario that makes it
    ids: tuple = ()  # (URL parameter, scenario object) where not the default one
    hidden: bool = False  # a login not allowed gets 404, as if there were nothing there

    def __str__(self):
        return f"{self.method} {self.rule}"


def _e(method, rule, allowed=(), **options):
    return Endpoint(method, "/api/v1" + rule, frozenset(allowed), **options)


SPONSOR_SIDE = (SPONSOR_MEMBER, ADMIN)
VENUE_PEOPLE = (VENUE_OWNER, VENUE_MEMBER, VENUE_STAFF)
VENUE_EDITORS = (VENUE_OWNER, VENUE_MEMBER)  # staff scan; they do not edit the programme


ONE_PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def _event_body(scenario):
    starts_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=9)
    return {"title": "Matrice", "category": "teatro", "kind": "event", "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=2)).isoformat(), "price_cents": 1000, "capacity": 10}


PROTECTED = (
    # accounts
    _e("GET", "/auth/me", LOGGED_IN),
    # The right current password and a too short new one: past authorization, nothing changes.
    _e("POST", "/auth/password", LOGGED_IN, body={"current_password": factories.PASSWORD, "new_password": "corta"}),
    _e("POST", "/organisations", LOGGED_IN, body={"kind": "sponsor", "name": "Nuovo sponsor",
                                                  "municipality": "Milano", "vat_number": factories.VALID_VAT}),
    _e("GET", "/organisations/<int:organisation_id>", (SPONSOR_MEMBER, ADMIN)),
    _e("GET", "/organisations/<int:organisation_id>", (VENUE_OWNER, VENUE_MEMBER, ADMIN),
       ids=(("organisation_id", "venue"),)),
    _e("POST", "/organisations/<int:organisation_id>/invitations", (VENUE_OWNER,),
       body={"email": "nuovo.collega@example.it", "role": "staff"}, ids=(("organisation_id", "venue"),)),
    _e("GET", "/organisations/<int:organisation_id>/members", (VENUE_OWNER, ADMIN), ids=(("organisation_id", "venue"),)),
    _e("DELETE", "/organisations/<int:organisation_id>/members/<int:membership_id>", (VENUE_OWNER,),
       ids=(("organisation_id", "venue"),)),
    _e("GET", "/admin/organisations", (ADMIN,)),
    _e("POST", "/admin/organisations/<int:organisation_id>/decision", (ADMIN,), body={"approve": True},
       ids=(("organisation_id", "pending_organisation"),)),
    _e("POST", "/admin/organisations/<int:organisation_id>/iban-decision", (ADMIN,), body={"approve": False},
       ids=(("organisation_id", "venue"),)),
    # campaigns
    _e("POST", "/campaigns", (SPONSOR_MEMBER,), body=lambda s: {
        "sponsor_id": s.refs["sponsor"], "name": "Matrice", "face_value_cents": 2000,
        "offline_allowance_cents": 1000, "categories": ["teatro"], "valid_from": s.today.isoformat(),
        "valid_until": (s.today + timedelta(days=30)).isoformat()}),
    _e("GET", "/campaigns/<int:campaign_id>", SPONSOR_SIDE),
    _e("GET", "/sponsors/<int:sponsor_id>/campaigns", SPONSOR_SIDE),
    # vouchers
    _e("POST", "/campaigns/<int:campaign_id>/allocations", SPONSOR_SIDE,
       body=lambda s: {"school_id": s.refs["school"], "voucher_count": 1}),
    _e("GET", "/schools/<int:school_id>/allocations", (SCHOOL_MEMBER,)),
    _e("POST", "/schools/<int:school_id>/allocations/<int:allocation_id>/codes", (SCHOOL_MEMBER,),
       body={"count": 1}),
    _e("POST", "/schools/<int:school_id>/allocations/<int:allocation_id>/direct", (SCHOOL_MEMBER,),
       body={"device_keys": ["00"]}),
    _e("POST", "/schools/<int:school_id>/allocations/<int:allocation_id>/codes/reissue", (SCHOOL_MEMBER,),
       body={"serials": [9999]}),
    _e("POST", "/schools/<int:school_id>/allocations/<int:allocation_id>/cards.<any(pdf, csv):fmt>", (SCHOOL_MEMBER,),
       body={"cards": [{"serial": 1, "code": "0000-0000-0000"}]}),
    _e("POST", "/wallet/claims", WALLETS, needs=NEEDS_WALLET, body={"code": "0000-0000-0000"}),
    _e("GET", "/wallet/vouchers", WALLETS, needs=NEEDS_WALLET),
    _e("GET", "/wallet/history", WALLETS, needs=NEEDS_WALLET),
    _e("POST", "/wallet/vouchers/<int:voucher_id>/credential", (WALLET,), needs=NEEDS_WALLET),
    # payments
    _e("POST", "/campaigns/<int:campaign_id>/topups", SPONSOR_SIDE, body={"amount_cents": 5_000}),
    _e("GET", "/topups/<int:topup_id>", SPONSOR_SIDE),
    _e("GET", "/topups/<int:topup_id>/qr.<any(png, svg):fmt>", SPONSOR_SIDE),
    _e("GET", "/campaigns/<int:campaign_id>/topups", SPONSOR_SIDE),
    _e("GET", "/admin/topups", (ADMIN,)),
    _e("POST", "/admin/topups/<int:topup_id>/confirm", (ADMIN,), ids=(("topup_id", "pending_topup"),)),
    # The scenario's top-up is confirmed: allowed callers get 409 topup_confirmed, nothing changes.
    _e("POST", "/topups/<int:topup_id>/cancel", SPONSOR_SIDE),
    # documents
    _e("GET", "/topups/<int:topup_id>/receipt.pdf", SPONSOR_SIDE),
    _e("GET", "/sponsors/<int:sponsor_id>/receipts", SPONSOR_SIDE),
    _e("GET", "/payouts/<int:payout_id>/statement.<any(pdf, csv):fmt>", (VENUE_OWNER, VENUE_MEMBER, ADMIN)),
    # bank statements (the body is not a statement: past authorization, nothing stored)
    _e("POST", "/admin/bank-statements/preview", (ADMIN,), body={"content": "bm90IGEgc3RhdGVtZW50"}),
    _e("POST", "/admin/bank-statements", (ADMIN,), body={"content": "bm90IGEgc3RhdGVtZW50"}),
    _e("GET", "/admin/bank-statements", (ADMIN,)),
    _e("GET", "/admin/bank-statements/<int:statement_id>", (ADMIN,)),
    # resuming a failed import (none here: 404 statement_not_found past authorization)
    _e("POST", "/admin/bank-statements/<int:statement_id>/resume", (ADMIN,)),
    _e("GET", "/admin/bank-lines", (ADMIN,)),
    _e("POST", "/admin/bank-lines/<int:line_id>/decision", (ADMIN,), body={"action": "set_aside", "note": "Matrice"}),
    # scanners
    _e("POST", "/venues/<int:venue_id>/scanners", VENUE_PEOPLE,
       body=lambda s: {"public_key": DeviceKey.generate().public_bytes.hex(), "label": "Matrice"}),
    _e("GET", "/scanners/<int:scanner_id>/bootstrap", VENUE_PEOPLE),
    _e("GET", "/venues/<int:venue_id>/scanners", VENUE_EDITORS),
    _e("POST", "/venues/<int:venue_id>/scanners/<int:scanner_id>/retire", VENUE_EDITORS,
       ids=(("scanner_id", "spare_scanner"),)),
    _e("GET", "/admin/flags", (ADMIN,)),
    # recovery (server/recovery): no such card (404) and an active voucher (409) get past authorization
    _e("GET", "/schools/<int:school_id>/vouchers", (SCHOOL_MEMBER,)),
    _e("POST", "/schools/<int:school_id>/allocations/<int:allocation_id>/cards/<int:card_number>/recovery",
       (SCHOOL_MEMBER,), ids=(("card_number", "no_such_row"),)),
    _e("POST", "/admin/vouchers/<int:voucher_id>/decision", (ADMIN,), body={"decision": "recover", "note": "Matrice"}),
    # bookings
    _e("POST", "/wallet/bookings", (WALLET,), needs=NEEDS_WALLET, body=lambda s: {
        "event_id": s.refs["event"], "voucher_id": s.refs["voucher"], "request_id": "matrix-booking-2"}),
    _e("GET", "/wallet/bookings", WALLETS, needs=NEEDS_WALLET),
    _e("POST", "/wallet/bookings/<int:booking_id>/ticket", (WALLET,), needs=NEEDS_WALLET),
    _e("POST", "/wallet/bookings/<int:booking_id>/rating", (WALLET,), needs=NEEDS_WALLET, body={"stars": 4}),
    _e("POST", "/wallet/bookings/<int:booking_id>/cancel", (WALLET,), needs=NEEDS_WALLET),
    # catalogue: a venue's own programme (the spare event: nobody has booked it)
    _e("GET", "/venues/<int:venue_id>/events", VENUE_EDITORS),
    _e("POST", "/venues/<int:venue_id>/events", VENUE_EDITORS, body=_event_body),
    _e("PATCH", "/venues/<int:venue_id>/events/<int:event_id>", VENUE_EDITORS, body={"title": "Rinominato"},
       ids=(("event_id", "spare_event"),)),
    _e("POST", "/venues/<int:venue_id>/events/<int:event_id>/cancel", VENUE_EDITORS,
       ids=(("event_id", "spare_event"),)),
    _e("PUT", "/venues/<int:venue_id>/events/<int:event_id>/poster", VENUE_EDITORS, body={"content": ONE_PIXEL_PNG}),
    _e("DELETE", "/venues/<int:venue_id>/events/<int:event_id>/poster", VENUE_EDITORS),
    # reports
    _e("GET", "/venues/<int:venue_id>/report", VENUE_PEOPLE),
    _e("GET", "/schools/<int:school_id>/report", (SCHOOL_MEMBER,)),
    _e("GET", "/campaigns/<int:campaign_id>/impact", SPONSOR_SIDE),
    # shareable impact: the report as files, the sponsor's public page (its owner switches it;
    # the scenario's sponsor has none), the window sticker (409 while the page is off)
    _e("GET", "/campaigns/<int:campaign_id>/impact.<any(pdf, csv):fmt>", SPONSOR_SIDE),
    _e("GET", "/organisations/<int:organisation_id>/public-page", SPONSOR_SIDE),
    _e("PUT", "/organisations/<int:organisation_id>/public-page", (), body={"enabled": False}),
    _e("GET", "/organisations/<int:organisation_id>/sticker.pdf", SPONSOR_SIDE),
    _e("GET", "/admin/overview", (ADMIN,)),
    # background jobs: any login may ask; a job not its own (here none exists) is 404 job_not_found
    # (tests/server/jobs/test_issuance_job.py checks creator, organisation and admin)
    _e("GET", "/jobs/<int:job_id>", LOGGED_IN, ids=(("job_id", "no_such_row"),)),
    # an organisation's recent jobs (tests/server/jobs/test_organisation_jobs.py): its members, admins
    _e("GET", "/organisations/<int:organisation_id>/jobs", (SCHOOL_MEMBER, ADMIN), ids=(("organisation_id", "school"),),
       hidden=True),
    # settlement: the operator runs, exports and confirms; a venue's owners and members see its payouts
    _e("POST", "/admin/settlement-runs", (ADMIN,), body=lambda s: {"cut_off": (s.today - timedelta(days=1)).isoformat()}),
    _e("GET", "/admin/settlement-runs", (ADMIN,)),
    _e("GET", "/admin/settlement-runs/<int:run_id>", (ADMIN,)),
    _e("GET", "/admin/settlement-runs/<int:run_id>/pain.001.xml", (ADMIN,)),
    # Exported, but nothing in transit in the scenario's books: refused with a 409, moving nothing.
    _e("POST", "/admin/settlement-runs/<int:run_id>/confirm-paid", (ADMIN,), body=lambda s: {"booked_on": s.today.isoformat()}),
    _e("POST", "/admin/payouts/<int:payout_id>/confirm-paid", (ADMIN,), body=lambda s: {"booked_on": s.today.isoformat()}),
    _e("GET", "/admin/settlement-holds", (ADMIN,)),
    _e("POST", "/admin/settlement-holds", (ADMIN,), body={"kind": "booking", "source_id": 2_000_000_000, "reason": "Matrice"}),
    _e("POST", "/admin/settlement-holds/<int:hold_id>/release", (ADMIN,), body={"reason": "Matrice"}),
    _e("GET", "/admin/venues/<int:venue_id>/settlement-lines", (ADMIN,)),
    _e("GET", "/venues/<int:venue_id>/payouts", (VENUE_OWNER, VENUE_MEMBER, ADMIN)),
    _e("GET", "/payouts/<int:payout_id>", (VENUE_OWNER, VENUE_MEMBER, ADMIN)),
    # stories (server/stories): a venue's owners and members post; the sponsors of a campaign used there
    # and the admins read; admins hide. The story has no photo: readers of it get 404, past authorization.
    _e("GET", "/venues/<int:venue_id>/stories", VENUE_EDITORS),
    _e("POST", "/venues/<int:venue_id>/stories", VENUE_EDITORS, body={"body": "Matrice", "no_minor_recognisable": True}),
    # No file sent: 422 story_photo_missing once past authorization.
    _e("POST", "/stories/<int:story_id>/photo", VENUE_EDITORS, ids=(("story_id", "story"),)),
    _e("GET", "/stories/<int:story_id>/photo.webp", (VENUE_OWNER, VENUE_MEMBER, SPONSOR_MEMBER, ADMIN),
       ids=(("story_id", "story"),)),
    _e("GET", "/campaigns/<int:campaign_id>/stories", SPONSOR_SIDE),
    _e("GET", "/admin/stories", (ADMIN,)),
    _e("POST", "/admin/stories/<int:story_id>/hide", (ADMIN,), body={"reason": "Matrice"}, ids=(("story_id", "story"),)),
    _e("DELETE", "/venues/<int:venue_id>/stories/<int:story_id>", VENUE_EDITORS, ids=(("story_id", "spare_story"),)),
    # thanks (server/thanks): the scenario's voucher is booked, not used: the wallet gets 409, past authorization
    _e("GET", "/wallet/vouchers/<int:voucher_id>/thanks", (WALLET,), needs=NEEDS_WALLET),
    _e("POST", "/wallet/vouchers/<int:voucher_id>/thanks", (WALLET,), needs=NEEDS_WALLET, body={"choice": "grazie"}),
    # directory: any logged-in member (a sponsor picks a school to allocate to)
    _e("GET", "/directory/schools", LOGGED_IN),
    _e("GET", "/directory/venues", LOGGED_IN),
    # accounts: profile edits, owners only (rows kept last: other tests index the table)
    _e("PATCH", "/organisations/<int:organisation_id>", (VENUE_OWNER,), body={"address": "Via della Matrice 1"},
       ids=(("organisation_id", "venue"),)),
    # The sponsor: its members and the platform admins are not its owner.
    _e("PATCH", "/organisations/<int:organisation_id>", (), body={"name": "Sponsor rinominato"}),
)


def _wallet_proof(scenario):
    device = DeviceKey.generate()
    with scenario.app.app_context():
        challenge = accounts_api.wallet_challenge(device_key_hex=device.public_bytes.hex(),
                                                  secret_key=scenario.app.secret_key)
    return {"device_key": device.public_bytes.hex(), "challenge": challenge,
            "signature": device.sign(challenge.encode()).hex()}


def _magic_link(scenario):
    with scenario.app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email=scenario.emails[SPONSOR_MEMBER]))
        token = accounts_api.magic_link_token(user=user, secret_key=scenario.app.secret_key,
                                              now=datetime.now(timezone.utc))
    return {"token": token}


# Public on purpose; anonymous callers must not be asked to log in. Bodies are valid.
PUBLIC = (
    _e("POST", "/auth/register", body={"email": "nuova.persona@example.it", "password": factories.PASSWORD}),
    _e("POST", "/auth/login", body=lambda s: {"email": s.emails[SPONSOR_MEMBER], "password": factories.PASSWORD}),
    _e("POST", "/auth/logout"),
    _e("POST", "/auth/magic-link", body={"email": "nessuno@example.it"}),
    _e("POST", "/auth/magic-link/redeem", body=_magic_link),
    _e("POST", "/invitations/accept", body={"token": "not-a-token", "password": factories.PASSWORD}),
    _e("POST", "/wallet/challenge", body={"device_key": DeviceKey.generate().public_bytes.hex()}),
    _e("POST", "/wallet/session", body=_wallet_proof),
    # Each record is signed by the scanner's key; a staff session may expire during a shift offline.
    _e("POST", "/scanners/<int:scanner_id>/sync", body={"records": ["MR:0"]}),
    # A typed door code: the record that carries it is signed by the scanner's key, as above.
    _e("POST", "/scanners/<int:scanner_id>/typed-code", body={"record": "MR:0"}),
    _e("GET", "/issuer-keys"),
    # A sponsor's public page: its owner chose to show it to anyone (no such page here: 404).
    _e("GET", "/public/sponsors/<slug>", ids=(("slug", "no_such_row"),)),
    _e("GET", "/categories"),
    _e("GET", "/catalogue"),
    _e("GET", "/catalogue/<int:event_id>"),
    _e("GET", "/events/<int:event_id>/poster/<int:width>.webp", ids=(("width", "no_such_row"),)),
    _e("GET", "/health"),
    Endpoint("GET", "/api/openapi.json"),
)

# Refusals that do not happen although they should: (endpoint, role) → what goes wrong.
# Each is an xfail(strict=True): the suite stays green, the gap stays visible, and the
# mark must go when the gap is closed.
KNOWN_GAPS = {}


# --- the scenario -----------------------------------------------------------------------

@dataclass
class Scenario:
    app: object
    refs: dict  # scenario object name → id
    emails: dict  # role → email
    wallet_tokens: dict  # wallet role → bearer token
    today: object
    clients: dict = field(default_factory=dict)  # role → logged-in test client and its headers

    def url(self, endpoint: Endpoint) -> str:
        chosen = {"organisation_id": "sponsor", "sponsor_id": "sponsor", "campaign_id": "campaign",
                  "school_id": "school", "allocation_id": "allocation", "topup_id": "topup", "venue_id": "venue",
                  "event_id": "event", "scanner_id": "scanner", "booking_id": "booking", "voucher_id": "voucher",
                  "membership_id": "leaving_membership", "run_id": "settlement_run", "payout_id": "payout",
                  "hold_id": "settlement_run", "statement_id": "no_such_row", "line_id": "no_such_row",
                  **dict(endpoint.ids)}

        def value(match):
            name = match.group(1)
            if name == "fmt":  # the QR as an image, a statement as a PDF
                return "png" if "/qr." in endpoint.rule else "pdf"
            return str(self.refs[chosen[name]])
        return re.sub(r"<(?:[^>]*:)?(\w+)>", value, endpoint.rule)

    def call(self, endpoint: Endpoint, role: str):
        body = endpoint.body(self) if callable(endpoint.body) else endpoint.body
        client, headers = self.clients.get(role) or (self.app.test_client(), {})
        if endpoint.method == "POST":  # a fresh Idempotency-Key, as the PWA sends (money routes need one)
            headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        return client.open(self.url(endpoint), method=endpoint.method, json=body, headers=headers)


def _build(app) -> Scenario:
    now = datetime.now(timezone.utc)
    people = {role: factories.user() for role in LOGGED_IN if role != ADMIN}
    people[ADMIN] = factories.user(admin=True)
    sponsor, school = factories.organisation(SPONSOR), factories.organisation(SCHOOL)
    venue = factories.organisation(VENUE, owner=people[VENUE_OWNER])
    # Someone the venue's owner takes out (the only allowed call that removes a membership).
    leaving = Membership(user=factories.user(), organisation=venue, role=MEMBER)
    db.session.add_all([leaving, Membership(user=people[SPONSOR_MEMBER], organisation=sponsor, role=MEMBER),
                        Membership(user=people[SCHOOL_MEMBER], organisation=school, role=MEMBER),
                        Membership(user=people[VENUE_MEMBER], organisation=venue, role=MEMBER),
                        Membership(user=people[VENUE_STAFF], organisation=venue, role=STAFF)])
    others = {role: factories.organisation(kind, owner=people[role])
              for role, kind in ((OTHER_SPONSOR, SPONSOR), (OTHER_SCHOOL, SCHOOL), (OTHER_VENUE, VENUE))}
    pending_organisation = factories.organisation(SPONSOR, approved=False)

    campaign = factories.campaign(sponsor)
    topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=100_000)
    payments_api.confirm_topup(topup=topup, operator=people[ADMIN], now=now)
    pending_topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=20_000)
    allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=3, today=now.date())
    (code,) = vouchers_api.issue_codes(allocation=allocation, count=1, secret=app.secret_key)
    wallet, other_wallet = (Wallet(device_key=DeviceKey.generate().public_bytes) for _ in WALLETS)
    db.session.add_all([wallet, other_wallet])
    voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=now.date())

    def event(title):
        starts_at = now + timedelta(days=7)
        return catalogue_api.create_event(venue=venue, title=title, category="teatro", kind="event",
                                          starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
                                          price_cents=1200, capacity=50, now=now)
    booked_event, spare_event = event("Amleto"), event("Otello")
    booking = bookings_api.book(wallet=wallet, event_id=booked_event.id, voucher_id=voucher.id,
                                request_id="matrix-booking-1", now=now)
    story, spare_story = (stories_api.post(venue=venue, user=people[VENUE_OWNER], body=body, no_minor_recognisable=True,
                                           now=now) for body in ("Sala piena", "Da cancellare"))
    scanner = scanners_api.enroll(venue=venue, user=people[VENUE_STAFF], label="Ingresso",
                                  public_key_hex=DeviceKey.generate().public_bytes.hex(), now=now)
    spare_scanner = scanners_api.enroll(venue=venue, user=people[VENUE_STAFF], label="Cassa",  # to retire
                                        public_key_hex=DeviceKey.generate().public_bytes.hex(), now=now)
    # A run that paid the venue (rows only: the books need not know of it for who-may-see-what).
    run = SettlementRun(cut_off=now - timedelta(days=1), status="open", created_at=now)
    db.session.add(run)
    db.session.flush()
    payout = Payout(run_id=run.id, venue_id=venue.id, amount_cents=1200, iban=factories.VALID_IBAN, status="pending",
                    end_to_end_id=f"MENT-{run.id}-matrix", remittance="Mentoring pagamento matrice")
    db.session.add(payout)
    db.session.commit()
    refs = {"sponsor": sponsor.id, "school": school.id, "venue": venue.id, "campaign": campaign.id,
            "pending_organisation": pending_organisation.id, "topup": topup.id, "pending_topup": pending_topup.id,
            "allocation": allocation.id, "voucher": voucher.id, "event": booked_event.id,
            "spare_event": spare_event.id, "booking": booking.id, "scanner": scanner.id,
            "spare_scanner": spare_scanner.id, "leaving_membership": leaving.id,
            "story": story.id, "spare_story": spare_story.id,
            "other_school": others[OTHER_SCHOOL].id, "other_venue": others[OTHER_VENUE].id,
            "no_such_row": 2_000_000_000}
    refs.update(settlement_run=run.id, payout=payout.id)
    return Scenario(app, refs, {role: user.email for role, user in people.items()},
                    {WALLET: auth.wallet_token(wallet), OTHER_WALLET: auth.wallet_token(other_wallet)}, now.date())


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    base = tmp_path_factory.mktemp("matrix")
    patch = pytest.MonkeyPatch()
    patch.setenv("MENTORING_INSTANCE_PATH", str(base / "instance"))
    app = create_app({"TESTING": True,
                      "DATABASE_URL": database_url_from_environment() or f"sqlite:///{base / 'test.db'}",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        fresh_schema()
        built = _build(app)
    for number, role in enumerate(LOGGED_IN, start=1):
        # Its own address per person: logins are rate-limited per address.
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.99.0.{number}"
        response = client.post("/api/v1/auth/login", json={"email": built.emails[role],
                                                            "password": factories.PASSWORD})
        assert response.status_code == 200, response.get_json()
        built.clients[role] = (client, {"X-CSRF-Token": response.get_json()["csrf_token"]})
    for role, token in built.wallet_tokens.items():
        built.clients[role] = (app.test_client(), {"Authorization": f"Bearer {token}"})
    yield built
    with app.app_context():
        db.session.remove()
        assert ledger_api.check_books() == []
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    patch.undo()


# --- the tests --------------------------------------------------------------------------

def _cases():
    cases = []
    for endpoint in PROTECTED:
        for role in ROLES:
            gap = KNOWN_GAPS.get((str(endpoint), role))
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            cases.append(pytest.param(endpoint, role, marks=marks, id=f"{endpoint} as {role}"))
    return cases


def _expected_refusal(endpoint: Endpoint, role: str) -> int:
    if role == OTHER_WALLET and endpoint.needs == NEEDS_WALLET:
        return 404
    if role == ANONYMOUS or endpoint.needs == NEEDS_WALLET or role in WALLETS:
        return 401
    if endpoint.hidden:
        return 404
    return 403


@pytest.mark.parametrize("endpoint, role", _cases())
def test_each_role_is_allowed_or_refused_as_the_table_says(scenario, endpoint, role):
    response = scenario.call(endpoint, role)
    if role in endpoint.allowed:
        assert response.status_code not in (401, 403) and response.status_code < 500, response.get_data(True)
    else:
        expected = _expected_refusal(endpoint, role)
        assert response.status_code == expected, response.get_data(True)
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] in REFUSAL_CODES[expected]


@pytest.mark.parametrize("endpoint", PUBLIC, ids=str)
def test_public_endpoints_ask_nobody_to_log_in(scenario, endpoint):
    response = scenario.call(endpoint, ANONYMOUS)
    assert response.status_code not in (401, 403) and response.status_code < 500, response.get_data(True)


# A member of another organisation who puts their own organisation in the URL passes
# the membership check; the object asked for must then not be found through it.
CROSSED = (
    ("POST /api/v1/schools/<int:school_id>/allocations/<int:allocation_id>/codes", OTHER_SCHOOL,
     "school_id", "other_school"),
    ("POST /api/v1/schools/<int:school_id>/allocations/<int:allocation_id>/direct", OTHER_SCHOOL,
     "school_id", "other_school"),
    ("POST /api/v1/schools/<int:school_id>/allocations/<int:allocation_id>/codes/reissue", OTHER_SCHOOL,
     "school_id", "other_school"),
    ("POST /api/v1/schools/<int:school_id>/allocations/<int:allocation_id>/cards.<any(pdf, csv):fmt>", OTHER_SCHOOL,
     "school_id", "other_school"),
    ("PATCH /api/v1/venues/<int:venue_id>/events/<int:event_id>", OTHER_VENUE, "venue_id", "other_venue"),
    ("POST /api/v1/venues/<int:venue_id>/events/<int:event_id>/cancel", OTHER_VENUE, "venue_id", "other_venue"),
    ("PUT /api/v1/venues/<int:venue_id>/events/<int:event_id>/poster", OTHER_VENUE, "venue_id", "other_venue"),
)


@pytest.mark.parametrize("endpoint_name, role, parameter, own", CROSSED)
def test_ones_own_organisation_in_the_url_reaches_none_of_anothers_objects(scenario, endpoint_name, role,
                                                                           parameter, own):
    endpoint = next(e for e in PROTECTED if str(e) == endpoint_name)
    response = scenario.call(replace(endpoint, ids=(*endpoint.ids, (parameter, own))), role)
    assert response.status_code == 404, response.get_data(True)
    assert response.get_json()["code"] in {"allocation_not_found", "event_not_found"}


def test_an_owner_removes_nobody_from_another_organisation_through_their_own(scenario):
    """The other venue's owner names their own venue in the URL and our venue member's membership."""
    client, headers = scenario.clients[OTHER_VENUE]
    with scenario.app.app_context():
        kept = db.session.scalar(db.select(Membership).join(User).where(User.email == scenario.emails[VENUE_MEMBER]))
        kept_id = kept.id
    url = f"/api/v1/organisations/{scenario.refs['other_venue']}/members/{kept_id}"

    response = client.delete(url, headers=headers)

    assert response.status_code == 404 and response.get_json()["code"] == "member_not_found"
    with scenario.app.app_context():
        assert db.session.get(Membership, kept_id).removed_at is None


def test_naming_a_co_sponsor_needs_to_be_one_of_its_people(scenario):
    create_campaign = next(e for e in PROTECTED if str(e) == "POST /api/v1/campaigns")
    body = create_campaign.body(scenario)
    client, headers = scenario.clients[SPONSOR_MEMBER]
    with scenario.app.app_context():
        other_sponsor = db.session.scalar(db.select(Membership.organisation_id).join(User).where(
            User.email == scenario.emails[OTHER_SPONSOR]))
    response = client.post("/api/v1/campaigns", json={**body, "co_sponsor_ids": [other_sponsor]}, headers=headers)
    assert response.status_code == 403, response.get_json()


def test_the_matrix_lists_every_api_route(scenario):
    served = {(method, rule.rule) for rule in scenario.app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(endpoint.method, endpoint.rule) for endpoint in (*PROTECTED, *PUBLIC)}
    assert served - listed == set(), "routes missing from the authorization matrix"
    assert listed - served == set(), "rows of the matrix whose route is gone"


def test_no_endpoint_is_both_public_and_protected():
    assert not {str(e) for e in PUBLIC} & {str(e) for e in PROTECTED}


def test_known_gaps_name_real_cases():
    cases = {(str(endpoint), role) for endpoint in PROTECTED for role in ROLES}
    assert set(KNOWN_GAPS) <= cases
