"""Factories per domain and a logged-in API client helper for server tests."""
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

    def post(self, url, json=None, **kwargs):
        return self.client.post(url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)
