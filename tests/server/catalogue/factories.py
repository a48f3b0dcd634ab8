"""Factories for venues and their events, and an API client that can also PATCH."""
import itertools
from datetime import datetime, timedelta, timezone

from werkzeug.security import generate_password_hash

from server.accounts import api as accounts_api
from server.accounts.models import APPROVED, VENUE, User
from server.catalogue import api as catalogue_api
from server.extensions import db
from tests.server import factories

_numbers = itertools.count(1)
# The role matrix logs in half a dozen people per test; the production hash (scrypt)
# takes a fifth of a second each, which is the point of it but not of these tests.
_CHEAP_HASH = generate_password_hash(factories.PASSWORD, method="pbkdf2:sha256:1000")


def person():
    """A member account that logs in with factories.PASSWORD."""
    user = User(email=f"persona.catalogo{next(_numbers)}@example.it", password_hash=_CHEAP_HASH)
    db.session.add(user)
    db.session.flush()
    return user


def venue(*, owner=None, municipality="Milano", approved=True, name=None):
    owner = owner or person()
    organisation = accounts_api.register_organisation(
        owner=owner, kind=VENUE, name=name or f"Teatro {next(_numbers)}", municipality=municipality,
        vat_number=factories.VALID_VAT, iban=factories.VALID_IBAN)
    if approved:
        organisation.status = APPROVED
    db.session.flush()
    return organisation


def event(venue, *, starts_in=timedelta(days=7), duration=timedelta(hours=2), starts_at=None, seats_taken=0,
          cancelled=False, now=None, **fields):
    """An event through the real use case. Past events are created "back then",
    a minute before they started, as the clock would have allowed."""
    now = now or datetime.now(timezone.utc)
    starts_at = starts_at or now + starts_in
    values = {"title": "Amleto", "category": "teatro", "kind": "event", "price_cents": 1500, "capacity": 100}
    values.update(fields)
    created = catalogue_api.create_event(venue=venue, starts_at=starts_at, ends_at=starts_at + duration,
                                         now=min(now, starts_at - timedelta(minutes=1)), **values)
    if seats_taken:  # what bookings will do, under their own lock
        created.seats_taken = seats_taken
    if cancelled:
        catalogue_api.cancel_event(event=created, now=min(now, starts_at))
    db.session.flush()
    return created


def event_payload(**overrides):
    """A valid POST body for an event a week from now."""
    starts_at = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
    body = {"title": "La locandiera", "description": "Goldoni, regia nuova.", "category": "teatro",
            "kind": "event", "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=2)).isoformat(), "price_cents": 1200, "capacity": 80}
    body.update(overrides)
    return body


class ApiClient(factories.ApiClient):
    def patch(self, url, json=None, **kwargs):
        return self.client.patch(url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def put(self, url, json=None, **kwargs):
        return self.client.put(url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs)
