"""A refused login says in words when to try again (server/http/throttle.py, a 429 with
Retry-After; pwa/src/api.js and i18n-format.js turn it into "riprova tra 40 secondi")."""
import re

import pytest
from playwright.sync_api import expect

from server import demo

pytestmark = pytest.mark.browser

LOGIN = "/api/v1/auth/login"


def test_too_many_logins_say_when_to_retry(page, pilot, live_app):
    for number in range(10):  # this address's allowance for a minute, on ten unknown accounts
        page.request.post(LOGIN, data={"email": f"nessuno{number}@example.it", "password": "non-questa-password"})

    page.goto("/login")
    page.get_by_label("Email").fill("forno.darsena@demo.example")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Accedi", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text(re.compile(r"Troppi tentativi: riprova tra \d+ secondi\."))
