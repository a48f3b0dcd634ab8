"""Factories per domain and a logged-in API client helper for server tests."""
import uuid

from server.accounts import api as accounts_api
from server.accounts.models import APPROVED, SCHOOL, SPONSOR, VENUE
from server.extensions import db

PASSWORD = "una-password-lunga"
VALID_VAT = "00743110157"  # check digit correct
VALID_IBAN = "IT60X0542811101000000123456"

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def user(*, admin=False, email=None):
    return accounts_api.create_user(email=email or f"persona{_next()}@example.it", password=PASSWORD,
                                    is_platform_admin=admin)


def organisation(kind, *, owner=None, approved=True, name=None):
    owner = owner or user()
    extra = {SPONSOR: {"vat_number": VALID_VAT},
             VENUE: {"vat_number": VALID_VAT, "iban": VALID_IBAN},
             SCHOOL: {"school_code": f"MIIS{_next():05d}X"}}[kind]
    org = accounts_api.register_organisation(owner=owner, kind=kind, name=name or f"{kind} {_next()}",
                                             municipality="Milano", **extra)
    if approved:
        org.status = APPROVED
    db.session.flush()
    return org


AUTO = object()  # ApiClient.post: make a fresh Idempotency-Key


class ApiClient:
    """Flask's test client that logs in and echoes the CSRF token like the PWA does."""

    def __init__(self, client):
        self.client = client
        self.csrf = None
        self.bearer = None

    def login(self, email, password=PASSWORD):
        response = self.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        self.csrf = response.get_json()["csrf_token"]
        return self

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        if self.bearer:
            headers.setdefault("Authorization", f"Bearer {self.bearer}")
        return headers

    def get(self, url, **kwargs):
        return self.client.get(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, url, json=None, *, idempotency_key=AUTO, **kwargs):
        """POST as the PWA does: a new Idempotency-Key for each call unless one is given
        (the same one to retry; None to send none)."""
        headers = self._headers(kwargs.pop("headers", None))
        if idempotency_key is AUTO:
            idempotency_key = str(uuid.uuid4())
        if idempotency_key is not None:
            headers.setdefault("Idempotency-Key", idempotency_key)
        return self.client.post(url, json=json, headers=headers, **kwargs)

    def delete(self, url, **kwargs):
        return self.client.delete(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)


def campaign(sponsor, *, face_value_cents=2_500, offline_allowance_cents=1_500, categories=("teatro", "musei"),
             risk_reserve_bps=200):
    from datetime import date, timedelta

    from server.campaigns import api as campaigns_api

    today = date.today()
    return campaigns_api.create_campaign(
        sponsor=sponsor, name=f"Cultura per tutti {_next()}", face_value_cents=face_value_cents,
        offline_allowance_cents=offline_allowance_cents, categories=list(categories),
        valid_from=today - timedelta(days=1), valid_until=today + timedelta(days=180),
        risk_reserve_bps=risk_reserve_bps)


def funded_campaign(sponsor, amount_cents=100_000, **options):
    """A campaign with a confirmed top-up of ``amount_cents``."""
    from datetime import datetime, timezone

    from server.payments import api as payments_api

    made = campaign(sponsor, **options)
    topup = payments_api.create_topup(campaign=made, sponsor=sponsor, amount_cents=amount_cents)
    payments_api.confirm_topup(topup=topup, operator=user(admin=True), now=datetime.now(timezone.utc))
    return made


def wallet_client(app, device=None):
    """A phone (new unless `device`, its DeviceKey, is given): a wallet opened with its
    device key, an ApiClient holding the bearer token."""
    from signing import DeviceKey

    device = device or DeviceKey.generate()
    api = ApiClient(app.test_client())
    challenge = api.post("/api/v1/wallet/challenge", json={"device_key": device.public_bytes.hex()}).get_json()
    opened = api.post("/api/v1/wallet/session", json={
        "device_key": device.public_bytes.hex(), "challenge": challenge["challenge"],
        "signature": device.sign(challenge["challenge"].encode()).hex()})
    assert opened.status_code == 200, opened.get_json()
    api.bearer = opened.get_json()["token"]
    return api, device
