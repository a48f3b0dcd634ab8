"""The national-peak bench's world: a funded campaign, claimed vouchers (each with its
phone's key, its credential and a wallet session), venues with two scanner phones each
and an event, and a programme of events for browsing. Written to a JSON file the
locust processes read (locustfile.py); nothing in it is real.

Each voucher is spent at one scanner only, so a scanner's share of the offline allowance
(half of it: two phones per venue) bounds what it may accept, as at a real door.
"""
import json
import os
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

PASSWORD = "bench-password"
VAT = "00743110157"
IBAN = "IT60X0542811101000000123456"


def build(url: str, instance: Path, *, vouchers: int, venues: int, events_per_venue: int = 3) -> dict:
    os.environ["MENTORING_INSTANCE_PATH"] = str(instance)
    from server import create_app, keys
    from server.accounts import api as accounts_api
    from server.accounts.models import APPROVED, Wallet
    from server.campaigns import api as campaigns_api
    from server.catalogue import api as catalogue_api
    from server.door import bundle as door_bundle, enrolment as door_enrolment
    from server.extensions import db
    from server.http import auth
    from server.payments import api as payments_api
    from server.vouchers import api as vouchers_api
    from signing import DeviceKey, keystore

    # Keys from yesterday: credentials issued two hours ago are already valid.
    keystore.init(instance, now=int(time.time()) - 86_400)
    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "LOG_JSON": False,
                      "RATELIMIT_ENABLED": False})  # the staff logins below, all from here
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.create_all()
        admin = accounts_api.create_user(email="admin@bench.it", password=PASSWORD, is_platform_admin=True)

        def organisation(kind, name, **extra):
            owner = accounts_api.create_user(email=f"{name}@bench.it", password=PASSWORD)
            made = accounts_api.register_organisation(owner=owner, kind=kind, name=name, municipality="Milano",
                                                      **extra)
            made.status = APPROVED
            return made, owner

        sponsor, _ = organisation("sponsor", "sponsor", vat_number=VAT)
        school, _ = organisation("school", "school", school_code="MIIS00900T")
        campaign = campaigns_api.create_campaign(
            sponsor=sponsor, name="Picco nazionale", face_value_cents=2_500, offline_allowance_cents=2_400,
            categories=["teatro", "musei", "cinema", "musica"], valid_from=date.today() - timedelta(days=1),
            valid_until=date.today() + timedelta(days=60))
        topup = payments_api.create_topup(campaign=campaign, sponsor=sponsor, amount_cents=2_500 * vouchers * 2)
        payments_api.confirm_topup(topup=topup, operator=admin, now=now)
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=vouchers,
                                           today=date.today())
        codes = []
        while len(codes) < vouchers:  # at most MAX_CODES_PER_REQUEST (1,000) a call, as a school asks
            codes += vouchers_api.issue_codes(allocation=allocation, count=min(1_000, vouchers - len(codes)),
                                              secret=app.secret_key)
        holders = []
        for code in codes:
            device = DeviceKey.generate()
            wallet = Wallet(device_key=device.public_bytes)
            db.session.add(wallet)
            voucher = vouchers_api.claim(wallet=wallet, code_text=code, secret=app.secret_key, today=date.today())
            credential = vouchers_api.credential(voucher=voucher, wallet=wallet, keyset=keys.issuer_keyset(),
                                                 now=now - timedelta(hours=2))
            db.session.flush()
            with app.test_request_context():
                token = auth.wallet_token(wallet)
            holders.append({"credential": credential, "device": _secret(device), "token": token})
        scanners, events = [], []
        categories = ["teatro", "musei", "cinema", "musica"]
        for number in range(venues):
            venue, staff = organisation("venue", f"venue{number}", vat_number=VAT, iban=IBAN,
                                        categories=categories)
            for slot in range(events_per_venue):
                starts = now + timedelta(days=1 + slot)
                event = catalogue_api.create_event(
                    venue=venue, title=f"Spettacolo {number}-{slot}", category=categories[slot % len(categories)],
                    kind="event", starts_at=starts, ends_at=starts + timedelta(hours=2), price_cents=500,
                    capacity=500, now=now)
                events.append(event.id)
            door_event = events[-events_per_venue]
            for label in ("Ingresso A", "Ingresso B"):
                device = DeviceKey.generate()
                scanner = door_enrolment.enroll(venue=venue, user=staff, public_key_hex=device.public_bytes.hex(),
                                                label=label, now=now - timedelta(days=1))
                door_bundle.bootstrap(scanner=scanner, keys=keys.public_keyset(), since=0, now=now)
                scanners.append({"id": scanner.id, "device": _secret(device), "event_id": door_event,
                                 "staff_email": staff.email})
        db.session.commit()
        # Each phone's staff logged in at the start of the shift: their session cookies,
        # made here so the measured run holds no login burst.
        for scanner in scanners:
            client = app.test_client()
            logged_in = client.post("/api/v1/auth/login", json={"email": scanner["staff_email"], "password": PASSWORD})
            assert logged_in.status_code == 200, logged_in.get_json()
            scanner["session_cookie"] = f"session={client.get_cookie('session').value}"
        db.engine.dispose()
    return {"holders": holders, "scanners": scanners, "events": events, "built_at": now.isoformat()}


def _secret(device) -> str:
    return hex(device.private_key.private_numbers().private_value)


def write(world: dict, path: Path) -> Path:
    path.write_text(json.dumps(world))
    return path
