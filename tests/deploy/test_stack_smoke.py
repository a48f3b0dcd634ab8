"""Smoke test of the production stack (deploy/): gunicorn behind Caddy over HTTPS, on
this machine. A student claims a voucher in the wallet, the theatre's door phone enrols,
reads the wallet's QR with no signal, and its record reaches the server when the signal
returns; every file came through Caddy compressed, with the cache headers production
needs. The journey's steps are the browser tests' own (tests/pwa)."""
import re

import pytest

from tests.pwa.test_journey import read_qr
from tests.pwa.test_scanner_browser import (
    FIRST_SHOW_PRICE, balances, dismiss, enrol, pending, scan_records, type_code, wait_for_pending,
)

pytestmark = [pytest.mark.browser, pytest.mark.stack]


def test_a_wallet_paid_at_an_offline_door_reaches_the_books_through_caddy_and_gunicorn(
        phones, stack, stack_app, stack_pilot):
    wallet = phones()
    answers = []
    wallet.on("response", lambda response: answers.append(response))

    # The student opens a printed card's link: the voucher is in the wallet, its QR drawn.
    claim_path = f"/w/claim/{stack_pilot.claim_code().code}"
    wallet.goto(claim_path)
    wallet.wait_for_url(re.compile(r"/w/buoni/\d+$"))
    voucher_id = int(wallet.url.rsplit("/", 1)[1])
    shown = wallet.locator(".qr-frame svg")
    shown.wait_for()
    presentation = read_qr(shown.screenshot())
    assert presentation.startswith("MP:")

    # The door phone enrols online, then has no signal while it reads the code.
    door = phones()
    scanner_id, venue_id = enrol(door)
    before = balances(stack_app, voucher_id, venue_id)
    door.context.set_offline(True)
    door.locator('[data-online="false"]').wait_for()
    verdict = type_code(door, presentation)
    assert verdict.get_attribute("data-verdict") == "accepted"
    dismiss(door)
    assert pending(door) == 1
    assert scan_records(stack_app, scanner_id) == []

    door.context.set_offline(False)
    wait_for_pending(door, 0)
    assert scan_records(stack_app, scanner_id) == [("redeemed", "accepted", voucher_id, FIRST_SHOW_PRICE)]
    after = balances(stack_app, voucher_id, venue_id)
    assert (after[0] - before[0], after[1] - before[1]) == (-FIRST_SHOW_PRICE, FIRST_SHOW_PRICE)

    # Everything the wallet loaded came through Caddy, over HTTPS, the files precompressed.
    assert answers and all(answer.url.startswith(stack.url) for answer in answers)
    scripts = [answer for answer in answers if re.search(r"/assets/[^/]+\.js$", answer.url)]
    assert scripts
    for script in scripts:
        headers = script.all_headers()
        assert headers.get("content-encoding") in ("br", "gzip"), script.url
        assert "immutable" in headers["cache-control"], script.url
        assert "server" in headers and "caddy" in headers["server"].lower()
    # The shell page (an in-app route, answered with index.html) is revalidated on every load.
    [shell] = [answer for answer in answers if answer.url == stack.url + claim_path]
    assert shell.all_headers()["cache-control"] == "no-cache"
    assert shell.all_headers().get("content-encoding") in ("br", "gzip")
